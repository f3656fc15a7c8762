"""Estimator study: how fast each sliced-Wasserstein estimator gets accurate, and how well
the SW variants separate two close distributions, per unit of CPU time.

    .venv/bin/python benchmarks/estimators.py --quick   # smoke run, to /tmp (3.5 min
                                                        # at load ~11; ~1 min alone)
    .venv/bin/python benchmarks/estimators.py           # full run (time printed first),
                                                        # writes benchmarks/figures/
    bazel run //benchmarks:estimators -- --quick

Part 1, error of the SW_2^2 estimators (issue #17 item 2). Every estimator targets the
same number, SW_2^2 = E_{theta ~ U(S^{d-1})} W_2^2(theta#mu, theta#nu) (the power: the
relative error of SW_2 is about half of it):

* `mc`, `orthogonal`, `qmc`: the mean of W_l over L directions from
  `otzoo.ot.random_directions(method="uniform" | "orthogonal" | "qmc")`.
* `cv_lower`, `cv_upper`: `control_variate_sliced_wasserstein` (Nguyen & Ho, ICLR 2024)
  on the `mc` directions.
* `gaussian`: `gaussian_approximation_sliced_wasserstein` (Nadjahi et al., NeurIPS
  2021): deterministic, no directions; its error is a bias that no L removes.

Problems:

a) Gaussians mu = N(m1, S1), nu = N(m2, S2), d in {10, 100, 784}, S = diag(lambda) +
   V V^T (log-normal spectrum plus 3 spikes of eigenvalue ~sqrt(d) in random
   directions: not axis-aligned, weakly dependent coordinates for large d) and
   |m1 - m2|^2 ~ d. For them W_2^2 per direction has the closed form
       W(theta) = (theta.(m1 - m2))^2 + (sqrt(theta' S1 theta) - sqrt(theta' S2 theta))^2,
   so the estimators are applied to these exact per-direction values: what is measured
   is the *direction* error alone (the part the estimators differ in), with no sample
   error on top. The control variates use the population moments; `gaussian` is its
   population formula |dm|^2/d + (sqrt(tr S1/d) - sqrt(tr S2/d))^2. The reference
   expands the square: SW_2^2 = (|dm|^2 + tr S1 + tr S2)/d - 2 E sqrt(q1 q2), and only
   the last expectation is averaged over 10^6 uniform directions (its standard error is
   printed). On Gaussians W = G_upper - 2 sqrt(q1 q2) exactly, so `cv_upper` only keeps
   the variance of the cross term: a best case for it; (b) is the realistic case.
b) Fashion-MNIST (test set, pixels in [0, 1], d = 784): two disjoint batches of n images
   ("real vs real") and the first batch against the second one blurred by a 3x3 box
   filter ("real vs blurred"). The reference is SW_2^2 of these fixed empirical
   measures over 10^5 directions: 128 independent Haar-random orthonormal bases (an
   orthogonal estimate whose standard error is the spread of the 128 block means).

Relative error = (estimate - reference) / reference; RMS over `--seeds` seeds at each L
(the L-direction estimate is the first L columns of one draw of L_max directions per
seed, which has the law of a fresh L-direction draw for all three samplers). Values are
computed in float64 NumPy from the directions the library draws; a run-time check
compares them with the library functions on one draw (and tests/ot/estimator_study_test.py
does it for all of them).

Wall time: each estimator in `tf.function(jit_compile=True)`, value only (return_power),
float32, on n points per cloud in d dims, L directions drawn inside (the seed is a [2]
tensor input, so one compilation per shape), median of `--repeats` calls after one
warm-up call (compilation excluded), round-robin over estimators. The time depends on
(n, d, L) and not on the data, so one timing grid serves (a) and (b). The "L for 1%"
table interpolates error and time log-log between the grid points (marked ~ when the
error curve is extrapolated beyond L_max with its last slope).

Part 3, separation at equal time (the talk's example): mu = N(0, I), nu = N(x0, I) in
d = 784 with x0 = delta e/|e| (e a fixed random direction, delta = `--delta`), n points
each. For each distance D (its p = 2 power) and size knob (L, chains or ascent steps):
R fresh pairs "null" (two samples of mu) and "alt" (a sample of mu, one of nu), fresh
directions per call; the separation is d' = (mean alt - mean null) / sqrt((var alt +
var null) / 2) (a signal-to-noise ratio), with the AUC P(D_alt > D_null). Every call is
timed (XLA, round-robin over configurations); the table takes, per distance, the
largest knob whose median time fits the budget (the time of SW at L = `--budget_L`).

References:
  Nguyen & Ho, "Sliced Wasserstein Estimation with Control Variates", ICLR 2024.
  Nadjahi, Durmus, Jacob, Badeau & Simsekli, "Fast Approximation of the Sliced-
    Wasserstein Distance Using Concentration of Random Projections", NeurIPS 2021.
  Rowland et al., "Orthogonal Estimation of Wasserstein Distances", AISTATS 2019.
  Nguyen, Ho et al., "Quasi-Monte Carlo for 3D Sliced Wasserstein", ICLR 2024.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from otzoo import ot as otlib  # noqa: E402
from otzoo.data import idx  # noqa: E402

SAMPLERS = ("mc", "orthogonal", "qmc")
ESTIMATORS = SAMPLERS + ("cv_lower", "cv_upper", "gaussian")
_METHOD = {"mc": "uniform", "orthogonal": "orthogonal", "qmc": "qmc",
           "cv_lower": "uniform", "cv_upper": "uniform"}
TARGET = 0.01
FMNIST_DIR = "/usr/share/datasets/fashion-mnist"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny run (seconds)")
    parser.add_argument("--dims", default="10,100,784", help="(a) dimensions")
    parser.add_argument("--error_L", default="10,30,100,300,1000,3000,10000",
                        help="L grid of the error curves")
    parser.add_argument("--time_L", default="10,100,1000,10000",
                        help="L grid of the timings")
    parser.add_argument("--seeds", type=int, default=50, help="seeds for the RMS")
    parser.add_argument("--n", type=int, default=512, help="points per cloud")
    parser.add_argument("--gauss_ref_dirs", type=int, default=10 ** 6)
    parser.add_argument("--fmnist_ref_dirs", type=int, default=10 ** 5)
    parser.add_argument("--repeats", type=int, default=5, help="timed calls")
    parser.add_argument("--delta", type=float, default=0.5, help="part 3 shift |x0|")
    parser.add_argument("--sep_repeats", type=int, default=40, help="part 3 R")
    parser.add_argument("--budget_L", type=int, default=500,
                        help="part 3 budget: the time of SW with this L")
    parser.add_argument("--parts", default="gauss,fmnist,separation")
    parser.add_argument("--out_dir", default=None,
                        help="figures + JSON (default benchmarks/figures; "
                             "/tmp/estimators_quick with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.dims, args.error_L, args.time_L = "10", "10,100", "10,100"
        args.seeds, args.n, args.repeats = 4, 64, 1
        args.gauss_ref_dirs, args.fmnist_ref_dirs = 10 ** 4, 4 * 784
        args.sep_repeats, args.budget_L = 3, 50
    if args.out_dir is None:
        args.out_dir = ("/tmp/estimators_quick" if args.quick else
                        os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "figures"))
    return args


def ints(text):
    return [int(v) for v in text.split(",") if v]


# ----------------------------------------------------------------------------- math


def gaussian_pair(d, seed):
    """Means and covariances S = diag(lam) + V V^T of the two Gaussians of (a)."""
    rng = np.random.default_rng(seed)
    rank = min(3, d)

    def covariance():
        # Spikes of eigenvalue ~sqrt(d): a share ~3/sqrt(d) of the variance, so the
        # coordinates are weakly dependent for large d (where the Gaussian
        # approximation is meant to work) and strongly so at d = 10.
        return dict(diag=np.exp(0.5 * rng.standard_normal(d)),
                    low_rank=rng.standard_normal((d, rank)) * d ** -0.25)

    return dict(shift=rng.standard_normal(d), cov1=covariance(), cov2=covariance())


def quadratic_form(cov, theta):
    """theta_l' S theta_l for the columns of theta [d, L] (O(d L), no d x d matrix)."""
    return cov["diag"] @ theta ** 2 + np.sum((cov["low_rank"].T @ theta) ** 2, axis=0)


