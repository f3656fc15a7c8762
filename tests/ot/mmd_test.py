"""Tests for otzoo.ot.mmd: NumPy double-loop oracle, closed form, unbiasedness, grads."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import mmd

WAE_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def reference_mmd(x, y, kernel, scales=WAE_SCALES, sigma2=1.0):
    """Unbiased MMD² by explicit loops over pairs, straight from the definition."""
    dim = x.shape[1]
    constants = [2.0 * dim * sigma2 * s for s in scales]

    def k(u, v):
        sq = float(np.sum((u - v) ** 2))
        if kernel == "imq":
            return sum(c / (c + sq) for c in constants)
        return sum(np.exp(-sq / c) for c in constants)

    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m))
    return xx / (n * (n - 1)) + yy / (m * (m - 1)) - 2.0 * xy / (n * m)


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
@pytest.mark.parametrize("n,m", [(6, 6), (7, 4)])  # equal sizes take a fused code path
def test_matches_double_loop_reference(kernel, n, m):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    y = 0.7 * rng.normal(size=(m, 3)) + 0.4
    for scales, sigma2 in [(WAE_SCALES, 1.0), ((0.5, 3.0), 2.5)]:
        got = mmd(x, y, kernel=kernel, scales=scales, sigma2=sigma2)
        assert got.dtype == tf.float64
        expected = reference_mmd(x, y, kernel, scales, sigma2)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-13)


def test_imq_hand_computed_constant():
    # d = 1, sigma2 = 1, one scale: C = 2. x = {0, 1}, y = {0, 3}.
    # within x: 2/(2+1) = 2/3; within y: 2/(2+9) = 2/11 (each averaged over 2 ordered
    # pairs); cross: (1 + 2/11 + 2/3 + 1/3) / 4 for squared distances 0, 9, 1, 4.
    # MMD² = 2/3 + 2/11 - 2 (2 + 2/11) / 4 = -8/33: the unbiased estimate can be < 0.
    # Using the norm instead of the squared norm, the V-statistic or dividing the
    # within-set sums twice would all give other numbers.
    x = np.array([[0.0], [1.0]])
    y = np.array([[0.0], [3.0]])
    got = mmd(x, y, kernel="imq", scales=(1.0,))
    np.testing.assert_allclose(got.numpy(), -8.0 / 33.0, rtol=1e-14)


def test_rbf_single_scale_is_wae_gaussian_kernel():
    # WAE's RBF: exp(-||x - y||² / (2 d sigma2)); ours at scales=(1,) must be the same.
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array([[2.0, 0.0], [0.0, 0.0]])
    sigma2, c = 0.5, 2 * 2 * 0.5
    k = lambda sq: np.exp(-sq / c)  # noqa: E731
    expected = k(2.0) + k(4.0) - 2.0 * (k(4.0) + k(0.0) + k(2.0) + k(2.0)) / 4.0
    got = mmd(x, y, kernel="rbf", scales=(1.0,), sigma2=sigma2)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-14)


def test_unbiased_estimate_averages_to_zero_for_equal_distributions():
    # E[MMD²_u] = 0 when P = Q. The biased V-statistic (diagonal kept, divided by n²)
    # is positive on average; small n makes its bias large, so the test has power.
    n, dim, draws = 6, 2, 400
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(draws, n, dim))
    ys = rng.normal(size=(draws, n, dim))
    batched = tf.function(lambda a, b: tf.map_fn(lambda t: mmd(t[0], t[1]), (a, b),
                                                 fn_output_signature=tf.float64))
    values = batched(xs, ys).numpy()
    assert abs(values.mean()) < 4.0 * values.std() / np.sqrt(draws)

    def gram(u, v):
        sq = np.sum((u[:, :, None, :] - v[:, None, :, :]) ** 2, axis=-1)
        return sum(2.0 * dim * s / (2.0 * dim * s + sq) for s in WAE_SCALES)

    biased = (gram(xs, xs).mean(axis=(1, 2)) + gram(ys, ys).mean(axis=(1, 2))
              - 2.0 * gram(xs, ys).mean(axis=(1, 2)))
    assert biased.mean() > 10.0 * biased.std() / np.sqrt(draws)


def test_positive_for_shifted_cloud_and_grows_with_shift():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = rng.normal(size=(64, 4)).astype(np.float32)
    values = [float(mmd(x, y + shift, kernel=kernel))
              for kernel in ("imq", "rbf") for shift in (0.5, 1.0, 2.0)]
    imq, rbf = values[:3], values[3:]
    for seq in (imq, rbf):
        assert seq[0] > 0 and seq[0] < seq[1] < seq[2]


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
def test_gradient_matches_finite_differences(kernel):
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(5, 3)))
    y = tf.constant(rng.normal(size=(4, 3)) + 0.5)
    theoretical, numerical = tf.test.compute_gradient(
            lambda a, b: mmd(a, b, kernel=kernel), [x, y])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel", ["imq", "rbf"])
def test_eager_function_and_xla_agree(dtype, kernel):
    rng = np.random.default_rng(4)
    x = tf.constant(rng.normal(size=(16, 5)).astype(dtype))
    y = tf.constant(rng.normal(size=(12, 5)).astype(dtype) + 0.3)
    fn = lambda a, b: mmd(a, b, kernel=kernel)  # noqa: E731
    eager = fn(x, y)
    graph = tf.function(fn)(x, y)
    xla = tf.function(fn, jit_compile=True)(x, y)
    assert eager.dtype == graph.dtype == xla.dtype == tf.as_dtype(dtype)
    # XLA may reorder sums and uses its own exp: agreement to float32 rounding only.
    tol = 3e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(graph.numpy(), eager.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(xla.numpy(), eager.numpy(), rtol=tol, atol=tol)


def test_float32_close_to_float64_near_zero():
    # MMD² of two samples of one distribution is a small difference of O(1) terms;
    # float32 must still get it to a few parts in 1e3 (n = 256, d = 8).
    rng = np.random.default_rng(5)
    x = rng.normal(size=(256, 8))
    y = rng.normal(size=(256, 8))
    exact = mmd(x, y).numpy()
    single = mmd(x.astype(np.float32), y.astype(np.float32)).numpy()
    assert abs(single - exact) < 5e-3 * abs(exact) + 1e-7


def test_dynamic_batch_size_in_tf_function():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(9, 2))
    spec = tf.TensorSpec([None, 2], tf.float64)
    fn = tf.function(lambda a, b: mmd(a, b), input_signature=[spec, spec])
    np.testing.assert_allclose(fn(x, y).numpy(), reference_mmd(x, y, "imq"), rtol=1e-12)


def test_bad_inputs_raise_value_error():
    x = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="feature dimension"):
        mmd(x, np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match="rank 2"):
        mmd(np.zeros((4,), np.float32), x)
    with pytest.raises(ValueError, match="rank 2"):
        mmd(np.zeros((4, 3, 1), np.float32), x)
    with pytest.raises(ValueError):
        mmd(np.zeros((0, 3), np.float32), x)
    with pytest.raises(ValueError, match="at least 2 points"):
        mmd(np.zeros((1, 3), np.float32), x)
    with pytest.raises(ValueError, match="'imq', 'rbf'"):
        mmd(x, x, kernel="gaussian")
    with pytest.raises(ValueError, match="scales"):
        mmd(x, x, scales=())
    with pytest.raises(ValueError, match="scales"):
        mmd(x, x, scales=(1.0, -0.5))
    with pytest.raises(ValueError, match="sigma2"):
        mmd(x, x, sigma2=0.0)
    with pytest.raises(ValueError, match="dtype"):
        mmd(x, x.astype(np.float64))
    with pytest.raises(ValueError, match="floating"):
        mmd(np.zeros((4, 3), np.int32), x)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
