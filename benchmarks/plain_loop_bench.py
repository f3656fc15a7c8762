"""The zoo's train steps against minimal hand-written Keras loops, per zoo config.

    .venv/bin/python benchmarks/plain_loop_bench.py                   # every entry
    .venv/bin/python benchmarks/plain_loop_bench.py --entries=swgan,wgan_gp
    .venv/bin/python benchmarks/plain_loop_bench.py --breakdown=auto  # + plumbing costs
    .venv/bin/python benchmarks/plain_loop_bench.py --quick           # smoke run, seconds
    bazel run //benchmarks:plain_loop_bench -- --quick

For every zoo entry with a config (`zoo_configs.available()`; an entry added later is
picked up with no edit here) it builds, from `zoo_configs.<name>.get_config()` and with
the trainer's own builder (`otzoo.training.trainer.build_compiled_model`), two copies of
the networks and optimizers with the same seed, then times, interleaved round-robin
after warm-up, on one fixed batch of the config's size and value range:

* **plain**: the step as keras-io writes it: one `tf.function`, a `GradientTape` per
  player, `apply_gradients`; the same losses and penalties in plain TF ops (the OT terms
  by calling `otzoo.ot` directly), the same number of critic / discriminator updates;
  noise from the stateful `tf.random` ops; no global-batch gather, no seed generator, no
  metric trackers, no checks, no XLA. Registered per model name in `PLAIN_STEPS`; an
  entry without one is listed as such, with its zoo timing only.
* **otzoo**: the zoo model's `train_step` as `fit` drives it: `make_train_function()`
  over a distributed iterator of the same batch, under the strategy the command line
  picks (`one_device` on this machine), with the trainer's steps per call
  (`trainer.resolve_steps_per_execution(None, config.steps_per_epoch)`, 10 for every
  default config); `--steps_per_execution=1` gives the one-step calls of before.

Before an entry listed in `CHECKED` is timed, `check_entry` checks that its plain step
does the zoo step's work: 3 steps of each from the same weights, batch and noise (the
plain step then draws from the zoo model's seed generator instead of `tf.random`) give
the same losses, optimizer step counts and non-trainable state (batch-norm statistics,
seed generator state, the DSW slicer) within `CHECK_TOLERANCE`; a mismatch stops the
run, a match is printed as a note.

Images/s count the real images a step consumes (`real_batches_per_step` x batch).
With `--breakdown=all` (or `auto`: only for entries below `--goal`), each piece of otzoo
plumbing is switched off in its own copy of the model (a variant). The table gives, for
`step`, otzoo images/s / `step` images/s (Keras' fit machinery), and for the others
`step` images/s / variant images/s (that piece); 1 - ratio is the piece's share:

* `step`: `tf.function(model.train_step)` on the batch tensor: Keras' fit machinery
  (iterator, `strategy.run`, log reduction, one host read of the logs per call)
  removed;
* `step-metrics`: the same with every metric tracker a no-op;
* `step-seedgen`: the same with the seed generator replaced by a constant seed (no
  state variable read and advanced per draw);
* `step-nojit`: the same with `jit_penalties=False` (where the config turns it on).

The global-batch gather and the argument checks cost nothing at run time on one device
(`gather_global` returns its input; checks run once, at trace time), and weight
averaging is off in every config, so they have no variant. Timing is a fixed budget per
variant (`--repeats` x `--block_seconds`, 3 x 1.5 s), so the run time is known up front
(printed first: about 10 minutes for every entry on an idle machine, without breakdown).
"""

import argparse
import contextlib
import importlib
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Run as a script from a checkout: make the repository root importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import otzoo.ot  # noqa: E402
import zoo_configs  # noqa: E402
from otzoo.models.priors import seed_from_generator  # noqa: E402
from otzoo.registry import Registry  # noqa: E402
from otzoo.training import strategies, trainer  # noqa: E402

