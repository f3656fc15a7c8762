"""Tests for otzoo.ot.sliced_wasserstein: POT oracle, invariants, closed forms, grads."""

import keras
import numpy as np
import ot
import pytest
import tensorflow as tf

from otzoo.ot import random_directions, sliced_wasserstein, wasserstein_1d
from otzoo.ot import _sorting


def clouds(n=12, m=12, d=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = 0.7 * rng.normal(size=(m, d)) + np.linspace(0.5, 1.5, d)
    return x.astype(dtype), y.astype(dtype)


def unit_columns(d, count, seed=1):
    return random_directions(d, count, seed=seed, dtype="float64").numpy()


def run(fn, mode, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("n,m", [(10, 10), (10, 7)])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_pot_with_the_same_projections(p, n, m, weighted):
    x, y = clouds(n, m)
    projections = unit_columns(3, 20)
    rng = np.random.default_rng(2)
    a = rng.uniform(0.1, 1, n) if weighted else None
    b = rng.uniform(0.1, 1, m) if weighted else None
    expected = ot.sliced_wasserstein_distance(
        x, y, None if a is None else a / a.sum(), None if b is None else b / b.sum(),
        projections=projections, p=p)
    got = sliced_wasserstein(x, y, p=p, projections=projections, a=a, b=b)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_is_the_mean_of_one_dimensional_distances():
    x, y = clouds(9, 6)
    projections = unit_columns(3, 7)  # L = 7, not the default 50
    per_direction = wasserstein_1d(x @ projections, y @ projections, p=2).numpy() ** 2
    got = sliced_wasserstein(x, y, p=2, projections=projections, return_power=True)
    np.testing.assert_allclose(got.numpy(), per_direction.mean(), rtol=1e-13)
    np.testing.assert_allclose(
        sliced_wasserstein(x, y, p=2, projections=projections).numpy(),
        np.sqrt(per_direction.mean()), rtol=1e-13)


def test_invariants():
    x, y = clouds(11, 8)
    projections = unit_columns(3, 30)

    def sw(a, b, p=2, **kwargs):
        return sliced_wasserstein(a, b, p=p, projections=projections, **kwargs).numpy()

    assert sw(x, x) == 0.0
    np.testing.assert_allclose(sw(x, y), sw(y, x), rtol=1e-14)
    np.testing.assert_allclose(sw(x[::-1], y[[3, 1, 2, 0, 4, 5, 6, 7]]), sw(x, y),
                               rtol=1e-14)  # points are a set: order is irrelevant
    for p in (1, 2, 3):  # homogeneity: SW_p^p(cx, cy) = c^p SW_p^p(x, y)
        np.testing.assert_allclose(sw(2.5 * x, 2.5 * y, p, return_power=True),
                                   2.5 ** p * sw(x, y, p, return_power=True),
                                   rtol=1e-12)
    shift = np.array([3.0, -1.0, 2.0])
    np.testing.assert_allclose(sw(x + shift, y + shift), sw(x, y), rtol=1e-12)
    # Duplicating every sample does not change the measures (mean, not sum).
    np.testing.assert_allclose(sw(np.repeat(x, 2, 0), np.repeat(y, 3, 0)), sw(x, y),
                               rtol=1e-12)


def test_translation_of_one_cloud_has_closed_form():
    # theta#(x + t) is theta#x shifted by <theta, t>, so W_2^2 = <theta, t>^2 exactly,
    # and over whole orthonormal bases the mean of <theta, t>^2 is |t|^2 / d.
    x, _ = clouds(40, 40, d=4)
    shift = np.array([1.0, -2.0, 0.5, 3.0])
    projections = random_directions(4, 4 * 25, seed=3, method="orthogonal",
                                    dtype="float64")
    got = sliced_wasserstein(x, x + shift, projections=projections, return_power=True)
    np.testing.assert_allclose(got.numpy(), shift @ shift / 4, rtol=1e-12)


def test_gaussians_with_shifted_means():
    # SW_2^2(N(0, I), N(m, I)) = |m|^2 / d; independent samples add O(1/sqrt(n)) noise.
    rng = np.random.default_rng(4)
    d, n = 3, 3000
    mean = np.array([2.0, -1.0, 1.0])
    x, y = rng.normal(size=(n, d)), rng.normal(size=(n, d)) + mean
    got = sliced_wasserstein(x, y, num_projections=300, seed=0, method="orthogonal",
                             return_power=True)
    np.testing.assert_allclose(got.numpy(), mean @ mean / d, rtol=0.05)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 3e-6), (np.float64, 1e-13)])
@pytest.mark.parametrize("sizes", [(8, 8), (8, 5)])
def test_eager_graph_xla_agree(dtype, rtol, sizes):
    x, y = clouds(*sizes, dtype=dtype)
    weights = np.linspace(1.0, 2.0, sizes[0]).astype(dtype)

    def fn(a, b):
        return (sliced_wasserstein(a, b, seed=3, num_projections=40),
                sliced_wasserstein(a, b, seed=3, num_projections=40, a=weights, p=1.5),
                sliced_wasserstein(a, b, seed=3, num_projections=40, method="qmc"))

    results = [run(fn, mode, tf.constant(x), tf.constant(y))
               for mode in ("eager", "graph", "xla")]
    for result in results[1:]:
        for got, expected in zip(result, results[0]):
            assert got.dtype == tf.as_dtype(dtype)
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol)
    projections = random_directions(3, 40, seed=3, dtype=dtype)
    np.testing.assert_allclose(
        results[0][0].numpy(),
        ot.sliced_wasserstein_distance(x.astype(np.float64), y.astype(np.float64),
                                       projections=projections.numpy().astype(np.float64)),
        rtol=max(rtol, 1e-12) * 10)


