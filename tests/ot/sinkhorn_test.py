"""Tests for otzoo.ot.sinkhorn: POT oracles, eps -> 0 limit, divergence, grads, XLA."""

import contextlib
import warnings

import numpy as np
import ot
import pytest
import tensorflow as tf

from otzoo.ot import sinkhorn, sinkhorn_divergence
from otzoo.ot.sinkhorn import DEFAULT_NUM_ITERS, DEFAULT_TOL


def clouds(n=7, m=5, dim=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    y = 0.8 * rng.normal(size=(m, dim)) + 0.5
    return x.astype(dtype), y.astype(dtype)


def weights(n, seed):
    w = np.random.default_rng(seed).uniform(0.2, 1.0, size=n)
    return w / w.sum()


def issue_example():
    """Issue #13's case: 120 vs 150 points in 3-D, eps = 0.01 << max C = 13.5.

    POT's log-domain Sinkhorn needs ~1000 iterations to its 1e-9 tolerance here; the
    old default (100 iterations) stopped at 0.742 for a value of 0.898.
    """
    rng = np.random.default_rng(0)
    return 0.5 * rng.normal(size=(120, 3)), 0.5 * (rng.normal(size=(150, 3)) + 1.0)


def pot_converged(x, y, eps, method="sinkhorn_log"):
    """POT's sinkhorn2 run to its 1e-9 tolerance (asserted), on POT's own cost."""
    a, b = ot.unif(len(x)), ot.unif(len(y))
    value, log = ot.sinkhorn2(a, b, ot.dist(x, y), eps, method=method, numItermax=100000,
                              stopThr=1e-9, log=True)
    assert log["err"][-1] < 1e-9
    return float(value)


@contextlib.contextmanager
def no_runtime_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


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
            value = fn(xt, y, epsilon=eps, num_iters=300, tol=None)
        grad = tape.gradient(value, xt)
        assert np.isfinite(value.numpy())
        assert np.all(np.isfinite(grad.numpy()))
    exact = ot.emd2([], [], ot.dist(x.astype(np.float64), y.astype(np.float64)))
    approx = sinkhorn(x, y, epsilon=eps, num_iters=3000, tol=None).numpy()
    assert abs(approx - exact) < 0.02 * exact


def test_tolerance_stops_early_and_meets_it():
    x, y = clouds(n=20, m=15, seed=9)
    b = weights(15, 10)
    tol = 1e-6
    _, plan, iters, info = sinkhorn(x, y, epsilon=0.5, b=b, num_iters=10000, tol=tol,
                                    return_plan=True, return_info=True)
    assert 1 < int(iters) < 10000
    assert int(info.iterations) == int(iters) and bool(info.converged)
    plan = plan.numpy()
    np.testing.assert_allclose(plan.sum(axis=1), np.full(20, 1 / 20), atol=1e-14)
    assert np.abs(plan.sum(axis=0) - b).sum() <= tol
    # The last iteration tested the plan that `iters - 1` fixed iterations return (plus
    # the final f update); info reports that error. The one before had not reached tol.
    _, tested, _ = sinkhorn(x, y, epsilon=0.5, b=b, num_iters=int(iters) - 1, tol=None,
                            return_plan=True)
    tested_error = np.abs(tested.numpy().sum(axis=0) - b).sum()
    np.testing.assert_allclose(float(info.marginal_error), tested_error, rtol=1e-6)
    assert tested_error <= tol
    _, plan, _ = sinkhorn(x, y, epsilon=0.5, b=b, num_iters=int(iters) - 2, tol=None,
                          return_plan=True)
    assert np.abs(plan.numpy().sum(axis=0) - b).sum() > tol
    # Without a tolerance exactly num_iters iterations run; under XLA the early stop
    # gives the same count.
    assert int(sinkhorn(x, y, num_iters=37, tol=None, return_plan=True)[2]) == 37
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


@pytest.mark.parametrize("scaling", [None, 0.5])
def test_transport_gradient_matches_finite_differences(scaling):
    # value="transport" is differentiated through the iterations: exact for any count,
    # annealing schedule (which depends on max C) included.
    x, y = clouds(n=5, m=4, dim=2, seed=16)
    theoretical, numerical = tf.test.compute_gradient(
            lambda u, v: sinkhorn(u, v, epsilon=0.3, num_iters=15, tol=None,
                                  epsilon_scaling=scaling),
            [tf.constant(x), tf.constant(y)])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scaling", [None, 0.5])
@pytest.mark.parametrize("fn", ["entropic", "divergence"])
def test_envelope_gradient_matches_finite_differences_at_convergence(fn, scaling):
    x, y = clouds(n=4, m=3, dim=2, seed=17)
    kwargs = dict(epsilon=1.0, num_iters=2000, tol=1e-12, epsilon_scaling=scaling)
    if fn == "entropic":
        f = lambda u, v: sinkhorn(u, v, value="entropic", **kwargs)  # noqa: E731
    else:
        f = lambda u, v: sinkhorn_divergence(u, v, **kwargs)  # noqa: E731
    theoretical, numerical = tf.test.compute_gradient(f, [tf.constant(x),
                                                          tf.constant(y)])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", ["transport", "entropic", "divergence"])
@pytest.mark.parametrize("scaling", [None, 0.5])
def test_eager_function_and_xla_agree(dtype, value, scaling):
    x, y = clouds(n=12, m=9, seed=18, dtype=dtype)
    kwargs = dict(epsilon=0.05, num_iters=2000, tol=1e-4, epsilon_scaling=scaling,
                  return_info=True)
    if value == "divergence":
        fn = lambda u, v: sinkhorn_divergence(u, v, **kwargs)  # noqa: E731
    else:
        fn = lambda u, v: sinkhorn(u, v, value=value, **kwargs)  # noqa: E731
    (eager, eager_info), (graph, graph_info), (xla, xla_info) = (
            fn(x, y), tf.function(fn)(x, y), tf.function(fn, jit_compile=True)(x, y))
    assert eager.dtype == graph.dtype == xla.dtype == tf.as_dtype(dtype)
    assert bool(eager_info.converged) and bool(graph_info.converged)
    assert bool(xla_info.converged)
    tol = 3e-5 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(graph.numpy(), eager.numpy(), rtol=tol)
    np.testing.assert_allclose(xla.numpy(), eager.numpy(), rtol=tol)
    if dtype == np.float64:  # float32 rounding may move the stop by an iteration
        np.testing.assert_array_equal(xla_info.iterations, eager_info.iterations)
        np.testing.assert_array_equal(graph_info.iterations, eager_info.iterations)


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
    for factor in (0.0, 1.0, 2.0, -0.5):
        with pytest.raises(ValueError, match="epsilon_scaling"):
            sinkhorn(x, y, epsilon_scaling=factor)
    with pytest.raises(ValueError, match="epsilon_scaling"):
        sinkhorn_divergence(x, y, epsilon_scaling=1.5)
    with pytest.raises(ValueError, match="'transport', 'entropic'"):
        sinkhorn(x, y, value="dual")


def test_defaults_converge_on_the_issue_example():
    x, y = issue_example()
    expected = pot_converged(x, y, 0.01)
    with no_runtime_warning():  # a converged default call does not warn
        value, info = sinkhorn(x, y, epsilon=0.01, return_info=True)
    assert bool(info.converged) and float(info.marginal_error) <= DEFAULT_TOL
    assert int(info.iterations) < DEFAULT_NUM_ITERS
    # A marginal error of 1e-4 misplaces 5e-5 of the mass, by at most max C = 13.5: a
    # value error of order 1e-3 relative at worst (8e-5 measured).
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-3)
    # The test has teeth: the former default, 100 iterations, is 17% off.
    former = sinkhorn(x, y, epsilon=0.01, num_iters=100, tol=None).numpy()
    assert abs(former - expected) > 0.1 * expected
    # The divergence and its three problems converge with the defaults too.
    with no_runtime_warning():
        divergence, info = sinkhorn_divergence(x, y, epsilon=0.01, return_info=True)
    assert bool(info.converged) and np.all(info.marginal_error.numpy() <= DEFAULT_TOL)
    tight = sinkhorn_divergence(x, y, epsilon=0.01, tol=1e-6)
    np.testing.assert_allclose(divergence.numpy(), tight.numpy(), rtol=1e-3)