PLAIN_STEPS = Registry("plain step")
BREAKDOWN = ("step", "step-metrics", "step-seedgen", "step-nojit")
TRACE_SECONDS = 20  # rough build + trace + warm-up per variant (idle machine)


# -- noise: stateful tf.random when timed, the zoo model's own draws when checked ---------
class StatefulNoise:
    """keras-io's noise: the stateful `tf.random` ops (what the timed plain steps draw)."""

    def prior(self, config, n, dim):
        if config.model_kwargs.get("prior", "normal") == "uniform":
            return tf.random.uniform([n, dim], -1.0, 1.0)
        return tf.random.normal([n, dim])

    def directions(self, dim, num):
        return tf.math.l2_normalize(tf.random.normal([dim, num]), axis=0)

    def seed(self):
        return tf.random.uniform([2], maxval=2**31 - 1, dtype=tf.int32)


class ZooNoise:
    """The draws of a zoo model's seed generator, made the way its `train_step` makes them.

    A plain step traced with it (`check_entry`) and fed a copy of the zoo model (same
    seed, same generator state) sees exactly the zoo step's noise, provided it draws
    the same things in the same order; a different draw count shows up as a different
    `seed_generator_state` after the step.
    """

    def __init__(self, model):
        self.model = model

    def prior(self, config, n, dim):
        return self.model.sample_prior(n)

    def directions(self, dim, num):
        return self.model.random_directions(dim, num)

    def seed(self):
        return seed_from_generator(self.model.seed_generator)


_NOISE = [StatefulNoise()]  # plain steps draw from the last one, at trace time


@contextlib.contextmanager
def drawing_from(noise):
    """Plain steps traced inside draw from `noise` instead of the stateful ops."""
    _NOISE.append(noise)
    try:
        yield noise
    finally:
        _NOISE.pop()


# -- plain TF pieces (what a keras-io example writes inline) -------------------------------
def prior(config, n, dim):
    return _NOISE[-1].prior(config, n, dim)


def directions(dim, num):
    return _NOISE[-1].directions(dim, num)


def stateless_seed():
    """An int32 [2] seed, for an `otzoo.ot` function that draws from a stateless seed."""
    return _NOISE[-1].seed()


def flat(x):
    return tf.reshape(x, [tf.shape(x)[0], -1])


def sw2(x, y, theta):
    return otzoo.ot.sliced_wasserstein(x, y, projections=theta, p=2, return_power=True)


def bce_logits(real_logits, fake_logits):
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
        tf.nn.softplus(fake_logits))


def apply(optimizer, tape, loss, variables):
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


def chunks(x, k):
    b = x.shape[0] // k
    return [x[i * b:(i + 1) * b] for i in range(k)]


# -- one plain step per zoo model ---------------------------------------------------------
# Each takes (the plain copy of the model, for its networks, optimizers and
# hyperparameters only; its config) and returns step(x) -> a loss tensor.
@PLAIN_STEPS.register("gan")
def plain_gan(m, config):
    G, D = m.generator, m.discriminator
    g_opt, d_opt = m.optimizer_for("generator"), m.optimizer_for("discriminator")

    @tf.function
    def step(x):
        for real in chunks(x, m.discriminator_steps):
            fake = G(prior(config, real.shape[0], m.latent_dim), training=True)
            with tf.GradientTape() as tape:
                d_loss = bce_logits(D(real, training=True), D(fake, training=True))
            apply(d_opt, tape, d_loss, D.trainable_variables)
        z = prior(config, real.shape[0], m.latent_dim)
        with tf.GradientTape() as tape:
            g_loss = tf.reduce_mean(tf.nn.softplus(-D(G(z, training=True), training=True)))
        apply(g_opt, tape, g_loss, G.trainable_variables)
        return g_loss
    return step


