"""VAE: the variational autoencoder of Kingma & Welling (2014), the family's baseline.

Maximises the evidence lower bound (ELBO) with the reparametrisation trick; the loss is
the negative ELBO, per example, averaged over the batch:

    loss = 1/n sum_i [ -log p_G(x_i | z_i) + beta KL(q(z | x_i) || N(0, I)) ],
    z_i = mu(x_i) + sigma(x_i) * eps_i,   eps_i ~ N(0, I)   (one draw, L = 1),
    KL   = 1/2 sum_j (mu_j² + sigma_j² - log sigma_j² - 1)     (closed form, App. B).

Reduction convention: -log p(x|z) is summed over all pixels / coordinates of an
example and the KL over the latent dimensions; both are then averaged over the batch
(so `loss` is the per-example negative ELBO in nats). `beta` = `kl_weight` = 1 is the
ELBO; the logged `kl` is the (positive) KL divergence without the weight.

Decoders (`likelihood`):
  "bernoulli": the decoder outputs logits (build it with output_activation=None);
      -log p(x|z) = sum_j BCE_with_logits(x_j, logit_j); data in [0, 1]. `decode` and
      `sample` return the Bernoulli means sigmoid(logits).
  "gaussian": the decoder outputs the mean; p(x|z) = N(mean, observation_variance I),
      -log p(x|z) = sum_j [(x_j - mean_j)² / (2 s²) + log(2 pi s²) / 2].

Recipe (paper, Sec. 5): minibatch M = 100, L = 1 sample per datapoint, Adagrad with a
global step size from {0.01, 0.02, 0.1} (default here: 0.01).

Deviations from the paper:
  * Gaussian decoder with a fixed observation variance (a hyperparameter) instead of a
    variance output by the decoder network, so any zoo decoder can be used.
  * No weight decay (the paper puts a N(0, I) prior on the parameters).
  * Optional `kl_weight` (beta); the paper's objective is kl_weight = 1.
  * Noise for the reparametrisation is drawn for the global batch and sliced per
    replica (identical training on N replicas and one device).

Metrics: loss, reconstruction_loss (mean -log p(x|z)), kl.

References:
  Kingma, Welling. Auto-Encoding Variational Bayes. ICLR 2014.
    https://arxiv.org/abs/1312.6114
"""

import keras
import tensorflow as tf

from otzoo.losses.autoencoding import (bernoulli_negative_log_likelihood, gaussian_kl,
                                       gaussian_negative_log_likelihood, mean_gaussian_kl)
from otzoo.models.autoencoder import Autoencoder, Compiled
from otzoo.models.base import unpack_data
from otzoo.models.base import MODELS

LIKELIHOODS = ("bernoulli", "gaussian")


@MODELS.register("vae")
class VAE(Autoencoder):
    """Variational autoencoder (see the module docstring).

    Args:
      encoder: x -> [n, 2 latent_dim] (mean, log-variance).
      decoder: z -> logits ("bernoulli") or means ("gaussian") of shape [n, *data_shape].
      latent_dim: code size (inferred from the decoder when None).
      likelihood: "bernoulli" (default, binarised / [0, 1] data) or "gaussian".
      observation_variance: s² of the Gaussian decoder (ignored for "bernoulli").
      kl_weight: beta multiplying the KL (1 = the ELBO).
      jit_penalties: XLA-compile the KL term.
      seed: seed of the model's SeedGenerator.
    """

    metric_names = ("loss", "reconstruction_loss", "kl")
    requires_gaussian_encoder = True

    def __init__(self, encoder, decoder, latent_dim=None, likelihood="bernoulli",
                 observation_variance=1.0, kl_weight=1.0, jit_penalties=False, seed=0,
                 **kwargs):
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
        observation_variance = float(observation_variance)
        if not observation_variance > 0:
            raise ValueError(
                    f"observation_variance must be > 0, got {observation_variance}")
        kl_weight = float(kl_weight)
        if not kl_weight >= 0:
            raise ValueError(f"kl_weight must be >= 0, got {kl_weight}")
        super().__init__(encoder, decoder, latent_dim=latent_dim, gaussian_encoder=True,
                         prior="normal", jit_penalties=jit_penalties, seed=seed, **kwargs)
        self.likelihood = likelihood
        self.observation_variance = observation_variance
        self.kl_weight = kl_weight
        self._mean_kl = Compiled(mean_gaussian_kl, self.jit_penalties)

    def default_optimizers(self):
        # Kingma & Welling (2014), Sec. 5: Adagrad, global step size 0.01.
        return {"autoencoder": keras.optimizers.Adagrad(learning_rate=0.01)}

    def decode(self, z, training=False):
        """The mean of p(x|z): sigmoid(logits) (Bernoulli) or the Gaussian mean."""
        out = self.decoder(z, training=training)
        return tf.sigmoid(out) if self.likelihood == "bernoulli" else out

    def negative_log_likelihood(self, x, decoder_output):
        """-log p(x | z) per example [n], summed over the coordinates of x."""
        if self.likelihood == "bernoulli":
            return bernoulli_negative_log_likelihood(x, decoder_output)
        return gaussian_negative_log_likelihood(x, decoder_output,
                                                self.observation_variance)

    def kl(self, mean, log_var):
        """Per-example KL(q(z|x) || N(0, I)) [n] (closed form)."""
        return gaussian_kl(mean, log_var)

    def train_step(self, data):
        x = unpack_data(data)

        def negative_elbo():
            mean, log_var = self.encoder_moments(x, training=True)
            z = self.reparametrize(mean, log_var)
            decoder_output = self.decoder(z, training=True)
            reconstruction = tf.reduce_mean(self.negative_log_likelihood(x, decoder_output))
            kl = self._mean_kl(mean, log_var)
            return reconstruction + self.kl_weight * kl, (reconstruction, kl)

        # Per-replica batch means: player_step's 1 / replicas makes the summed gradient
        # the one-device gradient of the global-batch mean.
        loss, (reconstruction, kl) = self.player_step("autoencoder", negative_elbo)
        return self.update_metrics(
                {"loss": loss, "reconstruction_loss": reconstruction, "kl": kl})