def trace(cov):
    return cov["diag"].sum() + np.sum(cov["low_rank"] ** 2)


def gaussian_w2_per_direction(pair, theta):
    """Closed-form W_2^2(theta#N(m1, S1), theta#N(m2, S2)) for every column of theta."""
    mean_term = (pair["shift"] @ theta) ** 2
    q1, q2 = quadratic_form(pair["cov1"], theta), quadratic_form(pair["cov2"], theta)
    return mean_term + (np.sqrt(q1) - np.sqrt(q2)) ** 2


def gaussian_control_variate(pair, theta, kind):
    """(G(theta_l) [L], E G) of the control variates, from the population moments."""
    d = theta.shape[0]
    values = (pair["shift"] @ theta) ** 2
    expectation = pair["shift"] @ pair["shift"] / d
    if kind == "cv_upper":
        values = values + quadratic_form(pair["cov1"], theta) + quadratic_form(
            pair["cov2"], theta)
        expectation += (trace(pair["cov1"]) + trace(pair["cov2"])) / d
    return values, expectation


def gaussian_reference(pair, num_directions, seed, chunk=20000):
    """(SW_2^2, standard error): exact terms + MC of E sqrt(q1 q2) (module docstring)."""
    d = pair["shift"].shape[0]
    rng = np.random.default_rng(seed)
    total, total_sq, done = 0.0, 0.0, 0
    while done < num_directions:
        size = min(chunk, num_directions - done)
        theta = rng.standard_normal((d, size))
        theta /= np.linalg.norm(theta, axis=0)
        cross = np.sqrt(quadratic_form(pair["cov1"], theta) *
                        quadratic_form(pair["cov2"], theta))
        total, total_sq, done = total + cross.sum(), total_sq + (cross ** 2).sum(), \
            done + size
    mean = total / done
    std = np.sqrt(max(total_sq / done - mean ** 2, 0.0))
    exact = (pair["shift"] @ pair["shift"] + trace(pair["cov1"]) +
             trace(pair["cov2"])) / d
    return exact - 2.0 * mean, 2.0 * std / np.sqrt(done)


