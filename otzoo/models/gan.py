"""GAN: the original generative adversarial network (Goodfellow et al., 2014).

Objective (D outputs a logit l(x), D(x) = sigmoid(l(x))):

    discriminator:  max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]
    generator:      min_G  E_z[log(1 - D(G(z)))]          ("minimax", the game itself)
               or   max_G  E_z[log D(G(z))]               ("non_saturating", Sec. 3:
                    same fixed point, strong gradients early in training)

computed from logits with log D = -softplus(-l), log(1 - D) = -softplus(l) (stable).

Training (Algorithm 1): for k steps, update D on a minibatch of m real examples and m
noise samples; then update G on a fresh minibatch of m noise samples. The paper uses
k = 1. With k > 1 every discriminator step gets its own real batch: the model sets
`real_batches_per_step = k` and the pipeline feeds k * m examples per train step (see
`otzoo.models.adversarial`).

Metrics: `discriminator_loss` (the BCE  -E[log D(x)] - E[log(1 - D(G(z)))], averaged
over the k steps) and `generator_loss` (the generator objective being minimised).

Deviation from the paper, named: the paper says only "we used momentum"; the default
optimizers are Adam(2e-4, beta_1=0.5) for both players, the DCGAN recipe (Radford et al.
2016) that the conv networks of `otzoo.networks` follow. The default generator loss is
"non_saturating", the one the paper recommends in practice.

References:
  Goodfellow, Pouget-Abadie, Mirza, Xu, Warde-Farley, Ozair, Courville, Bengio.
    Generative Adversarial Nets. NeurIPS 2014. https://arxiv.org/abs/1406.2661
  Radford, Metz, Chintala. DCGAN. ICLR 2016. https://arxiv.org/abs/1511.06434
"""

import keras
import tensorflow as tf

from otzoo import checks
from otzoo.losses.adversarial import (bce_discriminator_loss, minimax_generator_loss,
                                      non_saturating_generator_loss)
from otzoo.models.adversarial import AdversarialModel
from otzoo.models.base import Compiled
from otzoo.models.base import MODELS

GENERATOR_LOSSES = {"non_saturating": non_saturating_generator_loss,
                    "minimax": minimax_generator_loss}


def gan_generator_loss(fake_logits, kind="non_saturating"):
    """The generator loss `kind` ("non_saturating" or "minimax", `otzoo.losses`)."""
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"generator_loss must be one of {tuple(GENERATOR_LOSSES)}, got "
                         f"{kind!r}")
    return GENERATOR_LOSSES[kind](fake_logits)


@MODELS.register("gan")
class GAN(AdversarialModel):
    """Goodfellow et al. (2014) GAN with a logit discriminator.

    Args:
      generator: `keras.Model` z -> x.
      discriminator: `keras.Model` x -> [n, 1] logit (no sigmoid).
      generator_loss: "non_saturating" (default) or "minimax".
      discriminator_steps: k, discriminator updates per generator update (paper: 1).
      **kwargs: see `AdversarialModel` (latent_dim, prior, jit_penalties, seed).
    """

    network_roles = ("discriminator",)
    metric_names = ("discriminator_loss", "generator_loss")

    def __init__(self, generator, discriminator, generator_loss="non_saturating",
                 discriminator_steps=1, **kwargs):
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {tuple(GENERATOR_LOSSES)}, "
                             f"got {generator_loss!r}")
        checks.positive_int(discriminator_steps, "discriminator_steps")
        super().__init__(generator, {"discriminator": discriminator}, **kwargs)
        self.generator_loss_kind = generator_loss
        self.discriminator_steps = int(discriminator_steps)
        self.real_batches_per_step = self.discriminator_steps
        # Value and gradient with respect to the logits in one XLA program (see
        # `otzoo.models.wgan` for why a forward-only compiled loss is avoided).
        self._discriminator_loss = Compiled(bce_discriminator_loss, self.jit_penalties)
        self._generator_loss = Compiled(GENERATOR_LOSSES[generator_loss],
                                        self.jit_penalties)

    def default_optimizers(self):
        return {"generator": keras.optimizers.Adam(2e-4, beta_1=0.5),
                "discriminator": keras.optimizers.Adam(2e-4, beta_1=0.5)}

    def player_variables(self):
        return {"generator": self.generator.trainable_variables,
                "discriminator": self.discriminator.trainable_variables}

    def discriminator_step(self, real):
        """One ascent step on E[log D(x)] + E[log(1 - D(G(z)))] (as BCE descent)."""
        z = self.local_prior_sample(tf.shape(real)[0])
        fake = self.generator(z, training=True)
        return self.player_step("discriminator", lambda: self._discriminator_loss(
                self.discriminator(real, training=True),
                self.discriminator(fake, training=True)))

    def generator_step(self, batch_size):
        """One step on the generator loss with a fresh noise minibatch."""
        z = self.local_prior_sample(batch_size)
        return self.player_step("generator", lambda: self._generator_loss(
                self.discriminator(self.generator(z, training=True), training=True)))

    def train_step(self, data):
        real_batches = self.real_batches(data)
        for real in real_batches:  # k discriminator steps, one real batch each
            self.trackers["discriminator_loss"].update_state(self.discriminator_step(real))
        g_loss = self.generator_step(tf.shape(real_batches[0])[0])
        return self.update_metrics({"generator_loss": g_loss})
