r"""Max-sliced Wasserstein GAN (Deshpande et al. 2019).

The discriminator's last linear layer gives the slicing direction; the generator
minimises W_2^2 of the features projected on it. DCGAN-style networks sized for a 2-core
CPU; Adam(1e-4, 0.5).

    bazel run //otzoo:train -- --model=max_swgan
"""

from zoo_configs import _common

LATENT_DIM = 32


def get_config(arg=None):
    config = _common.base_config("max_swgan", value_range=(-1, 1), steps=3000)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.discriminator = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.direction = "discriminator"
    config.model_kwargs.jit_penalties = True
    return _common.select(config, arg)
