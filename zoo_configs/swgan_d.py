r"""SWGAN-D: sliced-Wasserstein generator in a discriminator's feature space.

Deshpande, Zhang, Schwing, CVPR 2018: the discriminator is trained by binary
cross-entropy, the generator by SW_2^2 between real and generated penultimate features.
Default (CPU): Adam(1e-4, 0.5) for both players and a uniform prior on [-1, 1]^d (the
authors' code), batch 64, 3000 steps, d_z = 32. Named deviations from the authors' code
(`--variant=paper`): L = 1000 directions instead of 10^4 (the feature space is small),
32 base filters and no batch norm in the discriminator.

    bazel run //otzoo:train -- --model=swgan_d
    bazel run //otzoo:train -- --model=swgan_d --variant=paper
"""

from zoo_configs import _common

LATENT_DIM = 32


def paper(config):
    """The SWG recipe with its discriminator. Every value is from the authors' code,
    github.com/ishansd/swg (swg.py with --use_discriminator, utils/flags_wrapper.py,
    generator_models/dcgan.py, discriminator_models/d_dcgan.py): the paper's experiment
    section (arXiv:1803.11188, Sec. 5) was not available to check, so none is labelled
    as the paper's. Not expressed: d_dcgan.py matches the features of its FIRST
    convolution (h_to_match); the zoo's model matches the penultimate features."""
    latent_dim = 100  # flags_wrapper.py latent_dim = 100
    config.batch_size = 64  # swg.py --batch_size 64
    config.steps = 10_000  # swg.py --max_iters 10000
    config.steps_per_epoch = 500
    # generator_models/dcgan.py: batch norm, last hidden layer 128 channels.
    config.networks.generator = _common.conv_decoder(
        config, latent_dim, output_activation="tanh", base_filters=128)
    # d_dcgan.py: 4x4 stride-2 convolutions of 64, 128, ... channels with batch norm
    # (the builder's "batch" leaves the first one without).
    config.networks.discriminator = _common.conv_encoder(
        config, output_dim=1, base_filters=64)
    config.networks.discriminator.kwargs.normalization = "batch"
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.num_projections = 10_000  # swg.py --num_projections 10000
    config.model_kwargs.prior = "uniform"  # swg.py: np.random.uniform(-1, 1)
    # swg.py: tf.train.AdamOptimizer(1e-4, beta1=0.5) for both players (one
    # discriminator update per generator update: dfreq = diter = 1); beta_2 and epsilon
    # are TF1's defaults (0.999, 1e-8).
    for player in ("generator", "discriminator"):
        config.compile[f"{player}_optimizer"] = _common.optimizer(
            "Adam", learning_rate=1e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-8)
    return config


def get_config(arg=None):
    config = _common.base_config("swgan_d", value_range=(-1, 1), steps=3000)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.discriminator = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.num_projections = 1000
    config.model_kwargs.prior = "uniform"
    return _common.select(config, arg, paper)
