"""Exact discrete optimal transport (the Wasserstein distance W_p) for evaluation.

    W_p(mu, nu)^p = min_{P >= 0, P 1 = a, Pᵀ1 = b} sum_ij P_ij ||x_i - y_j||_2^p,

between mu = sum_i a_i delta_{x_i} and nu = sum_j b_j delta_{y_j}. This is a linear
program; it is solved by POT's `ot.emd2` (a network simplex in C++, Bonneel et al. 2011)
on the CPU in float64. It is not a TensorFlow op: NumPy in, Python float out, no gradient,
eager only (called while `tf.function` or XLA traces, it raises RuntimeError rather than
bake a trace-time constant into the graph). Use it to evaluate (e.g. W_2 between
generated samples and a test set of a few thousand points: O(n³)-ish time and an n x m
cost matrix in memory); train with `sliced_wasserstein`, `sinkhorn_divergence` or `mmd`.

The cost is built from the differences x_i - y_j (SciPy's `cdist` sums (x_ik - y_jk)²),
not from the expansion ||x||² + ||y||² - 2 xᵀy that `ot.dist` uses: the expansion
cancels to a rounding error ~1e-16 ||x||² instead of 0 for coincident points, which makes
W_p(mu, mu) ~ 1e-8 ||x|| after the root. With differences, W_p(mu, mu) = 0 exactly.

Returns W_p (the distance, like `sliced_wasserstein`'s default) or, with
`return_power=True`, W_p^p (the optimal transport cost itself, what `ot.emd2` returns).

References:
    Peyré, Cuturi. Computational Optimal Transport. 2019, Chapter 3.
    Bonneel, van de Panne, Paris, Heidrich. Displacement Interpolation Using Lagrangian
        Mass Transport. SIGGRAPH Asia 2011 (the network simplex POT uses).
    Flamary et al. POT: Python Optimal Transport. JMLR 2021.
"""

import warnings

import numpy as np
import ot
import scipy.spatial.distance
import tensorflow as tf

from otzoo.ot import _checks

# The network simplex needs O(n m)-ish pivots; POT's default (1e5) stops short, with
# only a warning, already for a few hundred points. 1e9 is ample for n, m ~ 10^4.
DEFAULT_MAX_ITER = 1_000_000_000


def _ground_cost(x, y, p):
    """C_ij = ||x_i - y_j||_2^p [n, m] for float64 arrays, exactly 0 where x_i = y_j.

    Direct differences (see the module docstring); no [n, m, d] array is formed.
    """
    squared = scipy.spatial.distance.cdist(x, y, metric="sqeuclidean")
    if p == 2:
        return squared
    if p == 1:
        return np.sqrt(squared)
    return squared ** (0.5 * p)


def _as_cloud(value, name):
    try:
        array = np.asarray(value)
    except Exception as error:  # e.g. a symbolic tensor inside tf.function
        raise ValueError(f"{name} must be array-like (NumPy, list or eager tensor): "
                         f"{error}") from None
    if not (np.issubdtype(array.dtype, np.floating)
            or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must have rank 2 (shape [n, d], one point per row), "
                         f"got shape {list(array.shape)}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one point of dimension >= 1, got "
                         f"shape {list(array.shape)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array.astype(np.float64)


def _as_weights(w, num_points, name):
    if w is None:
        return np.full(num_points, 1.0 / num_points)
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (num_points,):
        raise ValueError(f"{name} must have shape [{num_points}] (one weight per point), "
                         f"got shape {list(w.shape)}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError(f"{name} must be finite, non-negative, with a positive total")
    return w / w.sum()


def emd(x, y, a=None, b=None, p=2, return_power=False, num_iter_max=DEFAULT_MAX_ITER):
    """Exact W_p between two weighted point clouds, via POT's `ot.emd2` (CPU, float64).

    Args:
        x: [n, d] array-like (NumPy array, list or eager tensor) of points of mu.
        y: [m, d] points of nu, same d.
        a: [n] non-negative weights of mu (normalised here), or None: uniform.
        b: [m] weights of nu, or None: uniform.
        p: ground cost exponent >= 1, cost ||x - y||_2^p.
        return_power: if True return W_p^p (the optimal cost), else W_p.
        num_iter_max: network-simplex iteration cap (POT's `numItermax`).

    Returns:
        Python float: W_p(mu, nu), or W_p(mu, nu)^p if `return_power`.

    Raises:
        ValueError: bad shapes/dtypes/weights, p < 1.
        RuntimeError: called while tracing (inside `tf.function`, with or without
            jit_compile); or the network simplex did not reach an optimum (e.g. the
            iteration cap was hit): the value would be wrong, so none is returned.
    """
    if not tf.executing_eagerly():
        # A traced call would run the solver once, at trace time, on whatever constant it
        # was given, and silently return that number on every later call.
        raise RuntimeError(
                "otzoo.ot.emd runs POT's exact solver (a C++ network simplex on NumPy "
                "float64 arrays) eagerly only: it cannot be traced by tf.function or "
                "compiled with jit_compile=True, and has no gradient. Call it eagerly, "
                "for evaluation (or inside tf.py_function, without jit_compile); to train "
                "or to compile, use sinkhorn_divergence, sliced_wasserstein or mmd.")
    p = _checks.check_p(p)
    num_iter_max = _checks.check_positive_int(num_iter_max, "num_iter_max")
    x = _as_cloud(x, "x")
    y = _as_cloud(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same feature dimension, got shapes "
                         f"{list(x.shape)} and {list(y.shape)}")
    a = _as_weights(a, x.shape[0], "a")
    b = _as_weights(b, y.shape[0], "b")
    cost = _ground_cost(x, y, p)
    with warnings.catch_warnings():
        # POT warns and still returns a value when it stops early; we raise instead.
        warnings.simplefilter("ignore", UserWarning)
        value, log = ot.emd2(a, b, cost, numItermax=num_iter_max, log=True)
    if log.get("result_code", 1) != 1:
        raise RuntimeError(f"ot.emd2 did not converge: {log.get('warning')} "
                           "(raise num_iter_max)")
    value = max(float(value), 0.0)
    return value if return_power else value ** (1.0 / p)
