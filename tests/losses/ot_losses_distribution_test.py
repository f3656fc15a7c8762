"""otzoo.losses under tf.distribute: 2 replicas train exactly like 1 device.

The two logical CPU devices come from tests/conftest.py.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo import losses, testing
from otzoo.ot import mmd, sliced_wasserstein

LEARNING_RATE = 0.1
rng = np.random.default_rng(0)
INPUTS = rng.normal(size=(16, 3)).astype(np.float32)
TARGETS = (rng.normal(size=(16, 2)) + 1.0).astype(np.float32)
INITIAL_WEIGHTS = [rng.normal(size=(3, 2)).astype(np.float32),
                   rng.normal(size=(2,)).astype(np.float32)]

LOSSES = {
    "sw": lambda **kw: losses.SlicedWasserstein(num_projections=16, seed=3, **kw),
    "max_sw": lambda **kw: losses.MaxSlicedWasserstein(num_steps=5, num_init_directions=4,
                                                       seed=3, **kw),
    "gsw": lambda **kw: losses.GeneralizedSlicedWasserstein(
            defining_function="circular", num_projections=16, seed=3, **kw),
    "mmd": lambda **kw: losses.MMD(**kw),
    "sinkhorn": lambda **kw: losses.SinkhornDivergence(epsilon=0.5, num_iters=20, **kw),
}


def mirrored():
    return testing.mirrored_strategy(2)  # one per process, shared with other test files


def train(strategy, make_loss, epochs=2, num_samples=16):
    """Global batch 8 (4 per replica with 2 replicas), plain SGD, no shuffling."""
    with strategy.scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.set_weights(INITIAL_WEIGHTS)
        # The loss is created in the scope, like the model: its seed state is mirrored.
        model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss=make_loss(),
                      jit_compile=False)
    history = model.fit(INPUTS[:num_samples], TARGETS[:num_samples], batch_size=8,
                        epochs=epochs, shuffle=False, verbose=0)
    return [w.numpy() for w in model.weights], history.history["loss"]


@pytest.mark.parametrize("case", sorted(LOSSES))
def test_two_replicas_train_like_one_device(case):
    one_weights, one_loss = train(tf.distribute.get_strategy(), LOSSES[case])
    two_weights, two_loss = train(mirrored(), LOSSES[case])
    for one, two in zip(one_weights, two_weights):
        np.testing.assert_allclose(two, one, rtol=1e-5, atol=1e-6)
    # Keras multiplies the logged value back by the number of replicas: the logged
    # loss is the global-batch distance, as on one device.
    np.testing.assert_allclose(two_loss, one_loss, rtol=1e-5, atol=1e-6)
    assert not np.allclose(one_weights[0], INITIAL_WEIGHTS[0])  # training did happen


def test_local_mode_averages_the_per_replica_gradients():
    # cross_replica="local": each replica's MMD² on its own 4 samples, divided by 2;
    # Keras sums the gradients: one SGD step with the mean of the two shard gradients.
    weights, logged = train(mirrored(), lambda: losses.MMD(cross_replica="local"),
                            epochs=1)
    kernel = tf.Variable(INITIAL_WEIGHTS[0])
    bias = tf.Variable(INITIAL_WEIGHTS[1])
    shards = [(INPUTS[:4], TARGETS[:4]), (INPUTS[4:8], TARGETS[4:8])]
    with tf.GradientTape() as tape:
        values = [mmd(t, x @ kernel + bias) for x, t in shards]
        objective = 0.5 * (values[0] + values[1])
    grads = tape.gradient(objective, [kernel, bias])
    step1 = [v.numpy() - LEARNING_RATE * g.numpy()
             for v, g in zip((kernel, bias), grads)]
    # The second batch (rows 8..16) from the updated weights.
    kernel.assign(step1[0])
    bias.assign(step1[1])
    shards = [(INPUTS[8:12], TARGETS[8:12]), (INPUTS[12:], TARGETS[12:])]
    with tf.GradientTape() as tape:
        objective = 0.5 * sum(mmd(t, x @ kernel + bias) for x, t in shards)
    grads = tape.gradient(objective, [kernel, bias])
    expected = [v.numpy() - LEARNING_RATE * g.numpy()
                for v, g in zip((kernel, bias), grads)]
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert np.isfinite(logged[0])


def test_keras_does_not_scale_a_scalar_loss():
    # The fact behind the convention: a Loss whose call returns a scalar is neither
    # divided by the replica count nor averaged; the replicas' gradients are summed.
    # Computed on the gathered global batch without our 1/R, the step is 2x too big.
    # If Keras ever starts scaling scalars, this test fails and base.py must change.
    class Unscaled(keras.losses.Loss):
        def call(self, y_true, y_pred):
            context = tf.distribute.get_replica_context()
            if context is not None and context.num_replicas_in_sync > 1:
                y_true = tf.ensure_shape(context.all_gather(y_true, axis=0), [None, 2])
                y_pred = tf.ensure_shape(context.all_gather(y_pred, axis=0), [None, 2])
            return sliced_wasserstein(y_true, y_pred,
                                      projections=np.eye(2, dtype="float32"),
                                      return_power=True)

    # One SGD step: the update is linear in the gradient.
    one_weights, _ = train(tf.distribute.get_strategy(), Unscaled, epochs=1,
                           num_samples=8)
    two_weights, _ = train(mirrored(), Unscaled, epochs=1, num_samples=8)
    np.testing.assert_allclose(two_weights[0] - INITIAL_WEIGHTS[0],
                               2.0 * (one_weights[0] - INITIAL_WEIGHTS[0]),
                               rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
