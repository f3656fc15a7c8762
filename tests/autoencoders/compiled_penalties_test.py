"""`jit_penalties=True` in the autoencoder family: same numbers as off, deterministic.

  * on vs off: twin tiny models (SGD, so weights move by lr x gradient) take the same
    steps; weights and logged losses agree to float rounding (wae_mmd, wae_gan, and
    swae with each regularizer, whose directions are drawn from a stateless seed
    inside the compiled program: the draws must be the same under XLA);
  * on is deterministic: two fresh models from the zoo config's smoke variant
    (`otzoo.training.build`) take two steps on the same batches: bit-identical weights.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.models import MODELS
from otzoo.networks import mlp
from otzoo.training.build import build_model
from tests.training.common import smoke_config

WEIGHT_ATOL, LOSS_RTOL = 1e-5, 1e-4
# swae's regularizers, each with a few directions / ascent steps. The cubic gsw
# features make lambda = 10 diverge with SGD(0.05) (weights ~1e9): a smaller weight.
SWAE_OPTIONS = {
    "swae": {"num_projections": 7},
    "swae_gsw": {"regularizer": "gsw", "num_projections": 7, "penalty_weight": 0.1},
    "swae_max_sw": {"regularizer": "max_sw",
                    "regularizer_kwargs": {"num_steps": 3, "num_init_directions": 4}},
    "swae_max_gsw": {"regularizer": "max_gsw", "penalty_weight": 0.1,
                     "regularizer_kwargs": {"num_steps": 3, "num_init_directions": 4}},
    "swae_dsw": {"regularizer": "dsw", "num_projections": 7,
                 "regularizer_kwargs": {"num_steps": 3}},
}


def _toy_run(name, jit, steps=2):
    keras.utils.set_random_seed(0)
    networks = {"encoder": mlp(3, 2, (8,), name="encoder"),
                "decoder": mlp(2, 3, (8,), name="decoder")}
    if name == "wae_gan":
        networks["discriminator"] = mlp(2, 1, (8,), name="discriminator")
    options = dict(SWAE_OPTIONS.get(name, {}))
    if options:
        name = "swae"
    model = MODELS.get(name)(**networks, reconstruction="l2sq", jit_penalties=jit, seed=3,
                             **options)
    model.compile(**{f"{p}_optimizer": keras.optimizers.SGD(0.05)
                     for p in model.default_optimizers()})
    initial = [v.numpy() for v in model.trainable_variables]
    rng = np.random.default_rng(1)
    step = tf.function(model.train_step)
    for _ in range(steps):
        metrics = step(tf.constant(rng.normal(size=(32, 3)), tf.float32))
    return ({k: float(v) for k, v in metrics.items()},
            [v.numpy() for v in model.trainable_variables], initial)


@pytest.mark.parametrize("name", ["wae_mmd", "wae_gan"] + sorted(SWAE_OPTIONS))
def test_jit_on_matches_jit_off(name):
    off_metrics, off_weights, initial = _toy_run(name, jit=False)
    on_metrics, on_weights, _ = _toy_run(name, jit=True)
    for key in off_metrics:
        np.testing.assert_allclose(on_metrics[key], off_metrics[key], rtol=LOSS_RTOL,
                                   atol=1e-6, err_msg=key)
    for a, b in zip(on_weights, off_weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=WEIGHT_ATOL)
    moved = max(np.abs(a - b).max() for a, b in zip(off_weights, initial))
    assert moved > 100 * WEIGHT_ATOL, moved  # the steps moved the weights


def _smoke_run(name, batches):
    config = smoke_config(name, **{"model_kwargs.jit_penalties": True})
    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    model.build_networks(tuple(config.data.shape))
    model.compile(**dict(config.get("compile", {})))
    step = tf.function(model.train_step)
    for x in batches:
        step(tf.constant(x[:config.batch_size]))
    return [v.numpy() for v in model.variables]


@pytest.mark.parametrize("name", ["swae", "wae_gan", "wae_mmd"])
def test_jit_on_training_is_deterministic(name):
    shape = tuple(smoke_config(name).data.shape)
    batches = np.random.default_rng(0).uniform(0, 1, (2, 16) + shape).astype("float32")
    first, second = _smoke_run(name, batches), _smoke_run(name, batches)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
