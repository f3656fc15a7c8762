"""Tests for otzoo.ot.wasserstein_1d: SciPy and POT oracles, closed forms, gradients."""

import numpy as np
import ot
import pytest
import scipy.stats
import tensorflow as tf

from otzoo.ot import transport_map_1d, wasserstein_1d


def samples(n, seed, scale=1.0, shift=0.0):
    return shift + scale * np.random.default_rng(seed).normal(size=n)


def positive_weights(n, seed):
    return np.random.default_rng(seed).uniform(0.1, 1.0, size=n)


def run(fn, mode, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


@pytest.mark.parametrize("n,m", [(7, 7), (9, 4), (1, 5), (6, 1)])
@pytest.mark.parametrize("weighted", [False, True])
def test_p1_matches_scipy(n, m, weighted):
    u, v = samples(n, 0), samples(m, 1, 2.0, 0.5)
    u_w = positive_weights(n, 2) if weighted else None
    v_w = positive_weights(m, 3) if weighted else None
    expected = scipy.stats.wasserstein_distance(u, v, u_w, v_w)
    got = wasserstein_1d(u, v, u_w, v_w, p=1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3.3])
@pytest.mark.parametrize("n,m", [(8, 8), (8, 5)])
@pytest.mark.parametrize("weighted", [False, True])
def test_pth_power_matches_pot(p, n, m, weighted):
    # POT's wasserstein_1d returns W_p^p (no root) and expects normalised weights.
    u, v = samples(n, 4), samples(m, 5, 0.5, 1.0)
    u_w = positive_weights(n, 6) if weighted else np.full(n, 1.0 / n)
    v_w = positive_weights(m, 7) if weighted else np.full(m, 1.0 / m)
    expected = ot.wasserstein_1d(u, v, u_w / u_w.sum(), v_w / v_w.sum(), p=p)
    got = wasserstein_1d(u, v, u_w if weighted else None, v_w if weighted else None, p=p)
    np.testing.assert_allclose(got.numpy() ** p, expected, rtol=1e-11)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_matches_exact_ot_with_emd2(p):
    u, v = samples(6, 8), samples(4, 9, 1.5)
    u_w, v_w = positive_weights(6, 10), positive_weights(4, 11)
    u_w, v_w = u_w / u_w.sum(), v_w / v_w.sum()
    cost = np.abs(u[:, None] - v[None, :]) ** p
    expected = ot.emd2(u_w, v_w, cost)
    np.testing.assert_allclose(wasserstein_1d(u, v, u_w, v_w, p=p).numpy() ** p,
                               expected, rtol=1e-9)
    np.testing.assert_allclose(
        wasserstein_1d(u, v, u_w, v_w, p=p).numpy() ** p,
        ot.emd2_1d(u, v, u_w, v_w, metric="minkowski", p=p), rtol=1e-9)


def test_equal_sizes_is_sorted_matching():
    u, v = samples(10, 12), samples(10, 13)
    expected = np.mean((np.sort(u) - np.sort(v)) ** 2) ** 0.5
    np.testing.assert_allclose(wasserstein_1d(u, v, p=2).numpy(), expected, rtol=1e-14)


