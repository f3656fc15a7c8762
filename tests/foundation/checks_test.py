"""otzoo.checks: the argument checks every package uses."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo import checks


@pytest.mark.parametrize("value, expected", [(3, 3), (3.0, 3), (np.int64(7), 7),
                                             (np.array(2), 2), (tf.constant(5), 5)])
def test_positive_int_accepts_integral_numbers(value, expected):
    result = checks.positive_int(value, "n")
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value, message", [
    (0, "n must be a positive integer, got 0"),
    (-1, "n must be a positive integer"),
    (2.5, "n must be a positive integer, got 2.5"),
    (True, "n must be a number, got a boolean"),
    ("3", "n must be a Python number known at trace time"),
])
def test_positive_int_names_the_argument(value, message):
    with pytest.raises(ValueError, match=message):
        checks.positive_int(value, "n")


def test_minimum_and_zero():
    assert checks.positive_int(4, "k", minimum=4) == 4
    with pytest.raises(ValueError, match="k must be an integer >= 4, got 3"):
        checks.positive_int(3, "k", minimum=4)
    assert checks.non_negative_int(0, "steps") == 0
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        checks.non_negative_int(-1, "steps")


def test_positive_number():
    assert checks.positive_number(0.5, "eps") == 0.5
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="eps must be a positive finite number"):
            checks.positive_number(bad, "eps")
