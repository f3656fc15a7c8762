"""WAE-GAN: the Wasserstein autoencoder with an adversary in the latent space.

Tolstikhin et al. (2018), Algorithm 1. Each step, with z_i ~ P_Z and z̃_i ~ Q(Z|x_i):

  1. the latent discriminator D_gamma (a probability; D = sigmoid(logit)) ascends

         lambda/n sum_i [ log D(z_i) + log(1 - D(z̃_i)) ],

     i.e. descends `lambda * discriminator_loss`, the logistic loss with prior codes
     labelled 1 ("real") and encoded codes labelled 0;
  2. the encoder Q and decoder G descend (with the updated D)

         1/n sum_i [ c(x_i, G(z̃_i)) - lambda log D(z̃_i) ],

     the non-saturating form: the encoder is pushed to make D call its codes real.

Paper defaults (MNIST, Sec. 4 / App. C, and the authors' MNIST config): d_z = 8,
lambda = 10, P_Z = N(0, I), c(x, y) = ||x - y||²_2, deterministic encoder; discriminator
z -> 4 x (FC 512 + ReLU) -> FC 1 (e.g. `otzoo.networks.mlp(d_z, 1, hidden_units=(512,) *
4)`); Adam with beta_1 = 0.5, lr 1e-3 for the encoder-decoder and 5e-4 for the
adversary; batch 100.

Reduction: c is summed over the pixels of an example ("sum") and averaged over the batch;
the adversarial terms are averaged over the batch. Under `tf.distribute` each replica
averages its own examples and the 1/num_replicas scaling makes the summed gradient the
one-device gradient (the adversarial loss is per example, so no gathering is needed;
the prior draw is one global draw sliced per replica).

Deviations from the paper:
  * The learning-rate schedule (decays after 30 and 50 epochs) is left to the caller.
  * The authors' code multiplies the l2sq cost by 0.05; the paper does not, nor do we.
  * The authors' code (wae.py) runs the encoder-decoder update before the adversary
    update; we follow Algorithm 1 (adversary first, then Q and G against the updated D).
  * No encoder pre-training; Gaussian encoders and other priors are options.

Metrics: loss (the encoder-decoder objective, lambda included), reconstruction_loss,
gan_penalty (the unweighted -1/n sum log D(z̃_i)), discriminator_loss (the unweighted
logistic loss -1/n sum [log D(z_i) + log(1 - D(z̃_i))]; log 4 ≈ 1.386 at chance).

References:
  Tolstikhin, Bousquet, Gelly, Schoelkopf. Wasserstein Auto-Encoders. ICLR 2018.
    https://arxiv.org/abs/1711.01558
"""

import keras
import tensorflow as tf

from otzoo.losses.adversarial import bce_discriminator_loss, non_saturating_generator_loss
from otzoo.losses.autoencoding import check_reduction, parse_cost, reconstruction_loss
from otzoo.models.autoencoder import Autoencoder, Compiled, check_probability_output
from otzoo.models.base import MODELS, Jitted, unpack_data

# The GAN family's losses under WAE-GAN's names: prior codes z play the real data,
# encoded codes z̃ the generated data.
discriminator_loss = bce_discriminator_loss  # -mean log D(z) - mean log(1 - D(z̃))
encoder_gan_penalty = non_saturating_generator_loss  # -mean log D(z̃)


