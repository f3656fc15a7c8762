r"""Regenerates `exported/LEADERBOARD.md` from the evaluation results.

    bazel run //otzoo:leaderboard
    bazel run //otzoo:leaderboard -- --export_dir=/tmp/zoo

Reads every `exported/<name>/<newest version>/` (model card + `eval/metrics.json`) and
`exported/real_floor/metrics.json`; see `otzoo/evaluation/leaderboard.py`. Does not
evaluate anything: run `bazel run //otzoo:evaluate -- --model=all --real_floor` first.
"""

from absl import app, flags

flags.DEFINE_string("export_dir", None, "Exported models (default: <workspace>/exported).")
flags.DEFINE_string("output", None, "Output file (default: <export_dir>/LEADERBOARD.md).")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    from otzoo.evaluation import leaderboard, paths

    export_dir = paths.resolve(FLAGS.export_dir, paths.EXPORT_DIR)
    output = paths.resolve(FLAGS.output, "") if FLAGS.output else None
    path = leaderboard.write_leaderboard(export_dir, output)
    rows, floor = leaderboard.collect(export_dir)
    evaluated = sum(row["result"] is not None for row in rows)
    print(f"otzoo: wrote {path}: {len(rows)} model(s), {evaluated} evaluated, real floor "
          f"{'included' if floor else 'missing'}", flush=True)
    return 0


def run():
    app.run(main)


if __name__ == "__main__":
    run()
