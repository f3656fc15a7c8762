"""Scaling figures: SW against n, L, d; MMD and Sinkhorn against n; input pipeline vs step.

    .venv/bin/python benchmarks/scaling.py --quick        # tiny grid, seconds (smoke run)
    .venv/bin/python benchmarks/scaling.py                # full grid, < ~10 min, idle machine
    .venv/bin/python benchmarks/scaling.py --figures=sw   # one figure: sw, mmd_sinkhorn, pipeline
    .venv/bin/python benchmarks/scaling.py --estimate_only   # how long the full run takes
    bazel run //benchmarks:scaling -- --quick

Writes to `--out_dir` (default benchmarks/figures/) one PNG per figure and, next to it,
the raw numbers (`<figure>.json`: every timed call, medians, fits, load average, grid;
`<figure>.csv`: one row per measured point).

1. `sw_scaling.png`: `otzoo.ot.sliced_wasserstein(x, y, projections=P,
   return_power=True)` value + gradient w.r.t. x (one tape inside the compiled function,
   as a generator step needs), in `tf.function(jit_compile=True)` (xla) and plain
   `tf.function` (graph), float32, p = 2, a fixed [d, L] matrix of unit directions.
   Three log-log panels vary n (points per cloud), L (projections) and d (dimension)
   around the base point n = 1024, L = 1000, d = 784. Theory: one [L, d] x [d, n] matmul
   per cloud, O(L n d), plus L sorts of n values, O(L n log n): time ~ n log n in n (the
   sort dominates), linear in L, linear in d once the matmul dominates (large d). A
   power law is fitted by least squares on log-log axes over the upper part of each
   range (small problems measure dispatch overhead); the claim "holds" when the slope is
   within 0.2 of the theory curve's own slope over the same points and R^2 >= 0.95.
2. `mmd_sinkhorn_scaling.png`: value + gradient w.r.t. x under XLA, d = 64,
   x ~ N(0, I/d), y ~ N(1/d, I/d) (mean cost ||x - y||^2 ~= 2), n = m doubling:
   `mmd(x, y)` (defaults: IMQ summed over the 7 WAE scales, unbiased),
   `sinkhorn(x, y, epsilon, num_iters=T, tol=None)` (value="transport", the gradient
   runs back through all T iterations) and `sinkhorn_divergence(...)` (three entropic
   problems, envelope-theorem gradient), at a fixed epsilon (`--epsilon`, default 0.1 =
   5% of the mean cost) and a fixed T (`--sinkhorn_iters`, default 100; tol=None so
   every n does the same number of iterations: time per call is linear in T). The grid
   stops at the n where a call takes more than `--max_call_s` (measured once), where
   the next point is predicted to take more than 1.5x that (the crossing is then
   extrapolated from the last two points), or where the process's peak memory,
   extrapolated as c n^2 from the largest point run (c = peak RSS growth / n^2), would
   exceed `--max_gb`. Those n are printed and annotated.
3. `pipeline.png`: images/s against the global batch size of (a) the input pipeline as
   the trainer builds it (`otzoo.data.load` of the config's data +
   `make_input_pipeline` on the one-device strategy), steady state after one epoch
   filled the cache, batches pulled to the host; (b) the train step of the fastest
   default zoo config, built as the trainer builds it (`build_compiled_model`) and run by
   Keras' own `train_function` on one in-memory batch of real images; (c) both together,
   the train function pulling from the real pipeline, as `fit` does. The fastest config
   is chosen by images/s at batch 64 among all `zoo_configs` (the table is printed).
   The pipeline is the bottleneck at a batch size where (a) < (b).

Method: warm-up calls excluded (XLA compilation and tracing happen there); medians of
`--repeats` timed calls (fewer for calls longer than ~`--point_budget_s`, at least 3
unless a call exceeds `--max_call_s`); in figure 1 xla and graph are interleaved round
robin. The 1-minute load average is printed and stored: on a shared CPU the absolute
numbers move, the ratios and slopes less so. Before the runs, a calibrated runtime
estimate of the full grid is printed.
"""

import argparse
import csv
import importlib
import json
import math
import os
import re
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Run as a script from a checkout: make the repository root importable.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks import scaling_fit  # noqa: E402
from otzoo.ot import mmd, sinkhorn, sinkhorn_divergence, sliced_wasserstein  # noqa: E402

