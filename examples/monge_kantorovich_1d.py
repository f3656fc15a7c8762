"""Monge vs Kantorovich on the line: the monotone map, its plan, and a plan with no map.

Monge asks for a map T with T#mu = nu minimising integral c(x, T(x)) dmu; Kantorovich
relaxes it to a plan (coupling) pi in Pi(mu, nu) minimising integral c dpi, a linear
program that always has a solution. In 1-D, for every convex cost |x - y|^p,

    T(x) = F_nu^{-1}(F_mu(x))         (the increasing rearrangement),
    pi   = (F_mu^{-1}, F_nu^{-1})#Unif[0, 1]   (the monotone, "north-west corner" plan),
    W_p(mu, nu)^p = integral_0^1 |F_mu^{-1}(q) - F_nu^{-1}(q)|^p dq,

and pi is optimal. What this example checks, on two weighted empirical measures
(200 and 300 atoms, non-uniform weights):

1. `otzoo.ot.wasserstein_1d` (closed form) equals POT's exact LP value
   (`ot.emd2` on the |x - y|^p cost matrix, then the 1/p root) for p = 1, 2, to 1e-6
   relative; the monotone plan has the right marginals and the same cost as the LP.
2. `otzoo.ot.transport_map_1d` is non-decreasing and sends the support of mu into the
   support of nu. For discrete measures it is the quantile map, not a pushforward in
   general: an atom of mu whose mass straddles several atoms of nu is split by the plan
   but sent to one point by any map (the number of split atoms is printed).
3. The talk's counterexample mu = delta_{x1}, nu = 1/2 delta_{y1} + 1/2 delta_{y2}:
   every map pushes mu to a single Dirac delta_{T(x1)}, at W_1 distance at least
   |y2 - y1| / 2 from nu, so no Monge map exists; the LP plan splits the mass 1/2, 1/2.

Run: bazel run //examples:monge_kantorovich_1d  (figure: monge_kantorovich_1d.png)

References:
  Villani, "Optimal Transport: Old and New", 2009, Chapter 1 and Remark 2.19.
  Santambrogio, "Optimal Transport for Applied Mathematicians", 2015, Chapter 2.
  Peyre & Cuturi, "Computational Optimal Transport", 2019, Sections 2.2-2.6.
"""

import sys

import numpy as np

from examples import _common
from examples._common import plt

import ot  # noqa: E402  (POT, the exact LP oracle)
from otzoo import ot as otzoo_ot  # noqa: E402

FIGURE_NAME = "monge_kantorovich_1d.png"
RELATIVE_TOLERANCE = 1e-6


