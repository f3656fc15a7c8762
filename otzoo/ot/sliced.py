"""The sliced p-Wasserstein distance between two point clouds.

    SW_p(mu, nu) = ( E_{theta ~ U(S^{d-1})} W_p^p(theta#mu, theta#nu) )^{1/p}
                ~= ( (1/L) sum_{l=1}^L W_p^p(theta_l#mu, theta_l#nu) )^{1/p}

Each direction reduces the d-dimensional problem to a 1-D one solved in closed form by
sorting (see `wasserstein_1d`), so the cost is one [n, d] x [d, L] matmul plus L sorts
of n values: O(L n (d + log n)) instead of the O(n^3) of exact OT.

Conventions:
* Returns SW_p WITH the 1/p root, like POT's `ot.sliced_wasserstein_distance`; with
  the same projection matrix the two agree to float precision. `return_power=True`
  returns SW_p^p, the quantity that models optimise (its gradient stays finite at
  SW = 0 and it is an unbiased Monte Carlo estimate of SW_p^p).
* Reductions are means: over the L directions (the actual number of columns used,
  whatever `num_projections` says when `projections` is given) and over the samples
  (uniform weights 1/n), so the value does not scale with batch size or L.
* `projections` (shape [d, L] as in POT) are used as given, like POT: pass unit
  columns (e.g. from `random_directions`) for SW proper. Random directions drawn here
  are normalised.

References:
  Rabin, Peyre, Delon & Bernot, "Wasserstein Barycenter and its Application to Texture
    Mixing", SSVM 2011.
  Bonneel, Rabin, Peyre & Pfister, "Sliced and Radon Wasserstein Barycenters of
    Measures", JMIV 2015.
  Flamary et al., "POT: Python Optimal Transport", JMLR 2021
    (`ot.sliced_wasserstein_distance`).
"""

import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import projections as projections_lib
from otzoo.ot.wasserstein_1d import root, wasserstein_1d_power_rows

__all__ = ["sliced_wasserstein", "sliced_wasserstein_power_per_direction"]


def check_measure_weights(a, b, x, y):
    """Validates optional weights a [n], b [m] of the point clouds x, y."""
    a = _checks.check_weights(a, x.shape[0], "a", tf.float64)
    b = _checks.check_weights(b, y.shape[0], "b", tf.float64)
    return a, b


def sliced_wasserstein_power_per_direction(x, y, directions, p=2, a=None, b=None):
    """W_p^p(theta_l#mu, theta_l#nu) for every column theta_l of `directions`.

    Unvalidated building block (callers validate); differentiable in x, y, directions.

    Args:
      x: [n, d]; y: [m, d]; directions: [d, L].
      p: order >= 1.
      a, b: None or float64 weights [n], [m].

    Returns:
      [L] tensor of W_p^p, dtype of x.
    """
    # [L, n] directly (rows = directions), the layout the sort wants.
    x_proj = tf.matmul(directions, x, transpose_a=True, transpose_b=True)
    y_proj = tf.matmul(directions, y, transpose_a=True, transpose_b=True)
    return wasserstein_1d_power_rows(x_proj, y_proj, a, b, p)


def sliced_wasserstein(x, y, num_projections=50, p=2, projections=None, seed=None,
                       a=None, b=None, method="uniform", return_power=False):
    """Monte Carlo sliced p-Wasserstein distance SW_p between two point clouds.

    SW_p = ((1/L) sum_l W_p^p(theta_l#mu, theta_l#nu))^{1/p} with mu = sum_i a_i
    delta_{x_i}, nu = sum_j b_j delta_{y_j} and L directions theta_l on the sphere.

    Args:
      x: [n, d] samples of mu (rows).
      y: [m, d] samples of nu; m may differ from n.
      num_projections: L, the number of random directions (ignored when
        `projections` is given).
      p: order p >= 1.
      projections: optional [d, L] matrix of directions (columns), used as given, as
        in POT; then the result is deterministic.
      seed: seed for the random directions (int, `keras.random.SeedGenerator`, [2]
        integer tensor or None; see `random_directions`).
      a: optional non-negative weights [n] of x (normalised by their total);
        None = uniform.
      b: optional weights [m] of y.
      method: direction sampler: "uniform", "orthogonal" or "qmc".
      return_power: if True return SW_p^p (no root).

    Returns:
      Scalar SW_p (or SW_p^p), dtype of x. Differentiable w.r.t. x, y (and the
      projections when given).

    Raises:
      ValueError: mismatched feature dimensions or dtypes, ranks other than 2, empty
        point clouds, p < 1, num_projections < 1, negative weights, projections of
        the wrong shape, unknown method.
    """
    x, y = _checks.check_point_clouds(x, y)
    p = _checks.check_p(p)
    a, b = check_measure_weights(a, b, x, y)
    if projections is None:
        num_projections = _checks.check_positive_int(num_projections, "num_projections")
        _checks.check_choice(method, "method", projections_lib.METHODS)
        dim = x.shape[1]
        if dim is None:
            raise ValueError("x must have a statically known feature dimension to draw "
                             "random directions; pass `projections` instead")
        directions = projections_lib.random_directions(dim, num_projections, seed=seed,
                                                       method=method, dtype=x.dtype)
    else:
        directions = _checks.to_float_tensor(projections, "projections", x.dtype)
        projections_lib.check_directions(directions, x.shape[1], "projections")
    power = tf.reduce_mean(
        sliced_wasserstein_power_per_direction(x, y, directions, p, a, b))
    return power if return_power else root(power, p)
