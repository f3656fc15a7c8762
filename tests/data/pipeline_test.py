"""`make_input_pipeline` on one device: full batches, seeded order, epochs as permutations."""

import numpy as np
import pytest
import tensorflow as tf

import otzoo.data
from otzoo.data.errors import DatasetError


def ids(n):
    """A dataset whose elements are their own indices (as float32 [1])."""
    return tf.data.Dataset.from_tensor_slices(np.arange(n, dtype=np.float32)[:, None])


def take(ds, steps):
    return np.stack([b.numpy() for b in ds.take(steps)])


def test_drops_the_remainder_without_repeat():
    batches = list(otzoo.data.make_input_pipeline(ids(10), 4, repeat=False, shuffle=False))
    assert [b.shape[0] for b in batches] == [4, 4]
    np.testing.assert_array_equal(np.concatenate(batches)[:, 0], np.arange(8))
    assert batches[0].shape.as_list() == [4, 1]  # static batch dimension.
    ds = otzoo.data.make_input_pipeline(ids(10), 4)
    assert ds.element_spec.shape.as_list() == [4, 1]


def test_repeat_gives_full_batches_and_each_epoch_is_a_permutation():
    ds = otzoo.data.make_input_pipeline(ids(12), 4, seed=0)
    got = take(ds, 9)[..., 0]  # three epochs of three batches.
    assert got.shape == (9, 4)
    epochs = got.reshape(3, 12)
    for epoch in epochs:
        np.testing.assert_array_equal(np.sort(epoch), np.arange(12))
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled each epoch.
    assert not np.array_equal(epochs[0], np.arange(12))


def test_same_seed_same_order_on_two_builds():
    def build(seed):
        ds = otzoo.data.load("two_moons", num_samples=1000, seed=0)
        return take(otzoo.data.make_input_pipeline(ds, 64, seed=seed), 40)
    a, b, c = build(7), build(7), build(8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_supervised_pairs_stay_paired():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(100, dtype=np.float32),
                                             np.arange(100, dtype=np.int64)))
    for x, y in otzoo.data.make_input_pipeline(ds, 10, seed=3).take(20):
        np.testing.assert_array_equal(x.numpy().astype(np.int64), y.numpy())


def test_cache_off_and_explicit_buffer_same_elements():
    ds = otzoo.data.make_input_pipeline(ids(8), 8, cache=False, shuffle_buffer=2, seed=1)
    np.testing.assert_array_equal(np.sort(take(ds, 1)[0, :, 0]), np.arange(8))


def test_skip_batches_resumes_where_an_uninterrupted_run_is():
    ds = otzoo.data.load("two_moons", num_samples=100, seed=0)
    full = take(otzoo.data.make_input_pipeline(ds, 16, seed=4), 20)
    resumed = take(otzoo.data.make_input_pipeline(ds, 16, seed=4, skip_batches=13), 7)
    np.testing.assert_array_equal(resumed, full[13:])


def test_bad_arguments():
    with pytest.raises(DatasetError, match="global_batch_size must be a positive int"):
        otzoo.data.make_input_pipeline(ids(10), 0)
    with pytest.raises(DatasetError, match="global_batch_size must be a positive int"):
        otzoo.data.make_input_pipeline(ids(10), 4.0)
    with pytest.raises(DatasetError, match="has 10 examples, fewer than one global batch"):
        otzoo.data.make_input_pipeline(ids(10), 16, repeat=False)
    with pytest.raises(DatasetError, match="tf.data.Dataset"):
        otzoo.data.make_input_pipeline(np.zeros((10, 2)), 4)
    with pytest.raises(DatasetError, match="seed must be an int"):
        otzoo.data.make_input_pipeline(ids(10), 4, seed=1.5)
    with pytest.raises(DatasetError, match="skip_batches must be an int >= 0"):
        otzoo.data.make_input_pipeline(ids(10), 4, skip_batches=-1)
    assert otzoo.data.make_input_pipeline(ids(10), np.int64(4)).element_spec.shape[0] == 4


def test_steps_per_epoch():
    assert otzoo.data.steps_per_epoch(ids(1000), 256) == 3
    with pytest.raises(DatasetError, match="unknown or infinite"):
        otzoo.data.steps_per_epoch(ids(10).repeat(), 4)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
