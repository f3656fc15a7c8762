"""Random-path sliced Wasserstein (RPSW): directions along random source-target paths.

    theta_{X,Y} = (X - Y) / |X - Y|,  X ~ mu, Y ~ nu   (random-path projecting direction)
    theta ~ sigma_kappa(. ; theta_{X,Y})                (random-path slicing distribution)
    RPSW_p(mu, nu) = ( E_theta W_p^p(theta#mu, theta#nu) )^{1/p}

The difference of a random source point and a random target point points along a path
that transport must travel, so these directions are informative without any
optimisation; the perturbation sigma_kappa (a law on the sphere concentrated around its
location with concentration kappa) spreads them so that every direction keeps positive
density. Monte Carlo estimate with L draws:

    RPSW_p^p ~= (1/L) sum_l W_p^p(theta_l#mu, theta_l#nu).

Importance-weighted variant (IWRPSW): the same draws weighted by a softmax of their
distances (the exp energy of EBSW), IWRPSW_p^p ~= sum_l softmax(W)_l W_l.

Construction used here (the random-path direction and the RPSW/IWRPSW variants are as in the paper's
abstract, arXiv:2401.15889; the rest was checked against the authors' code,
github.com/khainb/RPSW, since the paper body could not be read with our tools):
* X = x_i, Y = y_j with i ~ a, j ~ b drawn independently (with replacement), one pair
  per direction, from the stop-gradient samples (the directions carry no gradient, as
  the authors' `X.detach()`).
* sigma_kappa: the power spherical distribution PS(theta_{X,Y}, kappa) (De Cao & Aziz
  2020; the authors' code uses the `power_spherical` package), density proportional to
  (1 + <theta, theta_{X,Y}>)^kappa.
* kappa = 50: default of the authors' `RPSW(..., kappa=50)`. Their gradient-flow
  script anneals kappa from 100 (RPSW) or 50 (IWRPSW) down to 1 over the run; pass a
  scalar tensor `kappa` per call to do the same.
* IWRPSW weights: softmax of the distances with the gradient flowing through them, as
  the authors' `EBRPSW`.

Deviations: where x_i = y_j exactly (e.g. identical inputs), theta_{X,Y} is undefined
(0/0, a NaN in the authors' code); a uniform random direction is used as the location
instead. The authors' distances sum |.|^p over the points (n W_p^p), so their IWRPSW
softmax acts on n W_p^p; here on W_p^p of the empirical measures (weights 1/n). Our
PS sampler is an exact non-reparameterised sampler that compiles under XLA
(`_spherical_sampling`).

Directions can be fixed: `random_path_directions` draws them, and
`random_path_sliced_wasserstein(..., projections=...)` uses given ones as they are.

References:
  Nguyen, Zhang, Le & Ho, "Sliced Wasserstein with Random-Path Projecting Directions",
    ICML 2024 (arXiv:2401.15889; code: github.com/khainb/RPSW).
  De Cao & Aziz, "The Power Spherical distribution", 2020.
"""

import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import _sliced_common
from otzoo.ot import _spherical_sampling as sampling
from otzoo.ot.sliced import check_measure_weights, sliced_wasserstein_power_per_direction
from otzoo.ot.wasserstein_1d import root

__all__ = ["random_path_directions", "random_path_sliced_wasserstein"]


def _check_kappa(kappa):
    if isinstance(kappa, (tf.Tensor, tf.Variable)) and tf.get_static_value(kappa) is None:
        return kappa  # e.g. an annealed value inside a compiled step
    return _checks.check_positive(kappa, "kappa")


def _random_indices(weights, count, num_points, seed):
    """`count` indices in [0, num_points), uniform or with probabilities `weights`."""
    u = sampling.uniform([count], seed)
    if weights is None:
        index = tf.cast(tf.floor(u * tf.cast(num_points, tf.float64)), tf.int32)
    else:
        # Inverse CDF (tf.random.stateless_categorical has no float64 XLA kernel).
        cdf = tf.cumsum(tf.cast(weights, tf.float64))
        cdf = cdf / cdf[-1]
        index = tf.reduce_sum(tf.cast(cdf[tf.newaxis, :] < u[:, tf.newaxis], tf.int32),
                              axis=1)
    return tf.minimum(index, num_points - 1)


