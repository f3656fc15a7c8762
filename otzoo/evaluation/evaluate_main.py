r"""Evaluates exported zoo models against the Fashion-MNIST test split.

    bazel run //otzoo:evaluate -- --model=swgan          # newest exported/swgan/<v>
    bazel run //otzoo:evaluate -- --model=all            # every exported model
    bazel run //otzoo:evaluate -- --real_floor           # train vs. test reference row
    bazel run //otzoo:evaluate -- --model=vae --num_samples=2000 --output_dir=/tmp/vae

Writes `metrics.json` and PNGs (samples, interpolation, reconstructions and latent
scatter where they apply) to `exported/<name>/<version>/eval/` (or `--output_dir`), and
the floor to `exported/real_floor/`. An evaluation written into the version's `eval/`
also goes into its model card (`MODEL_CARD.md` and `model_card.json` get the metrics
table and the command that reproduces it: `otzoo.export.refresh_model_card`). Then
`bazel run //otzoo:leaderboard` collects them into `exported/LEADERBOARD.md`. The
metrics are described in `otzoo/evaluation/evaluator.py`; FID-FMNIST, KID and
precision/recall need the frozen classifier `exported/classifier/`
(`bazel run //otzoo/evaluation:train_classifier`).

Cost on a 2-core CPU with the defaults (10⁴ samples, exact W2 on 2000, 10⁴ SW
projections): a few minutes per model, dominated by SW2 and the exact W2.
"""

import os
import shlex

from absl import app, flags

flags.DEFINE_string("model", None,
                    "Exported model to evaluate (a directory name under --export_dir), "
                    "a comma-separated list, or 'all'.")
flags.DEFINE_integer("version", None, "Version to evaluate (default: the newest).")
flags.DEFINE_bool("real_floor", False,
                  "Compute the real-vs-real floor (train vs. test images, same counts).")
flags.DEFINE_string("export_dir", None, "Exported models (default: <workspace>/exported).")
flags.DEFINE_string("classifier_dir", None,
                    "Classifier export (default: <export_dir>/classifier, newest version).")
flags.DEFINE_string("output_dir", None,
                    "Where results go (default: <export_dir>/<name>/<version>/eval, or "
                    "<export_dir>/real_floor for --real_floor). One model only.")
flags.DEFINE_integer("num_samples", 10_000,
                     "Generated and test images compared (at most the 10k test images).")
flags.DEFINE_integer("num_w2_samples", 2000,
                     "Images of each set in the exact W2 (cost grows ~ cubically).")
flags.DEFINE_integer("num_projections", 10_000, "Directions of the pixel-space SW2.")
flags.DEFINE_integer("kid_subsets", 100, "KID: number of subsets averaged.")
flags.DEFINE_integer("kid_subset_size", 1000, "KID: points per subset.")
flags.DEFINE_integer("seed", 0, "Seed of samples, subsets and projections.")
FLAGS = flags.FLAGS


def _model_names(export_dir, spec):
    from otzoo.evaluation.leaderboard import collect

    available = [row["name"] for row in collect(export_dir)[0]]
    if spec == "all":
        if not available:
            raise app.UsageError(f"no exported models under {export_dir}")
        return available
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise app.UsageError(f"unknown model(s) {unknown} under {export_dir}; exported: "
                             f"{', '.join(available) or '(none)'}")
    return names


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS.model and not FLAGS.real_floor:
        raise app.UsageError("pass --model=<name>|all and/or --real_floor")
    from otzoo.evaluation import evaluator, paths

    export_dir = paths.resolve(FLAGS.export_dir, paths.EXPORT_DIR)
    names = _model_names(export_dir, FLAGS.model) if FLAGS.model else []
    if FLAGS.output_dir and len(names) + FLAGS.real_floor > 1:
        raise app.UsageError("--output_dir takes one model (or --real_floor alone)")
    if FLAGS.version is not None and len(names) != 1:
        raise app.UsageError("--version takes exactly one --model")
    settings = evaluator.EvaluationSettings(
        num_samples=FLAGS.num_samples, num_w2_samples=FLAGS.num_w2_samples,
        num_projections=FLAGS.num_projections, kid_subsets=FLAGS.kid_subsets,
        kid_subset_size=FLAGS.kid_subset_size, seed=FLAGS.seed)

    # TensorFlow and the data load only after the flags are known to be valid.
    import otzoo.data
    from otzoo.evaluation import classifier

    classifier_dir = (paths.resolve(FLAGS.classifier_dir, paths.CLASSIFIER_DIR)
                      if FLAGS.classifier_dir else os.path.join(export_dir, "classifier"))
    extractor = classifier.load_classifier(classifier_dir)
    test_images, test_labels = otzoo.data.load_numpy(
        "fashion_mnist", "test", value_range=(0, 1), as_supervised=True)
    output_dir = paths.resolve(FLAGS.output_dir, "") if FLAGS.output_dir else None
    for name in names:
        model_path = os.path.join(export_dir, name)
        if FLAGS.version is not None:
            model_path = os.path.join(model_path, str(FLAGS.version))
        result = evaluator.evaluate_model(model_path, extractor, test_images, test_labels,
                                          output_dir=output_dir, settings=settings)
        _print_metrics(result)
        if output_dir is None:  # the version's own eval/: its card shows the table
            _refresh_card(result)
    if FLAGS.real_floor:
        train_images = otzoo.data.load_numpy("fashion_mnist", "train", value_range=(0, 1))
        result = evaluator.evaluate_real_floor(
            train_images, test_images, extractor,
            output_dir or os.path.join(export_dir, evaluator.REAL_FLOOR_DIR), settings)
        _print_metrics(result)
    return 0


# Flags that change what an evaluation computes; the card's command repeats those given.
_SETTING_FLAGS = ("export_dir", "classifier_dir", "num_samples", "num_w2_samples",
                  "num_projections", "kid_subsets", "kid_subset_size", "seed")


def _refresh_card(result):
    """Puts the evaluation into the version's model card, with the command for that
    version alone (also when it was one of `--model=all`)."""
    from otzoo.export import refresh_model_card

    version_dir = result["model_path"]
    args = [f"--model={result['name']}", f"--version={result['version']}"] + [
        f"--{name}={FLAGS[name].value}" for name in _SETTING_FLAGS if FLAGS[name].present]
    refresh_model_card(version_dir,
                       command="bazel run //otzoo:evaluate -- " + shlex.join(args))
    print(f"otzoo: updated {os.path.join(version_dir, 'MODEL_CARD.md')}", flush=True)


def _print_metrics(result):
    metrics = result["metrics"]
    print(f"otzoo: {result['name']}: " + ", ".join(
        f"{k}={v:.4g}" for k, v in sorted(metrics.items())), flush=True)


def run():
    app.run(main)


if __name__ == "__main__":
    run()
