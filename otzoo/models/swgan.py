"""SWGAN: the sliced Wasserstein generator in pixel space (Deshpande et al., 2018).

Objective (no critic; Algorithm 1 of the paper without its discriminator):

    generator:  min_G  SW_2²(P_data, P_G)
                ~ 1/L sum_l 1/n sum_i (sort(<theta_l, x>)_i - sort(<theta_l, G(z)>)_i)²

with L directions theta_l drawn uniformly on the unit sphere of the pixel space at every
step, and x, G(z) the real and generated *global* batches flattened to vectors: the
sorted 1-D matching along each direction is the exact 1-D optimal transport.

Recipe (the authors' code, github.com/ishansd/swg swg.py; the paper's Sec. 5 was not
available to check): L = 10,000 directions, Adam(1e-4, beta_1=0.5), latent prior
z ~ U[-1, 1]^d, batch 64.

Distribution: the real and generated batches of all replicas are all-gathered
(`gather_global`) and every replica computes the same SW_2² on the global batch with the
same directions (one draw from the model's seed generator), scaled by 1 / replicas: N
replicas take exactly the one-device step.

Slicing (`slicing=`, an option of swgan, swgan_d and swae's "sw" regularizer; not of
max_swgan or dswgan, which choose their own directions): how the L directions are drawn
and averaged. All estimate the same SW_2²; they differ in variance for a given L
(benchmarks/README.md, "SW estimators": for a 1% error on Fashion-MNIST batches
"orthogonal" needs ~3x fewer directions than "uniform", "control_variate_lower" up to
2x fewer, "qmc" and "control_variate_upper" gain little; on Gaussians in d = 784 the
lower control variate needs ~200x fewer):

  "uniform"                (default) theta_l = g_l / |g_l|, g_l ~ N(0, I): plain Monte
                           Carlo, the paper's estimator;
  "orthogonal"             ceil(L / d) independent Haar-random orthonormal bases,
                           truncated to L columns (orthogonal Monte Carlo, Rowland et al.
                           2019);
  "qmc"                    randomised Sobol points mapped to the sphere through the
                           Gaussian inverse CDF (randomised QMC SW, Nguyen, Bariletto & Ho,
                           ICLR 2024); needs d <= 21201 (SciPy's Sobol sequence);
  "control_variate_lower"  the "uniform" directions, and
  "control_variate_upper"  W_bar - gamma (G_bar - E G) with the Gaussian control variate G
                           of `otzoo.ot.control_variate_sliced` (LCV-SW / UCV-SW, Nguyen
                           & Ho, ICLR 2024); gamma is estimated from the same L directions
                           and the gradient flows through it, as in the authors' code.

"orthogonal" and "qmc" draw their directions from a stateless seed taken from the
model's seed generator, the same on every replica.

Metrics: `sw_loss` (the SW_2² estimate the generator minimises; no square root; the
control-variate estimates can be slightly negative when SW_2² is near 0).

Deviation from the reference code, named: the loss is the mean over directions and
samples of the squared differences (the reference code takes the same mean); directions
are Gaussian draws normalised to the unit sphere, as in the reference code.

References:
  Deshpande, Zhang, Schwing. Generative Modeling using the Sliced Wasserstein Distance.
    CVPR 2018. https://arxiv.org/abs/1803.11188
  Reference code: https://github.com/ishansd/swg (swg.py).
  Rowland et al. Orthogonal Estimation of Wasserstein Distances. AISTATS 2019.
  Nguyen, Bariletto, Ho. Quasi-Monte Carlo for 3D Sliced Wasserstein. ICLR 2024.
    https://arxiv.org/abs/2309.11713
  Nguyen, Ho. Sliced Wasserstein Estimation with Control Variates. ICLR 2024.
    https://arxiv.org/abs/2305.00402
"""

import functools

import keras
import numpy as np
import tensorflow as tf

from otzoo import checks
from otzoo.losses.adversarial import sliced_w2_squared
from otzoo.models.adversarial import AdversarialModel, flatten
from otzoo.models.base import Compiled
from otzoo.models.base import MODELS, gather_global
from otzoo.models.priors import seed_from_generator
from otzoo.ot import _checks
from otzoo.ot.control_variate_sliced import control_variate_sliced_wasserstein
from otzoo.ot.projections import _SOBOL_MAX_DIM, random_directions

# The SW estimators of the `slicing` option (module docstring); swae shares them.
SLICINGS = ("uniform", "orthogonal", "qmc", "control_variate_lower",
            "control_variate_upper")
# slicing value -> `control_variate` of `otzoo.ot.control_variate_sliced_wasserstein`.
CONTROL_VARIATE_SLICINGS = {"control_variate_lower": "lower",
                            "control_variate_upper": "upper"}


