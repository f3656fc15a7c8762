"""The GAN family's free-function losses (otzoo.losses.adversarial) on hand-computed
constants.

Logits are chosen so that D = sigmoid(l) is 1/2, 3/4 or 1/4 (l = 0, ln 3, -ln 3), where
every log is a log of a small fraction; the gradient penalty uses critics whose gradient
is known in closed form (linear: w; quadratic 1/2 ||x||²: x).
"""

import numpy as np
import pytest
import tensorflow as tf

from otzoo import losses

LN3 = np.log(3.0)


def _close(value, expected, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(value), expected, rtol=rtol, atol=1e-7)


def test_bce_discriminator_loss_by_hand():
    # D(real) = (1/2, 3/4), D(fake) = (1/2, 1/4):
    # -mean log D(real) - mean log(1 - D(fake)) = -(log 1/2 + log 3/4) = log(8/3).
    real = tf.constant([[0.0], [LN3]])
    fake = tf.constant([[0.0], [-LN3]])
    _close(losses.bce_discriminator_loss(real, fake), np.log(8.0 / 3.0))
    # D = 1/2 everywhere: 2 log 2, also with different batch sizes.
    _close(losses.bce_discriminator_loss(tf.zeros([3]), tf.zeros([5])), 2 * np.log(2.0))


def test_generator_losses_by_hand():
    fake = tf.constant([[0.0], [LN3]])  # D(fake) = (1/2, 3/4)
    # Non-saturating: -mean log D = (log 2 + log 4/3) / 2.
    _close(losses.non_saturating_generator_loss(fake), np.log(8.0 / 3.0) / 2)
    # Minimax: mean log(1 - D) = (log 1/2 + log 1/4) / 2 = -3/2 log 2.
    _close(losses.minimax_generator_loss(fake), -1.5 * np.log(2.0))


def test_saturation_is_what_the_names_say():
    # A discriminator that rejects the fakes (D -> 0): the minimax loss is flat, the
    # non-saturating one has slope -1 in the logit.
    logit = tf.constant([[-12.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logit)
        minimax = losses.minimax_generator_loss(logit)
        non_saturating = losses.non_saturating_generator_loss(logit)
    assert abs(float(tape.gradient(minimax, logit)[0, 0])) < 1e-5
    _close(tape.gradient(non_saturating, logit)[0, 0], -1.0, rtol=1e-5)


def test_wasserstein_losses_by_hand():
    real = tf.constant([[1.0], [2.0], [3.0]])  # mean 2
    fake = tf.constant([[0.5], [-0.5]])  # mean 0
    _close(losses.wasserstein_critic_loss(real, fake), 0.0 - 2.0)
    _close(losses.wasserstein_generator_loss(tf.constant([0.5, 1.5])), -1.0)


def test_gradient_penalty_quadratic_critic_by_hand():
    # f(x) = 1/2 ||x||² has grad f(x̂) = x̂: x̂ = (1, 0) and (0, 3), norms 1 and 3.
    def critic(x, training=False):
        return 0.5 * tf.reduce_sum(tf.square(x), axis=1)

    real = tf.constant([[2.0, 0.0], [0.0, 3.0]])
    fake = tf.zeros([2, 2])
    alpha = tf.constant([[0.5], [1.0]])
    _close(losses.gradient_penalty(critic, real, fake, alpha), [0.0, 4.0], rtol=1e-5)
    _close(losses.wasserstein_gradient_penalty(critic, real, fake, alpha), 2.0, rtol=1e-5)


def test_gradient_penalty_linear_critic_value_and_weight_gradient():
    # f(x) = <w, x> with w = (3, 4): ||grad|| = 5 everywhere, penalty (5 - 1)² = 16, and
    # d/dw (||w|| - 1)² = 2 (||w|| - 1) w / ||w|| = 2 * 4 * (0.6, 0.8) = (4.8, 6.4).
    w = tf.Variable([3.0, 4.0])

    def critic(x, training=False):
        return tf.linalg.matvec(x, w)

    rng = np.random.default_rng(0)
    real, fake = (tf.constant(rng.normal(size=(3, 2)), tf.float32) for _ in range(2))
    alpha = tf.constant(rng.uniform(size=(3, 1)), tf.float32)
    with tf.GradientTape() as tape:
        penalty = losses.wasserstein_gradient_penalty(critic, real, fake, alpha)
    _close(penalty, 16.0, rtol=1e-5)
    _close(tape.gradient(penalty, w), [4.8, 6.4], rtol=1e-5)


def test_gradient_penalty_rejects_one_weight_per_coordinate():
    with pytest.raises(ValueError, match="one weight per sample"):
        losses.gradient_penalty(lambda x, training=False: x, tf.zeros([2, 3]),
                                tf.zeros([2, 3]), tf.zeros([2, 3]))


def test_sliced_w2_squared_by_hand():
    # One direction in 1-D: sorted (0, 1, 2) against sorted (1, 3, 5): (1 + 4 + 9) / 3.
    x = tf.constant([[0.0], [1.0], [2.0]])
    y = tf.constant([[3.0], [1.0], [5.0]])
    _close(losses.sliced_w2_squared(x, y, tf.constant([[1.0]])), 14.0 / 3.0)
    _close(losses.sliced_w2_squared(x, y, tf.constant([[-1.0]])), 14.0 / 3.0)
    # The axes of the plane: along e1 the clouds differ by 2 (W2² = 4), along e2 they
    # coincide (0); the mean over the two directions is 2.
    x = tf.constant([[0.0, 0.0], [1.0, 1.0]])
    y = tf.constant([[2.0, 0.0], [3.0, 1.0]])
    _close(losses.sliced_w2_squared(x, y, tf.eye(2)), 2.0)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
