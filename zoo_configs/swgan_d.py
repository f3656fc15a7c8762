r"""SWGAN-D: sliced-Wasserstein generator in a discriminator's feature space.

Deshpande et al. 2018: the discriminator is trained by binary cross-entropy, the
generator by SW_2^2 between real and generated penultimate features; Adam(1e-4, 0.5),
uniform prior, 10^4 projections in the paper (feature space is small: 1000 here on CPU).

    bazel run //otzoo:train -- --model=swgan_d
"""

from zoo_configs import _common

LATENT_DIM = 32


def get_config(arg=None):
    config = _common.base_config("swgan_d", value_range=(-1, 1), steps=3000)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.discriminator = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.num_projections = 1000
    config.model_kwargs.prior = "uniform"
    # XLA's CPU sort makes the SW loss 2x slower compiled (benchmarks/gan_bench.py).
    config.model_kwargs.jit_penalties = False
    return _common.select(config, arg)