def _path_directions(x, y, num_projections, kappa, seed, a, b):
    """[d, L] float64 random-path directions (no gradient)."""
    dim = _sliced_common.static_dim(x)
    seed = sampling.stateless_base_seed(seed)
    x64 = tf.cast(tf.stop_gradient(x), tf.float64)
    y64 = tf.cast(tf.stop_gradient(y), tf.float64)
    i = _random_indices(a, num_projections, tf.shape(x)[0], sampling.child_seed(seed, 0))
    j = _random_indices(b, num_projections, tf.shape(y)[0], sampling.child_seed(seed, 1))
    difference = tf.gather(x64, i) - tf.gather(y64, j)  # [L, d]
    norm = tf.norm(difference, axis=-1, keepdims=True)
    fallback = sampling.uniform_sphere(num_projections, dim, sampling.child_seed(seed, 2))
    location = tf.where(norm > 0, difference / tf.where(norm > 0, norm, 1.0), fallback)
    directions = sampling.power_spherical(location, kappa, sampling.child_seed(seed, 3))
    return tf.transpose(directions)


def random_path_directions(x, y, num_projections=50, kappa=50.0, seed=None, a=None,
                           b=None):
    """L draws of the random-path slicing distribution, as the columns of [d, L].

    theta_l ~ PS((x_i - y_j) / |x_i - y_j|, kappa) with i ~ a, j ~ b independent.

    Args:
      x: [n, d] samples of mu; y: [m, d] samples of nu (d >= 2, static).
      num_projections: L.
      kappa: concentration of the power spherical perturbation (> 0).
      seed: int, SeedGenerator, [2] integer tensor or None.
      a, b: optional non-negative weights of the samples; None = uniform.

    Returns:
      [d, L] unit directions, dtype of x, without gradient.
    """
    x, y = _checks.check_point_clouds(x, y)
    num_projections = _checks.check_positive_int(num_projections, "num_projections")
    kappa = _check_kappa(kappa)
    a, b = check_measure_weights(a, b, x, y)
    directions = _path_directions(x, y, num_projections, kappa, seed, a, b)
    return tf.stop_gradient(tf.cast(directions, x.dtype))


def random_path_sliced_wasserstein(x, y, num_projections=50, p=2, kappa=50.0,
                                   importance_weighted=False, projections=None,
                                   seed=None, a=None, b=None, return_power=False):
    """Monte Carlo random-path sliced Wasserstein distance (RPSW or IWRPSW).

    RPSW_p = ((1/L) sum_l W_p^p(theta_l#mu, theta_l#nu))^{1/p}, theta_l from
    `random_path_directions`; IWRPSW replaces 1/L by softmax_l(W_p^p(...)).

    Args:
      x: [n, d] samples of mu.
      y: [m, d] samples of nu.
      num_projections: L (ignored when `projections` is given).
      p: order p >= 1.
      kappa: concentration of the power spherical perturbation (> 0; a scalar tensor
        is accepted, e.g. for annealing).
      importance_weighted: False for RPSW, True for IWRPSW.
      projections: optional [d, L] directions used as given (e.g. from
        `random_path_directions` or QMC); then the estimate is deterministic.
      seed: seed of the random pairs and perturbations.
      a, b: optional non-negative weights [n], [m]; None = uniform.
      return_power: if True return the p-th power (no root).

    Returns:
      Scalar RPSW_p (or IWRPSW_p; or their p-th power), dtype of x. Differentiable in
      x and y with the directions held fixed.
    """
    x, y = _checks.check_point_clouds(x, y)
    p = _checks.check_p(p)
    a, b = check_measure_weights(a, b, x, y)
    if projections is None:
        num_projections = _checks.check_positive_int(num_projections, "num_projections")
        kappa = _check_kappa(kappa)
        directions = tf.stop_gradient(tf.cast(
            _path_directions(x, y, num_projections, kappa, seed, a, b), x.dtype))
    else:
        directions = _sliced_common.given_or_random_directions(x, projections, None,
                                                               None, "uniform")
    powers = sliced_wasserstein_power_per_direction(x, y, directions, p, a, b)
    if importance_weighted:
        power = tf.reduce_sum(_sliced_common.energy_weights(powers, "exp", None) * powers)
    else:
        power = tf.reduce_mean(powers)
    return power if return_power else root(power, p)
