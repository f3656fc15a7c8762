"""Tests for otzoo.ot.sinkhorn: POT oracles, eps -> 0 limit, divergence, grads, XLA."""

import numpy as np
import ot
import pytest
import tensorflow as tf

from otzoo.ot import sinkhorn, sinkhorn_divergence


def clouds(n=7, m=5, dim=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    y = 0.8 * rng.normal(size=(m, dim)) + 0.5
    return x.astype(dtype), y.astype(dtype)


def weights(n, seed):
    w = np.random.default_rng(seed).uniform(0.2, 1.0, size=n)
    return w / w.sum()


def entropic_objective(plan, cost, a, b, eps):
    """Primal OT_eps = <P, C> + eps KL(P | a bᵀ) of a plan (POT's plan as the oracle)."""
    return np.sum(plan * cost) + eps * np.sum(plan * np.log(plan / np.outer(a, b)))


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log"])
@pytest.mark.parametrize("eps", [1.0, 0.1])
@pytest.mark.parametrize("uniform", [True, False])
def test_transport_value_matches_pot_sinkhorn2(method, eps, uniform):
    x, y = clouds()
    a = np.full(7, 1 / 7) if uniform else weights(7, 1)
    b = np.full(5, 1 / 5) if uniform else weights(5, 2)
    expected = ot.sinkhorn2(a, b, ot.dist(x, y), eps, method=method, numItermax=20000,
                            stopThr=1e-13)
    got = sinkhorn(x, y, epsilon=eps, a=None if uniform else a, b=None if uniform else b,
                   num_iters=5000, tol=1e-13)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9)


def test_plan_and_entropic_value_match_pot():
    x, y = clouds(seed=3)
    a, b, eps = weights(7, 4), weights(5, 5), 0.2
    cost = ot.dist(x, y)
    plan = ot.sinkhorn(a, b, cost, eps, numItermax=20000, stopThr=1e-13)
    value, got_plan, _ = sinkhorn(x, y, epsilon=eps, a=a, b=b, num_iters=5000, tol=1e-13,
                                  value="entropic", return_plan=True)
    np.testing.assert_allclose(got_plan.numpy(), plan, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(value.numpy(), entropic_objective(plan, cost, a, b, eps),
                               rtol=1e-9)


def test_p1_cost_matches_pot_euclidean():
    x, y = clouds(seed=6)
    a, b = np.full(7, 1 / 7), np.full(5, 1 / 5)
    expected = ot.sinkhorn2(a, b, ot.dist(x, y, metric="euclidean"), 0.1,
                            numItermax=20000, stopThr=1e-13)
    got = sinkhorn(x, y, epsilon=0.1, p=1, num_iters=5000, tol=1e-13)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9)


def test_converges_to_exact_emd_as_eps_goes_to_zero():
    x, y = clouds(n=6, m=6, seed=7)
    exact = ot.emd2(np.full(6, 1 / 6), np.full(6, 1 / 6), ot.dist(x, y))
    scale = ot.dist(x, y).max()
    errors = [abs(sinkhorn(x, y, epsilon=rel * scale, num_iters=20000, tol=1e-10).numpy()
                  - exact) for rel in (1e-1, 1e-2, 1e-3)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-3 * exact


def test_no_nan_at_small_epsilon_in_float32():
    # eps = 1e-3 of the cost scale: exp(-C / eps) underflows to 0 in float32, so a
    # non-log Sinkhorn divides by zero here; the log domain must stay finite.
    x, y = clouds(n=32, m=32, dim=4, seed=8, dtype=np.float32)
    eps = 1e-3 * float(ot.dist(x, y).max())
    for fn in (sinkhorn, sinkhorn_divergence):
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            value = fn(xt, y, epsilon=eps, num_iters=300)
        grad = tape.gradient(value, xt)
        assert np.isfinite(value.numpy())
        assert np.all(np.isfinite(grad.numpy()))
    exact = ot.emd2([], [], ot.dist(x.astype(np.float64), y.astype(np.float64)))
    approx = sinkhorn(x, y, epsilon=eps, num_iters=3000).numpy()
    assert abs(approx - exact) < 0.02 * exact


def test_tolerance_stops_early_and_meets_it():
    x, y = clouds(n=20, m=15, seed=9)
    b = weights(15, 10)
    tol = 1e-6
    _, plan, iters = sinkhorn(x, y, epsilon=0.5, b=b, num_iters=10000, tol=tol,
                              return_plan=True)
    assert 1 < int(iters) < 10000
    plan = plan.numpy()
    np.testing.assert_allclose(plan.sum(axis=1), np.full(20, 1 / 20), atol=1e-14)
    assert np.abs(plan.sum(axis=0) - b).sum() <= tol
    # The iteration before the last was tested on the plan that `iters - 2` iterations
    # return (plus the final f update): it had not reached the tolerance yet.
    _, plan, _ = sinkhorn(x, y, epsilon=0.5, b=b, num_iters=int(iters) - 2,
                          return_plan=True)
    assert np.abs(plan.numpy().sum(axis=0) - b).sum() > tol
    # Without a tolerance exactly num_iters iterations run; under XLA the early stop
    # gives the same count.
    assert int(sinkhorn(x, y, num_iters=37, return_plan=True)[2]) == 37
    xla = tf.function(lambda u, v: sinkhorn(u, v, epsilon=0.5, b=b, num_iters=10000,
                                            tol=tol, return_plan=True)[2],
                      jit_compile=True)
    assert int(xla(x, y)) == int(iters)


def test_divergence_zero_on_identical_clouds_and_positive_otherwise():
    x, _ = clouds(seed=11)
    assert sinkhorn_divergence(x, x, epsilon=0.3).numpy() == 0.0
    a = weights(7, 12)
    assert abs(sinkhorn_divergence(x, x, a=a, b=a, epsilon=0.3).numpy()) < 1e-12
    for seed in range(3):
        u, v = clouds(n=6, m=8, seed=20 + seed)
        for eps in (0.05, 1.0, 10.0):
            assert sinkhorn_divergence(u, v, epsilon=eps, num_iters=2000,
                                       tol=1e-12).numpy() > 0.0


def test_divergence_matches_pot_plans():
    x, y = clouds(seed=13)
    a, b, eps = weights(7, 14), weights(5, 15), 0.5

    def ot_eps(u, v, wu, wv):
        cost = ot.dist(u, v)
        # OT_eps(x, x) converges slowly (marginal error 3e-9 after 20000 iterations,
        # POT warns): precise enough for rtol=1e-8 below.
        plan = ot.sinkhorn(wu, wv, cost, eps, numItermax=20000, stopThr=1e-11, warn=False)
        return entropic_objective(plan, cost, wu, wv, eps)

    expected = ot_eps(x, y, a, b) - 0.5 * ot_eps(x, x, a, a) - 0.5 * ot_eps(y, y, b, b)
    got = sinkhorn_divergence(x, y, epsilon=eps, a=a, b=b, num_iters=5000, tol=1e-13)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-8)


