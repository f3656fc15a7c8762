"""Directions on the unit sphere and the Radon transform of an empirical measure.

The sliced distances compare the 1-D pushforwards theta#mu, theta(x) = <theta, x>, for
directions theta on the sphere S^{d-1}. For an empirical measure with points x_i (the
rows of x), the pushforward is the empirical measure of the projections x_i^T theta,
so L directions stacked as the columns of Theta [d, L] give all projections with one
matmul: project(x, Theta) = x Theta, shape [n, L] (the discrete Radon transform).

Direction samplers (`method`), all returning unit columns:
* "uniform": theta = g / |g| with g ~ N(0, I_d): uniform on the sphere (Monte Carlo).
* "orthogonal": ceil(L / d) independent Haar-random orthonormal bases of R^d (QR of a
  Gaussian matrix with the signs of R's diagonal fixed, Mezzadri 2007), concatenated
  and truncated to L columns. Each block covers the sphere evenly (an "orthogonal
  Monte Carlo" estimator, Rowland et al. 2019), which lowers the variance of SW.
* "qmc": randomised quasi-Monte Carlo. The first L points of the d-dimensional Sobol
  sequence (unscrambled, computed once in NumPy/SciPy at trace time) are randomised by
  one uniform random shift modulo 1 (Cranley-Patterson rotation), mapped to Gaussians
  by the inverse normal CDF and normalised: the "Gaussian-based mapping" of randomised
  QMC sliced Wasserstein (Nguyen et al. 2024). Needs d <= 21201 (SciPy's Sobol).

Seeds: an int (deterministic, stateless), a `keras.random.SeedGenerator` (stateful,
advances on every call; the way a model gets fresh directions per step), a [2]-shaped
integer tensor (stateless, e.g. an input of an exported signature), or None (Keras'
global seed generator: fresh directions on every call, also inside `tf.function`).
Stateless draws are built from Philox integer bits with our own float conversion, so one
seed gives the same directions eagerly, in `tf.function` and under XLA.

References:
  Bonneel, Rabin, Peyre & Pfister, "Sliced and Radon Wasserstein Barycenters of
    Measures", JMIV 2015.
  Rowland et al., "Orthogonal Estimation of Wasserstein Distances", AISTATS 2019.
  Mezzadri, "How to generate random matrices from the classical compact groups",
    Notices of the AMS, 2007.
  Nguyen, Ho et al., "Quasi-Monte Carlo for 3D Sliced Wasserstein", ICLR 2024.
"""

import functools
import warnings

import keras
import numpy as np
import tensorflow as tf

from otzoo.ot import _checks

__all__ = ["project", "random_directions", "METHODS"]

METHODS = ("uniform", "orthogonal", "qmc")
_SOBOL_MAX_DIM = 21201


def project(x, directions):
    """Projects the points x onto each direction: the Radon transform x Theta.

    Args:
      x: [n, d] points (rows).
      directions: [d, L] directions (columns), used as given (not normalised).

    Returns:
      [n, L]: column l holds the 1-D sample <x_i, theta_l>, i = 1..n.
    """
    x = _checks.check_point_cloud(x, "x")
    directions = _checks.to_float_tensor(directions, "directions", x.dtype)
    check_directions(directions, x.shape[1])
    return tf.matmul(x, directions)


def check_directions(directions, dim, name="directions"):
    if directions.shape.rank != 2:
        raise ValueError(f"{name} must have shape [d, L] (one direction per column), "
                         f"got shape {directions.shape.as_list()}")
    if dim is not None and directions.shape[0] is not None and directions.shape[0] != dim:
        raise ValueError(f"{name} must have shape [d, L] with d = {dim} (the feature "
                         f"dimension of the points), got {directions.shape.as_list()}")
    if directions.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one direction, got shape "
                         f"{directions.shape.as_list()}")


def stateless_seed(seed):
    """An int64 [2] seed for TF's stateless ops, or None for Keras' global generator."""
    if seed is None:
        return None
    if isinstance(seed, keras.random.SeedGenerator):
        # Advances the generator's state variable: fresh numbers on every call.
        return tf.cast(seed.next(), tf.int64)
    if isinstance(seed, int):
        return tf.constant([seed, 0], tf.int64)
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank != 1 or seed.shape[0] != 2 or not seed.dtype.is_integer:
        raise ValueError("a tensor seed must be an integer tensor of shape [2], got "
                         f"{seed.dtype.name} {seed.shape.as_list()}")
    return tf.cast(seed, tf.int64)


# Stateless draws are built from Philox integer bits with our own ops. TF's float samplers
# (`stateless_uniform` / `stateless_normal`, even with an explicit alg="philox") give
# different numbers under XLA when the seed is not a trace-time constant (e.g. a
# SeedGenerator's state), while the integer bits agree; so one seed gives the same
# directions eagerly, in `tf.function` and with jit_compile=True. (Moving to this changed
# the directions drawn for a given seed, so the numbers of seeded runs changed with it.)
# The algorithm is explicit: "auto_select" picks different generators with and without XLA.
_ALGORITHM = "philox"
# Significand bits (with the implicit one) of each float dtype.
_PRECISION = {tf.float64: 53, tf.float32: 24, tf.float16: 11, tf.bfloat16: 8}


def _compute_dtype(dtype):
    # Half-precision normals are drawn in float32 and rounded: Box-Muller with an 11-bit
    # uniform would truncate the tails at ~3.9 sigma.
    return tf.float64 if dtype == tf.float64 else tf.float32


