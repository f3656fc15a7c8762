"""Tests for otzoo.ot generalized sliced distances: NumPy/POT oracles per slice type."""

import itertools

import numpy as np
import ot
import pytest
import tensorflow as tf

from otzoo import testing
from otzoo.ot import (generalized_sliced_wasserstein, max_generalized_sliced_wasserstein,
                      max_sliced_wasserstein, random_directions, sliced_wasserstein)
from otzoo.ot.generalized_sliced import num_poly_features


def clouds(n=10, m=8, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), 0.8 * rng.normal(size=(m, d)) + 0.7


def numpy_monomials(x, degree):
    """x^alpha for every multiset of `degree` coordinates, by explicit products."""
    columns = [np.prod(x[:, list(combo)], axis=1) for combo in
               itertools.combinations_with_replacement(range(x.shape[1]), degree)]
    return np.stack(columns, axis=1)


def numpy_gsw(x, y, slices, p):
    """Mean over slices of W_p^p via POT's 1-D solver, then the root."""
    powers = ot.wasserstein_1d(slices(x), slices(y), p=p)
    return np.mean(powers) ** (1.0 / p)


def test_linear_is_sliced_wasserstein():
    x, y = clouds()
    for p in (1, 2):
        np.testing.assert_array_equal(
            generalized_sliced_wasserstein(x, y, "linear", seed=3, p=p).numpy(),
            sliced_wasserstein(x, y, seed=3, p=p).numpy())


@pytest.mark.parametrize("degree", [1, 3, 5])
@pytest.mark.parametrize("p", [1, 2])
def test_poly_matches_numpy_monomials_and_pot(degree, p):
    x, y = clouds(d=3)
    dim = num_poly_features(3, degree)
    assert dim == numpy_monomials(x, degree).shape[1]
    theta = random_directions(dim, 15, seed=1, dtype="float64").numpy()
    got = generalized_sliced_wasserstein(x, y, "poly", degree=degree, p=p,
                                         projections=theta)
    expected = numpy_gsw(x, y, lambda z: numpy_monomials(z, degree) @ theta, p)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-11)
    np.testing.assert_allclose(
        got.numpy(), ot.sliced_wasserstein_distance(
            numpy_monomials(x, degree), numpy_monomials(y, degree), projections=theta,
            p=p), rtol=1e-11)


@pytest.mark.parametrize("radius", [0.5, 2.0])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_circular_matches_direct_distances(radius, p):
    x, y = clouds()
    theta = random_directions(3, 12, seed=2, dtype="float64").numpy()

    def slices(z):  # |z_i - r theta_l| without the expansion used by the library
        return np.linalg.norm(z[:, :, None] - radius * theta[None, :, :], axis=1)

    got = generalized_sliced_wasserstein(x, y, "circular", radius=radius, p=p,
                                         projections=theta)
    np.testing.assert_allclose(got.numpy(), numpy_gsw(x, y, slices, p), rtol=1e-10)


@pytest.mark.parametrize("defining_function,kwargs", [
    ("poly", dict(degree=3)), ("circular", dict(radius=1.5))])
def test_gradient_matches_finite_differences(defining_function, kwargs):
    x, y = clouds(6, 5)
    theta = random_directions(num_poly_features(3, 3) if defining_function == "poly"
                              else 3, 4, seed=4, dtype="float64")

    def fn(a, b):
        return generalized_sliced_wasserstein(a, b, defining_function, projections=theta,
                                              **kwargs)

    theoretical, numerical = tf.test.compute_gradient(
        fn, [tf.constant(x), tf.constant(y)], delta=1e-6)
    for t, nm in zip(theoretical, numerical):
        np.testing.assert_allclose(t, nm, rtol=1e-5, atol=1e-8)