def test_transport_gradient_matches_finite_differences():
    # value="transport" is differentiated through the iterations: exact for any count.
    x, y = clouds(n=5, m=4, dim=2, seed=16)
    theoretical, numerical = tf.test.compute_gradient(
            lambda u, v: sinkhorn(u, v, epsilon=0.3, num_iters=15), [tf.constant(x),
                                                                     tf.constant(y)])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["entropic", "divergence"])
def test_envelope_gradient_matches_finite_differences_at_convergence(fn):
    x, y = clouds(n=4, m=3, dim=2, seed=17)
    if fn == "entropic":
        f = lambda u, v: sinkhorn(u, v, epsilon=1.0, num_iters=2000, tol=1e-12,  # noqa
                                  value="entropic")
    else:
        f = lambda u, v: sinkhorn_divergence(u, v, epsilon=1.0, num_iters=2000,  # noqa
                                             tol=1e-12)
    theoretical, numerical = tf.test.compute_gradient(f, [tf.constant(x),
                                                          tf.constant(y)])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", ["transport", "entropic", "divergence"])
def test_eager_function_and_xla_agree(dtype, value):
    x, y = clouds(n=12, m=9, seed=18, dtype=dtype)
    if value == "divergence":
        fn = lambda u, v: sinkhorn_divergence(u, v, epsilon=0.2, num_iters=50)  # noqa
    else:
        fn = lambda u, v: sinkhorn(u, v, epsilon=0.2, num_iters=50, value=value)  # noqa
    eager = fn(x, y)
    graph = tf.function(fn)(x, y)
    xla = tf.function(fn, jit_compile=True)(x, y)
    assert eager.dtype == graph.dtype == xla.dtype == tf.as_dtype(dtype)
    tol = 3e-5 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(graph.numpy(), eager.numpy(), rtol=tol)
    np.testing.assert_allclose(xla.numpy(), eager.numpy(), rtol=tol)


def test_bad_inputs_raise_value_error():
    x, y = clouds(dtype=np.float32)
    with pytest.raises(ValueError, match="epsilon"):
        sinkhorn(x, y, epsilon=0.0)
    with pytest.raises(ValueError, match="epsilon"):
        sinkhorn_divergence(x, y, epsilon=-1.0)
    with pytest.raises(ValueError, match="feature dimension"):
        sinkhorn(x, y[:, :2])
    with pytest.raises(ValueError, match="rank 2"):
        sinkhorn(x[0], y)
    with pytest.raises(ValueError, match="at least one point"):
        sinkhorn(x[:0], y)
    with pytest.raises(ValueError, match="non-negative"):
        sinkhorn(x, y, a=np.array([-0.1, 0.3, 0.2, 0.2, 0.2, 0.1, 0.1]))
    with pytest.raises(ValueError, match="one weight per point"):
        sinkhorn(x, y, b=np.ones(4))
    with pytest.raises(ValueError, match="p must be"):
        sinkhorn(x, y, p=0.5)
    with pytest.raises(ValueError, match="num_iters"):
        sinkhorn(x, y, num_iters=0)
    with pytest.raises(ValueError, match="tol"):
        sinkhorn(x, y, tol=-1e-3)
    with pytest.raises(ValueError, match="'transport', 'entropic'"):
        sinkhorn(x, y, value="dual")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
