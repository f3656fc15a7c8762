r"""Trains a zoo entry and exports it as a SavedModel for TF Serving.

    bazel run //otzoo:train -- --model=swgan
    bazel run //otzoo:train -- --model=wgan_gp --config.batch_size=32 --steps=2000
    bazel run //otzoo:train -- --model=swgan --variant=smoke --workdir=/tmp/swgan

`--model=<name>` picks `zoo_configs/<name>.py` (with `--variant` as its `get_config`
argument); `--config.<key>=<value>` overrides any field of that locked config (unknown
keys are rejected). Re-running the same command resumes from the last checkpoint; when
there is nothing left to train and that checkpoint is already exported, it exports nothing.
"""

import json
import os
import shlex
import sys

# Run as a script (`bazel run`), Python puts this file's directory, otzoo/, first on
# sys.path, where the subpackage otzoo/ot would shadow POT's top-level `ot` module.
if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

# TensorFlow's C++ INFO lines (CUDA probing, XLA service) bury the progress output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

from absl import app, flags, logging
from ml_collections import config_flags

import zoo_configs
from otzoo.paths import user_path

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Zoo config file (set from --model).", lock_config=True)
flags.DEFINE_string("model", None, "Zoo entry to train: " + ", ".join(zoo_configs.available()))
flags.DEFINE_string("variant", None, "Config variant, e.g. 'smoke' (tiny, for tests).")
flags.DEFINE_string("workdir", None, "Checkpoints, logs, sample grids (default runs/<model>).")
flags.DEFINE_integer("steps", None, "Total training steps (default: the config's).")
flags.DEFINE_string("export_dir", "exported", "Root of the exported SavedModels.")
flags.DEFINE_bool("export", True, "Export a SavedModel version after training.")
flags.DEFINE_enum("strategy", "auto", ["auto", "one_device", "mirrored", "multi_worker"],
                  "tf.distribute strategy.")
flags.DEFINE_enum("verbose", "auto", ["auto", "0", "1", "2"],
                  "Progress output: auto = a bar on a terminal, a line per epoch otherwise.")
FLAGS = flags.FLAGS
_USER_ARGV = list(sys.argv)  # as typed, for the model card


def _select_config(argv):
    """Turns --model/--variant into --config=<zoo_configs/model.py[:variant]>.

    Exits with status 2 and one line naming the valid models on an unknown name.
    """
    model, variant, has_config = None, None, False
    for i, arg in enumerate(argv):
        for flag in ("model", "variant"):
            if arg.startswith(f"--{flag}="):
                value = arg.split("=", 1)[1]
            elif arg == f"--{flag}" and i + 1 < len(argv):
                value = argv[i + 1]
            else:
                continue
            model, variant = (value, variant) if flag == "model" else (model, value)
        has_config |= arg == "--config" or arg.startswith("--config=")
    if has_config:
        return argv
    valid = zoo_configs.available()
    if model is None or model not in valid:
        what = "--model is required" if model is None else f"unknown model {model!r}"
        print(f"{what}; valid models: {', '.join(valid)}", file=sys.stderr)
        sys.exit(2)
    path = zoo_configs.config_path(model) + (f":{variant}" if variant else "")
    # config_flags registers the --config.<key> overrides when it parses --config: first.
    return [argv[0], f"--config={path}"] + argv[1:]


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)  # TF's per-save INFO lines, not our progress
    # Imported here so that --help and bad flags answer before TensorFlow loads.
    from otzoo import export
    from otzoo.training import strategies, trainer

    config = _CONFIG.value
    name = FLAGS.model or config.model
    workdir = user_path(FLAGS.workdir or os.path.join("runs", name))
    strategy = strategies.make_strategy(FLAGS.strategy)
    verbose = FLAGS.verbose if FLAGS.verbose == "auto" else int(FLAGS.verbose)
    print(f"otzoo: training {config.model} ({FLAGS.variant or 'default'} config) on "
          f"{config.data.name} with {strategy.num_replicas_in_sync} replica(s); "
          f"workdir {workdir}", flush=True)
    model, summary = trainer.train(config, workdir, strategy, steps=FLAGS.steps,
                                   verbose=verbose)
    export_root = user_path(FLAGS.export_dir)
    previous = _previous_export(workdir, summary, export_root)
    if FLAGS.export and strategies.is_chief(strategy) and previous:
        print(f"otzoo: {summary['checkpoint']} is already exported as {previous}", flush=True)
    elif FLAGS.export and strategies.is_chief(strategy):
        command = "bazel run //otzoo:train -- " + shlex.join(_USER_ARGV[1:])
        path = export.export_model(model, config, export_root, name=name,
                                   summary=summary, command=command,
                                   max_samples=config.export.max_samples)
        _record_export(workdir, summary, path)
        print(f"otzoo: exported {path}", flush=True)
    print(f"otzoo: done: {summary['steps']} steps, {summary['wall_time_s']} s this run; "
          f"samples in {os.path.join(workdir, 'samples.png')}", flush=True)


_LAST_EXPORT = "last_export.json"


def _record_export(workdir, summary, path):
    """Remembers which checkpoint of this workdir was exported where."""
    with open(os.path.join(workdir, _LAST_EXPORT), "w") as f:
        json.dump({"checkpoint": summary["checkpoint"], "path": path}, f)


def _previous_export(workdir, summary, export_root):
    """The export of this run's checkpoint, if nothing was trained and it still exists."""
    if summary["resumed_from_step"] < summary["steps"]:
        return None
    try:
        with open(os.path.join(workdir, _LAST_EXPORT)) as f:
            last = json.load(f)
    except (OSError, ValueError):
        return None
    same_root = os.path.dirname(os.path.dirname(last.get("path", ""))) == export_root
    if (last.get("checkpoint") == summary["checkpoint"] and same_root
            and os.path.isdir(last["path"])):
        return last["path"]
    return None


def run():
    """Console-script entry point (`otzoo-train`)."""
    app.run(main, argv=_select_config(sys.argv))


if __name__ == "__main__":
    run()
