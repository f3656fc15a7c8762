"""Sliced-Wasserstein speed: otzoo (TF, XLA and plain tf.function) vs POT vs NumPy.

    .venv/bin/python benchmarks/ot_bench.py --quick    # tiny shapes, seconds
    .venv/bin/python benchmarks/ot_bench.py            # n {256,1024} x d {64,784} x L {50,1000}
    .venv/bin/python benchmarks/ot_bench.py --sorts=int_keys,float  # also tf.sort on floats
    .venv/bin/python benchmarks/ot_bench.py --sorts=int_keys,int_keys_topk  # before/after
    .venv/bin/python benchmarks/ot_bench.py --sorts=int_keys,numpy --modes=graph  # np.sort
    bazel run //benchmarks:ot_bench -- --quick

For every (n, d, L), on identical float32 inputs (x, y of n points in d dims, one fixed
[d, L] matrix of unit directions, p = 2), it times:

* `pot`: POT's NumPy backend, `ot.sliced_wasserstein_distance(x, y, projections=P)`.
  POT's NumPy backend has no gradient, so the value+gradient ratio is taken against
  this value-only time (a lower bound of what POT would need).
* `floor`: a NumPy floor, one BLAS matmul per cloud (P^T x^T, rows contiguous) plus
  `np.sort` along rows and the mean of squared differences: what any SW
  implementation has to do, with NumPy's fast sort.
* `otzoo value` / `otzoo value+grad`: `otzoo.ot.sliced_wasserstein(x, y,
  projections=P)` inside `tf.function(jit_compile=True)` ("xla") and plain
  `tf.function` ("graph"); value+grad is the value and its gradient w.r.t. x (what a
  generator step needs) from one GradientTape inside the compiled function.
  `--sorts` sets `otzoo/ot/_sorting.py` implementations side by side: `int_keys_topk`
  is the sort as it was before XLA chunks were used outside XLA (TopKV2 there);
  `numpy` sorts the same integer keys with `np.sort` outside XLA (under XLA it is
  `int_keys`, so pair it with `--modes=graph`).
* `torch value+grad`: SW as the PyTorch peers compute it on the CPU (projection
  matmul, `torch.sort` along the samples, mean of squared differences, root, autograd
  for the gradient w.r.t. x), with PyTorch's default threads; skipped with one line
  when `torch` does not import (a benchmark-only dependency, not in requirements.lock).

Timings are wall-clock medians (or minima, `--stat=min`) over `--repeats` calls after
`--warmup` calls (so XLA compilation and tracing are excluded). Methods are interleaved
round-robin inside each repeat, so a burst of load from other processes hits them alike.
Results are printed as a markdown table, ratios included; values are cross-checked
(relative differences printed in the last column).
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import ot  # noqa: E402
import tensorflow as tf  # noqa: E402

from otzoo.ot import random_directions, sliced_wasserstein  # noqa: E402
from otzoo.ot import _sorting  # noqa: E402

try:
    import torch  # noqa: E402  (optional: only for the PyTorch column)
except ImportError:
    torch = None


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny shapes and few repeats (a smoke run)")
    parser.add_argument("--n", default="256,1024", help="points per cloud (comma list)")
    parser.add_argument("--d", default="64,784", help="dimensions (comma list)")
    parser.add_argument("--L", default="50,1000", help="projections (comma list)")
    parser.add_argument("--repeats", type=int, default=9, help="timed calls per method")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first")
    parser.add_argument("--modes", default="xla,graph",
                        help="otzoo compilation modes: xla (jit_compile=True), graph")
    parser.add_argument("--sorts", default="int_keys",
                        help="otzoo sort implementations (comma list): "
                        + ", ".join(_sorting.IMPLEMENTATIONS))
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the parts (projection matmuls; + sorts)")
    parser.add_argument("--stat", default="median", choices=["median", "min"],
                        help="statistic of the repeated timings")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.d, args.L = "128", "16", "20"
        args.repeats, args.warmup = 3, 1
    return args


def ints(text):
    return [int(t) for t in text.split(",") if t]


def numpy_floor(x, y, projections):
    xs = np.sort(projections.T @ x.T, axis=1)
    ys = np.sort(projections.T @ y.T, axis=1)
    return np.sqrt(np.mean(np.square(xs - ys)))


def torch_value_and_grad(x, y, projections):
    """SW_2 and its gradient w.r.t. x as PyTorch code computes it (sort-based)."""
    x = x.detach().requires_grad_(True)
    x_sorted = torch.sort(x @ projections, dim=0).values  # [n, L], samples sorted
    y_sorted = torch.sort(y @ projections, dim=0).values
    value = torch.sqrt(torch.mean(torch.square(x_sorted - y_sorted)))
    value.backward()
    return value.detach().numpy(), x.grad.numpy()


def otzoo_functions(projections, modes, sorts, x, y, breakdown=False):
    """name -> compiled callable(x, y), traced (and compiled) on x, y."""
    functions = {}
    p_tensor = tf.constant(projections)
    for sort in sorts:
        for mode in modes:
            with _sorting.implementation(sort):
                value_fn = tf.function(
                    lambda x, y: sliced_wasserstein(x, y, projections=p_tensor),
                    jit_compile=(mode == "xla"))

                def value_and_grad(x, y):
                    with tf.GradientTape() as tape:
                        tape.watch(x)
                        value = sliced_wasserstein(x, y, projections=p_tensor)
                    return value, tape.gradient(value, x)

                grad_fn = tf.function(value_and_grad, jit_compile=(mode == "xla"))
                if breakdown:
                    def project(x, y):
                        return (tf.matmul(p_tensor, x, transpose_a=True, transpose_b=True),
                                tf.matmul(p_tensor, y, transpose_a=True, transpose_b=True))

                    project_fn = tf.function(
                        lambda x, y: [tf.reduce_sum(t[:, 0]) for t in project(x, y)],
                        jit_compile=(mode == "xla"))
                    sort_fn = tf.function(
                        lambda x, y: [tf.reduce_sum(_sorting.sort(t)[:, 0])
                                      for t in project(x, y)],
                        jit_compile=(mode == "xla"))
                    project_fn(x, y)
                    sort_fn(x, y)
                # Trace now: the sort implementation is read at trace time.
                value_fn(x, y)
                grad_fn(x, y)
                suffix = suffix_of(mode, sort)
                if breakdown:
                    functions[f"matmuls[{suffix}]"] = project_fn
                    functions[f"matmuls+sorts[{suffix}]"] = sort_fn
                functions[f"value[{suffix}]"] = value_fn
                functions[f"value+grad[{suffix}]"] = grad_fn
    return functions


def time_round_robin(callables, repeats, warmup, stat):
    """name -> median (or min) seconds; every repeat calls each method once, in turn."""
    for _ in range(warmup):
        for fn in callables.values():
            fn()
    samples = {name: [] for name in callables}
    for _ in range(repeats):
        for name, fn in callables.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    reduce = statistics.median if stat == "median" else min
    return {name: reduce(values) for name, values in samples.items()}


def as_numpy(result):
    if isinstance(result, (tuple, list)):
        values = [t.numpy() for t in result]
        return values[0]
    return result.numpy()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if torch is None:
        print("torch does not import: the PyTorch column is skipped.")
    modes = [m for m in args.modes.split(",") if m]
    sorts = [s for s in args.sorts.split(",") if s]
    rng = np.random.default_rng(args.seed)
    rows = []
    load_before = os.getloadavg()
    for n in ints(args.n):
        for d in ints(args.d):
            for num_projections in ints(args.L):
                x = rng.normal(size=(n, d)).astype(np.float32)
                y = (0.5 + rng.normal(size=(n, d))).astype(np.float32)
                projections = random_directions(d, num_projections, seed=args.seed,
                                                dtype="float32").numpy()
                tx, ty = tf.constant(x), tf.constant(y)
                functions = otzoo_functions(projections, modes, sorts, tx, ty,
                                            args.breakdown)
                callables = {
                    "pot": lambda: ot.sliced_wasserstein_distance(
                        x, y, projections=projections),
                    "floor": lambda: numpy_floor(x, y, projections),
                }
                if torch is not None:
                    px, py, pp = (torch.from_numpy(t) for t in (x, y, projections))
                    callables["torch value+grad"] = (
                        lambda px=px, py=py, pp=pp: torch_value_and_grad(px, py, pp)[0])
                for name, fn in functions.items():
                    callables[name] = (lambda fn=fn: as_numpy(fn(tx, ty)))
                values = {name: float(fn()) for name, fn in callables.items()
                          if not name.startswith("matmuls")}
                timings = time_round_robin(callables, args.repeats, args.warmup,
                                           args.stat)
                rows.append((n, d, num_projections, timings, values))
                print(f"done n={n} d={d} L={num_projections}", file=sys.stderr,
                      flush=True)
    print(f"{args.stat} of {args.repeats} timed calls after {args.warmup} warm-up calls; "
          f"float32, p=2; {os.cpu_count()} CPUs; 1-min load average "
          f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after.\n")
    print_table(rows, modes, sorts)


def suffix_of(mode, sort):
    return f"{mode}" + ("" if sort == "int_keys" else f",{sort}")


def print_table(rows, modes, sorts):
    otzoo_names = []
    kinds = ("value", "value+grad")
    if any(name.startswith("matmuls") for name in rows[0][3]):
        kinds = ("matmuls", "matmuls+sorts") + kinds
    for sort in sorts:
        for kind in kinds:
            for mode in modes:
                otzoo_names.append(f"{kind}[{suffix_of(mode, sort)}]")
    has_torch = "torch value+grad" in rows[0][3]
    # One set of ratios per sort implementation (best over the modes), so that a
    # before/after run (--sorts=int_keys,int_keys_topk) reads directly.
    ratio_names = ["POT / best value+grad", "best value+grad / floor"]
    if has_torch:
        ratio_names.append("torch / best value+grad")
    tags = [""] if len(sorts) == 1 else [f" [{sort}]" for sort in sorts]
    header = (["n", "d", "L", "POT numpy", "NumPy floor"]
              + (["torch value+grad"] if has_torch else [])
              + [f"otzoo {name}" for name in otzoo_names]
              + [name + tag for tag in tags for name in ratio_names] + ["max rel. diff"])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n, d, num_projections, timings, values in rows:
        reference = values["pot"]
        max_diff = max(abs(v - reference) / abs(reference) for v in values.values())
        cells = [str(n), str(d), str(num_projections),
                 f"{timings['pot'] * 1e3:.1f} ms", f"{timings['floor'] * 1e3:.1f} ms"]
        if has_torch:
            cells.append(f"{timings['torch value+grad'] * 1e3:.1f} ms")
        cells += [f"{timings[name] * 1e3:.1f} ms" for name in otzoo_names]
        for sort in sorts:
            best_grad = min(timings[f"value+grad[{suffix_of(mode, sort)}]"]
                            for mode in modes)
            cells += [f"{timings['pot'] / best_grad:.1f}x",
                      f"{best_grad / timings['floor']:.2f}x"]
            if has_torch:
                cells.append(f"{timings['torch value+grad'] / best_grad:.1f}x")
        cells.append(f"{max_diff:.1e}")
        print("| " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main()