def _unit_interval(shape, seed, dtype):
    """k 2^-m in [0, 1), k the top m bits of Philox integers, m = dtype's precision.

    Exact in `dtype` (k < 2^m fits the significand), so never rounds up to 1; the
    result is in the compute dtype (float32, or float64 for float64).
    """
    if dtype not in _PRECISION:
        raise ValueError(f"random draws support float16, bfloat16, float32 and float64, "
                         f"got {dtype.name}")
    precision = _PRECISION[dtype]
    bits_dtype = tf.uint64 if precision > 32 else tf.uint32
    bits = tf.random.stateless_uniform(shape, seed=seed, minval=None, maxval=None,
                                       dtype=bits_dtype, alg=_ALGORITHM)
    top = tf.bitwise.right_shift(bits, tf.constant(bits_dtype.size * 8 - precision,
                                                   bits_dtype))
    compute = _compute_dtype(dtype)
    return tf.cast(top, compute) * tf.constant(2.0 ** -precision, compute)


def random_normal(shape, seed, dtype):
    """N(0, 1) draws: Box-Muller z = sqrt(-2 log(1 - u1)) cos(2 pi u2) on Philox bits.

    1 - u1 is in (0, 1] (u1 in [0, 1)), so the log is finite; the tails are cut at
    sqrt(2 m log 2) (5.8 sigma in float32, 8.6 in float64). seed=None uses Keras' global
    generator instead.
    """
    dtype = tf.as_dtype(dtype)
    stateless = stateless_seed(seed)
    if stateless is None:
        return keras.random.normal(shape, dtype=dtype)
    u = _unit_interval([2] + list(shape), stateless, _compute_dtype(dtype))
    radius = tf.sqrt(-2.0 * tf.math.log(1.0 - u[0]))
    return tf.cast(radius * tf.cos(2.0 * np.pi * u[1]), dtype)


def random_uniform(shape, seed, dtype):
    """U[0, 1) draws on the grid k 2^-m (m = the dtype's precision) from Philox bits.

    seed=None uses Keras' global generator instead.
    """
    dtype = tf.as_dtype(dtype)
    stateless = stateless_seed(seed)
    if stateless is None:
        return keras.random.uniform(shape, dtype=dtype)
    return tf.cast(_unit_interval(shape, stateless, dtype), dtype)


def check_seed(seed):
    if seed is None or isinstance(seed, keras.random.SeedGenerator):
        return seed
    if isinstance(seed, (bool, np.bool_)):
        raise ValueError(f"seed must be an int, a keras.random.SeedGenerator, a [2] "
                         f"integer tensor or None, got {seed!r}")
    if isinstance(seed, (int, np.integer)):
        return int(seed)
    if isinstance(seed, (tf.Tensor, tf.Variable, np.ndarray)):
        return seed
    raise ValueError(f"seed must be an int, a keras.random.SeedGenerator, a [2] integer "
                     f"tensor or None, got {seed!r}")


@functools.lru_cache(maxsize=16)
def _sobol_points(dim, num_points):
    from scipy.stats import qmc  # only needed for method="qmc"

    with warnings.catch_warnings():
        # Sobol balance holds for powers of two only; randomisation keeps it unbiased.
        warnings.simplefilter("ignore")
        points = qmc.Sobol(dim, scramble=False).random(num_points)
    points.setflags(write=False)
    return points


def _normalise_columns(directions):
    return directions / tf.norm(directions, axis=0, keepdims=True)


def random_directions(d, num_projections, seed=None, method="uniform",
                      dtype="float32"):
    """Random directions on the unit sphere S^{d-1}, as the columns of a [d, L] matrix.

    Args:
      d: dimension of the ambient space (>= 1).
      num_projections: L, the number of directions (>= 1).
      seed: int, `keras.random.SeedGenerator`, [2] integer tensor, or None (see the
        module docstring).
      method: "uniform", "orthogonal" or "qmc" (see the module docstring).
      dtype: float dtype of the result.

    Returns:
      [d, L] tensor whose columns have unit Euclidean norm.
    """
    d = _checks.check_positive_int(d, "d")
    num_projections = _checks.check_positive_int(num_projections, "num_projections")
    _checks.check_choice(method, "method", METHODS)
    seed = check_seed(seed)
    dtype = tf.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a float dtype, got {dtype.name}")

    if method == "uniform":
        return _normalise_columns(random_normal([d, num_projections], seed, dtype))
    if method == "orthogonal":
        num_blocks = -(-num_projections // d)
        gaussian = random_normal([num_blocks, d, d], seed, dtype)
        q, r = tf.linalg.qr(gaussian)
        # Multiplying column j of Q by sign(R_jj) makes Q Haar-distributed.
        signs = tf.sign(tf.linalg.diag_part(r))
        signs = tf.where(signs == 0, tf.ones_like(signs), signs)
        q = q * signs[:, tf.newaxis, :]
        bases = tf.reshape(tf.transpose(q, [1, 0, 2]), [d, num_blocks * d])
        return bases[:, :num_projections]
    # method == "qmc"
    if d > _SOBOL_MAX_DIM:
        raise ValueError(f"method='qmc' supports d <= {_SOBOL_MAX_DIM} (Sobol "
                         f"sequence), got d = {d}")
    points = tf.constant(_sobol_points(d, num_projections).T, dtype=dtype)  # [d, L]
    shift = random_uniform([d, 1], seed, dtype)
    shifted = tf.math.floormod(points + shift, 1.0)
    # Keep away from 0 and 1, where the inverse normal CDF is infinite.
    tiny = tf.constant(np.finfo(dtype.as_numpy_dtype).eps, dtype)
    shifted = tf.clip_by_value(shifted, tiny, 1.0 - tiny)
    return _normalise_columns(tf.math.ndtri(shifted))
