"""Shared input validation for the OT distances in `otzoo.ot`.

Every check raises a `ValueError` that names the argument and what was expected, so a
bad call fails at the call site (while tracing, under `tf.function`) instead of
returning a silent NaN or a wrongly shaped tensor.

Shapes are checked on the *static* shape: under `tf.function` with unknown dimensions
(`None`), a dimension that is unknown at trace time is not checked (XLA needs static
shapes anyway). Values (non-negative weights) are checked whenever they are known at
trace time (eager tensors, NumPy arrays, constants); symbolic values cannot raise a
Python `ValueError` and are not checked.
"""

import numpy as np
import tensorflow as tf

from otzoo import checks

__all__ = [
    "check_point_cloud",
    "check_point_clouds",
    "check_p",
    "check_positive_int",
    "check_positive",
    "check_non_negative_int",
    "check_non_negative",
    "check_weights",
    "check_choice",
    "to_float_tensor",
]


def to_float_tensor(value, name, dtype=None):
    """Converts `value` to a floating tensor; a non-float input raises ValueError.

    Python lists of Python floats become float32 (TensorFlow's default); integer or
    boolean tensors/arrays are rejected rather than silently cast, because integer
    data fed to a distance is almost always a bug (e.g. uint8 images not rescaled).

    Args:
      value: array-like or tensor.
      name: argument name used in error messages.
      dtype: optional float dtype to convert to (e.g. the dtype of another argument).

    Returns:
      A `tf.Tensor` (or the given `tf.Variable`) of a floating dtype.
    """
    if value is None:
        raise ValueError(f"{name} must be a float tensor, got None")
    if isinstance(value, (tf.Tensor, tf.Variable)):
        tensor = value
    else:
        if isinstance(value, np.ndarray) and not np.issubdtype(value.dtype, np.floating):
            raise ValueError(f"{name} must have a floating dtype, got {value.dtype} "
                             "(cast it, e.g. to float32, before calling)")
        try:
            # NumPy arrays keep their dtype (a mismatch is reported below); Python
            # scalars and lists take the requested dtype.
            tensor = tf.convert_to_tensor(
                value, dtype=None if isinstance(value, np.ndarray) else dtype)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} could not be converted to a float tensor: "
                             f"{error}") from None
    if not tensor.dtype.is_floating:
        raise ValueError(f"{name} must have a floating dtype, got {tensor.dtype.name} "
                         "(cast it, e.g. to float32, before calling)")
    if dtype is not None and tensor.dtype != tf.as_dtype(dtype):
        raise ValueError(f"{name} has dtype {tensor.dtype.name} but "
                         f"{tf.as_dtype(dtype).name} was expected (the inputs of one "
                         "call must share a dtype)")
    return tensor


def check_point_cloud(x, name="x", dtype=None):
    """Checks one empirical measure given as a [n, d] matrix of n points in R^d.

    Args:
      x: array-like of shape [n, d], floating dtype, n >= 1 and d >= 1.
      name: argument name used in error messages.
      dtype: optional dtype that `x` must have.

    Returns:
      `x` as a float tensor.
    """
    x = to_float_tensor(x, name, dtype)
    shape = x.shape
    if shape.rank is None:
        raise ValueError(f"{name} must have a known rank 2 (shape [n, d]), "
                         "got unknown rank")
    if shape.rank != 2:
        raise ValueError(f"{name} must have rank 2 (shape [n, d], one point per row), "
                         f"got shape {shape.as_list()}")
    if shape[0] == 0:
        raise ValueError(f"{name} must hold at least one point, got shape "
                         f"{shape.as_list()} (empty batch)")
    if shape[1] == 0:
        raise ValueError(f"{name} must have a feature dimension >= 1, got shape "
                         f"{shape.as_list()}")
    return x


