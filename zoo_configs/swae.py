r"""SWAE (Kolouri et al. 2018): sliced-Wasserstein autoencoder.

Regularizer SW_2^2 between codes and prior samples, weight lambda = 10, 50 projections
as the paper's code, normal prior (`model_kwargs.prior`: normal, uniform, disk, ring or
gaussian_mixture), d_z = 8, BCE + L1 reconstruction as the paper's code. Conv networks
sized for a 2-core CPU. `model_kwargs.regularizer` (otzoo.models.swae.REGULARIZERS)
switches to "gsw" (generalized slices, degree-3 polynomial) or "dsw" (distributional
slices) with the same 50 projections; "max_sw" and "max_gsw" take no num_projections,
which this config sets, so they are for Python callers (`SWAE(..., regularizer=...)`).

    bazel run //otzoo:train -- --model=swae
    bazel run //otzoo:train -- --model=swae --config.model_kwargs.regularizer=gsw
"""

from zoo_configs import _common

LATENT_DIM = 8


def get_config(arg=None):
    config = _common.base_config("swae", value_range=(0, 1), steps=3000, batch_size=100)
    config.networks.encoder = _common.conv_encoder(config, output_dim=LATENT_DIM)
    config.networks.decoder = _common.conv_decoder(config, LATENT_DIM, output_activation="sigmoid")
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.regularizer = "sw"
    config.model_kwargs.penalty_weight = 10.0
    config.model_kwargs.num_projections = 50
    config.model_kwargs.prior = "normal"
    config.model_kwargs.jit_penalties = True
    return _common.select(config, arg)
