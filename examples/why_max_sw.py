"""Why max-SW: random slices miss a single informative direction in high dimension.

For mu = N(0, I_d) and nu = N(x0, I_d) every slice is a 1-D shift, so
W_2(theta#mu, theta#nu) = |<theta, x0>| and, with E <theta, x0>^2 = |x0|^2 / d,

    SW_2(mu, nu) = |x0| / sqrt(d)  ->  0,        max-SW_2(mu, nu) = |x0| (at theta = x0/|x0|).

Random directions become nearly orthogonal to x0 as d grows, so the average sees almost
nothing, while one maximised slice recovers the whole shift. The same holds for
non-linear slices: two concentric spheres of radii 1 and 2 differ only radially; a
linear slice sees W_2 = (2 - 1) sqrt(E <theta, u>^2) = 1/sqrt(d) at best (the projected
spheres only differ in width), whereas the circular defining function
g(x, theta) = |x - r theta| with a small radius r is ~ |x|, the radius itself, and
max-GSW(circular) ~ 1.

What it asserts (n samples of each measure, |x0| = 5, d in {2, 4, ..., 512}; quick:
d in {2, 16}):
1. max-SW_2 within 15% of |x0| and |cos(theta*, x0)| > 0.9 at every d.
2. SW_2 (L = 200) <= |x0| / sqrt(d) * (1 + 0.25): the tolerance covers the Monte Carlo
   error of L directions and the positive bias of empirical 1-D W_2.
3. Concentric spheres (d in {2, 10}): max-GSW_2(circular, r = 0.25) > max-SW_2, by a
   factor > 1.2.

Sample sizes: max-SW over n samples in d dimensions overfits when n is not >> d (a
direction separating the two samples inflates it), so n = 2000 in full mode.
Deviation from the papers: max-SW / max-GSW are computed by `otzoo.ot`'s projected
log-gradient ascent on the given samples (see its docstring), not learned jointly with
a discriminator.

Run: bazel run //examples:why_max_sw  (figure: why_max_sw.png)

References:
  Deshpande et al., "Max-Sliced Wasserstein Distance and its use for GANs", CVPR 2019.
  Kolouri, Nadjahi, Simsekli, Badeau & Rohde, "Generalized Sliced Wasserstein
    Distances", NeurIPS 2019.
"""

import sys

import numpy as np

from examples import _common
from examples._common import plt

from otzoo import ot as otzoo_ot  # noqa: E402

FIGURE_NAME = "why_max_sw.png"
SHIFT_NORM = 5.0
MAX_SW_TOLERANCE = 0.15
MIN_COSINE = 0.9
SW_TOLERANCE = 0.25
CIRCULAR_RADIUS = 0.25
MIN_GSW_GAIN = 1.2