@PLAIN_STEPS.register("wgan")
def plain_wgan(m, config):
    G, C = m.generator, m.critic
    g_opt, c_opt = m.optimizer_for("generator"), m.optimizer_for("critic")
    c = m.clip_value

    @tf.function
    def step(x):
        for real in chunks(x, m.critic_steps_per_call):
            fake = G(prior(config, real.shape[0], m.latent_dim), training=True)
            with tf.GradientTape() as tape:
                c_loss = (tf.reduce_mean(C(fake, training=True))
                          - tf.reduce_mean(C(real, training=True)))
            apply(c_opt, tape, c_loss, C.trainable_variables)
            for w in C.trainable_variables:
                w.assign(tf.clip_by_value(w, -c, c))
        # The zoo computes a generator update every step and keeps it when due; the
        # plain loop always keeps it (same work, no undo).
        z = prior(config, real.shape[0], m.latent_dim)
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(C(G(z, training=True), training=True))
        apply(g_opt, tape, g_loss, G.trainable_variables)
        return g_loss
    return step


@PLAIN_STEPS.register("wgan_gp")
def plain_wgan_gp(m, config):
    G, C = m.generator, m.critic
    g_opt, c_opt = m.optimizer_for("generator"), m.optimizer_for("critic")

    @tf.function
    def step(x):
        for real in chunks(x, m.critic_steps):
            n = real.shape[0]
            fake = G(prior(config, n, m.latent_dim), training=True)
            alpha = tf.random.uniform([n, 1, 1, 1])
            with tf.GradientTape() as tape:
                w_loss = (tf.reduce_mean(C(fake, training=True))
                          - tf.reduce_mean(C(real, training=True)))
                x_hat = alpha * real + (1 - alpha) * fake
                with tf.GradientTape() as gp_tape:
                    gp_tape.watch(x_hat)
                    scores = C(x_hat, training=True)
                g = gp_tape.gradient(scores, x_hat)
                norms = tf.sqrt(tf.reduce_sum(tf.square(g), axis=[1, 2, 3]) + 1e-10)
                c_loss = w_loss + m.gp_weight * tf.reduce_mean(tf.square(norms - 1.0))
            apply(c_opt, tape, c_loss, C.trainable_variables)
        z = prior(config, n, m.latent_dim)
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(C(G(z, training=True), training=True))
        apply(g_opt, tape, g_loss, G.trainable_variables)
        return g_loss
    return step


@PLAIN_STEPS.register("swgan")
def plain_swgan(m, config):
    G, g_opt = m.generator, m.optimizer_for("generator")

    @tf.function
    def step(x):
        z = prior(config, x.shape[0], m.latent_dim)
        theta = directions(int(np.prod(x.shape[1:])), m.num_projections)
        with tf.GradientTape() as tape:
            loss = sw2(flat(x), flat(G(z, training=True)), theta)
        apply(g_opt, tape, loss, G.trainable_variables)
        return loss
    return step


def _feature_step(m, config, other_step, features, generator_loss, metrics):
    """SWGAN-D, max-SWGAN, DSW-GAN and the Sinkhorn GAN share their algorithm box.

    G(z) once; the other player's step on (x, G(z)) first, off G's tape; then G's step
    on a distance between the *updated* network's features of x and of G(z) (same x, z).

    Args:
      other_step: (real, fake) -> the other player's loss, after its update.
      features: (x, training) -> [n, k] features of that player's network.
      generator_loss: (real features, fake features) -> the scalar G descends.
      metrics: the zoo's names of (the other player's loss, the generator's loss).

    Returns:
      step(x) -> {name: loss} under the zoo's metric names (`check_entry` compares them).
    """
    G, g_opt = m.generator, m.optimizer_for("generator")

    @tf.function
    def step(x):
        z = prior(config, x.shape[0], m.latent_dim)
        with tf.GradientTape() as tape:
            fake = G(z, training=True)
            with tape.stop_recording():
                other_loss = other_step(x, tf.stop_gradient(fake))
                real_h = features(x, training=True)
            loss = generator_loss(real_h, features(fake, training=True))
        apply(g_opt, tape, loss, G.trainable_variables)
        return dict(zip(metrics, (other_loss, loss)))
    return step


