"""Input validation shared by the metrics: clear ValueErrors instead of NaNs."""

import numpy as np

from otzoo import checks


def features(value, name, min_points=1):
    """`value` as a finite float64 [n, d] array with n >= min_points."""
    array = np.asarray(value)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a [n, d] array (one feature vector per row), got "
                         f"shape {list(array.shape)}")
    if array.shape[0] < min_points or array.shape[1] < 1:
        raise ValueError(f"{name} needs at least {min_points} rows of dimension >= 1, got "
                         f"shape {list(array.shape)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array.astype(np.float64)


def pair(x, y, names=("x", "y"), min_points=1):
    """Two feature arrays with the same dimension."""
    x = features(x, names[0], min_points)
    y = features(y, names[1], min_points)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"{names[0]} and {names[1]} must have the same dimension, got "
                         f"shapes {list(x.shape)} and {list(y.shape)}")
    return x, y


positive_int = checks.positive_int  # the project-wide check (otzoo/checks.py)


def images01(value, name):
    """Images [n, H, W, C] with finite values (the evaluator maps them to [0, 1])."""
    array = np.asarray(value)
    if array.ndim != 4 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty [n, H, W, C] image batch, got shape "
                         f"{list(array.shape)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array
