r"""SWAE (Kolouri et al. 2018): sliced-Wasserstein autoencoder.

Regularizer SW_2^2 between codes and prior samples (selectable: sw, max_sw, gsw_poly,
gsw_circular, max_gsw, dsw), weight lambda = 10, 50 projections as the paper's code,
normal prior (any of normal, uniform, disk, ring, mixture), d_z = 8, BCE + L1
reconstruction as the paper's code. Conv networks sized for a 2-core CPU.

    bazel run //otzoo:train -- --model=swae
    bazel run //otzoo:train -- --model=swae --config.model_kwargs.regularizer=gsw_circular
"""

from zoo_configs import _common

LATENT_DIM = 8


def get_config(arg=None):
    config = _common.base_config("swae", value_range=(0, 1), steps=3000, batch_size=100)
    config.networks.encoder = _common.network(
        "conv_encoder", image_shape=_common.IMAGE_SHAPE, output_dim=LATENT_DIM,
        base_filters=32)
    config.networks.decoder = _common.network(
        "conv_decoder", latent_dim=LATENT_DIM, image_shape=_common.IMAGE_SHAPE,
        base_filters=32, output_activation="sigmoid")
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.regularizer = "sw"
    config.model_kwargs.penalty_weight = 10.0
    config.model_kwargs.num_projections = 50
    config.model_kwargs.prior = "normal"
    config.model_kwargs.jit_penalties = True
    return _common.select(config, arg)