FIGURES = ("sw", "mmd_sinkhorn", "pipeline")
BASE = {"n": 1024, "L": 1000, "d": 784}
# Grids: full, quick. The fit uses the points >= FIT_FROM (overhead-free part).
SW_GRID = {
    "n": ([256, 512, 1024, 2048, 4096, 8192], [64, 128, 256]),
    "L": ([100, 300, 1000, 3000, 10000], [10, 30, 100]),
    "d": ([16, 64, 196, 784, 1568, 3136, 6272], [8, 32, 128]),
}
SW_FIT_FROM = {"n": 512, "L": 300, "d": 1568}
SW_THEORY = {"n": "n log n", "L": "linear", "d": "linear"}
QUICK_BASE = {"n": 128, "L": 30, "d": 32}
AXIS_LABEL = {"n": "n, points per cloud", "L": "L, projections", "d": "d, dimension"}
MMD_SINKHORN_N = ([128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536],
                  [32, 64, 128])
PIPELINE_BATCHES = ([64, 128, 256, 512], [8, 16])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny grid, seconds")
    parser.add_argument("--figures", default=",".join(FIGURES),
                        help=f"comma list of {', '.join(FIGURES)}")
    parser.add_argument("--out_dir", default=os.path.join(REPO, "benchmarks", "figures"))
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per point")
    parser.add_argument("--point_budget_s", type=float, default=8.0,
                        help="fewer repeats (>= 3) when they would take longer")
    parser.add_argument("--max_call_s", type=float, default=10.0,
                        help="figure 2: a call slower than this is unusable; stop")
    parser.add_argument("--max_gb", type=float, default=8.0,
                        help="figure 2: stop before the predicted peak memory exceeds it")
    parser.add_argument("--epsilon", type=float, default=0.1, help="Sinkhorn epsilon")
    parser.add_argument("--sinkhorn_iters", type=int, default=100)
    parser.add_argument("--mmd_sinkhorn_d", type=int, default=64)
    # Internal: figure 2 runs each function in a child process (below).
    parser.add_argument("--only_function", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result_json", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--estimate_only", action="store_true",
                        help="print the calibrated runtime estimate of the full run, exit")
    parser.add_argument("--configs", default=None,
                        help="figure 3: zoo configs to screen (default: all)")
    parser.add_argument("--pipeline_steps", type=int, default=100,
                        help="figure 3: batches per timed pipeline block (full runs: at "
                             "least half an epoch)")
    args = parser.parse_args(argv)
    args.figures = args.figures.split(",")
    unknown = sorted(set(args.figures) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figures {unknown}; known: {', '.join(FIGURES)}")
    if args.quick:
        args.repeats, args.pipeline_steps = 3, 5
    return args


# ---------------------------------------------------------------------------- timing

def load_average():
    return round(os.getloadavg()[0], 2)


def _sync(outputs):
    """Waits for a result: a host copy of the first scalar-ish output."""
    first = tf.nest.flatten(outputs)[0]
    return np.asarray(first)


def time_calls(fns, repeats, budget_s, max_call_s=math.inf):
    """Round-robin timing of {name: thunk}: one untimed warm-up call each, then repeats.

    The repeat count drops (not below 3) when repeats x the warm call would exceed
    `budget_s`; a timed call above `max_call_s` ends the timing (one call recorded).

    Returns:
      {name: [seconds of each timed call]}, and the warm-up seconds {name: s}.
    """
    warm = {}
    for name, fn in fns.items():
        start = time.perf_counter()
        _sync(fn())
        warm[name] = time.perf_counter() - start
    times = {name: [] for name in fns}
    for i in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            _sync(fn())
            times[name].append(time.perf_counter() - start)
        slowest = max(statistics.median(t) for t in times.values())
        if slowest > max_call_s or (i + 1 >= 3 and (i + 1) * slowest > budget_s):
            break
    return times, warm


# ---------------------------------------------------------------------------- memory

def _status_bytes(field):
    with open("/proc/self/status") as f:
        match = re.search(rf"{field}:\s+(\d+) kB", f.read())
    return int(match.group(1)) * 1024 if match else None


def reset_peak_rss():
    """Resets VmHWM (Linux >= 4.0); returns False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------- figure 1

def _value_and_grad(loss):
    """fn(x, y, *rest) -> (loss, d loss / d x), traced without autograph."""
    def value_and_grad(x, y, *rest):
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = loss(x, y, *rest)
        return value, tape.gradient(value, x)
    return value_and_grad


def _sw(x, y, projections):
    return sliced_wasserstein(x, y, projections=projections, return_power=True)


def sw_inputs(n, L, d, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d), dtype=np.float32)
    y = rng.standard_normal((n, d), dtype=np.float32) + 0.5
    directions = rng.standard_normal((d, L)).astype(np.float32)
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    return tf.constant(x), tf.constant(y), tf.constant(directions)


def sw_points(args):
    base = QUICK_BASE if args.quick else BASE
    for axis, grids in SW_GRID.items():
        for value in grids[1 if args.quick else 0]:
            yield axis, dict(base, **{axis: value})


def run_sw(args):
    fns = {"xla": tf.function(_value_and_grad(_sw), jit_compile=True, autograph=False),
           "graph": tf.function(_value_and_grad(_sw), autograph=False)}
    rows = []
    for axis, point in sw_points(args):
        x, y, p = sw_inputs(point["n"], point["L"], point["d"])
        times, warm = time_calls({m: (lambda f=f: f(x, y, p)) for m, f in fns.items()},
                                 args.repeats, args.point_budget_s)
        for mode, t in times.items():
            rows.append(dict(axis=axis, mode=mode, x=point[axis], **point,
                             median_s=statistics.median(t), times_s=t,
                             warmup_s=warm[mode], load=load_average()))
        print(f"  sw {axis}={point[axis]:>6}: " + ", ".join(
            f"{m} {1e3 * statistics.median(t):8.1f} ms" for m, t in times.items()),
            flush=True)
    fits = {}
    for axis in SW_GRID:
        for mode in fns:
            pts = [r for r in rows if r["axis"] == axis and r["mode"] == mode]
            fit_from = 0 if args.quick else SW_FIT_FROM[axis]
            used = [r for r in pts if r["x"] >= fit_from]
            xs, ts = [r["x"] for r in used], [r["median_s"] for r in used]
            slope, c, r2 = scaling_fit.fit_power_law(xs, ts)
            expected = scaling_fit.theory_slope(xs, SW_THEORY[axis])
            fits[f"{axis}/{mode}"] = dict(
                axis=axis, mode=mode, theory=SW_THEORY[axis], fit_from=min(xs),
                fit_to=max(xs), slope=slope, prefactor=c, r2=r2, theory_slope=expected,
                theory_scale=scaling_fit.fit_scale(xs, ts, SW_THEORY[axis]),
                holds=scaling_fit.verdict(slope, r2, expected))
    print("\n| panel | mode | fit range | slope | theory slope | R^2 | claim |")
    print("|---|---|---|---|---|---|---|")
    for f in fits.values():
        print(f"| {f['axis']} ({f['theory']}) | {f['mode']} | {f['fit_from']}-{f['fit_to']} "
              f"| {f['slope']:.2f} | {f['theory_slope']:.2f} | {f['r2']:.3f} | "
              f"{'holds' if f['holds'] else 'does not hold'} |")
    return {"rows": rows, "fits": fits}


def plot_sw(result, path, title_note):
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
    colors = {"xla": "tab:blue", "graph": "tab:orange"}
    for ax, axis in zip(axes, SW_GRID):
        for mode, color in colors.items():
            pts = [r for r in result["rows"] if r["axis"] == axis and r["mode"] == mode]
            f = result["fits"][f"{axis}/{mode}"]
            xs = np.array([r["x"] for r in pts], float)
            ax.plot(xs, [1e3 * r["median_s"] for r in pts], "o-", color=color,
                    label=f"{mode}: slope {f['slope']:.2f}, R$^2$ {f['r2']:.3f}")
            fx = xs[(xs >= f["fit_from"]) & (xs <= f["fit_to"])]
            ax.plot(fx, 1e3 * f["prefactor"] * fx ** f["slope"], "-", color=color,
                    alpha=0.35, linewidth=6)
        f = result["fits"][f"{axis}/xla"]
        fx = np.geomspace(xs.min(), xs.max(), 50)
        theory = scaling_fit.THEORIES[f["theory"]](fx) * f["theory_scale"]
        ax.plot(fx, 1e3 * theory, "k--", linewidth=1,
                label=f"theory ∝ {f['theory'].replace('linear', axis)} "
                      f"(slope {f['theory_slope']:.2f} on fit range)")
        ax.axvspan(f["fit_from"], f["fit_to"], color="0.9", zorder=0)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(AXIS_LABEL[axis])
        ax.set_ylabel("time per value+grad call (ms)")
        others = ", ".join(f"{k}={v}" for k, v in result["base"].items() if k != axis)
        ax.set_title(f"vary {axis} ({others})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Sliced Wasserstein value + gradient, float32, median per call "
                 f"(shaded: fit range; thick lines: least-squares fits) — {title_note}",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- figure 2

def _sinkhorn(x, y, epsilon, num_iters):
    return sinkhorn(x, y, epsilon=epsilon, num_iters=num_iters, tol=None)


def _divergence(x, y, epsilon, num_iters):
    return sinkhorn_divergence(x, y, epsilon=epsilon, num_iters=num_iters, tol=None)


def mmd_sinkhorn_functions(args, build=True):
    eps, iters = args.epsilon, args.sinkhorn_iters
    losses = {
        "mmd (IMQ, 7 scales)": lambda x, y: mmd(x, y),
        f"sinkhorn (transport, {iters} it.)": lambda x, y: _sinkhorn(x, y, eps, iters),
        f"sinkhorn_divergence ({iters} it.)": lambda x, y: _divergence(x, y, eps, iters),
    }
    if not build:
        return list(losses)
    return {name: tf.function(_value_and_grad(loss), jit_compile=True, autograph=False)
            for name, loss in losses.items()}


def mmd_sinkhorn_inputs(n, d, seed=0):
    rng = np.random.default_rng(seed)
    scale = 1.0 / math.sqrt(d)
    x = rng.standard_normal((n, d), dtype=np.float32) * scale
    y = rng.standard_normal((n, d), dtype=np.float32) * scale + scale
    return tf.constant(x), tf.constant(y)


def run_mmd_sinkhorn(args):
    """Each function in its own process: XLA keeps its buffers (RSS stays at the peak),
    so in one process the first function's memory would stop the next ones early."""
    if args.only_function is not None:
        return _run_mmd_sinkhorn_here(args)
    import subprocess
    import tempfile
    merged = {"rows": [], "limits": {}}
    for name in mmd_sinkhorn_functions(args, build=False):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            argv = [sys.executable, os.path.abspath(__file__), "--figures=mmd_sinkhorn",
                    f"--only_function={name}", f"--result_json={out.name}",
                    f"--repeats={args.repeats}", f"--point_budget_s={args.point_budget_s}",
                    f"--max_call_s={args.max_call_s}", f"--max_gb={args.max_gb}",
                    f"--epsilon={args.epsilon}", f"--sinkhorn_iters={args.sinkhorn_iters}",
                    f"--mmd_sinkhorn_d={args.mmd_sinkhorn_d}"] + (["--quick"] if args.quick else [])
            subprocess.run(argv, check=True)
            with open(out.name) as f:
                part = json.load(f)
        merged["rows"] += part["rows"]
        merged["limits"].update(part["limits"])
    return dict(merged, d=args.mmd_sinkhorn_d, epsilon=args.epsilon,
                sinkhorn_iters=args.sinkhorn_iters)


def _run_mmd_sinkhorn_here(args):
    grid = MMD_SINKHORN_N[1 if args.quick else 0]
    d = args.mmd_sinkhorn_d
    rows, limits = [], {}
    can_measure_peak = reset_peak_rss()
    for name, fn in mmd_sinkhorn_functions(args).items():
        if name != args.only_function:
            continue
        base_rss = _status_bytes("VmRSS")
        done = []
        for n in grid:
            if done:
                last = done[-1]
                peak_per_n2 = last["peak_rss_growth_bytes"] / last["n"] ** 2
                predicted_gb = (base_rss + peak_per_n2 * n * n) / 2**30
                if can_measure_peak and predicted_gb > args.max_gb:
                    # The process may already hold more than the cap (XLA keeps its
                    # buffers): then the crossing is at or below the last n measured.
                    headroom = max(args.max_gb * 2**30 - base_rss, 0.0)
                    n_mem = math.sqrt(headroom / peak_per_n2) if peak_per_n2 > 0 else last["n"]
                    limits[name] = dict(kind="memory", n=n, n_crossing=n_mem,
                                        predicted_gb=predicted_gb, measured=False)
                    print(f"  {name}: n={n} would need ~{predicted_gb:.1f} GB peak "
                          f"(> {args.max_gb} GB): stop; memory crosses at n ~ {n_mem:.0f}")
                    break
                slope = 2.0
                if len(done) >= 2:
                    slope = scaling_fit.fit_power_law(
                        [r["n"] for r in done[-2:]], [r["median_s"] for r in done[-2:]])[0]
                predicted_s = last["median_s"] * (n / last["n"]) ** max(slope, 1.0)
                if predicted_s > 1.5 * args.max_call_s:
                    n_time = scaling_fit.crossing(last["n"], last["median_s"],
                                                  max(slope, 1.0), args.max_call_s)
                    limits[name] = dict(kind="time", n=n, n_crossing=n_time,
                                        predicted_s=predicted_s, measured=False)
                    print(f"  {name}: n={n} predicted {predicted_s:.1f} s per call "
                          f"(> {args.max_call_s} s): stop; {args.max_call_s:g} s is "
                          f"crossed at n ~ {n_time:.0f} (extrapolated)")
                    break
            x, y = mmd_sinkhorn_inputs(n, d)
            reset_peak_rss()
            times, warm = time_calls({name: lambda: fn(x, y)}, args.repeats,
                                     args.point_budget_s, args.max_call_s)
            t = times[name]
            peak = _status_bytes("VmHWM")
            row = dict(function=name, n=n, d=d, median_s=statistics.median(t), times_s=t,
                       warmup_s=warm[name], peak_rss_gb=peak / 2**30,
                       peak_rss_growth_bytes=max(peak - base_rss, 1),
                       load=load_average())
            rows.append(row)
            done.append(row)
            print(f"  {name:34s} n={n:6d}: {1e3 * row['median_s']:10.1f} ms  "
                  f"(peak RSS {row['peak_rss_gb']:.2f} GB)", flush=True)
            if row["median_s"] > args.max_call_s:
                limits[name] = dict(kind="time", n=n, n_crossing=n, measured=True,
                                    measured_s=row["median_s"])
                print(f"  {name}: {row['median_s']:.3g} s per call at n={n} "
                      f"(> {args.max_call_s} s): unusable, stop")
                break
        else:
            limits[name] = dict(kind="grid end", n=grid[-1], n_crossing=None,
                                measured=True)
    result = {"rows": rows, "limits": limits, "d": d, "epsilon": args.epsilon,
              "sinkhorn_iters": args.sinkhorn_iters}
    with open(args.result_json, "w") as f:
        json.dump(result, f)
    sys.exit(0)


def plot_mmd_sinkhorn(result, path, title_note, args):
    fig, ax = plt.subplots(figsize=(9.5, 6.2))
    for name, color in zip(result["limits"], ("tab:blue", "tab:orange", "tab:green")):
        pts = [r for r in result["rows"] if r["function"] == name]
        ns = [r["n"] for r in pts]
        ts = [r["median_s"] for r in pts]
        label = name
        if len(pts) >= 3:
            slope, _, r2 = scaling_fit.fit_power_law(ns[-3:], ts[-3:])
            label += f": slope {slope:.2f}, R$^2$ {r2:.3f} (last 3 points)"
        ax.plot(ns, ts, "o-", color=color, label=label)
        limit = result["limits"][name]
        if limit["kind"] in ("time", "memory") and limit["n_crossing"]:
            n_star = limit["n_crossing"]
            what = ("time > %g s" % args.max_call_s if limit["kind"] == "time"
                    else f"memory > {args.max_gb:g} GB")
            how = "measured" if limit["measured"] else "extrapolated"
            if not limit["measured"]:  # dotted continuation to the crossing
                ax.plot([ns[-1], n_star], [ts[-1], ts[-1] * (n_star / ns[-1]) ** 2
                                           if limit["kind"] == "memory"
                                           else args.max_call_s], ":", color=color)
            ax.axvline(n_star, color=color, linestyle="--", alpha=0.6)
            ax.annotate(f"{what}\nat n ≈ {n_star:,.0f} ({how})", (n_star, ts[0]),
                        xytext=(4, 8 + 40 * list(result["limits"]).index(name)),
                        textcoords="offset points", color=color, fontsize=8)
    ax.axhline(args.max_call_s, color="k", linestyle=":", linewidth=1)
    ax.text(0.01, args.max_call_s * 1.1, f"{args.max_call_s:g} s per call", fontsize=8,
            transform=ax.get_yaxis_transform())
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("n = m, points per cloud")
    ax.set_ylabel("time per value+grad call (s)")
    ax.set_title(f"MMD and Sinkhorn value + gradient under XLA, d = {result['d']}, "
                 f"float32, epsilon = {result['epsilon']:g}\n(mean cost ≈ 2; "
                 f"tol=None: {result['sinkhorn_iters']} iterations) — {title_note}",
                 fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    # Upper left, below the 10 s line: the curves rise to the right.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, 0.93))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- figure 3

def _config(name, quick, batch_size=None):
    config = importlib.import_module(f"zoo_configs.{name}").get_config(
        "smoke" if quick else None)
    if batch_size is not None:
        config.batch_size = batch_size
    return config


def _model(config, strategy):
    from otzoo.training.trainer import build_compiled_model
    model = build_compiled_model(config, strategy, tuple(config.data.shape))
    model.make_train_function()
    return model


def _real_batch(config, size):
    import otzoo.data
    dataset = otzoo.data.load(config.data.name, split="train", **config.data.options)
    batch = next(iter(dataset.batch(size).take(1)))
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def _images_per_step(model, config):
    return int(getattr(model, "real_batches_per_step", 1)) * config.batch_size


def _step_outputs(model, iterator):
    outputs = model.train_function(iterator)
    # Keras returns an Optional from the compiled function and unwraps it around it.
    return outputs.get_value() if hasattr(outputs, "get_value") else outputs


def time_train_function(model, iterator, steps, repeats):
    """Median seconds per call of Keras' train function (what fit runs per step)."""
    for _ in range(2):  # trace, then one more step
        _sync(_step_outputs(model, iterator))
    blocks = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            outputs = _step_outputs(model, iterator)
        _sync(outputs)
        blocks.append((time.perf_counter() - start) / steps)
    return statistics.median(blocks), blocks


def in_memory_iterator(strategy, batch):
    dataset = tf.data.Dataset.from_tensors(batch).repeat()
    return iter(strategy.experimental_distribute_dataset(dataset))


def run_pipeline(args):
    from otzoo.training import strategies, trainer
    import otzoo.data
    strategy = strategies.make_strategy("one_device")  # what --strategy=auto picks here
    names = (args.configs.split(",") if args.configs else
             (["gan", "vae"] if args.quick else importlib.import_module(
                 "zoo_configs").available()))
    screen_batch = PIPELINE_BATCHES[1 if args.quick else 0][0]
    step_steps = 3 if args.quick else 10
    screen = {}
    for name in names:
        config = _config(name, args.quick, screen_batch)
        keras.utils.set_random_seed(config.seed)
        model = _model(config, strategy)
        images = _images_per_step(model, config)
        batch = _real_batch(config, images)
        seconds, _ = time_train_function(model, in_memory_iterator(strategy, batch),
                                         step_steps, 3)
        screen[name] = dict(images_per_step=images, step_s=seconds,
                            images_s=images / seconds)
        print(f"  screen {name:10s} batch {screen_batch}: {1e3 * seconds:8.1f} ms/step, "
              f"{images / seconds:8.0f} images/s", flush=True)
    fastest = max(screen, key=lambda k: screen[k]["images_s"])
    print(f"  fastest at batch {screen_batch}: {fastest}")
    rows = []
    for batch_size in PIPELINE_BATCHES[1 if args.quick else 0]:
        config = _config(fastest, args.quick, batch_size)
        keras.utils.set_random_seed(config.seed)
        model = _model(config, strategy)
        images = _images_per_step(model, config)
        # (a) the pipeline alone, after one epoch has filled its cache.
        start = time.perf_counter()
        pipeline = trainer._input_pipeline(config, strategy, model, 0)
        iterator = iter(pipeline)
        dataset = otzoo.data.load(config.data.name, split="train", **config.data.options)
        epoch = otzoo.data.steps_per_epoch(dataset, images)
        for _ in range(5 if args.quick else epoch + 2):
            _sync(next(iterator))
        warm_s = time.perf_counter() - start
        # Blocks of >= half an epoch: a cached pipeline serves 10^5 images/s, so 100
        # small batches take ~0.1 s, too short to time on a shared CPU.
        block = args.pipeline_steps if args.quick else max(args.pipeline_steps, epoch // 2)
        blocks = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(block):
                _sync(next(iterator))
            blocks.append(block * images / (time.perf_counter() - start))
        pipeline_rate = statistics.median(blocks)
        # (b) the train step alone on an in-memory batch of real images.
        step_s, step_blocks = time_train_function(
            model, in_memory_iterator(strategy, _real_batch(config, images)), step_steps,
            3)
        # (c) the train step fed by the real pipeline, as fit() runs it.
        fit_s, fit_blocks = time_train_function(model, iterator, step_steps, 3)
        row = dict(config=fastest, batch_size=batch_size, images_per_step=images,
                   pipeline_images_s=pipeline_rate, pipeline_blocks=blocks,
                   pipeline_warmup_s=warm_s, step_images_s=images / step_s,
                   step_s=step_s, step_blocks_s=step_blocks, fit_images_s=images / fit_s,
                   fit_step_s=fit_s, fit_blocks_s=fit_blocks,
                   pipeline_is_bottleneck=pipeline_rate < images / step_s,
                   load=load_average())
        rows.append(row)
        print(f"  batch {batch_size:4d}: pipeline {pipeline_rate:9.0f} images/s, "
              f"{fastest} step {images / step_s:7.0f} images/s, step fed by the pipeline "
              f"{images / fit_s:7.0f} images/s -> pipeline "
              f"{'IS' if row['pipeline_is_bottleneck'] else 'is not'} the bottleneck "
              f"({pipeline_rate * step_s / images:.0f}x headroom)", flush=True)
    return {"screen": screen, "screen_batch": screen_batch, "fastest": fastest,
            "rows": rows}


def plot_pipeline(result, path, title_note):
    rows = result["rows"]
    fig, ax = plt.subplots(figsize=(9.5, 6))
    positions = np.arange(len(rows))
    width = 0.27
    series = [("pipeline_images_s", "input pipeline alone (otzoo.data, cached)",
               "tab:green"),
              ("step_images_s", f"{result['fastest']} train step alone (in-memory batch)",
               "tab:blue"),
              ("fit_images_s", f"{result['fastest']} train step fed by the pipeline (fit)",
               "tab:purple")]
    for i, (key, label, color) in enumerate(series):
        values = [r[key] for r in rows]
        bars = ax.bar(positions + (i - 1) * width, values, width, label=label, color=color)
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:,.0f}", (bar.get_x() + bar.get_width() / 2, value),
                        ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.set_xticks(positions, [str(r["batch_size"]) for r in rows])
    ax.set_xlabel("global batch size (images per real batch)")
    ax.set_ylabel("throughput (images/s, log scale)")
    bottleneck = [r["batch_size"] for r in rows if r["pipeline_is_bottleneck"]]
    verdict = (f"pipeline is the bottleneck at batch {bottleneck}" if bottleneck else
               "the pipeline is never the bottleneck")
    ax.set_title(f"Input pipeline vs the fastest zoo train step ({result['fastest']}, "
                 f"one CPU device)\n{verdict} — {title_note}", fontsize=10)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- estimate

def estimate_runtime(args):
    """Seconds the chosen figures should take, from one calibration call per kind."""
    if args.quick:
        return None
    estimate = {}
    if "sw" in args.figures:
        x, y, p = sw_inputs(**BASE)
        fn = tf.function(_value_and_grad(_sw), autograph=False)
        _sync(fn(x, y, p))
        start = time.perf_counter()
        _sync(fn(x, y, p))
        t0 = time.perf_counter() - start
        total = 0.0
        for _axis, point in sw_points(args):
            # Linear in n, L and d: an upper bound for d (the sort does not grow with d).
            scale = point["n"] * point["L"] * point["d"] / (BASE["n"] * BASE["L"] * BASE["d"])
            scale = max(scale, point["n"] * point["L"] / (BASE["n"] * BASE["L"]))
            per_call = t0 * scale
            calls = 1 + min(args.repeats, max(3, int(args.point_budget_s / per_call)))
            total += 2 * calls * per_call + 2 * 0.5  # two modes, compile ~0.5 s each
        estimate["sw"] = total
    if "mmd_sinkhorn" in args.figures:
        # Every function stops near max_call_s; the doubling grid before it is a
        # geometric series (quadratic cost: ~1/3 of the last point), plus compiles.
        per_function = 2 * 1.5 * args.max_call_s + 3 * args.point_budget_s + 10
        estimate["mmd_sinkhorn"] = 3 * per_function
    if "pipeline" in args.figures:
        num_configs = len(args.configs.split(",")) if args.configs else len(
            importlib.import_module("zoo_configs").available())
        estimate["pipeline"] = 8 * num_configs + 4 * 25
    for name, seconds in estimate.items():
        print(f"  {name}: ~{seconds / 60:.1f} min")
    total = sum(estimate.values())
    print(f"  total: ~{total / 60:.1f} min (calibrated on this machine now, load "
          f"{load_average()}; the figure-2 and -3 parts are upper bounds)", flush=True)
    return estimate


# ---------------------------------------------------------------------------- main

def _write(result, out_dir, stem, csv_rows):
    with open(os.path.join(out_dir, f"{stem}.json"), "w") as f:
        json.dump(result, f, indent=1, default=float)
    if csv_rows:
        keys = [k for k in csv_rows[0] if not isinstance(csv_rows[0][k], (list, dict))]
        with open(os.path.join(out_dir, f"{stem}.csv"), "w", newline="") as f:
            writer = csv.DictWriter(f, keys, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(csv_rows)


def main(argv=None):
    args = parse_args(argv)
    tf.get_logger().setLevel("ERROR")  # one retracing warning per new shape is expected
    os.makedirs(args.out_dir, exist_ok=True)
    meta = dict(quick=args.quick, tf=tf.__version__, cpus=os.cpu_count(),
                load_at_start=load_average(), argv=sys.argv[1:])
    note = (f"{os.cpu_count()} CPUs, load {meta['load_at_start']:g}"
            + (", QUICK grid (not meaningful)" if args.quick else ""))
    print(f"# scaling.py: {'quick' if args.quick else 'full'} run, figures "
          f"{', '.join(args.figures)}, TF {tf.__version__}, {os.cpu_count()} CPUs, "
          f"1-min load {meta['load_at_start']}", flush=True)
    if not args.quick:
        print("# estimated runtime:")
        meta["estimate_s"] = estimate_runtime(args)
        if args.estimate_only:
            return
    started = time.perf_counter()
    written = []
    if "sw" in args.figures:
        print("# figure 1: sliced Wasserstein against n, L, d", flush=True)
        result = dict(run_sw(args), base=QUICK_BASE if args.quick else BASE, meta=meta)
        plot_sw(result, os.path.join(args.out_dir, "sw_scaling.png"), note)
        _write(result, args.out_dir, "sw_scaling", result["rows"])
        written.append("sw_scaling")
    if "mmd_sinkhorn" in args.figures:
        print(f"# figure 2: MMD and Sinkhorn against n (XLA, epsilon={args.epsilon}, "
              f"{args.sinkhorn_iters} iterations)", flush=True)
        result = dict(run_mmd_sinkhorn(args), meta=meta)
        plot_mmd_sinkhorn(result, os.path.join(args.out_dir, "mmd_sinkhorn_scaling.png"),
                          note, args)
        _write(result, args.out_dir, "mmd_sinkhorn_scaling", result["rows"])
        written.append("mmd_sinkhorn_scaling")
    if "pipeline" in args.figures:
        print("# figure 3: input pipeline against the fastest train step", flush=True)
        result = dict(run_pipeline(args), meta=meta)
        plot_pipeline(result, os.path.join(args.out_dir, "pipeline.png"), note)
        _write(result, args.out_dir, "pipeline", result["rows"])
        written.append("pipeline")
    print(f"# done in {time.perf_counter() - started:.0f} s (load now {load_average()}); "
          f"wrote {', '.join(f'{args.out_dir}/{s}.png/.json/.csv' for s in written)}")


if __name__ == "__main__":
    main()
