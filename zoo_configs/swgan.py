r"""SWGAN: sliced-Wasserstein generator in pixel space (the zoo's default entry).

Deshpande, Zhang, Schwing, CVPR 2018. Default (CPU): uniform latent prior on [-1, 1]^d,
d_z = 32, L = 1000 random directions of the 784 pixels per step, batch 256 and
Adam(5e-4, 0.5), after the MNIST command of the DSW authors' README (Nguyen et al.
2021, github.com/VinAIResearch/DSW: batch 512, lr 5e-4, 1000 projections, latent 32;
`--model-type=SWD` selects their SW baseline).
Named deviations from the SWG recipe (`--variant=paper`: batch 64, Adam(1e-4, 0.5),
L = 10^4): at batch 64 and 1e-4, 3000 steps gave noisy blobs (FID-FMNIST 53.9, recall
0.014: swgan version 1, in git history); batch 256 and 5e-4 give garment shapes in the
same 3000 steps (version 2). The DCGAN-style generator is sized for a 2-core CPU (32
base filters); GPU users raise `networks.generator.kwargs.base_filters` and
`model_kwargs.num_projections`. Penalty compiled (XLA), as in every config but wgan_gp.

Steps and weight averaging (ablation, 2026-11-29, this config otherwise; one training
resumed at each row's step count, each export evaluated with 10,000 samples):

| steps | EMA (decay 0.999) | FID-FMNIST | recall | precision |
|---|---|---|---|---|
| 3000 | off | 31.13 | 0.146 | 0.638 |
| 6000 | off | 24.99 | 0.219 | 0.625 |
| 9000 | off | 22.12 | 0.242 | 0.648 |
| 3000 | on | 36.45 | 0.104 | 0.653 |
| 9000 | on | 22.13 | 0.233 | 0.646 |

Training time alone on a 2-core AMD EPYC (the EMA runs): 125 s for 3000 steps, 390 s
for 9000 (the EMA-off runs shared the CPU with other jobs).

More steps help (the SW loss keeps falling: 0.0081 at 3000, 0.0076 at 9000); EMA does
not at 9000 and hurts at 3000 (its ~1000-step window still holds early weights), so it
stays off.

Steps, continued (2026-11-29; `exported/swgan/3`, trained by this config at 9000 steps,
resumed bit-exactly to 15,000 and evaluated; class entropy: real data 2.301; wall time:
the checkpointed training time, `total_wall_time_s`):

| steps | FID-FMNIST | recall | precision | class entropy | wall time |
|---|---|---|---|---|---|
| 9000 (`exported/swgan/3`) | 21.26 | 0.255 | 0.620 | 2.263 | 329 s |
| **15,000 (`exported/swgan/4`)** | **17.51** | **0.309** | **0.644** | **2.278** | **581 s** |

15,000 steps (581 s of training alone, plus start-up) fit the README's 15-minute budget
for its first command; the SW loss still falls (0.0074 at 9000, 0.0073 at 15,000).

Seeds (this config, `--config.seed=S`, 15,000 uninterrupted steps, 2026-11-29, alone but
for a few niced seconds of other work; `exported/swgan/seeds.json`, on the leaderboard):

| seed | FID-FMNIST | recall | precision | class entropy | wall time |
|---|---|---|---|---|---|
| 0 (shipped) | 17.51 | 0.309 | 0.644 | 2.278 | 581 s |
| 1 | 18.97 | 0.306 | 0.625 | 2.258 | 569 s |
| 2 | 19.22 | 0.297 | 0.641 | 2.276 | 559 s |
| mean ± std | 18.57 ± 0.92 | 0.304 ± 0.006 | 0.637 ± 0.010 | 2.271 ± 0.011 | |

Every seed meets FID-FMNIST <= 20; the shipped seed is the best of the three (1.2 std
below the mean).

Slicing (`model_kwargs.slicing`; 3000 steps, this config otherwise, one seed):

| slicing | FID-FMNIST | recall | precision | wall time |
|---|---|---|---|---|
| uniform (default; the table above) | 31.13 | 0.146 | 0.638 | 125 s |
| control_variate_lower | 30.00 | 0.174 | 0.634 | 120 s |
| orthogonal | 30.22 | 0.201 | 0.641 | 237 s, beside a test suite |

Both alternatives did slightly better at 3000 steps, within what one seed can tell
(no seed variance was measured for swgan); the default stays "uniform", which the
shipped version was trained with.

    bazel run //otzoo:train -- --model=swgan
    bazel run //otzoo:train -- --model=swgan --variant=paper
    bazel run //otzoo:train -- --model=swgan --variant=smoke   # seconds, for tests
"""

from zoo_configs import _common

LATENT_DIM = 32


def paper(config):
    """The SWG recipe (`_common.swg_code_recipe`): the authors' code, not checked
    against the paper's text."""
    config = _common.swg_code_recipe(config, discriminator=False)
    config.model_kwargs.num_projections = 10_000  # swg.py --num_projections 10000
    return config


def get_config(arg=None):
    config = _common.base_config("swgan", value_range=(-1, 1), steps=15_000, batch_size=256)
    config.networks.generator = _common.conv_decoder(config, LATENT_DIM, output_activation="tanh")
    config.model_kwargs.latent_dim = LATENT_DIM
    config.model_kwargs.num_projections = 1000
    config.model_kwargs.prior = "uniform"
    # The SW estimator (`otzoo.models.swgan.SLICINGS`): the paper's plain Monte Carlo.
    config.model_kwargs.slicing = "uniform"
    config.compile.generator_optimizer = _common.optimizer(
        "Adam", learning_rate=5e-4, beta_1=0.5)
    return _common.select(config, arg, paper)
