"""The input pipeline shared by every model: cache, shuffle, repeat, batch, distribute.

    make_input_pipeline(load("fashion_mnist"), global_batch_size=256, strategy=strategy)

Order of operations and why:
  cache     (in memory) after `load`'s per-example scaling, so later epochs skip it;
  shuffle   with a fixed seed, buffer = the whole dataset when its size is known (a
            uniform permutation per epoch), reshuffled every epoch;
  repeat    before batching, so every batch is full even across epoch boundaries;
  batch     with drop_remainder=True: sort-matching OT losses (sliced Wasserstein, exact
            1-D W) need equal batch sizes, and XLA needs static shapes;
  prefetch  AUTOTUNE.

Determinism: with the same `seed` two pipelines built from the same dataset, and two
iterators of one pipeline, yield the same batches in the same order (tf.data's
`deterministic` option is forced on). The order depends on TF's global seed only if the
caller sets one (`tf.random.set_seed`). `shuffle(reshuffle_each_iteration=True)` alone
draws each data epoch's shuffle seed from one stream shared by every iterator of the
dataset; Keras' `fit` under a `tf.distribute` strategy reads a batch from a throwaway
iterator before training (`_maybe_symbolic_build`), so the training order then depended
on how far that iterator had read: past `skip_batches` across a data epoch, or, through
prefetching, ahead into the next epoch of a small dataset. A resumed run saw other data
than an uninterrupted one. Hence the stream restarts with every iterator, and the draw
that throwaway iterator used to take is discarded (one unused pass over the data), so
uninterrupted runs keep the order they were trained and published with.

Distribution: with a `tf.distribute.Strategy`, the global batch is split across
replicas by `strategy.distribute_datasets_from_function`: each input pipeline (one per
worker) reads its shard of the data and batches `global_batch_size / num_replicas` per
replica; a global batch that does not divide raises `ValueError`. On one worker the
replicas take consecutive per-replica batches of one pipeline, so the union of one step's
replica batches equals the single-device global batch with the same seed.
"""

import numbers

import tensorflow as tf

from otzoo.data.errors import DatasetError

DEFAULT_SHUFFLE_BUFFER = 10_000  # used when the dataset's size is unknown or infinite.
MAX_SHUFFLE_BUFFER = 1_000_000   # bounds the buffer's memory for very large datasets.


def _check_batch(global_batch_size, strategy):
    if isinstance(global_batch_size, bool) \
            or not isinstance(global_batch_size, numbers.Integral) or global_batch_size <= 0:
        raise DatasetError(f"global_batch_size must be a positive int; got "
                           f"{global_batch_size!r}")
    global_batch_size = int(global_batch_size)
    replicas = strategy.num_replicas_in_sync if strategy is not None else 1
    if global_batch_size % replicas:
        raise DatasetError(
                f"global_batch_size {global_batch_size} is not divisible by the "
                f"{replicas} replicas of {type(strategy).__name__}; expected a multiple of "
                f"{replicas} (per-replica batch = global / replicas)")
    return global_batch_size // replicas


def _epochs(dataset, buffer, seed, repeat):
    """The data epochs of one iterator: shuffle (and repeat), the seed stream restarted.

    The function of `flat_map` runs once per iterator, so each iterator builds a shuffle
    of its own whose seed stream starts afresh (see the module docstring); the cache
    stays outside, shared. Epoch d = 0, 1, ... of every iterator is shuffled with draw
    d + 2 of the stream of `seed`: the first epoch, shuffled with draw 1, is read and
    dropped (the draw Keras' throwaway iterator used to take before every training
    run). A dataset of unknown size drops nothing (its order starts at draw 1).
    """
    n = int(dataset.cardinality())
    drop = n if n > 0 else 0

    @tf.autograph.experimental.do_not_convert
    def per_iterator(_):
        shuffled = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        epochs = shuffled.repeat() if repeat else shuffled.repeat(2 if drop else 1)
        return epochs.skip(drop)

    epochs = tf.data.Dataset.range(1).flat_map(per_iterator)
    # flat_map forgets the size; restore it (infinite, or one epoch's) for Keras.
    size = tf.data.INFINITE_CARDINALITY if repeat else n
    if size == tf.data.UNKNOWN_CARDINALITY:
        return epochs
    return epochs.apply(tf.data.experimental.assert_cardinality(size))


