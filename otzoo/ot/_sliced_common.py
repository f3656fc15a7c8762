"""Pieces shared by the sliced-Wasserstein variants (energy-based, random-path, ...).

Not public API: the variants validate their arguments and call these.
"""

import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import projections as projections_lib

ENERGIES = ("exp", "poly")


def static_dim(x):
    dim = x.shape[1]
    if dim is None:
        raise ValueError("x must have a statically known feature dimension to draw "
                         "random directions; pass `projections` instead")
    return dim


def given_or_random_directions(x, projections, num_projections, seed, method):
    """[d, L] directions: `projections` as given (checked), else L random unit ones."""
    if projections is not None:
        directions = _checks.to_float_tensor(projections, "projections", x.dtype)
        projections_lib.check_directions(directions, x.shape[1], "projections")
        return directions
    num_projections = _checks.check_positive_int(num_projections, "num_projections")
    _checks.check_choice(method, "method", projections_lib.METHODS)
    return projections_lib.random_directions(static_dim(x), num_projections, seed=seed,
                                             method=method, dtype=x.dtype)


def check_energy(energy, degree):
    """Validates an energy function: "exp", "poly" (with degree > 0) or a callable."""
    if callable(energy):
        return energy, None
    _checks.check_choice(energy, "energy", ENERGIES)
    if energy == "poly":
        degree = _checks.check_positive(degree, "degree")
    return energy, degree


def energy_weights(values, energy, degree):
    """Self-normalised weights f(v_l) / sum_j f(v_j) of the values v [L] (>= 0).

    "exp": f(v) = e^v, computed as a softmax (no overflow). "poly": f(v) = v^degree;
    when every v is 0 (identical inputs) the weights are uniform (any weights give the
    same estimate, 0). A callable f maps [L] values to [L] positive values.
    """
    if energy == "exp":
        return tf.nn.softmax(values)
    if energy == "poly":
        powered = tf.pow(values, tf.constant(degree, values.dtype))
    else:
        powered = tf.convert_to_tensor(energy(values), values.dtype)
    total = tf.reduce_sum(powered)
    positive = total > 0
    safe_total = tf.where(positive, total, tf.ones_like(total))
    uniform = tf.fill(tf.shape(values), tf.constant(1.0, values.dtype)) / tf.cast(
        tf.size(values), values.dtype)
    return tf.where(positive, powered / safe_total, uniform)


def normalised_weights(weights, num_points, dtype):
    """The measure's weights summing to one, as dtype [n] (uniform when None)."""
    if weights is None:
        return tf.fill([num_points], tf.constant(1.0, dtype)) / tf.cast(num_points, dtype)
    weights = tf.cast(weights, dtype)
    return weights / tf.reduce_sum(weights)
