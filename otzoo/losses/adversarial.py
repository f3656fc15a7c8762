"""The players' losses of the GAN family, as free functions on tensors (the TF-GAN way).

Each function takes the networks' outputs and returns the scalar a player minimises
(batch means; `gradient_penalty` also offers its per-sample values). They are plain
functions: a model that wants them XLA-compiled wraps them itself
(`otzoo.models.base.Jitted`), and under `tf.distribute` the model scales the
loss by 1 / replicas (`GenerativeModel.player_step`), not the function.

Logits l and D = sigmoid(l): the binary cross-entropy terms use
-log D = softplus(-l) and -log(1 - D) = softplus(l), exact and stable for any logit.

References:
  Goodfellow et al. Generative Adversarial Nets. NeurIPS 2014.
    https://arxiv.org/abs/1406.2661
  Arjovsky, Chintala, Bottou. Wasserstein GAN. ICML 2017. https://arxiv.org/abs/1701.07875
  Gulrajani et al. Improved Training of Wasserstein GANs. NeurIPS 2017.
    https://arxiv.org/abs/1704.00028
  Deshpande, Zhang, Schwing. Generative Modeling using the Sliced Wasserstein Distance.
    CVPR 2018. https://arxiv.org/abs/1803.11188
"""

import tensorflow as tf

import otzoo.ot

GRADIENT_EPSILON = 1e-10


def bce_discriminator_loss(real_logits, fake_logits):
    """The discriminator's binary cross-entropy, real labelled 1 and fake labelled 0.

        -E[log D(x)] - E[log(1 - D(x̃))] = mean softplus(-l(x)) + mean softplus(l(x̃))

    Shared by GAN (x real data, x̃ = G(z)), SWGAN-D / max-SWGAN (the same) and WAE-GAN
    (x = prior codes z, x̃ = encoded codes z̃). 2 log 2 when D = 1/2 everywhere.

    Args:
      real_logits: [n, 1] or [n] logits on the examples labelled real.
      fake_logits: [m, 1] or [m] logits on the examples labelled fake.

    Returns:
      Scalar >= 0.

    References: Goodfellow et al. 2014, Eq. 1; Tolstikhin et al. 2018, Algorithm 1.
    """
    return (tf.reduce_mean(tf.nn.softplus(-real_logits))
            + tf.reduce_mean(tf.nn.softplus(fake_logits)))


def non_saturating_generator_loss(fake_logits):
    """-E[log D(x̃)] = mean softplus(-l(x̃)): the generator's non-saturating loss.

    Same fixed point as the minimax game, strong gradients when D rejects x̃ (Goodfellow
    et al. 2014, Sec. 3). Also WAE-GAN's encoder penalty (x̃ = encoded codes).

    Args:
      fake_logits: [n, 1] or [n] logits on generated examples.

    Returns:
      Scalar >= 0 (log 2 at D = 1/2).
    """
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))


def minimax_generator_loss(fake_logits):
    """E[log(1 - D(x̃))] = -mean softplus(l(x̃)): the generator's side of the minimax game.

    Args:
      fake_logits: [n, 1] or [n] logits on generated examples.

    Returns:
      Scalar <= 0 (-log 2 at D = 1/2).

    References: Goodfellow et al. 2014, Eq. 1.
    """
    return -tf.reduce_mean(tf.nn.softplus(fake_logits))


def wasserstein_critic_loss(real_scores, fake_scores):
    """E[f(x̃)] - E[f(x)]: the critic's loss, the negative of its W1 estimate.

    Args:
      real_scores: [n, 1] or [n] critic scores on real examples.
      fake_scores: [m, 1] or [m] critic scores on generated examples.

    Returns:
      Scalar; -W1(P_data, P_G) (times the Lipschitz constant) at the optimal critic.

    References: Arjovsky et al. 2017, Algorithm 1.
    """
    return tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    """-E[f(x̃)]: the generator's Wasserstein loss.

    Args:
      fake_scores: [n, 1] or [n] critic scores on generated examples.

    Returns:
      Scalar.

    References: Arjovsky et al. 2017, Algorithm 1.
    """
    return -tf.reduce_mean(fake_scores)


def gradient_penalty(critic, real, fake, alpha, epsilon=GRADIENT_EPSILON):
    """Per-sample gradient penalty (||grad_x̂ f(x̂)||_2 - 1)² at x̂ = a x + (1 - a) x̃.

    Args:
      critic: callable x [b, ...] -> [b, 1] (or [b]) scores.
      real: [b, ...] real examples x.
      fake: [b, ...] generated examples x̃ (same shape).
      alpha: [b, 1, ..., 1] interpolation weights a ~ U(0, 1), one per sample.
      epsilon: added to the squared norm inside the square root, so that a zero
        gradient has a finite gradient of the penalty (not in the paper).

    Returns:
      [b] tensor of (||grad||_2 - 1)², the norm taken over all non-batch axes
      (`wasserstein_gradient_penalty` is its mean).

    References: Gulrajani et al. 2017, Algorithm 1.
    """
    real = tf.convert_to_tensor(real)
    fake = tf.cast(tf.convert_to_tensor(fake), real.dtype)
    alpha = tf.cast(tf.convert_to_tensor(alpha), real.dtype)
    if alpha.shape.rank is not None and real.shape.rank is not None and (
            alpha.shape.rank != real.shape.rank
            or any(s not in (None, 1) for s in alpha.shape[1:])):
        raise ValueError(f"alpha must hold one weight per sample, shape [b, 1, ..., 1] "
                         f"matching the rank of the data {real.shape}; got {alpha.shape}")
    interpolates = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = critic(interpolates, training=True)
    grads = tape.gradient(scores, interpolates)
    axes = list(range(1, len(grads.shape)))
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + epsilon)
    return tf.square(norms - 1.0)


def wasserstein_gradient_penalty(critic, real, fake, alpha, epsilon=GRADIENT_EPSILON):
    """E_x̂[(||grad_x̂ f(x̂)||_2 - 1)²]: the mean of `gradient_penalty` (same arguments).

    Returns:
      Scalar >= 0 (without the weight lambda). A linear critic f(x) = <w, x> + b gives
      (||w|| - 1)².

    References: Gulrajani et al. 2017, Algorithm 1.
    """
    return tf.reduce_mean(gradient_penalty(critic, real, fake, alpha, epsilon=epsilon))


def sliced_w2_squared(x, y, directions):
    """SW_2² estimate between two equal-size point clouds along given unit directions.

        SW_2²(x, y) ~ 1/L sum_l 1/n sum_i (sort(x theta_l)_i - sort(y theta_l)_i)²

    The sliced Wasserstein generator's loss (Deshpande et al. 2018, Algorithm 1), as a
    mean over directions and samples: no dependence on the batch size or on L.

    Args:
      x, y: [n, d] point clouds (a model passes its global batches).
      directions: [d, L] unit directions.

    Returns:
      Scalar SW_2² (the power p = 2, no square root).
    """
    return otzoo.ot.sliced_wasserstein(x, y, projections=directions, p=2, return_power=True)
