"""MMD² and Sinkhorn speed: otzoo (TF, XLA and plain tf.function) vs NumPy and POT.

    .venv/bin/python benchmarks/mmd_bench.py --quick     # tiny shapes, seconds
    .venv/bin/python benchmarks/mmd_bench.py             # full run (see below)
    bazel run //benchmarks:mmd_bench -- --quick

MMD (float32, identical inputs: two clouds of n points in d dims, IMQ kernel summed over
the 7 WAE scales, unbiased U-statistic):

* `numpy`: a vectorised NumPy implementation: squared distances by one BLAS matmul
  (||x||² + ||y||² - 2 x yᵀ, clipped at 0), the kernel accumulated scale by scale with
  in-place ufuncs (no temporaries), diagonals zeroed, three sums. Not a strawman: it
  does what the otzoo function does, with NumPy's threaded BLAS.
* `otzoo xla` / `otzoo graph`: `otzoo.ot.mmd` in `tf.function(jit_compile=True)` and in
  plain `tf.function`; `otzoo xla value+grad`: value and gradient w.r.t. x.

Sinkhorn (float32, cost ||x - y||², eps = `--eps_rel` x the mean cost, a fixed number of
iterations for everyone (no early stop), so the work is identical):

* `pot sinkhorn`: `ot.sinkhorn2(a, b, M, eps, numItermax=N, stopThr=0)` (scaling-form
  Sinkhorn: matrix-vector products with exp(-M/eps); fast, but it underflows for small
  eps, which is why otzoo works in the log domain).
* `pot sinkhorn_log`: the same with `method="sinkhorn_log"` (log domain, like otzoo).
* `otzoo xla`: `otzoo.ot.sinkhorn(x, y, eps, num_iters=N, tol=None)` under XLA, cost matrix
  included (POT's times exclude `ot.dist`).

Timings are wall-clock medians over `--repeats` calls after `--warmup` calls (XLA
compilation and tracing excluded). Methods are interleaved round-robin inside each
repeat, so bursts of load from other processes hit them alike. The machine's load
average is printed: on a shared CPU the absolute numbers move, the ratios less so.
Values are cross-checked (relative differences in the last column).
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

from otzoo.ot import mmd, sinkhorn  # noqa: E402
from otzoo.ot.mmd import WAE_SCALES  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny shapes and few repeats (a smoke run)")
    parser.add_argument("--mmd_n", type=int, default=1024, help="MMD: points per cloud")
    parser.add_argument("--mmd_d", type=int, default=64, help="MMD: dimension")
    parser.add_argument("--sinkhorn_n", default="256,1024",
                        help="Sinkhorn: points per cloud (comma list)")
    parser.add_argument("--sinkhorn_d", type=int, default=64, help="Sinkhorn: dimension")
    parser.add_argument("--iters", type=int, default=100, help="Sinkhorn iterations")
    parser.add_argument("--eps_rel", type=float, default=0.05,
                        help="Sinkhorn eps as a fraction of the mean cost")
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per method")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls first")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.mmd_n, args.mmd_d, args.sinkhorn_n = 128, 16, "128"
        args.iters, args.repeats, args.warmup = 20, 3, 1
    return args


def numpy_mmd(x, y, scales=WAE_SCALES, sigma2=1.0):
    """Vectorised NumPy MMD²_u with the multi-scale IMQ kernel (see the docstring)."""
    n, m, dim = x.shape[0], y.shape[0], x.shape[1]
    constants = [np.asarray(2.0 * dim * sigma2 * s, x.dtype) for s in scales]

    def kernel_sum(u, v):
        sq = u @ v.T
        sq *= -2.0
        sq += np.einsum("ij,ij->i", u, u)[:, None]
        sq += np.einsum("ij,ij->i", v, v)[None, :]
        np.maximum(sq, 0.0, out=sq)
        total = np.zeros_like(sq)
        tmp = np.empty_like(sq)
        for c in constants:
            np.add(sq, c, out=tmp)
            np.divide(c, tmp, out=tmp)
            total += tmp
        return total

    k_xx, k_yy = kernel_sum(x, x), kernel_sum(y, y)
    np.fill_diagonal(k_xx, 0.0)
    np.fill_diagonal(k_yy, 0.0)
    return (k_xx.sum() / (n * (n - 1)) + k_yy.sum() / (m * (m - 1))
            - 2.0 * kernel_sum(x, y).sum() / (n * m))


def time_round_robin(functions, repeats, warmup):
    """name -> median seconds; the calls are interleaved across methods."""
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def value_and_grad_fn(fn):
    def run(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = fn(x, y)
        return value, tape.gradient(value, x)
    return run


def bench_mmd(args, rng):
    n, dim = args.mmd_n, args.mmd_d
    x = rng.normal(size=(n, dim)).astype(np.float32)
    y = (rng.normal(size=(n, dim)) * 1.1 + 0.05).astype(np.float32)
    xt, yt = tf.constant(x), tf.constant(y)
    reference = numpy_mmd(x.astype(np.float64), y.astype(np.float64))
    xla = tf.function(mmd, jit_compile=True)
    graph = tf.function(mmd)
    xla_grad = tf.function(value_and_grad_fn(mmd), jit_compile=True)
    functions = {
        "numpy": lambda: numpy_mmd(x, y),
        "otzoo xla": lambda: xla(xt, yt).numpy(),
        "otzoo graph": lambda: graph(xt, yt).numpy(),
        "otzoo xla value+grad": lambda: [t.numpy() for t in xla_grad(xt, yt)],
    }
    values = {"numpy": numpy_mmd(x, y), "otzoo xla": xla(xt, yt).numpy(),
              "otzoo graph": graph(xt, yt).numpy(),
              "otzoo xla value+grad": xla_grad(xt, yt)[0].numpy()}
    times = time_round_robin(functions, args.repeats, args.warmup)
    print(f"\n### MMD² (IMQ, {len(WAE_SCALES)} scales, unbiased), n = m = {n}, "
          f"d = {dim}, float32\n")
    print("| method | median ms | numpy / method | rel. error vs float64 |")
    print("|---|---|---|---|")
    for name, seconds in times.items():
        error = abs(float(values[name]) - reference) / abs(reference)
        print(f"| {name} | {1e3 * seconds:.2f} | {times['numpy'] / seconds:.2f}x | "
              f"{error:.1e} |")
    ratio = times["numpy"] / times["otzoo xla"]
    print(f"\nMMD: otzoo XLA is {ratio:.1f}x faster than NumPy (target >= 3x).")
    return ratio


def bench_sinkhorn(args, rng):
    print(f"\n### Sinkhorn, {args.iters} iterations (no early stop), cost ||x - y||², "
          f"eps = {args.eps_rel} x mean cost, d = {args.sinkhorn_d}, float32\n")
    print("| n = m | method | median ms | pot sinkhorn_log / method | rel. diff vs "
          "pot sinkhorn_log |")
    print("|---|---|---|---|---|")
    for n in [int(t) for t in args.sinkhorn_n.split(",") if t]:
        x = rng.normal(size=(n, args.sinkhorn_d)).astype(np.float32)
        y = (rng.normal(size=(n, args.sinkhorn_d)) + 0.5).astype(np.float32)
        cost = ot.dist(x, y)
        eps = float(args.eps_rel * cost.mean())
        a = np.full(n, 1.0 / n, np.float32)
        xt, yt = tf.constant(x), tf.constant(y)
        iters = args.iters
        xla = tf.function(lambda u, v: sinkhorn(u, v, epsilon=eps, num_iters=iters, tol=None),
                          jit_compile=True)
        functions = {
            "pot sinkhorn": lambda: ot.sinkhorn2(a, a, cost, eps, numItermax=iters,
                                                 stopThr=0.0),
            "pot sinkhorn_log": lambda: ot.sinkhorn2(a, a, cost, eps,
                                                     method="sinkhorn_log",
                                                     numItermax=iters, stopThr=0.0),
            "otzoo xla": lambda: xla(xt, yt).numpy(),
        }
        values = {name: float(fn()) for name, fn in functions.items()}
        times = time_round_robin(functions, max(3, args.repeats // 3), args.warmup)
        base = times["pot sinkhorn_log"]
        for name, seconds in times.items():
            diff = abs(values[name] - values["pot sinkhorn_log"]) / abs(
                    values["pot sinkhorn_log"])
            print(f"| {n} | {name} | {1e3 * seconds:.1f} | {base / seconds:.2f}x | "
                  f"{diff:.1e} |")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    rng = np.random.default_rng(args.seed)
    print(f"TF {tf.__version__}, POT {ot.__version__}, {os.cpu_count()} CPUs, load "
          f"average {', '.join(f'{v:.1f}' for v in os.getloadavg())} (shared machine)")
    bench_mmd(args, rng)
    bench_sinkhorn(args, rng)


if __name__ == "__main__":
    main()