def _bce_step(m):
    """The discriminator's step on the binary cross-entropy of its logits."""
    D, d_opt = m.discriminator, m.optimizer_for("discriminator")

    def d_step(real, fake):
        with tf.GradientTape() as tape:
            d_loss = bce_logits(D(real, training=True), D(fake, training=True))
        apply(d_opt, tape, d_loss, D.trainable_variables)
        return d_loss
    return d_step


@PLAIN_STEPS.register("swgan_d")
def plain_swgan_d(m, config):
    def sw2_random(real_h, fake_h):
        return sw2(real_h, fake_h, directions(m.feature_dim, m.num_projections))
    return _feature_step(m, config, _bce_step(m), m.discriminator_features, sw2_random,
                         ("discriminator_loss", "sw_loss"))


@PLAIN_STEPS.register("max_swgan")
def plain_max_swgan(m, config):
    if m.direction != "discriminator":
        return None  # the "optimized" direction has no plain step here
    head = m.discriminator_head

    def sw2_head(real_h, fake_h):  # along D's (updated) head, which G does not move
        theta = tf.math.l2_normalize(tf.convert_to_tensor(head.kernel), axis=0)
        return sw2(real_h, fake_h, tf.stop_gradient(theta))
    return _feature_step(m, config, _bce_step(m), m.discriminator_features, sw2_head,
                         ("discriminator_loss", "max_sw_loss"))


@PLAIN_STEPS.register("dswgan")
def plain_dswgan(m, config):
    """Nguyen et al. 2021 (the authors' `compute_lossDSWD`): D's BCE step; T Adam ascent
    steps of the direction map f on the updated D's features; G's step on DSW_2²."""

    def dsw2(real_h, fake_h):
        # Reuses otzoo.ot's DSW with the model's `DistributionalSlicer` (f and its Adam
        # state, kept across steps as the authors keep `transform_net`): the ascent runs
        # on stop-gradient copies of the features and DSW_2² holds the updated f fixed.
        return otzoo.ot.distributional_sliced_wasserstein(
            real_h, fake_h, seed=stateless_seed(), slicer=m.slicer, return_power=True)
    return _feature_step(m, config, _bce_step(m), m.discriminator_features, dsw2,
                         ("discriminator_loss", "dsw_loss"))


@PLAIN_STEPS.register("sinkhorn_gan")
def plain_sinkhorn_gan(m, config):
    """Genevay et al. 2018, Algorithm 1 with a learned cost: the critic f ascends the
    Sinkhorn loss S(f(x), f(G(z))), its weights clipped to [-c, c] after; G descends S."""
    C, c_opt = m.critic, m.optimizer_for("critic")
    options = dict(epsilon=m.epsilon, p=m.p, num_iters=m.num_iters, tol=None,
                   value="transport")

    def S(x, y):
        # W_eps = <P, C> after exactly L log-domain iterations, differentiated through
        # them: reuses otzoo.ot.sinkhorn.
        w = lambda a, b: otzoo.ot.sinkhorn(a, b, **options)  # noqa: E731
        return 2.0 * w(x, y) - w(x, x) - w(y, y)

    def features(x, training=True):
        return flat(C(x, training=training))

    def critic_step(real, fake):
        with tf.GradientTape() as tape:
            c_loss = -S(features(real), features(fake))
        apply(c_opt, tape, c_loss, C.trainable_variables)
        if m.clip_value is not None:
            for w in C.trainable_variables:
                w.assign(tf.clip_by_value(w, -m.clip_value, m.clip_value))
        return c_loss
    return _feature_step(m, config, critic_step, features, S,
                         ("critic_loss", "sinkhorn_loss"))


