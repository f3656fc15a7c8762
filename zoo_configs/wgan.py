r"""WGAN with weight clipping (Arjovsky et al. 2017), the paper's defaults but the rate.

RMSProp(2e-4) for both players instead of the paper's 5e-5 (the model's default): the
paper trains for ~10^5 generator updates; in this CPU budget (~1000 updates) 5e-5 gave
grey blobs (FID-FMNIST 101.7, recall 0: `exported/wgan/1`), 2e-4 gives FID 54.3
(`exported/wgan/2`). Clip 0.01, n_critic = 5 (100 for the first 25 generator steps and
every 500th), batch 64. `steps` counts train steps of 5 critic updates each; a generator update
follows only when the schedule says so (every 20th step during the warm-up), so 1500
steps give about 1000 generator updates. DCGAN-style networks sized for a 2-core CPU,
no batch norm in the critic.

    bazel run //otzoo:train -- --model=wgan
"""

from zoo_configs import _common

LATENT_DIM = 32


def get_config(arg=None):
    config = _common.base_config("wgan", value_range=(-1, 1), steps=1500)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.critic = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.clip_value = 0.01
    config.model_kwargs.critic_steps = 5
    config.model_kwargs.warmup_critic_steps = 100
    config.model_kwargs.warmup_generator_steps = 25
    config.model_kwargs.warmup_every = 500
    for player in ("generator", "critic"):
        config.compile[f"{player}_optimizer"] = {
            "class_name": "RMSprop",
            "config": {"learning_rate": 2e-4, "rho": 0.99, "epsilon": 1e-8}}
    config = _common.select(config, arg)
    if arg == "smoke":
        config.model_kwargs.warmup_critic_steps = 10  # a multiple of the 5 per step
    return config