def check_num_projections(num_projections):
    return checks.positive_int(num_projections, "num_projections")


def check_slicing(slicing, dim=None, what="data"):
    """Validates a `slicing` value; "qmc" needs dim <= 21201 (dim None: not known yet)."""
    _checks.check_choice(slicing, "slicing", SLICINGS)
    if slicing == "qmc" and dim is not None and dim > _SOBOL_MAX_DIM:
        raise ValueError(f"slicing='qmc' needs a {what} dimension <= {_SOBOL_MAX_DIM} "
                         f"(SciPy's Sobol sequence), got {dim}; use 'orthogonal' or "
                         "'uniform'")
    return slicing


def slicing_directions(model, dim, num_projections, slicing):
    """The step's L unit directions [dim, L] for `slicing`, the same on every replica.

    "uniform" and the control variates: `model.random_directions` (one draw of the
    model's seed generator, exactly the default path); "orthogonal" and "qmc":
    `otzoo.ot.random_directions` on a stateless seed drawn from the same generator.
    """
    if slicing in ("orthogonal", "qmc"):
        return random_directions(dim, num_projections,
                                 seed=seed_from_generator(model.seed_generator),
                                 method=slicing, dtype=keras.config.floatx())
    return model.random_directions(dim, num_projections)


def slicing_loss(slicing):
    """The SW_2² estimator fn(x [n, d], y [n, d], directions [d, L]) -> scalar."""
    if slicing in CONTROL_VARIATE_SLICINGS:
        return functools.partial(_control_variate_sw2,
                                 control_variate=CONTROL_VARIATE_SLICINGS[slicing])
    return sliced_w2_squared


def _control_variate_sw2(x, y, directions, control_variate):
    """CV-SW_2² (`otzoo.ot.control_variate_sliced`) along the given directions."""
    return control_variate_sliced_wasserstein(x, y, p=2, control_variate=control_variate,
                                              projections=directions, return_power=True)


@MODELS.register("swgan")
class SWGAN(AdversarialModel):
    """Deshpande et al. (2018) sliced Wasserstein generator, pixel space, no critic.

    Args:
      generator: `keras.Model` z -> x.
      num_projections: L, random directions per step (paper: up to 10^4).
      prior: latent prior (paper code: "uniform" on [-1, 1]^d).
      slicing: the SW estimator, one of `SLICINGS` (module docstring): "uniform"
        (default, the paper's), "orthogonal" (Rowland et al. 2019), "qmc" (Nguyen,
        Bariletto & Ho 2024), "control_variate_lower" / "control_variate_upper"
        (Nguyen & Ho 2024).
      **kwargs: see `AdversarialModel` (latent_dim, prior_kwargs, jit_penalties, seed).
    """

    network_roles = ()
    metric_names = ("sw_loss",)
    test_options = {"num_projections": 16}

    def __init__(self, generator, num_projections=10_000, prior="uniform",
                 slicing="uniform", **kwargs):
        check_slicing(slicing)
        super().__init__(generator, {}, prior=prior, **kwargs)
        self.num_projections = check_num_projections(num_projections)
        self.slicing = slicing
        self._check_data_dim()
        # Value and gradient in one XLA program: differentiating a forward-only compiled
        # SW from the (uncompiled) train step took 39.6 ms against 12.8 ms uncompiled
        # (batch 256, d = 784, L = 1000; the backward pass runs outside the program).
        self._sw = Compiled(slicing_loss(slicing), self.jit_penalties, argnums=(1,))

    def build_networks(self, data_shape):
        super().build_networks(data_shape)
        # Also reached from the base constructor, before `slicing` is set.
        if hasattr(self, "slicing"):
            self._check_data_dim()

    def _check_data_dim(self):
        if self.data_shape is not None:
            check_slicing(self.slicing, int(np.prod(self.data_shape)), "data")

    def default_optimizers(self):
        return {"generator": keras.optimizers.Adam(1e-4, beta_1=0.5)}

    def player_variables(self):
        return {"generator": self.generator.trainable_variables}

    def train_step(self, data):
        real = self.real_batches(data)[0]
        z = self.local_prior_sample(tf.shape(real)[0])
        real_all = flatten(gather_global(real))
        theta = slicing_directions(self, int(np.prod(self.data_shape)),
                                   self.num_projections, self.slicing)
        # Every replica computes the same global-batch loss; player_step's 1 / replicas
        # makes the summed gradient the one-device gradient.
        loss = self.player_step("generator", lambda: self._sw(
                real_all, flatten(gather_global(self.generator(z, training=True))), theta))
        return self.update_metrics({"sw_loss": loss})
