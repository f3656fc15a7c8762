"""Plumbing shared by every zoo model: registry, seeds, metrics, global-batch helpers.

Every zoo entry is a `GenerativeModel` subclass in its own file, registered by name::

    @MODELS.register("wgan_gp")
    class WGANGP(GenerativeModel): ...

Conventions:
  * networks are built by `otzoo.networks` and passed in; `build_networks()` builds them
    explicitly (Keras `fit` would otherwise build the model by calling it on data);
  * all randomness comes from `self.seed_generator` (a `keras.random.SeedGenerator`
    owned by the model and checkpointed with it);
  * under `tf.distribute`, noise is drawn for the *global* batch on every replica (same
    seed state, so the same draw) and each replica keeps its own slice
    (`replica_slice`): N replicas then see exactly the noise one device would see;
  * sliced-Wasserstein / MMD terms are computed on the global batch (`gather_global`,
    a differentiable all-gather), and each replica's loss is scaled by
    `1 / num_replicas_in_sync` inside the tape, so the SUM all-reduce of gradients gives
    exactly the single-device gradient. That rule lives in one place,
    `GenerativeModel.player_step`: a model's `train_step` hands it each player's loss
    and never divides by the replica count itself.

Weight averaging (`ema_decay=`, every model; off by default): after each update of the
`averaged_player` ("generator", or "autoencoder" for the decoder), `apply_player_gradients`
moves an exponential moving average of the `averaged_role` network's trainable weights
(`otzoo.models.averaging`); `with model.averaged(): ...` samples, decodes and exports
with it. Off, nothing of it exists: no variable, no op, no random draw.

Each model class also declares what the registry-driven tests and benchmarks need to
build it from plain networks: `network_roles` (its networks beyond the generator, or
beyond the encoder and decoder) and `test_options` (keyword arguments for a small, fast
test model, e.g. fewer projections or critic steps; a model without them is tested with
its defaults).
"""

import contextlib

import keras
import tensorflow as tf

from otzoo import checks
from otzoo.models import averaging
from otzoo.models.priors import seed_from_generator
from otzoo.registry import Registry

MODELS = Registry("model")


def num_replicas():
    """Number of replicas in sync of the current strategy (1 outside any strategy)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """This replica's index as an int32 tensor (0 outside any strategy)."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context
        return tf.constant(0, tf.int32)
    return tf.cast(ctx.replica_id_in_sync_group, tf.int32)


def gather_global(x):
    """Concatenates `x` over replicas along axis 0 (differentiable); identity on 1 device."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return x
    if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
        gathered = _gather_by_all_reduce(ctx, x)
    else:
        gathered = ctx.all_gather(x, axis=0)
    # all_gather drops the static shape; keep the non-batch dimensions (the OT functions
    # need a static feature dimension) and the batch size when it is known.
    batch = None if x.shape[0] is None else x.shape[0] * ctx.num_replicas_in_sync
    return tf.ensure_shape(gathered, [batch] + x.shape[1:].as_list())


def _gather_by_all_reduce(ctx, x):
    """all_gather as a SUM all-reduce of x placed in its replica's rows of zeros.

    `MultiWorkerMirroredStrategy`'s collective all_gather fails inside `fit`'s traced
    train step on CPU workers ("destinations can not be empty", TF 2.21); the all-reduce
    is exact (adding zeros) and differentiable (its gradient is again an all-reduce).
    Needs equal per-replica batches, which `drop_remainder=True` guarantees.
    """
    n, rid = ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group
    local = tf.shape(x)[0]
    zeros = lambda rows: tf.zeros(tf.concat([[rows], tf.shape(x)[1:]], 0), x.dtype)
    padded = tf.concat([zeros(rid * local), x, zeros((n - 1 - rid) * local)], axis=0)
    return ctx.all_reduce(tf.distribute.ReduceOp.SUM, padded)


def replica_slice(global_values, local_batch_size):
    """This replica's rows of a tensor drawn for the global batch."""
    start = replica_id() * local_batch_size
    return global_values[start:start + local_batch_size]