def check_point_clouds(x, y, name_x="x", name_y="y"):
    """Checks two empirical measures [n, d] and [m, d]: same d, same float dtype.

    Args:
      x: array-like of shape [n, d].
      y: array-like of shape [m, d] (m may differ from n).
      name_x: name of `x` in error messages.
      name_y: name of `y` in error messages.

    Returns:
      (x, y) as float tensors of the same dtype.
    """
    x = check_point_cloud(x, name_x)
    if not isinstance(y, (tf.Tensor, tf.Variable)) and not isinstance(y, np.ndarray):
        # Python lists follow the dtype of x rather than TensorFlow's float32 default.
        y = to_float_tensor(y, name_y, x.dtype)
    y = check_point_cloud(y, name_y)
    if y.dtype != x.dtype:
        raise ValueError(f"{name_x} and {name_y} must have the same dtype, got "
                         f"{x.dtype.name} and {y.dtype.name}")
    dx, dy = x.shape[1], y.shape[1]
    if dx is not None and dy is not None and dx != dy:
        raise ValueError(f"{name_x} and {name_y} must have the same feature dimension, "
                         f"got shapes {x.shape.as_list()} and {y.shape.as_list()}")
    return x, y


def check_p(p):
    """Checks the order p of a Wasserstein distance: a finite number p >= 1.

    Returns:
      p as a Python float (or int if it is integral, so that `p == 2` stays exact).
    """
    value = checks.as_number(p, "p")
    if not np.isfinite(value) or value < 1:
        raise ValueError(f"p must be a finite number >= 1 (W_p is a metric only for "
                         f"p >= 1), got {p!r}")
    return int(value) if float(value).is_integer() else float(value)


# Counts and positive numbers: the project-wide checks (otzoo/checks.py).
check_positive_int = checks.positive_int
check_non_negative_int = checks.non_negative_int
check_positive = checks.positive_number


def check_non_negative(value, name):
    """Checks a non-negative finite number (a regularisation weight, ...).

    Returns:
      `value` as a Python float.
    """
    number = checks.as_number(value, name)
    if not np.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return float(number)


def check_weights(weights, num_points, name, dtype, num_columns=None):
    """Checks the weights of an empirical measure; None means uniform.

    Weights need not sum to one (callers normalise them), but must be non-negative
    with a positive total. Negative values and a zero total are checked when the values
    are known at trace time.

    Args:
      weights: None, or array-like of shape [n] (or [n, L] if `num_columns` is given,
        one weight vector per column).
      num_points: n, the number of points the weights belong to (None if unknown).
      name: argument name used in error messages.
      dtype: float dtype to convert to.
      num_columns: L for batched weights, or None to allow only rank 1.

    Returns:
      None, or the weights as a tensor of `dtype`.
    """
    if weights is None:
        return None
    if isinstance(weights, (tf.Tensor, tf.Variable)):
        if not weights.dtype.is_floating:
            raise ValueError(f"{name} must have a floating dtype, got "
                             f"{weights.dtype.name}")
        weights = tf.cast(weights, dtype)
    else:
        array = np.asarray(weights)
        if not (np.issubdtype(array.dtype, np.floating)
                or np.issubdtype(array.dtype, np.integer)):
            raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
        weights = tf.convert_to_tensor(array.astype(tf.as_dtype(dtype).as_numpy_dtype))
    rank = weights.shape.rank
    allowed = (1,) if num_columns is None else (1, 2)
    if rank not in allowed:
        expected = "[n]" if num_columns is None else "[n] or [n, L]"
        raise ValueError(f"{name} must have shape {expected}, got shape "
                         f"{weights.shape.as_list() if rank is not None else 'unknown'}")
    if (num_points is not None and weights.shape[0] is not None
            and weights.shape[0] != num_points):
        raise ValueError(f"{name} must have one weight per point ({num_points}), got "
                         f"shape {weights.shape.as_list()}")
    if (rank == 2 and num_columns is not None and weights.shape[1] is not None
            and weights.shape[1] != num_columns):
        raise ValueError(f"{name} must have shape [n, {num_columns}] to match the "
                         f"values, got {weights.shape.as_list()}")
    static = tf.get_static_value(weights)
    if static is not None:
        if not np.all(np.isfinite(static)):
            raise ValueError(f"{name} must be finite")
        if np.any(static < 0):
            raise ValueError(f"{name} must be non-negative, got min {static.min()}")
        if np.any(np.sum(static, axis=0) <= 0):
            raise ValueError(f"{name} must have a positive total mass")
    return weights


def check_choice(value, name, choices):
    """Checks that a string option is one of `choices` (the message lists them)."""
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of "
                         f"{', '.join(repr(c) for c in choices)}")
    return value