def two_measures(n, m, seed):
    """A bimodal mu (n atoms) and a skewed nu (m atoms), both with random weights."""
    rng = np.random.default_rng(seed)
    u = np.concatenate([rng.normal(-2.0, 0.5, n // 2), rng.normal(1.0, 0.8, n - n // 2)])
    v = rng.gamma(2.0, 1.0, m) - 0.5
    a = rng.uniform(0.2, 1.0, n)
    b = rng.uniform(0.2, 1.0, m)
    return u, a / a.sum(), v, b / b.sum()


def monotone_plan(u, a, v, b):
    """The north-west-corner plan on the sorted supports: (F_mu^-1, F_nu^-1)#Unif.

    Returns (plan [n, m] indexed like u, v, i.e. unsorted).
    """
    iu, iv = np.argsort(u, kind="stable"), np.argsort(v, kind="stable")
    cum_a, cum_b = np.cumsum(a[iu]), np.cumsum(b[iv])
    cum_a[-1] = cum_b[-1] = 1.0
    breaks = np.union1d(cum_a, cum_b)
    mass = np.diff(np.concatenate([[0.0], breaks]))
    # On (q_{k-1}, q_k] the quantile functions take the values of these atoms.
    rows = np.minimum(np.searchsorted(cum_a, breaks, side="left"), len(u) - 1)
    cols = np.minimum(np.searchsorted(cum_b, breaks, side="left"), len(v) - 1)
    plan = np.zeros((len(u), len(v)))
    np.add.at(plan, (iu[rows], iv[cols]), mass)
    return plan


def cost_matrix(u, v, p):
    return np.abs(u[:, None] - v[None, :]) ** p


def run(quick=False, output_dir=_common.DEFAULT_OUTPUT_DIR, seed=0):
    """Computes, checks and plots; returns a dict of the reported numbers."""
    n, m = (20, 30) if quick else (200, 300)
    u, a, v, b = two_measures(n, m, seed)
    results = {}

    # 1. Closed form vs the exact LP, and the monotone plan's cost.
    rows = []
    plan = monotone_plan(u, a, v, b)
    _common.check(np.allclose(plan.sum(1), a, atol=1e-12)
                  and np.allclose(plan.sum(0), b, atol=1e-12),
                  "the monotone plan has marginals (mu, nu)")
    for p in (1, 2):
        closed = float(otzoo_ot.wasserstein_1d(u, v, a, b, p=p))
        lp_plan = ot.emd(a, b, cost_matrix(u, v, p), numItermax=10_000_000)
        lp_cost = float(np.sum(lp_plan * cost_matrix(u, v, p)))
        lp = lp_cost ** (1.0 / p)
        monotone = float(np.sum(plan * cost_matrix(u, v, p))) ** (1.0 / p)
        rows.append((p, closed, lp, monotone, abs(closed - lp) / lp))
        results[f"w{p}_closed_form"], results[f"w{p}_lp"] = closed, lp
        if p == 2:
            # |x - y|^2 is strictly convex: the optimal plan is unique, so the LP
            # must return exactly the monotone coupling.
            _common.check(np.allclose(lp_plan, plan, atol=1e-9),
                          "p=2: the LP's optimal plan is the monotone coupling")
        _common.check(abs(closed - lp) <= RELATIVE_TOLERANCE * lp,
                      f"W_{p}: wasserstein_1d = {closed:.10f} equals the LP "
                      f"{lp:.10f} to 1e-6 relative")
        _common.check(abs(monotone - lp) <= RELATIVE_TOLERANCE * lp,
                      f"W_{p}: the monotone plan is optimal (cost {monotone:.10f})")
    _common.print_table(f"W_p between mu ({n} atoms) and nu ({m} atoms), weighted",
                        ["p", "wasserstein_1d", "POT LP (ot.emd)", "monotone plan",
                         "rel. diff"], rows)

    # 2. The quantile map.
    grid = np.linspace(u.min() - 0.5, u.max() + 0.5, 400)
    t_grid = np.asarray(otzoo_ot.transport_map_1d(grid, u, v, a, b))
    t_atoms = np.asarray(otzoo_ot.transport_map_1d(u, u, v, a, b))
    _common.check(np.all(np.diff(t_grid) >= 0), "T = F_nu^-1 o F_mu is non-decreasing")
    _common.check(np.all(np.isin(t_atoms, v)), "T sends every atom of mu to an atom of nu")
    # The plan sends an atom to one place iff its row has one non-zero entry.
    split_atoms = int(np.sum(np.count_nonzero(plan > 1e-15, axis=1) > 1))
    pushed = float(otzoo_ot.wasserstein_1d(t_atoms, v, a, b, p=1))
    results.update(split_atoms=split_atoms, w1_pushforward_to_nu=pushed)
    _common.print_table("The quantile map T on the atoms of mu",
                        ["atoms of mu", "split by the plan", "W_1(T#mu, nu)"],
                        [(n, split_atoms, pushed)])
    _common.check(split_atoms > 0 and pushed > 0,
                  "with unequal atoms the optimal plan splits atoms, so T#mu != nu")

    # 3. The counterexample: one atom, two targets.
    x1, y = np.array([0.0]), np.array([-1.0, 1.0])
    single = ot.emd(np.array([1.0]), np.array([0.5, 0.5]), cost_matrix(x1, y, 2))
    _common.check(np.allclose(single, [[0.5, 0.5]], atol=1e-12),
                  f"counterexample: the LP plan splits the mass of x1 as {single[0]}")
    targets = np.linspace(-3.0, 3.0, 601)
    # Any map T gives T#delta_x1 = delta_t; the best t is still |y2 - y1|/2 away.
    # One batched call: column l holds the problem (delta_{t_l}, nu).
    gaps = otzoo_ot.wasserstein_1d(targets[None, :], np.repeat(y[:, None], len(targets), 1),
                                   None, np.array([0.5, 0.5]))
    best_gap = float(np.min(gaps))
    results.update(counterexample_plan=single, counterexample_min_gap=best_gap)
    _common.print_table("Counterexample mu = delta_0, nu = (delta_-1 + delta_1)/2",
                        ["LP plan to y1", "LP plan to y2", "min_t W_1(delta_t, nu)"],
                        [(float(single[0, 0]), float(single[0, 1]), best_gap)])
    _common.check(best_gap >= 0.5 * abs(y[1] - y[0]) - 1e-9,
                  "no map pushes delta_x1 to nu: min_t W_1(delta_t, nu) = |y2-y1|/2 > 0")

    results["figure"] = _figure(u, a, v, b, grid, t_grid, plan, x1, y, single,
                                output_dir)
    return results


def _figure(u, a, v, b, grid, t_grid, plan, x1, y, single, output_dir):
    figure, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    ax = axes[0, 0]
    ax.stem(u, a, linefmt="C0-", markerfmt=" ", basefmt=" ", label="mu (weights)")
    ax.stem(v, -b, linefmt="C1-", markerfmt=" ", basefmt=" ", label="nu (weights, down)")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_title("Two weighted empirical measures")
    ax.legend(loc="upper right", fontsize=8)

    ax = axes[0, 1]
    ax.plot(grid, t_grid, "C2-", label="T(x) = F_nu^-1(F_mu(x))")
    ax.plot(np.sort(u), np.sort(u), "k:", lw=0.8, label="identity")
    ax.set_xlabel("x")
    ax.set_title("The monotone (quantile) map")
    ax.legend(fontsize=8)

    ax = axes[1, 0]
    iu, iv = np.argsort(u), np.argsort(v)
    sorted_plan = plan[np.ix_(iu, iv)]
    ax.imshow(sorted_plan > 0, aspect="auto", cmap="Greys", interpolation="nearest")
    ax.set_xlabel("atoms of nu (sorted)")
    ax.set_ylabel("atoms of mu (sorted)")
    ax.set_title("Optimal plan = monotone coupling (support)")

    ax = axes[1, 1]
    ax.scatter(x1, [1.0], s=300, c="C0", label="mu = delta_0")
    ax.scatter(y, [0.0, 0.0], s=150, c="C1", label="nu = (delta_-1 + delta_1)/2")
    for j, target in enumerate(y):
        ax.annotate("", xy=(target, 0.05), xytext=(x1[0], 0.95),
                    arrowprops=dict(arrowstyle="->", lw=1 + 4 * single[0, j]))
        ax.text((x1[0] + target) / 2, 0.5, f"{single[0, j]:.2f}", ha="center",
                fontsize=11, bbox=dict(fc="w", ec="none"))
    ax.set_ylim(-0.4, 1.4)
    ax.set_xlim(-1.8, 1.8)
    ax.set_yticks([])
    ax.set_title("No map, but a plan: the mass splits 1/2, 1/2")
    ax.legend(loc="lower center", fontsize=8)
    figure.tight_layout()
    return _common.save_figure(figure, output_dir, FIGURE_NAME)


def main(argv=None):
    args = _common.parse_args(__doc__.splitlines()[0], argv)
    run(quick=args.quick, output_dir=args.output_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