@PLAIN_STEPS.register("vae")
def plain_vae(m, config):
    E, Dec, opt = m.encoder, m.decoder, m.optimizer_for("autoencoder")
    variables = E.trainable_variables + Dec.trainable_variables
    if m.likelihood != "bernoulli":
        return None

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            mean, log_var = tf.split(E(x, training=True), 2, axis=-1)
            z = mean + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mean))
            logits = Dec(z, training=True)
            rec = tf.reduce_mean(tf.reduce_sum(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), [1, 2, 3]))
            kl = tf.reduce_mean(0.5 * tf.reduce_sum(
                tf.square(mean) + tf.exp(log_var) - log_var - 1.0, axis=-1))
            loss = rec + m.kl_weight * kl
        apply(opt, tape, loss, variables)
        return loss
    return step


def reconstruction(x, x_hat, cost, reduction):
    total = 0.0
    for term in cost.split("+"):
        if term == "l2sq":
            total += tf.square(x - x_hat)
        elif term == "l1":
            total += tf.abs(x - x_hat)
        else:
            x_hat_c = tf.clip_by_value(x_hat, 1e-7, 1 - 1e-7)
            total += -(x * tf.math.log(x_hat_c) + (1 - x) * tf.math.log(1 - x_hat_c))
    reduce = tf.reduce_sum if reduction == "sum" else tf.reduce_mean
    return tf.reduce_mean(reduce(total, axis=[1, 2, 3]))


def _latent_penalty_step(m, penalty):
    """WAE-MMD and SWAE: reconstruction + lambda * a divergence to prior codes."""
    E, Dec, opt = m.encoder, m.decoder, m.optimizer_for("autoencoder")
    variables = E.trainable_variables + Dec.trainable_variables
    if m.gaussian_encoder:
        return None

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            codes = E(x, training=True)
            rec = reconstruction(x, Dec(codes, training=True), m.reconstruction,
                                 m.reconstruction_reduction)
            loss = rec + m.penalty_weight * penalty(codes, tf.random.normal(tf.shape(codes)))
        apply(opt, tape, loss, variables)
        return loss
    return step


@PLAIN_STEPS.register("wae_mmd")
def plain_wae_mmd(m, config):
    return _latent_penalty_step(m, lambda q, p: otzoo.ot.mmd(
        q, p, kernel=m.kernel, scales=m.scales, sigma2=m.kernel_sigma2))


@PLAIN_STEPS.register("swae")
def plain_swae(m, config):
    if m.regularizer != "sw" or m.regularizer_kwargs:
        return None  # the other regularizers have no plain step here
    return _latent_penalty_step(
        m, lambda q, p: sw2(q, p, directions(m.latent_dim, m.num_projections)))


@PLAIN_STEPS.register("wae_gan")
def plain_wae_gan(m, config):
    E, Dec, Disc = m.encoder, m.decoder, m.discriminator
    opt, d_opt = m.optimizer_for("autoencoder"), m.optimizer_for("discriminator")
    variables = E.trainable_variables + Dec.trainable_variables
    lam = m.penalty_weight
    if m.gaussian_encoder:
        return None

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            codes = E(x, training=True)
            rec = reconstruction(x, Dec(codes, training=True), m.reconstruction,
                                 m.reconstruction_reduction)
            prior_codes = tf.random.normal(tf.shape(codes))
            with tape.stop_recording():
                with tf.GradientTape() as d_tape:
                    d_loss = lam * bce_logits(Disc(prior_codes, training=True),
                                              Disc(tf.stop_gradient(codes), training=True))
                apply(d_opt, d_tape, d_loss, Disc.trainable_variables)
            loss = rec + lam * tf.reduce_mean(tf.nn.softplus(-Disc(codes, training=True)))
        apply(opt, tape, loss, variables)
        return loss
    return step


# -- building ------------------------------------------------------------------------------
class _NoMetric:
    """A metric tracker that records nothing (the `step-metrics` variant)."""

    def update_state(self, *args, **kwargs):
        return None

    def result(self):
        return tf.constant(0.0)

    def reset_state(self):
        return None


class _ConstantSeed(keras.random.SeedGenerator):
    """A seed generator that never advances (the `step-seedgen` variant)."""

    def next(self, ordered=True):
        return tf.constant([1, 2], tf.int64)