def test_gaussian_closed_form():
    # Quantile-grid samples of N(m, s^2) carry no sampling noise: W_2^2 between two
    # Gaussians is (m1 - m2)^2 + (s1 - s2)^2.
    n = 4000
    grid = scipy.stats.norm.ppf((np.arange(n) + 0.5) / n)
    u, v = 1.0 + 2.0 * grid, -0.5 + 0.7 * grid[: n // 2 * 2: 2]  # unequal sizes
    expected = (1.0 + 0.5) ** 2 + (2.0 - 0.7) ** 2
    np.testing.assert_allclose(wasserstein_1d(u, v, p=2).numpy() ** 2, expected,
                               rtol=2e-3)


def test_batched_columns_equal_loop():
    rng = np.random.default_rng(14)
    u, v = rng.normal(size=(7, 4)), rng.normal(size=(5, 4)) + 1
    u_w = rng.uniform(0.1, 1, size=(7, 4))
    got = wasserstein_1d(u, v, u_w, None, p=2).numpy()
    assert got.shape == (4,)
    for column in range(4):
        np.testing.assert_allclose(
            got[column],
            wasserstein_1d(u[:, column], v[:, column], u_w[:, column], p=2).numpy(),
            rtol=1e-13)
    shared = wasserstein_1d(u, v, u_w[:, 0], None, p=2).numpy()
    np.testing.assert_allclose(shared[1], wasserstein_1d(u[:, 1], v[:, 1], u_w[:, 0],
                                                         p=2).numpy(), rtol=1e-13)


def test_weights_are_normalised_and_zero_weights_drop_points():
    u, v = samples(6, 15), samples(5, 16)
    w = positive_weights(6, 17)
    base = wasserstein_1d(u, v, w, None, p=2).numpy()
    np.testing.assert_allclose(wasserstein_1d(u, v, 7.0 * w, None, p=2).numpy(), base,
                               rtol=1e-13)
    w_zero = w.copy()
    w_zero[[1, 4]] = 0.0
    dropped = wasserstein_1d(np.delete(u, [1, 4]), v, np.delete(w, [1, 4]), None, p=2)
    np.testing.assert_allclose(wasserstein_1d(u, v, w_zero, None, p=2).numpy(),
                               dropped.numpy(), rtol=1e-13)


def test_float32_weighted_accumulates_accurately():
    # Cumulative weights are summed in float64: float32 inputs lose only the rounding
    # of the values themselves (POT cumulates in float32: ~3e-5 relative at n=1e4).
    n = 100_000
    u, v = samples(n, 18), samples(n, 19, 1.1, 0.2)
    u_w, v_w = positive_weights(n, 20), positive_weights(n, 21)
    reference = scipy.stats.wasserstein_distance(
        u.astype(np.float32).astype(np.float64), v.astype(np.float32).astype(np.float64),
        u_w.astype(np.float32), v_w.astype(np.float32))
    got = wasserstein_1d(u.astype(np.float32), v.astype(np.float32),
                         u_w.astype(np.float32), v_w.astype(np.float32), p=1)
    assert got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), reference, rtol=2e-6)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 2e-6), (np.float64, 1e-13)])
@pytest.mark.parametrize("weighted", [False, True])
def test_eager_graph_xla_agree(dtype, rtol, weighted):
    u, v = samples(9, 22).astype(dtype), samples(6, 23, 2.0).astype(dtype)
    u_w = positive_weights(9, 24).astype(dtype) if weighted else None
    expected = scipy.stats.wasserstein_distance(u, v, u_w, None) ** 1.0

    def fn(a, b):
        return (wasserstein_1d(a, b, u_w, None, p=1),
                wasserstein_1d(a[:6], b, p=2.5))

    results = [run(fn, mode, tf.constant(u), tf.constant(v))
               for mode in ("eager", "graph", "xla")]
    for w1, w25 in results:
        assert w1.dtype == tf.as_dtype(dtype)
        np.testing.assert_allclose(w1.numpy(), expected, rtol=rtol)
        np.testing.assert_allclose(w25.numpy(), results[0][1].numpy(), rtol=rtol)


@pytest.mark.parametrize("p", [1.5, 2, 3])
@pytest.mark.parametrize("n,m", [(6, 6), (6, 4)])
def test_gradient_matches_finite_differences(p, n, m):
    u, v = samples(n, 25), samples(m, 26, 1.3, 0.4)
    u_w = positive_weights(n, 27)

    def of_values(a):
        return wasserstein_1d(a, tf.constant(v), p=p)

    def of_weights(w):
        return wasserstein_1d(tf.constant(u), tf.constant(v), w, None, p=p)

    for fn, x in ((of_values, u), (of_weights, u_w)):
        theoretical, numerical = tf.test.compute_gradient(fn, [tf.constant(x)],
                                                          delta=1e-6)
        np.testing.assert_allclose(theoretical[0], numerical[0], rtol=1e-5, atol=1e-8)


def test_gradient_is_finite_at_zero_distance():
    u = tf.constant(samples(5, 28))
    with tf.GradientTape() as tape:
        tape.watch(u)
        distance = wasserstein_1d(u, u, p=2)
    grad = tape.gradient(distance, u)
    assert distance.numpy() == 0.0
    np.testing.assert_array_equal(grad.numpy(), np.zeros(5))


