"""Random directions beyond the uniform law: sphere distributions that compile under XLA.

The sliced variants in this package draw directions around a mean direction (the power
spherical and von Mises-Fisher laws) and need several independent random streams per
call. TensorFlow's gamma sampler (`tf.random.stateless_gamma`, hence Beta and both
sphere laws) has no XLA kernel, and a data-dependent rejection loop does not fit a
fixed-shape compiled graph, so the rejection samplers here draw a fixed number of
proposals at once and keep the first accepted one:

* Gamma(alpha): Marsaglia & Tsang (2000), 8 proposals (acceptance >= 0.95 for every
  alpha >= 1, so all 8 fail with probability < 0.05^8 ~ 4e-11); alpha < 1 through
  Gamma(alpha) = Gamma(alpha + 1) U^{1/alpha}. Beta(a, b) = G_a / (G_a + G_b).
* von Mises-Fisher vMF(mu, kappa) on S^{d-1}: Wood (1994), 32 proposals per draw for
  the cosine w = <theta, mu> (acceptance >= 0.65 for d in [2, 3072] and kappa in
  [0.1, 1000] in our measurements, so all 32 fail with probability < 0.35^32 ~ 1e-15).
* Power spherical PS(mu, kappa): De Cao & Aziz (2020), no rejection: w = 2z - 1 with
  z ~ Beta((d-1)/2 + kappa, (d-1)/2).

If every proposal of a draw is rejected (the probabilities above), the last proposal is
used: a bias far below float precision. Sampling runs in float64 whatever the data
dtype; the samples carry no gradient (the estimators stop it anyway).

Seeds: every function takes a stateless int64 [2] seed (see `stateless_base_seed`) and
derives its sub-streams from Philox integer draws (`split_seed`). All floats are built
from Philox integer bits (`uniform`, `normal`): TensorFlow's own float samplers (and
`stateless_fold_in`) give different numbers under XLA when the seed is not a
trace-time constant (e.g. a loss's SeedGenerator), its integer bits do not. So one
seed gives the same draws eagerly, in `tf.function` and under XLA (up to the last-ulp
differences of log/cos between XLA and Eigen).

References:
  Marsaglia & Tsang, "A Simple Method for Generating Gamma Variables", ACM TOMS 2000.
  Wood, "Simulation of the von Mises Fisher distribution", Comm. Stat. Sim. Comp. 1994.
  De Cao & Aziz, "The Power Spherical distribution", ICML INNF+ workshop 2020.
"""

import keras
import numpy as np
import tensorflow as tf

from otzoo.ot import projections as projections_lib

_ALGORITHM = "philox"
_GAMMA_PROPOSALS = 8
_WOOD_PROPOSALS = 32
_NUM_CHILDREN = 8


def stateless_base_seed(seed):
    """An int64 [2] seed from an int, SeedGenerator, [2] tensor, or None.

    None draws the base seed from Keras' global generator: fresh numbers on every call,
    also inside `tf.function`.
    """
    seed = projections_lib.check_seed(seed)
    stateless = projections_lib.stateless_seed(seed)
    if stateless is None:
        stateless = tf.cast(keras.random.randint([2], 0, 2**31 - 1, dtype="int32"),
                            tf.int64)
    return stateless


def split_seed(seed, count):
    """[count, 2] int64 independent child seeds of the [2] seed (Philox bits)."""
    return tf.random.stateless_uniform([count, 2], seed=seed, minval=None, maxval=None,
                                       dtype=tf.int64, alg=_ALGORITHM)


def child_seed(seed, index):
    """The `index`-th (0 <= index < 8) independent sub-seed of `seed`."""
    if not 0 <= index < _NUM_CHILDREN:
        raise ValueError(f"child seed index must be in [0, {_NUM_CHILDREN}), got {index}")
    return split_seed(seed, _NUM_CHILDREN)[index]


def uniform(shape, seed):
    """float64 draws uniform on the open interval (0, 1).

    Built from Philox integer bits, (k + 1/2) 2^-53 with k the top 53 bits: TF's float
    samplers give different numbers under XLA when the seed is not a trace-time
    constant, the integer bits do not.
    """
    bits = tf.random.stateless_uniform(shape, seed=seed, minval=None, maxval=None,
                                       dtype=tf.uint64, alg=_ALGORITHM)
    top = tf.cast(tf.bitwise.right_shift(bits, tf.constant(11, tf.uint64)), tf.float64)
    return (top + 0.5) * 2.0 ** -53


def normal(shape, seed):
    """float64 standard normal draws (Box-Muller on two `uniform` draws)."""
    pair = split_seed(seed, 2)
    u1, u2 = uniform(shape, pair[0]), uniform(shape, pair[1])
    return tf.sqrt(-2.0 * tf.math.log(u1)) * tf.cos(2.0 * np.pi * u2)


def _first_accepted(values, accepted):
    """values[..., k*] for the first k with accepted[..., k] (else the last proposal)."""
    num = values.shape[-1]
    # argmax of [accepted..., True] finds the first True; index num means none.
    padded = tf.concat([tf.cast(accepted, tf.int32),
                        tf.ones_like(accepted[..., :1], tf.int32)], axis=-1)
    index = tf.minimum(tf.argmax(padded, axis=-1, output_type=tf.int32), num - 1)
    return tf.reduce_sum(values * tf.one_hot(index, num, dtype=values.dtype), axis=-1)