def test_unconverged_runs_say_so():
    x, y = issue_example()
    with pytest.warns(RuntimeWarning, match="did not converge.*num_iters=20"):
        value, info = sinkhorn(x, y, epsilon=0.01, num_iters=20, return_info=True)
    assert not bool(info.converged)
    assert int(info.iterations) == 20 and float(info.marginal_error) > DEFAULT_TOL
    # Traced, there is no Python left to warn at run time: the info says it.
    for jit_compile in (False, True):
        fn = tf.function(lambda u, v: sinkhorn(u, v, epsilon=0.01, num_iters=20,
                                               return_info=True),
                         jit_compile=jit_compile)
        traced, traced_info = fn(x, y)
        assert not bool(traced_info.converged) and int(traced_info.iterations) == 20
        np.testing.assert_allclose(traced.numpy(), value.numpy(), rtol=1e-10)
    # Stopped while still annealing: never tested at the target epsilon.
    with pytest.warns(RuntimeWarning, match="did not converge"):
        _, info = sinkhorn(x, y, epsilon=0.01, num_iters=5, epsilon_scaling=0.5,
                           return_info=True)
    assert not bool(info.converged) and np.isinf(float(info.marginal_error))
    with pytest.warns(RuntimeWarning, match="sinkhorn_divergence did not converge"):
        _, info = sinkhorn_divergence(x, y, epsilon=0.01, num_iters=20,
                                      return_info=True)
    assert not bool(info.converged) and info.iterations.shape == (3,)
    # tol=None asks for a fixed number of iterations: no criterion, no warning.
    with no_runtime_warning():
        _, info = sinkhorn(x, y, epsilon=0.01, num_iters=20, tol=None, return_info=True)
    assert info.converged is None and int(info.iterations) == 20


