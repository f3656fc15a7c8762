"""Tests for otzoo.losses.sliced_variants: values = the functions, seeds, configs, fit."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo import losses
from otzoo.ot import (control_variate_sliced_wasserstein, energy_based_sliced_wasserstein,
                      gaussian_approximation_sliced_wasserstein,
                      markovian_sliced_wasserstein, random_path_sliced_wasserstein)


def batches(shape=(12, 2, 3), seed=0):
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=shape).astype(np.float32)
    y_pred = (0.5 * rng.normal(size=shape) + 0.3).astype(np.float32)
    return y_true, y_pred


def flat(a):
    return a.reshape(a.shape[0], -1)


# Each case: (loss factory with an int seed, the functional version for a seed).
CASES = {
    "ebsw": (lambda s: losses.EnergyBasedSlicedWasserstein(
                     num_projections=20, energy="poly", degree=3.0, seed=s),
             lambda x, y, seed: energy_based_sliced_wasserstein(
                     x, y, num_projections=20, energy="poly", degree=3.0, seed=seed,
                     return_power=True)),
    "rpsw": (lambda s: losses.RandomPathSlicedWasserstein(
                     num_projections=20, kappa=10.0, importance_weighted=True, seed=s),
             lambda x, y, seed: random_path_sliced_wasserstein(
                     x, y, num_projections=20, kappa=10.0, importance_weighted=True,
                     seed=seed, return_power=True)),
    "msw": (lambda s: losses.MarkovianSlicedWasserstein(
                    num_chains=4, num_steps=3, transition="input_aware_random_walk",
                    kappa=20.0, learning_rate=0.2, burn_in=1, seed=s),
            lambda x, y, seed: markovian_sliced_wasserstein(
                    x, y, num_chains=4, num_steps=3, transition="input_aware_random_walk",
                    kappa=20.0, learning_rate=0.2, burn_in=1, seed=seed,
                    return_power=True)),
    "cvsw": (lambda s: losses.ControlVariateSlicedWasserstein(
                     num_projections=20, control_variate="lower", p=1.5, seed=s),
             lambda x, y, seed: control_variate_sliced_wasserstein(
                     x, y, num_projections=20, control_variate="lower", p=1.5, seed=seed,
                     return_power=True)),
    "gasw": (lambda s: losses.GaussianApproximationSlicedWasserstein(),
             lambda x, y, seed: gaussian_approximation_sliced_wasserstein(
                     x, y, return_power=True)),
}
RANDOM = ("ebsw", "rpsw", "msw", "cvsw")


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_equal_the_functions_on_flattened_batches(case):
    make, fn = CASES[case]
    y_true, y_pred = batches()
    loss = make(7)
    generator = keras.random.SeedGenerator(7)  # the same sequence as the loss's own
    for _ in range(2):  # the second call draws new directions, like the generator
        expected = fn(flat(y_true), flat(y_pred), generator if case in RANDOM else None)
        np.testing.assert_allclose(loss(y_true, y_pred).numpy(), expected.numpy(),
                                   rtol=1e-5)


@pytest.mark.parametrize("case", RANDOM)
def test_seeds_are_deterministic_and_calls_draw_new_directions(case):
    make, _ = CASES[case]
    y_true, y_pred = batches()
    first, second = make(3), make(3)
    a = [first(y_true, y_pred).numpy() for _ in range(3)]
    b = [second(y_true, y_pred).numpy() for _ in range(3)]
    np.testing.assert_array_equal(a, b)
    assert len(set(a)) == 3  # fresh directions at every call
    assert make(4)(y_true, y_pred).numpy() != a[0]
    loss = make(3)
    compiled = tf.function(lambda u, v: loss(u, v))
    np.testing.assert_allclose([compiled(y_true, y_pred).numpy() for _ in range(3)], a,
                               rtol=1e-5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_round_trip(case):
    make, _ = CASES[case]
    y_true, y_pred = batches()
    loss = make(11)
    config = loss.get_config()
    clone = type(loss).from_config(config)
    assert clone.get_config() == config
    restored = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(loss))
    assert type(restored) is type(loss)
    assert restored.get_config() == config
    values = [obj(y_true, y_pred).numpy() for obj in (make(11), clone, restored)]
    np.testing.assert_allclose(values, values[0], rtol=1e-6)


def test_non_default_arguments_survive_the_round_trip():
    loss = losses.MarkovianSlicedWasserstein(
            num_chains=3, num_steps=7, p=3, transition="random_walk", kappa=12.0,
            learning_rate=0.05, burn_in=2, thinning=3, seed=1, cross_replica="local",
            name="msw", dtype="float64")
    restored = losses.MarkovianSlicedWasserstein.from_config(loss.get_config())
    assert (restored.num_chains, restored.num_steps, restored.p, restored.transition,
            restored.kappa, restored.learning_rate, restored.burn_in, restored.thinning,
            restored.seed, restored.cross_replica, restored.name, restored.dtype) == (
            3, 7, 3, "random_walk", 12.0, 0.05, 2, 3, 1, "local", "msw", "float64")
    ebsw = losses.EnergyBasedSlicedWasserstein(stop_weight_gradient=True, method="qmc")
    restored = losses.EnergyBasedSlicedWasserstein.from_config(ebsw.get_config())
    assert restored.stop_weight_gradient and restored.method == "qmc"


def test_losses_return_the_pth_power():
    y_true, y_pred = batches()
    value = losses.ControlVariateSlicedWasserstein(num_projections=20, p=3, seed=1)(
            y_true, y_pred)
    root = control_variate_sliced_wasserstein(flat(y_true), flat(y_pred),
                                              num_projections=20, p=3,
                                              seed=keras.random.SeedGenerator(1))
    np.testing.assert_allclose(value.numpy(), root.numpy() ** 3, rtol=1e-5)


def test_invalid_arguments_fail_at_construction():
    with pytest.raises(ValueError, match="energy"):
        losses.EnergyBasedSlicedWasserstein(energy="softmax")
    with pytest.raises(ValueError, match="degree"):
        losses.EnergyBasedSlicedWasserstein(degree=-1.0)
    with pytest.raises(ValueError, match="kappa"):
        losses.RandomPathSlicedWasserstein(kappa=0.0)
    with pytest.raises(ValueError, match="transition"):
        losses.MarkovianSlicedWasserstein(transition="gibbs")
    with pytest.raises(ValueError, match="burn_in"):
        losses.MarkovianSlicedWasserstein(num_steps=2, burn_in=2)
    with pytest.raises(ValueError, match="control_variate"):
        losses.ControlVariateSlicedWasserstein(control_variate="middle")
    with pytest.raises(ValueError, match="seed"):
        losses.RandomPathSlicedWasserstein(seed="abc")
    with pytest.raises(ValueError, match="cross_replica"):
        losses.GaussianApproximationSlicedWasserstein(cross_replica="mean")


@pytest.mark.parametrize("case", sorted(CASES))
def test_compile_and_fit_a_toy_model(case):
    # A linear map pushes 2-D noise towards a shifted, scaled target cloud; a few steps
    # of each loss must run (XLA, Keras' default on one device) and reduce the loss.
    make, _ = CASES[case]
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(64, 2)).astype(np.float32)
    target = (2.0 * rng.normal(size=(64, 2)) + 3.0).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=make(0))
    history = model.fit(noise, target, batch_size=32, epochs=6, verbose=0)
    values = history.history["loss"]
    assert np.all(np.isfinite(values))
    assert values[-1] < 0.8 * values[0]
