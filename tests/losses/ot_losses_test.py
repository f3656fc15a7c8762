"""Tests for otzoo.losses: values = the functions, seeds, config round trip, fit."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo import losses
from otzoo.ot import (generalized_sliced_wasserstein, max_sliced_wasserstein, mmd,
                      sinkhorn_divergence, sliced_wasserstein)


def batches(shape=(12, 2, 3), seed=0):
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=shape).astype(np.float32)
    y_pred = (0.5 * rng.normal(size=shape) + 0.3).astype(np.float32)
    return y_true, y_pred


def flat(a):
    return a.reshape(a.shape[0], -1)


# Each case: (loss factory with an int seed, the functional version for a seed).
CASES = {
    "sw": (lambda s: losses.SlicedWasserstein(num_projections=20, p=2, seed=s),
           lambda x, y, seed: sliced_wasserstein(x, y, num_projections=20, p=2, seed=seed,
                                                 return_power=True)),
    "max_sw": (lambda s: losses.MaxSlicedWasserstein(p=2, num_steps=5,
                                                     num_init_directions=4, seed=s),
               lambda x, y, seed: max_sliced_wasserstein(
                       x, y, p=2, num_steps=5, num_init_directions=4, seed=seed,
                       return_power=True)[0]),
    "gsw": (lambda s: losses.GeneralizedSlicedWasserstein(
                    defining_function="circular", num_projections=20, p=2, radius=1.5,
                    seed=s),
            lambda x, y, seed: generalized_sliced_wasserstein(
                    x, y, defining_function="circular", num_projections=20, p=2,
                    radius=1.5, seed=seed, return_power=True)),
    "mmd": (lambda s: losses.MMD(kernel="rbf", scales=(0.5, 1.0), sigma2=2.0),
            lambda x, y, seed: mmd(x, y, kernel="rbf", scales=(0.5, 1.0), sigma2=2.0)),
    "mmd_median": (lambda s: losses.MMD(kernel="rbf", scales=(1.0,), bandwidth="median"),
                   lambda x, y, seed: mmd(x, y, kernel="rbf", scales=(1.0,),
                                          bandwidth="median")),
    "sinkhorn": (lambda s: losses.SinkhornDivergence(epsilon=0.5, num_iters=30),
                 lambda x, y, seed: sinkhorn_divergence(x, y, epsilon=0.5, num_iters=30)),
    # The loss follows the function's defaults (tolerance, iteration cap).
    "sinkhorn_defaults": (lambda s: losses.SinkhornDivergence(),
                          lambda x, y, seed: sinkhorn_divergence(x, y)),
    # Few fixed iterations, so that the annealing visibly changes the value.
    "sinkhorn_scaled": (lambda s: losses.SinkhornDivergence(epsilon=0.05, num_iters=10,
                                                            tol=None, epsilon_scaling=0.5),
                        lambda x, y, seed: sinkhorn_divergence(
                                x, y, epsilon=0.05, num_iters=10, tol=None,
                                epsilon_scaling=0.5)),
}
RANDOM = ("sw", "max_sw", "gsw")


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_equal_the_functions_on_flattened_batches(case):
    make, fn = CASES[case]
    y_true, y_pred = batches()
    loss = make(7)
    generator = keras.random.SeedGenerator(7)  # the same sequence as the loss's own
    for _ in range(2):  # the second call draws new directions, like the generator
        expected = fn(flat(y_true), flat(y_pred), generator if case in RANDOM else None)
        np.testing.assert_allclose(loss(y_true, y_pred).numpy(), expected.numpy(),
                                   rtol=1e-6)


def test_losses_return_the_pth_power():
    # SW_p^p, not SW_p: compare with the root returned by default by the function.
    y_true, y_pred = batches()
    value = losses.SlicedWasserstein(num_projections=20, p=3, seed=1)(y_true, y_pred)
    root = sliced_wasserstein(flat(y_true), flat(y_pred), num_projections=20, p=3,
                              seed=keras.random.SeedGenerator(1))
    np.testing.assert_allclose(value.numpy(), root.numpy() ** 3, rtol=1e-5)


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
    # The seed generator also advances inside a compiled function.
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
    # A fresh loss restarts the seed sequence: the three agree call for call.
    values = [obj(y_true, y_pred).numpy() for obj in (make(11), clone, restored)]
    np.testing.assert_allclose(values, values[0], rtol=1e-6)


def test_custom_arguments_survive_the_round_trip_and_a_saved_model(tmp_path):
    loss = losses.SinkhornDivergence(epsilon=0.25, p=1, num_iters=7, tol=1e-4,
                                     epsilon_scaling=0.3, cross_replica="local",
                                     name="sd", dtype="float64")
    restored = losses.SinkhornDivergence.from_config(loss.get_config())
    assert (restored.epsilon, restored.p, restored.num_iters, restored.tol,
            restored.epsilon_scaling, restored.cross_replica, restored.name,
            restored.dtype) == (0.25, 1, 7, 1e-4, 0.3, "local", "sd", "float64")
    # A config saved before epsilon_scaling existed still loads (and does not anneal).
    old = {key: value for key, value in loss.get_config().items()
           if key != "epsilon_scaling"}
    assert losses.SinkhornDivergence.from_config(old).epsilon_scaling is None
    mmd_loss = losses.MMD(kernel="rbf", bandwidth="median")
    assert losses.MMD.from_config(mmd_loss.get_config()).bandwidth == "median"
    old = {key: value for key, value in mmd_loss.get_config().items()
           if key != "bandwidth"}
    assert losses.MMD.from_config(old).bandwidth == "prior"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=losses.SlicedWasserstein(num_projections=9, p=1,
                                                                 seed=5))
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert isinstance(reloaded.loss, losses.SlicedWasserstein)
    assert reloaded.loss.get_config() == model.loss.get_config()


def test_dtype_argument_sets_the_computation_dtype():
    y_true, y_pred = batches()
    value = losses.MMD(dtype="float64")(y_true, y_pred)
    assert value.dtype == tf.float64
    np.testing.assert_allclose(
            value.numpy(), mmd(flat(y_true).astype(np.float64),
                               flat(y_pred).astype(np.float64)).numpy(), rtol=1e-12)


def test_invalid_arguments_fail_at_construction():
    with pytest.raises(ValueError, match="num_projections"):
        losses.SlicedWasserstein(num_projections=0)
    with pytest.raises(ValueError, match="p must be"):
        losses.SlicedWasserstein(p=0.5)
    with pytest.raises(ValueError, match="method"):
        losses.SlicedWasserstein(method="sobol")
    with pytest.raises(ValueError, match="seed"):
        losses.SlicedWasserstein(seed="abc")
    with pytest.raises(ValueError, match="seed"):
        losses.SlicedWasserstein(seed=keras.random.SeedGenerator(1))
    with pytest.raises(ValueError, match="num_steps"):
        losses.MaxSlicedWasserstein(num_steps=-1)
    with pytest.raises(ValueError, match="learning_rate"):
        losses.MaxSlicedWasserstein(learning_rate=0.0)
    with pytest.raises(ValueError, match="defining_function"):
        losses.GeneralizedSlicedWasserstein(defining_function="spline")
    with pytest.raises(ValueError, match="odd"):
        losses.GeneralizedSlicedWasserstein(defining_function="poly", degree=2)
    with pytest.raises(ValueError, match="radius"):
        losses.GeneralizedSlicedWasserstein(radius=-1.0)
    with pytest.raises(ValueError, match="'imq', 'rbf'"):
        losses.MMD(kernel="laplace")
    with pytest.raises(ValueError, match="scales"):
        losses.MMD(scales=[])
    with pytest.raises(ValueError, match="sigma2"):
        losses.MMD(sigma2=-1.0)
    with pytest.raises(ValueError, match="epsilon"):
        losses.SinkhornDivergence(epsilon=0.0)
    with pytest.raises(ValueError, match="num_iters"):
        losses.SinkhornDivergence(num_iters=0)
    with pytest.raises(ValueError, match="epsilon_scaling"):
        losses.SinkhornDivergence(epsilon_scaling=1.0)
    with pytest.raises(ValueError, match="'prior', 'median'"):
        losses.MMD(bandwidth="silverman")
    with pytest.raises(ValueError, match="kernel='rbf'"):
        losses.MMD(kernel="imq", bandwidth="median")
    with pytest.raises(ValueError, match="cross_replica"):
        losses.MMD(cross_replica="mean")


def test_sample_weight_is_rejected_and_bad_shapes_fail():
    y_true, y_pred = batches()
    with pytest.raises(ValueError, match="sample_weight"):
        losses.MMD()(y_true, y_pred, sample_weight=np.ones(12))
    with pytest.raises(ValueError, match="feature dimension"):
        losses.MMD()(y_true, y_pred[:, :1])


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


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
