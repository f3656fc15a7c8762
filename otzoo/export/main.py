r"""Exports the latest checkpoint of a training workdir as a SavedModel version.

    bazel run //otzoo:export -- --workdir=runs/swgan [--export_dir=exported] [--name=swgan]

Reads `<workdir>/config.json` (written by //otzoo:train), rebuilds the model, restores
the newest checkpoint and writes `<export_dir>/<name>/<next version>/` atomically.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

from absl import app, flags, logging
import ml_collections

from otzoo.paths import user_path

flags.DEFINE_string("workdir", None, "Training workdir (holds config.json, checkpoints/).",
                    required=True)
flags.DEFINE_string("export_dir", "exported", "Root of the exported SavedModels.")
flags.DEFINE_string("name", None, "Model name in the export root (default: config.model).")
FLAGS = flags.FLAGS


def load_config(workdir):
    path = os.path.join(workdir, "config.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} not found: is {workdir} an otzoo training workdir?")
    with open(path) as f:
        return ml_collections.ConfigDict(json.load(f))


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    from otzoo import export
    from otzoo.training import trainer

    workdir = user_path(FLAGS.workdir)
    config = load_config(workdir)
    model, step = trainer.restore_latest(config, workdir)
    summary_path = os.path.join(workdir, "train_summary.json")
    summary = {"steps": step}
    if os.path.exists(summary_path):
        with open(summary_path) as f:
            summary = json.load(f)
    path = export.export_model(
        model, config, user_path(FLAGS.export_dir), name=FLAGS.name or config.model,
        summary=summary, command=f"bazel run //otzoo:export -- --workdir={FLAGS.workdir}",
        max_samples=config.export.max_samples)
    print(f"otzoo: exported step {step} of {workdir} to {path}")


def run():
    """Console-script entry point (`otzoo-export`)."""
    app.run(main)


if __name__ == "__main__":
    run()
