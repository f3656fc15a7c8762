"""Tests for otzoo.ot.max_sliced_wasserstein: the maximum, its argmax, Danskin grads."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import max_sliced_wasserstein, random_directions, sliced_wasserstein


def shifted_pair(n=200, d=4, seed=0, independent=False):
    rng = np.random.default_rng(seed)
    shift = np.array([1.5, -2.0, 0.5, 1.0])[:d]
    x = rng.normal(size=(n, d))
    y = (rng.normal(size=(n, d)) if independent else x) + shift
    return x, y, shift


def run(fn, mode, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


def test_recovers_the_shift_of_a_translated_cloud():
    # W_2 along theta between x and x + t is |<theta, t>|, maximal (= |t|) at t/|t|.
    x, y, shift = shifted_pair()
    distance, direction = max_sliced_wasserstein(x, y, seed=0)
    np.testing.assert_allclose(distance.numpy(), np.linalg.norm(shift), rtol=1e-6)
    np.testing.assert_allclose(np.abs(direction.numpy() @ shift),
                               np.linalg.norm(shift), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(direction.numpy()), 1.0, rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_recovers_the_mean_gap_between_gaussians(p):
    # N(0, I) vs N(x0, I): every direction sees two unit-variance Gaussians whose means
    # differ by <theta, x0>, so max-SW_p -> |x0| (here up to sampling noise).
    x, y, shift = shifted_pair(n=2000, d=3, seed=1, independent=True)
    distance, direction = max_sliced_wasserstein(x, y, p=p, seed=1)
    np.testing.assert_allclose(distance.numpy(), np.linalg.norm(shift), rtol=0.06)
    cosine = abs(direction.numpy() @ shift) / np.linalg.norm(shift)
    assert cosine > 0.99


@pytest.mark.parametrize("p", [1, 2])
def test_dominates_sliced_wasserstein_and_every_sampled_direction(p):
    x, y, _ = shifted_pair(n=60, d=4, seed=2, independent=True)
    directions = random_directions(4, 200, seed=3, dtype="float64")
    distance, _ = max_sliced_wasserstein(x, y, p=p, seed=4)
    best_sampled = max(
        sliced_wasserstein(x, y, p=p, projections=directions[:, i:i + 1]).numpy()
        for i in range(200))
    assert distance.numpy() >= best_sampled - 1e-9
    assert distance.numpy() >= sliced_wasserstein(x, y, p=p, projections=directions)


def test_gradient_holds_the_direction_fixed():
    # Danskin: d/dx max_theta W(theta) = d/dx W(theta*) with theta* held fixed.
    x, y, _ = shifted_pair(n=8, d=3, seed=5, independent=True)
    x, y = tf.constant(x), tf.constant(y)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        distance, direction = max_sliced_wasserstein(x, y, seed=6)
    grads = tape.gradient(distance, [x, y])
    fixed = tf.constant(direction.numpy()[:, None])

    def at_fixed_direction(a, b):
        return sliced_wasserstein(a, b, projections=fixed)

    with tf.GradientTape() as tape:
        tape.watch([x, y])
        value = at_fixed_direction(x, y)
    expected = tape.gradient(value, [x, y])
    np.testing.assert_allclose(distance.numpy(), value.numpy(), rtol=1e-14)
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-14)
    theoretical, numerical = tf.test.compute_gradient(at_fixed_direction, [x, y],
                                                      delta=1e-6)
    for t, nm, got in zip(theoretical, numerical, grads):
        np.testing.assert_allclose(t, nm, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(got.numpy().reshape(-1), t.reshape(-1), rtol=1e-10)


def test_init_direction_and_power():
    x, y, shift = shifted_pair(n=30, d=4)
    optimum = shift / np.linalg.norm(shift)
    distance, direction = max_sliced_wasserstein(x, y, init_direction=3.0 * optimum,
                                                 num_steps=1, return_power=True)
    np.testing.assert_allclose(distance.numpy(), shift @ shift, rtol=1e-10)
    np.testing.assert_allclose(direction.numpy(), optimum, atol=1e-7)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 1e-5), (np.float64, 1e-10)])
def test_eager_graph_xla_agree(dtype, rtol):
    x, y, _ = shifted_pair(n=50, d=3, seed=7, independent=True)
    x, y = tf.constant(x.astype(dtype)), tf.constant(y.astype(dtype))

    def fn(a, b):
        return max_sliced_wasserstein(a, b, seed=8, num_steps=20)

    results = [run(fn, mode, x, y) for mode in ("eager", "graph", "xla")]
    for distance, direction in results:
        assert distance.dtype == tf.as_dtype(dtype)
        np.testing.assert_allclose(distance.numpy(), results[0][0].numpy(), rtol=rtol)
        np.testing.assert_allclose(direction.numpy(), results[0][1].numpy(),
                                   atol=100 * rtol)


def _slices_with_data_dependent_bounds(concrete_function):
    """StridedSlice nodes (graph and nested loop bodies) whose bounds are not constants.

    XLA needs a slice's begin/end/strides at compile time; when they depend on the data,
    tf2xla compiles one program per value (a new XLA compilation on every call).
    """
    graph_def = concrete_function.graph.as_graph_def()
    bodies = [(n.name, n.op, list(n.input)) for n in graph_def.node]
    found = []
    for nodes in [bodies] + [[(n.name, n.op, list(n.input)) for n in f.node_def]
                             for f in graph_def.library.function]:
        ops = {name: op for name, op, _ in nodes}
        for name, op, inputs in nodes:
            if op != "StridedSlice":
                continue
            bounds = [i.lstrip("^").split(":")[0] for i in inputs[1:4]]
            if any(ops.get(b) != "Const" for b in bounds):
                found.append(name)
    return found


@pytest.mark.parametrize("with_gradient", [False, True])
def test_xla_program_does_not_depend_on_the_data(with_gradient):
    # Regression: indexing the best start direction with a data-dependent argmax made
    # XLA recompile max-SW on every training step (~2 s each).
    def fn(x, y, seed):
        distance, _ = max_sliced_wasserstein(x, y, seed=seed, num_steps=3)
        return tf.gradients(distance, x)[0] if with_gradient else distance

    spec = tf.TensorSpec([16, 3], tf.float32)
    concrete = tf.function(fn, jit_compile=True).get_concrete_function(
        spec, spec, tf.TensorSpec([2], tf.int64))
    assert _slices_with_data_dependent_bounds(concrete) == []


def test_identical_clouds_give_zero_without_nan():
    x = tf.constant(shifted_pair(n=10, d=3)[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        distance, direction = max_sliced_wasserstein(x, tf.identity(x), seed=0,
                                                     num_steps=3)
    assert distance.numpy() == 0.0
    assert np.all(np.isfinite(direction.numpy()))
    np.testing.assert_array_equal(tape.gradient(distance, x).numpy(), 0.0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(y=np.zeros((5, 2))), "same feature dimension"),
    (dict(p=0.0), "p must be"),
    (dict(num_steps=0), "num_steps"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(learning_rate=-1.0), "learning_rate"),
    (dict(num_init_directions=0), "num_init_directions"),
    (dict(init_direction=np.ones(4)), "shape \\[3\\]"),
])
def test_bad_inputs_raise_value_error(kwargs, match):
    arguments = dict(x=np.zeros((5, 3)), y=np.ones((5, 3)))
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        max_sliced_wasserstein(**arguments)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
