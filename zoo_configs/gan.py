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
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.discriminator = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.generator_loss = "non_saturating"
    return _common.select(config, arg)
