"""Tests for otzoo.ot.random_path_sliced_wasserstein and random_path_directions."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import (random_directions, random_path_directions,
                      random_path_sliced_wasserstein, sliced_wasserstein)


def clouds(n=10, m=10, d=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = 0.5 * rng.normal(size=(m, d)) + np.array([2.0, 0.0, 0.0][:d] + [0.0] * (d - 3))
    return x.astype(dtype), y.astype(dtype)


def run(fn, mode, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


def numpy_w_pp(x, y, theta, p=2):
    return np.mean(np.abs(np.sort(x @ theta) - np.sort(y @ theta)) ** p)


def numpy_power_spherical(loc, kappa, rng):
    """PS(loc, kappa) draws, De Cao & Aziz (2020) Algorithm 1, in NumPy."""
    count, d = loc.shape
    z = rng.beta((d - 1) / 2 + kappa, (d - 1) / 2, size=count)
    t = 2 * z - 1
    v = rng.normal(size=(count, d - 1))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    samples = np.concatenate([t[:, None], np.sqrt(1 - t ** 2)[:, None] * v], axis=1)
    u = np.eye(d)[0] - loc
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return samples - 2 * u * np.sum(u * samples, axis=1, keepdims=True)


def numpy_rpsd(x, y, count, kappa, rng):
    """Random-path slicing distribution: PS around (x_i - y_j)/|x_i - y_j|, i, j uniform."""
    i = rng.integers(len(x), size=count)
    j = rng.integers(len(y), size=count)
    path = x[i] - y[j]
    return numpy_power_spherical(path / np.linalg.norm(path, axis=1, keepdims=True),
                                 kappa, rng)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_matches_numpy_oracle_on_given_directions(p):
    x, y = clouds(9, 9, d=4)
    thetas = random_directions(4, 12, seed=1, dtype="float64").numpy()
    powers = np.array([numpy_w_pp(x, y, thetas[:, k], p) for k in range(12)])
    got = random_path_sliced_wasserstein(x, y, p=p, projections=thetas)
    np.testing.assert_allclose(got.numpy(), powers.mean() ** (1 / p), rtol=1e-12)
    weights = np.exp(powers) / np.exp(powers).sum()
    got = random_path_sliced_wasserstein(x, y, p=p, projections=thetas,
                                         importance_weighted=True)
    np.testing.assert_allclose(got.numpy(), np.sum(weights * powers) ** (1 / p),
                               rtol=1e-12)


def test_directions_follow_random_paths():
    x, y = clouds(6, 5)
    paths = (x[:, None, :] - y[None, :, :]).reshape(-1, 3)
    paths /= np.linalg.norm(paths, axis=1, keepdims=True)
    # A huge concentration leaves every direction on a normalised difference x_i - y_j.
    directions = random_path_directions(x, y, num_projections=200, kappa=1e8,
                                        seed=0).numpy()
    np.testing.assert_allclose(np.linalg.norm(directions, axis=0), 1.0, rtol=1e-12)
    cosines = paths @ directions  # [pairs, L]
    assert np.all(cosines.max(axis=0) > 1 - 1e-6)
    # ... and the pairs are drawn uniformly: every one of the 30 pairs shows up.
    assert len(set(np.argmax(cosines, axis=0))) == 30
    # Sample weights pick the pairs: all mass on x_2 and y_4.
    a, b = np.eye(6)[2], np.eye(5)[4]
    directions = random_path_directions(x, y, num_projections=50, kappa=1e8, seed=1,
                                        a=a, b=b).numpy()
    target = (x[2] - y[4]) / np.linalg.norm(x[2] - y[4])
    assert np.all(target @ directions > 1 - 1e-6)


def test_expected_distance_matches_an_independent_numpy_sampler():
    # E_{theta ~ RPSD} W_2^2 estimated with our sampler and with NumPy's (np.random.beta,
    # Householder): same law, so the means agree within a few standard errors; the
    # uniform law of SW gives a clearly different value (the test has power).
    x, y = clouds(10, 10, seed=2)
    count, kappa = 4000, 10.0
    ours = random_path_directions(x, y, num_projections=count, kappa=kappa,
                                  seed=3).numpy()
    ours = np.array([numpy_w_pp(x, y, ours[:, k]) for k in range(count)])
    theirs = numpy_rpsd(x, y, count, kappa, np.random.default_rng(4))
    theirs = np.array([numpy_w_pp(x, y, t) for t in theirs])
    standard_error = np.sqrt(ours.var() / count + theirs.var() / count)
    assert abs(ours.mean() - theirs.mean()) < 4 * standard_error
    sw = sliced_wasserstein(x, y, num_projections=count, seed=5,
                            return_power=True).numpy()
    assert abs(ours.mean() - sw) > 10 * standard_error
    # The function's value with the same seed is the mean over its own directions.
    value = random_path_sliced_wasserstein(x, y, num_projections=count, kappa=kappa,
                                           seed=3, return_power=True)
    np.testing.assert_allclose(value.numpy(), ours.mean(), rtol=1e-10)


def test_zero_length_paths_get_uniform_directions():
    # x_i = y_j has no direction; its replacement is uniform on the sphere (mean 0,
    # second moment I / d), not concentrated anywhere.
    point = np.array([[0.3, -1.0, 2.0]])
    directions = random_path_directions(point, point, num_projections=4000, kappa=20.0,
                                        seed=0).numpy()
    assert np.all(np.isfinite(directions))
    assert np.abs(directions.mean(axis=1)).max() < 4 / np.sqrt(3 * 4000)
    np.testing.assert_allclose(directions @ directions.T / 4000, np.eye(3) / 3,
                               atol=0.03)


@pytest.mark.parametrize("weighted", [False, True])
def test_zero_on_identical_inputs_with_finite_gradient(weighted):
    # x_i - x_i = 0 has no direction: a uniform one replaces it (no NaN).
    x = tf.constant(clouds()[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = random_path_sliced_wasserstein(x, tf.identity(x), seed=0,
                                               importance_weighted=weighted)
    assert value.numpy() == 0.0
    np.testing.assert_array_equal(tape.gradient(value, x).numpy(), 0.0)
    directions = random_path_directions(x, x, num_projections=300, seed=1).numpy()
    assert np.all(np.isfinite(directions))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sizes", [(6, 6), (6, 4)])
def test_gradient_matches_finite_differences(weighted, sizes):
    x, y = clouds(*sizes)
    thetas = tf.constant(random_path_directions(x, y, num_projections=5, seed=2))

    def fn(a, b):
        return random_path_sliced_wasserstein(a, b, p=2, projections=thetas,
                                              importance_weighted=weighted)

    theoretical, numerical = tf.test.compute_gradient(
        fn, [tf.constant(x), tf.constant(y)], delta=1e-6)
    for t, nm in zip(theoretical, numerical):
        np.testing.assert_allclose(t, nm, rtol=1e-5, atol=1e-8)


def test_directions_carry_no_gradient():
    x, y = (tf.constant(c) for c in clouds())
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        directions = random_path_directions(x, y, num_projections=4, seed=0)
    assert tape.gradient(directions, [x, y]) == [None, None]


@pytest.mark.parametrize("dtype,rtol,runtime_seed", [(np.float32, 3e-6, True),
                                                      (np.float64, 1e-12, False)])
def test_eager_graph_xla_agree(dtype, rtol, runtime_seed):
    x, y = clouds(8, 5, dtype=dtype)
    weights = np.linspace(1.0, 2.0, 8).astype(dtype)

    def fn(a, b, seed):
        seed = seed if runtime_seed else 3
        return (random_path_sliced_wasserstein(a, b, seed=seed, num_projections=20),
                random_path_sliced_wasserstein(a, b, seed=seed, num_projections=20,
                                               a=weights, p=1.5,
                                               importance_weighted=True),
                random_path_directions(a, b, num_projections=20, seed=seed))

    seed = tf.constant([3, 0], tf.int64)
    results = [run(fn, mode, tf.constant(x), tf.constant(y), seed)
               for mode in ("eager", "graph", "xla")]
    for result in results[1:]:
        for got, expected in zip(result, results[0]):
            assert got.dtype == tf.as_dtype(dtype)
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol,
                                       atol=rtol)


def test_seeds_and_annealed_kappa():
    x, y = clouds()
    np.testing.assert_array_equal(random_path_sliced_wasserstein(x, y, seed=5).numpy(),
                                  random_path_sliced_wasserstein(x, y, seed=5).numpy())
    generator = keras.random.SeedGenerator(0)
    first = random_path_sliced_wasserstein(x, y, seed=generator).numpy()
    assert first != random_path_sliced_wasserstein(x, y, seed=generator).numpy()
    assert np.isfinite(random_path_sliced_wasserstein(x, y).numpy())

    @tf.function(jit_compile=True)
    def annealed(kappa):
        return random_path_sliced_wasserstein(x, y, seed=1, kappa=kappa)

    np.testing.assert_allclose(annealed(tf.constant(7.0, tf.float64)).numpy(),
                               random_path_sliced_wasserstein(x, y, seed=1,
                                                              kappa=7.0).numpy(),
                               rtol=1e-12)


def test_invalid_arguments():
    x, y = clouds()
    with pytest.raises(ValueError, match="kappa"):
        random_path_sliced_wasserstein(x, y, kappa=0.0)
    with pytest.raises(ValueError, match="num_projections"):
        random_path_directions(x, y, num_projections=0)
    with pytest.raises(ValueError, match="d >= 2"):
        random_path_directions(x[:, :1], y[:, :1])
