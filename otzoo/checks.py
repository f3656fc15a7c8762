"""Argument checks shared by every package: counts and positive numbers, one message each.

Each returns the value as a Python int / float, or raises ValueError naming the argument.
Scalar tensors whose value is known at trace time count as numbers, so the OT functions
accept `num_projections=tf.constant(100)` inside a `tf.function`.
"""

import numbers

import numpy as np


def as_number(value, name):
    """A Python/NumPy scalar, or a trace-time-known scalar tensor, as a Python number."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a number, got a boolean {value!r}")
    if isinstance(value, numbers.Number):
        return value
    if isinstance(value, np.ndarray) and value.shape == ():
        return value.item()
    if hasattr(value, "dtype") and hasattr(value, "shape"):  # a tf.Tensor / tf.Variable
        import tensorflow as tf  # only for tensors: plain callers need no TensorFlow

        static = tf.get_static_value(value)
        if static is not None and np.ndim(static) == 0:
            return np.asarray(static).item()
    raise ValueError(f"{name} must be a Python number known at trace time, got {value!r}")


def positive_int(value, name, minimum=1):
    """An integer count >= `minimum` (1: projections, steps, samples, ...)."""
    number = as_number(value, name)
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not isinstance(number, numbers.Integral) or number < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {wanted}, got {value!r}")
    return int(number)


def non_negative_int(value, name):
    """An integer count that may be zero (e.g. a number of optimisation steps)."""
    number = as_number(value, name)
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not isinstance(number, numbers.Integral) or number < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(number)


def positive_number(value, name):
    """A strictly positive finite number (radius, learning rate, bandwidth, ...)."""
    number = as_number(value, name)
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(number)
