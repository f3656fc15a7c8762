"""Max-SWGAN: the max-sliced Wasserstein GAN (Deshpande et al., 2019).

Objectives (Algorithm 1 of the paper; two players, each minimising its own loss):

    discriminator:  min_{h, w}  BCE of D(x) = sigmoid(w^T h(x) + b)  (the surrogate loss)
    generator:      min_G  W_2²(<w/||w||, h(x)>, <w/||w||, h(G(z))>)
                    = 1/n sum_i (sort(<w, h(x)>)_i - sort(<w, h(G(z))>)_i)² / ||w||²

The max-sliced distance max_theta W_2(theta#P, theta#Q) replaces SWGAN's average over
many random directions by the single most discriminative one. As in the paper, that
direction is the discriminator's last linear layer w (normalised), trained with the
discriminator's surrogate loss on the features h: so one projection per step instead of
10^4. One train step = one discriminator update, then one generator update using the
*updated* h and w (same real batch and noise), as in SWGAN-D (`otzoo.models.swgan_d`).

`direction="optimized"` replaces w by the direction found by
`otzoo.ot.max_sliced_wasserstein` on the (global) feature batches: projected gradient
ascent on the unit sphere from the best of K random starts, drawn from a stateless seed
taken from the model's seed generator (so the same on every replica and reproducible).
That is the paper's definition of the distance rather than its training shortcut.

Metrics: `discriminator_loss` (BCE), `max_sw_loss` (the squared W_2 along the direction,
which the generator minimises).

Deviation from the paper, named: optimizer Adam(1e-4, beta_1=0.5) for both players and
z ~ U[-1, 1]^d, taken from the authors' sliced Wasserstein generator code (the paper's
image settings are not all given). The head may have a bias; it does not change w.

References:
  Deshpande, Hu, Sun, Pyrros, Siddiqui, Koyejo, Zhao, Forsyth, Schwing. Max-Sliced
    Wasserstein Distance and its use for GANs. CVPR 2019. https://arxiv.org/abs/1904.05877
"""

import tensorflow as tf

import otzoo.ot
from otzoo.losses.adversarial import sliced_w2_squared
from otzoo.models.adversarial import unit_head_direction
from otzoo.models.base import MODELS
from otzoo.models.priors import seed_from_generator
from otzoo.models.swgan_d import SWGAND

DIRECTIONS = ("discriminator", "optimized")
MAX_SLICED_OPTIONS = {"num_steps", "learning_rate", "num_init_directions"}


@MODELS.register("max_swgan")
class MaxSWGAN(SWGAND):
    """Deshpande et al. (2019) max-sliced Wasserstein GAN.

    Args:
      generator: `keras.Model` z -> x.
      discriminator: `keras.Model` x -> [n, 1] logit ending in a linear Dense head.
      direction: "discriminator" (the head's kernel w / ||w||, the paper's algorithm) or
        "optimized" (`otzoo.ot.max_sliced_wasserstein` on the features).
      max_sliced_kwargs: keyword arguments of `otzoo.ot.max_sliced_wasserstein` for
        direction="optimized" (num_steps, learning_rate, num_init_directions).
      **kwargs: see `SWGAND` / `AdversarialModel` (prior, jit_penalties, seed, ...);
        not SWGAN-D's `slicing` (one chosen direction, no random slices to estimate).
    """

    metric_names = ("discriminator_loss", "max_sw_loss")
    generator_metric = "max_sw_loss"
    test_options = {}  # one direction: SWGAN-D's fewer projections do not apply

    def __init__(self, generator, discriminator, direction="discriminator",
                 max_sliced_kwargs=None, **kwargs):
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        unknown = set(max_sliced_kwargs or {}) - MAX_SLICED_OPTIONS
        if unknown:
            raise ValueError(f"unknown max_sliced_kwargs {sorted(unknown)}; allowed: "
                             f"{sorted(MAX_SLICED_OPTIONS)}")
        if "num_projections" in kwargs:
            raise ValueError("max_swgan uses one direction per step; num_projections does "
                             "not apply")
        if "slicing" in kwargs:
            raise ValueError("max_swgan chooses its own direction (see `direction`); "
                             "slicing does not apply")
        super().__init__(generator, discriminator, num_projections=1, **kwargs)
        self.direction = direction
        self.max_sliced_kwargs = dict(max_sliced_kwargs or {})

    def generator_directions(self):
        """The unit head kernel [feature_dim, 1], or a stateless seed [2] ("optimized")."""
        if self.direction == "discriminator":
            # The head belongs to D: no generator gradient flows into the direction.
            return tf.stop_gradient(unit_head_direction(self.discriminator_head))
        return seed_from_generator(self.seed_generator)

    def feature_loss(self, real_features, fake_features, directions):
        """W_2² of the global feature batches along the direction (see module doc)."""
        if self.direction == "discriminator":
            return sliced_w2_squared(real_features, fake_features, directions)
        distance, _ = otzoo.ot.max_sliced_wasserstein(
                real_features, fake_features, p=2, seed=directions, return_power=True,
                **self.max_sliced_kwargs)
        return distance
