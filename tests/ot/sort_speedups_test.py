"""The XLA-chunk sort used outside XLA gives the same bits as TopKV2 and NumPy.

Chunks are normally used only for large sorts; the thresholds are lowered here so that
tiny shapes take that path (with uneven chunks), and a spy checks that they do.
"""

from otzoo import testing

try:  # before any TensorFlow op: two logical CPUs for the MirroredStrategy check
    testing.split_cpu_into_logical_devices(2)
    _TWO_DEVICES = True
except RuntimeError:  # TensorFlow already initialised by another test file
    _TWO_DEVICES = False

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from otzoo.ot import _sorting, sliced_wasserstein  # noqa: E402


@pytest.fixture
def chunk_calls(monkeypatch):
    """Forces the chunk path for any size, 3 chunks; returns the list of chunk shapes."""
    monkeypatch.setattr(_sorting, "_XLA_CHUNKS_MIN_ELEMENTS", 1)
    monkeypatch.setattr(_sorting, "_XLA_CHUNK_MIN_ELEMENTS", 1)
    monkeypatch.setattr(_sorting.os, "cpu_count", lambda: 3)
    calls = []
    for name in ("_xla_sort_fn", "_xla_argsort_fn"):
        original = getattr(_sorting, name)

        def spy(keys, original=original):
            calls.append(tuple(keys.shape))
            return original(keys)

        monkeypatch.setattr(_sorting, name, spy)
    return calls


def awkward_values(rows=7, cols=13, seed=0):
    """Duplicates, signed zeros, infinities, subnormals and huge magnitudes (float32)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, cols)).astype(np.float32)
    info = np.finfo(np.float32)
    values[0, :6] = [-0.0, 0.0, np.inf, -np.inf, info.tiny / 4, -info.tiny / 4]
    values[1, :5] = [1.5, -2.0, 1.5, -2.0, 1.5]
    values[2, :4] = [info.max, -info.max, 1e-30, -1e30]
    return values


def run(fn, mode, *args):
    return fn(*args) if mode == "eager" else tf.function(fn)(*args)


@pytest.mark.parametrize("mode", ["eager", "graph"])
@pytest.mark.parametrize("shape", [(7, 13), (2, 4, 13)])
def test_chunks_equal_topk_and_numpy_bit_for_bit(chunk_calls, mode, shape):
    values = awkward_values(rows=int(np.prod(shape[:-1])), cols=shape[-1]).reshape(shape)
    got = run(_sorting.sort, mode, tf.constant(values)).numpy()
    got_sorted, got_perm = run(_sorting.sort_with_permutation, mode, tf.constant(values))
    rows = int(np.prod(shape[:-1]))
    # 7 (or 8) rows in 3 chunks: the remainder goes to the first chunk.
    assert chunk_calls[:3] == [(rows - 2 * (rows // 3), shape[-1])] + \
        [(rows // 3, shape[-1])] * 2
    assert len(chunk_calls) == 6  # sort, then sort_with_permutation
    with _sorting.implementation("int_keys_topk"):
        old = run(_sorting.sort, mode, tf.constant(values)).numpy()
        old_sorted, old_perm = run(_sorting.sort_with_permutation, mode,
                                   tf.constant(values))
    assert len(chunk_calls) == 6  # the old path takes no chunk
    for new in (got, got_sorted.numpy()):
        np.testing.assert_array_equal(new.view(np.int32), old.view(np.int32))
        np.testing.assert_array_equal(new, np.sort(values, axis=-1))
    np.testing.assert_array_equal(got_perm.numpy(), old_perm.numpy())
    np.testing.assert_array_equal(
        got_sorted.numpy().view(np.int32),
        np.take_along_axis(values, got_perm.numpy(), -1).view(np.int32))


def sw_value_and_grad(x, y, projections):
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = sliced_wasserstein(x, y, projections=projections)
    return value, tape.gradient(value, x)


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_sw_value_and_gradient_unchanged(chunk_calls, mode):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(9, 3)).astype(np.float32))
    y = tf.constant(rng.normal(size=(9, 3)).astype(np.float32) + 0.5)
    directions = rng.normal(size=(3, 5))
    projections = tf.constant((directions / np.linalg.norm(directions, axis=0))
                              .astype(np.float32))
    value, grad = run(sw_value_and_grad, mode, x, y, projections)
    assert chunk_calls  # the chunk path was used
    with _sorting.implementation("int_keys_topk"):
        old_value, old_grad = run(sw_value_and_grad, mode, x, y, projections)
    np.testing.assert_array_equal(value.numpy(), old_value.numpy())
    np.testing.assert_array_equal(grad.numpy(), old_grad.numpy())
    # Independent oracle: central finite differences of the float64 NumPy SW.
    p64 = projections.numpy().astype(np.float64)

    def numpy_sw(x64):
        xs = np.sort(x64 @ p64, axis=0)
        ys = np.sort(y.numpy().astype(np.float64) @ p64, axis=0)
        return np.sqrt(np.mean((xs - ys) ** 2))

    x64 = x.numpy().astype(np.float64)
    step = 1e-6
    numeric = np.zeros_like(x64)
    for index in np.ndindex(*x64.shape):
        delta = np.zeros_like(x64)
        delta[index] = step
        numeric[index] = (numpy_sw(x64 + delta) - numpy_sw(x64 - delta)) / (2 * step)
    np.testing.assert_allclose(value.numpy(), numpy_sw(x64), rtol=1e-6)
    np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-4, atol=1e-6)


def test_xla_context_and_dynamic_shapes_take_no_chunk(chunk_calls):
    values = tf.constant(awkward_values())
    xla = tf.function(_sorting.sort, jit_compile=True)(values)
    dynamic = tf.function(_sorting.sort, input_signature=[
        tf.TensorSpec([None, None], tf.float32)])(values)
    assert chunk_calls == []
    np.testing.assert_array_equal(xla.numpy(), np.sort(values.numpy(), -1))
    np.testing.assert_array_equal(dynamic.numpy(), np.sort(values.numpy(), -1))


def test_default_thresholds_choose_chunks_only_for_large_static_sorts():
    keys = tf.zeros([1000, 1024], tf.int32)
    sizes = _sorting._xla_chunks(keys)
    assert sizes is not None and sum(sizes) == 1000
    assert _sorting._xla_chunks(tf.zeros([50, 256], tf.int32)) is None
    with _sorting.implementation("int_keys_topk"):
        assert _sorting._xla_chunks(keys) is None


@pytest.mark.skipif(not _TWO_DEVICES, reason="needs two logical CPUs, set up before "
                    "TensorFlow starts (run this file on its own)")
def test_mirrored_replicas_get_the_single_device_gradient(chunk_calls):
    strategy = testing.mirrored_strategy(2)
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(8, 3)).astype(np.float32))
    y = tf.constant(rng.normal(size=(8, 3)).astype(np.float32))
    projections = tf.constant(np.eye(3, dtype=np.float32))
    expected_value, expected_grad = tf.function(sw_value_and_grad)(x, y, projections)

    @tf.function
    def step():
        return strategy.run(sw_value_and_grad, args=(x, y, projections))

    values, grads = step()
    assert chunk_calls
    for value, grad in zip(strategy.experimental_local_results(values),
                           strategy.experimental_local_results(grads)):
        np.testing.assert_array_equal(value.numpy(), expected_value.numpy())
        np.testing.assert_array_equal(grad.numpy(), expected_grad.numpy())


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
