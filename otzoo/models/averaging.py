"""Weight averaging of the generator / decoder: an exponential moving average (EMA).

    θ_EMA ← β θ_EMA + (1 − β) θ     after every update of the generator (GAN family) or of
                                      the autoencoder (its decoder's weights);  θ_EMA = θ⁰
                                      at the start (no bias correction needed)

Samples drawn with the averaged weights are usually better than those of the last
iterate: averaging damps the cycling of the adversarial game (Yazıcı et al. 2019), and
ProGAN and its successors sample from an EMA generator (Karras et al. 2018, decay 0.999).
Training never reads the averages: with EMA on, the live weights follow exactly the same
trajectory as with EMA off. Only the trainable weights are averaged.

β: no default (off everywhere until measured per config). ProGAN used 0.999; Yazıcı
et al.'s code defaults to 0.9999 (`--generator_smoothing`). The half-life is
ln 2 / -ln β updates (693 at 0.999, 6,931 at 0.9999): a run should span several.

Batch norm. The live network's moving statistics describe activations computed with the
live weights, not with the averaged ones. Averaging them as well (as Yazıcı et al.'s code
does) made the default swgan worse in a quick check for issue #16 (3,000 steps, decay
0.999: FID +60%, recall 0.18 -> 0.005). Instead the averaged network's statistics are
recomputed before it is used ("precise BN", Wu & Johnson 2021): K forward passes in
training mode over prior
batches of B codes, and each batch-norm layer's moving mean and variance set to the exact
average over the K batches of its batch mean and (biased) batch variance, the quantity
the live network's momentum average estimates. B should be the training batch (global
under `tf.distribute`: the zoo's batch norm is synchronized), since the expected batch
variance depends on it. The codes come from a fixed stateless seed: nothing of the
training state moves, and the same averages always give the same statistics. For an
autoencoder the decoder was trained on encoder codes; prior codes stand in for them
(the VAE and WAE penalties pull Q_Z towards P_Z) and are what sampling feeds the decoder.

Where the averages live. In non-trainable variables of the model (`ema_variables`), one
per trainable weight of the network, created with the networks. They are therefore in
`model.variables` (the checkpoint, the NaN guard, `copy_weights`), and they are updated
in one cross-replica merge, the way Keras' optimizers update their slots, so N replicas
hold exactly the one-device averages. Keras' own optimizer option (`use_ema`) was not
used: it averages every variable the optimizer updates (for the autoencoders, the
encoder too), starts from the weights after the first update instead of θ⁰, and is read
only by overwriting the live weights (`finalize_variable_values`), which sampling in the
middle of training must not do; the averages would also sit in the optimizer, which
callers replace with `<player>_optimizer=` overrides.

References:
  Yazıcı, Foo, Winkler, Yap, Piliouras, Chandrasekhar. The Unusual Effectiveness of
    Averaging in GAN Training. ICLR 2019. https://arxiv.org/abs/1806.04498
  Karras, Aila, Laine, Lehtinen. Progressive Growing of GANs for Improved Quality,
    Stability, and Variation. ICLR 2018. https://arxiv.org/abs/1710.10196
  Wu, Johnson. Rethinking "Batch" in BatchNorm. 2021. https://arxiv.org/abs/2105.07576
"""

import collections

import keras
import numpy as np
import tensorflow as tf

DEFAULT_BN_BATCHES = 32
DEFAULT_BN_BATCH_SIZE = 64  # the zoo's usual batch; `otzoo.training.build` passes the config's

AveragedWeights = collections.namedtuple(
        "AveragedWeights", ["trainable", "non_trainable", "bn_batches", "bn_batch_size"])
AveragedWeights.__doc__ = """The averaged network's variable values, for `keras.StatelessScope`.

trainable: the EMA of each of `network.trainable_variables`; non_trainable: values for
`network.non_trainable_variables` (batch-norm statistics recomputed, the rest as live);
bn_batches, bn_batch_size: K and B of the recomputation (0 and None without batch norm).
"""


def check_ema_decay(ema_decay):
    """β as a float in (0, 1), or None for "no averaging" (None or 0)."""
    if ema_decay is None:
        return None
    if isinstance(ema_decay, bool):
        raise ValueError(f"ema_decay must be a number in [0, 1), got {ema_decay!r}")
    try:
        decay = float(ema_decay)
    except (TypeError, ValueError):
        raise ValueError(f"ema_decay must be a number in [0, 1), got {ema_decay!r}") from None
    if decay == 0:
        return None
    if not 0 < decay < 1:
        raise ValueError(f"ema_decay (β of θ_EMA ← β θ_EMA + (1 − β) θ) must be in (0, 1), "
                         f"or None / 0 to turn averaging off; got {ema_decay!r}")
    return decay