def unpack_data(data):
    """The training examples x from `data` (x, (x,), or (x, y[, w]) from a dataset)."""
    if isinstance(data, (tuple, list)):
        return data[0]
    return data


class Jitted:
    """Holds `fn`, wrapped in `tf.function(jit_compile=True)` when `jit` is true.

    For loss / penalty functions (`jit_penalties`): compiling the whole train step
    (`compile(jit_compile=True)`) fails across devices under MirroredStrategy. The holder
    keeps the traced function out of Keras' attribute tracking and out of the SavedModel
    traversal. The gradient of a function compiled this way runs outside that program:
    `Compiled` below compiles value and gradient together.
    """

    def __init__(self, fn, jit):
        self.jit = bool(jit)
        self.fn = tf.function(fn, jit_compile=True) if self.jit else fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


class _Averages:
    """Holds the EMA variables out of Keras' attribute tracking (they are model weights)."""

    def __init__(self, variables):
        self.variables = list(variables)


class Compiled:
    """A penalty fn(*tensors) -> scalar, optionally XLA-compiled with its gradient.

    With `jit=True` the value and its gradient with respect to the tensor arguments are
    computed in ONE `tf.function(jit_compile=True)` call and joined by
    `tf.custom_gradient`. Compiling only the forward function is not enough: Keras
    feeds batches of unknown size, and the separately compiled backward function would
    then receive shapes as runtime tensors, which XLA rejects ("Reading input as
    constant from a dynamic tensor"). Variables read inside `fn` (e.g. a discriminator's)
    are treated as constants: their gradient through this call is zero, so compile
    only terms whose variables are updated elsewhere.

    The holder also keeps the compiled function out of Keras' attribute tracking and the
    SavedModel traversal.

    Args:
      fn: the penalty.
      jit: compile (True) or call `fn` as is (False).
      argnums: indices of the arguments to differentiate (default: all); the others
        get no gradient.
    """

    def __init__(self, fn, jit, argnums=None):
        self.fn = fn
        self.jit = bool(jit)
        self.argnums = None if argnums is None else tuple(argnums)
        if self.jit:
            self._value_and_grads = tf.function(self._value_and_grads_impl,
                                                jit_compile=True)

    def _value_and_grads_impl(self, *args):
        wrt = [args[i] for i in self._wrt(len(args))]
        with tf.GradientTape() as tape:
            for a in wrt:
                tape.watch(a)
            value = self.fn(*args)
        grads = tape.gradient(value, wrt,
                              unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return value, grads

    def _wrt(self, n):
        return range(n) if self.argnums is None else self.argnums

    def __call__(self, *args):
        if not self.jit:
            return self.fn(*args)
        args = [tf.convert_to_tensor(a) for a in args]
        wrt = tuple(self._wrt(len(args)))

        @tf.custom_gradient
        def call(*inputs):
            value, grads = self._value_and_grads(*inputs)

            def grad_fn(upstream, variables=None):
                input_grads = [None] * len(inputs)
                for i, g in zip(wrt, grads):
                    input_grads[i] = upstream * g
                if variables is None:
                    return input_grads
                return input_grads, [tf.zeros_like(v) for v in variables]

            return value, grad_fn

        return call(*args)


def _plain(value):
    """A config's ConfigDict as the plain dict Keras' `optimizers.get` accepts."""
    return value.to_dict() if hasattr(value, "to_dict") else value


class GenerativeModel(keras.Model):
    """Base class: latent prior, seed generator, metric trackers.

    Args:
      latent_dim: dimension of the latent space (generator input / code size).
      seed: integer seed of the model-owned `keras.random.SeedGenerator`.
      ema_decay: β of the exponential moving average of the generator's / decoder's
        weights, in (0, 1) (ProGAN: 0.999); None or 0 (default): no averaging.
      ema_bn_batches: K, prior batches over which the averaged network's batch-norm
        statistics are recomputed before it is used (see `otzoo.models.averaging`).
      ema_bn_batch_size: B, their size: the training (global) batch size.
    """

    metric_names = ()  # stable snake_case metric keys, set by each subclass
    network_roles = ()  # constructor keywords of the networks a subclass adds
    # Keyword arguments for a small, fast model in tests and benchmarks (fewer
    # projections, critic or ascent steps; costs plain MLP networks can meet). Read-only.
    test_options = {}
    averaged_role = None  # the network whose weights `ema_decay` averages
    averaged_player = None  # the player whose updates move that average

    def __init__(self, latent_dim, seed=0, ema_decay=None,
                 ema_bn_batches=averaging.DEFAULT_BN_BATCHES,
                 ema_bn_batch_size=averaging.DEFAULT_BN_BATCH_SIZE, **kwargs):
        super().__init__(**kwargs)
        checks.positive_int(latent_dim, "latent_dim")
        self.latent_dim = int(latent_dim)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="seed_generator")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        self._optimizers = None
        self.ema_decay = averaging.check_ema_decay(ema_decay)
        if self.ema_decay:
            self.ema_bn_batches = checks.positive_int(ema_bn_batches, "ema_bn_batches")
            self.ema_bn_batch_size = checks.positive_int(ema_bn_batch_size,
                                                         "ema_bn_batch_size")
        # A plain holder: the averages are tracked once, as weights of the model.
        self._ema = _Averages([])

    @property
    def metrics(self):
        return list(self.trackers.values())

    def update_metrics(self, values):
        """Updates the trackers from a {name: scalar} dict and returns their results."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def training_only_variables(self):
        """Variables that only training reads, left out of exports (subclasses extend).

        The exported signatures compute with the generator / encoder / decoder; state
        that steers training alone (e.g. DSW-GAN's direction map and its optimizer
        moments) would only make the SavedModel larger.
        """
        return []

    # -- optimizers: one per player -------------------------------------------------
    main_player = None  # the player whose optimizer fills Keras' `optimizer` slot

    def default_optimizers(self):
        """{player: optimizer}: the model's recipe (subclasses implement; each model's docstring
        says whether a value comes from the paper or the authors' code)."""
        raise NotImplementedError

    def player_variables(self):
        """{player: trainable variables} (subclasses implement)."""
        raise NotImplementedError

    def compile(self, jit_compile=False, **kwargs):
        """Creates the optimizers (the model's recipe unless overridden) and builds them.

        Call inside the strategy scope. Overrides are keyword arguments named
        `<player>_optimizer` (e.g. `critic_optimizer=keras.optimizers.Adam(1e-4)`, or a
        name / Keras config dict understood by `keras.optimizers.get`); the players are
        the keys of `default_optimizers()`. Other keyword arguments go to
        `keras.Model.compile`. `jit_compile` defaults to False: compiling the whole train
        step fails across devices under MirroredStrategy; use `jit_penalties=True` at
        construction to compile the loss / penalty functions instead.
        """
        optimizers = self.default_optimizers()
        for player in list(optimizers):
            override = kwargs.pop(f"{player}_optimizer", None)
            if override is not None:
                optimizers[player] = keras.optimizers.get(_plain(override))
        unknown = [k for k in kwargs if k.endswith("_optimizer")]
        if unknown:
            raise ValueError(f"unknown optimizer override(s) {unknown}; this model's players "
                             f"are {sorted(optimizers)}")
        if "optimizer" in kwargs:
            raise ValueError("pass the optimizers as <player>_optimizer= "
                             f"(players: {sorted(optimizers)}), not optimizer=")
        self._optimizers = optimizers
        # Keras' own `optimizer` slot holds the main player's (its iterations = that
        # player's steps); every optimizer is built below, so fit() builds nothing itself.
        super().compile(optimizer=optimizers[self.main_player], jit_compile=jit_compile,
                        **kwargs)
        self.build_optimizers()

    def build_optimizers(self):
        """Builds every optimizer over its player's variables (inside the strategy scope)."""
        if self._optimizers is None:
            raise ValueError("call compile() (inside the strategy scope) before "
                             "build_optimizers()")
        variables = self.player_variables()
        for player, optimizer in self._optimizers.items():
            if not optimizer.built:
                optimizer.build(variables[player])

    @property
    def optimizers_by_name(self):
        """{player: optimizer} of every optimizer the model owns (for checkpoints)."""
        if self._optimizers is None:
            raise ValueError("the model is not compiled: no optimizers yet")
        return dict(self._optimizers)

    def optimizer_for(self, player):
        return self._optimizers[player]

    # -- one gradient step of one player ---------------------------------------------
    def player_step(self, player, loss_fn, variables=None, pass_tape=False):
        """One optimizer step of `player` on the loss that `loss_fn` computes.

        Records `loss_fn` on a gradient tape, scales its loss by 1 / num_replicas_in_sync
        inside the tape (see the module docstring), differentiates with respect to
        `variables` and applies the gradients with the player's optimizer.

        Args:
          player: a key of `default_optimizers()` ("generator", "critic", ...).
          loss_fn: computes this replica's loss, called inside the tape with no
            arguments (or with the tape, see `pass_tape`). Returns the scalar loss, or a
            tuple (loss, aux) whose aux (anything: metrics, outputs another step needs)
            is passed through untouched.
          variables: what to differentiate and update; default
            `player_variables()[player]`.
          pass_tape: call `loss_fn(tape)`, for a loss that must run work unrecorded
            (`with tape.stop_recording():`), e.g. another player's step nested inside.

        Returns:
          What `loss_fn` returned: the unscaled loss, or (loss, aux).
        """
        if variables is None:
            variables = self.player_variables()[player]
        outputs, grads = self.player_gradients(loss_fn, variables, pass_tape=pass_tape)
        self.apply_player_gradients(player, grads, variables)
        return outputs

    def player_gradients(self, loss_fn, variables, pass_tape=False):
        """`player_step` without the update: returns (what `loss_fn` returned, gradients).

        For a step whose gradients are computed apart from the update, e.g. inside an
        XLA-compiled function; pass them to `apply_player_gradients`.
        """
        with tf.GradientTape() as tape:
            outputs = loss_fn(tape) if pass_tape else loss_fn()
            loss = outputs[0] if isinstance(outputs, tuple) else outputs
            scaled_loss = loss / num_replicas()
        return outputs, tape.gradient(scaled_loss, variables)

    def apply_player_gradients(self, player, grads, variables=None):
        """Applies gradients from `player_gradients` with the player's optimizer.

        With `ema_decay`, an update of the `averaged_player` also moves the average.
        """
        if variables is None:
            variables = self.player_variables()[player]
        self.optimizer_for(player).apply_gradients(zip(grads, variables))
        if self.ema_decay and player == self.averaged_player:
            self.update_averages()

    # -- weight averaging (ema_decay; see otzoo.models.averaging) ---------------------
    @property
    def averaged_network(self):
        """The network whose weights are averaged (the generator / decoder)."""
        return getattr(self, self.averaged_role)

    @property
    def ema_variables(self):
        """The averages, one per trainable weight of `averaged_network` ([] when off)."""
        return list(self._ema.variables)

    def build_averages(self):
        """Creates the averages (= the current weights) once the network is built."""
        if self.ema_decay and not self._ema.variables:
            self._ema = _Averages(averaging.create_averages(self, self.averaged_network))

    def update_averages(self):
        """θ_EMA ← β θ_EMA + (1 − β) θ for every trainable weight of the network."""
        averaging.update_averages(self.ema_variables,
                                  self.averaged_network.trainable_variables, self.ema_decay)

    def averaged_weights(self):
        """The averaged network's weights now: an `averaging.AveragedWeights`.

        The EMA of the trainable weights, and batch-norm statistics recomputed for them
        on `ema_bn_batches` prior batches of `ema_bn_batch_size` codes drawn from a fixed
        stateless seed (the seed generator does not move). Call eagerly.
        """
        if not self.ema_decay:
            raise ValueError("this model has no weight averaging (ema_decay is off)")
        network = self.averaged_network
        trainable = [tf.convert_to_tensor(a) for a in self.ema_variables]
        non_trainable = [tf.convert_to_tensor(v) for v in network.non_trainable_variables]
        bn = averaging.batch_norm_layers(network)
        batches = self.ema_bn_batches if bn else 0
        # Seeds [k, -1 - seed]: never the [seed, 0] of the sample grids and `sample_n`.
        codes = [self.sample_prior_stateless(self.ema_bn_batch_size, [k, -1 - self.seed])
                 for k in range(batches)]
        non_trainable = averaging.recompute_batch_norm(network, trainable, non_trainable,
                                                       codes)
        return averaging.AveragedWeights(trainable, non_trainable, batches,
                                         self.ema_bn_batch_size if batches else None)

    @contextlib.contextmanager
    def averaged(self, weights=None):
        """Inside, `averaged_network` computes with the averaged weights.

        `sample`, `decode` and `call` (the encoder stays live) then use them; the live
        variables are untouched (a `keras.StatelessScope`, which drops every write: do
        not train inside, and pass codes: the seed generator does not advance). Yields
        the `AveragedWeights` used (computed now unless given; variables holding them
        work too), or None, changing nothing, when averaging is off.
        """
        if not self.ema_decay:
            yield None
            return
        weights = self.averaged_weights() if weights is None else weights
        network = self.averaged_network
        mapping = (list(zip(network.trainable_variables, weights.trainable))
                   + list(zip(network.non_trainable_variables, weights.non_trainable)))
        with keras.StatelessScope(state_mapping=mapping):
            yield weights

    def describe_averaging(self, weights):
        """The model card's line on `weights` (from `averaged_weights`)."""
        return averaging.describe(self.ema_decay, weights, self.averaged_role)

    # -- the latent prior (`self.prior`, an `otzoo.models.priors` prior) -------------
    def sample_prior(self, n):
        """Draws n latent codes from the prior p(z) with the model's seed generator."""
        return self.prior.sample(n, seed_from_generator(self.seed_generator))

    def sample_prior_stateless(self, n, seed):
        """Draws n prior codes from a stateless seed (shape [2] int); used by exports."""
        return self.prior.sample(n, tf.cast(seed, tf.int32))

    def local_prior_sample(self, local_batch_size):
        """This replica's slice of a prior draw for the global batch (see module doc)."""
        z = self.sample_prior(local_batch_size * num_replicas())
        return replica_slice(z, local_batch_size)

    def local_uniform(self, local_batch_size, trailing_shape=()):
        """This replica's slice of a U(0, 1) draw of shape [global batch, *trailing_shape]."""
        u = keras.random.uniform((local_batch_size * num_replicas(),) + tuple(trailing_shape),
                                 seed=self.seed_generator)
        return replica_slice(u, local_batch_size)

    def local_normal(self, local_batch_size, trailing_shape=(), dtype=None):
        """This replica's slice of a N(0, 1) draw of shape [global batch, *trailing_shape]."""
        eps = keras.random.normal((local_batch_size * num_replicas(),) + tuple(trailing_shape),
                                  seed=self.seed_generator, dtype=dtype)
        return replica_slice(eps, local_batch_size)

    # -- the public generative API ---------------------------------------------------
    def sample(self, z):
        """Maps latent codes z [n, latent_dim] to data space."""
        raise NotImplementedError

    def build_networks(self, data_shape):
        """Builds every sub-network explicitly for data of shape `data_shape` (no batch)."""
        raise NotImplementedError
