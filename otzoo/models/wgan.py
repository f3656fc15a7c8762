"""WGAN: Wasserstein GAN with weight clipping (Arjovsky, Chintala & Bottou, 2017).

Objective (critic f_w, no sigmoid; Algorithm 1 of the paper):

    critic:     max_w  E_x[f_w(x)] - E_z[f_w(G(z))],  then clip every w to [-c, c]
    generator:  min_G  -E_z[f_w(G(z))]

With clipped weights f_w is K-Lipschitz for some K, so the critic's maximum estimates
K * W1(P_data, P_G); E_x[f(x)] - E_z[f(G(z))] is logged as `wasserstein_estimate`.

Recipe (paper defaults): RMSProp with learning rate 5e-5 for both players, clipping
c = 0.01 applied to every critic weight after every critic update, n_critic = 5 critic
updates per generator update, each on a fresh real batch, except 100 critic updates for
the first 25 generator updates and for every 500th generator update (the reference
code's schedule, which the paper's experiments used).

How the schedule runs in graph mode without retracing. Optimizer updates are
synchronisation points under MirroredStrategy and cannot sit inside `tf.cond` or
`tf.while_loop`, so the number of updates per train step is static:

  * one train step = `critic_steps_per_call` critic updates (default 5, each on its own
    real batch: `real_batches_per_step`, see `otzoo.models.adversarial`), then one
    generator update that takes effect only when it is due;
  * it is due when the critic updates since the last generator update reach n(g), with
    g the generator's update count: n(g) = 100 if g < 25 or g % 500 == 0 else 5. Both
    counts are the optimizers' `iterations`, so the schedule is checkpointed with them
    and needs no extra state: the critic updates done before generator update g are
    C(g) = sum_{i<g} n(i), in closed form, and the step is due iff
    critic_iterations - C(g) >= n(g);
  * a generator update that is not due is computed, applied and then undone exactly
    (every generator variable and generator-optimizer variable, incl. its iteration
    count, is restored with `tf.where`), which needs no control flow.

So during the warm-up a generator update happens every 20th train step, then every
step. `critic_steps_per_call` must divide both 5 and 100 (1 or 5).

Metrics: `critic_loss` (E[f(G(z))] - E[f(x)]), `wasserstein_estimate` (its negative),
averaged over a step's critic updates; `generator_loss`, averaged over the generator
updates that took effect; `generator_updated` (1 if the step updated the generator).

Deviations from the paper, named: RMSProp's decay and epsilon take the values of the
PyTorch reference code (rho = 0.99, epsilon = 1e-8); the paper gives only the learning
rate. The update is not PyTorch's: Keras 3's RMSprop divides by sqrt(v + epsilon),
PyTorch's by sqrt(v) + epsilon (v the running mean of g²). The steps agree to a
relative epsilon / 2v (< 0.5% once the RMS gradient exceeds 1e-3), but Keras'
denominator never falls below sqrt(epsilon) = 1e-4 where PyTorch's falls to 1e-8: on
weights whose RMS gradient is below ~1e-4 Keras steps up to lr * |g| / 1e-4, smaller
than PyTorch's lr * |g| / sqrt(v).

References:
  Arjovsky, Chintala, Bottou. Wasserstein GAN. ICML 2017. https://arxiv.org/abs/1701.07875
  Reference code: https://github.com/martinarjovsky/WassersteinGAN (main.py).
"""

import keras
import tensorflow as tf

from otzoo import checks
from otzoo.losses.adversarial import wasserstein_critic_loss, wasserstein_generator_loss
from otzoo.models.adversarial import AdversarialModel
from otzoo.models.base import Compiled
from otzoo.models.base import MODELS


def critic_steps_for(generator_step, critic_steps=5, warmup_critic_steps=100,
                     warmup_generator_steps=25, warmup_every=500):
    """n(g): critic updates before generator update g (0-based) in the WGAN schedule.

    n(g) = warmup_critic_steps if g < warmup_generator_steps or g % warmup_every == 0,
    else critic_steps. `warmup_every=None` disables the periodic warm-up.
    """
    g = tf.convert_to_tensor(generator_step, tf.int64)
    warm = g < warmup_generator_steps
    if warmup_every:
        warm = warm | tf.equal(g % warmup_every, 0)
    return tf.where(warm, tf.constant(warmup_critic_steps, tf.int64),
                    tf.constant(critic_steps, tf.int64))


def critic_steps_before(generator_step, critic_steps=5, warmup_critic_steps=100,
                        warmup_generator_steps=25, warmup_every=500):
    """C(g) = sum_{i<g} n(i): critic updates done before generator update g (closed form)."""
    g = tf.convert_to_tensor(generator_step, tf.int64)
    warm = tf.minimum(g, warmup_generator_steps)
    if warmup_every:
        # Multiples of warmup_every in [warmup_generator_steps, g).
        ceil_div = lambda a, b: (a + b - 1) // b  # noqa: E731
        warm += tf.maximum(tf.constant(0, tf.int64),
                           ceil_div(g, warmup_every)
                           - ceil_div(tf.constant(warmup_generator_steps, tf.int64),
                                      warmup_every))
    return critic_steps * g + (warmup_critic_steps - critic_steps) * warm


