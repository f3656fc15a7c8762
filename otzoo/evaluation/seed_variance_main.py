r"""Records an entry's seed variance in `exported/<name>/seeds.json`, for the leaderboard.

    bazel run //otzoo/evaluation:seed_variance -- --model=gan \
        --replicates=runs/exp_seed1,runs/exp_seed2
    bazel run //otzoo:leaderboard

Each replicate is an export root holding `<name>/<version>/` trained with the shipped
version's config and steps but another `--config.seed`, and evaluated alike (see
`otzoo/evaluation/seed_variance.py`). A mismatch is one line and exit status 2.
"""

import sys

from absl import app, flags

flags.DEFINE_string("model", None, "The zoo entry (a folder of --export_dir).")
flags.DEFINE_list("replicates", None, "Export roots of the other seeds' runs.")
flags.DEFINE_string("export_dir", None, "Exported models (default: <workspace>/exported).")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    from otzoo.evaluation import paths, seed_variance

    if not FLAGS.model or not FLAGS.replicates:
        print("otzoo: error: give --model and --replicates", file=sys.stderr, flush=True)
        return 2
    export_dir = paths.resolve(FLAGS.export_dir, paths.EXPORT_DIR)
    replicates = [paths.resolve(root, "") for root in FLAGS.replicates]
    try:
        path = seed_variance.write(export_dir, FLAGS.model, replicates)
    except (ValueError, OSError) as error:
        print(f"otzoo: error: {error}", file=sys.stderr, flush=True)
        return 2
    content = seed_variance.read(export_dir, FLAGS.model)
    print(f"otzoo: wrote {path}: {seed_variance.describe(content, content['version'])}",
          flush=True)
    return 0


def run():
    app.run(main)


if __name__ == "__main__":
    run()
