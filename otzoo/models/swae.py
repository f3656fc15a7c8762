"""SWAE: the sliced-Wasserstein autoencoder, with a choice of sliced regularizers.

Kolouri et al. (2018/ICLR 2019), Algorithm 1. Each step, with z̃_i = Q(x_i) and
z_i ~ P_Z (any samplable prior):

    min_{Q, G}  1/n sum_i c(x_i, G(z̃_i)) + lambda D({z̃_i}, {z_i}),

where D is, by `regularizer` (all computed as p-th powers, no 1/p root, p = 2 by
default, means over slices and samples):

  "sw"       SW_p^p = 1/L sum_l W_p^p(theta_l#Q_Z, theta_l#P_Z), L random directions
             theta_l uniform on the sphere, fresh every step (Kolouri et al. 2018);
  "gsw"      GSW_p^p: the slices theta_l#mu are replaced by a generalized Radon
             transform g(., theta_l) ("poly": homogeneous polynomial of odd degree,
             "circular": |z - r theta|, "linear": = SW) (Kolouri et al. 2019);
  "max_sw"   max_theta W_p^p(theta#Q_Z, theta#P_Z), the direction found by projected
             gradient ascent on the sphere at every step (Deshpande et al. 2019);
  "max_gsw"  max-GSW_p^p, the same for a generalized slice (Kolouri et al. 2019);
  "dsw"      DSW_p^p: the directions are theta = f(theta_0)/|f(theta_0)|, theta_0 uniform,
             with a linear map f trained by Adam ascent on E W_p^p - lambda_C E|cos|
             (`regularizer_kwargs["num_steps"]` steps per training step, on the same
             theta_0, kept across steps) (Nguyen et al. 2021).

`slicing` chooses the Monte Carlo estimator of "sw" (as for the sliced Wasserstein
generators, `otzoo.models.swgan`, where the choices and their measured variance are
described): "uniform" (default, the directions above), "orthogonal" (blocks of
Haar-random orthonormal directions, Rowland et al. 2019), "qmc" (randomised Sobol
points, Nguyen, Bariletto & Ho 2024; latent_dim <= 21201), "control_variate_lower" /
"control_variate_upper" (the "uniform" directions with a Gaussian control variate,
LCV-SW / UCV-SW, Nguyen & Ho 2024, `otzoo.ot.control_variate_sliced`). The other
regularizers reject it.

The distances come from `otzoo.ot`; they are computed on the *global* batch (codes of
all replicas gathered, one prior draw of the global size, the same random directions on
every replica), so N replicas compute exactly the one-device penalty. Gradients with
respect to the codes hold the maximising direction (max-SW, max-GSW) or the direction
map f (DSW) fixed, as in the papers' alternating schemes (Danskin).

Defaults (the authors' SWAE code, github.com/skolouri/swae, MNIST notebooks): L = 50
projections, p = 2, lambda = 10, reconstruction = binary cross-entropy + L1, each a mean
over pixels ("bce+l1", reduction "mean", so the decoder needs a final sigmoid and data
in [0, 1]), RMSprop (lr 1e-3), deterministic encoder, batch 500 (a data-pipeline
choice). DSW: L = 1000, lambda_C = 1, 10 Adam steps (lr 5e-4, betas (0.5, 0.999)) per
step (the DSW authors' code). GSW: degree 3 ("poly"), radius 2 ("circular") (the GSW
authors' code). max-SW / max-GSW: see `otzoo.ot.max_sliced_wasserstein`.

Reduction: the reconstruction cost of an example is reduced over its coordinates by
`reconstruction_reduction` ("mean" default, as the authors' code; "sum" as the WAE paper
writes c) and averaged over the batch; the sliced term is a mean over slices and samples.

Deviations from the papers:
  * The SWAE code's figures use a 2-D latent space with ring / circle / uniform priors;
    the default prior here is N(0, I) in any dimension (pass prior="ring", "disk",
    "uniform", "gaussian_mixture" for the others).
  * max-SW / max-GSW run their ascent to (near) convergence on each global batch
    (50 log-gradient steps) instead of one optimizer step per training step.
  * The DSW ascent objective uses W_p^p with means over samples (see
    `otzoo.ot.distributional_sliced`); lambda_C values are not interchangeable with the
    authors'.
  * Gaussian (stochastic) encoders are an option (`gaussian_encoder=True`).

Metrics: loss, reconstruction_loss, sw (the regularizer's value, whichever variant).

References:
  Kolouri, Pope, Martin, Rohde. Sliced-Wasserstein Autoencoder: An Embarrassingly Simple
    Generative Model. arXiv 2018 / ICLR 2019. https://arxiv.org/abs/1804.01947
  Kolouri, Nadjahi, Simsekli, Badeau, Rohde. Generalized Sliced Wasserstein Distances.
    NeurIPS 2019. https://arxiv.org/abs/1902.00434
  Deshpande et al. Max-Sliced Wasserstein Distance and its use for GANs. CVPR 2019.
  Nguyen, Ho, Pham, Bui. Distributional Sliced-Wasserstein and Applications to
    Generative Modeling. ICLR 2021. https://arxiv.org/abs/2002.07367
  Rowland et al. Orthogonal Estimation of Wasserstein Distances. AISTATS 2019.
  Nguyen, Bariletto, Ho. Quasi-Monte Carlo for 3D Sliced Wasserstein. ICLR 2024.
    https://arxiv.org/abs/2309.11713
  Nguyen, Ho. Sliced Wasserstein Estimation with Control Variates. ICLR 2024.
    https://arxiv.org/abs/2305.00402
"""

