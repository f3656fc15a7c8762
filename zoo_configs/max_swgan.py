r"""Max-sliced Wasserstein GAN (Deshpande et al. 2019).

The discriminator's last linear layer gives the slicing direction; the generator
minimises W_2^2 of the features projected on it. Default (CPU): DCGAN-style networks
with 32 base filters and no batch norm in the discriminator, Adam(1e-4, 0.5) for both
players, batch 64, 3000 steps, d_z = 32 from U[-1, 1]^d (the model's defaults).

`--variant=paper`: the settings of the authors' sliced-Wasserstein generator code, from
which the model takes its optimizer and prior (`paper` below says where each value
comes from; the max-sliced paper's own image settings could not be checked here).

    bazel run //otzoo:train -- --model=max_swgan
    bazel run //otzoo:train -- --model=max_swgan --variant=paper
"""

from zoo_configs import _common

LATENT_DIM = 32


def paper(config):
    """The recipe as far as it could be sourced. Deshpande et al., CVPR 2019,
    arXiv:1904.05877, Alg. 1: the direction is the discriminator's last linear layer,
    one projection per step. Its experiment section was not available to check: the
    other values are from the same first author's SWG code (`_common.swg_code_recipe`),
    and none is labelled as the paper's."""
    config = _common.swg_code_recipe(config, discriminator=True)
    config.model_kwargs.direction = "discriminator"  # Alg. 1
    return config


def get_config(arg=None):
    config = _common.base_config("max_swgan", value_range=(-1, 1), steps=3000)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.discriminator = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.direction = "discriminator"
    return _common.select(config, arg, paper)
