r"""VAE (Kingma & Welling 2014): Gaussian encoder, Bernoulli decoder, the baseline.

d_z = 8 (as the WAE comparison on 28x28 images), KL weight 1 (the ELBO). The paper's
optimizer (Adagrad 0.01) is the model's default. Pixels in [0, 1]; the decoder outputs
Bernoulli logits. Conv networks sized for a 2-core CPU.

    bazel run //otzoo:train -- --model=vae
"""

from zoo_configs import _common

LATENT_DIM = 8


def get_config(arg=None):
    config = _common.base_config("vae", value_range=(0, 1), steps=3000, batch_size=100)
    config.networks.encoder = _common.conv_encoder(config, output_dim=2 * LATENT_DIM)
    config.networks.decoder = _common.conv_decoder(config, LATENT_DIM, output_activation=None)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.likelihood = "bernoulli"
    config.model_kwargs.kl_weight = 1.0
    config.model_kwargs.jit_penalties = True
    return _common.select(config, arg)