def reference_transport_map(x, u, v, u_w, v_w):
    """T = F_v^{-1} o F_u with NumPy searchsorted, straight from the definitions."""
    order_u, order_v = np.argsort(u), np.argsort(v)
    cum_u = np.cumsum(u_w[order_u]) / u_w.sum()
    cum_v = np.cumsum(v_w[order_v]) / v_w.sum()
    count = np.searchsorted(u[order_u], x, side="right")
    cdf = np.where(count > 0, cum_u[np.maximum(count - 1, 0)], 0.0)
    index = np.minimum(np.searchsorted(cum_v, cdf, side="left"), len(v) - 1)
    return v[order_v][index]


def test_transport_map_sends_sorted_to_sorted():
    u, v = samples(8, 29), samples(8, 30, 3.0)
    np.testing.assert_array_equal(transport_map_1d(u, u, v).numpy()[np.argsort(u)],
                                  np.sort(v))


def test_transport_map_weighted_matches_reference():
    u, v = samples(7, 31), samples(5, 32)
    u_w, v_w = positive_weights(7, 33), positive_weights(5, 34)
    x = np.linspace(-3, 3, 25).reshape(5, 5)
    got = transport_map_1d(x, u, v, u_w, v_w)
    assert got.shape == (5, 5)
    np.testing.assert_array_equal(got.numpy(), reference_transport_map(x, u, v, u_w, v_w))


def test_transport_map_between_gaussians_is_affine():
    n = 2000
    grid = scipy.stats.norm.ppf((np.arange(n) + 0.5) / n)
    u, v = 1.0 + 2.0 * grid, -3.0 + 0.5 * grid
    x = np.array([-1.0, 0.0, 1.0, 2.5, 4.0])
    np.testing.assert_allclose(transport_map_1d(x, u, v).numpy(),
                               -3.0 + 0.5 * (x - 1.0) / 2.0, atol=2e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_transport_map_eager_graph_xla_agree(dtype, weighted):
    # The README's claim for every function; XLA lowers searchsorted differently.
    u, v = samples(9, 35).astype(dtype), samples(6, 36, 2.0).astype(dtype)
    u_w = positive_weights(9, 37) if weighted else None
    v_w = positive_weights(6, 38) if weighted else None
    x = np.linspace(-3, 3, 24).reshape(4, 6).astype(dtype)
    expected = reference_transport_map(x, u, v, u_w if weighted else np.ones(9),
                                       v_w if weighted else np.ones(6))

    def fn(points, a, b):
        return transport_map_1d(points, a, b, u_w, v_w)

    for mode in ("eager", "graph", "xla"):
        got = run(fn, mode, tf.constant(x), tf.constant(u), tf.constant(v))
        assert got.dtype == tf.as_dtype(dtype) and got.shape == (4, 6)
        # Piecewise constant: values of v picked exactly, not approximately.
        np.testing.assert_array_equal(got.numpy(), expected, err_msg=mode)


@pytest.mark.parametrize("kwargs,match", [
    (dict(u_values=np.zeros((2, 3, 4)), v_values=np.zeros(3)), "shape"),
    (dict(u_values=np.zeros(0), v_values=np.zeros(3)), "empty"),
    (dict(u_values=np.zeros(3), v_values=np.zeros((3, 2))), "same rank"),
    (dict(u_values=np.zeros((3, 2)), v_values=np.zeros((4, 3))), "columns"),
    (dict(u_values=np.zeros(3), v_values=np.zeros(3), p=0.5), "p must be"),
    (dict(u_values=np.zeros(3), v_values=np.zeros(3), p=float("inf")), "p must be"),
    (dict(u_values=np.zeros(3), v_values=np.zeros(3),
          u_weights=np.array([1.0, -1.0, 1.0])), "non-negative"),
    (dict(u_values=np.zeros(3), v_values=np.zeros(3),
          u_weights=np.zeros(3)), "positive total"),
    (dict(u_values=np.zeros(3), v_values=np.zeros(3), v_weights=np.ones(4)),
     "one weight per point"),
    (dict(u_values=np.arange(3), v_values=np.zeros(3)), "floating dtype"),
    (dict(u_values=np.zeros(3, np.float32), v_values=np.zeros(3)), "dtype"),
])
def test_bad_inputs_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        wasserstein_1d(**kwargs)


def test_transport_map_bad_inputs():
    with pytest.raises(ValueError, match="1-D"):
        transport_map_1d(0.0, np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        transport_map_1d(0.0, np.zeros(2), np.zeros(2), v_weights=np.array([1.0, -2.0]))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
