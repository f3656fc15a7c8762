"""The power-law fits behind benchmarks/scaling.py, on synthetic data with known slopes."""

import math

import numpy as np
import pytest

from benchmarks import scaling_fit


def test_power_law_recovers_exponent_and_prefactor_exactly():
    x = np.array([256, 512, 1024, 2048, 4096], float)
    slope, c, r2 = scaling_fit.fit_power_law(x, 3e-7 * x ** 1.7)
    assert slope == pytest.approx(1.7, abs=1e-9)
    assert c == pytest.approx(3e-7, rel=1e-7)
    assert r2 == pytest.approx(1.0, abs=1e-12)


def test_noisy_power_law_and_r2_against_numpy_oracle():
    rng = np.random.default_rng(0)
    x = np.geomspace(100, 1e4, 12)
    t = 2e-5 * x * np.exp(rng.normal(0, 0.1, x.size))  # 10% multiplicative noise
    slope, _, r2 = scaling_fit.fit_power_law(x, t)
    assert slope == pytest.approx(1.0, abs=0.1)
    # Oracle: R^2 of a simple regression is the squared correlation coefficient.
    assert r2 == pytest.approx(np.corrcoef(np.log(x), np.log(t))[0, 1] ** 2, rel=1e-9)
    assert 0.9 < r2 < 1.0


def test_flat_data_has_zero_slope_and_low_r2():
    rng = np.random.default_rng(1)
    x = np.geomspace(10, 1e4, 10)
    slope, _, r2 = scaling_fit.fit_power_law(x, 1e-3 * np.exp(rng.normal(0, 0.05, 10)))
    assert abs(slope) < 0.05 and r2 < 0.5


def test_theory_slope_of_n_log_n_is_above_one_and_matches_closed_form():
    x = np.array([512, 1024, 2048, 4096, 8192], float)
    slope = scaling_fit.theory_slope(x, "n log n")
    # Local exponent of n log n is 1 + 1/ln n; the fit averages it over the range.
    local = 1 + 1 / np.log(x)
    assert local.min() < slope < local.max()
    assert scaling_fit.theory_slope(x, "linear") == pytest.approx(1.0)
    assert scaling_fit.theory_slope(x, "quadratic") == pytest.approx(2.0)


def test_fit_scale_and_verdict():
    x = np.array([512, 1024, 2048], float)
    assert scaling_fit.fit_scale(x, 5e-9 * x * np.log(x), "n log n") == pytest.approx(5e-9)
    assert scaling_fit.verdict(1.05, 0.99, 1.1)
    assert not scaling_fit.verdict(1.5, 0.99, 1.1)   # slope off by more than 0.2
    assert not scaling_fit.verdict(1.1, 0.80, 1.1)   # poor fit


def test_crossing_extrapolates_a_power_law():
    # t = 0.1 s at n = 1024, quadratic: 10 s at n = 10240.
    assert scaling_fit.crossing(1024, 0.1, 2.0, 10.0) == pytest.approx(10240.0)
    assert scaling_fit.crossing(1024, 0.1, 0.0, 10.0) == math.inf


def test_one_point_is_an_error():
    with pytest.raises(ValueError, match="distinct x"):
        scaling_fit.fit_power_law([5, 5], [1, 2])
