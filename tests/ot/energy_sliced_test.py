"""Tests for otzoo.ot.energy_based_sliced_wasserstein: NumPy oracle, invariants, grads."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo import testing
from otzoo.ot import (energy_based_sliced_wasserstein, random_directions,
                      sliced_wasserstein)


def clouds(n=12, m=12, d=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = 0.7 * rng.normal(size=(m, d)) + np.linspace(0.5, 1.5, d)
    return x.astype(dtype), y.astype(dtype)


def unit_columns(d, count, seed=1):
    return random_directions(d, count, seed=seed, dtype="float64").numpy()


def numpy_ebsw(x, y, thetas, p, energy):
    """IS-EBSW_p written from the paper's formula, one direction at a time."""
    distances, energies = [], []
    for k in range(thetas.shape[1]):
        u, v = np.sort(x @ thetas[:, k]), np.sort(y @ thetas[:, k])
        w = np.mean(np.abs(u - v) ** p)  # W_p^p of two equal-size uniform 1-D samples
        distances.append(w)
        energies.append(energy(w))
    weights = np.array(energies) / np.sum(energies)
    return np.sum(weights * np.array(distances)) ** (1 / p)


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("energy,degree,f", [("exp", 2.0, np.exp),
                                             ("poly", 2.0, lambda w: w ** 2),
                                             ("poly", 1.0, lambda w: w)])
def test_matches_numpy_oracle(p, energy, degree, f):
    x, y = clouds(10, 10, d=4)
    thetas = unit_columns(4, 15)
    got = energy_based_sliced_wasserstein(x, y, p=p, energy=energy, degree=degree,
                                          projections=thetas)
    np.testing.assert_allclose(got.numpy(), numpy_ebsw(x, y, thetas, p, f), rtol=1e-12)


def test_constant_energy_is_sliced_wasserstein():
    x, y = clouds(9, 7)
    constant = lambda w: tf.ones_like(w)  # noqa: E731
    for p in (1, 2):
        np.testing.assert_allclose(
            energy_based_sliced_wasserstein(x, y, p=p, energy=constant, seed=4).numpy(),
            sliced_wasserstein(x, y, p=p, seed=4).numpy(), rtol=1e-13)


def test_weights_favour_discriminative_directions():
    # EBSW lies between SW (uniform weights) and the best sampled direction, and
    # a steeper energy moves it towards the maximum.
    x, y = clouds(30, 30, d=5, seed=3)
    thetas = unit_columns(5, 40)
    sw = sliced_wasserstein(x, y, projections=thetas, return_power=True).numpy()
    exp = energy_based_sliced_wasserstein(x, y, projections=thetas, return_power=True)
    poly = energy_based_sliced_wasserstein(x, y, energy="poly", degree=8.0,
                                           projections=thetas, return_power=True)
    best = max(sliced_wasserstein(x, y, projections=thetas[:, i:i + 1],
                                  return_power=True).numpy() for i in range(40))
    assert sw < exp.numpy() < poly.numpy() < best


def test_zero_on_identical_inputs_with_finite_gradient():
    x, _ = clouds()
    for energy in ("exp", "poly"):
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            value = energy_based_sliced_wasserstein(xt, tf.identity(xt), energy=energy,
                                                    seed=0)
        assert value.numpy() == 0.0
        np.testing.assert_array_equal(tape.gradient(value, xt).numpy(), 0.0)


@pytest.mark.parametrize("stop", [False, True])
@pytest.mark.parametrize("energy", ["exp", "poly"])
@pytest.mark.parametrize("sizes", [(6, 6), (6, 4)])
def test_gradient_matches_finite_differences(stop, energy, sizes):
    x, y = clouds(*sizes)
    thetas = tf.constant(unit_columns(3, 5))

    def fn(a, b):
        return energy_based_sliced_wasserstein(a, b, p=2, energy=energy,
                                               projections=thetas,
                                               stop_weight_gradient=stop)

    if stop:
        # With frozen weights the gradient is that of sum_l w_l W_l at fixed w_l.
        powers = [sliced_wasserstein(x, y, projections=thetas[:, i:i + 1],
                                     return_power=True).numpy() for i in range(5)]
        f = np.exp(powers) if energy == "exp" else np.square(powers)
        weights = tf.constant(f / f.sum())

        def fn_frozen(a, b):
            per_direction = tf.stack([
                sliced_wasserstein(a, b, projections=thetas[:, i:i + 1],
                                   return_power=True) for i in range(5)])
            power = tf.reduce_sum(weights * per_direction)
            return tf.sqrt(power)

        expected = tf.test.compute_gradient(fn_frozen, [tf.constant(x), tf.constant(y)],
                                            delta=1e-6)[1]
        got = tf.test.compute_gradient(fn, [tf.constant(x), tf.constant(y)])[0]
    else:
        got, expected = tf.test.compute_gradient(fn, [tf.constant(x), tf.constant(y)],
                                                 delta=1e-6)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 3e-6), (np.float64, 1e-13)])
def test_eager_graph_xla_agree(dtype, rtol):
    x, y = clouds(8, 5, dtype=dtype)
    weights = np.linspace(1.0, 2.0, 8).astype(dtype)

    def fn(a, b):
        return (energy_based_sliced_wasserstein(a, b, seed=3, num_projections=20),
                energy_based_sliced_wasserstein(a, b, seed=3, num_projections=20,
                                                energy="poly", a=weights, p=1.5),
                energy_based_sliced_wasserstein(a, b, seed=3, num_projections=20,
                                                method="qmc", return_power=True))

    testing.assert_modes_agree(fn, (tf.constant(x), tf.constant(y)), rtol=rtol, dtype=dtype)


def test_invalid_arguments():
    x, y = clouds()
    with pytest.raises(ValueError, match="energy"):
        energy_based_sliced_wasserstein(x, y, energy="softmax")
    with pytest.raises(ValueError, match="degree"):
        energy_based_sliced_wasserstein(x, y, energy="poly", degree=0)
    with pytest.raises(ValueError, match="projections"):
        energy_based_sliced_wasserstein(x, y, projections=np.ones((2, 4)))