def load_config(name, args):
    config = importlib.import_module(f"zoo_configs.{name}").get_config(
        "smoke" if args.quick else None)
    if args.batch_size:
        with config.unlocked():
            config.batch_size = args.batch_size
    return config


def build(config, strategy, jit=None, steps_per_execution=1):
    """The model exactly as the trainer builds it (same seed: same initial weights)."""
    if jit is not None:
        config = config.copy_and_resolve_references()
        with config.unlocked():
            config.model_kwargs.jit_penalties = jit
    keras.utils.set_random_seed(config.seed)
    return trainer.build_compiled_model(config, strategy, tuple(config.data.shape),
                                        steps_per_execution)


def fixed_batch(config, k):
    lo, hi = config.data.options.get("value_range", (0.0, 1.0))
    rng = np.random.default_rng(0)
    shape = (k * config.batch_size,) + tuple(config.data.shape)
    return tf.constant(rng.uniform(lo, hi, shape), tf.float32)


# Entries whose plain step draws all its noise through `prior` / `directions` /
# `stateless_seed` in the zoo's order and returns the zoo's metric names: `check_entry`
# proves each does the zoo step's work before it is timed.
CHECKED = ("dswgan", "max_swgan", "sinkhorn_gan", "swgan_d")
CHECK_STEPS = 3  # steps 2 and 3 see the updates of the steps before them
CHECK_TOLERANCE = dict(rtol=1e-4, atol=1e-6)


def check_entry(name, config):
    """Checks that an entry's plain step does the work of the zoo's `train_step`.

    From the same weights (two builds with one seed), batch and noise (`ZooNoise`: the
    plain copy's seed generator, drawn in the zoo's order), runs `CHECK_STEPS` steps of
    the plain step and of `tf.function(model.train_step)`, and compares:

    * every loss the plain step returns with the zoo's metric of that name, at every
      step: the losses of a step see every trainable weight after the step before;
    * after the last step, every player's optimizer step count (as many updates) and
      every non-trainable variable: batch-norm statistics (one forward pass per network
      call), the seed generator's state (as many draws), the DSW slicer's f and Adam
      state (as many ascent steps).

    Trainable weights are compared through the next step's losses, not directly: a
    weight the loss does not depend on (the critic's last bias under the Sinkhorn GAN's
    translation-invariant cost) gets a gradient of rounding noise, which RMSprop and
    Adam normalise into steps of random sign. Agreement is |plain - zoo| <= atol +
    rtol |zoo| (`CHECK_TOLERANCE`): the zoo's penalties are XLA-compiled and round
    differently from the plain ops.

    Returns:
      The largest |plain - zoo| / (atol + rtol |zoo|) over everything compared (<= 1),
      or None when the entry has no plain step for this config.

    Raises:
      AssertionError: naming the first quantity out of tolerance and by how much.
    """
    strategy = tf.distribute.get_strategy()
    zoo, plain = build(config, strategy), build(config, strategy)
    batch = fixed_batch(config, int(getattr(zoo, "real_batches_per_step", 1)))
    zoo_step = tf.function(zoo.train_step)
    compared = []  # (what, plain value, zoo value)
    with drawing_from(ZooNoise(plain)):  # the plain step is traced at its first call
        plain_step = PLAIN_STEPS.get(name)(plain, config)
        if plain_step is None:
            return None
        for i in range(CHECK_STEPS):
            for tracker in zoo.metrics:  # running means: keep this step's value only
                tracker.reset_state()
            logs, plain_logs = zoo_step(batch), plain_step(batch)
            compared += [(f"step {i + 1} {key}", value, logs[key])
                         for key, value in plain_logs.items()]
    after = f"after {CHECK_STEPS} steps"
    compared += [(f"{player} optimizer iterations {after}",
                  plain.optimizer_for(player).iterations, optimizer.iterations)
                 for player, optimizer in zoo.optimizers_by_name.items()]
    # Built alike, so listed alike (Keras numbers the second copy's names apart).
    for z, p in zip(zoo.non_trainable_variables, plain.non_trainable_variables,
                    strict=True):
        assert z.shape == p.shape, (z.path, p.path)
        compared.append((f"{z.path} {after}", p, z))
    worst = 0.0
    for what, p, z in compared:
        p, z = np.asarray(p, np.float64), np.asarray(z, np.float64)
        excess = np.max(np.abs(p - z) / (CHECK_TOLERANCE["atol"]
                                         + CHECK_TOLERANCE["rtol"] * np.abs(z)), initial=0)
        if excess > 1:
            raise AssertionError(
                f"{name}: the plain step differs from the zoo's at {what}: max |plain - "
                f"zoo| = {np.max(np.abs(p - z)):.3g}, {excess:.3g} x the tolerance "
                f"{CHECK_TOLERANCE}")
        worst = max(worst, float(excess))
    return worst


