"""Generalized sliced p-Wasserstein distances: non-linear slices of the measures.

    GSW_p(mu, nu) = ( E_{theta ~ U(Omega)} W_p^p(g(., theta)#mu, g(., theta)#nu) )^{1/p}
    max-GSW_p(mu, nu) = max_{theta in Omega} W_p(g(., theta)#mu, g(., theta)#nu)

The linear slice <x, theta> of SW is replaced by a defining function g of the
generalized Radon transform (Kolouri et al. 2019):

* "linear":   g(x, theta) = <theta, x>, theta in S^{d-1}. GSW = SW.
* "poly":     g(x, theta) = sum_{|alpha| = m} theta_alpha x^alpha, a homogeneous
  polynomial of odd degree m (odd degrees give an injective transform). theta lives
  on the sphere S^{D-1} of the monomial space, D = C(d + m - 1, m); the monomials
  x^alpha carry no multinomial coefficients (as in the authors' code). So poly-GSW is
  SW of the monomial features phi(x) = (x^alpha)_alpha.
* "circular": g(x, theta) = |x - r theta|, theta in S^{d-1}, radius r > 0 (distances
  to points on a sphere of radius r; r = 2 is the authors' code default).

Computation and choices:
* Circular slices use |x - r theta|^2 = |x|^2 - 2 r <x, theta> + r^2: one matmul instead
  of an [n, L, d] tensor. The square root is clamped at the smallest normal number so
  its gradient is finite at x = r theta (the value error is below 1e-19).
* Poly features are built with gathers of the d coordinates (index tuples computed once
  in NumPy); D grows like d^m / m!, so D above `MAX_POLY_FEATURES` (2**20) raises a
  ValueError (d = 784, m = 3 gives D ~ 8e7: use a lower dimension or the linear slice).
* max-GSW uses the same projected log-gradient ascent as `max_sliced_wasserstein`
  (Kolouri et al. use Adam on theta followed by normalisation); gradients w.r.t. the
  samples hold theta* fixed (Danskin).
* Returned values carry the 1/p root unless `return_power=True`; means over directions
  and samples (uniform weights).

References:
  Kolouri, Nadjahi, Simsekli, Badeau & Rohde, "Generalized Sliced Wasserstein
    Distances", NeurIPS 2019 (and the authors' code, github.com/kimiandj/gsw).
  Beylkin, "The inversion problem and applications of the generalized Radon
    transform", 1984.
"""

import functools
import itertools
import math

import numpy as np
import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import projections as projections_lib
from otzoo.ot.max_sliced import initial_candidates, maximise_direction
from otzoo.ot.wasserstein_1d import root, wasserstein_1d_power_rows

__all__ = ["generalized_sliced_wasserstein", "max_generalized_sliced_wasserstein",
           "DEFINING_FUNCTIONS", "num_poly_features"]

DEFINING_FUNCTIONS = ("linear", "poly", "circular")
MAX_POLY_FEATURES = 2 ** 20


def num_poly_features(d, degree):
    """D = C(d + m - 1, m): the number of monomials of degree m in d variables."""
    return math.comb(d + degree - 1, degree)


@functools.lru_cache(maxsize=16)
def _monomial_indices(d, degree):
    """[D, m] int32: the coordinates multiplied in each monomial (with repetition)."""
    combos = np.array(list(itertools.combinations_with_replacement(range(d), degree)),
                      dtype=np.int32)
    combos.setflags(write=False)
    return combos


def poly_features(x, degree):
    """phi(x) = (x^alpha)_{|alpha| = degree}: [n, d] -> [n, D] monomials."""
    indices = _monomial_indices(int(x.shape[1]), degree)
    features = tf.gather(x, indices[:, 0], axis=1)
    for column in range(1, degree):
        features = features * tf.gather(x, indices[:, column], axis=1)
    return features


class _Slicer:
    """The defining function g(x, theta) for L directions at once, as rows [L, n]."""

    def __init__(self, defining_function, dim, degree, radius):
        self.kind = defining_function
        self.degree = degree
        self.radius = radius
        if defining_function == "poly":
            self.theta_dim = num_poly_features(dim, degree)
        else:
            self.theta_dim = dim

    def features(self, x):
        """Per-sample work done once per call (monomials, squared norms)."""
        if self.kind == "poly":
            return poly_features(x, self.degree), None
        if self.kind == "circular":
            return x, tf.reduce_sum(tf.square(x), axis=1)
        return x, None

    def slices(self, features, directions):
        """g(x_i, theta_l) for directions [D, L] -> [L, n]."""
        x, squared_norms = features
        inner = tf.matmul(directions, x, transpose_a=True, transpose_b=True)
        if self.kind != "circular":
            return inner
        r = tf.constant(self.radius, x.dtype)
        theta_norms = tf.reduce_sum(tf.square(directions), axis=0)[:, tf.newaxis]
        squared = squared_norms[tf.newaxis, :] - 2.0 * r * inner + r * r * theta_norms
        tiny = tf.constant(np.finfo(x.dtype.as_numpy_dtype).tiny, x.dtype)
        return tf.sqrt(tf.maximum(squared, tiny))


