r"""VAE (Kingma & Welling 2014): Gaussian encoder, Bernoulli decoder, the baseline.

Default (CPU): d_z = 8 (as the WAE entries, for comparison), KL weight 1 (the ELBO),
batch 100 and Adagrad(0.01) (the model's default, Sec. 5), 48,000 steps. Pixels in
[0, 1]; the decoder outputs Bernoulli logits. Conv networks sized for a 2-core CPU (the
paper's are MLPs, which the zoo's image builders do not make).

Steps (one run, evaluated at 8000 and 24,000, resumed to 48,000 on 2026-11-29; 10^4
samples, our evaluator; wall time on the 2-core AMD EPYC, 9-16 ms/step, nothing else
running but short niced jobs):

| steps | FID-FMNIST | recall | precision | class entropy | recon. MSE | wall time |
|---|---|---|---|---|---|---|
| 3000 (`vae/1`, git history) | 39.10 | 0.150 | 0.815 | - | 0.0162 | 23.2 min (loaded) |
| 8000 | 34.33 | 0.186 | 0.815 | 2.219 | 0.0145 | 119 s |
| 24,000 (`vae/2`, git history) | 31.40 | 0.201 | 0.823 | 2.214 | 0.0138 | 333 s |
| 48,000 (default, `exported/vae/3`) | 29.23 | 0.215 | 0.829 | 2.224 | 0.0135 | 711 s |

`--variant=paper`: Sec. 5's MNIST settings (`paper` below says where each value comes
from).

    bazel run //otzoo:train -- --model=vae
    bazel run //otzoo:train -- --model=vae --variant=paper
"""

from zoo_configs import _common

LATENT_DIM = 8


def paper(config):
    """The published recipe. Kingma & Welling, Auto-Encoding Variational Bayes, ICLR
    2014, arXiv:1312.6114, Sec. 5. Not expressed: the paper's encoder and decoder are
    MLPs with one hidden layer of 500 units on MNIST; the zoo's builders make conv
    networks for images, so the default conv networks stay. Also not expressed: the
    weight decay of the N(0, I) parameter prior and the N(0, 0.01) initialisation."""
    latent_dim = 20  # Sec. 5 / Fig. 2 compare N_z in {3, 5, 10, 20, 200}; 20 of those
    config.batch_size = 100  # Sec. 5: minibatches of size M = 100 (L = 1 sample each)
    # Fig. 2 plots up to 10^8 training samples evaluated: 10^6 steps of 100.
    config.steps = 1_000_000
    config.steps_per_epoch = 1000
    config.networks.encoder = _common.conv_encoder(config, output_dim=2 * latent_dim)
    config.networks.decoder = _common.conv_decoder(config, latent_dim, output_activation=None)
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.likelihood = "bernoulli"  # Sec. 5: Bernoulli decoder on MNIST
    config.model_kwargs.kl_weight = 1.0  # the ELBO, Eq. 10
    # Sec. 5: Adagrad, global step size from {0.01, 0.02, 0.1}; 0.01 of those.
    # Initial accumulator and epsilon: not stated; Keras' defaults (0.1, 1e-7).
    config.compile.autoencoder_optimizer = _common.optimizer(
        "Adagrad", learning_rate=0.01, initial_accumulator_value=0.1, epsilon=1e-7)
    return config


def get_config(arg=None):
    config = _common.base_config("vae", value_range=(0, 1), steps=48_000, batch_size=100)
    config.networks.encoder = _common.conv_encoder(config, output_dim=2 * LATENT_DIM)
    config.networks.decoder = _common.conv_decoder(config, LATENT_DIM, output_activation=None)
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.likelihood = "bernoulli"
    config.model_kwargs.kl_weight = 1.0
    return _common.select(config, arg, paper)
