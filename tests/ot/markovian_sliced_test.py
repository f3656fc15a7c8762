"""Tests for otzoo.ot.markovian_sliced_wasserstein and markovian_directions."""

import keras
import numpy as np
import pytest
import scipy.special
import tensorflow as tf

from otzoo import testing
from otzoo.ot import (markovian_directions, markovian_sliced_wasserstein,
                      random_directions)

TRANSITIONS = ("orthogonal", "random_walk", "input_aware", "input_aware_random_walk")


def clouds(n=10, m=10, d=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = 0.5 * rng.normal(size=(m, d)) + np.linspace(1.0, 2.0, d)
    return x.astype(dtype), y.astype(dtype)


def numpy_w_pp(x, y, theta, p=2):
    return np.mean(np.abs(np.sort(x @ theta) - np.sort(y @ theta)) ** p)


def numpy_ascent(x, y, theta, p, eta):
    """theta + eta grad_theta W_p(theta#mu, theta#nu), normalised (equal sizes)."""
    ix, iy = np.argsort(x @ theta), np.argsort(y @ theta)
    pairs = x[ix] - y[iy]  # the sorted (monotone) matching
    gaps = pairs @ theta
    power = np.mean(np.abs(gaps) ** p)
    grad_power = np.mean((p * np.abs(gaps) ** (p - 1) * np.sign(gaps))[:, None] * pairs,
                         axis=0)
    grad = grad_power * power ** (1 / p - 1) / p
    step = theta + eta * grad
    return step / np.linalg.norm(step)


@pytest.mark.parametrize("p", [1.5, 2, 3])
def test_input_aware_chain_matches_numpy(p):
    x, y = clouds(9, 9, d=4)
    start = random_directions(4, 3, seed=1, dtype="float64").numpy()
    eta, steps = 0.3, 6
    chains = [start]
    for _ in range(steps - 1):
        chains.append(np.stack([numpy_ascent(x, y, chains[-1][:, k], p, eta)
                                for k in range(3)], axis=1))
    kept = [chains[t] for t in range(1, steps, 2)]  # burn-in 1, thinning 2
    expected = np.concatenate(kept, axis=1)
    got = markovian_directions(x, y, num_chains=3, num_steps=steps, p=p,
                               transition="input_aware", learning_rate=eta, burn_in=1,
                               thinning=2, initial_directions=start)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-12)
    value = markovian_sliced_wasserstein(x, y, num_chains=3, num_steps=steps, p=p,
                                         transition="input_aware", learning_rate=eta,
                                         burn_in=1, thinning=2,
                                         initial_directions=start)
    powers = [numpy_w_pp(x, y, expected[:, k], p) for k in range(expected.shape[1])]
    np.testing.assert_allclose(value.numpy(), np.mean(powers) ** (1 / p), rtol=1e-10)


@pytest.mark.parametrize("transition", TRANSITIONS)
def test_value_is_the_mean_over_the_chains_directions(transition):
    x, y = clouds(8, 6)
    kwargs = dict(num_chains=4, num_steps=5, transition=transition, seed=3, burn_in=1)
    directions = markovian_directions(x, y, **kwargs).numpy()
    assert directions.shape == (3, 4 * 4)
    np.testing.assert_allclose(np.linalg.norm(directions, axis=0), 1.0, rtol=1e-12)
    powers = []
    for k in range(directions.shape[1]):
        # Unequal sizes: W_2^2 through the quantile functions on a fine grid.
        q = (np.arange(4800) + 0.5) / 4800
        u = np.sort(x @ directions[:, k])[np.floor(q * 8).astype(int)]
        v = np.sort(y @ directions[:, k])[np.floor(q * 6).astype(int)]
        powers.append(np.mean((u - v) ** 2))
    value = markovian_sliced_wasserstein(x, y, return_power=True, **kwargs)
    np.testing.assert_allclose(value.numpy(), np.mean(powers), rtol=1e-10)
    with_given = markovian_sliced_wasserstein(x, y, projections=directions,
                                              return_power=True)
    np.testing.assert_allclose(with_given.numpy(), value.numpy(), rtol=1e-13)


def test_burn_in_and_thinning_select_states_of_the_same_chain():
    x, y = clouds()
    full = markovian_directions(x, y, num_chains=2, num_steps=6, seed=4,
                                transition="random_walk").numpy().reshape(3, 6, 2)
    kept = markovian_directions(x, y, num_chains=2, num_steps=6, seed=4, burn_in=1,
                                thinning=2,
                                transition="random_walk").numpy().reshape(3, 3, 2)
    np.testing.assert_array_equal(kept, full[:, 1::2, :])


def test_orthogonal_transition_is_uniform_on_the_orthogonal_subsphere():
    x, y = clouds(d=4)
    chains = 4000
    start = np.tile(np.eye(4)[:, :1], (1, chains))
    states = markovian_directions(x, y, num_chains=chains, num_steps=3,
                                  initial_directions=start, seed=0).numpy()
    states = states.reshape(4, 3, chains)
    for t in (1, 2):
        cosines = np.sum(states[:, t] * states[:, t - 1], axis=0)
        np.testing.assert_allclose(cosines, 0.0, atol=1e-12)
    second = states[:, 1]
    # Uniform on the great sphere {theta_1 = 0}: mean 0, E theta_k^2 = 1/3, k = 2..4.
    assert np.abs(second.mean(axis=1)).max() < 4 / np.sqrt(chains)
    np.testing.assert_allclose((second[1:] ** 2).mean(axis=1), 1 / 3,
                               atol=4 * 0.3 / np.sqrt(chains))


