"""WAE-MMD and WAE-GAN: the MMD penalty against NumPy, the adversary's signs and order."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.models.wae_gan import WAEGAN, discriminator_loss, encoder_gan_penalty
from otzoo.models.wae_mmd import WAEMMD
from otzoo.networks import mlp

RNG = np.random.default_rng(0)


def numpy_wae_mmd(qz, pz, sigma2=1.0):
    """Tolstikhin et al. (2018), Algorithm 2, written out: unbiased multi-scale IMQ MMD²."""
    n, d = qz.shape
    total = 0.0
    for scale in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0):
        c = 2.0 * d * sigma2 * scale
        k = lambda a, b: c / (c + ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
        off_diagonal = 1.0 - np.eye(n)
        total += ((k(pz, pz) * off_diagonal).sum() / (n * (n - 1))
                  + (k(qz, qz) * off_diagonal).sum() / (n * (n - 1))
                  - 2.0 * k(pz, qz).sum() / n ** 2)
    return total


def _wae_mmd(**kwargs):
    keras.utils.set_random_seed(0)
    return WAEMMD(mlp(5, 8, (16,)), mlp(8, 5, (16,)), **kwargs)


def test_mmd_penalty_equals_the_numpy_reference():
    model = _wae_mmd()
    assert model.penalty_weight == 10.0 and model.latent_dim == 8  # paper: lambda, d_z
    qz = RNG.normal(size=(32, 8)).astype(np.float32) * 1.5 + 0.3
    pz = RNG.normal(size=(32, 8)).astype(np.float32)
    got = float(model.latent_divergence(tf.constant(qz), tf.constant(pz)))
    np.testing.assert_allclose(got, numpy_wae_mmd(qz.astype(np.float64),
                                                  pz.astype(np.float64)), rtol=1e-4)
    # sigma_z^2 follows a scaled normal prior.
    scaled = _wae_mmd(prior_kwargs={"scale": 2.0})
    assert scaled.kernel_sigma2 == 4.0
    got = float(scaled.latent_divergence(tf.constant(qz), tf.constant(pz)))
    np.testing.assert_allclose(got, numpy_wae_mmd(qz.astype(np.float64),
                                                  pz.astype(np.float64), 4.0), rtol=1e-4)


def test_train_step_penalty_is_lambda_times_mmd_of_codes_and_the_prior_draw():
    model = _wae_mmd()
    model.compile(autoencoder_optimizer=keras.optimizers.SGD(0.0))  # weights fixed
    x = RNG.normal(size=(16, 5)).astype(np.float32)
    state = model.seed_generator.state.numpy()
    metrics = {k: float(v) for k, v in model.train_step(tf.constant(x)).items()}
    codes = model.encode(x).numpy()
    model.seed_generator.state.assign(state)  # replay the step's prior draw
    prior = model.sample_prior(16).numpy()
    expected_mmd = numpy_wae_mmd(codes.astype(np.float64), prior.astype(np.float64))
    np.testing.assert_allclose(metrics["mmd"], expected_mmd, rtol=1e-4, atol=1e-6)
    x_hat = model(x).numpy()
    np.testing.assert_allclose(metrics["reconstruction_loss"],
                               ((x - x_hat) ** 2).sum(1).mean(), rtol=1e-5)  # sum, mean
    np.testing.assert_allclose(metrics["loss"],
                               metrics["reconstruction_loss"] + 10.0 * metrics["mmd"],
                               rtol=1e-5)


def test_adversary_losses_have_the_right_signs():
    sigmoid = lambda t: 1 / (1 + np.exp(-t))
    a, b = RNG.normal(size=(7, 1)), RNG.normal(size=(7, 1))
    expected = -np.mean(np.log(sigmoid(a))) - np.mean(np.log(1 - sigmoid(b)))
    np.testing.assert_allclose(discriminator_loss(a, b).numpy(), expected, rtol=1e-6)
    zeros = tf.zeros((4, 1))
    np.testing.assert_allclose(discriminator_loss(zeros, zeros).numpy(), np.log(4.0),
                               rtol=1e-6)
    right, wrong = 8.0 * tf.ones((4, 1)), -8.0 * tf.ones((4, 1))
    # The adversary is rewarded for calling prior codes real and encoded codes fake.
    assert discriminator_loss(right, wrong) < 1e-3 < 15.0 < discriminator_loss(wrong, right)
    # The encoder is rewarded when the adversary calls its codes real: -log D(z~).
    np.testing.assert_allclose(encoder_gan_penalty(b).numpy(),
                               -np.mean(np.log(sigmoid(b))), rtol=1e-6)
    assert encoder_gan_penalty(right) < 1e-3 < 7.0 < encoder_gan_penalty(wrong)


def _wae_gan(**kwargs):
    keras.utils.set_random_seed(0)
    return WAEGAN(mlp(3, 2, (16,)), mlp(2, 3, (16,)), mlp(2, 1, (32, 32)), **kwargs)


def test_adversary_learns_to_separate_and_the_encoder_gradient_fools_it():
    model = _wae_gan()
    model.compile(discriminator_optimizer=keras.optimizers.Adam(1e-2))
    prior = model.sample_prior(256)
    codes = model.sample_prior(256) + 3.0  # encoded codes far from the prior
    variables = model.discriminator.trainable_variables
    losses = []
    for _ in range(60):
        loss, grads = model.adversary_loss_and_grads(prior, codes)
        model.optimizer_for("discriminator").apply_gradients(zip(grads, variables))
        losses.append(float(loss))
    assert losses[0] > 0.7 and losses[-1] < 0.2  # from near chance (log 4) to separated
    d_prior = float(tf.reduce_mean(model.discriminator(prior)))
    d_codes = float(tf.reduce_mean(model.discriminator(codes)))
    assert d_prior > 0 > d_codes
    # A descent step on the encoder's penalty moves codes to where D says "real".
    with tf.GradientTape() as tape:
        tape.watch(codes)
        penalty = model.gan_penalty(codes)
    gradient = tape.gradient(penalty, codes)
    moved = codes - 0.5 * gradient / tf.norm(gradient, axis=1, keepdims=True)
    assert float(model.gan_penalty(moved)) < float(penalty)
    assert float(tf.reduce_mean(model.discriminator(moved))) > d_codes


def test_train_step_updates_the_adversary_first_then_q_and_g_against_it():
    model = _wae_gan(penalty_weight=10.0)
    model.compile(autoencoder_optimizer=keras.optimizers.SGD(0.0),  # Q, G fixed
                  discriminator_optimizer=keras.optimizers.SGD(0.5))
    x = RNG.normal(size=(16, 3)).astype(np.float32)
    codes = model.encode(x)
    state = model.seed_generator.state.numpy()
    before = [v.numpy() for v in model.discriminator.trainable_variables]
    d_before = keras.models.clone_model(model.discriminator)
    d_before.set_weights(before)
    metrics = {k: float(v) for k, v in model.train_step(tf.constant(x)).items()}
    model.seed_generator.state.assign(state)
    prior = model.sample_prior(16)
    # 1. The adversary loss was measured with D before its update ...
    np.testing.assert_allclose(metrics["discriminator_loss"],
                               float(discriminator_loss(d_before(prior), d_before(codes))),
                               rtol=1e-5)
    # ... and D moved (one SGD step on lambda * that loss) so that the loss decreased.
    after = [v.numpy() for v in model.discriminator.trainable_variables]
    assert any(not np.allclose(a, b) for a, b in zip(after, before))
    assert float(discriminator_loss(model.discriminator(prior),
                                    model.discriminator(codes))) < metrics[
                                            "discriminator_loss"]
    # 2. The encoder term used the updated D.
    np.testing.assert_allclose(metrics["gan_penalty"],
                               float(encoder_gan_penalty(model.discriminator(codes))),
                               rtol=1e-5)
    np.testing.assert_allclose(metrics["loss"], metrics["reconstruction_loss"]
                               + 10.0 * metrics["gan_penalty"], rtol=1e-5)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
