r"""Trains, tests and exports the frozen Fashion-MNIST classifier used by the evaluator.

    bazel run //otzoo/evaluation:train_classifier
    bazel run //otzoo/evaluation:train_classifier -- --epochs=8 --seed=0

Writes `exported/classifier/<version>/` (SavedModel with signatures `features` and
`probabilities`, `model_card.json`, `MODEL_CARD.md` with the test accuracy). Refuses to
export a classifier below `--min_accuracy` on the test split (exit status 1), because
every FID/KID/precision/recall number in the leaderboard is measured in its features.
Takes a few minutes on a 2-core CPU.
"""

import shlex
import sys

from absl import app, flags

flags.DEFINE_integer("epochs", 8, "Training epochs over the 60k train images.")
flags.DEFINE_integer("batch_size", 128, "Batch size.")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate.")
flags.DEFINE_integer("seed", 0, "Seed of initialisation, shuffling and dropout.")
flags.DEFINE_string("export_dir", None,
                    "Root of the exported models (default: <workspace>/exported).")
flags.DEFINE_integer("version", None, "Version to write (default: newest + 1).")
flags.DEFINE_float("min_accuracy", 0.9, "Do not export below this test accuracy.")
flags.DEFINE_integer("verbose", 2, "Keras fit verbosity (0, 1, 2).")
FLAGS = flags.FLAGS
_USER_ARGV = list(sys.argv)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    import otzoo.data
    from otzoo.evaluation import classifier, paths

    export_dir = paths.resolve(FLAGS.export_dir, paths.EXPORT_DIR)
    x_train, y_train = otzoo.data.load_numpy("fashion_mnist", "train", value_range=(0, 1),
                                             as_supervised=True)
    x_test, y_test = otzoo.data.load_numpy("fashion_mnist", "test", value_range=(0, 1),
                                           as_supervised=True)
    print(f"otzoo: training the classifier on {len(x_train)} images for {FLAGS.epochs} "
          f"epochs (seed {FLAGS.seed})", flush=True)
    model, summary = classifier.train_classifier(
        x_train, y_train, epochs=FLAGS.epochs, batch_size=FLAGS.batch_size,
        learning_rate=FLAGS.learning_rate, seed=FLAGS.seed, verbose=FLAGS.verbose)
    accuracy = classifier.FeatureExtractor.from_keras(model).accuracy(x_test, y_test)
    print(f"otzoo: test accuracy {accuracy:.4f} ({len(x_test)} images); "
          f"{summary['steps']} steps in {summary['wall_time_s']} s", flush=True)
    if accuracy < FLAGS.min_accuracy:
        print(f"otzoo: below --min_accuracy={FLAGS.min_accuracy}; not exported",
              file=sys.stderr)
        return 1
    command = "bazel run //otzoo/evaluation:train_classifier -- " + shlex.join(_USER_ARGV[1:])
    path = classifier.export_classifier(model, export_dir, summary, accuracy, len(x_test),
                                        command=command.strip(), version=FLAGS.version)
    print(f"otzoo: exported {path}", flush=True)
    return 0


def run():
    app.run(main)


if __name__ == "__main__":
    run()