def gamma(alpha, seed):
    """Gamma(alpha, 1) draws, one per entry of the float64 tensor `alpha` (> 0)."""
    alpha = tf.convert_to_tensor(alpha, tf.float64)
    shape = tf.shape(alpha)
    boosted = alpha < 1.0
    shape_parameter = tf.where(boosted, alpha + 1.0, alpha)
    d0 = shape_parameter - 1.0 / 3.0
    c = 1.0 / tf.sqrt(9.0 * d0)
    proposal_shape = tf.concat([shape, [_GAMMA_PROPOSALS]], axis=0)
    x = normal(proposal_shape, child_seed(seed, 0))
    u = uniform(proposal_shape, child_seed(seed, 1))
    d0, c = d0[..., tf.newaxis], c[..., tf.newaxis]
    v = (1.0 + c * x) ** 3
    safe_v = tf.maximum(v, np.finfo(np.float64).tiny)
    accepted = (v > 0) & (tf.math.log(u) < 0.5 * x ** 2 + d0 - d0 * safe_v
                          + d0 * tf.math.log(safe_v))
    draw = _first_accepted(d0 * safe_v, accepted)
    boost = uniform(shape, child_seed(seed, 2)) ** (1.0 / alpha)
    return tf.where(boosted, draw * boost, draw)


def beta(a, b, seed):
    """Beta(a, b) draws (float64 tensors a, b of the same shape)."""
    ga = gamma(a, child_seed(seed, 0))
    gb = gamma(b, child_seed(seed, 1))
    return ga / (ga + gb)


def uniform_sphere(num, dim, seed):
    """[num, dim] float64 rows uniform on S^{dim-1}."""
    g = normal([num, dim], seed)
    return g / tf.norm(g, axis=-1, keepdims=True)


def _around_first_axis(cosine, seed, dim):
    """Rows [w, sqrt(1 - w^2) v] with v uniform on S^{dim-2}: the law around e_1."""
    num = tf.shape(cosine)[0]
    v = uniform_sphere(num, dim - 1, seed)
    radius = tf.sqrt(tf.maximum(1.0 - cosine ** 2, 0.0))
    return tf.concat([cosine[:, tf.newaxis], radius[:, tf.newaxis] * v], axis=-1)


def reflect_first_axis_to(samples, loc):
    """Applies the Householder reflection that maps e_1 to `loc` (unit rows) to rows.

    H = I - 2 u u^T with u = (e_1 - loc) / |e_1 - loc|; H e_1 = loc exactly. Where
    loc = e_1 the reflection is the identity.
    """
    dim = loc.shape[-1]
    e1 = tf.one_hot(0, dim, dtype=loc.dtype)
    u = e1 - loc
    norm2 = tf.reduce_sum(u * u, axis=-1, keepdims=True)
    # `norm2 == 0`, not `norm2 > 0`: a NaN location must give NaN samples, not e_1's.
    at_e1 = norm2 == 0
    safe = tf.where(at_e1, tf.ones_like(norm2), norm2)
    reflected = samples - 2.0 * u * tf.reduce_sum(u * samples, axis=-1,
                                                  keepdims=True) / safe
    return tf.where(at_e1, samples, reflected)


def _unit_rows(loc):
    # Renormalised in float64: a float32 unit vector is unit only to ~1e-7.
    loc = tf.cast(loc, tf.float64)
    return loc / tf.norm(loc, axis=-1, keepdims=True)


def _check_dim(loc):
    dim = loc.shape[-1]
    if dim is None or dim < 2:
        raise ValueError(f"sampling around a direction needs a static dimension d >= 2, "
                         f"got {dim}")
    return dim


def power_spherical(loc, kappa, seed):
    """Draws PS(loc_i, kappa) for every unit row loc_i of loc [N, d] (float64).

    Density proportional to (1 + <theta, loc>)^kappa on S^{d-1}; E<theta, loc> =
    kappa / (kappa + d - 1).
    """
    loc = _unit_rows(loc)
    dim = _check_dim(loc)
    kappa = tf.cast(kappa, tf.float64)
    num = tf.shape(loc)[0]
    half = tf.fill([num], tf.constant((dim - 1) / 2.0, tf.float64))
    z = beta(half + kappa, half, child_seed(seed, 0))
    samples = _around_first_axis(2.0 * z - 1.0, child_seed(seed, 1), dim)
    return reflect_first_axis_to(samples, loc)


def von_mises_fisher(loc, kappa, seed):
    """Draws vMF(loc_i, kappa) for every unit row loc_i of loc [N, d] (float64).

    Density proportional to exp(kappa <theta, loc>) on S^{d-1} (Wood's sampler).
    """
    loc = _unit_rows(loc)
    dim = _check_dim(loc)
    kappa = tf.cast(kappa, tf.float64)
    num = tf.shape(loc)[0]
    m1 = float(dim - 1)
    # b = (-2 kappa + sqrt(4 kappa^2 + m1^2)) / m1, written without the cancellation.
    b = m1 / (2.0 * kappa + tf.sqrt(4.0 * kappa ** 2 + m1 ** 2))
    x0 = (1.0 - b) / (1.0 + b)
    c = kappa * x0 + m1 * tf.math.log(1.0 - x0 ** 2)
    half = tf.fill([num, _WOOD_PROPOSALS], tf.constant(m1 / 2.0, tf.float64))
    z = beta(half, half, child_seed(seed, 0))
    w = (1.0 - (1.0 + b) * z) / (1.0 - (1.0 - b) * z)
    u = uniform([num, _WOOD_PROPOSALS], child_seed(seed, 1))
    accepted = kappa * w + m1 * tf.math.log(1.0 - x0 * w) - c >= tf.math.log(u)
    cosine = _first_accepted(w, accepted)
    samples = _around_first_axis(cosine, child_seed(seed, 2), dim)
    return reflect_first_axis_to(samples, loc)
