"""Tests for otzoo.ot.gaussian_approximation_sliced_wasserstein (Nadjahi et al. 2021)."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo import testing
from otzoo.ot import (gaussian_approximation_sliced_wasserstein, random_directions,
                      sliced_wasserstein)


def clouds(n=12, m=9, d=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = 2.0 * rng.exponential(size=(m, d)) + 0.5
    return x.astype(dtype), y.astype(dtype)


def numpy_approximation(x, y, a=None, b=None):
    """The closed form, written point by point."""
    d = x.shape[1]
    a = np.full(len(x), 1 / len(x)) if a is None else a / a.sum()
    b = np.full(len(y), 1 / len(y)) if b is None else b / b.sum()
    mean_x = sum(a[i] * x[i] for i in range(len(x)))
    mean_y = sum(b[j] * y[j] for j in range(len(y)))
    m2_x = sum(a[i] * np.sum((x[i] - mean_x) ** 2) for i in range(len(x)))
    m2_y = sum(b[j] * np.sum((y[j] - mean_y) ** 2) for j in range(len(y)))
    return np.sum((mean_x - mean_y) ** 2) / d + (np.sqrt(m2_x / d) - np.sqrt(m2_y / d)) ** 2


@pytest.mark.parametrize("weighted", [False, True])
def test_matches_numpy_oracle(weighted):
    x, y = clouds()
    rng = np.random.default_rng(1)
    a = rng.uniform(0.1, 1, len(x)) if weighted else None
    b = rng.uniform(0.1, 1, len(y)) if weighted else None
    expected = numpy_approximation(x, y, a, b)
    got = gaussian_approximation_sliced_wasserstein(x, y, a=a, b=b, return_power=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-13)
    np.testing.assert_allclose(
        gaussian_approximation_sliced_wasserstein(x, y, a=a, b=b).numpy(),
        np.sqrt(expected), rtol=1e-13)


def test_error_shrinks_as_the_dimension_grows():
    # The paper's claim for independent coordinates: the projections concentrate
    # around Gaussians, so the error vanishes as d grows. Shifted Rademacher versus
    # centred exponential coordinates are far from Gaussian in low dimension.
    rng = np.random.default_rng(0)
    n, errors = 2000, []
    for d in (1, 3, 10, 30, 100):
        x = rng.choice([-1.0, 1.0], size=(n, d)) + 0.5
        y = 2.0 * (rng.exponential(size=(n, d)) - 1.0)
        directions = random_directions(d, 1000, seed=1, method="orthogonal",
                                       dtype="float64")
        reference = sliced_wasserstein(x, y, projections=directions).numpy()
        approximation = gaussian_approximation_sliced_wasserstein(x, y).numpy()
        errors.append(abs(approximation - reference))
    assert np.all(np.diff(errors) < 0), errors
    assert errors[-1] < 0.02 * errors[0], errors


def test_invariants():
    x, y = clouds()
    value = gaussian_approximation_sliced_wasserstein(x, y, return_power=True).numpy()
    shift = np.array([1.0, -3.0, 2.0, 0.5])
    np.testing.assert_allclose(gaussian_approximation_sliced_wasserstein(
        x + shift, y + shift, return_power=True).numpy(), value, rtol=1e-12)
    np.testing.assert_allclose(gaussian_approximation_sliced_wasserstein(
        2.5 * x, 2.5 * y, return_power=True).numpy(), 2.5 ** 2 * value, rtol=1e-12)
    np.testing.assert_allclose(gaussian_approximation_sliced_wasserstein(
        y, x[::-1], return_power=True).numpy(), value, rtol=1e-12)
    # A pure translation: only the mean term, |t|^2 / d, as for SW itself.
    np.testing.assert_allclose(gaussian_approximation_sliced_wasserstein(
        x, x + shift, return_power=True).numpy(), shift @ shift / 4, rtol=1e-12)


def test_zero_on_identical_inputs_with_finite_gradient():
    x = tf.constant(clouds()[0])
    for point_mass in (False, True):
        data = tf.zeros_like(x) + 1.0 if point_mass else x
        with tf.GradientTape() as tape:
            tape.watch(data)
            value = gaussian_approximation_sliced_wasserstein(data, tf.identity(data))
        assert value.numpy() == 0.0
        np.testing.assert_array_equal(tape.gradient(value, data).numpy(), 0.0)
    # A point mass against a spread cloud: sqrt(m2) is not differentiable at m2 = 0;
    # the gradient must stay finite (0 is taken for the point mass's spread).
    point_mass = tf.zeros_like(x) + 1.0
    with tf.GradientTape() as tape:
        tape.watch(point_mass)
        value = gaussian_approximation_sliced_wasserstein(point_mass, x,
                                                          return_power=True)
    gradient = tape.gradient(value, point_mass).numpy()
    assert np.all(np.isfinite(gradient))
    mean_gap = np.ones(4) - x.numpy().mean(axis=0)
    np.testing.assert_allclose(gradient, np.tile(2 * mean_gap / 4 / len(x), (len(x), 1)),
                               rtol=1e-12)


@pytest.mark.parametrize("return_power", [False, True])
def test_gradient_matches_finite_differences(return_power):
    x, y = clouds(6, 5, d=3)

    def fn(a, b):
        return gaussian_approximation_sliced_wasserstein(a, b, return_power=return_power)

    theoretical, numerical = tf.test.compute_gradient(
        fn, [tf.constant(x), tf.constant(y)], delta=1e-6)
    for t, nm in zip(theoretical, numerical):
        np.testing.assert_allclose(t, nm, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 1e-6), (np.float64, 1e-14)])
def test_eager_graph_xla_agree(dtype, rtol):
    x, y = clouds(dtype=dtype)
    weights = np.linspace(1.0, 2.0, 12).astype(dtype)

    def fn(a, b):
        return (gaussian_approximation_sliced_wasserstein(a, b),
                gaussian_approximation_sliced_wasserstein(a, b, a=weights,
                                                          return_power=True))

    testing.assert_modes_agree(fn, (tf.constant(x), tf.constant(y)), rtol=rtol, dtype=dtype)


def test_invalid_arguments():
    x, y = clouds()
    with pytest.raises(ValueError, match="feature dimension"):
        gaussian_approximation_sliced_wasserstein(x, y[:, :3])
    with pytest.raises(ValueError, match="non-negative"):
        gaussian_approximation_sliced_wasserstein(x, y, a=-np.ones(len(x)))
