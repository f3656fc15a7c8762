r"""DSW-GAN: distributional sliced-Wasserstein generator in a discriminator's features.

Nguyen, Ho, Pham, Bui, ICLR 2021: the discriminator is trained by binary cross-entropy;
a linear map f (its directions f(theta0)/|f(theta0)|) ascends DSW with the diversity
penalty lambda_C; the generator descends DSW_2^2 between real and generated penultimate
features. Default (CPU): the networks, batch 64 and d_z = 32 of `zoo_configs/swgan_d.py`,
Adam(5e-4, 0.5, 0.999) for G, D and f, lambda_C = 1, z ~ N(0, I) (the authors' code).
Named deviations from the authors' code (`--variant=paper`): L = 250 directions and
T = 1 ascent step per train step (their CelebA / CIFAR-10 / LSUN runs use T = 1 and
L = 1000; f is a 3136 x 3136 map here: a step took 0.51 s at L = 250 and 2.5 s at
L = 1000 on a loaded 2-core machine), 6000 steps, 32 base filters and no batch norm in
the discriminator.

Steps (one run, evaluated at 3000 and resumed to 6000; 10^4 samples, our evaluator;
wall time on the 2-core AMD EPYC with niced test jobs of other work running beside it,
~100-150 ms/step):

| steps | FID-FMNIST | recall | precision | wall time |
|---|---|---|---|---|
| 3000 | 54.81 | 0.022 | 0.777 | 383 s |
| 6000 (default, `exported/dswgan/1`) | 46.16 | 0.022 | 0.726 | 641 s |

FID fell by 8.7 between 3000 and 6000 steps; more steps were not measured. The logged
DSW_2^2 grows (5 -> 12) while the discriminator's BCE sits at 0.02-0.12: D keeps
sharpening its features, so the generator's loss is not a progress measure here.

    bazel run //otzoo:train -- --model=dswgan
    bazel run //otzoo:train -- --model=dswgan --variant=paper
"""

from zoo_configs import _common

LATENT_DIM = 32


def paper(config):
    """The DSW GAN recipe. Every value is from the authors' code, github.com/VinAIResearch/DSW
    (main.py, DCGANAE.py, TransformNet.py, README.md): the paper's experiment section
    (arXiv:2002.07367) was not available to check, so none is labelled as the paper's.
    Not expressed: the 64x64 inputs (the zoo trains on 28x28 Fashion-MNIST, so the
    discriminator's 4 stride-2 convolutions end at 2x2x512 = 2048 features, not
    4x4x512 = 8192), the tanh on the features and the batch norm on the generator's
    first layer."""
    latent_dim = 100  # README: --latent-size=100 for CelebA, CIFAR-10, LSUN
    config.batch_size = 512  # README / main.py --batch-size 512
    # main.py --epochs 200: 200 x 60,000 / 512 = 23,437 steps, rounded up to the
    # checkpoint interval.
    config.steps = 23_500
    config.steps_per_epoch = 500
    # DCGANAE.py LSUNDecoder: transposed convolutions 512-256-128-64 with batch norm.
    config.networks.generator = _common.conv_decoder(
        config, latent_dim, output_activation="tanh", base_filters=64)
    config.networks.generator.kwargs.num_blocks = 2  # 28x28 = 7x7 upsampled twice
    # DCGANAE.py Discriminator.main1: 4x4 stride-2 convolutions of 64, 128, 256, 512
    # channels, batch norm after all but the first.
    config.networks.discriminator = _common.conv_encoder(config, output_dim=1,
                                                         base_filters=64)
    config.networks.discriminator.kwargs.num_blocks = 4
    config.networks.discriminator.kwargs.normalization = "batch"
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.num_projections = 1000  # README --num-projection=1000
    config.model_kwargs.num_steps = 1  # README --niter=1 (main.py default: 10)
    config.model_kwargs.regularization = 1.0  # README --lam=1
    config.model_kwargs.slicer_learning_rate = 5e-4  # main.py op_trannet Adam(lr)
    config.model_kwargs.prior = "normal"  # main.py: rand_dist = torch.randn
    # main.py: optim.Adam(lr=0.0005, betas=(0.5, 0.999)) for the generator and the
    # discriminator (one discriminator update per generator update).
    for player in ("generator", "discriminator"):
        config.compile[f"{player}_optimizer"] = _common.optimizer(
            "Adam", learning_rate=5e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-8)
    return config


def get_config(arg=None):
    config = _common.base_config("dswgan", value_range=(-1, 1), steps=6000)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.discriminator = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.num_projections = 250
    config.model_kwargs.num_steps = 1
    config.model_kwargs.regularization = 1.0
    config.model_kwargs.prior = "normal"
    return _common.select(config, arg, paper)
