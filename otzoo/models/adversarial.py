"""Plumbing shared by the GAN family: `gan`, `wgan`, `wgan_gp`, `swgan`, `swgan_d`,
`max_swgan`.

Not a zoo entry itself. `AdversarialModel` holds what the adversarial entries share, so
that each model file's `train_step` reads like its paper's algorithm box:

  * a generator z -> x and any number of critics / discriminators (`networks`), all
    built by `otzoo.networks` and passed in, validated and built by `build_networks`;
  * the latent prior (`otzoo.models.priors`; "normal" unless a paper says otherwise);
  * one optimizer per player, created with the model's recipe in `compile` (its docstring
    cites the paper or the authors' code for each value; overrides accepted as optimizer
    instances, names or Keras config dicts), built explicitly, and exposed as
    `optimizers_by_name` for checkpoints;
  * `sample(z)` (= `call(z)`, so Keras can build and save the model) and `generate(n)`;
  * optional weight averaging of the generator (`ema_decay=`, `otzoo.models.averaging`):
    after each generator update; `with model.averaged(): model.sample(z)` samples with it.

Feeding several real batches to one train step ("a fresh real batch per critic step").
A model that needs k real batches per train step sets `real_batches_per_step = k`; the
input pipeline then yields global batches of k * B examples (`otzoo.training` does this),
and `split_real_batches` cuts a replica's [k * b, ...] batch into k batches [b, ...] by
taking every k-th example (batch i = rows i, i + k, i + 2k, ...). The strided cut, unlike
k contiguous chunks, makes batch i of N replicas together exactly batch i of one device
fed the same global batch, because replicas receive contiguous slices of it.

Distribution rules (see `otzoo.models.base`): noise, interpolation weights and random
directions are drawn for the global batch from the model's seed generator (the same draw
on every replica) and sliced; sliced-Wasserstein terms are computed on all-gathered
global batches; every player's update goes through `player_step`, which scales the
replica's loss by 1 / num_replicas inside the tape.

The players' losses are free functions in `otzoo.losses.adversarial`.
"""

import keras
import tensorflow as tf

from otzoo.models.base import GenerativeModel, unpack_data
from otzoo.models.priors import get_prior
from otzoo.networks import features_and_head


def split_real_batches(x, k):
    """Cuts a local batch [k * b, ...] into k real batches [b, ...] (strided, see module doc).

    Args:
      x: [k * b, *data_shape] tensor.
      k: number of real batches (static int).

    Returns:
      List of k tensors [b, *data_shape]; batch i holds rows i, i + k, i + 2k, ...

    Raises:
      ValueError: if the static batch size is not a multiple of k.
    """
    if k == 1:
        return [x]
    n = x.shape[0]
    if n is not None and n % k:
        raise ValueError(
                f"this model takes {k} real batches per train step, so each replica's batch "
                f"must be a multiple of {k} (the pipeline feeds real_batches_per_step * "
                f"batch_size examples per step); got a batch of {n}")
    grouped = tf.reshape(x, tf.concat([[-1, k], tf.shape(x)[1:]], axis=0))
    return [grouped[:, i] for i in range(k)]


def flatten(x):
    """[n, ...] -> [n, prod(...)] (pixels as vectors for sliced Wasserstein)."""
    dims = x.shape[1:]
    if dims.is_fully_defined():  # keep the feature dimension static
        return tf.reshape(x, [-1, dims.num_elements()])
    return tf.reshape(x, [tf.shape(x)[0], -1])


def _check_model(net, what):
    if not isinstance(net, keras.Model):
        raise ValueError(f"{what} must be a keras.Model (from otzoo.networks), got "
                         f"{type(net).__name__}")


def _static_shape(shape):
    try:
        shape = tuple(shape)
    except TypeError:
        return None
    return None if any(s is None for s in shape) else tuple(int(s) for s in shape)


def unit_head_direction(head):
    """The head kernel of a one-output linear head as a unit vector [feature_dim, 1]."""
    kernel = head.kernel
    if kernel.shape[-1] != 1:
        raise ValueError(f"the head must have one output (a score / logit), got "
                         f"{kernel.shape[-1]} outputs")
    return tf.math.l2_normalize(tf.convert_to_tensor(kernel), axis=0)


