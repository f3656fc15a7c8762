"""otzoo.evaluation: metrics of exported zoo models against Fashion-MNIST, and the leaderboard.

    from otzoo import evaluation
    extractor = evaluation.load_classifier("exported/classifier")
    evaluation.fid(extractor.features(x), extractor.features(y))

Three concerns, three places:
  metrics/          pure metrics on arrays (FID, KID, classifier score, class entropy,
                    precision/recall, W2/SW2, reconstruction errors)
  classifier/       the frozen Fashion-MNIST classifier: network, training, export, loading,
                    and its command (//otzoo/evaluation:train_classifier)
  the apps, here:   exported_model (an export seen in [0, 1]), evaluator (all metrics of
                    one export, or the real-vs-real floor → JSON + PNGs), leaderboard
                    (exported/LEADERBOARD.md), seed_variance (an entry's seeds.json,
                    for the leaderboard's notes), and their mains evaluate_main
                    (//otzoo/evaluation:evaluate), leaderboard_main
                    (//otzoo/evaluation:leaderboard) and seed_variance_main
                    (//otzoo/evaluation:seed_variance).

Importing this package loads TensorFlow (the classifier and SW2 run in it).
"""

from otzoo.evaluation.classifier import (FeatureExtractor, export_classifier, lenet,
                                         load_classifier, train_classifier)
from otzoo.evaluation.evaluator import (EvaluationSettings, evaluate_model,
                                        evaluate_real_floor, sample_metrics)
from otzoo.evaluation.exported_model import ExportedModel
from otzoo.evaluation.leaderboard import write_leaderboard
from otzoo.evaluation.metrics import (class_entropy, classifier_score, exact_w2, fid,
                                      frechet_distance, gaussian_statistics, kid, latent_mmd,
                                      precision_recall, reconstruction_errors, sliced_w2)

__all__ = [
    "FeatureExtractor", "export_classifier", "lenet", "load_classifier", "train_classifier",
    "class_entropy", "classifier_score", "EvaluationSettings", "evaluate_model",
    "evaluate_real_floor", "sample_metrics", "ExportedModel", "fid", "frechet_distance",
    "gaussian_statistics", "kid", "write_leaderboard", "precision_recall",
    "reconstruction_errors", "exact_w2", "latent_mmd", "sliced_w2",
]