def _validated(x, y, defining_function, p, degree, radius):
    x, y = _checks.check_point_clouds(x, y)
    p = _checks.check_p(p)
    _checks.check_choice(defining_function, "defining_function", DEFINING_FUNCTIONS)
    dim = x.shape[1]
    if dim is None:
        raise ValueError("x must have a statically known feature dimension")
    degree = _checks.check_positive_int(degree, "degree")
    if defining_function == "poly":
        if degree % 2 == 0:
            raise ValueError(f"degree must be odd for the polynomial defining function "
                             f"(even degrees give a non-injective generalized Radon "
                             f"transform), got {degree}")
        features = num_poly_features(dim, degree)
        if features > MAX_POLY_FEATURES:
            raise ValueError(f"poly defining function of degree {degree} in d = {dim} "
                             f"has {features} monomials (> {MAX_POLY_FEATURES}); "
                             "lower the degree or the dimension")
    radius = _checks.check_positive(radius, "radius")
    return x, y, p, _Slicer(defining_function, dim, degree, radius)


def _power_per_direction(slicer, x_features, y_features, directions, p):
    return wasserstein_1d_power_rows(slicer.slices(x_features, directions),
                                     slicer.slices(y_features, directions), p=p)


def generalized_sliced_wasserstein(x, y, defining_function="linear",
                                   num_projections=50, p=2, degree=3, radius=2.0,
                                   seed=None, projections=None, method="uniform",
                                   return_power=False):
    """Monte Carlo generalized sliced p-Wasserstein distance GSW_p.

    GSW_p = ((1/L) sum_l W_p^p(g(., theta_l)#mu, g(., theta_l)#nu))^{1/p} with
    uniform empirical measures mu (rows of x) and nu (rows of y).

    Args:
      x: [n, d] samples of mu.
      y: [m, d] samples of nu (m may differ from n).
      defining_function: "linear", "poly" or "circular".
      num_projections: L random theta (ignored when `projections` is given).
      p: order p >= 1.
      degree: odd degree m of the "poly" defining function.
      radius: r > 0 of the "circular" defining function.
      seed: seed for theta (int, SeedGenerator, [2] tensor or None).
      projections: optional [D, L] matrix of theta (columns, used as given); D = d
        for linear/circular, C(d + m - 1, m) for poly.
      method: sampler of theta: "uniform", "orthogonal" or "qmc".
      return_power: if True return GSW_p^p.

    Returns:
      Scalar GSW_p (or GSW_p^p), dtype of x; differentiable w.r.t. x and y.
    """
    x, y, p, slicer = _validated(x, y, defining_function, p, degree, radius)
    if projections is None:
        num_projections = _checks.check_positive_int(num_projections, "num_projections")
        _checks.check_choice(method, "method", projections_lib.METHODS)
        directions = projections_lib.random_directions(
            slicer.theta_dim, num_projections, seed=seed, method=method, dtype=x.dtype)
    else:
        directions = _checks.to_float_tensor(projections, "projections", x.dtype)
        projections_lib.check_directions(directions, slicer.theta_dim, "projections")
    power = tf.reduce_mean(_power_per_direction(
        slicer, slicer.features(x), slicer.features(y), directions, p))
    return power if return_power else root(power, p)


def max_generalized_sliced_wasserstein(x, y, defining_function="linear", p=2, degree=3,
                                       radius=2.0, num_steps=50, learning_rate=0.1,
                                       seed=None, init_direction=None,
                                       num_init_directions=16, return_power=False):
    """Max-generalized sliced p-Wasserstein distance and its maximising theta.

    max-GSW_p = max_{theta in Omega} W_p(g(., theta)#mu, g(., theta)#nu), by projected
    gradient ascent on the sphere (see `max_sliced_wasserstein`).

    Args:
      x: [n, d] samples of mu.
      y: [m, d] samples of nu.
      defining_function: "linear", "poly" or "circular".
      p: order p >= 1.
      degree: odd degree of "poly".
      radius: r > 0 of "circular".
      num_steps: ascent steps.
      learning_rate: unitless step of the log-objective ascent.
      seed: seed of the random start directions.
      init_direction: optional [D] start theta (normalised here).
      num_init_directions: start from the best of this many random theta.
      return_power: if True the distance is W_p^p.

    Returns:
      (distance, theta): scalar max-GSW_p (or its p-th power), differentiable in x, y
      with theta fixed (Danskin), and the unit theta [D] (no gradient).
    """
    x, y, p, slicer = _validated(x, y, defining_function, p, degree, radius)
    num_steps = _checks.check_positive_int(num_steps, "num_steps")
    learning_rate = _checks.check_positive(learning_rate, "learning_rate")
    candidates = initial_candidates(slicer.theta_dim, init_direction,
                                    num_init_directions, seed, x.dtype)
    x_features, y_features = slicer.features(x), slicer.features(y)
    x_fixed = tuple(None if t is None else tf.stop_gradient(t) for t in x_features)
    y_fixed = tuple(None if t is None else tf.stop_gradient(t) for t in y_features)

    def power_fn(directions):
        return _power_per_direction(slicer, x_fixed, y_fixed, directions, p)

    theta = maximise_direction(power_fn, candidates, num_steps, learning_rate)
    power = _power_per_direction(slicer, x_features, y_features,
                                 theta[:, tf.newaxis], p)[0]
    distance = power if return_power else root(power, p)
    return distance, theta
