"""The "numpy" sort (np.sort in a numpy_function) gives the bits of "int_keys".

Packed keys (int32 key << 32 | column index) are unique, so any correct sort of them
has one answer: values and permutation must equal "int_keys" bit for bit, and so must
every gradient built from them. Spies check that np.sort really ran (outside XLA) and
did not run inside XLA, where "int_keys" is used.
"""

import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import _sorting, sliced_wasserstein


@pytest.fixture
def numpy_calls(monkeypatch):
    """Records the shape and dtype of every np.sort call made by the "numpy" sort."""
    calls = []
    for name in ("_np_sort_rows", "_np_pack_and_sort_rows"):
        original = getattr(_sorting, name)

        def spy(keys, original=original, name=name):
            calls.append((name, keys.shape, keys.dtype))
            return original(keys)

        monkeypatch.setattr(_sorting, name, spy)
    return calls


def awkward_values(dtype=np.float32, rows=6, cols=17, seed=0):
    """Ties, signed zeros, infinities, NaNs, subnormals, huge and negative numbers."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, cols)).astype(dtype)
    info = np.finfo(dtype)
    values[0, :7] = [-0.0, 0.0, np.inf, -np.inf, info.tiny / 4, -info.tiny / 4, -0.0]
    values[1, :6] = [1.5, -2.0, 1.5, -2.0, 1.5, -2.0]
    values[2, :4] = [info.max, -info.max, 1e-30 if dtype != np.float16 else 1e-7, -1e4]
    values[3, :] = -3.0  # a row of one repeated value: the permutation is the identity
    values[4, :3] = [np.nan, -np.nan, 0.0]
    values[5] = -np.abs(values[5])
    return values


def keys_oracle(values):
    """The order-preserving integer keys, computed in NumPy."""
    ints = values.view(np.int32 if values.dtype == np.float32 else np.int64)
    sign_bits = 31 if ints.dtype == np.int32 else 63
    return ints ^ ((ints >> sign_bits) & np.iinfo(ints.dtype).max)


def run(fn, mode, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


def both(implementation, mode, values):
    """(sort, sort_with_permutation) outputs as NumPy arrays."""
    with _sorting.implementation(implementation):
        values_only = run(_sorting.sort, mode, values).numpy()
        sorted_values, permutation = run(_sorting.sort_with_permutation, mode, values)
    return values_only, sorted_values.numpy(), permutation.numpy()


def assert_same_bits(got, expected):
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.view(f"int{8 * a.itemsize}"),
                                      b.view(f"int{8 * b.itemsize}"))


def test_numpy_is_selectable():
    assert "numpy" in _sorting.IMPLEMENTATIONS
    with _sorting.implementation("numpy"):
        assert _sorting._IMPLEMENTATION[0] == "numpy"
    assert _sorting._IMPLEMENTATION[0] == "int_keys"  # the default is unchanged


@pytest.mark.parametrize("mode", ["eager", "graph"])
@pytest.mark.parametrize("shape", [(6, 17), (2, 3, 17), (64, 1024)])
def test_float32_bits_equal_int_keys_and_key_oracle(numpy_calls, mode, shape):
    rows = int(np.prod(shape[:-1]))
    values = awkward_values(rows=max(rows, 6), cols=shape[-1])[:rows].reshape(shape)
    got = both("numpy", mode, tf.constant(values))
    assert [(name, dtype) for name, _, dtype in numpy_calls] == [
        ("_np_sort_rows", np.int32), ("_np_pack_and_sort_rows", np.int32)]
    assert_same_bits(got, both("int_keys", mode, tf.constant(values)))
    # Independent oracle: a stable argsort of the NumPy keys.
    order = np.argsort(keys_oracle(values), axis=-1, kind="stable")
    np.testing.assert_array_equal(got[2], order)
    expected = np.take_along_axis(values, order, -1)
    assert_same_bits(got[:2], [expected, expected])


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_float64_sorts_keys_with_numpy_and_permutes_as_int_keys(numpy_calls, mode):
    values = awkward_values(np.float64)
    got = both("numpy", mode, tf.constant(values))
    # Keys only through np.sort (int64 keys); no packed key for the permutation.
    assert [(name, dtype) for name, _, dtype in numpy_calls] == [
        ("_np_sort_rows", np.int64)]
    assert_same_bits(got, both("int_keys", mode, tf.constant(values)))
    np.testing.assert_array_equal(
        got[2], np.argsort(keys_oracle(values), axis=-1, kind="stable"))


def test_float16_is_sorted_via_float32(numpy_calls):
    values = awkward_values(np.float16)
    got = both("numpy", "graph", tf.constant(values))
    assert numpy_calls and all(dtype == np.int32 for _, _, dtype in numpy_calls)
    assert got[0].dtype == np.float16
    assert_same_bits(got, both("int_keys", "graph", tf.constant(values)))


def test_dynamic_shapes(numpy_calls):
    values = awkward_values()
    signature = [tf.TensorSpec([None, None], tf.float32)]
    results = []
    for implementation in ("numpy", "int_keys"):
        with _sorting.implementation(implementation):
            sort = tf.function(_sorting.sort, input_signature=signature)
            argsort = tf.function(_sorting.sort_with_permutation,
                                  input_signature=signature)
            results.append([sort(values).numpy()]
                           + [t.numpy() for t in argsort(values)])
    assert len(numpy_calls) == 2
    assert_same_bits(*results)


def test_forced_chunks_give_the_same_bits(numpy_calls, monkeypatch):
    monkeypatch.setattr(_sorting, "_NUMPY_CHUNKS_MIN_ELEMENTS", 1)
    monkeypatch.setattr(_sorting, "_XLA_CHUNK_MIN_ELEMENTS", 1)
    monkeypatch.setattr(_sorting.os, "cpu_count", lambda: 2)
    values = awkward_values(rows=7)
    for mode in ("eager", "graph"):
        numpy_calls.clear()
        got = both("numpy", mode, tf.constant(values))
        # 7 rows in 2 chunks (the remainder in the first) for the sort and for the
        # argsort; the chunks run concurrently, in either order.
        assert sorted(call[:2] for call in numpy_calls) == sorted(
            [("_np_sort_rows", (4, 17)), ("_np_sort_rows", (3, 17)),
             ("_np_pack_and_sort_rows", (4, 17)), ("_np_pack_and_sort_rows", (3, 17))])
        assert_same_bits(got, both("int_keys", mode, tf.constant(values)))


def test_xla_context_keeps_the_xla_sort(numpy_calls):
    values = tf.constant(awkward_values())
    got = both("numpy", "xla", values)
    assert numpy_calls == []
    assert_same_bits(got, both("int_keys", "xla", values))
    assert_same_bits(got, both("int_keys", "graph", values))


def sw_value_and_grad(x, y, projections):
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = sliced_wasserstein(x, y, projections=projections)
    return value, tape.gradient(value, x)


def clouds(n, d=784, num_projections=64, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    x[1] = x[0]  # tied projections: the permutation decides the gradient
    y = (0.5 + rng.normal(size=(n, d))).astype(np.float32)
    directions = rng.normal(size=(d, num_projections))
    projections = directions / np.linalg.norm(directions, axis=0)
    return tf.constant(x), tf.constant(y), tf.constant(projections.astype(np.float32))


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
@pytest.mark.parametrize("n", [64, 1024])
def test_sliced_wasserstein_value_and_gradient_bits(numpy_calls, mode, n):
    x, y, projections = clouds(n)
    with _sorting.implementation("numpy"):
        got = run(sw_value_and_grad, mode, x, y, projections)
    with _sorting.implementation("int_keys"):
        expected = run(sw_value_and_grad, mode, x, y, projections)
    # Under XLA the "numpy" choice changes nothing; elsewhere np.sort did the sorting.
    assert (numpy_calls == []) == (mode == "xla")
    assert_same_bits([t.numpy() for t in got], [t.numpy() for t in expected])
    # Oracle for the value: float64 NumPy SW_2 on the same projections.
    p64 = projections.numpy().astype(np.float64)
    xs = np.sort(x.numpy().astype(np.float64) @ p64, axis=0)
    ys = np.sort(y.numpy().astype(np.float64) @ p64, axis=0)
    np.testing.assert_allclose(got[0].numpy(), np.sqrt(np.mean((xs - ys) ** 2)),
                               rtol=1e-5)


@pytest.mark.parametrize("jit", [False, True])
def test_gradient_recomputed_outside_the_function(numpy_calls, jit):
    """A tape outside the compiled function: keys-only forward, permutation later."""
    x, y, projections = clouds(256, num_projections=32)
    grads = []
    for implementation in ("numpy", "int_keys"):
        with _sorting.implementation(implementation):
            loss = tf.function(
                lambda x: sliced_wasserstein(x, y, projections=projections),
                jit_compile=jit)
            variable = tf.Variable(x)
            with tf.GradientTape() as tape:
                value = loss(variable)
            grads.append([value.numpy(), tape.gradient(value, variable).numpy()])
    # Without XLA: keys only forward, packed keys backward; the backward of a compiled
    # function is compiled too and keeps the XLA sort.
    names = {name for name, _, _ in numpy_calls}
    assert names == (set() if jit else {"_np_sort_rows", "_np_pack_and_sort_rows"})
    assert_same_bits(*grads)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