@MODELS.register("wae_gan")
class WAEGAN(Autoencoder):
    """WAE-GAN (see the module docstring).

    Args:
      encoder: x -> [n, latent_dim] (or [n, 2 latent_dim] with gaussian_encoder=True).
      decoder: z -> [n, *data_shape].
      discriminator: z [n, latent_dim] -> logits [n, 1] (no final sigmoid).
      latent_dim: code size (inferred from the decoder when None).
      penalty_weight: lambda (10).
      reconstruction: "l2sq" (paper), "l1", "bce" or a sum like "bce+l1".
      reconstruction_reduction: "sum" (paper) or "mean" over the coordinates.
      gaussian_encoder: stochastic encoder option (default False, as the paper).
      prior, prior_kwargs: the latent prior (default N(0, I)).
      jit_penalties: XLA-compile the adversarial losses (discriminator forward pass
        included).
      seed: seed of the model's SeedGenerator.
    """

    metric_names = ("loss", "reconstruction_loss", "gan_penalty", "discriminator_loss")
    network_roles = ("discriminator",)

    def __init__(self, encoder, decoder, discriminator, latent_dim=None,
                 penalty_weight=10.0, reconstruction="l2sq",
                 reconstruction_reduction="sum", gaussian_encoder=False, prior="normal",
                 prior_kwargs=None, jit_penalties=False, seed=0, **kwargs):
        if not isinstance(discriminator, keras.Model):
            raise ValueError(
                    f"discriminator must be a keras.Model, got {type(discriminator).__name__}")
        super().__init__(encoder, decoder, latent_dim=latent_dim,
                         gaussian_encoder=gaussian_encoder, prior=prior,
                         prior_kwargs=prior_kwargs, jit_penalties=jit_penalties,
                         seed=seed, **kwargs)
        disc_in = getattr(discriminator, "input_shape", None)
        if disc_in is not None and disc_in[-1] is not None and disc_in[-1] != self.latent_dim:
            raise ValueError(f"the discriminator takes inputs of size {disc_in[-1]}, but "
                             f"latent_dim={self.latent_dim}")
        disc_out = getattr(discriminator, "output_shape", None)
        if disc_out is not None and disc_out[-1] not in (None, 1):
            raise ValueError(f"the discriminator must output one logit per code, its "
                             f"output shape is {disc_out}")
        self.discriminator = discriminator
        if self.data_shape is not None and not discriminator.built:
            discriminator.build((None, self.latent_dim))
        penalty_weight = float(penalty_weight)
        if not penalty_weight >= 0:
            raise ValueError(f"penalty_weight (lambda) must be >= 0, got {penalty_weight}")
        self.penalty_weight = penalty_weight
        self.reconstruction = "+".join(parse_cost(reconstruction))
        self.reconstruction_reduction = check_reduction(reconstruction_reduction)
        if "bce" in parse_cost(reconstruction):
            check_probability_output(decoder)
        # The adversary's loss and its gradient in one (optionally XLA) call; the
        # encoder's term is differentiated with respect to the codes only.
        self._adversary_step = Jitted(self.adversary_loss_and_grads, self.jit_penalties)
        self._gan_penalty = Compiled(self.gan_penalty, self.jit_penalties, argnums=(0,))

    def build_networks(self, data_shape):
        super().build_networks(data_shape)
        discriminator = getattr(self, "discriminator", None)  # None during __init__
        if discriminator is not None and not discriminator.built:
            discriminator.build((None, self.latent_dim))

    # -- losses ----------------------------------------------------------------------------
    def adversary_loss(self, prior_codes, codes):
        """Unweighted discriminator loss -mean[log D(z) + log(1 - D(z̃))] (scalar)."""
        return discriminator_loss(self.discriminator(prior_codes, training=True),
                                  self.discriminator(codes, training=True))

    def adversary_loss_and_grads(self, prior_codes, codes):
        """(unweighted adversary loss, gradients of the lambda-weighted loss w.r.t. the
        discriminator's trainable variables, as `player_gradients` computes them)."""

        def weighted_loss():
            loss = self.adversary_loss(prior_codes, codes)
            return self.penalty_weight * loss, loss

        (_, loss), grads = self.player_gradients(weighted_loss,
                                                 self.discriminator.trainable_variables)
        return loss, grads

    def gan_penalty(self, codes):
        """Unweighted encoder loss -mean log D(z̃) (scalar)."""
        return encoder_gan_penalty(self.discriminator(codes, training=True))

    # -- optimizers ------------------------------------------------------------------------
    def default_optimizers(self):
        # Tolstikhin et al. (2018), App. C (MNIST): Adam with beta_1 = 0.5; lr 1e-3 for
        # the encoder-decoder, 5e-4 for the adversary.
        return {"autoencoder": keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.5),
                "discriminator": keras.optimizers.Adam(learning_rate=5e-4, beta_1=0.5)}

    def player_variables(self):
        return {"autoencoder": self.autoencoder_variables,
                "discriminator": self.discriminator.trainable_variables}

    # -- Algorithm 1 -----------------------------------------------------------------------
    def train_step(self, data):
        x = unpack_data(data)

        def autoencoder_loss(tape):
            codes = self.encode(x, sample=True, training=True)   # z̃ ~ Q(Z|x)
            x_hat = self.decode(codes, training=True)
            reconstruction = reconstruction_loss(x, x_hat, self.reconstruction,
                                                 self.reconstruction_reduction)
            # z ~ P_Z: this replica's rows of one global draw.
            prior_codes = self.local_prior_sample(tf.shape(codes)[0])

            # 1. Adversary step on the same codes (no gradient to Q through it); its
            # gradients come from one (optionally XLA-compiled) call.
            with tape.stop_recording():
                d_loss, d_grads = self._adversary_step(prior_codes, tf.stop_gradient(codes))
                self.apply_player_gradients("discriminator", d_grads)

            # 2. Encoder-decoder step against the updated adversary.
            gan_penalty = self._gan_penalty(codes)
            return (reconstruction + self.penalty_weight * gan_penalty,
                    (reconstruction, gan_penalty, d_loss))

        loss, (reconstruction, gan_penalty, d_loss) = self.player_step(
                "autoencoder", autoencoder_loss, pass_tape=True)
        return self.update_metrics({"loss": loss, "reconstruction_loss": reconstruction,
                                    "gan_penalty": gan_penalty,
                                    "discriminator_loss": d_loss})
