"""Pure evaluation metrics: functions of NumPy arrays (features, images, codes), no models.

  frechet           FID-FMNIST: Fréchet distance of Gaussians fitted to features
  kid               KID: unbiased MMD² with the cubic polynomial kernel, subset-averaged
  classifier_score  the Inception Score analogue exp(E KL(p(y|x) || p(y)))
  class_entropy     entropy of the samples' predicted-class frequencies (class coverage)
  precision_recall  improved precision/recall (k-NN manifolds, Kynkäänniemi et al. 2019)
  transport         exact W2 (POT) and SW2 in pixel space; MMD between code sets
  reconstruction    autoencoder test MSE / BCE
"""

from otzoo.evaluation.metrics.class_entropy import class_entropy
from otzoo.evaluation.metrics.classifier_score import classifier_score
from otzoo.evaluation.metrics.frechet import fid, frechet_distance, gaussian_statistics
from otzoo.evaluation.metrics.kid import kid
from otzoo.evaluation.metrics.precision_recall import precision_recall
from otzoo.evaluation.metrics.reconstruction import reconstruction_errors
from otzoo.evaluation.metrics.transport import exact_w2, latent_mmd, sliced_w2

__all__ = [
    "class_entropy", "classifier_score", "fid", "frechet_distance", "gaussian_statistics",
    "kid", "precision_recall", "reconstruction_errors", "exact_w2", "latent_mmd", "sliced_w2",
]
