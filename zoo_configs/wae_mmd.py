r"""WAE-MMD (Tolstikhin et al. 2018, Algorithm 2).

Default (CPU), the paper's MNIST settings but the networks and length: d_z = 8,
lambda = 10, multi-scale IMQ kernel with C = 2 d_z sigma^2 x {.1,.2,.5,1,2,5,10},
sigma_z^2 = 1, unbiased MMD estimator, deterministic encoder, squared-L2 reconstruction,
Adam(1e-3, 0.5, 0.999), batch 100. Named deviations: conv networks with 32 base filters
(the paper's have 128..1024), 3000 steps without the learning-rate decay (the paper: 100
epochs = 60,000 steps, decayed after 30 and 50 epochs).

`--variant=paper`: App. C.1's MNIST recipe (`paper` below says where each value comes
from).

    bazel run //otzoo:train -- --model=wae_mmd
    bazel run //otzoo:train -- --model=wae_mmd --variant=paper
"""

from zoo_configs import _common

LATENT_DIM = 8


def paper(config):
    """The published recipe: Tolstikhin, Bousquet, Gelly, Schoelkopf, Wasserstein
    Auto-Encoders, ICLR 2018, arXiv:1711.01558, Sec. 4 and App. C.1 (MNIST). The same
    values are in the authors' github.com/tolstikhin/wae configs.py (config_mnist,
    "MNIST config from ICLR paper"). Not done: the authors' code's encoder pre-training
    (the paper does not describe it)."""
    latent_dim = 8  # Sec. 4 / App. C.1: d_z = 8 for MNIST
    config.batch_size = 100  # App. C.1: mini-batches of size 100
    config.steps = 60_000  # App. C.1: 100 epochs of 60,000 images
    config.steps_per_epoch = 600  # one epoch
    config.networks.encoder, config.networks.decoder = _common.wae_mnist_networks(
        config, latent_dim)
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.penalty_weight = 10.0  # App. C.1: lambda = 10
    config.model_kwargs.kernel = "imq"  # Sec. 4: inverse multiquadratics kernel
    config.model_kwargs.prior = "normal"  # Sec. 4: P_Z = N(0, sigma_z^2 I), App. C.1: 1
    config.model_kwargs.kernel_sigma2 = 1.0
    # Sec. 4: Adam with beta_1 = 0.5, beta_2 = 0.999. App. C.1: alpha = 1e-3, halved
    # after 30 epochs and divided by 5 more after 50. epsilon: not stated; 1e-8 is TF1's
    # AdamOptimizer default, which the authors' code leaves unchanged.
    config.compile.autoencoder_optimizer = _common.optimizer(
        "Adam", learning_rate=_common.piecewise_constant([18_000, 30_000], [1e-3, 5e-4, 1e-4]),
        beta_1=0.5, beta_2=0.999, epsilon=1e-8)
    return config


def get_config(arg=None):
    config = _common.base_config("wae_mmd", value_range=(0, 1), steps=3000, batch_size=100)
    config.networks.encoder = _common.conv_encoder(config, output_dim=LATENT_DIM)
    config.networks.decoder = _common.conv_decoder(config, LATENT_DIM, output_activation="sigmoid")
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.penalty_weight = 10.0
    config.model_kwargs.kernel = "imq"
    return _common.select(config, arg, paper)
