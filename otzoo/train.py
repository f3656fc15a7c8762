r"""Trains a zoo entry and exports it as a SavedModel for TF Serving.

    bazel run //otzoo:train -- --model=swgan
    bazel run //otzoo:train -- --model=wgan_gp --config.batch_size=32 --steps=2000
    bazel run //otzoo:train -- --model=swgan --variant=smoke --workdir=/tmp/swgan
    bazel run //otzoo:train -- --model=wgan_gp --data=image_folder:~/faces --image_shape=64,64,3

`--model=<name>` picks `zoo_configs/<name>.py` (with `--variant` as its `get_config`
argument); `--config.<key>=<value>` overrides any field of that locked config (unknown
keys are rejected). `--data=KIND[:DIR]`, `--data_dir=DIR` and `--image_shape=H,W,C` set
the config's `data.name`, `data.path` and `data.shape` (otzoo.data.sources has the
kinds); the networks and the exported signatures follow the shape. Re-running the same
command resumes from the last checkpoint; when there is nothing left to train and that
checkpoint is already exported, or the export would repeat the newest version bit for bit,
it publishes nothing.

A mistake on the command line (an unknown model, variant, config key or flag, a value of
the wrong type, a data folder that is missing, unreadable or without usable images, a
workdir or export dir that cannot be written, a workdir holding a run of another model or
data, steps that do not fit the checkpoint interval) prints one line,
`otzoo: error: ...`, and exits with status 2 before TensorFlow loads: nothing is trained.
A TFDS dataset that is not prepared, or an image shape the networks cannot make, is found
once TensorFlow has loaded (still one line of ours, the last, after TensorFlow's start-up
messages). Bugs keep their traceback.
"""

import importlib
import json
import os
import re
import shlex
import sys

# Run as a script (`bazel run`), Python puts this file's directory, otzoo/, first on
# sys.path, where the subpackage otzoo/ot would shadow POT's top-level `ot` module.
if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

# TensorFlow's C++ INFO lines (CUDA probing, XLA service) bury the progress output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import ml_collections  # noqa: E402
from absl import app, flags, logging  # noqa: E402
from ml_collections import config_flags  # noqa: E402

import zoo_configs  # noqa: E402
from otzoo.data import sources  # noqa: E402  (no TensorFlow)
from otzoo.data.errors import DatasetError  # noqa: E402
from otzoo.paths import ensure_writable_dir, user_path  # noqa: E402
from zoo_configs import _common  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Zoo config file (set from --model).", lock_config=True)
flags.DEFINE_string("model", None, "Zoo entry to train: " + ", ".join(zoo_configs.available()))
flags.DEFINE_string("variant", None, "Config variant, e.g. 'smoke' (tiny, for tests).")
flags.DEFINE_string("workdir", None, "Checkpoints, logs, sample grids (default runs/<model>).")
flags.DEFINE_integer("steps", None, "Total training steps (default: the config's).",
                     lower_bound=1)
flags.DEFINE_string("export_dir", "exported", "Root of the exported SavedModels.")
flags.DEFINE_bool("export", True, "Export a SavedModel version after training.")
flags.DEFINE_bool("prune", False,
                  "After exporting, keep only the newest version of each model in --export_dir.")
flags.DEFINE_enum("strategy", "auto", ["auto", "one_device", "mirrored", "multi_worker"],
                  "tf.distribute strategy.")
flags.DEFINE_enum("verbose", "auto", ["auto", "0", "1", "2"],
                  "Progress output: auto = a bar on a terminal, a line per epoch otherwise.")
flags.DEFINE_string(
    "data", None,
    "The data (sets config data.name and data.path): fashion_mnist[:DIR] (the default), "
    "mnist:DIR (any MNIST-format idx folder; alias mnist_format:DIR), image_folder:DIR "
    "(PNG/JPEG/... files, flat or one sub-folder per class), tfds:NAME[:SPLIT] (a TFDS "
    "dataset prepared in --data_dir; never downloaded).")
flags.DEFINE_string("data_dir", None,
                    "The data's folder (config data.path); for tfds: the TFDS data_dir.")
flags.DEFINE_string(
    "image_shape", None,
    "HEIGHT,WIDTH,CHANNELS (config data.shape), e.g. 64,64,3: images are scaled to cover "
    "it and centre-cropped. Default: the data's own shape (an image folder's images must "
    "then share one size).")
flags.DEFINE_integer(
    "steps_per_execution", None,
    "Train steps per Keras call, a divisor of config steps_per_epoch (default: up to "
    "10). The weights do not depend on it; the NaN guard checks once per call.",
    lower_bound=1)
flags.DEFINE_integer(
    "cpu_devices", None,
    "Split the CPU into this many logical devices (with --strategy=mirrored and no GPU: "
    "that many replicas; what the tests use).", lower_bound=1)
