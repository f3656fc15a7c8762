r"""WGAN-GP (Gulrajani et al. 2017), the paper's defaults.

lambda = 10, n_critic = 5 (a fresh real batch for each critic step), Adam(1e-4, 0.5,
0.9), batch 64, no batch norm in the critic. `steps` counts generator steps.
DCGAN-style networks sized for a 2-core CPU.

    bazel run //otzoo:train -- --model=wgan_gp
"""

from zoo_configs import _common

LATENT_DIM = 32


def get_config(arg=None):
    config = _common.base_config("wgan_gp", value_range=(-1, 1), steps=1500)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.critic = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.gp_weight = 10.0
    config.model_kwargs.critic_steps = 5
    config.model_kwargs.jit_penalties = True
    return _common.select(config, arg)
