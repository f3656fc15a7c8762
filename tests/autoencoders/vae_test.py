"""VAE: the closed-form KL, the likelihoods, the negative ELBO assembled in a train step."""

import keras
import numpy as np
import pytest
import scipy.stats
import tensorflow as tf
import tensorflow_probability as tfp

from otzoo.models.vae import VAE, gaussian_kl
from otzoo.networks import mlp

tfd = tfp.distributions
RNG = np.random.default_rng(0)


def test_kl_equals_the_closed_form_for_gaussians():
    mean = RNG.normal(size=(6, 3)).astype(np.float32)
    log_var = RNG.normal(scale=0.7, size=(6, 3)).astype(np.float32)
    got = gaussian_kl(mean, log_var).numpy()
    # Independent oracle: tfp's analytic KL between diagonal Gaussians.
    q = tfd.MultivariateNormalDiag(mean, np.exp(0.5 * log_var))
    p = tfd.MultivariateNormalDiag(np.zeros(3, np.float32), np.ones(3, np.float32))
    np.testing.assert_allclose(got, tfd.kl_divergence(q, p).numpy(), rtol=1e-5)
    # And a Monte Carlo estimate E_q[log q - log p] for one row.
    z = RNG.normal(size=(200_000, 3)) * np.exp(0.5 * log_var[0]) + mean[0]
    mc = np.mean(scipy.stats.multivariate_normal(mean[0], np.diag(np.exp(log_var[0])))
                 .logpdf(z) - scipy.stats.multivariate_normal(np.zeros(3)).logpdf(z))
    np.testing.assert_allclose(got[0], mc, rtol=0.02)
    assert np.all(got >= 0)
    np.testing.assert_allclose(gaussian_kl(np.zeros((1, 3)), np.zeros((1, 3))), [0.0])


def _vae(likelihood, **kwargs):
    keras.utils.set_random_seed(0)
    return VAE(mlp(4, 4, (8,)), mlp(2, 4, (8,)), likelihood=likelihood, **kwargs)


def test_bernoulli_and_gaussian_negative_log_likelihoods():
    x = (RNG.uniform(size=(5, 4)) > 0.5).astype(np.float32)
    out = RNG.normal(size=(5, 4)).astype(np.float32)
    nll = _vae("bernoulli").negative_log_likelihood(x, out).numpy()
    expected = -scipy.stats.bernoulli(1 / (1 + np.exp(-out))).logpmf(x).sum(1)
    np.testing.assert_allclose(nll, expected, rtol=1e-5)
    x = RNG.normal(size=(5, 4)).astype(np.float32)
    nll = _vae("gaussian", observation_variance=0.3).negative_log_likelihood(x, out).numpy()
    expected = -scipy.stats.norm(out, np.sqrt(0.3)).logpdf(x).sum(1)
    np.testing.assert_allclose(nll, expected, rtol=1e-5)


def test_train_step_reports_the_negative_elbo_and_its_terms():
    model = _vae("gaussian", kl_weight=0.5)
    model.compile(autoencoder_optimizer=keras.optimizers.SGD(0.0))  # weights fixed
    x = RNG.normal(size=(8, 4)).astype(np.float32)
    metrics = {k: float(v) for k, v in model.train_step(tf.constant(x)).items()}
    mean, log_var = model.encoder_moments(x)
    # Reduction: KL summed over latents and averaged over the batch.
    np.testing.assert_allclose(metrics["kl"], gaussian_kl(mean, log_var).numpy().mean(),
                               rtol=1e-5)
    np.testing.assert_allclose(metrics["loss"],
                               metrics["reconstruction_loss"] + 0.5 * metrics["kl"],
                               rtol=1e-5)
    # Reconstruction: -log p(x|z) summed over coordinates, mean over the batch; a
    # single draw of z, so compare with the expectation over many draws loosely.
    draws = [model.negative_log_likelihood(x, model.decoder(model.reparametrize(
            mean, log_var))).numpy().mean() for _ in range(200)]
    assert abs(metrics["reconstruction_loss"] - np.mean(draws)) < 4 * np.std(draws)


def test_reparametrisation_moments():
    model = _vae("gaussian")
    mean = tf.constant([[1.0, -2.0]])
    log_var = tf.constant([[np.log(0.25), np.log(4.0)]], tf.float32)
    z = np.concatenate([model.reparametrize(tf.tile(mean, [1000, 1]),
                                            tf.tile(log_var, [1000, 1])).numpy()
                        for _ in range(10)])
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(0), [0.5, 2.0], rtol=0.03)


def test_default_optimizer_is_the_papers_adagrad():
    model = _vae("bernoulli")
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.Adagrad)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.01)


@pytest.mark.parametrize("bad", [{"observation_variance": 0.0}, {"kl_weight": -1.0}])
def test_bad_hyperparameters(bad):
    with pytest.raises(ValueError):
        _vae("gaussian", **bad)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
