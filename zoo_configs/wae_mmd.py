r"""WAE-MMD (Tolstikhin et al. 2018, Algorithm 2), the paper's MNIST settings.

d_z = 8, lambda = 10, multi-scale IMQ kernel with C = 2 d_z sigma^2 x {.1,.2,.5,1,2,5,10},
unbiased MMD estimator, deterministic encoder, squared-L2 reconstruction, Adam(1e-3,
0.5, 0.999), batch 100. Conv networks sized for a 2-core CPU.

    bazel run //otzoo:train -- --model=wae_mmd
"""

from zoo_configs import _common

LATENT_DIM = 8


def get_config(arg=None):
    config = _common.base_config("wae_mmd", value_range=(0, 1), steps=3000, batch_size=100)
    config.networks.encoder = _common.conv_encoder(config, output_dim=LATENT_DIM)
    config.networks.decoder = _common.conv_decoder(config, LATENT_DIM, output_activation="sigmoid")
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.penalty_weight = 10.0
    config.model_kwargs.kernel = "imq"
    config.model_kwargs.jit_penalties = True
    return _common.select(config, arg)