def runners(name, config, args):
    """{variant: (call() -> something to block on, train steps per call)}, the images
    one train step consumes, and notes."""
    strategy = strategies.make_strategy("auto")
    per_call = trainer.resolve_steps_per_execution(args.steps_per_execution,
                                                   int(config.steps_per_epoch))
    model = build(config, strategy, steps_per_execution=per_call)
    k = int(getattr(model, "real_batches_per_step", 1))
    batch = fixed_batch(config, k)
    out = {}
    notes = []
    with strategy.scope():
        data = strategy.experimental_distribute_dataset(
            tf.data.Dataset.from_tensors(batch).repeat())
    iterator = iter(data)
    model.make_train_function()
    train_function = model.train_function
    out["otzoo"] = (lambda: train_function(iterator), per_call)
    plain_fn = PLAIN_STEPS.get(name) if name in PLAIN_STEPS else None
    plain_model = build(config, tf.distribute.get_strategy())
    step = plain_fn(plain_model, config) if plain_fn else None
    if step is not None:
        out["plain"] = (lambda: step(batch), 1)
    else:
        notes.append(f"{name}: no plain step for this config (add one to PLAIN_STEPS)")
    for variant in args.breakdown_variants:
        jit = config.model_kwargs.get("jit_penalties", False)
        if variant == "step-nojit" and not jit:
            continue
        m = build(config, tf.distribute.get_strategy(),
                  jit=False if variant == "step-nojit" else None)
        if variant == "step-metrics":
            for key in list(m.trackers):
                m.trackers[key] = _NoMetric()
        if variant == "step-seedgen":
            m.seed_generator = _ConstantSeed(0, name="constant_seed")
        fn = tf.function(m.train_step)
        out[variant] = ((lambda fn: lambda: fn(batch))(fn), 1)
    return out, k * config.batch_size, notes


def block(fn, calls, steps_per_call=1):
    """Seconds per train step over `calls` calls of `fn` (each `steps_per_call` steps)."""
    start = time.perf_counter()
    for _ in range(calls):
        result = fn()
    tf.nest.map_structure(lambda t: np.asarray(t), result)  # wait for the last step
    return (time.perf_counter() - start) / (calls * steps_per_call)


def time_entry(name, args):
    config = load_config(name, args)
    fns, images, notes = runners(name, config, args)
    per_step = {}
    for variant, (fn, per_call) in fns.items():  # warm-up: tracing, XLA, first steps
        for _ in range(args.warmup):
            block(fn, 1, per_call)
        per_step[variant] = block(fn, 1, per_call)
    calls = {v: max(1, round(args.block_seconds / (s * fns[v][1])))
             for v, s in per_step.items()}
    times = {v: [] for v in fns}
    for _ in range(args.repeats):  # round-robin: every variant sees the same load
        for variant, (fn, per_call) in fns.items():
            times[variant].append(block(fn, calls[variant], per_call))
    return {v: images / statistics.median(t) for v, t in times.items()}, images, notes


