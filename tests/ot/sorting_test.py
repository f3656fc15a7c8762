"""Tests for otzoo.ot._sorting: the integer-key sort equals np.sort bit for bit."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import _sorting


def awkward_values(dtype, rows=3, cols=11, seed=0):
    """Duplicates, signed zeros, infinities, subnormals and huge magnitudes."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, cols)).astype(dtype)
    info = np.finfo(dtype)
    values[0, :6] = [-0.0, 0.0, np.inf, -np.inf, info.tiny / 4, -info.tiny / 4]
    values[1, :5] = [1.5, -2.0, 1.5, -2.0, 1.5]
    values[2, :4] = [info.max, -info.max, 1e-30, -1e30]
    return values


def run(fn, mode, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sort_and_permutation_match_numpy(mode, dtype):
    values = awkward_values(dtype)
    expected = np.sort(values, axis=-1)
    got = run(_sorting.sort, mode, tf.constant(values)).numpy()
    got_sorted, got_perm = run(_sorting.sort_with_permutation, mode, tf.constant(values))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_sorted.numpy(), expected)
    # Bit-exact: the outputs are the input bit patterns (signed zeros included),
    # and the permutation points at them.
    ints = np.int32 if dtype == np.float32 else np.int64
    np.testing.assert_array_equal(np.sort(got.view(ints), -1),
                                  np.sort(values.view(ints), -1))
    np.testing.assert_array_equal(
        got_sorted.numpy().view(ints),
        np.take_along_axis(values, got_perm.numpy(), -1).view(ints))
    np.testing.assert_array_equal(np.sort(got_perm.numpy(), -1),
                                  np.broadcast_to(np.arange(values.shape[1]),
                                                  values.shape))


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
@pytest.mark.parametrize("implementation", ["int_keys", "float"])
def test_gradient_scatters_through_permutation(mode, implementation):
    rng = np.random.default_rng(1)
    values = tf.constant(rng.normal(size=(4, 9)))
    weights = tf.constant(rng.normal(size=(4, 9)))
    order = np.argsort(values.numpy(), axis=-1)
    expected = np.zeros((4, 9))
    np.put_along_axis(expected, order, weights.numpy(), axis=-1)

    def value_and_grad(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            loss = tf.reduce_sum(_sorting.sort(v) * weights)
        return tape.gradient(loss, v)

    with _sorting.implementation(implementation):
        grad = run(value_and_grad, mode, values)
        # The value-only forward (no tape at trace time) recomputes the permutation.
        sort_fn = tf.function(_sorting.sort, jit_compile=(mode == "xla")) \
            if mode != "eager" else _sorting.sort
        variable = tf.Variable(values)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(sort_fn(variable) * weights)
        grad_recomputed = tape.gradient(loss, variable)
    np.testing.assert_array_equal(grad.numpy(), expected)
    np.testing.assert_array_equal(grad_recomputed.numpy(), expected)


@pytest.mark.parametrize("jit", [False, True])
def test_int_keys_equal_float_sort(jit):
    values = tf.constant(np.random.default_rng(2).normal(size=(5, 300)).astype(np.float32))
    fast = tf.function(_sorting.sort, jit_compile=jit)(values)
    with _sorting.implementation("float"):
        plain = tf.function(_sorting.sort, jit_compile=jit)(values)
    np.testing.assert_array_equal(fast.numpy(), plain.numpy())
    np.testing.assert_array_equal(fast.numpy(), tf.sort(values).numpy())


def test_half_precision_is_sorted_via_float32():
    values = np.random.default_rng(3).normal(size=(2, 8)).astype(np.float16)
    got = _sorting.sort(tf.constant(values))
    assert got.dtype == tf.float16
    np.testing.assert_array_equal(got.numpy(), np.sort(values, -1))


def test_unknown_implementation_raises():
    with pytest.raises(ValueError, match="int_keys"):
        with _sorting.implementation("radix"):
            pass


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