def gaussian_approximation_population(pair):
    d = pair["shift"].shape[0]
    return (pair["shift"] @ pair["shift"] / d +
            (np.sqrt(trace(pair["cov1"]) / d) - np.sqrt(trace(pair["cov2"]) / d)) ** 2)


def empirical_w2_per_direction(x, y, theta):
    """W_2^2 of the projected empirical measures (equal sizes, uniform weights)."""
    return np.mean((np.sort(x @ theta, axis=0) - np.sort(y @ theta, axis=0)) ** 2,
                   axis=0)


def empirical_control_variate(x, y, theta, kind):
    """(G [L], E G) from the sample moments (biased covariances), as the library."""
    d = theta.shape[0]
    gap = x.mean(0) - y.mean(0)
    values = (gap @ theta) ** 2
    expectation = gap @ gap / d
    if kind == "cv_upper":
        xc, yc = x - x.mean(0), y - y.mean(0)
        values = values + np.mean((xc @ theta) ** 2, 0) + np.mean((yc @ theta) ** 2, 0)
        expectation += (np.sum(xc ** 2) / len(x) + np.sum(yc ** 2) / len(y)) / d
    return values, expectation


def control_variate_estimate(w, g, expectation):
    """W_bar - gamma (G_bar - E G), gamma = mean((W - W_bar)(G - EG)) / mean((G - EG)^2)."""
    centred = g - expectation
    w_bar = w.mean()
    denominator = np.mean(centred ** 2)
    gamma = np.mean((w - w_bar) * centred) / denominator if denominator > 0 else 0.0
    return w_bar - gamma * centred.mean()


def orthogonal_blocks(d, num_blocks, rng):
    """Haar-random orthonormal bases (QR with R's diagonal signs fixed), [B, d, d]."""
    q, r = np.linalg.qr(rng.standard_normal((num_blocks, d, d)))
    return q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]


