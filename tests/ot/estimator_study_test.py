"""The helper math of benchmarks/estimators.py against independent oracles.

The study's numbers are only as good as its closed forms and its NumPy mirrors of the
library estimators: the Gaussian per-direction W_2^2 against POT on large samples, the
reference against brute-force Monte Carlo, the mirrors against the otzoo functions.
"""

import importlib.util
import os
import pathlib

import numpy as np
import ot
import pytest
import tensorflow as tf

from otzoo import ot as otlib

# Not resolve(): under Bazel the runfiles copy must be used, not the symlink's target.
_PATH = pathlib.Path(os.path.abspath(__file__)).parents[2] / "benchmarks" / "estimators.py"
_SPEC = importlib.util.spec_from_file_location("estimators_study", _PATH)
est = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(est)


def _unit_columns(d, num, seed):
    theta = np.random.default_rng(seed).standard_normal((d, num))
    return theta / np.linalg.norm(theta, axis=0)


def _gaussian_samples(pair, which, n, rng):
    """n samples of N(m, diag(lam) + V V^T) (m = shift for the second measure)."""
    cov = pair[f"cov{which}"]
    d, rank = cov["low_rank"].shape
    z = rng.standard_normal((n, d)) * np.sqrt(cov["diag"])
    z += rng.standard_normal((n, rank)) @ cov["low_rank"].T
    return z + (pair["shift"] if which == 2 else 0.0)


def test_gaussian_closed_form_matches_pot_on_large_samples():
    pair = est.gaussian_pair(6, seed=3)
    rng = np.random.default_rng(0)
    n = 40000
    x, y = _gaussian_samples(pair, 1, n, rng), _gaussian_samples(pair, 2, n, rng)
    theta = _unit_columns(6, 5, seed=1)
    closed = est.gaussian_w2_per_direction(pair, theta)
    sampled = np.array([ot.wasserstein_1d(x @ t, y @ t, p=2) for t in theta.T])
    # Sample error at n = 4e4: ~0.03 absolute on projected variances of ~1-5.
    np.testing.assert_allclose(closed, sampled, rtol=0.01, atol=0.06)
    assert closed.std() > 0.2 * closed.mean()  # the directions differ: a real test


def test_quadratic_form_and_trace_match_the_dense_covariance():
    pair = est.gaussian_pair(7, seed=2)
    cov = pair["cov1"]
    dense = np.diag(cov["diag"]) + cov["low_rank"] @ cov["low_rank"].T
    theta = _unit_columns(7, 4, seed=5)
    np.testing.assert_allclose(est.quadratic_form(cov, theta),
                               np.einsum("il,ij,jl->l", theta, dense, theta), rtol=1e-12)
    np.testing.assert_allclose(est.trace(cov), np.trace(dense), rtol=1e-12)


def test_gaussian_reference_matches_brute_force_monte_carlo():
    pair = est.gaussian_pair(10, seed=4)
    reference, stderr = est.gaussian_reference(pair, 200000, seed=1)
    values = est.gaussian_w2_per_direction(pair, _unit_columns(10, 400000, seed=2))
    brute, brute_err = values.mean(), values.std() / np.sqrt(values.size)
    assert abs(reference - brute) < 4 * np.hypot(stderr, brute_err)
    assert 0 < stderr < 0.01 * reference


def test_isotropic_gaussians_make_the_approximation_and_reference_exact():
    d = 5
    pair = dict(shift=np.arange(1.0, d + 1),
                cov1=dict(diag=np.full(d, 2.0), low_rank=np.zeros((d, 1))),
                cov2=dict(diag=np.full(d, 0.5), low_rank=np.zeros((d, 1))))
    # theta' S theta = s for every unit theta: SW_2^2 = |dm|^2/d + (sqrt(s1) - sqrt(s2))^2.
    exact = pair["shift"] @ pair["shift"] / d + (np.sqrt(2.0) - np.sqrt(0.5)) ** 2
    reference, stderr = est.gaussian_reference(pair, 1000, seed=0)
    np.testing.assert_allclose(reference, exact, rtol=1e-12)
    assert stderr < 1e-12
    np.testing.assert_allclose(est.gaussian_approximation_population(pair), exact,
                               rtol=1e-12)


