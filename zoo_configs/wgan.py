r"""WGAN with weight clipping (Arjovsky et al. 2017), Algorithm 1's values but the rate.

RMSProp(2e-4) for both players instead of Algorithm 1's 5e-5 (the model's default): the
paper trains for ~10^5 generator updates; in this CPU budget (~1000 updates) 5e-5 gave
grey blobs (FID-FMNIST 101.7, recall 0: wgan version 1, in git history), 2e-4 gives FID
54.3 (version 2). Clip 0.01, n_critic = 5 (100 for the first 25 generator steps and
every 500th), batch 64. `steps` counts train steps of 5 critic updates each; a generator update
follows only when the schedule says so (every 20th step during the warm-up), so 1500
steps give about 1000 generator updates. DCGAN-style networks sized for a 2-core CPU,
no batch norm in the critic (the authors' DCGAN critic has some), d_z = 32, 24,000 steps.

Steps (one run, evaluated at 4000 and 12,000, resumed to 24,000 on 2026-11-29; 10^4
samples, our evaluator; wall time on the 2-core AMD EPYC, ~44-54 ms/step; short examples,
exports and niced re-evaluations ran beside both stages):

| steps | FID-FMNIST | recall | precision | class entropy | wall time |
|---|---|---|---|---|---|
| 1500 (`wgan/2`, git history) | 54.32 | 0.013 | 0.520 | - | 8.5 min (loaded) |
| 4000 | 33.49 | 0.171 | 0.451 | 2.208 | 196 s |
| 12,000 (`wgan/3`, git history) | 23.31 | 0.349 | 0.424 | 2.272 | 607 s |
| 24,000 (default, `exported/wgan/4`) | 22.46 | 0.394 | 0.426 | 2.282 | 1258 s |

`--variant=paper`: Algorithm 1's values and the authors' code for the rest (`paper`
below says where each value comes from).

    bazel run //otzoo:train -- --model=wgan
    bazel run //otzoo:train -- --model=wgan --variant=paper
"""

from zoo_configs import _common

LATENT_DIM = 32


def paper(config):
    """The published recipe. Arjovsky, Chintala, Bottou 2017, arXiv:1701.07875 ("Alg. 1":
    its algorithm box, whose header gives the defaults); what the paper does not give
    comes from the authors' code github.com/martinarjovsky/WassersteinGAN (main.py,
    models/dcgan.py), which trains the paper's DCGAN experiments."""
    latent_dim = 100  # main.py --nz 100, noise .normal_(0, 1)
    config.batch_size = 64  # Alg. 1: m = 64
    # main.py --niter 25 epochs; 25 x 60,000 images / (64 x 5 per step) = 4,687 steps,
    # rounded up to the checkpoint interval.
    config.steps = 4700
    config.steps_per_epoch = 100
    # main.py --ngf 64 --ndf 64; models/dcgan.py DCGAN_D: batch norm after every
    # convolution but the first (the critic of the paper's DCGAN runs).
    config.networks.generator = _common.conv_decoder(
        config, latent_dim, output_activation="tanh", base_filters=64)
    config.networks.critic = _common.conv_encoder(config, output_dim=1, base_filters=64)
    config.networks.critic.kwargs.normalization = "batch"
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.prior = "normal"
    config.model_kwargs.clip_value = 0.01  # Alg. 1: c = 0.01
    config.model_kwargs.critic_steps = 5  # Alg. 1: n_critic = 5
    # main.py: Diters = 100 while gen_iterations < 25 or gen_iterations % 500 == 0.
    config.model_kwargs.warmup_critic_steps = 100
    config.model_kwargs.warmup_generator_steps = 25
    config.model_kwargs.warmup_every = 500
    # Alg. 1: RMSProp, alpha = 0.00005. rho and epsilon: not stated; main.py uses
    # PyTorch's RMSprop defaults (alpha = 0.99, eps = 1e-8).
    for player in ("generator", "critic"):
        config.compile[f"{player}_optimizer"] = _common.optimizer(
            "RMSprop", learning_rate=5e-5, rho=0.99, epsilon=1e-8)
    return config


def get_config(arg=None):
    config = _common.base_config("wgan", value_range=(-1, 1), steps=24_000)
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
    config = _common.select(config, arg, paper)
    if arg == "smoke":
        config.model_kwargs.warmup_critic_steps = 10  # a multiple of the 5 per step
    return config
