"""//examples:why_max_sw in --quick mode: its claims hold, its PNG is written."""

import os

import numpy as np
import pytest

from examples import why_max_sw


def test_quick_run_reproduces_the_claims(tmp_path):
    results = why_max_sw.run(quick=True, output_dir=str(tmp_path))
    for r in results["records"]:
        assert abs(r["max_sw"] - why_max_sw.SHIFT_NORM) <= 0.15 * why_max_sw.SHIFT_NORM
        assert r["cosine"] > 0.9
        assert r["sw"] < r["max_sw"]
    for _, _, max_sw, _, _, max_gsw in results["spheres"]:
        assert max_gsw > 1.2 * max_sw
    with open(os.path.join(str(tmp_path), "why_max_sw.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_spheres_have_the_requested_radius():
    points = why_max_sw.spheres(500, 5, 2.0, np.random.default_rng(0), noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 2.0)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