def test_population_gaussian_approximation_matches_otzoo_on_large_samples():
    pair = est.gaussian_pair(8, seed=6)
    rng = np.random.default_rng(3)
    x = _gaussian_samples(pair, 1, 60000, rng)
    y = _gaussian_samples(pair, 2, 60000, rng)
    sampled = otlib.gaussian_approximation_sliced_wasserstein(
        tf.constant(x), tf.constant(y), return_power=True).numpy()
    np.testing.assert_allclose(est.gaussian_approximation_population(pair), sampled,
                               rtol=0.02)


@pytest.mark.parametrize("kind", ["cv_lower", "cv_upper"])
def test_mirrors_equal_the_library_estimators(kind):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((40, 6)), 0.7 * rng.standard_normal((40, 6)) + 0.3
    theta = _unit_columns(6, 30, seed=8)
    w = est.empirical_w2_per_direction(x, y, theta)
    pot = ot.sliced_wasserstein_distance(x, y, projections=theta, p=2) ** 2
    np.testing.assert_allclose(w.mean(), pot, rtol=1e-10)
    g, expectation = est.empirical_control_variate(x, y, theta, kind)
    ours = est.control_variate_estimate(w, g, expectation)
    library = otlib.control_variate_sliced_wasserstein(
        tf.constant(x), tf.constant(y), projections=tf.constant(theta),
        control_variate=kind[3:], return_power=True).numpy()
    np.testing.assert_allclose(ours, library, rtol=1e-10)
    assert abs(ours - w.mean()) > 1e-6 * w.mean()  # the control variate did something
    assert est.check_against_library(x, y, theta) < 1e-10


def test_control_variate_estimate_by_hand():
    # G - EG = [-0.5, 0.5, 1.5], W - W_bar = [-4/3, -1/3, 5/3]: gamma = 1 / (11/12)
    # = 12/11 and the estimate is 7/3 - (12/11)(1/2) = 59/33.
    estimate = est.control_variate_estimate(np.array([1.0, 2.0, 4.0]),
                                            np.array([0.0, 1.0, 2.0]), 0.5)
    np.testing.assert_allclose(estimate, 59.0 / 33.0, rtol=1e-12)
    # No variance in G: gamma = 0, the plain mean.
    np.testing.assert_allclose(est.control_variate_estimate(
        np.array([1.0, 2.0]), np.array([0.5, 0.5]), 0.5), 1.5)


def test_orthogonal_blocks_are_orthonormal_and_reference_agrees_with_mc():
    rng = np.random.default_rng(1)
    q = est.orthogonal_blocks(5, 3, rng)
    for block in q:
        np.testing.assert_allclose(block.T @ block, np.eye(5), atol=1e-12)
    x, y = rng.standard_normal((30, 5)), rng.standard_normal((30, 5)) * 1.5
    reference, stderr = est.empirical_reference(x, y, 5 * 4000, seed=2)
    values = est.empirical_w2_per_direction(x, y, _unit_columns(5, 100000, seed=3))
    brute_err = values.std() / np.sqrt(values.size)
    assert abs(reference - values.mean()) < 4 * np.hypot(stderr, brute_err)


def test_loglog_interpolation_recovers_a_power_law():
    levels = [10, 100, 1000, 100000]
    errors = [L ** -0.5 for L in levels]
    needed, mark = est.loglog_interpolate(levels, errors, 0.01)
    np.testing.assert_allclose(needed, 1e4, rtol=1e-9)
    assert mark == ""
    needed, mark = est.loglog_interpolate(levels[:3], errors[:3], 0.01)
    np.testing.assert_allclose(needed, 1e4, rtol=1e-9)
    assert mark == "~"
    assert est.loglog_interpolate(levels, errors, 1.0)[1] == "<="
    assert est.loglog_interpolate([10, 100], [0.5, 0.5], 0.01)[0] == float("inf")


def test_time_at_interpolates_and_extrapolates_affine_costs():
    levels, seconds = [10, 100, 1000], [0.002, 0.011, 0.101]  # 1 ms + 0.1 ms per L
    np.testing.assert_allclose(est.time_at(levels, seconds, 100), 0.011)
    np.testing.assert_allclose(est.time_at(levels, seconds, 3000), 0.301, rtol=1e-9)
    # A noisy last point (slower at smaller L) never predicts less time for more L.
    assert est.time_at([10, 100], [0.02, 0.01], 1000) == 0.01