import inspect

import keras
import tensorflow as tf

from otzoo.models.autoencoder import GlobalPenaltyAutoencoder
from otzoo.models.base import MODELS, Jitted
from otzoo.models.swgan import CONTROL_VARIATE_SLICINGS, check_slicing
from otzoo.ot.control_variate_sliced import control_variate_sliced_wasserstein
from otzoo.ot.distributional_sliced import DEFAULTS as DSW_DEFAULTS
from otzoo.ot.distributional_sliced import DistributionalSlicer
from otzoo.ot.generalized_sliced import (generalized_sliced_wasserstein,
                                         max_generalized_sliced_wasserstein)
from otzoo.ot.max_sliced import max_sliced_wasserstein
from otzoo.ot.projections import random_directions
from otzoo.ot.sliced import sliced_wasserstein

REGULARIZERS = ("sw", "max_sw", "gsw", "max_gsw", "dsw")

# Keyword arguments a regularizer accepts beyond (x, y, p, seed, num_projections).
_FUNCTIONS = {
    "sw": sliced_wasserstein,
    "max_sw": max_sliced_wasserstein,
    "gsw": generalized_sliced_wasserstein,
    "max_gsw": max_generalized_sliced_wasserstein,
}
_FIXED = {"x", "y", "p", "seed", "num_projections", "projections", "return_power", "a",
          "b", "init_direction", "slicer"}
_DSW_KWARGS = ("regularization", "num_steps", "learning_rate", "beta_1", "beta_2",
               "epsilon")
_DEFAULT_GSW = {"defining_function": "poly"}


def _allowed_kwargs(regularizer):
    if regularizer == "dsw":
        return set(_DSW_KWARGS)
    params = inspect.signature(_FUNCTIONS[regularizer]).parameters
    return set(params) - _FIXED


