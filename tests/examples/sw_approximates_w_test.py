"""//examples:sw_approximates_w in --quick mode: its claims hold, its PNG is written."""

import os

import numpy as np
import pytest

from examples import sw_approximates_w


def test_quick_run_reproduces_the_claims(tmp_path):
    results = sw_approximates_w.run(quick=True, output_dir=str(tmp_path))
    records = results["records"]
    assert {r["d"] for r in records} == {2, 8, 32}
    for r in records:
        assert r["sw"] <= r["w"] * (1 + 1e-9)  # every slice is 1-Lipschitz
    # W between samples drifts from its population value as d grows.
    assert results["summary"][-1][3] > 1.5
    with open(os.path.join(str(tmp_path), "sw_approximates_w.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_population_values_are_the_gaussian_closed_forms():
    rng = np.random.default_rng(0)
    d = 6
    mean = np.full(d, 0.5)
    # Sigma = s^2 I: projecting keeps the optimal plan optimal, so sqrt(d) SW_2 = W_2.
    w2, scaled_sw = sw_approximates_w.population_values(d, mean, np.full(d, 2.25), rng)
    assert w2 == pytest.approx(np.sqrt(mean @ mean + d * 0.25))
    # Monte Carlo over 20000 directions: a few percent.
    assert scaled_sw == pytest.approx(w2, rel=0.03)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