def spheres(n, d, radius, rng, noise=0.05):
    """n points uniform on the sphere of `radius` in R^d, with a little radial noise."""
    u = rng.normal(size=(n, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return u * (radius + noise * rng.normal(size=(n, 1)))


def run(quick=False, output_dir=_common.DEFAULT_OUTPUT_DIR, seed=0):
    dims = [2, 16] if quick else [2 ** k for k in range(1, 10)]
    n = 300 if quick else 2000
    num_projections = 200
    rng = np.random.default_rng(seed)
    rows, records = [], []
    for d in dims:
        x0 = rng.normal(size=d)
        x0 *= SHIFT_NORM / np.linalg.norm(x0)
        x = rng.normal(size=(n, d))
        y = x0 + rng.normal(size=(n, d))
        sw = float(otzoo_ot.sliced_wasserstein(x, y, num_projections=num_projections,
                                               p=2, seed=seed + d))
        max_sw, theta = otzoo_ot.max_sliced_wasserstein(x, y, p=2, seed=seed + d,
                                                        num_steps=100)
        max_sw = float(max_sw)
        cosine = abs(float(np.dot(np.asarray(theta), x0))) / SHIFT_NORM
        population_sw = SHIFT_NORM / np.sqrt(d)
        records.append(dict(d=d, sw=sw, max_sw=max_sw, cosine=cosine))
        rows.append((d, sw, population_sw, max_sw, cosine))
        _common.check(abs(max_sw - SHIFT_NORM) <= MAX_SW_TOLERANCE * SHIFT_NORM,
                      f"d={d}: max-SW_2 = {max_sw:.3f} within 15% of |x0| = 5")
        _common.check(cosine > MIN_COSINE, f"d={d}: |cos(theta*, x0)| = {cosine:.3f} > 0.9")
        _common.check(sw <= population_sw * (1 + SW_TOLERANCE),
                      f"d={d}: SW_2 = {sw:.3f} <= |x0|/sqrt(d) (1 + 0.25) = "
                      f"{population_sw * (1 + SW_TOLERANCE):.3f}")
    _common.print_table(f"N(0, I) vs N(x0, I), |x0| = {SHIFT_NORM:g}, n = {n}, "
                        f"L = {num_projections}",
                        ["d", "SW_2", "|x0|/sqrt(d)", "max-SW_2", "|cos(theta*, x0)|"],
                        rows)

    ring_rows, ring_samples = [], None
    for d in (2, 10):
        inner = spheres(n, d, 1.0, rng)
        outer = spheres(n, d, 2.0, rng)
        if d == 2:
            ring_samples = (inner, outer)
        sw = float(otzoo_ot.sliced_wasserstein(inner, outer, num_projections=200, p=2,
                                               seed=seed))
        max_sw, _ = otzoo_ot.max_sliced_wasserstein(inner, outer, p=2, seed=seed)
        gsw = float(otzoo_ot.generalized_sliced_wasserstein(
            inner, outer, "circular", num_projections=200, p=2, radius=CIRCULAR_RADIUS,
            seed=seed))
        max_gsw, _ = otzoo_ot.max_generalized_sliced_wasserstein(
            inner, outer, "circular", p=2, radius=CIRCULAR_RADIUS, seed=seed)
        max_sw, max_gsw = float(max_sw), float(max_gsw)
        ring_rows.append((d, sw, max_sw, 1 / np.sqrt(d), gsw, max_gsw))
        _common.check(max_gsw > MIN_GSW_GAIN * max_sw,
                      f"spheres d={d}: max-GSW_2(circular) = {max_gsw:.3f} > 1.2 x "
                      f"max-SW_2 = {max_sw:.3f}")
    _common.print_table("Concentric spheres of radii 1 and 2 (circular r = 0.25)",
                        ["d", "SW_2", "max-SW_2", "1/sqrt(d)", "GSW_2 circ",
                         "max-GSW_2 circ"], ring_rows)

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    ds = [r["d"] for r in records]
    ax.plot(ds, [r["sw"] for r in records], "o-", label="SW_2 (L=200)")
    ax.plot(ds, SHIFT_NORM / np.sqrt(ds), "C0:", label="|x0| / sqrt(d)")
    ax.plot(ds, [r["max_sw"] for r in records], "s-", color="C1", label="max-SW_2")
    ax.axhline(SHIFT_NORM, color="C1", ls=":", label="|x0|")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("dimension d")
    ax.set_title(f"N(0,I) vs N(x0,I), |x0|={SHIFT_NORM:g}")
    ax.legend(fontsize=8)
    ax = axes[1]
    inner, outer = ring_samples
    ax.scatter(*inner[:400].T, s=3, label="radius 1")
    ax.scatter(*outer[:400].T, s=3, label="radius 2")
    d2 = ring_rows[0]
    ax.set_title(f"d=2: max-SW {d2[2]:.2f}, max-GSW circ {d2[5]:.2f}")
    ax.set_aspect("equal")
    ax.legend(fontsize=8)
    figure.tight_layout()
    path = _common.save_figure(figure, output_dir, FIGURE_NAME)
    return dict(records=records, spheres=ring_rows, figure=path)


def main(argv=None):
    args = _common.parse_args(__doc__.splitlines()[0], argv)
    run(quick=args.quick, output_dir=args.output_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
