r"""Exports the latest checkpoint of a training workdir as a SavedModel version.

    bazel run //otzoo:export -- --workdir=runs/swgan [--export_dir=exported] [--name=swgan]
        [--prune]

Reads `<workdir>/config.json` (written by //otzoo:train), rebuilds the model, restores
the newest checkpoint and writes `<export_dir>/<name>/<next version>/` atomically,
unless that version would serve exactly what the newest existing one serves (same
variable bytes and program), which it then names instead. `--prune` then removes every
older version under `--export_dir` (`otzoo.export.prune`).
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
flags.DEFINE_bool("prune", False,
                  "Afterwards keep only the newest version of each model in --export_dir.")
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
    from otzoo.export.prune import prune_versions
    from otzoo.export.writer import export_version
    from otzoo.training import trainer

    workdir = user_path(FLAGS.workdir)
    export_root = user_path(FLAGS.export_dir)
    config = load_config(workdir)
    model, step = trainer.restore_latest(config, workdir)
    summary_path = os.path.join(workdir, "train_summary.json")
    summary = {"steps": step}
    if os.path.exists(summary_path):
        with open(summary_path) as f:
            summary = json.load(f)
    # The training command, when the workdir recorded it (the card says when it did not).
    path, is_new = export_version(
        model, config, export_root, name=FLAGS.name or config.model, summary=summary,
        command=summary.get("command"),
        export_command=f"bazel run //otzoo:export -- --workdir={FLAGS.workdir}",
        max_samples=config.export.max_samples, skip_identical=True)
    if is_new:
        print(f"otzoo: exported step {step} of {workdir} to {path}")
    else:
        print(f"otzoo: step {step} of {workdir} is what {path} already serves "
              f"(same weights and program); nothing published")
    if FLAGS.prune:
        for name, versions in prune_versions(export_root).items():
            print(f"otzoo: {name}: removed version(s) {', '.join(map(str, versions))}")


def run():
    """Console-script entry point (`otzoo-export`)."""
    app.run(main)


if __name__ == "__main__":
    run()