FLAGS = flags.FLAGS
_USER_ARGV = list(sys.argv)  # as typed, for the model card
_OVERRIDE = re.compile(r"^-{1,2}(?:no)?config\.([^=]+)")


def _fail(message):
    """The one line a command-line mistake gets; exit status 2 (as argparse and absl)."""
    print(f"otzoo: error: {' '.join(str(message).split())}", file=sys.stderr, flush=True)
    sys.exit(2)


def _unknown_key_message(config, key):
    """None when `key` ("data.path") names a field of `config`, else the message."""
    node, seen = config, []
    for part in key.split("."):
        if not isinstance(node, ml_collections.ConfigDict) or part not in node:
            if not isinstance(node, ml_collections.ConfigDict):
                return f"unknown config key {key!r}: {'.'.join(seen)} is a value, not a group"
            where = f"of {'.'.join(seen)}" if seen else "at the top"
            hint = (" (the data folder is data.path, or --data=KIND:DIR)"
                    if part == "data_dir" else "")
            return (f"unknown config key {key!r}; valid keys {where}: "
                    f"{', '.join(sorted(node.keys()))}{hint}")
        node, seen = node[part], seen + [part]
    return None


def _select_config(argv):
    """Turns --model/--variant into --config=<zoo_configs/model.py[:variant]>.

    Exits with status 2 and one line on an unknown model (naming the valid ones), an
    unknown variant, or a `--config.<key>` override naming no field of the config.
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
        _fail(f"{what}; valid models: {', '.join(valid)}")
    if variant not in (None, "", *_common.VARIANTS):
        _fail(f"unknown variant {variant!r}; valid variants: {', '.join(_common.VARIANTS)}")
    config = importlib.import_module(f"zoo_configs.{model}").get_config(variant or None)
    for arg in argv[1:]:
        match = _OVERRIDE.match(arg)
        message = match and _unknown_key_message(config, match.group(1))
        if message:
            _fail(message)
    path = zoo_configs.config_path(model) + (f":{variant}" if variant else "")
    # config_flags registers the --config.<key> overrides when it parses --config: first.
    return [argv[0], f"--config={path}"] + argv[1:]


def _parse_flags(argv):
    """absl's flag parsing, with a bad flag or value as one line and exit status 2."""
    try:
        return FLAGS(argv)
    except flags.Error as e:
        _fail(e)


def _given(key):
    """True when `--config.<key>` is on the command line."""
    name = f"config.{key}"
    return name in FLAGS and bool(FLAGS[name].present)


def _resolve_data(config):
    """Applies --data/--data_dir/--image_shape to `config.data` and checks the data.

    Returns a one-line description of the data. Raises DatasetError (a user error).
    """
    for flag, key in (("data", "data.name"), ("data", "data.path"),
                      ("data_dir", "data.path"), ("image_shape", "data.shape")):
        if FLAGS[flag].present and _given(key):
            raise DatasetError(f"--{flag} and --config.{key} both set the data; give one")
    name, path = config.data.name, config.data.path
    if FLAGS.data is not None:
        name, path = sources.parse_data_flag(FLAGS.data)
    if FLAGS.data_dir is not None:
        if path and FLAGS.data is not None:
            raise DatasetError(f"--data={FLAGS.data} already names the folder; drop "
                               f"--data_dir={FLAGS.data_dir}")
        path = FLAGS.data_dir
    if FLAGS.image_shape is not None:
        shape = sources.parse_shape(FLAGS.image_shape)
    else:
        shape = tuple(config.data.shape) if _given("data.shape") else None
    name, options, shape = sources.resolve(name, path, shape)
    with config.unlocked():
        config.data.name = name
        config.data.path = path
        config.data.shape = tuple(shape)  # every network's image_shape refers to it
        config.data.options.update(options)
    where = f" {options['data_dir']}" if "data_dir" in options else ""
    return f"{name}{where} ({'x'.join(str(s) for s in shape)})"


def _check_run(config, workdir, export_root):
    """Steps that fit the checkpoint interval; a workdir and export dir we can write."""
    steps = FLAGS.steps or config.steps
    per_epoch = min(config.steps_per_epoch, steps)
    if steps < 1 or config.batch_size < 1 or per_epoch < 1:
        _fail(f"steps ({steps}), steps_per_epoch ({config.steps_per_epoch}) and batch_size "
              f"({config.batch_size}) must be positive")
    if steps % per_epoch:
        _fail(f"steps ({steps}) must be a multiple of steps_per_epoch ({per_epoch}), the "
              f"checkpoint interval; change --steps or --config.steps_per_epoch")
    if FLAGS.steps_per_execution and per_epoch % FLAGS.steps_per_execution:
        _fail(f"--steps_per_execution ({FLAGS.steps_per_execution}) must divide "
              f"steps_per_epoch ({per_epoch}), the checkpoint interval")
    if (FLAGS.steps_per_execution or 1) > 1 and FLAGS.strategy in ("mirrored", "multi_worker"):
        _fail(f"--steps_per_execution must be 1 with --strategy={FLAGS.strategy}: Keras' "
              f"multi-step loop fails under the mirrored strategies")
    _check_same_data(config, workdir)
    checks = [("workdir", workdir)] + ([("export dir", export_root)] if FLAGS.export else [])
    for what, path in checks:
        try:
            ensure_writable_dir(path)
        except OSError as e:
            _fail(f"cannot write to the {what} {path}: {e.strerror or e}"
                  + (f" ({e.filename})" if e.filename and e.filename != path else ""))