@pytest.mark.parametrize("value", ["transport", "entropic"])
def test_epsilon_scaling_gives_the_plain_value_at_convergence(value):
    x, y = issue_example()
    a = weights(120, 40)
    kwargs = dict(epsilon=0.01, a=a, num_iters=100000, tol=1e-10, value=value,
                  return_info=True)
    plain, plain_info = sinkhorn(x, y, **kwargs)
    for scaling in (0.5, 0.1):
        scaled, info = sinkhorn(x, y, epsilon_scaling=scaling, **kwargs)
        assert bool(info.converged)
        np.testing.assert_allclose(scaled.numpy(), plain.numpy(), rtol=1e-8)
    if value == "transport":  # and both are POT's value
        b = ot.unif(150)
        expected = ot.sinkhorn2(a, b, ot.dist(x, y), 0.01, method="sinkhorn_log",
                                numItermax=100000, stopThr=1e-10)
        np.testing.assert_allclose(plain.numpy(), expected, rtol=1e-8)


def test_epsilon_scaling_needs_fewer_iterations_at_small_epsilon():
    # Annealing moves the potentials most of the way at large epsilon, where
    # iterations converge fast (measured table in the module docstring).
    x, y = issue_example()
    kwargs = dict(epsilon=0.002, num_iters=10_000, return_info=True)
    _, plain = sinkhorn(x, y, **kwargs)
    _, scaled = sinkhorn(x, y, epsilon_scaling=0.5, **kwargs)
    assert bool(plain.converged) and bool(scaled.converged)
    assert int(scaled.iterations) < 0.5 * int(plain.iterations)


def test_divergence_anneals_the_cross_term_only():
    # mu against itself starts near its solution; annealing would only slow it down.
    x, y = issue_example()
    kwargs = dict(epsilon=0.01, return_info=True)
    scaled, info = sinkhorn_divergence(x, y, epsilon_scaling=0.5, **kwargs)
    plain, plain_info = sinkhorn_divergence(x, y, **kwargs)
    _, cross = sinkhorn(x, y, value="entropic", epsilon_scaling=0.5, **kwargs)
    assert int(info.iterations[0]) == int(cross.iterations)
    np.testing.assert_array_equal(info.iterations[1:], plain_info.iterations[1:])
    np.testing.assert_allclose(scaled.numpy(), plain.numpy(), rtol=1e-3)
    # S(mu, mu) is then 0 up to the tolerance only (the cross term is annealed).
    same = sinkhorn_divergence(x, x, epsilon=0.01, epsilon_scaling=0.5)
    assert abs(float(same)) < 1e-6


def test_a_slow_annealing_stage_cannot_starve_the_target_epsilon():
    # mu against itself: intermediate stages converge slowly. Annealing gets at most
    # half the budget, so the target epsilon is reached (finite tested error) and
    # improved on; without that cap the run ended mid-annealing (error inf).
    x, _ = issue_example()
    with pytest.warns(RuntimeWarning, match="did not converge"):
        _, info = sinkhorn(x, x, epsilon=0.01, epsilon_scaling=0.5, tol=1e-6,
                           num_iters=2000, value="entropic", return_info=True)
    assert int(info.iterations) == 2000
    assert float(info.marginal_error) < 1e-4


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