@MODELS.register("swae")
class SWAE(GlobalPenaltyAutoencoder):
    """Sliced-Wasserstein autoencoder (see the module docstring).

    Args:
      encoder: x -> [n, latent_dim] (or [n, 2 latent_dim] with gaussian_encoder=True).
      decoder: z -> [n, *data_shape] (final sigmoid for the default "bce+l1" cost).
      latent_dim: code size (inferred from the decoder when None).
      regularizer: "sw" (default), "max_sw", "gsw", "max_gsw" or "dsw".
      penalty_weight: lambda (10).
      num_projections: L for "sw", "gsw" (default 50) and "dsw" (default 1000); not
        used by the max- variants (pass num_init_directions in regularizer_kwargs).
      p: order of the sliced distance (2).
      slicing: the estimator of "sw" (module docstring): "uniform" (default),
        "orthogonal" (Rowland et al. 2019), "qmc" (Nguyen, Bariletto & Ho 2024),
        "control_variate_lower" / "control_variate_upper" (Nguyen & Ho 2024).
      regularizer_kwargs: extra keyword arguments of the `otzoo.ot` function, e.g.
        {"defining_function": "circular", "radius": 2.0} for "gsw" / "max_gsw"
        (default defining function "poly", degree 3), {"num_steps": 50} for "max_sw",
        {"regularization": 1.0, "num_steps": 10, "learning_rate": 5e-4} for "dsw".
      reconstruction: "bce+l1" (SWAE code), "l2sq", "l1", "bce" or another '+'-sum.
      reconstruction_reduction: "mean" (SWAE code) or "sum" over the coordinates.
      gaussian_encoder: stochastic encoder option (default False).
      prior, prior_kwargs: the latent prior (`otzoo.models.priors`; default "normal").
      jit_penalties: XLA-compile the sliced distance (and the DSW ascent).
      seed: seed of the model's SeedGenerator (directions, prior draws, noise).
    """

    metric_names = ("loss", "reconstruction_loss", "sw")
    penalty_name = "sw"
    uses_seed = True
    # Fewer slices; a cost that needs no sigmoid decoder (the default "bce+l1" does).
    test_options = {"num_projections": 7, "reconstruction": "l2sq"}

    def __init__(self, encoder, decoder, latent_dim=None, regularizer="sw",
                 penalty_weight=10.0, num_projections=None, p=2, regularizer_kwargs=None,
                 reconstruction="bce+l1", reconstruction_reduction="mean",
                 gaussian_encoder=False, prior="normal", prior_kwargs=None,
                 jit_penalties=False, seed=0, slicing="uniform", **kwargs):
        if regularizer not in REGULARIZERS:
            raise ValueError(f"unknown regularizer {regularizer!r}; known: "
                             f"{', '.join(REGULARIZERS)}")
        check_slicing(slicing)
        if slicing != "uniform" and regularizer != "sw":
            raise ValueError(f"slicing={slicing!r} is an estimator of regularizer 'sw'; "
                             f"{regularizer!r} draws its own directions")
        if slicing != "uniform" and "method" in (regularizer_kwargs or {}):
            raise ValueError("pass the direction sampler once: slicing="
                             f"{slicing!r} or regularizer_kwargs['method'], not both")
        super().__init__(encoder, decoder, penalty_weight=penalty_weight,
                         reconstruction=reconstruction,
                         reconstruction_reduction=reconstruction_reduction,
                         latent_dim=latent_dim, gaussian_encoder=gaussian_encoder,
                         prior=prior, prior_kwargs=prior_kwargs,
                         jit_penalties=jit_penalties, seed=seed, **kwargs)
        self.regularizer = regularizer
        self.slicing = check_slicing(slicing, self.latent_dim, "latent")
        self.p = p
        options = dict(regularizer_kwargs or {})
        unknown = set(options) - _allowed_kwargs(regularizer)
        if unknown:
            raise ValueError(f"regularizer_kwargs {sorted(unknown)} are not options of "
                             f"{regularizer!r}; allowed: "
                             f"{sorted(_allowed_kwargs(regularizer))}")
        if regularizer in ("gsw", "max_gsw"):
            options = {**_DEFAULT_GSW, **options}
        if regularizer in ("max_sw", "max_gsw"):
            if num_projections is not None:
                raise ValueError(f"{regularizer!r} optimises one direction: "
                                 "num_projections does not apply (use "
                                 "regularizer_kwargs={'num_init_directions': K})")
        elif num_projections is None:
            num_projections = (DSW_DEFAULTS["num_projections"] if regularizer == "dsw"
                               else 50)
        self.num_projections = num_projections
        self.regularizer_kwargs = options
        self.slicer = None
        if regularizer == "dsw":
            # The direction map f and its Adam state are (non-trainable) weights of the
            # model: checkpointed with it, moved only by the DSW ascent.
            self.slicer = DistributionalSlicer(self.latent_dim,
                                               num_projections=num_projections, p=p,
                                               seed=self.seed, name="dsw_slicer",
                                               **options)
            self._ascent = Jitted(self.dsw_ascent, self.jit_penalties)
        else:
            self._check_by_dry_run()

    def _check_by_dry_run(self):
        """Evaluates the regularizer once on tiny inputs: bad options fail here."""
        z = tf.random.stateless_normal([4, self.latent_dim], seed=[0, 0])
        try:
            self.latent_divergence(z, z + 1.0, tf.constant([0, 0], tf.int32))
        except (TypeError, ValueError, tf.errors.InvalidArgumentError) as e:
            raise ValueError(f"bad options for regularizer {self.regularizer!r} "
                             f"(p={self.p}, {self.regularizer_kwargs}): {e}") from None

    def default_optimizers(self):
        # The SWAE authors' code: Keras RMSprop with its defaults (lr 1e-3).
        return {"autoencoder": keras.optimizers.RMSprop(learning_rate=1e-3)}

    # -- the regularizer ---------------------------------------------------------------
    def dsw_ascent(self, codes, prior_codes, seed):
        """`num_steps` Adam ascent steps of the DSW direction map on this batch."""
        return self.slicer(codes, prior_codes, seed=seed, return_power=True)

    def before_update(self, codes, prior_codes, seed=None):
        if self.regularizer == "dsw":
            self._ascent(codes, prior_codes, seed)

    def latent_divergence(self, codes, prior_codes, seed=None):
        """The regularizer D(codes, prior codes) (p-th power) on [N, d] global batches."""
        kw = self.regularizer_kwargs
        if self.regularizer == "sw" and self.slicing in CONTROL_VARIATE_SLICINGS:
            # The "uniform" directions of the same seed, and the control variate.
            return control_variate_sliced_wasserstein(
                    codes, prior_codes, self.num_projections, p=self.p,
                    control_variate=CONTROL_VARIATE_SLICINGS[self.slicing], seed=seed,
                    return_power=True, **kw)
        if self.regularizer == "sw":
            if self.slicing != "uniform":
                kw = {**kw, "method": self.slicing}
            return sliced_wasserstein(codes, prior_codes, self.num_projections, p=self.p,
                                      seed=seed, return_power=True, **kw)
        if self.regularizer == "gsw":
            return generalized_sliced_wasserstein(
                    codes, prior_codes, num_projections=self.num_projections, p=self.p,
                    seed=seed, return_power=True, **kw)
        if self.regularizer == "max_sw":
            return max_sliced_wasserstein(codes, prior_codes, p=self.p, seed=seed,
                                          return_power=True, **kw)[0]
        if self.regularizer == "max_gsw":
            return max_generalized_sliced_wasserstein(codes, prior_codes, p=self.p,
                                                      seed=seed, return_power=True,
                                                      **kw)[0]
        # DSW: the directions of the (already updated) map f on the same theta_0 the
        # ascent used (same seed), held fixed.
        theta0 = random_directions(self.latent_dim, self.num_projections, seed=seed,
                                   dtype=codes.dtype)
        directions = tf.stop_gradient(self.slicer.directions(theta0))
        return sliced_wasserstein(codes, prior_codes, p=self.p, projections=directions,
                                  return_power=True)
