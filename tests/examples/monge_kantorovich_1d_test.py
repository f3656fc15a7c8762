"""//examples:monge_kantorovich_1d in --quick mode: its claims hold, its PNG is written."""

import os

import numpy as np
import pytest

from examples import monge_kantorovich_1d


def test_quick_run_reproduces_the_claims(tmp_path):
    results = monge_kantorovich_1d.run(quick=True, output_dir=str(tmp_path))
    for p in (1, 2):
        np.testing.assert_allclose(results[f"w{p}_closed_form"], results[f"w{p}_lp"],
                                   rtol=1e-6)
    np.testing.assert_allclose(results["counterexample_plan"], [[0.5, 0.5]])
    assert results["counterexample_min_gap"] == pytest.approx(1.0)
    assert results["split_atoms"] > 0
    assert results["figure"] == os.path.join(str(tmp_path), "monge_kantorovich_1d.png")
    with open(results["figure"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_monotone_plan_matches_hand_computed_coupling():
    # mu = (1/2, 1/2) on {0, 1}, nu = (1/4, 3/4) on {0, 2}: the NW corner sends 1/4
    # from 0 to 0, 1/4 from 0 to 2 and 1/2 from 1 to 2.
    plan = monge_kantorovich_1d.monotone_plan(np.array([1.0, 0.0]), np.array([.5, .5]),
                                              np.array([2.0, 0.0]), np.array([.75, .25]))
    np.testing.assert_allclose(plan, [[0.5, 0.0], [0.25, 0.25]])


def test_main_writes_the_figure_under_output_dir(tmp_path):
    monge_kantorovich_1d.main(["--quick", "--output_dir", str(tmp_path / "figs")])
    assert os.path.getsize(tmp_path / "figs" / "monge_kantorovich_1d.png") > 0


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