def test_circular_gradient_is_finite_on_the_circle_centre():
    # A point exactly at r * theta makes |x - r theta| = 0: no NaN from the sqrt.
    theta = np.array([[1.0], [0.0]])
    x = tf.constant([[2.0, 0.0], [0.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = generalized_sliced_wasserstein(x, tf.constant([[0.0, 0.0], [1.0, 1.0]]),
                                               "circular", radius=2.0,
                                               projections=tf.constant(theta, tf.float32))
    assert np.all(np.isfinite(tape.gradient(value, x).numpy()))


@pytest.mark.parametrize("defining_function,kwargs", [
    ("linear", {}), ("poly", dict(degree=3)), ("circular", dict(radius=1.0))])
def test_max_gsw_dominates_gsw(defining_function, kwargs):
    x, y = clouds(30, 30, seed=5)
    distance, theta = max_generalized_sliced_wasserstein(
        x, y, defining_function, seed=6, **kwargs)
    mean = generalized_sliced_wasserstein(x, y, defining_function, seed=7,
                                          num_projections=200, **kwargs)
    assert distance.numpy() > mean.numpy()
    np.testing.assert_allclose(np.linalg.norm(theta.numpy()), 1.0, rtol=1e-12)
    # The returned value is the distance at the returned theta.
    at_theta = generalized_sliced_wasserstein(x, y, defining_function,
                                              projections=theta.numpy()[:, None],
                                              **kwargs)
    np.testing.assert_allclose(distance.numpy(), at_theta.numpy(), rtol=1e-14)


def test_max_gsw_linear_is_max_sw():
    x, y = clouds(40, 40, seed=8)
    gsw, gsw_theta = max_generalized_sliced_wasserstein(x, y, "linear", seed=9)
    sw, sw_theta = max_sliced_wasserstein(x, y, seed=9)
    np.testing.assert_allclose(gsw.numpy(), sw.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gsw_theta.numpy(), sw_theta.numpy(), atol=1e-12)


def test_max_gsw_gradient_holds_theta_fixed():
    x, y = (tf.constant(c) for c in clouds(7, 7, seed=10))
    with tf.GradientTape() as tape:
        tape.watch(x)
        distance, theta = max_generalized_sliced_wasserstein(x, y, "circular", seed=0,
                                                             num_steps=5)
    with tf.GradientTape() as tape_fixed:
        tape_fixed.watch(x)
        fixed = generalized_sliced_wasserstein(x, y, "circular",
                                               projections=theta[:, tf.newaxis])
    np.testing.assert_allclose(tape.gradient(distance, x).numpy(),
                               tape_fixed.gradient(fixed, x).numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 2e-5), (np.float64, 1e-10)])
def test_eager_graph_xla_agree(dtype, rtol):
    x, y = (tf.constant(c.astype(dtype)) for c in clouds(9, 9, seed=11))

    def fn(a, b):
        return (generalized_sliced_wasserstein(a, b, "poly", seed=1),
                generalized_sliced_wasserstein(a, b, "circular", seed=1),
                max_generalized_sliced_wasserstein(a, b, "circular", seed=1,
                                                   num_steps=10)[0])

    results = [testing.run_in_mode(fn, mode, x, y) for mode in ("eager", "graph", "xla")]
    for result in results[1:]:
        for got, expected in zip(result, results[0]):
            assert got.dtype == tf.as_dtype(dtype)
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol)


@pytest.mark.parametrize("kwargs,match", [
    (dict(defining_function="poly", degree=2), "odd"),
    (dict(defining_function="poly", degree=4), "odd"),
    (dict(defining_function="poly", degree=0), "degree"),
    (dict(defining_function="circular", radius=0.0), "radius"),
    (dict(defining_function="circular", radius=-1.0), "radius"),
    (dict(defining_function="sigmoid"), "defining_function"),
    (dict(p=0.5), "p must be"),
    (dict(num_projections=0), "num_projections"),
    (dict(defining_function="poly", projections=np.ones((3, 4))), "d = 10"),
])
def test_bad_inputs_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        generalized_sliced_wasserstein(np.zeros((4, 3)), np.ones((4, 3)), **kwargs)


def test_bad_inputs_of_max_gsw_and_feature_cap():
    with pytest.raises(ValueError, match="odd"):
        max_generalized_sliced_wasserstein(np.zeros((4, 3)), np.ones((4, 3)), "poly",
                                           degree=2)
    with pytest.raises(ValueError, match="num_steps"):
        max_generalized_sliced_wasserstein(np.zeros((4, 3)), np.ones((4, 3)),
                                           num_steps=0)
    with pytest.raises(ValueError, match="monomials"):
        generalized_sliced_wasserstein(np.zeros((2, 784), np.float32),
                                       np.ones((2, 784), np.float32), "poly", degree=3)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
