r"""SWGAN: sliced-Wasserstein generator in pixel space (the zoo's default entry).

Hyperparameters from Deshpande et al. 2018 (CVPR) and their code: Adam(1e-4, 0.5),
uniform latent prior on [-1, 1]^d, batch 64, up to 10^4 random projections of the 784
pixels per step. The DCGAN-style generator is sized for a 2-core CPU (32 base filters);
GPU users raise `networks.generator.kwargs.base_filters` and `model_kwargs.num_projections`.

    bazel run //otzoo:train -- --model=swgan
    bazel run //otzoo:train -- --model=swgan --variant=smoke   # seconds, for tests
"""

from zoo_configs import _common

LATENT_DIM = 32


def get_config(arg=None):
    config = _common.base_config("swgan", value_range=(-1, 1), steps=3000)
    config.networks.generator = _common.network(
        "conv_decoder", latent_dim=LATENT_DIM, image_shape=_common.IMAGE_SHAPE,
        base_filters=32, output_activation="tanh")
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.num_projections = 1000
    config.model_kwargs.prior = "uniform"
    # XLA's CPU sort makes the SW loss 2x slower compiled (benchmarks/gan_bench.py).
    config.model_kwargs.jit_penalties = False
    return _common.select(config, arg)
