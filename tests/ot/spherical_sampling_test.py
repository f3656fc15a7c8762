"""Tests for otzoo.ot._spherical_sampling: laws against closed-form moments, XLA seeds."""

import numpy as np
import pytest
import scipy.special
import scipy.stats
import tensorflow as tf

from otzoo.ot import _spherical_sampling as sampling

SEED = tf.constant([3, 4], tf.int64)


def run(fn, mode, *args):
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


@pytest.mark.parametrize("alpha", [0.3, 1.0, 7.5])
def test_gamma_matches_its_law(alpha):
    draws = sampling.gamma(tf.fill([20000], tf.constant(alpha, tf.float64)), SEED).numpy()
    assert scipy.stats.kstest(draws, scipy.stats.gamma(alpha).cdf).pvalue > 1e-3


def test_beta_matches_its_law():
    a = tf.fill([20000], tf.constant(2.5, tf.float64))
    b = tf.fill([20000], tf.constant(0.5, tf.float64))
    draws = sampling.beta(a, b, SEED).numpy()
    assert scipy.stats.kstest(draws, scipy.stats.beta(2.5, 0.5).cdf).pvalue > 1e-3


def test_uniform_and_normal_laws():
    u = sampling.uniform([20000], SEED).numpy()
    assert 0 < u.min() and u.max() < 1
    assert scipy.stats.kstest(u, "uniform").pvalue > 1e-3
    g = sampling.normal([20000], SEED).numpy()
    assert scipy.stats.kstest(g, "norm").pvalue > 1e-3


def _location(d, count):
    loc = np.zeros((count, d))
    loc[:, -1] = 1.0
    rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(d, d)))[0]
    return loc @ rotation.T  # a generic unit direction, not e_1


@pytest.mark.parametrize("d,kappa", [(2, 1.0), (3, 10.0), (10, 50.0), (50, 5.0)])
def test_von_mises_fisher_mean_cosine(d, kappa):
    # E<theta, mu> = I_{d/2}(kappa) / I_{d/2-1}(kappa) for vMF(mu, kappa) on S^{d-1}.
    count = 20000
    loc = _location(d, count)
    draws = sampling.von_mises_fisher(loc, kappa, SEED).numpy()
    np.testing.assert_allclose(np.linalg.norm(draws, axis=1), 1.0, rtol=1e-12)
    cosine = np.sum(draws * loc, axis=1)
    expected = scipy.special.ive(d / 2, kappa) / scipy.special.ive(d / 2 - 1, kappa)
    assert abs(cosine.mean() - expected) < 4 * cosine.std() / np.sqrt(count)
    # The component orthogonal to mu has no preferred direction.
    orthogonal = draws - cosine[:, None] * loc
    assert np.abs(orthogonal.mean(axis=0)).max() < 4 / np.sqrt(count)


@pytest.mark.parametrize("d,kappa", [(2, 1.0), (3, 10.0), (10, 50.0)])
def test_power_spherical_mean_cosine(d, kappa):
    # E<theta, mu> = kappa / (kappa + d - 1) for PS(mu, kappa) on S^{d-1}.
    count = 20000
    loc = _location(d, count)
    draws = sampling.power_spherical(loc, kappa, SEED).numpy()
    np.testing.assert_allclose(np.linalg.norm(draws, axis=1), 1.0, rtol=1e-12)
    cosine = np.sum(draws * loc, axis=1)
    expected = kappa / (kappa + d - 1)
    assert abs(cosine.mean() - expected) < 4 * cosine.std() / np.sqrt(count)
    # Density proportional to (1 + t)^kappa (1 - t^2)^((d-3)/2): t = 2z - 1 with
    # z ~ Beta((d-1)/2 + kappa, (d-1)/2).
    z = (cosine + 1) / 2
    law = scipy.stats.beta((d - 1) / 2 + kappa, (d - 1) / 2)
    assert scipy.stats.kstest(z, law.cdf).pvalue > 1e-3


def test_reflection_maps_e1_to_the_location():
    loc = _location(5, 3)
    loc[1] = np.eye(5)[0]  # the identity case
    e1 = np.tile(np.eye(5)[0], (3, 1))
    np.testing.assert_allclose(sampling.reflect_first_axis_to(e1, loc).numpy(), loc,
                               atol=1e-15)


@pytest.mark.parametrize("runtime_seed", [False, True])
def test_same_draws_eagerly_in_graph_and_under_xla(runtime_seed):
    # TF's own float samplers differ under XLA for a seed that is not a trace-time
    # constant; ours are built from integer bits and must not.
    loc = tf.constant(_location(4, 64))

    def fn(seed):
        if not runtime_seed:
            seed = tf.constant([7, 1], tf.int64)
        return (sampling.von_mises_fisher(loc, 20.0, seed),
                sampling.power_spherical(loc, 5.0, seed),
                sampling.normal([1000], seed))

    results = [run(fn, mode, tf.constant([7, 1], tf.int64))
               for mode in ("eager", "graph", "xla")]
    for result in results[1:]:
        for got, expected in zip(result, results[0]):
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12,
                                       atol=1e-14)
