"""OT distances as `keras.losses.Loss` objects: `model.compile(loss=...)`-ready.

Each loss compares y_true and y_pred as two point clouds (batches of samples, non-batch
axes flattened) and returns one scalar: the p-th power of the distance (SW_p^p, ...) or
MMD²; the math lives in `otzoo.ot`. All are registered Keras serializables (package
"otzoo") whose `get_config` round-trips. Distribution convention and seeds:
`otzoo.losses.base`.

Beside them, the zoo models' own loss terms as free functions on tensors (scalars, the
TF-GAN way): `otzoo.losses.adversarial` (the GAN family's players) and
`otzoo.losses.autoencoding` (reconstruction costs, likelihoods, the Gaussian KL).
"""

from otzoo.losses.adversarial import (bce_discriminator_loss, gradient_penalty,
                                      minimax_generator_loss,
                                      non_saturating_generator_loss, sliced_w2_squared,
                                      wasserstein_critic_loss, wasserstein_generator_loss,
                                      wasserstein_gradient_penalty)
from otzoo.losses.autoencoding import (bernoulli_negative_log_likelihood,
                                       gaussian_kl, gaussian_negative_log_likelihood,
                                       mean_gaussian_kl, reconstruction_cost,
                                       reconstruction_loss)
from otzoo.losses.base import PointCloudLoss
from otzoo.losses.mmd import MMD
from otzoo.losses.sinkhorn import SinkhornDivergence
from otzoo.losses.sliced_variants import (ControlVariateSlicedWasserstein,
                                          EnergyBasedSlicedWasserstein,
                                          GaussianApproximationSlicedWasserstein,
                                          MarkovianSlicedWasserstein,
                                          RandomPathSlicedWasserstein)
from otzoo.losses.sliced import (GeneralizedSlicedWasserstein, MaxSlicedWasserstein,
                                 SlicedWasserstein)

__all__ = ["PointCloudLoss", "SlicedWasserstein", "MaxSlicedWasserstein",
           "GeneralizedSlicedWasserstein", "MMD", "SinkhornDivergence",
           # sliced-Wasserstein variants (otzoo.losses.sliced_variants)
           "EnergyBasedSlicedWasserstein", "RandomPathSlicedWasserstein",
           "MarkovianSlicedWasserstein", "ControlVariateSlicedWasserstein",
           "GaussianApproximationSlicedWasserstein",
           # free functions (otzoo.losses.adversarial, otzoo.losses.autoencoding)
           "bce_discriminator_loss", "non_saturating_generator_loss",
           "minimax_generator_loss", "wasserstein_critic_loss",
           "wasserstein_generator_loss", "gradient_penalty", "wasserstein_gradient_penalty",
           "sliced_w2_squared", "reconstruction_cost", "reconstruction_loss",
           "bernoulli_negative_log_likelihood", "gaussian_negative_log_likelihood",
           "gaussian_kl", "mean_gaussian_kl"]
