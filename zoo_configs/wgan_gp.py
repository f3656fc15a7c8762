r"""WGAN-GP (Gulrajani et al. 2017).

Default (CPU): lambda = 10, n_critic = 5 (a fresh real batch for each critic step), no
batch norm in the critic (Algorithm 1 and Sec. 4); batch 64, 4500 generator steps,
DCGAN-style networks with 32 base filters, d_z = 32. Named deviation: Adam(1e-4,
beta_1 = 0.5, beta_2 = 0.9), the authors' own MNIST script (gan_mnist.py) setting,
instead of Algorithm 1's beta_1 = 0; the zoo's exported run used it, and beta_1 = 0 was
not measured here.

Steps (one run, evaluated at 1500 and resumed to 4500; 10^4 samples, our evaluator;
wall time on the 2-core AMD EPYC, ~100 ms/step, nothing else running):

| steps | FID-FMNIST | recall | precision | class entropy | wall time |
|---|---|---|---|---|---|
| 1500 (`wgan_gp/1`, git history) | 32.62 | 0.231 | 0.461 | - | 28.5 min (loaded) |
| 1500 (this run) | 32.92 | 0.227 | 0.463 | 2.205 | 159 s |
| 4500 (`wgan_gp/2`, penalty compiled, git history) | 12.71 | 0.426 | 0.465 | 2.292 | 468 s |
| 4500 (default, `exported/wgan_gp/3`, not compiled) | 12.62 | 0.437 | 0.466 | 2.292 | 322 s |

The gradient penalty is not XLA-compiled (`jit_penalties = False`, the one config
without it): it is no OT penalty but a second backward pass through the convolutional
critic, and XLA's CPU convolutions (Eigen) are slower than TensorFlow's oneDNN ones. With
it compiled the step ran at 0.67x of TensorFlow's (`plain_loop_bench.py --entries=wgan_gp
--breakdown=all`, `step-nojit` column, 2026-11-29, alone) and the zoo step at 0.81x of a
plain Keras loop. The uncompiled retrain (`wgan_gp/3`, alone on the machine) took
322 s where `wgan_gp/2` took 468 s; the trainer's 10 steps per call are new too, so
not all of that is the compilation. The two differ by rounding only (the same recipe
and seed): FID-FMNIST 12.62 against 12.71.

`--variant=paper`: Algorithm 1's Adam(1e-4, 0, 0.9) and the authors' MNIST network and
schedule (`paper` below says where each value comes from).

    bazel run //otzoo:train -- --model=wgan_gp
    bazel run //otzoo:train -- --model=wgan_gp --variant=paper
"""

from zoo_configs import _common

LATENT_DIM = 32


def paper(config):
    """The published recipe. Gulrajani et al. 2017, arXiv:1704.00028 ("Alg. 1" is its
    algorithm box, whose caption gives the defaults); the paper describes no MNIST
    network, so those values come from the authors' code
    github.com/igul222/improved_wgan_training, gan_mnist.py (MODE = 'wgan-gp')."""
    latent_dim = 128  # gan_mnist.py: tf.random_normal([n, 128])
    config.batch_size = 50  # gan_mnist.py BATCH_SIZE (Alg. 1 leaves m open)
    config.steps = 200_000  # gan_mnist.py ITERS, generator iterations
    config.steps_per_epoch = 1000
    # gan_mnist.py DIM = 64. Its generator ends in a sigmoid ([0, 1] pixels); tanh and
    # [-1, 1] here, the zoo's GAN convention.
    config.networks.generator = _common.conv_decoder(
        config, latent_dim, output_activation="tanh", base_filters=64)
    # gan_mnist.py normalises the generator only in MODE 'wgan': none here.
    config.networks.generator.kwargs.normalization = None
    # No batch norm in the critic: Sec. 4 ("No critic batch normalization").
    config.networks.critic = _common.conv_encoder(config, output_dim=1, base_filters=64)
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.prior = "normal"  # gan_mnist.py: tf.random_normal
    config.model_kwargs.gp_weight = 10.0  # Alg. 1 caption: lambda = 10
    config.model_kwargs.critic_steps = 5  # Alg. 1 caption: n_critic = 5
    # Alg. 1 caption: alpha = 0.0001, beta_1 = 0, beta_2 = 0.9. epsilon: not stated;
    # 1e-8 is TF1's AdamOptimizer default, which the authors' code leaves unchanged.
    for player in ("generator", "critic"):
        config.compile[f"{player}_optimizer"] = _common.optimizer(
            "Adam", learning_rate=1e-4, beta_1=0.0, beta_2=0.9, epsilon=1e-8)
    return config


def get_config(arg=None):
    config = _common.base_config("wgan_gp", value_range=(-1, 1), steps=4500)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.networks.critic = _common.conv_encoder(config, output_dim=1)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.gp_weight = 10.0
    config.model_kwargs.critic_steps = 5
    # Not compiled (docstring): XLA's CPU convolutions make the GP's double backward
    # pass through the critic slower than TensorFlow's oneDNN kernels.
    config.model_kwargs.jit_penalties = False
    # Named deviation (docstring): beta_1 = 0.5 as gan_mnist.py, not Alg. 1's 0.
    for player in ("generator", "critic"):
        config.compile[f"{player}_optimizer"] = _common.optimizer(
            "Adam", learning_rate=1e-4, beta_1=0.5, beta_2=0.9)
    return _common.select(config, arg, paper)