def create_averages(owner, network):
    """One non-trainable variable of `owner` per trainable weight of `network`, = θ⁰.

    `aggregation="only_first_replica"`: a replica-context assign (WGAN undoing a
    generator step that was not due) takes the first replica's value; every replica
    computes the same one.
    """
    averages = []
    for weight in network.trainable_variables:
        average = owner.add_weight(
                shape=weight.shape, dtype=weight.dtype, initializer="zeros", trainable=False,
                aggregation="only_first_replica",
                name=f"ema_{network.name}_" + weight.path.replace("/", "_"))
        average.assign(weight)
        averages.append(average)
    return averages


def _tf_variable(v):
    return v.value if isinstance(v, keras.Variable) else v


def update_averages(averages, weights, decay):
    """average ← decay * average + (1 - decay) * weight, for every pair, on every replica.

    In a replica context the update runs in one `merge_call`, as Keras' optimizers apply
    their updates (`strategy.extended.update` on each replica's copy); the weights are
    mirrored and were just updated from all-reduced gradients, so every replica's copy
    gets the same value.
    """
    pairs = [(_tf_variable(a), _tf_variable(w)) for a, w in zip(averages, weights)]

    def ema(average, weight):
        return average.assign(average * decay + weight * (1.0 - decay))

    def update(strategy, pairs):
        for average, weight in pairs:
            strategy.extended.update(average, ema, args=(weight,), group=False)

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context (called outside strategy.run)
        update(tf.distribute.get_strategy(), pairs)
    else:
        context.merge_call(update, args=(pairs,))


def batch_norm_layers(network):
    """The `BatchNormalization` layers inside `network`, at any depth."""
    # `_flatten_layers` also finds layers nested in custom (non-functional) layers.
    layers = [layer for layer in network._flatten_layers(include_self=False)
              if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in layers:
        if layer.renorm:
            raise ValueError(f"batch renormalization ({layer.name}) is not supported with "
                             "ema_decay: its extra statistics are not recomputed")
    return layers


def recompute_batch_norm(network, trainable, non_trainable, code_batches):
    """`non_trainable` with every batch-norm statistic recomputed for the weights `trainable`.

    Each batch of `code_batches` goes through `network` in training mode (statelessly:
    nothing of the network changes); each layer's moving mean and variance become the
    exact average over the batches of its batch mean and batch variance (the live
    network's momentum average estimates the same quantity).

    Args:
      network: a built `keras.Model` (the generator / decoder).
      trainable: values for `network.trainable_variables` (the averaged weights).
      non_trainable: values for `network.non_trainable_variables`.
      code_batches: list of [B, latent_dim] inputs.

    Returns:
      List of tensors like `non_trainable`; entries other than batch-norm statistics are
      passed through.
    """
    layers = batch_norm_layers(network)
    if not layers or not code_batches:
        return list(non_trainable)
    position = {id(v): i for i, v in enumerate(network.non_trainable_variables)}
    stats = [position[id(v)] for layer in layers
             for v in (layer.moving_mean, layer.moving_variance)]
    sums = {i: 0.0 for i in stats}
    momenta = [layer.momentum for layer in layers]
    try:
        # Momentum 0: the moving statistic a pass returns is exactly that batch's
        # statistic (m * 0 + s * 1), which is then averaged in float64 below.
        for layer in layers:
            layer.momentum = 0.0
        for codes in code_batches:
            _, updated = network.stateless_call(trainable, non_trainable, codes,
                                                training=True)
            for i in stats:
                sums[i] = sums[i] + np.asarray(updated[i], np.float64)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    result = list(non_trainable)
    for i in stats:
        dtype = network.non_trainable_variables[i].dtype
        result[i] = tf.constant((sums[i] / len(code_batches)).astype(dtype))
    return result


def describe(decay, weights, network_name):
    """One line for the model card."""
    text = (f"exponential moving average of the {network_name}'s weights, decay {decay:g}")
    if weights.bn_batches:
        text += (f", batch-norm statistics recomputed on {weights.bn_batches} prior "
                 f"batches of {weights.bn_batch_size}")
    return text
