r"""WAE-GAN (Tolstikhin et al. 2018, Algorithm 1), the paper's MNIST settings.

d_z = 8, lambda = 10 (the adversary in latent space), non-saturating encoder loss, an MLP
latent discriminator, deterministic encoder, squared-L2 reconstruction. Conv networks
sized for a 2-core CPU.

    bazel run //otzoo:train -- --model=wae_gan
"""

from zoo_configs import _common

LATENT_DIM = 8


def get_config(arg=None):
    config = _common.base_config("wae_gan", value_range=(0, 1), steps=3000, batch_size=100)
    config.networks.encoder = _common.conv_encoder(config, output_dim=LATENT_DIM)
    config.networks.decoder = _common.conv_decoder(config, LATENT_DIM, output_activation="sigmoid")
    config.networks.discriminator = _common.network(
        "mlp", input_dim=LATENT_DIM, output_dim=1, hidden_units=(128, 128))
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.penalty_weight = 10.0
    config.model_kwargs.jit_penalties = True
    return _common.select(config, arg)