def _batched(dataset, batch_size, shuffle, seed, shuffle_buffer, cache, repeat, skip=0):
    """The single-pipeline chain: cache -> shuffle -> repeat -> batch -> skip -> prefetch."""
    if cache:
        dataset = dataset.cache()
    if shuffle:
        n = int(dataset.cardinality())
        buffer = shuffle_buffer or (min(n, MAX_SHUFFLE_BUFFER) if n > 0
                                    else DEFAULT_SHUFFLE_BUFFER)
        dataset = _epochs(dataset, buffer, seed, repeat)
    elif repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if skip:
        dataset = dataset.skip(skip)
    options = tf.data.Options()
    options.deterministic = True
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def make_input_pipeline(dataset, global_batch_size, strategy=None, *, shuffle=True, seed=0,
                        shuffle_buffer=None, cache=True, repeat=True, skip_batches=0):
    """Batches (and distributes) a dataset of single examples from `otzoo.data.load`.

    Args:
      dataset: a `tf.data.Dataset` of single examples (images, points or pairs).
      global_batch_size: examples per training step, summed over replicas.
      strategy: optional `tf.distribute.Strategy`; then the result is a distributed
        dataset whose per-replica batches have `global_batch_size / replicas` examples.
      shuffle: shuffle (seeded) every epoch; False keeps the dataset's order (eval).
      seed: int seed of the shuffle: same seed, same order (None: a different order on
        every build).
      shuffle_buffer: buffer size; default the whole dataset when its size is known.
      cache: cache the examples in memory after the first epoch (float32: 188 MB for
        Fashion-MNIST train; set False for image folders larger than memory).
      repeat: repeat forever (training); False gives one epoch of full batches only.
      skip_batches: global batches to skip first (a resumed run skips the batches its
        checkpoint already trained on, so it sees the data an uninterrupted run sees).

    Returns:
      A `tf.data.Dataset` of batches [global_batch_size, ...] (without strategy), or a
      `tf.distribute.DistributedDataset` of per-replica batches.

    Raises:
      DatasetError (a ValueError): bad batch size, seed or skip_batches, global batch not
        divisible by the replicas, or a finite non-repeated dataset smaller than one batch.
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise DatasetError(f"dataset must be a tf.data.Dataset of single examples (from "
                           f"otzoo.data.load); got {type(dataset).__name__}")
    _check_batch(global_batch_size, strategy)
    n = int(dataset.cardinality())
    if n == 0 or (not repeat and 0 < n < global_batch_size):
        raise DatasetError(
                f"the dataset has {n} examples, fewer than one global batch of "
                f"{global_batch_size}; with drop_remainder=True it would yield no batch")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise DatasetError(f"seed must be an int or None; got {seed!r}")
    if isinstance(skip_batches, bool) or not isinstance(skip_batches, numbers.Integral) \
            or skip_batches < 0:
        raise DatasetError(f"skip_batches must be an int >= 0; got {skip_batches!r}")
    skip_batches = int(skip_batches)

    if strategy is None:
        return _batched(dataset, global_batch_size, shuffle, seed, shuffle_buffer, cache,
                        repeat, skip_batches)

    def dataset_fn(context):
        ds = dataset
        if context.num_input_pipelines > 1:  # multi-worker: each worker reads its shard.
            ds = ds.shard(context.num_input_pipelines, context.input_pipeline_id)
        # Each pipeline yields per-replica batches, one per local replica per step.
        local_replicas = context.num_replicas_in_sync // context.num_input_pipelines
        return _batched(ds, context.get_per_replica_batch_size(global_batch_size), shuffle,
                        seed, shuffle_buffer, cache, repeat, skip_batches * local_replicas)

    return strategy.distribute_datasets_from_function(dataset_fn)


def steps_per_epoch(dataset, global_batch_size):
    """Full global batches in one pass over `dataset` (floor(N / global_batch_size))."""
    n = int(dataset.cardinality())
    if n < 0:
        raise DatasetError(f"the dataset's size is unknown or infinite ({n}); pass "
                           f"steps_per_epoch explicitly")
    return n // global_batch_size