@pytest.mark.parametrize("p", [1.5, 2, 3])
@pytest.mark.parametrize("sizes", [(6, 6), (6, 4)])
def test_gradient_matches_finite_differences(p, sizes):
    x, y = clouds(*sizes)
    projections = tf.constant(unit_columns(3, 5))

    def fn(a, b):
        return sliced_wasserstein(a, b, p=p, projections=projections)

    theoretical, numerical = tf.test.compute_gradient(
        fn, [tf.constant(x), tf.constant(y)], delta=1e-6)
    for t, nm in zip(theoretical, numerical):
        np.testing.assert_allclose(t, nm, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("jit", [False, True])
def test_integer_key_sort_gives_identical_values_and_gradients(jit):
    x, y = clouds(64, 64, d=5, dtype=np.float32)

    def value_and_grad(a, b):
        with tf.GradientTape() as tape:
            tape.watch(a)
            value = sliced_wasserstein(a, b, seed=1, num_projections=30)
        return value, tape.gradient(value, a)

    fast = tf.function(value_and_grad, jit_compile=jit)(tf.constant(x), tf.constant(y))
    with _sorting.implementation("float"):
        plain = tf.function(value_and_grad, jit_compile=jit)(tf.constant(x),
                                                             tf.constant(y))
    np.testing.assert_array_equal(fast[0].numpy(), plain[0].numpy())
    np.testing.assert_array_equal(fast[1].numpy(), plain[1].numpy())


def test_unknown_batch_sizes_at_trace_time():
    # A None batch dimension (Keras retraces the last partial batch that way): equal
    # and unequal sizes must both give POT's value and the static-shape gradient.
    projections = tf.constant(unit_columns(3, 10))
    spec = tf.TensorSpec([None, 3], tf.float64)

    def value_and_grad(a, b):
        with tf.GradientTape() as tape:
            tape.watch(a)
            value = sliced_wasserstein(a, b, projections=projections)
        return value, tape.gradient(value, a)

    dynamic = tf.function(value_and_grad, input_signature=[spec, spec])
    for sizes in [(6, 6), (6, 4)]:
        x, y = clouds(*sizes)
        value, grad = dynamic(tf.constant(x), tf.constant(y))
        static_value, static_grad = value_and_grad(tf.constant(x), tf.constant(y))
        np.testing.assert_allclose(value.numpy(), ot.sliced_wasserstein_distance(
            x, y, projections=projections.numpy()), rtol=1e-12)
        np.testing.assert_allclose(value.numpy(), static_value.numpy(), rtol=1e-13)
        np.testing.assert_allclose(grad.numpy(), static_grad.numpy(), rtol=1e-11,
                                   atol=1e-15)


def test_gradient_is_finite_at_zero():
    x = tf.constant(clouds()[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = sliced_wasserstein(x, tf.identity(x), seed=0)
    np.testing.assert_array_equal(tape.gradient(value, x).numpy(), np.zeros(x.shape))


def test_seeds():
    x, y = clouds()
    np.testing.assert_array_equal(sliced_wasserstein(x, y, seed=5).numpy(),
                                  sliced_wasserstein(x, y, seed=5).numpy())
    generator = keras.random.SeedGenerator(0)
    first = sliced_wasserstein(x, y, seed=generator).numpy()
    assert first != sliced_wasserstein(x, y, seed=generator).numpy()
    assert np.isfinite(sliced_wasserstein(x, y).numpy())


@pytest.mark.parametrize("kwargs,match", [
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 2))), "same feature dimension"),
    (dict(x=np.zeros(4), y=np.zeros((4, 1))), "rank 2"),
    (dict(x=np.zeros((2, 4, 3)), y=np.zeros((4, 3))), "rank 2"),
    (dict(x=np.zeros((0, 3)), y=np.zeros((4, 3))), "empty"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((0, 3))), "empty"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 3)), p=0.9), "p must be"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 3)), num_projections=0), "num_projections"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 3)), num_projections=-3),
     "num_projections"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 3)), a=np.array([1.0, 1, -1, 1])),
     "non-negative"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 3)), b=np.ones(5)), "one weight per point"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 3)), projections=np.ones((2, 5))),
     "d = 3"),
    (dict(x=np.zeros((4, 3)), y=np.zeros((4, 3)), method="halton"), "method"),
    (dict(x=np.zeros((4, 3), np.int32), y=np.zeros((4, 3))), "floating dtype"),
    (dict(x=np.zeros((4, 3), np.float32), y=np.zeros((4, 3))), "dtype"),
])
def test_bad_inputs_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sliced_wasserstein(**kwargs)


def test_bad_inputs_raise_while_tracing():
    fn = tf.function(lambda a, b: sliced_wasserstein(a, b), jit_compile=True)
    with pytest.raises(ValueError, match="same feature dimension"):
        fn(tf.zeros((4, 3)), tf.zeros((4, 2)))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