def empirical_reference(x, y, num_directions, seed):
    """(SW_2^2, standard error) from independent orthonormal blocks (docstring, b)."""
    d = x.shape[1]
    rng = np.random.default_rng(seed)
    block_means = [empirical_w2_per_direction(x, y, q).mean()
                   for _ in range(-(-num_directions // d))
                   for q in orthogonal_blocks(d, 1, rng)]
    return float(np.mean(block_means)), float(np.std(block_means, ddof=1) /
                                              np.sqrt(len(block_means)))


# ------------------------------------------------------------------------- data


def fashion_mnist_batches(n, seed):
    images = idx.read_idx(os.path.join(FMNIST_DIR, "t10k-images-idx3-ubyte.gz"))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    x = images[order[:n]].astype(np.float64) / 255.0
    y = images[order[n:2 * n]].astype(np.float64) / 255.0
    padded = np.pad(y, ((0, 0), (1, 1), (1, 1)), mode="edge")
    blurred = sum(padded[:, i:i + 28, j:j + 28] for i in range(3) for j in range(3)) / 9
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    return {"real vs real": (flat(x), flat(y)),
            "real vs blurred": (flat(x), flat(blurred))}


# ------------------------------------------------------------- error curves (1, 2)


def draw_directions(d, num, seed):
    """{sampler: [d, num] float64} from the library's samplers, one seed."""
    return {name: otlib.random_directions(d, num, seed=seed, method=_METHOD[name],
                                          dtype="float32").numpy().astype(np.float64)
            for name in SAMPLERS}


def estimates_at(levels, per_direction, cv_values):
    """{estimator: [len(levels)]} from one draw: prefix means and CV on the MC draw."""
    out = {name: [per_direction[name][:L].mean() for L in levels] for name in SAMPLERS}
    for kind, (g, expectation) in cv_values.items():
        out[kind] = [control_variate_estimate(per_direction["mc"][:L], g[:L],
                                              expectation) for L in levels]
    return out


def rms_relative(estimates, reference):
    errors = (np.asarray(estimates) - reference) / reference  # [seeds, levels]
    return np.sqrt(np.mean(errors ** 2, axis=0)).tolist()


def check_against_library(x, y, theta):
    """The NumPy mirrors equal the library functions on one draw (float64)."""
    xt, yt = tf.constant(x), tf.constant(y)
    pt = tf.constant(theta)
    ours = empirical_w2_per_direction(x, y, theta).mean()
    lib = otlib.sliced_wasserstein(xt, yt, projections=pt, return_power=True).numpy()
    worst = abs(ours - lib) / abs(lib)
    for kind, name in (("cv_lower", "lower"), ("cv_upper", "upper")):
        g, eg = empirical_control_variate(x, y, theta, kind)
        ours = control_variate_estimate(empirical_w2_per_direction(x, y, theta), g, eg)
        lib = otlib.control_variate_sliced_wasserstein(
            xt, yt, projections=pt, control_variate=name, return_power=True).numpy()
        worst = max(worst, abs(ours - lib) / abs(lib))
    if worst > 1e-8:
        raise AssertionError(f"NumPy mirror differs from otzoo by {worst:.1e}")
    return worst


def error_study(args, problems):
    """problems: {name: dict(d, per_direction(theta), cv(theta, kind), ref, gaussian)}."""
    levels = ints(args.error_L)
    l_max = max(levels)
    estimates = {name: {e: [] for e in ESTIMATORS if e != "gaussian"} for name in problems}
    dims = sorted({p["d"] for p in problems.values()})
    for seed in range(args.seeds):
        for d in dims:
            thetas = draw_directions(d, l_max, seed)
            for name, problem in problems.items():
                if problem["d"] != d:
                    continue
                per_direction = {s: problem["per_direction"](thetas[s]) for s in SAMPLERS}
                cv = {k: problem["cv"](thetas["mc"], k) for k in ("cv_lower", "cv_upper")}
                for estimator, values in estimates_at(levels, per_direction, cv).items():
                    estimates[name][estimator].append(values)
        print(f"  seed {seed + 1}/{args.seeds}", end="\r", flush=True)
    print()
    result = {}
    for name, problem in problems.items():
        ref = problem["reference"]
        rms = {e: rms_relative(v, ref) for e, v in estimates[name].items()}
        bias = (problem["gaussian"] - ref) / ref
        rms["gaussian"] = [abs(bias)] * len(levels)
        result[name] = dict(d=problem["d"], reference=ref,
                            reference_stderr=problem["reference_stderr"],
                            levels=levels, rms=rms, gaussian_value=problem["gaussian"])
    return result


# ----------------------------------------------------------------------- timing


def median_times(functions, args_fn, repeats):
    """{key: median seconds}: one warm-up (compiles), then round-robin timed calls."""
    times = {key: [] for key in functions}
    for fn in functions.values():
        fn(*args_fn(0)).numpy()
    for r in range(repeats):
        for key, fn in functions.items():
            call_args = args_fn(r + 1)
            start = time.perf_counter()
            fn(*call_args).numpy()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(v) for key, v in times.items()}


def estimator_function(name, num_projections):
    if name == "gaussian":
        return lambda x, y, s: otlib.gaussian_approximation_sliced_wasserstein(
            x, y, return_power=True)
    if name in SAMPLERS:
        return lambda x, y, s: otlib.sliced_wasserstein(
            x, y, num_projections=num_projections, seed=s, method=_METHOD[name],
            return_power=True)
    return lambda x, y, s: otlib.control_variate_sliced_wasserstein(
        x, y, num_projections=num_projections, seed=s,
        control_variate=name[3:], return_power=True)


def timing_study(args, dims):
    """{d: {estimator: [seconds per L of time_L]}} (gaussian: one value)."""
    levels = ints(args.time_L)
    rng = np.random.default_rng(0)
    result = {}
    for d in dims:
        x = tf.constant(rng.standard_normal((args.n, d)), tf.float32)
        y = tf.constant(rng.standard_normal((args.n, d)) + 0.1, tf.float32)
        functions = {("gaussian", 0): tf.function(estimator_function("gaussian", 0),
                                                  jit_compile=True)}
        for name in ESTIMATORS[:-1]:
            for L in levels:
                functions[(name, L)] = tf.function(estimator_function(name, L),
                                                   jit_compile=True)
        times = median_times(functions,
                             lambda r: (x, y, tf.constant([r, 7], tf.int64)),
                             args.repeats)
        result[d] = {name: [times[(name, L)] for L in levels] for name in ESTIMATORS[:-1]}
        result[d]["gaussian"] = times[("gaussian", 0)]
        print(f"  timed d = {d}", flush=True)
    return dict(levels=levels, n=args.n, times=result)


# --------------------------------------------------------------- L for 1% (part 2)


def loglog_interpolate(xs, ys, y_target):
    """x where the log-log polyline through (xs, ys) reaches y_target (decreasing)."""
    xs, ys = np.log(np.asarray(xs, float)), np.log(np.maximum(ys, 1e-300))
    target = np.log(y_target)
    if ys[0] <= target:
        return float(np.exp(xs[0])), "<="
    for i in range(1, len(xs)):
        if ys[i] <= target:
            t = (target - ys[i - 1]) / (ys[i] - ys[i - 1])
            return float(np.exp(xs[i - 1] + t * (xs[i] - xs[i - 1]))), ""
    slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    if slope >= -0.05:
        return float("inf"), ""
    return float(np.exp(xs[-1] + (target - ys[-1]) / slope)), "~"


def time_at(levels, seconds, num_projections):
    logs = np.interp(np.log(num_projections), np.log(levels), np.log(seconds))
    if num_projections > levels[-1]:  # time is affine in L: extrapolate linearly
        # Timing noise can make the last slope negative: never predict less time.
        slope = max((seconds[-1] - seconds[-2]) / (levels[-1] - levels[-2]), 0.0)
        return seconds[-1] + slope * (num_projections - levels[-1])
    return float(np.exp(logs))


def needed_table(errors, timing):
    rows = []
    for name, res in errors.items():
        times = timing["times"][res["d"]]
        for estimator in ESTIMATORS:
            if estimator == "gaussian":
                bias = res["rms"]["gaussian"][0]
                ok = bias <= TARGET
                rows.append(dict(problem=name, estimator=estimator,
                                 L="none" if ok else "never",
                                 time_ms=times["gaussian"] * 1e3 if ok else None,
                                 note=f"bias {100 * bias:.2g}%"))
                continue
            needed, mark = loglog_interpolate(res["levels"], res["rms"][estimator], TARGET)
            if not np.isfinite(needed):
                rows.append(dict(problem=name, estimator=estimator, L="never",
                                 time_ms=None, note="no decrease"))
                continue
            needed = max(needed, 1.0)
            rows.append(dict(problem=name, estimator=estimator,
                             L=f"{mark}{needed:.3g}",
                             time_ms=1e3 * time_at(timing["levels"], times[estimator],
                                                   needed),
                             note="extrapolated" if mark == "~" else ""))
    return rows


# --------------------------------------------------------------- separation (3)


def separation_configs(quick):
    """{(distance, knob): fn(x, y, seed) -> p = 2 power}; knobs per distance."""
    sizes = [50] if quick else [50, 200, 500, 2000]
    dsw_sizes = [10] if quick else [10, 50, 200]  # f's d x d matmuls dominate DSW
    chains = [10] if quick else [10, 40, 100, 400]
    steps = [10] if quick else [10, 50, 200]
    configs = {}
    for L in dsw_sizes:
        configs[("DSW", L)] = lambda x, y, s, L=L: otlib.distributional_sliced_wasserstein(
            x, y, num_projections=L, seed=s, return_power=True)
    for L in sizes:
        configs[("SW", L)] = lambda x, y, s, L=L: otlib.sliced_wasserstein(
            x, y, num_projections=L, seed=s, return_power=True)
        configs[("EBSW", L)] = lambda x, y, s, L=L: otlib.energy_based_sliced_wasserstein(
            x, y, num_projections=L, seed=s, return_power=True)
        configs[("RPSW", L)] = lambda x, y, s, L=L: otlib.random_path_sliced_wasserstein(
            x, y, num_projections=L, seed=s, return_power=True)
    for c in chains:
        configs[("MSW", c)] = lambda x, y, s, c=c: otlib.markovian_sliced_wasserstein(
            x, y, num_chains=c, num_steps=5, seed=s, return_power=True)
    for k in steps:
        configs[("max-SW", k)] = lambda x, y, s, k=k: otlib.max_sliced_wasserstein(
            x, y, num_steps=k, seed=s, return_power=True)[0]
    configs[("Gaussian approx.", 0)] = (
        lambda x, y, s: otlib.gaussian_approximation_sliced_wasserstein(
            x, y, return_power=True))
    return configs


KNOB_NAMES = {"SW": "L", "EBSW": "L", "RPSW": "L", "DSW": "L", "MSW": "chains (T=5)",
              "max-SW": "ascent steps", "Gaussian approx.": "-"}


def separation_study(args):
    d, n = 784, args.n
    rng = np.random.default_rng(1234)
    e = rng.standard_normal(d)
    x0 = (args.delta * e / np.linalg.norm(e)).astype(np.float32)
    configs = separation_configs(args.quick)
    if ("SW", args.budget_L) not in configs:
        configs[("SW", args.budget_L)] = lambda x, y, s: otlib.sliced_wasserstein(
            x, y, num_projections=args.budget_L, seed=s, return_power=True)
    functions = {key: tf.function(fn, jit_compile=True) for key, fn in configs.items()}
    values = {key: {"null": [], "alt": []} for key in functions}
    times = {key: [] for key in functions}
    sample = lambda: rng.standard_normal((n, d)).astype(np.float32)  # noqa: E731
    warm = tf.constant(sample()), tf.constant(sample()), tf.constant([0, 0], tf.int64)
    for fn in functions.values():
        fn(*warm).numpy()
    for r in range(args.sep_repeats):
        pairs = {"null": (sample(), sample()), "alt": (sample(), sample() + x0)}
        for case, (a, b) in pairs.items():
            a, b = tf.constant(a), tf.constant(b)
            for i, (key, fn) in enumerate(functions.items()):
                seed = tf.constant([r + 1, 2 * i + (case == "alt")], tf.int64)
                start = time.perf_counter()
                values[key][case].append(float(fn(a, b, seed).numpy()))
                times[key].append(time.perf_counter() - start)
        print(f"  repeat {r + 1}/{args.sep_repeats}", end="\r", flush=True)
    print()
    rows = []
    for key in functions:
        null, alt = np.array(values[key]["null"]), np.array(values[key]["alt"])
        spread = np.sqrt((null.var(ddof=1) + alt.var(ddof=1)) / 2)
        rows.append(dict(distance=key[0], knob=key[1],
                         time_ms=1e3 * statistics.median(times[key]),
                         mean_null=null.mean(), mean_alt=alt.mean(),
                         sd_null=null.std(ddof=1), sd_alt=alt.std(ddof=1),
                         d_prime=(alt.mean() - null.mean()) / spread if spread > 0
                         else float("inf"),
                         auc=float(np.mean(alt[:, None] > null[None, :]))))
    budget = next(r["time_ms"] for r in rows
                  if r["distance"] == "SW" and r["knob"] == args.budget_L)
    return dict(delta=args.delta, n=n, d=d, repeats=args.sep_repeats,
                budget_L=args.budget_L, budget_ms=budget, rows=rows)


def equal_time_rows(separation):
    """Per distance, the largest knob whose median time fits the budget (else the
    cheapest knob)."""
    chosen = []
    by_distance = {}
    for row in separation["rows"]:
        by_distance.setdefault(row["distance"], []).append(row)
    for rows in by_distance.values():
        fitting = [r for r in rows if r["time_ms"] <= 1.1 * separation["budget_ms"]]
        pick = max(fitting, key=lambda r: r["knob"]) if fitting else min(
            rows, key=lambda r: r["time_ms"])
        chosen.append(dict(pick, over_budget=not fitting))
    return chosen


# ------------------------------------------------------------------- reporting


COLOURS = {"mc": "C0", "orthogonal": "C1", "qmc": "C2", "cv_lower": "C3",
           "cv_upper": "C4", "gaussian": "C7"}


def plot_errors(errors, timing, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(errors)
    fig, axes = plt.subplots(2, len(names), figsize=(4.6 * len(names), 8.2),
                             squeeze=False)
    for col, name in enumerate(names):
        res = errors[name]
        times = timing["times"][res["d"]]
        for estimator in ESTIMATORS:
            rms = np.array(res["rms"][estimator]) * 100
            style = dict(color=COLOURS[estimator], label=estimator)
            if estimator == "gaussian":
                axes[0, col].axhline(rms[0], ls="--", **style)
                axes[1, col].plot([times["gaussian"] * 1e3], [rms[0]], "s", ms=8,
                                  **style)
                continue
            axes[0, col].loglog(res["levels"], rms, "o-", **style)
            seconds = [time_at(timing["levels"], times[estimator], L)
                       for L in res["levels"]]
            axes[1, col].loglog(np.array(seconds) * 1e3, rms, "o-", **style)
        floor = 100 * res["reference_stderr"] / abs(res["reference"])
        for row in range(2):
            ax = axes[row, col]
            ax.axhline(100 * TARGET, color="k", lw=0.8)
            ax.axhline(floor, color="k", ls=":", lw=0.8)
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
            ax.set_ylabel("relative RMS error of SW$_2^2$ (%)")
        axes[0, col].set_title(name, fontsize=10)
        axes[0, col].set_xlabel("L (directions)")
        axes[1, col].set_xscale("log")
        axes[1, col].set_xlabel(f"wall time, XLA, n = {timing['n']} (ms)")
    axes[0, 0].legend(fontsize=8, loc="lower left")
    fig.suptitle(title + "\n(solid line: 1%; dotted: standard error of the reference; "
                 "gaussian: its bias)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_separation(separation, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5.2))
    by_distance = {}
    for row in separation["rows"]:
        by_distance.setdefault(row["distance"], []).append(row)
    repeats = separation["repeats"]
    for i, (distance, rows) in enumerate(by_distance.items()):
        rows = sorted(rows, key=lambda r: r["time_ms"])
        # Standard error of d' from R null and R alt values: sqrt(2/R + d'^2/(4R)).
        errors = [np.sqrt(2.0 / repeats + r["d_prime"] ** 2 / (4.0 * repeats))
                  for r in rows]
        ax.errorbar([r["time_ms"] for r in rows], [r["d_prime"] for r in rows],
                    yerr=errors, fmt="o-", capsize=3, color=f"C{i}",
                    label=f"{distance} ({KNOB_NAMES[distance]})")
        for r in rows:
            if r["knob"]:
                ax.annotate(str(r["knob"]), (r["time_ms"], r["d_prime"]), fontsize=7,
                            textcoords="offset points", xytext=(3, 3))
    ax.axvline(separation["budget_ms"], color="k", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("median wall time per call, XLA (ms)")
    ax.set_ylabel("d' = (mean alt - mean null) / pooled sd")
    ax.set_title(f"N(0, I) vs N(x0, I), d = {separation['d']}, |x0| = "
                 f"{separation['delta']}, n = {separation['n']}, "
                 f"R = {separation['repeats']} (dotted: budget = SW at "
                 f"L = {separation['budget_L']}; bars: 1 standard error)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def print_error_tables(errors, needed):
    for name, res in errors.items():
        print(f"\n{name}: reference SW_2^2 = {res['reference']:.6g} "
              f"(standard error {100 * res['reference_stderr'] / res['reference']:.2g}%)")
        print("| estimator | " + " | ".join(f"L={L}" for L in res["levels"]) + " |")
        print("|---" * (len(res["levels"]) + 1) + "|")
        for estimator in ESTIMATORS:
            print(f"| {estimator} | " + " | ".join(
                f"{100 * v:.3g}%" for v in res["rms"][estimator]) + " |")
    print("\nL for 1% relative RMS error of SW_2^2, and its time (XLA, value only):\n")
    print("| problem | estimator | L for 1% | time (ms) | note |")
    print("|---|---|---|---|---|")
    for row in needed:
        time_ms = "-" if row["time_ms"] is None else f"{row['time_ms']:.3g}"
        print(f"| {row['problem']} | {row['estimator']} | {row['L']} | {time_ms} | "
              f"{row['note']} |")


def print_separation(separation):
    print(f"\nSeparation, N(0, I) vs N(x0, I), d = {separation['d']}, |x0| = "
          f"{separation['delta']}, n = {separation['n']}, R = {separation['repeats']}; "
          f"budget {separation['budget_ms']:.3g} ms (SW, L = {separation['budget_L']}):\n")
    print("| distance | knob | time (ms) | mean null | mean alt | sd null | d' | AUC |")
    print("|---|---|---|---|---|---|---|---|")
    for row in separation["rows"]:
        print(f"| {row['distance']} | {row['knob']} | {row['time_ms']:.3g} | "
              f"{row['mean_null']:.4g} | {row['mean_alt']:.4g} | {row['sd_null']:.2g} | "
              f"{row['d_prime']:.3g} | {row['auc']:.2f} |")
    print("\nAt equal time (largest knob within 1.1x the budget):\n")
    print("| distance | knob | time (ms) | d' | AUC |")
    print("|---|---|---|---|---|")
    for row in sorted(equal_time_rows(separation), key=lambda r: -r["d_prime"]):
        flag = " (cheapest, over budget)" if row["over_budget"] else ""
        print(f"| {row['distance']} | {KNOB_NAMES[row['distance']]} = {row['knob']}"
              f"{flag} | {row['time_ms']:.3g} | {row['d_prime']:.3g} | "
              f"{row['auc']:.2f} |")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # One tf.function per (estimator, L) is the design: silence the retracing warning.
    tf.get_logger().setLevel("ERROR")
    parts = args.parts.split(",")
    os.makedirs(args.out_dir, exist_ok=True)
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    if not args.quick:
        print("full run: ~10.5 CPU-minutes (26.5 min of wall time at load average "
              "5-11 on 2 cores; expect 10-15 min alone)")
    print(f"TF {tf.__version__}, n = {args.n}, seeds = {args.seeds}, out = {args.out_dir}")
    start = time.time()
    record = dict(args=vars(args))
    dims = ints(args.dims)
    timing_dims = sorted(set(dims + ([784] if "fmnist" in parts else [])))
    if "gauss" in parts or "fmnist" in parts:
        print("timing the estimators ...", flush=True)
        timing = timing_study(args, timing_dims)
        record["timing"] = timing
    problems, groups = {}, {}
    if "gauss" in parts:
        for d in dims:
            pair = gaussian_pair(d, seed=d)
            reference, stderr = gaussian_reference(pair, args.gauss_ref_dirs, seed=10 ** 6)
            name = f"Gaussians, d = {d}"
            groups[name] = "gaussians"
            problems[name] = dict(
                d=d, reference=reference, reference_stderr=stderr,
                per_direction=lambda t, pair=pair: gaussian_w2_per_direction(pair, t),
                cv=lambda t, k, pair=pair: gaussian_control_variate(pair, t, k),
                gaussian=gaussian_approximation_population(pair))
    if "fmnist" in parts:
        batches = fashion_mnist_batches(args.n, seed=0)
        x, y = batches["real vs real"]
        checked = check_against_library(x, y, draw_directions(784, 64, 99)["mc"])
        print(f"NumPy mirrors vs otzoo functions: max relative difference {checked:.1e}")
        for pair_name, (a, b) in batches.items():
            reference, stderr = empirical_reference(a, b, args.fmnist_ref_dirs, seed=5)
            gaussian = float(otlib.gaussian_approximation_sliced_wasserstein(
                tf.constant(a), tf.constant(b), return_power=True))
            name = f"Fashion-MNIST {pair_name}, n = {args.n}"
            groups[name] = "fashion_mnist"
            problems[name] = dict(
                d=784, reference=reference, reference_stderr=stderr,
                per_direction=lambda t, a=a, b=b: empirical_w2_per_direction(a, b, t),
                cv=lambda t, k, a=a, b=b: empirical_control_variate(a, b, t, k),
                gaussian=gaussian)
    if problems:
        print("error curves (a) and (b) ...", flush=True)
        errors = error_study(args, problems)
        titles = {"gaussians": ("estimators_gaussian.png",
                                "SW estimators on pairs of Gaussians (exact per-direction "
                                f"W$_2^2$, {args.seeds} seeds)"),
                  "fashion_mnist": ("estimators_fmnist.png",
                                    f"SW estimators on Fashion-MNIST batches "
                                    f"({args.seeds} seeds)")}
        for group, (filename, title) in titles.items():
            part = {k: v for k, v in errors.items() if groups[k] == group}
            if not part:
                continue
            needed = needed_table(part, timing)
            record[group] = dict(errors=part, needed=needed)
            print_error_tables(part, needed)
            plot_errors(part, timing, os.path.join(args.out_dir, filename), title)
    if "separation" in parts:
        print("(3) separation at equal time ...", flush=True)
        separation = separation_study(args)
        record["separation"] = separation
        print_separation(separation)
        plot_separation(separation,
                        os.path.join(args.out_dir, "estimators_separation.png"))
    record["wall_seconds"] = time.time() - start
    record["load_average_end"] = os.getloadavg()
    with open(os.path.join(args.out_dir, "estimators.json"), "w") as f:
        json.dump(record, f, indent=1, default=str)
    print(f"\ndone in {record['wall_seconds']:.0f} s; load average "
          f"{record['load_average_end']}; wrote {args.out_dir}")


if __name__ == "__main__":
    main()
