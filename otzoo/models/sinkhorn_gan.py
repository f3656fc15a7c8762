"""Sinkhorn GAN: a generator trained by the Sinkhorn loss with an adversarially learned
cost (Genevay, Peyré & Cuturi, AISTATS 2018, Algorithm 1 with a learned cost).

Objectives (a minimax game on one loss):

    critic:     max_phi  S(f_phi#P_data, f_phi#P_G),  then clip every weight to [-c, c]
    generator:  min_G    S(f_phi#P_data, f_phi#P_G)
    S(mu, nu) = 2 W_eps(mu, nu) - W_eps(mu, mu) - W_eps(nu, nu),   W_eps = <P_eps^L, C>,

on mini-batches: C_ij = c_phi(x_i, y_j) = ||f_phi(x_i) - f_phi(y_j)||^p (p = 1: the
paper's learned cost), P_eps^L the entropic plan after L Sinkhorn iterations, and W_eps
the transport cost of that plan, differentiated by automatic differentiation through the
L iterations (the paper's "Sinkhorn AutoDiff"). f_phi (the `critic`, any network
x -> [n, k]; its whole output is the feature) learns a cost under which generated and
real batches are far apart; the generator moves its batch closer in that cost. S is
computed by `otzoo.ot.sinkhorn(..., value="transport", tol=None)` on the all-gathered
global feature batches (the same estimator on N replicas as on one device).

One train step: draw a real batch x and noise z, y = G(z); one critic step ascending
S(f(x), f(y)), then clip the critic's weights to [-c, c]; then one generator step
descending S with the updated critic (same x and z).

Recipe (the authors' code, github.com/audeg/Sinkhorn-GAN, `sinkhorn_gan_images.py`,
`sinkhorn.py`, `util.py`, built on MMD-GAN's): RMSProp(5e-5) for both players, one critic
step per generator step, critic weights clipped to [-0.01, 0.01], z ~ N(0, I),
feature size k = 100, and a grid over epsilon in {10, 10², 10³, 10⁴} (absolute, cost
units), L in {1, 10, 100} and batch sizes {100, 250, 500, 1000}. The defaults here,
epsilon = 100 and L = 10, are points of that grid; which one the paper reports as best
was not checked here (the paper's text was not at hand): "not stated" in this file.

Metrics: `critic_loss` (-S at the critic step, what the critic minimises),
`sinkhorn_loss` (S at the generator step, what the generator minimises).

Deviations, named:
  * the cost is the Euclidean norm ||f(x) - f(y)||_2 (the paper's formula); the authors'
    code uses the L1 norm; p = 2 (squared Euclidean) is an option;
  * otzoo's log-domain Sinkhorn starts from g = 0 and ends on a row update (the
    authors' loop: kernel-scaling updates with an early stop at a potential change
    < 0.1); with tol=None it runs exactly L iterations;
  * the critic is clipped after its update (the authors' code clips before it), so the
    generator always sees a clipped critic; the generator reuses the critic step's z
    (the authors' code draws fresh noise); the critic has no decoder (the authors'
    MMD-GAN critic keeps an unused one).

References:
  Genevay, Peyré, Cuturi. Learning Generative Models with Sinkhorn Divergences.
    AISTATS 2018. https://arxiv.org/abs/1706.00292
  Li, Chang, Cheng, Yang, Póczos. MMD GAN: Towards Deeper Understanding of Moment
    Matching Network. NeurIPS 2017 (the critic and its clipping).
"""

import keras
import tensorflow as tf

from otzoo import checks
from otzoo.models.adversarial import AdversarialModel, flatten
from otzoo.models.base import MODELS, Compiled, gather_global
from otzoo.ot import _checks
from otzoo.ot.sinkhorn import sinkhorn


