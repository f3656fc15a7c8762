"""WAE-MMD: the Wasserstein autoencoder with an MMD latent penalty.

Tolstikhin et al. (2018), Algorithm 2. Each step, with z̃_i ~ Q(Z|x_i) and z_i ~ P_Z:

    min_{Q, G}  1/n sum_i c(x_i, G(z̃_i)) + lambda MMD²_k({z_i}, {z̃_i}),

    MMD²_k = 1/(n(n-1)) sum_{l != j} k(z_l, z_j) + 1/(n(n-1)) sum_{l != j} k(z̃_l, z̃_j)
             - 2/n² sum_{l, j} k(z_l, z̃_j)                      (unbiased U-statistic),

    k(x, y) = sum_{s in {.1, .2, .5, 1, 2, 5, 10}} C_s / (C_s + ||x - y||²),
    C_s = 2 d_z sigma_z² s                                      (multi-scale IMQ).

The estimator is `otzoo.ot.mmd`; the MMD is computed on the *global* batch (the codes of
all replicas gathered, and one prior draw of the global size), so N replicas compute
exactly the one-device penalty.

Paper defaults (MNIST, Sec. 4 / App. C): d_z = 8, lambda = 10, sigma_z² = 1, prior
N(0, sigma_z² I), c(x, y) = ||x - y||²_2, deterministic encoder, Adam(lr 1e-3,
beta_1 = 0.5), batch 100.

Reduction: c is summed over the pixels of an example ("sum") and averaged over the batch,
as the paper writes c; the MMD term is a scalar (no batch reduction).

Deviations from the paper:
  * The learning-rate schedule (halved after 30 epochs, 1e-4 after 50) is left to the
    caller (pass an optimizer with a schedule).
  * The authors' code multiplies the l2sq cost by 0.05 (and the l1 cost by 0.02); the
    paper does not, and neither do we.
  * The encoder pre-training of the authors' code (matching mean and covariance of Q_Z
    to P_Z before training) is not done.
  * Gaussian (stochastic) encoders are an option (`gaussian_encoder=True`); the paper's
    experiments use deterministic ones (the default).
  * Other priors than the Gaussian can be chosen (`prior=`); sigma_z² of the kernel is
    then `kernel_sigma2` (default: scale² of a normal prior, else 1).

Metrics: loss, reconstruction_loss, mmd (the unweighted MMD² estimate).

References:
  Tolstikhin, Bousquet, Gelly, Schoelkopf. Wasserstein Auto-Encoders. ICLR 2018.
    https://arxiv.org/abs/1711.01558
"""

import keras

from otzoo.models.autoencoder import GlobalPenaltyAutoencoder
from otzoo.models.base import MODELS
from otzoo.models.priors import NormalPrior
from otzoo.ot.mmd import WAE_SCALES, mmd

KERNELS = ("imq", "rbf")


@MODELS.register("wae_mmd")
class WAEMMD(GlobalPenaltyAutoencoder):
    """WAE-MMD (see the module docstring).

    Args:
      encoder: x -> [n, latent_dim] (or [n, 2 latent_dim] with gaussian_encoder=True).
      decoder: z -> [n, *data_shape].
      latent_dim: code size (inferred from the decoder when None).
      penalty_weight: lambda (10).
      kernel: "imq" (paper) or "rbf" (see `otzoo.ot.mmd`).
      scales: kernel scales s (the paper's set).
      kernel_sigma2: sigma_z² in C = 2 d_z sigma_z² s; None: the normal prior's scale²
        (1 for other priors).
      reconstruction: "l2sq" (paper), "l1", "bce" or a sum like "bce+l1".
      reconstruction_reduction: "sum" (paper) or "mean" over the coordinates.
      gaussian_encoder: stochastic encoder option (default False, as the paper).
      prior, prior_kwargs: the latent prior (default N(0, I)).
      jit_penalties: XLA-compile the MMD.
      seed: seed of the model's SeedGenerator.
    """

    metric_names = ("loss", "reconstruction_loss", "mmd")
    penalty_name = "mmd"

    def __init__(self, encoder, decoder, latent_dim=None, penalty_weight=10.0,
                 kernel="imq", scales=WAE_SCALES, kernel_sigma2=None,
                 reconstruction="l2sq", reconstruction_reduction="sum",
                 gaussian_encoder=False, prior="normal", prior_kwargs=None,
                 jit_penalties=False, seed=0, **kwargs):
        super().__init__(encoder, decoder, penalty_weight=penalty_weight,
                         reconstruction=reconstruction,
                         reconstruction_reduction=reconstruction_reduction,
                         latent_dim=latent_dim, gaussian_encoder=gaussian_encoder,
                         prior=prior, prior_kwargs=prior_kwargs,
                         jit_penalties=jit_penalties, seed=seed, **kwargs)
        if kernel_sigma2 is None:
            kernel_sigma2 = (self.prior.scale ** 2 if isinstance(self.prior, NormalPrior)
                             else 1.0)
        if kernel not in KERNELS:
            raise ValueError(f"unknown kernel {kernel!r}; known: {', '.join(KERNELS)}")
        try:
            scales = tuple(float(s) for s in scales)
        except (TypeError, ValueError):
            scales = ()
        if not scales or not all(0 < s < float("inf") for s in scales):
            raise ValueError(f"scales must be a non-empty sequence of positive numbers, "
                             f"got {scales!r}")
        kernel_sigma2 = float(kernel_sigma2)
        if not 0 < kernel_sigma2 < float("inf"):
            raise ValueError(f"kernel_sigma2 must be positive, got {kernel_sigma2}")
        self.kernel, self.scales, self.kernel_sigma2 = kernel, scales, kernel_sigma2

    def default_optimizers(self):
        # Tolstikhin et al. (2018), App. C (MNIST): Adam, lr 1e-3, beta_1 = 0.5.
        return {"autoencoder": keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.5)}

    def latent_divergence(self, codes, prior_codes, seed=None):
        """Unbiased multi-scale MMD² between codes and prior codes ([N, d_z] each)."""
        return mmd(codes, prior_codes, kernel=self.kernel, scales=self.scales,
                   sigma2=self.kernel_sigma2)
