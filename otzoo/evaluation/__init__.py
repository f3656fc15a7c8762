"""otzoo.evaluation: metrics of exported zoo models against Fashion-MNIST, and the leaderboard.

    from otzoo import evaluation
    extractor = evaluation.load_classifier("exported/classifier")
    evaluation.fid(extractor.features(x), extractor.features(y))

Modules (one concern each):
  classifier        the frozen LeNet-style Fashion-MNIST classifier (features, softmax)
  frechet           FID-FMNIST: Fréchet distance of Gaussians fitted to features
  kid               KID: unbiased MMD² with the cubic polynomial kernel, subset-averaged
  classifier_score  the Inception Score analogue exp(E KL(p(y|x) || p(y)))
  precision_recall  improved precision/recall (k-NN manifolds, Kynkäänniemi et al. 2019)
  transport         exact W2 (POT) and SW2 in pixel space; MMD between code sets
  reconstruction    autoencoder test MSE / BCE
  exported_model    an exported SavedModel seen in [0, 1]
  evaluator         all metrics of one export (or the real-vs-real floor) → JSON + PNGs
  leaderboard       exported/LEADERBOARD.md from the eval JSONs

Mains: evaluate_main (//otzoo/evaluation:evaluate), leaderboard_main
(//otzoo/evaluation:leaderboard), train_classifier_main
(//otzoo/evaluation:train_classifier).

Importing this package loads TensorFlow (the classifier and SW2 run in it).
"""

from otzoo.evaluation.classifier import (FeatureExtractor, export_classifier, lenet,
                                         load_classifier, train_classifier)
from otzoo.evaluation.classifier_score import classifier_score
from otzoo.evaluation.evaluator import (EvaluationSettings, evaluate_model,
                                        evaluate_real_floor, sample_metrics)
from otzoo.evaluation.exported_model import ExportedModel
from otzoo.evaluation.frechet import fid, frechet_distance, gaussian_statistics
from otzoo.evaluation.kid import kid
from otzoo.evaluation.leaderboard import write_leaderboard
from otzoo.evaluation.precision_recall import precision_recall
from otzoo.evaluation.reconstruction import reconstruction_errors
from otzoo.evaluation.transport import exact_w2, latent_mmd, sliced_w2

__all__ = [
    "FeatureExtractor", "export_classifier", "lenet", "load_classifier", "train_classifier",
    "classifier_score", "EvaluationSettings", "evaluate_model", "evaluate_real_floor",
    "sample_metrics", "ExportedModel", "fid", "frechet_distance", "gaussian_statistics",
    "kid", "write_leaderboard", "precision_recall", "reconstruction_errors", "exact_w2",
    "latent_mmd", "sliced_w2",
]
