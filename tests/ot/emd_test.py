"""Tests for otzoo.ot.emd: hand-computed cases, assignment and 1-D oracles, errors."""

import numpy as np
import ot
import pytest
import scipy.optimize
import scipy.stats
import tensorflow as tf

from otzoo.ot import emd


def test_hand_computed_matching():
    # x = {0, 2}, y = {1, 3} on a line: the monotone matching 0->1, 2->3 costs 1 per
    # unit of mass for every p (the crossing one, 0->3, 2->1, costs (3^p + 1) / 2).
    x = np.array([[0.0], [2.0]])
    y = np.array([[1.0], [3.0]])
    for p in (1, 2, 3):
        assert emd(x, y, p=p) == pytest.approx(1.0, abs=1e-12)
    # Weighted: a = (1/4, 3/4) at {0, 1}, all mass of nu at 0.5: every unit moves 0.5.
    x = np.array([[0.0, 0.0], [1.0, 0.0]])
    y = np.array([[0.5, 0.0]])
    assert emd(x, y, a=[1.0, 3.0], p=2) == pytest.approx(0.5, abs=1e-12)
    assert emd(x, y, a=[1.0, 3.0], p=2, return_power=True) == pytest.approx(0.25,
                                                                             abs=1e-12)
    # Unbalanced weights on a 2-D example: a = (1/2, 1/2) at (0,0), (2,0);
    # b = (1/4, 3/4) at (0,1), (2,1): 1/4 goes straight up (cost 1), 1/4 goes from
    # (0,0) to (2,1) (cost 5), 1/2 straight up (cost 1): W_2² = 1/4 + 5/4 + 1/2 = 2.
    x = np.array([[0.0, 0.0], [2.0, 0.0]])
    y = np.array([[0.0, 1.0], [2.0, 1.0]])
    assert emd(x, y, b=[0.25, 0.75], return_power=True) == pytest.approx(2.0, abs=1e-12)
    assert emd(x, y, b=[0.25, 0.75]) == pytest.approx(np.sqrt(2.0), abs=1e-12)


@pytest.mark.parametrize("p", [1, 2, 1.5])
def test_translation_moves_every_point_by_the_shift(p):
    # W_p(mu, mu + t) = |t| for every p >= 1 (lower bound: W_p >= W_1 >= |E x - E y|).
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    shift = np.array([0.3, -0.4, 1.2])
    assert emd(x, x + shift, p=p) == pytest.approx(np.linalg.norm(shift), rel=1e-9)


def test_equal_uniform_clouds_match_optimal_assignment():
    # Birkhoff: with n = m and uniform weights an optimal plan is a permutation, so
    # W_p^p is the mean cost of scipy's optimal assignment.
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 5)), rng.uniform(size=(40, 5))
    for p in (1, 2):
        cost = np.linalg.norm(x[:, None] - y[None], axis=-1) ** p
        rows, cols = scipy.optimize.linear_sum_assignment(cost)
        expected = cost[rows, cols].mean()
        assert emd(x, y, p=p, return_power=True) == pytest.approx(expected, rel=1e-10)
        assert emd(x, y, p=p) == pytest.approx(expected ** (1 / p), rel=1e-10)


def test_one_dimensional_matches_scipy():
    rng = np.random.default_rng(2)
    u, v = rng.normal(size=25), rng.exponential(size=17)
    wu, wv = rng.uniform(0.1, 1.0, size=25), rng.uniform(0.1, 1.0, size=17)
    expected = scipy.stats.wasserstein_distance(u, v, wu, wv)
    assert emd(u[:, None], v[:, None], a=wu, b=wv, p=1) == pytest.approx(expected,
                                                                          rel=1e-10)


def test_accepts_tensors_and_float32_and_returns_python_float():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(10, 2)).astype(np.float32)
    y = rng.normal(size=(12, 2)).astype(np.float32)
    from_tensors = emd(tf.constant(x), tf.constant(y))
    assert isinstance(from_tensors, float)
    assert from_tensors == emd(x.astype(np.float64), y.astype(np.float64))


def test_non_convergence_raises_instead_of_returning_a_wrong_value():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(60, 2)), rng.normal(size=(60, 2))
    with pytest.raises(RuntimeError, match="num_iter_max"):
        emd(x, y, num_iter_max=10)


def test_bad_inputs_raise_value_error():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="feature dimension"):
        emd(x, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="rank 2"):
        emd(np.zeros(4), x)
    with pytest.raises(ValueError, match="at least one point"):
        emd(np.zeros((0, 3)), x)
    with pytest.raises(ValueError, match="non-negative"):
        emd(x, x, a=[0.5, 0.5, 0.5, -0.5])
    with pytest.raises(ValueError, match="one weight per point"):
        emd(x, x, b=[1.0, 1.0])
    with pytest.raises(ValueError, match="p must be"):
        emd(x, x, p=0.5)
    with pytest.raises(ValueError, match="finite"):
        emd(np.full((4, 3), np.nan), x)


@pytest.mark.parametrize("p", [1, 2, 1.5, 3])
def test_identical_clouds_are_exactly_zero_apart(p):
    # Far from the origin, the ||x||² + ||y||² - 2 xᵀy expansion leaves a rounding error
    # ~1e-16 ||x||² on the diagonal (W_p ~ 1e-6 here); differences give exact zeros.
    rng = np.random.default_rng(5)
    x = 1e3 + 50.0 * rng.normal(size=(40, 6))
    a = rng.uniform(0.1, 1.0, size=40)
    for y, b in [(x, a), (x.copy(), a.copy())]:
        assert emd(x, y, a=a, b=b, p=p) == 0.0
        assert emd(x, y, a=a, b=b, p=p, return_power=True) == 0.0
    # The same measure listed in another order, from float32 tensors.
    order = rng.permutation(40)
    x32 = x.astype(np.float32)
    assert emd(tf.constant(x32), tf.constant(x32[order]), a=a, b=a[order], p=p) == 0.0


@pytest.mark.parametrize("p", [1, 2, 1.5])
def test_equals_pot_on_a_cost_built_from_differences(p):
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(30, 4)) * 3.0 + 5.0, rng.uniform(size=(45, 4)) * 4.0
    a, b = rng.uniform(0.1, 1.0, size=30), rng.uniform(0.1, 1.0, size=45)
    cost = np.sqrt(np.sum((x[:, None, :] - y[None, :, :]) ** 2, axis=-1)) ** p
    expected = ot.emd2(a / a.sum(), b / b.sum(), cost, numItermax=10 ** 7)
    assert emd(x, y, a=a, b=b, p=p, return_power=True) == pytest.approx(expected,
                                                                        rel=1e-12)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_tracing_raises_a_clear_error(jit_compile):
    # Traced, the solver would run once at trace time and return a constant forever.
    x = np.zeros((3, 2))
    traced = tf.function(lambda u: emd(u, u), jit_compile=jit_compile)
    with pytest.raises(RuntimeError, match="eagerly only.*jit_compile"):
        traced(tf.constant(x))
    # NumPy constants would be folded at trace time: also refused.
    with pytest.raises(RuntimeError, match="eagerly only"):
        tf.function(lambda: tf.constant(emd(x, x)), jit_compile=jit_compile)()


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
