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

from otzoo.models import MODELS  # noqa: E402
from otzoo.models.autoencoder import Autoencoder  # noqa: E402
from otzoo.networks import mlp  # noqa: E402

DATA_DIM, LATENT_DIM, BATCH = 3, 2, 8

# Every registered autoencoder runs with its own `test_options` (few projections / ascent
# steps: the check is about distribution, not accuracy), or its defaults if it has none.
AUTOENCODERS = {name: MODELS.get(name) for name in MODELS.names()
                if issubclass(MODELS.get(name), Autoencoder)}
# On top: one case per distinct mechanism (see the test below); "model:variant" cases
# add to the model's own.
VARIANTS = {
    "vae": dict(likelihood="gaussian"),
    "wae_gan": dict(gaussian_encoder=True),
    "wae_mmd": dict(gaussian_encoder=True),
    "swae": dict(prior="ring"),  # regularizer "sw"
    "swae:max_gsw": dict(prior="ring", regularizer="max_gsw", num_projections=None,
                         regularizer_kwargs={"defining_function": "poly", "num_steps": 5,
                                             "num_init_directions": 4}),
    "swae:dsw": dict(prior="ring", regularizer="dsw",
                     regularizer_kwargs={"num_steps": 3, "learning_rate": 0.01}),
}
CASES = sorted(set(AUTOENCODERS) | set(VARIANTS))


def _factory(case, jit, **overrides):
    cls = AUTOENCODERS[case.split(":")[0]]
    options = {**cls.test_options, **VARIANTS.get(case, {}), **overrides}
    gaussian = cls.requires_gaussian_encoder or options.get("gaussian_encoder", False)

    def make():
        keras.utils.set_random_seed(1)
        encoder = mlp(DATA_DIM, 2 * LATENT_DIM if gaussian else LATENT_DIM, (16,),
                      name="encoder")
        decoder = mlp(LATENT_DIM, DATA_DIM, (16,), name="decoder")
        others = {role: mlp(LATENT_DIM, 1, (16,), name=role) for role in cls.network_roles}
        model = cls(encoder, decoder, **others, jit_penalties=jit, seed=3, **options)
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
# (swae), an inner ascent on a generalized slice (swae:max_gsw), a stateful slicer
# updated on every replica (swae:dsw); and every other registered autoencoder.
@pytest.mark.parametrize("name", CASES)
def test_two_replicas_match_one_device(name):
    result = testing.assert_replicas_agree(_factory(name, jit=False), _batches(2),
                                           rtol=1e-4, atol=1e-5)
    metrics, _ = result["multi"]
    assert all(np.isfinite(v) for step in metrics for v in step.values())


def test_two_replicas_match_one_device_through_keras_fit():
    # Keras' own distribution path (dataset splitting, fit's replica function).
    testing.assert_replicas_agree(_factory("swae:dsw", jit=False), _batches(2), rtol=1e-4,
                                  atol=1e-5, via_fit=True)


@pytest.mark.parametrize("name", ["wae_gan", "swae"])
def test_two_replicas_match_one_device_with_xla_penalties(name):
    testing.assert_replicas_agree(_factory(name, jit=True), _batches(1), rtol=1e-4,
                                  atol=1e-5)


@pytest.mark.parametrize("name", ["vae", "wae_gan"])
def test_two_replicas_match_one_device_with_weight_averaging(name):
    # The decoder's averages are model weights: `model_state` compares them with the
    # rest (wae_gan: the average moves with the autoencoder player only).
    result = testing.assert_replicas_agree(_factory(name, jit=False, ema_decay=0.9),
                                           _batches(2), rtol=1e-4, atol=1e-5)
    assert any("/ema_decoder_" in key for key in result["multi"][1])


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