def _check_same_data(config, workdir):
    """A workdir with checkpoints resumes: its run must be of the same model and data."""
    try:
        with open(os.path.join(workdir, "config.json")) as f:
            previous = json.load(f)
    except (OSError, ValueError):
        return
    if not os.path.isdir(os.path.join(workdir, "checkpoints")):
        return
    before = (previous.get("model"), previous.get("data", {}).get("name"),
              tuple(previous.get("data", {}).get("shape", ())))
    now = (config.model, config.data.name, tuple(config.data.shape))
    if before != now:
        _fail(f"workdir {workdir} holds a {before[0]} run on {before[1]} "
              f"({'x'.join(map(str, before[2]))}), which this command would resume; give "
              f"this {now[0]} run on {now[1]} ({'x'.join(map(str, now[2]))}) its own "
              f"--workdir")


def _split_cpu(num_devices):
    """Splits the CPU into logical devices: must run before TensorFlow uses a device."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)])


def main(argv):
    if len(argv) > 1:
        _fail(f"unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)  # TF's per-save INFO lines, not our progress
    config = _CONFIG.value
    name = FLAGS.model or config.model
    workdir = user_path(FLAGS.workdir or os.path.join("runs", name))
    export_root = user_path(FLAGS.export_dir)
    try:
        data = _resolve_data(config)
    except DatasetError as e:
        _fail(e)
    _check_run(config, workdir, export_root)
    if FLAGS.steps:  # the steps that run, in config.json and the model card
        with config.unlocked():
            config.steps = FLAGS.steps

    if FLAGS.cpu_devices:  # first: TensorFlow fixes its devices when it first uses one
        _split_cpu(FLAGS.cpu_devices)
    # Imported here so that --help and every mistake above answer before TensorFlow loads.
    from otzoo import export
    from otzoo.training import build, strategies, trainer

    try:
        build.check_image_shapes(config)
    except ValueError as e:
        _fail(f"data shape {tuple(config.data.shape)} does not suit the networks: {e}; "
              f"choose another --image_shape")
    try:
        strategy = strategies.make_strategy(FLAGS.strategy)
    except ValueError as e:  # e.g. multi_worker without TF_CONFIG
        _fail(e)
    if (FLAGS.steps_per_execution or 1) > 1 and not trainer.several_steps_per_call(strategy):
        # --strategy=auto chose a mirrored strategy (several GPUs); the others are above.
        _fail(f"--steps_per_execution must be 1 with {type(strategy).__name__}: Keras' "
              f"multi-step loop fails under the mirrored strategies")
    verbose = FLAGS.verbose if FLAGS.verbose == "auto" else int(FLAGS.verbose)
    print(f"otzoo: training {config.model} ({FLAGS.variant or 'default'} config) on "
          f"{data} with {strategy.num_replicas_in_sync} replica(s); "
          f"workdir {workdir}", flush=True)
    try:
        model, summary = trainer.train(config, workdir, strategy, verbose=verbose,
                                       steps_per_execution=FLAGS.steps_per_execution)
    except DatasetError as e:  # the data, found wrong while loading it (a corrupt file...)
        _fail(e)
    if FLAGS.export and strategies.is_chief(strategy):
        command = "bazel run //otzoo:train -- " + shlex.join(_USER_ARGV[1:])
        path, is_new = export.export_run(model, config, export_root, workdir, summary,
                                         name=name, command=command, prune=FLAGS.prune,
                                         max_samples=config.export.max_samples)
        if is_new:
            print(f"otzoo: exported {path}", flush=True)
        else:
            print(f"otzoo: nothing published: {path} already serves these weights "
                  f"(checkpoint {summary['checkpoint']} or an identical retrain)", flush=True)
    print(f"otzoo: done: {summary['steps']} steps, {summary['wall_time_s']} s this run; "
          f"samples in {os.path.join(workdir, 'samples.png')}", flush=True)


def run():
    """Console-script entry point (`otzoo-train`)."""
    app.run(main, argv=_select_config(sys.argv), flags_parser=_parse_flags)


if __name__ == "__main__":
    run()
