"""Tests for otzoo.ot.distributional_sliced: the DSW ascent, the slicer's state, grads."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import (distributional_sliced_wasserstein, random_directions,
                      sliced_wasserstein)
from otzoo.ot.distributional_sliced import DistributionalSlicer


def shifted_pair(n=64, d=3, seed=0, independent=True):
    rng = np.random.default_rng(seed)
    shift = np.array([2.0, -1.0, 0.5, 1.0])[:d]
    x = rng.normal(size=(n, d))
    y = (rng.normal(size=(n, d)) if independent else x) + shift
    return x, y, shift


def identity_slicer(dim, **kwargs):
    slicer = DistributionalSlicer(dim, dtype="float64", **kwargs)
    slicer.kernel.assign(np.eye(dim))
    slicer.bias.assign(np.zeros(dim))
    return slicer


def objective(slicer, theta0, x, y, regularization):
    """J(f) = mean W_2^2 - lambda * mean |cos|, recomputed from the definitions."""
    directions = slicer.directions(theta0).numpy()
    power = sliced_wasserstein(x, y, projections=directions, return_power=True).numpy()
    return power - regularization * np.mean(np.abs(directions.T @ directions))


def test_identity_map_without_steps_is_sliced_wasserstein():
    x, y, _ = shifted_pair()
    slicer = identity_slicer(3, num_steps=0, num_projections=25)
    theta0 = random_directions(3, 25, seed=4, dtype="float64")
    np.testing.assert_allclose(slicer(x, y, seed=4).numpy(),
                               sliced_wasserstein(x, y, projections=theta0).numpy(),
                               rtol=1e-13)


def test_ascent_increases_the_penalised_objective():
    x, y, _ = shifted_pair(seed=1)
    slicer = DistributionalSlicer(3, num_steps=15, learning_rate=0.01,
                                  num_projections=50, regularization=1.0, seed=0,
                                  dtype="float64")
    theta0 = random_directions(3, 50, seed=9, dtype="float64")
    before = objective(slicer, theta0, x, y, 1.0)
    slicer(x, y, seed=9)
    assert objective(slicer, theta0, x, y, 1.0) > before + 0.05


def test_without_penalty_dsw_approaches_max_sliced():
    # lambda_C = 0 lets sigma collapse onto the best direction: DSW -> max-SW = |shift|
    # for a translated cloud (W_2 along theta is |<theta, shift>|).
    x, y, shift = shifted_pair(n=40, independent=False, seed=2)
    value = tf.function(distributional_sliced_wasserstein)(
        x, y, num_projections=100, regularization=0.0, num_steps=150,
        learning_rate=0.05, seed=3)
    sw = sliced_wasserstein(x, y, num_projections=500, seed=3).numpy()
    np.testing.assert_allclose(value.numpy(), np.linalg.norm(shift), rtol=0.03)
    assert sw < 0.7 * np.linalg.norm(shift)


def test_a_strong_penalty_keeps_directions_spread():
    x, y, _ = shifted_pair(n=40, independent=False, seed=2)

    def mean_abs_cosine(regularization):
        slicer = DistributionalSlicer(3, num_steps=100, learning_rate=0.05,
                                      num_projections=100, seed=0, dtype="float64",
                                      regularization=regularization)
        tf.function(lambda a, b: slicer(a, b, seed=1))(x, y)
        directions = slicer.directions(random_directions(3, 100, seed=2,
                                                         dtype="float64")).numpy()
        return np.mean(np.abs(directions.T @ directions))

    assert mean_abs_cosine(10.0) < mean_abs_cosine(0.0) - 0.2


def test_gradient_holds_the_map_fixed():
    x, y, _ = (tf.constant(c) if isinstance(c, np.ndarray) else c
               for c in shifted_pair(n=8, seed=5))
    slicer = DistributionalSlicer(3, num_steps=3, num_projections=6, seed=1,
                                  dtype="float64")
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        value = slicer(x, y, seed=7)
    grads = tape.gradient(value, [x, y])
    directions = slicer.directions(random_directions(3, 6, seed=7, dtype="float64"))

    def at_fixed_directions(a, b):
        return sliced_wasserstein(a, b, projections=directions)

    np.testing.assert_allclose(value.numpy(), at_fixed_directions(x, y).numpy(),
                               rtol=1e-13)
    theoretical, numerical = tf.test.compute_gradient(at_fixed_directions, [x, y],
                                                      delta=1e-6)
    for got, t, nm in zip(grads, theoretical, numerical):
        np.testing.assert_allclose(t, nm, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(got.numpy().reshape(-1), t.reshape(-1), rtol=1e-10)


def test_slicer_keeps_and_updates_its_state():
    x, y, _ = shifted_pair(seed=6)
    slicer = DistributionalSlicer(3, num_steps=4, num_projections=10, seed=2,
                                  dtype="float64")
    assert slicer.trainable_weights == []  # only the ascent moves f
    kernel = slicer.kernel.numpy().copy()
    slicer(x, y)
    slicer(x, y)
    assert slicer.adam_state[-1].numpy() == 8.0
    assert not np.allclose(slicer.kernel.numpy(), kernel)
    frozen = [w.numpy().copy() for w in slicer.weights]
    slicer(x, y, update=False)
    for before, after in zip(frozen, slicer.weights):
        np.testing.assert_array_equal(before, after.numpy())
    # The functional form with a slicer uses (and updates) that slicer.
    distributional_sliced_wasserstein(x, y, slicer=slicer)
    assert slicer.adam_state[-1].numpy() == 12.0


def test_config_round_trip_and_same_init_from_seed():
    slicer = DistributionalSlicer(5, num_projections=20, p=1, regularization=3.0,
                                  num_steps=2, learning_rate=1e-3, seed=11)
    clone = DistributionalSlicer.from_config(slicer.get_config())
    assert clone.get_config() == slicer.get_config()
    np.testing.assert_array_equal(clone.kernel.numpy(), slicer.kernel.numpy())
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(slicer))
    assert isinstance(restored, DistributionalSlicer)
    assert restored.hyperparameters == slicer.hyperparameters


@pytest.mark.parametrize("mode", ["graph", "xla"])
def test_compiled_slicer_matches_eager(mode):
    x, y, _ = shifted_pair(n=16, seed=7)
    x, y = tf.constant(x), tf.constant(y)
    eager = DistributionalSlicer(3, num_steps=5, num_projections=8, seed=3,
                                 dtype="float64")
    compiled = DistributionalSlicer(3, num_steps=5, num_projections=8, seed=3,
                                    dtype="float64")
    fn = tf.function(lambda a, b: compiled(a, b, seed=5), jit_compile=(mode == "xla"))
    for _ in range(2):
        np.testing.assert_allclose(fn(x, y).numpy(), eager(x, y, seed=5).numpy(),
                                   rtol=1e-9)
    np.testing.assert_allclose(compiled.kernel.numpy(), eager.kernel.numpy(),
                               rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_functional_form_is_deterministic_for_an_int_seed(mode):
    x, y, _ = shifted_pair(n=16, seed=8)

    def fn(a, b):
        return distributional_sliced_wasserstein(a, b, num_projections=16, num_steps=3,
                                                 seed=4)

    if mode != "eager":
        fn = tf.function(fn, jit_compile=(mode == "xla"))
    reference = distributional_sliced_wasserstein(x, y, num_projections=16, num_steps=3,
                                                  seed=4).numpy()
    np.testing.assert_allclose(fn(tf.constant(x), tf.constant(y)).numpy(), reference,
                               rtol=1e-9)


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_steps=-1), "num_steps"),
    (dict(regularization=-0.1), "regularization"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(num_projections=0), "num_projections"),
    (dict(p=0.5), "p must be"),
])
def test_bad_inputs_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        distributional_sliced_wasserstein(np.zeros((4, 3)), np.ones((4, 3)), **kwargs)
    with pytest.raises(ValueError, match=match):
        DistributionalSlicer(3, **kwargs)


def test_slicer_misuse_raises_value_error():
    slicer = DistributionalSlicer(3, dtype="float64")
    with pytest.raises(ValueError, match="feature dimension 3"):
        slicer(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="float64"):
        slicer(np.zeros((4, 3), np.float32), np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="conflicts"):
        distributional_sliced_wasserstein(np.zeros((4, 3)), np.ones((4, 3)),
                                          num_steps=99, slicer=slicer)
    with pytest.raises(ValueError, match="beta_1"):
        DistributionalSlicer(3, beta_1=1.0)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
