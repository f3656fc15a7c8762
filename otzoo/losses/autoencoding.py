"""The autoencoder family's loss terms, as free functions on tensors.

Reconstruction costs c(x, x̂) (WAE, SWAE), the negative log-likelihoods of the VAE's
decoders, and the VAE's Gaussian KL. The per-example functions return [n] (one value
per example, reduced over its coordinates); the `*_loss` / `mean_*` functions return
the scalar batch mean a model minimises. Plain functions: a model that wants them
XLA-compiled wraps them itself, and scales by 1 / replicas itself
(`GenerativeModel.player_step`).

Reduction convention: the cost of one example is reduced over its coordinates ("sum":
the WAE paper's c(x, y) = ||x - y||², or "mean": the per-coordinate average the SWAE code
uses), then averaged over the batch.

References:
  Kingma, Welling. Auto-Encoding Variational Bayes. ICLR 2014.
    https://arxiv.org/abs/1312.6114
  Tolstikhin, Bousquet, Gelly, Schoelkopf. Wasserstein Auto-Encoders. ICLR 2018.
    https://arxiv.org/abs/1711.01558
  Kolouri, Pope, Martin, Rohde. Sliced-Wasserstein Autoencoder. ICLR 2019.
    https://arxiv.org/abs/1804.01947
"""

import math

import keras
import tensorflow as tf

COSTS = ("l2sq", "l1", "bce")
REDUCTIONS = ("sum", "mean")


def parse_cost(cost):
    """Validates a cost spec: one of COSTS or a "+"-joined sum ("bce+l1"); returns a tuple."""
    if not isinstance(cost, str) or not cost:
        raise ValueError(f"reconstruction cost must be a string among {COSTS} or a "
                         f"'+'-joined sum of them (e.g. 'bce+l1'), got {cost!r}")
    terms = tuple(t.strip().lower() for t in cost.split("+"))
    for term in terms:
        if term not in COSTS:
            raise ValueError(f"unknown reconstruction cost {term!r} in {cost!r}; known: "
                             f"{', '.join(COSTS)} (sums like 'bce+l1' are allowed)")
    return terms


def check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reconstruction_reduction must be one of {REDUCTIONS}, got "
                         f"{reduction!r}")
    return reduction


def reconstruction_cost(x, x_hat, cost="l2sq", reduction="sum"):
    """Per-example reconstruction cost c(x, x̂).

        "l2sq": sum_j (x_j - x̂_j)²      (WAE: c(x, y) = ||x - y||²_2)
        "l1":   sum_j |x_j - x̂_j|
        "bce":  -sum_j [x_j log x̂_j + (1 - x_j) log(1 - x̂_j)]   (x, x̂ in [0, 1]; x̂ is
                clipped to [eps, 1 - eps] as in Keras, so a sigmoid decoder is expected)
        "a+b":  the sum of the terms (the SWAE code uses "bce+l1").

    Args:
      x: data, [batch, ...].
      x_hat: reconstruction, same shape.
      cost: see above.
      reduction: "sum" over the non-batch axes (the cost as written above) or "mean"
        (divided by the number of coordinates).

    Returns:
      [batch] tensor of per-example costs (`reconstruction_loss` is their batch mean).
    """
    terms = parse_cost(cost)
    check_reduction(reduction)
    x = tf.convert_to_tensor(x)
    x_hat = tf.convert_to_tensor(x_hat)
    if x.shape.rank is not None and x_hat.shape.rank is not None and (
            not x.shape.is_compatible_with(x_hat.shape)):
        raise ValueError(f"x and its reconstruction differ in shape: {x.shape} vs "
                         f"{x_hat.shape}")
    x = tf.cast(x, x_hat.dtype)
    total = 0.0
    for term in terms:
        if term == "l2sq":
            elementwise = tf.square(x - x_hat)
        elif term == "l1":
            elementwise = tf.abs(x - x_hat)
        else:
            elementwise = keras.ops.binary_crossentropy(x, x_hat, from_logits=False)
        total = total + elementwise
    axes = list(range(1, len(x_hat.shape)))
    if not axes:
        return total
    if reduction == "sum":
        return tf.reduce_sum(total, axis=axes)
    return tf.reduce_mean(total, axis=axes)


def reconstruction_loss(x, x_hat, cost="l2sq", reduction="sum"):
    """1/n sum_i c(x_i, x̂_i): the batch mean of `reconstruction_cost` (same arguments).

    Returns:
      Scalar >= 0.

    References: Tolstikhin et al. 2018, Algorithms 1 and 2 (the first term).
    """
    return tf.reduce_mean(reconstruction_cost(x, x_hat, cost, reduction))


def bernoulli_negative_log_likelihood(x, logits):
    """-log p(x | z) of a Bernoulli decoder, per example: sum_j BCE_with_logits(x_j, l_j).

    Args:
      x: data in [0, 1], [n, ...].
      logits: the decoder's logits, same shape.

    Returns:
      [n] tensor, summed over the coordinates of each example (nats).

    References: Kingma & Welling 2014, App. C.1.
    """
    x = tf.cast(x, logits.dtype)
    axes = list(range(1, len(logits.shape)))
    return tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits),
                         axis=axes)


def gaussian_negative_log_likelihood(x, mean, variance=1.0):
    """-log N(x; mean, variance I) per example.

        sum_j [(x_j - mean_j)² / (2 s²) + log(2 pi s²) / 2],   s² = variance (fixed)

    Args:
      x: data, [n, ...].
      mean: the decoder's means, same shape.
      variance: s² > 0, a Python float.

    Returns:
      [n] tensor, summed over the coordinates of each example (nats).

    References: Kingma & Welling 2014, App. C.2 (here with a fixed variance).
    """
    x = tf.cast(x, mean.dtype)
    axes = list(range(1, len(mean.shape)))
    nll = tf.square(x - mean) / (2.0 * variance) + 0.5 * math.log(2.0 * math.pi * variance)
    return tf.reduce_sum(nll, axis=axes)


def gaussian_kl(mean, log_var):
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) per example.

        KL = 1/2 sum_j (mean_j² + exp(log_var_j) - log_var_j - 1)

    Args:
      mean: [n, d] posterior means.
      log_var: [n, d] posterior log-variances.

    Returns:
      [n] tensor >= 0 (nats); `mean_gaussian_kl` is its batch mean.

    References: Kingma & Welling 2014, App. B.
    """
    return 0.5 * tf.reduce_sum(tf.square(mean) + tf.exp(log_var) - log_var - 1.0, axis=-1)


def mean_gaussian_kl(mean, log_var):
    """1/n sum_i KL(q(z | x_i) || N(0, I)): the VAE's KL term (same arguments as
    `gaussian_kl`).

    Returns:
      Scalar >= 0.
    """
    return tf.reduce_mean(gaussian_kl(mean, log_var))