def sinkhorn_loss(x, y, epsilon, num_iters, p=1):
    """Genevay et al.'s debiased Sinkhorn loss between point clouds x [n, d], y [m, d].

        S = 2 W_eps(x, y) - W_eps(x, x) - W_eps(y, y),   W_eps = <P_eps^L, C>,

    C_ij = ||x_i - y_j||^p, P_eps^L the plan after exactly `num_iters` = L log-domain
    Sinkhorn iterations, differentiated through them (value "transport" of
    `otzoo.ot.sinkhorn`). Twice the scale of `otzoo.ot.sinkhorn_divergence`'s convention.

    Returns:
      Scalar S (dtype of x).
    """
    kwargs = dict(epsilon=epsilon, p=p, num_iters=num_iters, tol=None, value="transport")
    return (2.0 * sinkhorn(x, y, **kwargs) - sinkhorn(x, x, **kwargs)
            - sinkhorn(y, y, **kwargs))


@MODELS.register("sinkhorn_gan")
class SinkhornGAN(AdversarialModel):
    """Genevay et al. (2018) Sinkhorn generative model with a learned cost.

    Args:
      generator: `keras.Model` z -> x.
      critic: `keras.Model` x -> [n, k], the feature map f_phi of the cost.
      epsilon: entropic regularisation, > 0, absolute (cost units).
      num_iters: L, Sinkhorn iterations (exactly L; gradients through all of them).
      p: cost exponent, c = ||f(x) - f(y)||^p (1: the paper's cost).
      clip_value: c, the critic's weights are clipped to [-c, c] after each update;
        None: no clipping.
      prior: latent prior (authors' code: "normal").
      **kwargs: see `AdversarialModel` (latent_dim, prior_kwargs, jit_penalties, seed,
        ema_decay).
    """

    network_roles = ("critic",)
    metric_names = ("critic_loss", "sinkhorn_loss")
    test_options = {"num_iters": 3}

    def __init__(self, generator, critic, epsilon=100.0, num_iters=10, p=1,
                 clip_value=0.01, prior="normal", **kwargs):
        super().__init__(generator, {"critic": critic}, prior=prior, **kwargs)
        self.epsilon = _checks.check_positive(epsilon, "epsilon")
        self.num_iters = checks.positive_int(num_iters, "num_iters")
        self.p = _checks.check_p(p)
        if clip_value is not None:
            clip_value = checks.positive_number(clip_value, "clip_value")
        self.clip_value = clip_value
        # Value and gradient (w.r.t. both feature batches) in one XLA program.
        self._loss = Compiled(self.feature_loss, self.jit_penalties)

    def default_optimizers(self):
        return {"generator": keras.optimizers.RMSprop(5e-5),
                "critic": keras.optimizers.RMSprop(5e-5)}

    def player_variables(self):
        return {"generator": self.generator.trainable_variables,
                "critic": self.critic.trainable_variables}

    def features(self, x, training=True):
        """f_phi(x) as [n, k] (the critic's output, flattened)."""
        return flatten(self.critic(x, training=training))

    def feature_loss(self, real_features, fake_features):
        """S on global feature batches [N, k] (see `sinkhorn_loss`)."""
        return sinkhorn_loss(real_features, fake_features, self.epsilon, self.num_iters,
                             self.p)

    def critic_step(self, real, fake):
        """One ascent step of f_phi on S (descent on -S), then the clipping."""
        loss = self.player_step("critic", lambda: -self._loss(
                gather_global(self.features(real)), gather_global(self.features(fake))))
        if self.clip_value is not None:
            for w in self.critic.trainable_variables:
                w.assign(tf.clip_by_value(w, -self.clip_value, self.clip_value))
        return loss

    def train_step(self, data):
        real = self.real_batches(data)[0]
        z = self.local_prior_sample(tf.shape(real)[0])

        def generator_loss(tape):
            fake = self.generator(z, training=True)
            with tape.stop_recording():  # the critic's step, on the same batches, first
                critic_loss = self.critic_step(real, tf.stop_gradient(fake))
                real_features = gather_global(self.features(real))
            fake_features = gather_global(self.features(fake))
            # A replicated global-batch term (player_step scales it by 1 / replicas).
            return self._loss(real_features, fake_features), critic_loss

        loss, critic_loss = self.player_step("generator", generator_loss, pass_tape=True)
        return self.update_metrics({"critic_loss": critic_loss, "sinkhorn_loss": loss})
