r"""GAN (Goodfellow et al. 2014) with the non-saturating generator loss.

Optimizers: Adam(2e-4, beta_1=0.5) for both players (the DCGAN recipe, Radford et al.
2016, which Goodfellow et al. predate: their SGD-with-momentum settings are for MLPs).
Networks: DCGAN-style, sized for a 2-core CPU (32 base filters).

    bazel run //otzoo:train -- --model=gan
"""

from zoo_configs import _common

LATENT_DIM = 32


def get_config(arg=None):
    config = _common.base_config("gan", value_range=(-1, 1), steps=3000)
    config.networks.generator = _common.network(
        "conv_decoder", latent_dim=LATENT_DIM, image_shape=_common.data_shape(config),
        base_filters=32, output_activation="tanh")
    config.networks.discriminator = _common.network(
        "conv_encoder", image_shape=_common.data_shape(config), output_dim=1, base_filters=32)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.generator_loss = "non_saturating"
    return _common.select(config, arg)