@pytest.mark.parametrize("transition", ["random_walk", "input_aware_random_walk"])
def test_random_walks_are_von_mises_fisher_around_their_location(transition):
    x, y = clouds(d=4, seed=1)
    chains, kappa, eta = 4000, 20.0, 0.5
    start = random_directions(4, 1, seed=2, dtype="float64").numpy()
    states = markovian_directions(x, y, num_chains=chains, num_steps=2, kappa=kappa,
                                  learning_rate=eta, transition=transition,
                                  initial_directions=np.tile(start, (1, chains)),
                                  seed=3).numpy()
    second = states[:, chains:]
    location = start[:, 0]
    if transition == "input_aware_random_walk":
        location = numpy_ascent(x, y, location, 2, eta)
    cosines = location @ second
    standard_error = cosines.std() / np.sqrt(chains)
    if transition == "input_aware_random_walk":
        # The walk is centred on the ascent step, not on the previous state.
        assert np.mean(start[:, 0] @ second) < cosines.mean() - 8 * standard_error
    expected = scipy.special.ive(2, kappa) / scipy.special.ive(1, kappa)  # d = 4
    assert abs(cosines.mean() - expected) < 4 * standard_error


def test_input_aware_chain_climbs_to_max_sliced():
    # y = x + t: W_2(theta) = |<theta, t>|, maximal at +-t/|t|; with only the last
    # state kept, the ascent reaches max-SW_2 = |t|.
    x, _ = clouds(20, 20)
    shift = np.array([1.0, -2.0, 0.5])
    value = markovian_sliced_wasserstein(x, x + shift, num_chains=3, num_steps=40,
                                         transition="input_aware", learning_rate=0.5,
                                         burn_in=39, seed=0)
    np.testing.assert_allclose(value.numpy(), np.linalg.norm(shift), rtol=1e-6)


@pytest.mark.parametrize("transition", TRANSITIONS)
def test_zero_on_identical_inputs_with_finite_gradient(transition):
    x = tf.constant(clouds()[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = markovian_sliced_wasserstein(x, tf.identity(x), transition=transition,
                                             seed=0)
    assert value.numpy() == 0.0
    np.testing.assert_array_equal(tape.gradient(value, x).numpy(), 0.0)


@pytest.mark.parametrize("transition", TRANSITIONS)
def test_gradient_holds_the_directions_fixed(transition):
    x, y = clouds(6, 4)
    kwargs = dict(num_chains=2, num_steps=3, transition=transition, seed=5)
    directions = tf.constant(markovian_directions(x, y, **kwargs))

    def fixed(a, b):
        return markovian_sliced_wasserstein(a, b, projections=directions)

    _, numerical = tf.test.compute_gradient(fixed, [tf.constant(x), tf.constant(y)],
                                            delta=1e-6)
    xt, yt = tf.constant(x), tf.constant(y)
    with tf.GradientTape() as tape:
        tape.watch([xt, yt])
        value = markovian_sliced_wasserstein(xt, yt, **kwargs)
    for got, expected in zip(tape.gradient(value, [xt, yt]), numerical):
        np.testing.assert_allclose(got.numpy().ravel(), expected.ravel(), rtol=1e-5,
                                   atol=1e-8)


@pytest.mark.parametrize("dtype,rtol,runtime_seed,transitions", [
    (np.float32, 3e-6, True, ("random_walk", "input_aware_random_walk")),
    (np.float64, 1e-12, False, ("orthogonal", "input_aware"))])
def test_eager_graph_xla_agree(dtype, rtol, runtime_seed, transitions):
    # (Two transitions per case: XLA compiles of all four take ~15 s on a busy CPU.)
    x, y = clouds(8, 5, dtype=dtype)

    def fn(a, b, seed):
        seed = seed if runtime_seed else 3
        return tuple(markovian_sliced_wasserstein(a, b, num_chains=3, num_steps=3,
                                                  transition=t, seed=seed)
                     for t in transitions)

    seed = tf.constant([3, 0], tf.int64)
    testing.assert_modes_agree(fn, (tf.constant(x), tf.constant(y), seed), rtol=rtol, dtype=dtype)


def test_seeds():
    x, y = clouds()
    np.testing.assert_array_equal(markovian_sliced_wasserstein(x, y, seed=5).numpy(),
                                  markovian_sliced_wasserstein(x, y, seed=5).numpy())
    generator = keras.random.SeedGenerator(0)
    first = markovian_sliced_wasserstein(x, y, seed=generator).numpy()
    assert first != markovian_sliced_wasserstein(x, y, seed=generator).numpy()
    assert np.isfinite(markovian_sliced_wasserstein(x, y).numpy())


def test_invalid_arguments():
    x, y = clouds()
    with pytest.raises(ValueError, match="transition"):
        markovian_sliced_wasserstein(x, y, transition="gibbs")
    with pytest.raises(ValueError, match="burn_in"):
        markovian_sliced_wasserstein(x, y, num_steps=3, burn_in=3)
    with pytest.raises(ValueError, match="thinning"):
        markovian_sliced_wasserstein(x, y, thinning=0)
    with pytest.raises(ValueError, match="num_chains"):
        markovian_directions(x, y, num_chains=2, initial_directions=np.eye(3))
    with pytest.raises(ValueError, match="d >= 2"):
        markovian_sliced_wasserstein(x[:, :1], y[:, :1])
