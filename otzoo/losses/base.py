"""The shared plumbing of the OT losses: point clouds in, a scalar distance out.

An OT loss compares two *distributions*, not pairs of samples: `y_true` and `y_pred` are
two batches of samples (point clouds), each flattened to [batch, features], and the loss
is one scalar (the distance between the two empirical measures). Hence:

* `sample_weight` has no per-sample meaning here and is rejected (ValueError).
* The Keras `reduction` does not apply (the value is already a scalar).

Distribution (tf.distribute, e.g. MirroredStrategy). Keras sums the gradients of the
per-replica losses across replicas and does NOT divide a scalar returned by `call` by the
number of replicas R. These losses therefore, inside a replica context with R > 1:

* `cross_replica="gather"` (default): all-gather y_true and y_pred from all replicas,
  compute the distance on the *global* batch on every replica (same random directions on
  every replica: replica 0's seed is broadcast), and return it divided by R. The gather is
  differentiable (its gradient sums the upstream gradients over replicas and keeps each
  replica's slice), so the summed gradient is exactly the single-device gradient of the
  distance on the global batch: training matches one device with the same global batch,
  and the logged loss (Keras multiplies it back by R) is the global-batch distance.
  Cost: one all-gather and R-fold redundant distance computation.
* `cross_replica="local"`: every replica computes the distance on its own shard and
  returns it divided by R: the summed gradient is the *mean of the per-shard gradients*.
  Cheaper, but the estimator is that of the smaller per-replica batch (for SW and the
  Sinkhorn divergence the value depends on the batch size; MMD²_u stays unbiased).

Outside a replica context (eager calls, one device, the default strategy) nothing is
gathered or scaled. This is the same convention as Keras' own built-in losses (which
divide by R inside a replica context): a custom `train_step` that calls these objects
must NOT divide by `num_replicas_in_sync` again. Create the loss inside
`strategy.scope()`, like the model, so that its seed state is a mirrored variable that
advances once per step, reproducibly. (Created outside, the state is one plain variable
that every replica advances: the directions are still shared within a step, since
replica 0's seed is broadcast, but the sequence is no longer reproducible.)

Randomness: a `keras.random.SeedGenerator(seed)` owned by the loss: an int seed gives a
deterministic sequence, and every call draws new directions. `get_config` stores the
int seed (not the generator state): `from_config(get_config())` restarts the sequence.
"""

import keras
import numpy as np
import tensorflow as tf

from otzoo.ot import _checks

CROSS_REPLICA = ("gather", "local")


def check_seed(seed):
    """An int seed or None (the only seeds that serialise into a config)."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int or None, got {seed!r}")
    return int(seed)


def flatten_batch(samples):
    """[batch, ...] -> [batch, features] (one point per row); [batch] -> [batch, 1]."""
    if samples.shape.rank is None:
        raise ValueError("the loss inputs must have a known rank")
    if samples.shape.rank == 0:
        raise ValueError("the loss inputs must be batches of samples, got a scalar")
    if samples.shape.rank == 1:
        return samples[:, tf.newaxis]
    if samples.shape.rank == 2:
        return samples
    features = samples.shape[1:]
    if features.is_fully_defined():
        return tf.reshape(samples, [-1, int(np.prod(features))])
    return tf.reshape(samples, [tf.shape(samples)[0], -1])


def _replica_context():
    """The replica context of a multi-replica strategy, else None."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync <= 1:
        return None
    return context


def _gather(context, samples):
    gathered = context.all_gather(samples, axis=0)
    # all_gather drops the static shape; the distances need the feature dimension.
    return tf.ensure_shape(gathered, [None] + samples.shape[1:].as_list())


class PointCloudLoss(keras.losses.Loss):
    """Base class: subclasses implement `distance(x, y, seed)` returning a scalar.

    Args:
        cross_replica: "gather" or "local" (see the module docstring).
        seed: int or None, for subclasses that draw random numbers.
        name, dtype: as `keras.losses.Loss` (dtype: the computation dtype; the inputs
            are cast to it).
    """

    uses_seed = False

    def __init__(self, cross_replica="gather", seed=None, name=None, dtype=None):
        super().__init__(name=name, reduction="sum_over_batch_size", dtype=dtype)
        self.cross_replica = _checks.check_choice(cross_replica, "cross_replica",
                                                  CROSS_REPLICA)
        self.seed = check_seed(seed)
        # Only the losses that draw random numbers own a generator (and its variable).
        self.seed_generator = (keras.random.SeedGenerator(self.seed) if self.uses_seed
                               else None)

    def distance(self, x, y, seed):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            raise ValueError(
                    f"{type(self).__name__} compares two point clouds as a whole: "
                    "sample_weight has no per-sample meaning; pass none")
        return super().__call__(y_true, y_pred)

    def call(self, y_true, y_pred):
        x, y = flatten_batch(y_true), flatten_batch(y_pred)
        seed = None
        if self.seed_generator is not None:
            seed = tf.cast(self.seed_generator.next(), tf.int64)
        context = _replica_context()
        if context is not None and self.cross_replica == "gather":
            x, y = _gather(context, x), _gather(context, y)
            if seed is not None:
                # Every replica must draw the same directions to compute the same loss.
                seed = tf.reshape(context.all_gather(seed[tf.newaxis], axis=0)[0], [2])
        value = self.distance(x, y, seed)
        if context is not None:
            # Keras sums the replicas' gradients and does not scale a scalar loss.
            value = value / tf.cast(context.num_replicas_in_sync, value.dtype)
        return value

    def get_config(self):
        config = {"name": self.name, "dtype": self._dtype_policy.name,
                  "cross_replica": self.cross_replica}
        if self.uses_seed:
            config["seed"] = self.seed
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
