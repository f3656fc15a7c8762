"""Tests for otzoo.ot.mmd: NumPy double-loop oracle, closed form, unbiasedness, grads."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import mmd

WAE_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def reference_median(x, y):
    """sigma_k² of bandwidth="median": value at ascending rank floor(m(n+1)/2) of the
    n m cross squared distances plus the one at rank n(n+1)/2 of the n² within x."""
    n, m = len(x), len(y)
    cross = sorted(float(np.sum((u - v) ** 2)) for u in x for v in y)
    within = sorted(float(np.sum((u - v) ** 2)) for u in x for v in x)
    return cross[m * (n + 1) // 2] + within[n * (n + 1) // 2]


def reference_mmd(x, y, kernel, scales=WAE_SCALES, sigma2=1.0, bandwidth="prior"):
    """Unbiased MMD² by explicit loops over pairs, straight from the definition."""
    dim = x.shape[1]
    sigma2_k = dim * sigma2 if bandwidth == "prior" else reference_median(x, y)
    constants = [2.0 * sigma2_k * s for s in scales]

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


@pytest.mark.parametrize("kernel,bandwidth", [("imq", "prior"), ("rbf", "prior"),
                                              ("rbf", "median")])
@pytest.mark.parametrize("n,m", [(6, 6), (7, 4), (4, 9)])  # n = m takes a fused path
def test_matches_double_loop_reference(kernel, bandwidth, n, m):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    y = 0.7 * rng.normal(size=(m, 3)) + 0.4
    for scales, sigma2 in [(WAE_SCALES, 1.0), ((0.5, 3.0), 2.5)]:
        got = mmd(x, y, kernel=kernel, scales=scales, sigma2=sigma2, bandwidth=bandwidth)
        assert got.dtype == tf.float64
        expected = reference_mmd(x, y, kernel, scales, sigma2, bandwidth)
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


def wae_code_mmd(qz, pz, kernel, sigma2_p=1.0):
    """Tolstikhin et al.'s `WAE.mmd_penalty(sample_qz, sample_pz)` (github.com/tolstikhin/
    wae, wae.py), rewritten in NumPy from reading it: one batch size n for both sets,
    squared distances by direct differences, "RBF" with their median heuristic for
    sigma2_k (the n(n-1)/2-th largest cross and qz-qz distance, summed), "IMQ" with
    C = 2 zdim sigma2_p times each of their scales."""
    n, zdim = qz.shape
    d_qq = np.sum((qz[:, None] - qz[None]) ** 2, axis=-1)
    d_pp = np.sum((pz[:, None] - pz[None]) ** 2, axis=-1)
    d_qp = np.sum((qz[:, None] - pz[None]) ** 2, axis=-1)
    off_diagonal = 1.0 - np.eye(n)
    half_size = (n * n - n) // 2

    def kth_largest(d):
        return np.sort(d.ravel())[::-1][half_size - 1]

    def stat(k):
        res1 = np.sum((k(d_qq) + k(d_pp)) * off_diagonal) / (n * n - n)
        return res1 - np.sum(k(d_qp)) * 2.0 / (n * n)

    if kernel == "RBF":
        sigma2_k = kth_largest(d_qp) + kth_largest(d_qq)
        return stat(lambda d: np.exp(-d / 2.0 / sigma2_k))
    return sum(stat(lambda d, c=2.0 * zdim * sigma2_p * s: c / (c + d))
               for s in (.1, .2, .5, 1., 2., 5., 10.))


@pytest.mark.parametrize("n,dim", [(5, 2), (16, 8)])
def test_matches_the_wae_authors_penalty(n, dim):
    rng = np.random.default_rng(7)
    qz = 0.8 * rng.normal(size=(n, dim)) + 0.3  # the codes: x
    pz = rng.normal(size=(n, dim))  # the prior sample: y
    # Their IMQ is our default (what wae_mmd trains with), also for another sigma_z².
    for sigma2 in (1.0, 2.5):
        np.testing.assert_allclose(mmd(qz, pz, sigma2=sigma2).numpy(),
                                   wae_code_mmd(qz, pz, "IMQ", sigma2), rtol=1e-12)
    # Their RBF: one Gaussian with the median heuristic; it depends on which set is qz.
    got = mmd(qz, pz, kernel="rbf", scales=(1.0,), bandwidth="median").numpy()
    np.testing.assert_allclose(got, wae_code_mmd(qz, pz, "RBF"), rtol=1e-12)
    swapped = mmd(pz, qz, kernel="rbf", scales=(1.0,), bandwidth="median").numpy()
    np.testing.assert_allclose(swapped, wae_code_mmd(pz, qz, "RBF"), rtol=1e-12)
    assert abs(swapped - got) > 1e-6
    # The data-free RBF (bandwidth="prior") is another kernel: not their penalty.
    prior_rbf = mmd(qz, pz, kernel="rbf", scales=(1.0,)).numpy()
    assert abs(prior_rbf - wae_code_mmd(qz, pz, "RBF")) > 1e-3


def test_median_bandwidth_hand_computed():
    # x = {0, 1, 3}, y = {0, 2, 5} on a line. Cross squared distances
    # {0, 4, 25, 1, 1, 16, 9, 1, 4}: third largest 9. Within x: pairs 1, 4, 9 (each
    # twice) and three zeros: third largest 4, the median pair. sigma_k² = 13, so with
    # scales (1,) the kernel is exp(-D / 26).
    x = np.array([[0.0], [1.0], [3.0]])
    y = np.array([[0.0], [2.0], [5.0]])
    k = lambda sq: np.exp(-sq / 26.0)  # noqa: E731
    within_x = (k(1.0) + k(9.0) + k(4.0)) / 3.0  # 3 distinct pairs = 6 ordered / 6
    within_y = (k(4.0) + k(25.0) + k(9.0)) / 3.0
    cross = (k(0) + 2 * k(4.0) + k(25.0) + 3 * k(1.0) + k(16.0) + k(9.0)) / 9.0
    got = mmd(x, y, kernel="rbf", scales=(1.0,), bandwidth="median")
    np.testing.assert_allclose(got.numpy(), within_x + within_y - 2.0 * cross,
                               rtol=1e-14)


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


@pytest.mark.parametrize("kernel,bandwidth", [("imq", "prior"), ("rbf", "prior"),
                                              ("rbf", "median")])
def test_gradient_matches_finite_differences(kernel, bandwidth):
    # With the median bandwidth the gradient also flows through sigma_k² (as in the
    # authors' code); distinct distances make it differentiable here.
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(5, 3)))
    y = tf.constant(rng.normal(size=(4, 3)) + 0.5)
    theoretical, numerical = tf.test.compute_gradient(
            lambda a, b: mmd(a, b, kernel=kernel, bandwidth=bandwidth), [x, y])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel,bandwidth", [("imq", "prior"), ("rbf", "prior"),
                                              ("rbf", "median")])
def test_eager_function_and_xla_agree(dtype, kernel, bandwidth):
    rng = np.random.default_rng(4)
    x = tf.constant(rng.normal(size=(16, 5)).astype(dtype))
    y = tf.constant(rng.normal(size=(12, 5)).astype(dtype) + 0.3)
    fn = lambda a, b: mmd(a, b, kernel=kernel, bandwidth=bandwidth)  # noqa: E731
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
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(7, 2))
    spec = tf.TensorSpec([None, 2], tf.float64)
    fn = tf.function(lambda a, b: mmd(a, b), input_signature=[spec, spec])
    np.testing.assert_allclose(fn(x, y).numpy(), reference_mmd(x, y, "imq"), rtol=1e-12)
    median = tf.function(lambda a, b: mmd(a, b, kernel="rbf", bandwidth="median"),
                         input_signature=[spec, spec])
    np.testing.assert_allclose(median(x, y).numpy(),
                               reference_mmd(x, y, "rbf", bandwidth="median"), rtol=1e-12)


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
    with pytest.raises(ValueError, match="'prior', 'median'"):
        mmd(x, x, kernel="rbf", bandwidth="mean")
    with pytest.raises(ValueError, match="kernel='rbf'"):
        mmd(x, x, bandwidth="median")
    with pytest.raises(ValueError, match="dtype"):
        mmd(x, x.astype(np.float64))
    with pytest.raises(ValueError, match="floating"):
        mmd(np.zeros((4, 3), np.int32), x)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
