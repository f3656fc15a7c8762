"""`make_input_pipeline` with a MirroredStrategy over 2 logical CPU devices.

The two logical CPU devices come from tests/conftest.py.
"""

import numpy as np
import pytest
import tensorflow as tf

import otzoo.data
from otzoo import testing
from otzoo.data.errors import DatasetError


@pytest.fixture(scope="module")
def strategy():
    return testing.mirrored_strategy(2)  # one per process, shared with other test files


def ids(n):
    return tf.data.Dataset.from_tensor_slices(np.arange(n, dtype=np.float32)[:, None])


def test_global_batch_is_split_across_replicas(strategy):
    dist = otzoo.data.make_input_pipeline(ids(64), 8, strategy, seed=5)
    single = otzoo.data.make_input_pipeline(ids(64), 8, seed=5)
    steps = []
    for step, (per_replica, global_batch) in enumerate(zip(dist, single)):
        local = strategy.experimental_local_results(per_replica)
        assert len(local) == 2
        assert [t.shape.as_list() for t in local] == [[4, 1], [4, 1]]
        assert local[0].device != local[1].device
        # The replicas' halves make up the single-device global batch of the same seed.
        np.testing.assert_array_equal(np.concatenate([t.numpy() for t in local]),
                                      global_batch.numpy())
        steps.append(global_batch.numpy()[:, 0])
        if step == 15:  # two epochs of 8 steps.
            break
    epochs = np.reshape(steps, (2, 64))
    for epoch in epochs:
        np.testing.assert_array_equal(np.sort(epoch), np.arange(64))


def test_skip_batches_counts_global_steps(strategy):
    single = take_global(otzoo.data.make_input_pipeline(ids(64), 8, seed=2), 10)
    dist = otzoo.data.make_input_pipeline(ids(64), 8, strategy, seed=2, skip_batches=6)
    resumed = []
    for per_replica in dist:
        local = strategy.experimental_local_results(per_replica)
        resumed.append(np.concatenate([t.numpy() for t in local]))
        if len(resumed) == 4:
            break
    np.testing.assert_array_equal(np.stack(resumed), single[6:])


def take_global(ds, steps):
    return np.stack([b.numpy() for b in ds.take(steps)])


def test_runs_inside_a_replica_function(strategy):
    ds = otzoo.data.load("eight_gaussians", num_samples=256, seed=0)
    dist = otzoo.data.make_input_pipeline(ds, 32, strategy)

    @tf.function
    def step(batch):
        return strategy.run(lambda x: tf.shape(x)[0], args=(batch,))

    sizes = strategy.experimental_local_results(step(next(iter(dist))))
    assert [int(s) for s in sizes] == [16, 16]


def test_indivisible_global_batch_is_an_error(strategy):
    with pytest.raises(DatasetError, match="global_batch_size 7 is not divisible by the 2 "
                       "replicas of MirroredStrategy"):
        otzoo.data.make_input_pipeline(ids(64), 7, strategy)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
