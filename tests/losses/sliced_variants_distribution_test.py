"""otzoo.losses.sliced_variants under tf.distribute: 2 replicas train exactly like 1 device.

The two logical CPU devices come from tests/conftest.py.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo import losses, testing

LEARNING_RATE = 0.1
rng = np.random.default_rng(0)
INPUTS = rng.normal(size=(16, 3)).astype(np.float32)
TARGETS = (rng.normal(size=(16, 2)) + 1.0).astype(np.float32)
INITIAL_WEIGHTS = [rng.normal(size=(3, 2)).astype(np.float32),
                   rng.normal(size=(2,)).astype(np.float32)]

LOSSES = {
    "ebsw": lambda: losses.EnergyBasedSlicedWasserstein(num_projections=16, seed=3),
    "rpsw": lambda: losses.RandomPathSlicedWasserstein(num_projections=16, kappa=10.0,
                                                       importance_weighted=True, seed=3),
    "msw": lambda: losses.MarkovianSlicedWasserstein(
            num_chains=4, num_steps=3, transition="input_aware_random_walk", seed=3),
    "cvsw": lambda: losses.ControlVariateSlicedWasserstein(num_projections=16, seed=3),
    "gasw": lambda: losses.GaussianApproximationSlicedWasserstein(),
}


def train(strategy, make_loss, epochs=2):
    """Global batch 8 (4 per replica with 2 replicas), plain SGD, no shuffling."""
    with strategy.scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.set_weights(INITIAL_WEIGHTS)
        # The loss is created in the scope, like the model: its seed state is mirrored.
        model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss=make_loss(),
                      jit_compile=False)
    history = model.fit(INPUTS, TARGETS, batch_size=8, epochs=epochs, shuffle=False,
                        verbose=0)
    return [w.numpy() for w in model.weights], history.history["loss"]


@pytest.mark.parametrize("case", sorted(LOSSES))
def test_two_replicas_train_like_one_device(case):
    one_weights, one_loss = train(tf.distribute.get_strategy(), LOSSES[case])
    two_weights, two_loss = train(testing.mirrored_strategy(2), LOSSES[case])
    for one, two in zip(one_weights, two_weights):
        np.testing.assert_allclose(two, one, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(two_loss, one_loss, rtol=1e-5, atol=1e-6)
    assert not np.allclose(one_weights[0], INITIAL_WEIGHTS[0])  # training did happen
