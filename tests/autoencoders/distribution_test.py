"""One train step on 2 replicas equals the one-device step on the same global batch.

For every autoencoder (VAE, WAE-GAN, WAE-MMD, SWAE): losses and every updated weight,
optimizer slot and the seed-generator state agree to float tolerance between a
MirroredStrategy over 2 logical CPUs and one device. The MMD and SW penalties are
computed on the global batch, and encoder noise / prior draws come from one global draw
sliced per replica, so the two runs are the same computation up to summation order.
"""

from otzoo import testing

testing.split_cpu_into_logical_devices(2)  # before any TensorFlow op

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from otzoo.models.vae import VAE  # noqa: E402
from otzoo.models.wae_gan import WAEGAN  # noqa: E402
from otzoo.models.wae_mmd import WAEMMD  # noqa: E402
from otzoo.networks import mlp  # noqa: E402

DATA_DIM, LATENT_DIM, BATCH = 3, 2, 8


def _nets(encoder_out, discriminator=False):
    keras.utils.set_random_seed(1)
    nets = [mlp(DATA_DIM, encoder_out, (16,), name="encoder"),
            mlp(LATENT_DIM, DATA_DIM, (16,), name="decoder")]
    if discriminator:
        nets.append(mlp(LATENT_DIM, 1, (16,), name="discriminator"))
    return nets


# Few projections / ascent steps: the check is about distribution, not accuracy.
SWAE_OPTIONS = {
    "sw": dict(num_projections=7),
    "max_gsw": dict(regularizer_kwargs={"defining_function": "poly", "num_steps": 5,
                                        "num_init_directions": 4}),
    "dsw": dict(num_projections=7, regularizer_kwargs={"num_steps": 3,
                                                       "learning_rate": 0.01}),
}


def _factory(name, jit):
    def make():
        if name == "vae":
            model = VAE(*_nets(2 * LATENT_DIM), likelihood="gaussian",
                        jit_penalties=jit, seed=3)
        elif name == "wae_gan":
            model = WAEGAN(*_nets(2 * LATENT_DIM, discriminator=True),
                           gaussian_encoder=True, jit_penalties=jit, seed=3)
        elif name == "wae_mmd":
            model = WAEMMD(*_nets(2 * LATENT_DIM), gaussian_encoder=True,
                           jit_penalties=jit, seed=3)
        else:
            from otzoo.models.swae import SWAE
            regularizer = name.split(":")[1]
            model = SWAE(*_nets(LATENT_DIM), regularizer=regularizer, prior="ring",
                         reconstruction="l2sq", jit_penalties=jit, seed=3,
                         **SWAE_OPTIONS[regularizer])
        # SGD keeps the comparison sharp: Adam's normalisation would hide a wrong scale.
        model.compile(**{f"{player}_optimizer": keras.optimizers.SGD(0.1)
                         for player in model.default_optimizers()})
        return model

    return make


def _batches(num):
    rng = np.random.default_rng(0)
    return [rng.normal(size=(BATCH, DATA_DIM)).astype("float32") for _ in range(num)]


# One case per distinct mechanism: encoder noise (vae), two optimizers and per-replica
# prior slices (wae_gan), a global kernel penalty (wae_mmd), global random directions
# (swae:sw), an inner ascent on a generalized slice (swae:max_gsw), a stateful slicer
# updated on every replica (swae:dsw).
@pytest.mark.parametrize("name", ["vae", "wae_gan", "wae_mmd", "swae:sw", "swae:max_gsw",
                                  "swae:dsw"])
def test_two_replicas_match_one_device(name):
    result = testing.assert_replicas_agree(_factory(name, jit=False), _batches(2),
                                           rtol=1e-4, atol=1e-5)
    metrics, _ = result["multi"]
    assert all(np.isfinite(v) for step in metrics for v in step.values())


def test_two_replicas_match_one_device_through_keras_fit():
    # Keras' own distribution path (dataset splitting, fit's replica function).
    testing.assert_replicas_agree(_factory("swae:dsw", jit=False), _batches(2), rtol=1e-4,
                                  atol=1e-5, via_fit=True)


@pytest.mark.parametrize("name", ["wae_gan", "swae:sw"])
def test_two_replicas_match_one_device_with_xla_penalties(name):
    testing.assert_replicas_agree(_factory(name, jit=True), _batches(1), rtol=1e-4,
                                  atol=1e-5)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
