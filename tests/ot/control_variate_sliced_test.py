"""Tests for otzoo.ot.control_variate_sliced_wasserstein (LCV-SW, UCV-SW)."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo import testing
from otzoo.ot import (control_variate_sliced_wasserstein, random_directions,
                      sliced_wasserstein)


def clouds(n=20, m=20, d=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = 1.5 * rng.normal(size=(m, d)) + np.linspace(-1.0, 1.0, d)
    return x.astype(dtype), y.astype(dtype)


def unit_columns(d, count, seed=1):
    return random_directions(d, count, seed=seed, dtype="float64").numpy()


def numpy_cv_sw(x, y, thetas, control_variate, p=2):
    """CV-SW_p^p written out with loops from the formula (equal sizes, uniform weights)."""
    d, num = thetas.shape
    mx, my = x.mean(axis=0), y.mean(axis=0)
    sx = (x - mx).T @ (x - mx) / len(x)  # biased covariances
    sy = (y - my).T @ (y - my) / len(y)
    w, g = np.zeros(num), np.zeros(num)
    for k in range(num):
        theta = thetas[:, k]
        w[k] = np.mean(np.abs(np.sort(x @ theta) - np.sort(y @ theta)) ** p)
        g[k] = (theta @ (mx - my)) ** 2
        if control_variate == "upper":
            g[k] += theta @ sx @ theta + theta @ sy @ theta
    expectation = np.sum((mx - my) ** 2) / d
    if control_variate == "upper":
        expectation += (np.trace(sx) + np.trace(sy)) / d
    gamma = np.mean((w - w.mean()) * (g - expectation)) / np.mean((g - expectation) ** 2)
    return w.mean() - gamma * (g.mean() - expectation)


@pytest.mark.parametrize("control_variate", ["lower", "upper"])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_matches_numpy_oracle(control_variate, p):
    x, y = clouds(12, 12)
    thetas = unit_columns(5, 15)
    expected = numpy_cv_sw(x, y, thetas, control_variate, p)
    got = control_variate_sliced_wasserstein(x, y, p=p, control_variate=control_variate,
                                             projections=thetas, return_power=True)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    root = control_variate_sliced_wasserstein(x, y, p=p, control_variate=control_variate,
                                              projections=thetas)
    np.testing.assert_allclose(root.numpy(), expected ** (1 / p), rtol=1e-12)


@pytest.mark.parametrize("control_variate", ["lower", "upper"])
def test_weights_are_repeated_samples(control_variate):
    x, y = clouds(6, 5)
    thetas = unit_columns(5, 9)
    a, b = np.array([2.0, 1, 1, 3, 1, 1]), np.array([1.0, 2, 1, 1, 1])
    weighted = control_variate_sliced_wasserstein(
        x, y, control_variate=control_variate, projections=thetas, a=a, b=b)
    repeated = control_variate_sliced_wasserstein(
        np.repeat(x, a.astype(int), axis=0), np.repeat(y, b.astype(int), axis=0),
        control_variate=control_variate, projections=thetas)
    np.testing.assert_allclose(weighted.numpy(), repeated.numpy(), rtol=1e-12)


def test_lower_control_variate_on_a_translation():
    # y = x + t: W_2^2(theta) = <theta, t>^2 = G(theta) exactly. With the coefficient
    # of the authors' code (E[G] in both centrings), LCV-SW_2^2 - E[G] =
    # delta^3 / (s^2 + delta^2), delta = G_bar - E[G], s^2 = var(G): never farther from
    # the truth |t|^2 / d than plain MC (error delta) on the same directions.
    x, _ = clouds(15, 15)
    shift = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    truth = shift @ shift / 5
    errors = []
    for seed in range(20):
        thetas = unit_columns(5, 4, seed=seed)
        lcv = control_variate_sliced_wasserstein(x, x + shift, control_variate="lower",
                                                 projections=thetas, return_power=True)
        mc = sliced_wasserstein(x, x + shift, projections=thetas, return_power=True)
        g = (shift @ thetas) ** 2
        delta, spread = g.mean() - truth, g.var()
        np.testing.assert_allclose(lcv.numpy() - truth, delta ** 3 / (spread + delta ** 2),
                                   rtol=1e-9, atol=1e-12)
        errors.append((abs(lcv.numpy() - truth), abs(mc.numpy() - truth)))
    errors = np.array(errors)
    assert np.all(errors[:, 0] <= errors[:, 1] + 1e-12)
    assert errors[:, 0].mean() < 0.6 * errors[:, 1].mean()


@pytest.mark.parametrize("control_variate", ["lower", "upper"])
def test_unbiased_and_lower_variance_than_plain_monte_carlo(control_variate):
    # Over many seeds, CV-SW_2^2 and plain MC (same directions per seed) have the same
    # mean, the exact SW_2^2 (gamma estimated from the same L directions leaves an
    # O(1/L) bias, ~0.3% at L = 50 here, well inside the tolerance), and CV-SW has a
    # much smaller variance on these Gaussian clouds.
    x, y = clouds()
    exact = sliced_wasserstein(x, y, return_power=True, projections=random_directions(
        5, 100000, seed=123, method="orthogonal", dtype="float64")).numpy()

    @tf.function
    def estimates(seed):
        return (control_variate_sliced_wasserstein(x, y, num_projections=50, seed=seed,
                                                   control_variate=control_variate,
                                                   return_power=True),
                sliced_wasserstein(x, y, num_projections=50, seed=seed,
                                   return_power=True))

    num_seeds = 400
    values = np.array([[v.numpy() for v in estimates(tf.constant([s, 0], tf.int64))]
                       for s in range(num_seeds)])
    cv, mc = values[:, 0], values[:, 1]
    difference = cv - mc
    assert abs(difference.mean()) < 4 * difference.std() / np.sqrt(num_seeds)
    assert abs(cv.mean() - exact) < 4 * cv.std() / np.sqrt(num_seeds) + 2e-3 * exact
    assert cv.var() < 0.6 * mc.var()


@pytest.mark.parametrize("control_variate", ["lower", "upper"])
def test_zero_on_identical_inputs_with_finite_gradient(control_variate):
    x = tf.constant(clouds()[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = control_variate_sliced_wasserstein(x, tf.identity(x), seed=0,
                                                   control_variate=control_variate)
    assert value.numpy() == 0.0
    gradient = tape.gradient(value, x).numpy()
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient, 0.0, atol=1e-12)


@pytest.mark.parametrize("control_variate", ["lower", "upper"])
@pytest.mark.parametrize("sizes", [(6, 6), (6, 4)])
def test_gradient_matches_finite_differences(control_variate, sizes):
    x, y = clouds(*sizes, d=3)
    thetas = tf.constant(unit_columns(3, 6))

    def fn(a, b):
        return control_variate_sliced_wasserstein(a, b, projections=thetas,
                                                  control_variate=control_variate)

    theoretical, numerical = tf.test.compute_gradient(
        fn, [tf.constant(x), tf.constant(y)], delta=1e-6)
    for t, nm in zip(theoretical, numerical):
        np.testing.assert_allclose(t, nm, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_eager_graph_xla_agree(dtype, rtol):
    x, y = clouds(8, 5, d=3, dtype=dtype)
    weights = np.linspace(1.0, 2.0, 8).astype(dtype)

    def fn(a, b):
        return (control_variate_sliced_wasserstein(a, b, seed=3, num_projections=20),
                control_variate_sliced_wasserstein(a, b, seed=3, num_projections=20,
                                                   control_variate="lower", a=weights,
                                                   p=1.5))

    testing.assert_modes_agree(fn, (tf.constant(x), tf.constant(y)), rtol=rtol, dtype=dtype)


def test_invalid_arguments():
    x, y = clouds()
    with pytest.raises(ValueError, match="control_variate"):
        control_variate_sliced_wasserstein(x, y, control_variate="middle")
    with pytest.raises(ValueError, match="num_projections"):
        control_variate_sliced_wasserstein(x, y, num_projections=0)
