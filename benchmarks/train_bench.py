"""The train command against a bare `model.fit` on the same config: what the CLI costs.

    .venv/bin/python benchmarks/train_bench.py                        # swgan, 250 steps
    .venv/bin/python benchmarks/train_bench.py --model=wgan_gp --steps=100 --pairs=3
    .venv/bin/python benchmarks/train_bench.py --quick                # smoke run, seconds
    bazel run //benchmarks:train_bench -- --quick

Interleaved (A B A B ...), each run in a fresh process with a fresh workdir:

* **cli**: `python -m otzoo.train --model=M --steps=N --workdir=W --export_dir=E`, as a
  user types it: checkpoints every `steps_per_epoch`, the NaN guard, TensorBoard, sample
  grids, and the export after training;
* **bare**: the same model built the same way (`trainer.build_compiled_model`), on the
  same input pipeline (`trainer._input_pipeline`), trained by
  `model.fit(dataset, epochs=N // steps_per_epoch, steps_per_epoch=...)` with no
  callbacks and `verbose=0`, with Keras' default of one step per `train_function` call
  (the CLI runs `trainer.STEPS_PER_EXECUTION` steps per call).

`fit s/step` is the time of the `fit` call divided by N (the CLI's is its
`train_summary.json` `wall_time_s`, measured around the same call): tracing is in both,
so raise N to amortise it. `process s` is the wall time of the whole process (start-up,
data loading, and for the CLI the export too). The medians over `--pairs` pairs and
their ratio cli / bare are printed.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTUP_SECONDS = 20  # rough process start-up, build and trace, for the estimate


def bare_fit(model_name, variant, steps, out):
    """The child process of a `bare` run: writes {"fit_s": ...} to `out`."""
    sys.path.insert(0, ROOT)
    import importlib

    import keras

    from otzoo.training import strategies, trainer

    config = importlib.import_module(f"zoo_configs.{model_name}").get_config(variant)
    keras.utils.set_random_seed(config.seed)
    strategy = strategies.make_strategy("auto")
    model = trainer.build_compiled_model(config, strategy, tuple(config.data.shape))
    per_epoch = trainer._steps_per_epoch(config, steps)
    dataset = trainer._input_pipeline(config, strategy, model, 0)
    start = time.time()
    model.fit(dataset, epochs=steps // per_epoch, steps_per_epoch=per_epoch, verbose=0)
    with open(out, "w") as f:
        json.dump({"fit_s": time.time() - start}, f)


def run(kind, args, scratch):
    """One run of `kind` ("cli" or "bare") in a fresh process: (fit s, process s)."""
    workdir = tempfile.mkdtemp(prefix=f"{kind}_", dir=scratch)
    # The child sees what this process sees (a checkout, or Bazel's runfiles).
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join([ROOT] + sys.path))
    variant = ["--variant=smoke"] if args.quick else []
    if kind == "cli":
        command = [sys.executable, "-m", "otzoo.train", f"--model={args.model}",
                   f"--steps={args.steps}", f"--workdir={workdir}",
                   f"--export_dir={os.path.join(workdir, 'exported')}", "--verbose=2",
                   *variant]
    else:
        command = [sys.executable, os.path.abspath(__file__), "--child_bare",
                   f"--model={args.model}", f"--steps={args.steps}",
                   f"--out={os.path.join(workdir, 'bare.json')}",
                   *(["--quick"] if args.quick else [])]
    start = time.time()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    process_s = time.time() - start
    if proc.returncode:
        sys.exit(f"{kind} run failed ({' '.join(command)}):\n{proc.stderr[-3000:]}")
    summary = "train_summary.json" if kind == "cli" else "bare.json"
    with open(os.path.join(workdir, summary)) as f:
        fit_s = json.load(f)["wall_time_s" if kind == "cli" else "fit_s"]
    shutil.rmtree(workdir, ignore_errors=True)
    return fit_s, process_s


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="swgan", help="a zoo entry (zoo_configs)")
    parser.add_argument("--steps", type=int, default=250,
                        help="training steps per run (a multiple of steps_per_epoch)")
    parser.add_argument("--pairs", type=int, default=2, help="A B pairs")
    parser.add_argument("--seconds_per_step", type=float, default=0.25,
                        help="a guess of the step time, for the time estimate only")
    parser.add_argument("--quick", action="store_true", help="smoke config, 4 steps")
    parser.add_argument("--child_bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.pairs = 4, 1
    sys.path.insert(0, ROOT)
    import zoo_configs
    if args.model not in zoo_configs.available():
        parser.error(f"unknown model {args.model!r}; known: "
                     f"{', '.join(zoo_configs.available())}")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.child_bare:
        return bare_fit(args.model, "smoke" if args.quick else None, args.steps, args.out)
    estimate = 2 * args.pairs * (STARTUP_SECONDS + args.steps * args.seconds_per_step)
    print(f"# {args.model}, {args.steps} steps, {args.pairs} pairs (cli, bare): estimated "
          f"{estimate / 60:.1f} min at {args.seconds_per_step} s/step; load average "
          f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs", flush=True)
    results = {"cli": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="train_bench_") as scratch:
        for i in range(args.pairs):
            for kind in ("cli", "bare"):
                results[kind].append(run(kind, args, scratch))
                fit_s, process_s = results[kind][-1]
                print(f"  pair {i + 1} {kind}: fit {fit_s:.1f} s, process {process_s:.1f} s "
                      f"(load average {os.getloadavg()[0]:.2f})", flush=True)
    fit = {k: statistics.median(r[0] for r in v) / args.steps for k, v in results.items()}
    process = {k: statistics.median(r[1] for r in v) for k, v in results.items()}
    print()
    print("| model | steps | cli fit s/step | bare fit s/step | cli / bare | cli process s "
          "| bare process s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.model} | {args.steps} | {fit['cli']:.4f} | {fit['bare']:.4f} | "
          f"{fit['cli'] / fit['bare']:.2f}x | {process['cli']:.1f} | {process['bare']:.1f} |")
    return fit, process


if __name__ == "__main__":
    main()