@MODELS.register("wgan")
class WGAN(AdversarialModel):
    """Arjovsky et al. (2017) WGAN with weight clipping.

    Args:
      generator: `keras.Model` z -> x.
      critic: `keras.Model` x -> [n, 1] score.
      clip_value: c (paper: 0.01).
      critic_steps: n_critic after the warm-up (paper: 5).
      warmup_critic_steps: critic updates per generator update in the warm-up (100).
      warmup_generator_steps: generator updates with the warm-up count (25).
      warmup_every: also every this many generator updates (500; None disables).
      critic_steps_per_call: critic updates per train step (= real batches per step);
        must divide critic_steps and warmup_critic_steps. Default: critic_steps.
      **kwargs: see `AdversarialModel` (latent_dim, prior, jit_penalties, seed).
    """

    network_roles = ("critic",)
    metric_names = ("critic_loss", "wasserstein_estimate", "generator_loss",
                    "generator_updated")
    # Fewer critic updates per generator update (cheaper to trace), warm-up included.
    test_options = {"critic_steps": 2, "warmup_critic_steps": 4,
                    "warmup_generator_steps": 1, "warmup_every": 2}

    def __init__(self, generator, critic, clip_value=0.01, critic_steps=5,
                 warmup_critic_steps=100, warmup_generator_steps=25, warmup_every=500,
                 critic_steps_per_call=None, **kwargs):
        clip_value = float(clip_value)
        if not clip_value > 0:
            raise ValueError(f"clip_value must be > 0, got {clip_value}")
        checks.positive_int(critic_steps, "critic_steps")
        checks.positive_int(warmup_critic_steps, "warmup_critic_steps")
        checks.non_negative_int(warmup_generator_steps, "warmup_generator_steps")
        if warmup_every is not None:
            checks.positive_int(warmup_every, "warmup_every (or None)")
        per_call = int(critic_steps if critic_steps_per_call is None else critic_steps_per_call)
        if per_call < 1 or critic_steps % per_call or warmup_critic_steps % per_call:
            raise ValueError(
                    f"critic_steps_per_call must divide critic_steps ({critic_steps}) and "
                    f"warmup_critic_steps ({warmup_critic_steps}) so that a generator "
                    f"update falls at the end of a train step; got {per_call} (pass "
                    f"critic_steps_per_call=1, or counts that {per_call} divides)")
        super().__init__(generator, {"critic": critic}, **kwargs)
        self.clip_value = clip_value
        self.schedule = dict(critic_steps=int(critic_steps),
                             warmup_critic_steps=int(warmup_critic_steps),
                             warmup_generator_steps=int(warmup_generator_steps),
                             warmup_every=None if warmup_every is None else int(warmup_every))
        self.critic_steps_per_call = per_call
        self.real_batches_per_step = per_call
        # Value and gradient with respect to the scores in one XLA program. The
        # forward-only compiled loss (`Jitted`), whose gradient TF ran outside XLA, gave
        # run-to-run different weights with the conv networks of the zoo config, even on
        # one inter-op and one intra-op thread; `Compiled` (and no compilation) are
        # bit-exact (tests/gans/compiled_penalties_test.py).
        self._critic_loss = Compiled(wasserstein_critic_loss, self.jit_penalties)

    def default_optimizers(self):
        return {"generator": keras.optimizers.RMSprop(5e-5, rho=0.99, epsilon=1e-8),
                "critic": keras.optimizers.RMSprop(5e-5, rho=0.99, epsilon=1e-8)}

    def player_variables(self):
        return {"generator": self.generator.trainable_variables,
                "critic": self.critic.trainable_variables}

    def generator_update_due(self):
        """True iff the critic updates since the last generator update reached n(g)."""
        g = tf.cast(self.optimizer_for("generator").iterations, tf.int64)
        c = tf.cast(self.optimizer_for("critic").iterations, tf.int64)
        return c - critic_steps_before(g, **self.schedule) >= critic_steps_for(
                g, **self.schedule)

    def critic_step(self, real):
        """One RMSProp step on E[f(G(z))] - E[f(x)], then clip the weights to [-c, c]."""
        z = self.local_prior_sample(tf.shape(real)[0])
        fake = self.generator(z, training=True)
        loss = self.player_step("critic", lambda: self._critic_loss(
                self.critic(real, training=True), self.critic(fake, training=True)))
        for w in self.critic.trainable_variables:  # after every update, as in Algorithm 1
            w.assign(tf.clip_by_value(w, -self.clip_value, self.clip_value))
        return loss

    def generator_step(self, batch_size, due):
        """An RMSProp step on -E[f(G(z))] that is kept only if `due` (else undone)."""
        # With ema_decay the average moved too, and is undone with the rest.
        state = (list(self.generator.variables)
                 + list(self.optimizer_for("generator").variables) + self.ema_variables)
        before = [tf.identity(v) for v in state]
        z = self.local_prior_sample(batch_size)
        # The update runs after the state is saved.
        with tf.control_dependencies([tf.identity(b) for b in before]):
            loss = self.player_step("generator", lambda: wasserstein_generator_loss(
                    self.critic(self.generator(z, training=True), training=True)))
        for v, old in zip(state, before):  # exact no-op when not due: no tf.cond needed
            v.assign(tf.where(due, v, old))
        return loss

    def train_step(self, data):
        for real in self.real_batches(data):
            loss = self.critic_step(real)
            self.trackers["critic_loss"].update_state(loss)
            self.trackers["wasserstein_estimate"].update_state(-loss)
        due = self.generator_update_due()
        g_loss = self.generator_step(tf.shape(real)[0], due)
        weight = tf.cast(due, tf.float32)
        self.trackers["generator_loss"].update_state(g_loss, sample_weight=weight)
        self.trackers["generator_updated"].update_state(weight)
        return {name: tracker.result() for name, tracker in self.trackers.items()}
