"""Tests of the original GAN (otzoo.models.gan): losses in closed form, signs, k steps,
learning on the 8-Gaussians toy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.models.gan import GAN, bce_discriminator_loss, gan_generator_loss
from otzoo.networks import mlp
from tests.gans import toy


def test_losses_closed_form():
    zeros = tf.zeros((4, 1))
    # D = 1/2 everywhere: BCE = 2 log 2; minimax G loss = log(1/2); non-saturating = log 2.
    np.testing.assert_allclose(float(bce_discriminator_loss(zeros, zeros)), 2 * np.log(2),
                               rtol=1e-6)
    np.testing.assert_allclose(float(gan_generator_loss(zeros, "minimax")), -np.log(2),
                               rtol=1e-6)
    np.testing.assert_allclose(float(gan_generator_loss(zeros, "non_saturating")),
                               np.log(2), rtol=1e-6)
    logits = tf.constant([[-3.0], [0.5], [4.0]])
    d = 1 / (1 + np.exp(-np.array([-3.0, 0.5, 4.0])))
    np.testing.assert_allclose(float(bce_discriminator_loss(logits, -logits)),
                               -np.mean(np.log(d)) - np.mean(np.log(1 - (1 - d))), rtol=1e-5)
    np.testing.assert_allclose(float(gan_generator_loss(logits, "minimax")),
                               np.mean(np.log(1 - d)), rtol=1e-5)
    np.testing.assert_allclose(float(gan_generator_loss(logits, "non_saturating")),
                               -np.mean(np.log(d)), rtol=1e-5)


@pytest.mark.parametrize("kind", ["non_saturating", "minimax"])
def test_discriminator_separates_and_generator_moves_towards_data(kind):
    # Real ~ N(0, 1), generated x = z + 2: after training, D(real) > 1/2 > D(fake), and
    # a generator step (either loss) moves the generated mean towards the data.
    keras.utils.set_random_seed(0)
    generator = mlp(1, 1, hidden_units=(), name="generator")
    generator.get_layer("head").set_weights([np.ones((1, 1), "float32"),
                                             np.full((1,), 2.0, "float32")])
    model = GAN(generator, mlp(1, 1, (16,), name="discriminator"), generator_loss=kind,
                seed=0)
    model.compile(discriminator_optimizer=toy.adam(1e-2))
    rng = np.random.default_rng(0)
    step = tf.function(model.discriminator_step)
    for _ in range(100):
        loss = float(step(tf.constant(rng.normal(size=(256, 1)), tf.float32)))
    assert loss < 2 * np.log(2) - 0.2
    d_real = tf.sigmoid(model.discriminator(tf.zeros((1, 1))))
    d_fake = tf.sigmoid(model.discriminator(tf.fill((1, 1), 2.0)))
    assert float(d_real[0, 0]) > 0.5 > float(d_fake[0, 0])
    model.generator_step(256)
    assert float(generator.get_layer("head").bias[0]) < 2.0


def test_discriminator_steps_count():
    model = toy.make_model("gan", hidden=(4,), discriminator_steps=3)
    assert model.real_batches_per_step == 3
    toy.train(model, 2, batch_size=4)
    optimizers = model.optimizers_by_name
    assert int(optimizers["discriminator"].iterations) == 6
    assert int(optimizers["generator"].iterations) == 2


def test_learns_eight_gaussians():
    model = toy.make_model("gan", compile_kwargs=dict(
            generator_optimizer=toy.adam(2e-4), discriminator_optimizer=toy.adam(1e-3)))
    before = toy.sw2_to_data(model)
    metrics = toy.train(model, 400)
    after = toy.sw2_to_data(model)
    print(f"gan: SW_2(samples, data) {before:.3f} -> {after:.3f}")  # (-s)
    assert before > 1.1 and after < 0.7, (before, after)
    assert set(metrics) == {"discriminator_loss", "generator_loss"}


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="generator_loss"):
        toy.make_model("gan", generator_loss="wasserstein")
    with pytest.raises(ValueError, match="discriminator_steps"):
        toy.make_model("gan", discriminator_steps=0)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
