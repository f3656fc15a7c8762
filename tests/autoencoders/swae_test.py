"""SWAE: regularizer selection and validation, the penalty a step uses, DSW state."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.models.priors import seed_from_generator
from otzoo.models.swae import SWAE
from otzoo.networks import mlp
from otzoo.training.trainer import make_checkpoint
from otzoo.ot import (generalized_sliced_wasserstein, max_sliced_wasserstein,
                      random_directions, sliced_wasserstein)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3)).astype(np.float32)


def _swae(regularizer="sw", **kwargs):
    keras.utils.set_random_seed(0)
    kwargs.setdefault("reconstruction", "l2sq")
    return SWAE(mlp(3, 2, (16,)), mlp(2, 3, (16,)), regularizer=regularizer, seed=4,
                **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"regularizer": "sinkhorn"}, "unknown regularizer 'sinkhorn'; known: sw, max_sw"),
    ({"regularizer": "sw", "regularizer_kwargs": {"radius": 1.0}},
     "not options of 'sw'"),
    ({"regularizer": "max_sw", "num_projections": 10}, "num_projections does not apply"),
    ({"regularizer": "gsw", "regularizer_kwargs": {"degree": 2}}, "degree must be odd"),
    ({"regularizer": "gsw", "regularizer_kwargs": {"defining_function": "sigmoid"}},
     "defining_function"),
    ({"regularizer": "sw", "p": 0.5}, "p"),
    ({"regularizer": "dsw", "regularizer_kwargs": {"num_steps": -1}}, "num_steps"),
])
def test_bad_regularizer_options_fail_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _swae(**kwargs)


def _replayed_step(model):
    """Runs one train step with frozen weights; returns (metrics, codes, prior, seed)."""
    model.compile(autoencoder_optimizer=keras.optimizers.SGD(0.0))
    state = model.seed_generator.state.numpy()
    metrics = {k: float(v) for k, v in model.train_step(tf.constant(X)).items()}
    after = model.seed_generator.state.numpy()
    model.seed_generator.state.assign(state)  # replay: prior draw, then the step's seed
    prior = model.sample_prior(len(X))
    seed = seed_from_generator(model.seed_generator)
    model.seed_generator.state.assign(after)
    return metrics, model.encode(X), prior, seed


def test_sw_step_uses_sw2_squared_on_codes_and_the_prior_with_fresh_directions():
    model = _swae("sw", prior="ring")
    metrics, codes, prior, seed = _replayed_step(model)
    expected = sliced_wasserstein(codes, prior, 50, seed=seed, return_power=True)
    np.testing.assert_allclose(metrics["sw"], float(expected), rtol=1e-5)
    np.testing.assert_allclose(metrics["loss"], metrics["reconstruction_loss"]
                               + 10.0 * metrics["sw"], rtol=1e-5)
    # The next step draws new directions (the generator advanced).
    assert not np.isclose(metrics["sw"], float(model.train_step(tf.constant(X))["sw"]))


def test_gsw_step_uses_the_generalized_slices():
    model = _swae("gsw", num_projections=20,
                  regularizer_kwargs={"defining_function": "circular", "radius": 1.5})
    metrics, codes, prior, seed = _replayed_step(model)
    expected = generalized_sliced_wasserstein(codes, prior, "circular", 20, radius=1.5,
                                              seed=seed, return_power=True)
    np.testing.assert_allclose(metrics["sw"], float(expected), rtol=1e-5)


def test_max_sw_step_uses_the_maximising_direction():
    model = _swae("max_sw")
    metrics, codes, prior, seed = _replayed_step(model)
    expected, direction = max_sliced_wasserstein(codes, prior, seed=seed,
                                                 return_power=True)
    np.testing.assert_allclose(metrics["sw"], float(expected), rtol=1e-5)
    # max-SW_2^2 >= SW_2^2 (a max over directions exceeds their mean).
    average = sliced_wasserstein(codes, prior, 200, seed=0, return_power=True)
    assert metrics["sw"] > float(average)


def test_dsw_keeps_and_updates_its_direction_map():
    model = _swae("dsw", num_projections=30, regularizer_kwargs={"num_steps": 4,
                                                                 "learning_rate": 0.05})
    slicer = model.slicer
    assert slicer.hyperparameters["num_projections"] == 30
    # f and its Adam state are model weights, not trained by the autoencoder optimizer.
    assert all(any(w is v for v in model.non_trainable_weights) for w in slicer.weights)
    assert not any(any(w is v for v in model.autoencoder_variables)
                   for w in slicer.weights)
    kernel_before = slicer.kernel.numpy()
    metrics, codes, prior, seed = _replayed_step(model)
    assert not np.allclose(slicer.kernel.numpy(), kernel_before)  # the ascent ran
    np.testing.assert_allclose(float(slicer.adam_state[-1]), 4.0)  # Adam steps taken
    # The penalty is SW_2^2 along the *updated* f's directions on the ascent's theta_0.
    theta0 = random_directions(2, 30, seed=seed)
    expected = sliced_wasserstein(codes, prior, projections=slicer.directions(theta0),
                                  return_power=True)
    np.testing.assert_allclose(metrics["sw"], float(expected), rtol=1e-5)


def _checkpoint_round_trip(tmp_path, weights):
    model = _swae("dsw", num_projections=10, regularizer_kwargs={"num_steps": 2})
    model.compile()
    model.train_step(tf.constant(X))
    # What the trainer saves: every model variable listed explicitly (Keras 3 objects are
    # only partly visible to tf.train.Checkpoint's object graph).
    checkpoint = make_checkpoint(model, tf.Variable(0, dtype=tf.int64))
    path = checkpoint.save(str(tmp_path / "ckpt"))
    saved = [w.numpy() for w in weights(model.slicer)]
    model.train_step(tf.constant(X))
    assert not np.allclose(weights(model.slicer)[0].numpy(), saved[0])
    checkpoint.restore(path)
    for w, value in zip(weights(model.slicer), saved):
        np.testing.assert_array_equal(w.numpy(), value, err_msg=w.path)


def test_dsw_direction_map_is_checkpointed(tmp_path):
    _checkpoint_round_trip(tmp_path, lambda slicer: [slicer.kernel, slicer.bias])


def test_dsw_adam_state_is_checkpointed(tmp_path):
    _checkpoint_round_trip(tmp_path, lambda slicer: list(slicer.adam_state))


def test_default_recipe_is_the_authors_code():
    model = SWAE(mlp(3, 2, (8,)), mlp(2, 3, (8,), output_activation="sigmoid"))
    assert (model.regularizer, model.num_projections, model.p, model.penalty_weight,
            model.reconstruction, model.reconstruction_reduction) == (
            "sw", 50, 2, 10.0, "bce+l1", "mean")
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
