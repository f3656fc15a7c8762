"""Resuming is bit for bit: N steps straight == N/2 steps, stop, resume to N. So is
running several train steps per Keras call (`steps_per_execution`) against one.

The data epochs do not line up with the checkpoints (24 examples, global batch 8 per
real batch, a checkpoint every 4 steps: a resume lands 1.33 data epochs in, a run reads
2.67), and the penalties are compiled (`jit_penalties`) as each config says. Every
checkpointed variable is compared.

Regression: Keras' `fit` under a strategy reads a batch from a throwaway iterator before
training. The shuffle's seed stream (one draw per data epoch) was shared by all
iterators of a dataset, so the resumed run's throwaway iterator, reading through
`skip_batches` past a data epoch, moved the training iterator to other shuffles. The
default swgan (batch 256, resume at step 250 > one epoch of Fashion-MNIST) showed it.
"""

import gzip
import os
import struct

import numpy as np
import pytest
import tensorflow as tf

import otzoo.data
from otzoo.training import strategies, trainer
from tests.training import common

EXAMPLES, BATCH, PER_EPOCH, STEPS = 24, 8, 4, 8  # wgan_gp: 5 x 8 per step
# The default entry, a critic with several real batches per step and a gradient
# penalty, an autoencoder with an MMD penalty: the three shapes of train step.
MODELS = ("swgan", "wgan_gp", "wae_mmd")


def _write_idx(path, array):
    """A gzipped idx file: magic (uint8, ndim), big-endian dims, then the uint8 data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
            ">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, np.uint8).tobytes())


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A tiny MNIST-format folder (train and t10k splits) of random 28x28 images."""
    root = tmp_path_factory.mktemp("idx")
    rng = np.random.default_rng(0)
    for split in ("train", "t10k"):
        _write_idx(root / f"{split}-images-idx3-ubyte.gz",
                   rng.integers(0, 256, (EXAMPLES, 28, 28), dtype=np.uint8))
        _write_idx(root / f"{split}-labels-idx1-ubyte.gz", np.arange(EXAMPLES) % 10)
    return str(root)


def _config(name, data_dir):
    config = common.smoke_config(name, batch_size=BATCH, steps_per_epoch=PER_EPOCH,
                                 sample_grids=False)
    with config.unlocked():
        config.data.name = "mnist"
        config.data.options.data_dir = data_dir
    return config


def _variables(workdir):
    path = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    assert path is not None and path.endswith(f"ckpt-{STEPS}"), path
    reader = tf.train.load_checkpoint(path)
    return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()
            if not n.startswith(("_CHECKPOINTABLE_OBJECT_GRAPH", "wall_time_s"))}


@pytest.mark.parametrize("name", MODELS)
def test_stop_and_resume_equals_straight(name, data_dir, tmp_path):
    config = _config(name, data_dir)
    # The configs' own compilation: swgan and wae_mmd compiled, wgan_gp not.
    assert config.model_kwargs.jit_penalties == (name != "wgan_gp")
    # wgan_gp reads critic_steps real batches per step (its real_batches_per_step).
    per_step = BATCH * config.model_kwargs.get("critic_steps", 1)
    # The resume point lies inside a data epoch, after at least one epoch boundary.
    assert PER_EPOCH * per_step > EXAMPLES and PER_EPOCH * per_step % EXAMPLES

    def train(workdir, steps):
        return trainer.train(config, str(workdir), strategies.make_strategy("one_device"),
                             steps=steps, verbose=0)[1]

    train(tmp_path / "straight", STEPS)
    assert train(tmp_path / "resumed", STEPS // 2)["resumed_from_step"] == 0
    assert train(tmp_path / "resumed", STEPS)["resumed_from_step"] == STEPS // 2

    straight, resumed = _variables(tmp_path / "straight"), _variables(tmp_path / "resumed")
    assert straight.keys() == resumed.keys() and len(straight) > 4
    for key in straight:
        np.testing.assert_array_equal(straight[key], resumed[key], err_msg=key)


# dswgan: its slicer's own ascent optimizer runs inside the step.
SPE_MODELS = MODELS + ("dswgan",)


@pytest.mark.parametrize("name", SPE_MODELS)
def test_steps_per_execution_equals_one_step_per_call(name, data_dir, tmp_path):
    """The trainer's default runs several steps per call; the weights must not move."""
    config = _config(name, data_dir)
    strategy = strategies.make_strategy("one_device")
    assert trainer.resolve_steps_per_execution(None, PER_EPOCH) == PER_EPOCH > 1
    for per_call in (1, PER_EPOCH):
        trainer.train(config, str(tmp_path / str(per_call)), strategy, steps=STEPS,
                      verbose=0, steps_per_execution=per_call)
    one, several = _variables(tmp_path / "1"), _variables(tmp_path / str(PER_EPOCH))
    assert one.keys() == several.keys() and len(one) > 4
    for key in one:
        np.testing.assert_array_equal(one[key], several[key], err_msg=key)


def test_steps_per_execution_divides_the_checkpoint_interval():
    assert trainer.resolve_steps_per_execution(None, 250) == 10
    assert trainer.resolve_steps_per_execution(None, 2) == 2
    assert trainer.resolve_steps_per_execution(None, 13) == 1
    assert trainer.resolve_steps_per_execution(5, 250) == 5
    with pytest.raises(ValueError, match=r"steps_per_execution \(3\) must be a positive "
                                         r"divisor of steps_per_epoch \(250\)"):
        trainer.resolve_steps_per_execution(3, 250)
    # Keras' multi-step loop fails under the mirrored strategies: one step per call.
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0"])
    assert trainer.resolve_steps_per_execution(None, 250, mirrored) == 1
    with pytest.raises(ValueError, match="must be 1 under MirroredStrategy"):
        trainer.resolve_steps_per_execution(10, 250, mirrored)


def _ids(n):
    return tf.data.Dataset.from_tensor_slices(np.arange(n, dtype=np.float32))


def _take(dataset_or_iterator, steps):
    it = iter(dataset_or_iterator)
    return np.concatenate([next(it).numpy() for _ in range(steps)])


def test_every_iterator_of_a_pipeline_yields_the_same_batches():
    """A first iterator that reads across data epochs (as Keras' throwaway iterator does
    through `skip_batches`) does not change what the next iterator yields."""
    pipeline = otzoo.data.make_input_pipeline(_ids(10), 4, seed=3)
    first = iter(pipeline)
    before = _take(first, 8)  # 3.2 data epochs
    np.testing.assert_array_equal(_take(pipeline, 8), before)
    resumed = otzoo.data.make_input_pipeline(_ids(10), 4, seed=3, skip_batches=5)
    _take(resumed, 1)  # a throwaway iterator, past the skipped batches
    np.testing.assert_array_equal(_take(resumed, 3), before[20:32])


def test_pipeline_keeps_the_order_runs_were_trained_with():
    """Epoch d is shuffled with draw d + 2 of the seed stream (plain tf.data's order on
    a fresh iterator, one epoch dropped), as every run before the fix trained with."""
    n, seed = 12, 5
    reference = _ids(n).shuffle(n, seed=seed, reshuffle_each_iteration=True).repeat()
    expected = _take(reference.skip(n).batch(4), 9)
    np.testing.assert_array_equal(
            _take(otzoo.data.make_input_pipeline(_ids(n), 4, seed=seed), 9), expected)
    one_epoch = otzoo.data.make_input_pipeline(_ids(n), 4, seed=seed, repeat=False)
    assert int(one_epoch.cardinality()) == 3
    np.testing.assert_array_equal(np.concatenate(list(one_epoch)), expected[:n])