def parse_args(argv=None):
    entries = zoo_configs.available()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", default=",".join(entries))
    parser.add_argument("--breakdown", default="none", choices=("auto", "all", "none"),
                        help="plumbing variants: none, for entries below --goal (auto: "
                             "adds time the estimate cannot know), all")
    parser.add_argument("--goal", type=float, default=0.95, help="otzoo/plain goal")
    parser.add_argument("--batch_size", type=int, default=None, help="default: config's")
    parser.add_argument("--block_seconds", type=float, default=1.5,
                        help="timed seconds per variant per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--steps_per_execution", type=int, default=None,
                        help="otzoo's train steps per call (default: the trainer's)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke configs (tiny networks, batch 8), short blocks")
    args = parser.parse_args(argv)
    if args.quick:
        args.block_seconds, args.repeats, args.warmup = 0.2, 2, 1
    unknown = set(args.entries.split(",")) - set(entries)
    if unknown:
        parser.error(f"unknown entries {sorted(unknown)}; known: {', '.join(entries)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    names = args.entries.split(",")
    per_variant = args.repeats * args.block_seconds + TRACE_SECONDS * (0.2 if args.quick
                                                                       else 1)
    first = 2 + (len(BREAKDOWN) if args.breakdown == "all" else 0)
    print(f"# {len(names)} entries x {first} variants, {args.repeats} x "
          f"{args.block_seconds:g} s each: estimated {len(names) * first * per_variant / 60:.1f}"
          f" min{' (+ breakdowns of entries below the goal)' if args.breakdown == 'auto' else ''}"
          f"; load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs, "
          f"TF {tf.__version__}", flush=True)
    rows, notes = [], []
    for name in names:
        args.breakdown_variants = BREAKDOWN if args.breakdown == "all" else ()
        worst = check_entry(name, load_config(name, args)) if name in CHECKED else None
        if worst is not None:
            notes.append(f"{name}: plain step = zoo step ({CHECK_STEPS} steps from the "
                         f"same weights, batch and noise: losses, update counts and "
                         f"non-trainable state within {worst:.2f} x the tolerance "
                         f"{CHECK_TOLERANCE})")
            print(f"  checked {name}", flush=True)
        rates, images, entry_notes = time_entry(name, args)
        ratio = rates["otzoo"] / rates["plain"] if "plain" in rates else None
        if args.breakdown == "auto" and ratio is not None and ratio < args.goal:
            print(f"  {name}: {ratio:.2f}x < {args.goal}: timing the plumbing", flush=True)
            args.breakdown_variants = BREAKDOWN
            rates, images, entry_notes = time_entry(name, args)
            ratio = rates["otzoo"] / rates["plain"]
        rows.append((name, images, rates, ratio))
        notes += entry_notes
        print(f"  done {name} (load average {os.getloadavg()[0]:.2f})", flush=True)
    print()
    print("| entry | images/step | plain images/s | otzoo images/s | otzoo / plain |")
    print("|---|---|---|---|---|")
    for name, images, rates, ratio in rows:
        plain = f"{rates['plain']:.0f}" if "plain" in rates else "n/a"
        shown = f"{ratio:.2f}x" if ratio is not None else "n/a"
        print(f"| {name} | {images} | {plain} | {rates['otzoo']:.0f} | {shown} |")
    broken_down = [r for r in rows if set(BREAKDOWN) & set(r[2])]
    if broken_down:
        print()
        print("Plumbing: images/s with the piece / without it (step: otzoo / step; the "
              "others: step / variant); 1 - ratio is the piece's share of the step.")
        print()
        print("| entry | " + " | ".join(BREAKDOWN) + " |")
        print("|---|" + "---|" * len(BREAKDOWN))
        for name, _, rates, _ in broken_down:
            cells = [f"{rates['otzoo' if v == 'step' else 'step'] / rates[v]:.2f}"
                     if v in rates else "-" for v in BREAKDOWN]
            print(f"| {name} | " + " | ".join(cells) + " |")
    for note in notes:
        print(f"note: {note}")
    return rows


if __name__ == "__main__":
    main()