class AdversarialModel(GenerativeModel):
    """A generator and its critics / discriminators, with one optimizer per player.

    Subclasses set `network_roles` (the constructor keyword names of the networks other
    than the generator, e.g. ("critic",); the tests and benchmarks build one network per
    role from it), `metric_names`, and implement
    `default_optimizers()` -> {player: optimizer} and `player_variables()` ->
    {player: [variables]}; "generator" is always a player.

    Args:
      generator: `keras.Model` z [n, latent_dim] -> x [n, *data_shape].
      networks: {role: keras.Model} of the other networks, each x [n, *data_shape] -> ...
      latent_dim: size of z; inferred from the generator's input when None.
      prior: latent prior name (`otzoo.models.priors`: "normal", "uniform", ...).
      prior_kwargs: keyword arguments of the prior (e.g. {"half_width": 1.0}).
      jit_penalties: wrap the loss / penalty functions in `tf.function(jit_compile=True)`.
      seed: seed of the model-owned `keras.random.SeedGenerator`.
      **kwargs: `ema_decay` (an EMA of the generator's weights; off by default),
        `ema_bn_batches`, `ema_bn_batch_size`: see `GenerativeModel`.
    """

    network_roles = ()
    real_batches_per_step = 1
    main_player = "generator"
    averaged_role = "generator"
    averaged_player = "generator"

    def __init__(self, generator, networks, latent_dim=None, prior="normal",
                 prior_kwargs=None, jit_penalties=False, seed=0, **kwargs):
        _check_model(generator, "generator")
        for role, net in networks.items():
            _check_model(net, role)
        generator_in = _static_shape(getattr(generator, "input_shape", (None,))[1:])
        if latent_dim is None:
            if generator_in is None or len(generator_in) != 1:
                raise ValueError("latent_dim is None and the generator has no static "
                                 "[batch, latent_dim] input to infer it from; pass latent_dim")
            latent_dim = generator_in[0]
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        if generator_in is not None and generator_in != (self.latent_dim,):
            raise ValueError(f"the generator takes inputs of shape {generator_in}, but "
                             f"latent_dim={self.latent_dim}")
        self.generator = generator
        for role, net in networks.items():
            setattr(self, role, net)
        self.prior = get_prior(prior, self.latent_dim, **dict(prior_kwargs or {}))
        self.jit_penalties = bool(jit_penalties)
        self.data_shape = None
        data_shape = _static_shape(getattr(generator, "output_shape", (None, None))[1:])
        if data_shape is not None:
            self.build_networks(data_shape)

    # -- building ----------------------------------------------------------------------
    @property
    def networks_by_role(self):
        return {role: getattr(self, role) for role in self.network_roles}

    def build_networks(self, data_shape):
        """Checks (and builds, if needed) every network for data of shape `data_shape`."""
        data_shape = tuple(int(s) for s in data_shape)
        if not self.generator.built:
            self.generator.build((None, self.latent_dim))
        out = _static_shape(self.generator.compute_output_shape((None, self.latent_dim))[1:])
        if out is not None and out != data_shape:
            raise ValueError(f"the generator outputs shape {out} but the data has shape "
                             f"{data_shape}")
        for role, net in self.networks_by_role.items():
            if not net.built:
                net.build((None,) + data_shape)
            expected = _static_shape(getattr(net, "input_shape", (None,))[1:])
            if expected is not None and expected != data_shape:
                raise ValueError(f"the {role} expects inputs of shape {expected} but the data "
                                 f"has shape {data_shape}")
        self.data_shape = data_shape
        self.build_averages()
        self.built = True

    def build(self, input_shape):
        # Keras builds a model by calling it; ours are built from the data shape.
        if self.data_shape is None:
            raise ValueError("call build_networks(data_shape) before building the model")
        self.built = True

    # -- random directions, the same on every replica ------------------------------------
    def random_directions(self, dim, num_projections):
        """L unit directions [dim, L], uniform on the sphere; the same on every replica."""
        theta = keras.random.normal((dim, num_projections), seed=self.seed_generator)
        return tf.math.l2_normalize(theta, axis=0)

    # -- the generative API --------------------------------------------------------------
    def sample(self, z):
        """Maps latent codes z [n, latent_dim] to data space [n, *data_shape]."""
        return self.generator(z, training=False)

    def call(self, z, training=False):
        """= `sample(z)`: lets Keras build, trace and save the model."""
        return self.generator(z, training=training)

    def generate(self, n):
        """n new samples G(z), z ~ p(z) (advances the seed generator)."""
        return self.sample(self.sample_prior(n))

    def real_batches(self, data):
        """The `real_batches_per_step` real batches of one train step (see module doc)."""
        x = unpack_data(data)
        if self.data_shape is not None and x.shape.rank != len(self.data_shape) + 1:
            raise ValueError(f"expected real data of shape [batch, *{self.data_shape}], got "
                             f"{x.shape}")
        return split_real_batches(x, self.real_batches_per_step)


class FeatureDiscriminatorMixin:
    """Splits `self.discriminator` into features h(x) and the linear head (SWGAN-D, max-SWGAN)."""

    def _split_discriminator(self):
        try:
            self.discriminator_features, self.discriminator_head = features_and_head(
                    self.discriminator)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__} needs a discriminator ending in a linear "
                             f"one-output Dense head on top of its features: {e}") from None
        if self.discriminator_head.units != 1:
            raise ValueError(f"the discriminator must output one logit, got "
                             f"{self.discriminator_head.units} outputs")
