"""The autoencoder family's free-function losses (otzoo.losses.autoencoding) on
hand-computed constants: reconstruction costs, the VAE's likelihoods and Gaussian KL."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo import losses

# Two examples of two coordinates; x̂ - x = (0.5, -0.5) and (0, -1).
X = tf.constant([[0.0, 1.0], [1.0, 1.0]])
X_HAT = tf.constant([[0.5, 0.5], [1.0, 0.0]])


def _close(value, expected, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(value), expected, rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("cost, reduction, expected", [
    ("l2sq", "sum", [0.25 + 0.25, 0.0 + 1.0]),
    ("l2sq", "mean", [0.25, 0.5]),
    ("l1", "sum", [1.0, 1.0]),
    ("l1", "mean", [0.5, 0.5]),
    ("l2sq+l1", "sum", [1.5, 2.0]),
])
def test_reconstruction_cost_by_hand(cost, reduction, expected):
    _close(losses.reconstruction_cost(X, X_HAT, cost, reduction), expected)
    _close(losses.reconstruction_loss(X, X_HAT, cost, reduction), np.mean(expected))


def test_bce_reconstruction_cost_by_hand():
    # -log 0.5 - log(1 - 0.25) = log 2 + log 4/3 = log 8/3; "mean" halves it.
    x, x_hat = tf.constant([[1.0, 0.0]]), tf.constant([[0.5, 0.25]])
    _close(losses.reconstruction_cost(x, x_hat, "bce", "sum"), [np.log(8.0 / 3.0)],
           rtol=1e-5)
    _close(losses.reconstruction_cost(x, x_hat, "bce", "mean"), [np.log(8.0 / 3.0) / 2],
           rtol=1e-5)


def test_reconstruction_cost_rejects_unknown_costs_and_shapes():
    with pytest.raises(ValueError, match="unknown reconstruction cost"):
        losses.reconstruction_cost(X, X_HAT, "l3")
    with pytest.raises(ValueError, match="reconstruction_reduction"):
        losses.reconstruction_cost(X, X_HAT, "l2sq", "max")
    with pytest.raises(ValueError, match="differ in shape"):
        losses.reconstruction_cost(X, X_HAT[:, :1])


def test_bernoulli_negative_log_likelihood_by_hand():
    # x = (1, 0), logits (0, ln 3): -log sigmoid(0) - log(1 - sigmoid(ln 3))
    # = log 2 + log 4 = 3 log 2.
    x = tf.constant([[1.0, 0.0]])
    logits = tf.constant([[0.0, np.log(3.0)]])
    _close(losses.bernoulli_negative_log_likelihood(x, logits), [3 * np.log(2.0)])


def test_gaussian_negative_log_likelihood_by_hand():
    # s² = 1/2: sum_j (x_j - m_j)² / (2 s²) = 1 + 4, plus 2 * log(2 pi / 2) / 2 = log pi.
    x, mean = tf.constant([[1.0, 2.0]]), tf.zeros([1, 2])
    _close(losses.gaussian_negative_log_likelihood(x, mean, 0.5), [5.0 + np.log(np.pi)])


def test_gaussian_kl_by_hand():
    # Example 1: mean (1, 0), variances (1, 2): 1/2 [(1 + 1 - 0 - 1) + (0 + 2 - ln 2 - 1)]
    # = 1 - ln 2 / 2. Example 2: the prior itself, KL = 0.
    mean = tf.constant([[1.0, 0.0], [0.0, 0.0]])
    log_var = tf.constant([[0.0, np.log(2.0)], [0.0, 0.0]])
    expected = [1.0 - np.log(2.0) / 2, 0.0]
    _close(losses.gaussian_kl(mean, log_var), expected)
    _close(losses.mean_gaussian_kl(mean, log_var), np.mean(expected))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
