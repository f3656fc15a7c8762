"""Latent priors: distributions, seeding, registry errors, and the models' use of them."""

import keras
import numpy as np
import pytest
import scipy.stats
import tensorflow as tf

from otzoo.models.priors import (PRIORS, GaussianMixturePrior, Prior, get_prior,
                                 seed_from_generator)
from otzoo.registry import UnknownNameError

N = 20_000
SEED = np.array([3, 4], np.int32)  # no TensorFlow op at import (see distribution_test)


def _draw(name, latent_dim=2, n=N, seed=SEED, **kwargs):
    z = get_prior(name, latent_dim, **kwargs).sample(n, seed)
    assert z.shape == (n, latent_dim) and z.dtype == tf.float32
    return z.numpy().astype(np.float64)


def test_registry_lists_the_five_priors():
    assert PRIORS.names() == ["disk", "gaussian_mixture", "normal", "ring", "uniform"]


def test_unknown_prior_names_the_known_ones():
    with pytest.raises(UnknownNameError, match="unknown prior 'sphere'; known: disk, "
                                               "gaussian_mixture, normal, ring, uniform"):
        get_prior("sphere", 2)


@pytest.mark.parametrize("name, kwargs, match", [
    ("normal", {"scale": 0.0}, "scale"),
    ("uniform", {"half_width": -1.0}, "half_width"),
    ("disk", {"radius": float("nan")}, "radius"),
    ("ring", {"noise": -0.1}, "noise"),
    ("gaussian_mixture", {"num_components": 0}, "num_components"),
    ("normal", {"sigma": 1.0}, "bad arguments for prior 'normal'"),
])
def test_bad_parameters_raise_value_error(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        get_prior(name, 2, **kwargs)


def test_bad_latent_dim_and_one_dimensional_ring_raise():
    with pytest.raises(ValueError, match="latent_dim"):
        get_prior("normal", 0)
    with pytest.raises(ValueError, match="latent_dim >= 2"):
        get_prior("ring", 1)


def test_disk_is_uniform_radius_cdf_is_t_squared():
    radius = 1.5
    r = np.linalg.norm(_draw("disk", radius=radius), axis=1)
    assert r.max() <= radius * (1 + 1e-6)
    # Uniform on the disk <=> P(|z| <= t) = (t / R)^2 <=> (|z| / R)^2 ~ U(0, 1).
    assert scipy.stats.kstest((r / radius) ** 2, "uniform").pvalue > 1e-3
    # The peers' bug, radius ~ U(0, R), is rejected by the same test.
    rng = np.random.default_rng(0)
    assert scipy.stats.kstest(rng.uniform(size=N) ** 2, "uniform").pvalue < 1e-10
    # The angle is uniform too.
    z = _draw("disk", radius=radius)
    angle = (np.arctan2(z[:, 1], z[:, 0]) + np.pi) / (2 * np.pi)
    assert scipy.stats.kstest(angle, "uniform").pvalue > 1e-3


def test_ball_in_three_dimensions_has_the_volume_law():
    r = np.linalg.norm(_draw("disk", latent_dim=3), axis=1)
    assert scipy.stats.kstest(r ** 3, "uniform").pvalue > 1e-3


def test_normal_and_uniform_cube_moments():
    z = _draw("normal", latent_dim=3, scale=2.0)
    np.testing.assert_allclose(z.mean(0), 0.0, atol=0.06)
    np.testing.assert_allclose(np.cov(z.T), 4.0 * np.eye(3), atol=0.15)
    z = _draw("uniform", latent_dim=3, half_width=2.0)
    assert z.min() >= -2.0 and z.max() <= 2.0
    for column in z.T:  # each coordinate U(-2, 2)
        assert scipy.stats.kstest(column, "uniform", args=(-2.0, 4.0)).pvalue > 1e-3


def test_ring_is_a_thin_uniform_shell():
    z = _draw("ring", radius=2.0, noise=0.01)
    r = np.linalg.norm(z, axis=1)
    np.testing.assert_allclose(r.mean(), 2.0, atol=1e-3)
    np.testing.assert_allclose(r.std(), 0.01, rtol=0.05)
    angle = (np.arctan2(z[:, 1], z[:, 0]) + np.pi) / (2 * np.pi)
    assert scipy.stats.kstest(angle, "uniform").pvalue > 1e-3


def test_gaussian_mixture_components_and_log_prob():
    prior = GaussianMixturePrior(2, num_components=4, radius=3.0, scale=0.1)
    np.testing.assert_allclose(prior.means(), [[3, 0], [0, 3], [-3, 0], [0, -3]],
                               atol=1e-6)
    z = prior.sample(N, SEED).numpy()
    nearest = np.argmin(((z[:, None, :] - prior.means()[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_allclose(np.bincount(nearest) / N, 0.25, atol=0.02)
    np.testing.assert_allclose(np.linalg.norm(z - prior.means()[nearest], axis=1).mean(),
                               0.1 * np.sqrt(np.pi / 2), rtol=0.03)  # Rayleigh mean
    # The tfp density equals the closed-form mixture density.
    point = np.array([[3.05, 0.02]], np.float32)
    expected = 0.25 * scipy.stats.multivariate_normal([3, 0], 0.01 * np.eye(2)).pdf(
            point[0])
    np.testing.assert_allclose(np.exp(prior.distribution.log_prob(point)), expected,
                               rtol=1e-4)
    # d = 1: means on a segment.
    np.testing.assert_allclose(GaussianMixturePrior(1, 3, radius=2.0).means()[:, 0],
                               [-2, 0, 2])


@pytest.mark.parametrize("name", ["normal", "uniform", "disk", "ring", "gaussian_mixture"])
def test_stateless_seed_reproduces_and_differs(name):
    a = _draw(name, n=64)
    b = _draw(name, n=64)
    c = _draw(name, n=64, seed=tf.constant([3, 5], tf.int32))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_seed_from_generator_advances_like_a_keras_random_call():
    generator = keras.random.SeedGenerator(7)
    first, second = seed_from_generator(generator), seed_from_generator(generator)
    assert first.dtype == tf.int32 and first.shape == (2,)
    assert not np.array_equal(first.numpy(), second.numpy())
    np.testing.assert_array_equal(generator.state.numpy(), [7, 2])


def test_prior_instance_passes_through_and_is_checked():
    prior = get_prior("ring", 2)
    assert get_prior(prior, 2) is prior
    with pytest.raises(ValueError, match="latent_dim 2"):
        get_prior(prior, 3)
    assert isinstance(prior, Prior) and "RingPrior(latent_dim=2" in repr(prior)


def test_models_sample_from_their_prior():
    from otzoo.models.swae import SWAE
    from otzoo.networks import mlp

    model = SWAE(mlp(3, 2, (8,)), mlp(2, 3, (8,)), prior="disk", reconstruction="l2sq",
                 prior_kwargs={"radius": 2.0}, seed=5)
    r = np.linalg.norm(model.sample_prior(4000).numpy(), axis=1)
    assert r.max() <= 2.0 + 1e-5
    assert scipy.stats.kstest((r / 2.0) ** 2, "uniform").pvalue > 1e-3
    # The exported (stateless) path draws from the same prior.
    np.testing.assert_array_equal(model.sample_prior_stateless(16, SEED).numpy(),
                                  model.prior.sample(16, SEED).numpy())
    # generate(n) decodes prior draws: sample(z) == decode(z).
    z = model.sample_prior(5)
    np.testing.assert_array_equal(model.sample(z).numpy(), model.decode(z).numpy())


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
