"""//examples:why_ot_for_gans in --quick mode: its claims hold, its PNG is written."""

import math
import os

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from examples import why_ot_for_gans


def test_quick_run_reproduces_the_claims(tmp_path):
    results = why_ot_for_gans.run(quick=True, output_dir=str(tmp_path))
    records = results["records"]
    assert any(r["theta"] == 0 for r in records)
    for r in records:
        theta = abs(r["theta"])
        if theta == 0:
            assert r["kl"] == 0 and r["js"] == 0
        else:
            assert r["kl"] == math.inf
            assert abs(r["js"] - math.log(2)) < 1e-9
        assert theta - 1e-6 <= r["w1"] <= theta + 1.5 / math.sqrt(200)
    critics = sorted(results["critics"], key=lambda c: abs(c["theta"]))
    assert len(critics) >= 2
    for low, high in zip(critics, critics[1:]):
        assert low["gp"] < high["gp"]
        assert low["clip"] < high["clip"]
    for c in critics:
        assert abs(c["gp"] - abs(c["theta"])) <= 0.15 * abs(c["theta"])
    # The histogram's resolution caveat is reported as it is: KL = 0 inside the bin of 0.
    assert results["resolution"]["kl"] == 0
    with open(os.path.join(str(tmp_path), "why_ot_for_gans.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(results["figure"]) < 200 * 1024


def test_kl_and_js_match_scipy_on_overlapping_distributions():
    p = np.array([0.5, 0.3, 0.2, 0.0])
    q = np.array([0.25, 0.25, 0.25, 0.25])
    # By hand: 0.5 log 2 + 0.3 log 1.2 + 0.2 log 0.8.
    expected = 0.5 * math.log(2) + 0.3 * math.log(1.2) + 0.2 * math.log(0.8)
    assert why_ot_for_gans.kl_divergence(p, q) == pytest.approx(expected, rel=1e-12)
    assert why_ot_for_gans.kl_divergence(p, q) == pytest.approx(entropy(p, q), rel=1e-12)
    # SciPy returns the JS *distance*, the square root of the divergence.
    assert why_ot_for_gans.js_divergence(p, q) == pytest.approx(jensenshannon(p, q) ** 2,
                                                                rel=1e-9)
    # Unnormalised counts are normalised (histograms are passed as counts).
    assert why_ot_for_gans.kl_divergence(10 * p, 3 * q) == pytest.approx(expected, rel=1e-12)


def test_kl_and_js_on_disjoint_and_equal_supports():
    p, q = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])
    assert why_ot_for_gans.kl_divergence(p, q) == math.inf
    assert why_ot_for_gans.js_divergence(p, q) == pytest.approx(math.log(2), abs=1e-15)
    # JS is symmetric and bounded by log 2 even where KL is infinite in one direction.
    r = np.array([0.5, 0.5, 0.0])
    assert why_ot_for_gans.kl_divergence(r, np.array([1.0, 0.0, 0.0])) == math.inf
    assert why_ot_for_gans.js_divergence(r, p) == pytest.approx(
            why_ot_for_gans.js_divergence(p, r), rel=1e-12)
    assert why_ot_for_gans.js_divergence(r, p) < math.log(2)
    assert why_ot_for_gans.kl_divergence(r, r) == 0
    assert why_ot_for_gans.js_divergence(r, r) == 0


def test_bins_separate_every_grid_point():
    grid = np.arange(-10, 11) * 0.1
    edges = why_ot_for_gans.centred_bin_edges(grid)
    bins = np.digitize(grid, edges)
    assert len(set(bins)) == len(grid)
    assert np.all((edges[:-1] < grid) & (grid < edges[1:]))


def test_segment_generator_maps_the_prior_onto_the_segment():
    generator = why_ot_for_gans.segment_generator(0.3)
    z = np.array([[-0.5], [0.0], [0.5]], np.float32)
    np.testing.assert_allclose(np.asarray(generator(z)),
                               [[0.3, 0.0], [0.3, 0.5], [0.3, 1.0]], atol=1e-7)
    assert not generator.trainable_variables


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
