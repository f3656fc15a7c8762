"""WGAN-GP: Wasserstein GAN with a gradient penalty (Gulrajani et al., 2017).

Objective (critic f, no sigmoid; Algorithm 1 of the paper):

    critic:     min_f  E_z[f(G(z))] - E_x[f(x)] + lambda E_x̂[(||grad_x̂ f(x̂)||_2 - 1)²],
                x̂ = a x + (1 - a) G(z),  a ~ U(0, 1) per sample
    generator:  min_G  -E_z[f(G(z))]

E_x[f(x)] - E_z[f(G(z))] estimates W1(P_data, P_G) once f is (close to) 1-Lipschitz;
it is logged as `wasserstein_estimate`.

Recipe: lambda = 10, n_critic = 5 critic updates per generator update (Algorithm 1),
each on a fresh real batch, Adam(1e-4, beta_1=0.5, beta_2=0.9) for both players, no
batch norm (nor dropout) in the critic: the penalty is per sample, batch statistics would
couple the samples (`otzoo.networks.conv_encoder` has none by default; layer norm is
fine, as the paper suggests).

Feeding: one train step = n_critic critic updates + one generator update. The model sets
`real_batches_per_step = n_critic`; the pipeline feeds n_critic * B examples per step and
critic update i uses rows i, i + n_critic, ... (see `otzoo.models.adversarial`).

Penalty details (bugs peers shipped, avoided here): a ~ U(0, 1), one per sample, shape
[b, 1, ..., 1], drawn for the global batch and sliced per replica (no hard-coded batch
size); the gradient norm is taken over all non-batch axes; a small epsilon sits inside
the square root so a zero gradient gives a finite gradient of the penalty.

Metrics: `critic_loss` (the full critic objective incl. penalty), `gradient_penalty`
(E[(||grad|| - 1)²], without lambda), `wasserstein_estimate`, `generator_loss`;
critic metrics are averaged over the n_critic updates of a step.

Deviations from the paper, named:
- beta_1 = 0.5 (the authors' gan_mnist.py) instead of Algorithm 1's beta_1 = 0;
  `--variant=paper` uses Algorithm 1's Adam(1e-4, 0, 0.9).
- epsilon = 1e-10 inside the square root (the paper's algorithm has none; it only guards
  the zero-gradient case).

References:
  Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville. Improved Training of Wasserstein GANs.
    NeurIPS 2017. https://arxiv.org/abs/1704.00028
"""

import keras
import tensorflow as tf

from otzoo import checks
from otzoo.losses.adversarial import gradient_penalty  # noqa: F401  (its per-sample form)
from otzoo.losses.adversarial import (wasserstein_critic_loss, wasserstein_generator_loss,
                                      wasserstein_gradient_penalty)
from otzoo.models.adversarial import AdversarialModel
from otzoo.models.base import Jitted
from otzoo.models.base import MODELS


@MODELS.register("wgan_gp")
class WGANGP(AdversarialModel):
    """Gulrajani et al. (2017) WGAN-GP.

    Args:
      generator: `keras.Model` z -> x.
      critic: `keras.Model` x -> [n, 1] score; must not use batch norm or dropout.
      gp_weight: lambda (paper: 10).
      critic_steps: n_critic (paper: 5); also `real_batches_per_step`.
      **kwargs: see `AdversarialModel` (latent_dim, prior, jit_penalties, seed).
    """

    network_roles = ("critic",)
    metric_names = ("critic_loss", "gradient_penalty", "wasserstein_estimate",
                    "generator_loss")
    test_options = {"critic_steps": 2}  # fewer critic updates per step: cheaper to trace

    def __init__(self, generator, critic, gp_weight=10.0, critic_steps=5, **kwargs):
        gp_weight = float(gp_weight)
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight (lambda) must be >= 0, got {gp_weight}")
        checks.positive_int(critic_steps, "critic_steps")
        bad = [layer.name for layer in critic._flatten_layers()
               if isinstance(layer, (keras.layers.BatchNormalization, keras.layers.Dropout))]
        if bad:
            raise ValueError(f"the WGAN-GP critic must have no batch norm or dropout (the "
                             f"penalty is per sample); found {bad}. Use layer norm or none.")
        super().__init__(generator, {"critic": critic}, **kwargs)
        self.gp_weight = gp_weight
        self.critic_steps = int(critic_steps)
        self.real_batches_per_step = self.critic_steps
        self._penalty = Jitted(self._penalty_fn, self.jit_penalties)

    def _penalty_fn(self, real, fake, alpha):
        return wasserstein_gradient_penalty(self.critic, real, fake, alpha)

    def default_optimizers(self):
        return {"generator": keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                "critic": keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)}

    def player_variables(self):
        return {"generator": self.generator.trainable_variables,
                "critic": self.critic.trainable_variables}

    def critic_step(self, real):
        """One Adam step on E[f(G(z))] - E[f(x)] + lambda E[(||grad f(x̂)|| - 1)²]."""
        batch = tf.shape(real)[0]
        z = self.local_prior_sample(batch)
        alpha = self.local_uniform(batch, (1,) * (len(real.shape) - 1))
        fake = self.generator(z, training=True)

        def critic_loss():
            w_loss = wasserstein_critic_loss(self.critic(real, training=True),
                                             self.critic(fake, training=True))
            penalty = self._penalty(real, fake, alpha)
            return w_loss + self.gp_weight * penalty, (w_loss, penalty)

        loss, (w_loss, penalty) = self.player_step("critic", critic_loss)
        return {"critic_loss": loss, "gradient_penalty": penalty,
                "wasserstein_estimate": -w_loss}

    def generator_step(self, batch_size):
        """One Adam step on -E[f(G(z))]."""
        z = self.local_prior_sample(batch_size)
        return self.player_step("generator", lambda: wasserstein_generator_loss(
                self.critic(self.generator(z, training=True), training=True)))

    def train_step(self, data):
        real_batches = self.real_batches(data)
        for real in real_batches:  # n_critic updates, a fresh real batch each
            for name, value in self.critic_step(real).items():
                self.trackers[name].update_state(value)
        g_loss = self.generator_step(tf.shape(real_batches[0])[0])
        return self.update_metrics({"generator_loss": g_loss})
