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

import functools

import keras
import tensorflow as tf

from otzoo.models.adversarial import AdversarialModel, Compiled
from otzoo.models.base import MODELS, num_replicas

GENERATOR_LOSSES = ("non_saturating", "minimax")


def bce_discriminator_loss(real_logits, fake_logits):
    """Per-sample BCE of the discriminator: softplus(-l(x)) + softplus(l(G(z))).

    Args:
      real_logits: [n, 1] or [n] logits on real examples.
      fake_logits: same shape, logits on generated examples.

    Returns:
      Scalar: -mean log D(x) - mean log(1 - D(G(z))) (>= 0; 2 log 2 at D = 1/2).
    """
    return (tf.reduce_mean(tf.nn.softplus(-real_logits))
            + tf.reduce_mean(tf.nn.softplus(fake_logits)))


def gan_generator_loss(fake_logits, kind="non_saturating"):
    """The generator objective to minimise.

    "non_saturating": -mean log D(G(z)) = mean softplus(-l);
    "minimax":         mean log(1 - D(G(z))) = -mean softplus(l).
    """
    if kind == "non_saturating":
        return tf.reduce_mean(tf.nn.softplus(-fake_logits))
    if kind == "minimax":
        return -tf.reduce_mean(tf.nn.softplus(fake_logits))
    raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {kind!r}")


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
            raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got "
                             f"{generator_loss!r}")
        if int(discriminator_steps) != discriminator_steps or discriminator_steps < 1:
            raise ValueError(f"discriminator_steps must be a positive int, got "
                             f"{discriminator_steps!r}")
        super().__init__(generator, {"discriminator": discriminator}, **kwargs)
        self.generator_loss_kind = generator_loss
        self.discriminator_steps = int(discriminator_steps)
        self.real_batches_per_step = self.discriminator_steps
        self._discriminator_loss = Compiled(bce_discriminator_loss, self.jit_penalties)
        self._generator_loss = Compiled(
                functools.partial(gan_generator_loss, kind=generator_loss), self.jit_penalties)

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
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            loss = self._discriminator_loss(self.discriminator(real, training=True),
                                            self.discriminator(fake, training=True))
            scaled_loss = loss / num_replicas()
        grads = tape.gradient(scaled_loss, variables)
        self.optimizer_for("discriminator").apply_gradients(zip(grads, variables))
        return loss

    def generator_step(self, batch_size):
        """One step on the generator loss with a fresh noise minibatch."""
        z = self.local_prior_sample(batch_size)
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            loss = self._generator_loss(self.discriminator(fake, training=True))
            scaled_loss = loss / num_replicas()
        grads = tape.gradient(scaled_loss, variables)
        self.optimizer_for("generator").apply_gradients(zip(grads, variables))
        return loss

    def train_step(self, data):
        real_batches = self.real_batches(data)
        for real in real_batches:  # k discriminator steps, one real batch each
            self.trackers["discriminator_loss"].update_state(self.discriminator_step(real))
        g_loss = self.generator_step(tf.shape(real_batches[0])[0])
        return self.update_metrics({"generator_loss": g_loss})
