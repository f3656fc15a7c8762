"""Every zoo config's variants: `paper` trains, defaults compile their penalties (but
the ones named in `UNCOMPILED`), and `select` cannot be called without the entry's paper
recipe.

Registry-driven: one case per file in `zoo_configs/` (zoo_configs.available()). The
paper variant's networks are the published sizes (up to 1024 channels), so each case
takes ONE train step (traced, as fit() runs it) on a batch of 2 random 28x28x1 images
per real batch it needs.
"""

import importlib

import numpy as np
import pytest
import tensorflow as tf

import zoo_configs
from otzoo.training import trainer
from zoo_configs import _common

ENTRIES = zoo_configs.available()

# Gulrajani et al. 2017, Algorithm 1's caption: "alpha = 0.0001, beta_1 = 0, beta_2 = 0.9".
WGAN_GP_ALGORITHM_1 = (1e-4, 0.0, 0.9)
# The default config's named deviation (zoo_configs/wgan_gp.py docstring): beta_1 = 0.5.
WGAN_GP_DEFAULT = (1e-4, 0.5, 0.9)


def _config(name, variant):
    return importlib.import_module(f"zoo_configs.{name}").get_config(variant)


def _model(config):
    return trainer.build_compiled_model(config, tf.distribute.get_strategy(),
                                        tuple(config.data.shape))


def _adam_values(model, player):
    optimizer = model.optimizer_for(player)
    assert type(optimizer).__name__ == "Adam"
    return (float(optimizer.learning_rate), float(optimizer.beta_1), float(optimizer.beta_2))


@pytest.mark.parametrize("name", ENTRIES)
def test_paper_variant_takes_a_train_step(name):
    config = _config(name, "paper")
    assert config.steps % config.steps_per_epoch == 0, (config.steps, config.steps_per_epoch)
    model = _model(config)
    batches = int(getattr(model, "real_batches_per_step", 1))
    low, high = config.data.options.value_range
    x = tf.random.stateless_uniform((2 * batches, *config.data.shape), seed=(1, 2),
                                    minval=low, maxval=high)
    before = [v.numpy().copy() for v in model.trainable_variables]
    # As fit() runs it: in a tf.function (an eager step would run compiled penalties
    # that fit() never runs eagerly).
    metrics = tf.function(model.train_step)(x)
    assert metrics and all(np.isfinite(float(v)) for v in metrics.values()), metrics
    moved = [not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables)]
    assert any(moved), "one paper-variant train step changed no weight"


@pytest.mark.parametrize("name", ENTRIES)
def test_paper_variant_differs_from_the_default(name):
    assert _config(name, "paper").to_dict() != _config(name, None).to_dict()


# Entries whose penalty is no OT penalty and runs faster uncompiled (their docstrings
# give the measurement): WGAN-GP's gradient penalty is a second backward pass through
# the convolutional critic.
UNCOMPILED = ("wgan_gp",)


@pytest.mark.parametrize("name", ENTRIES)
def test_default_config_compiles_its_penalties(name):
    config = _config(name, None)
    compiled = name not in UNCOMPILED
    assert config.model_kwargs.jit_penalties is compiled
    assert trainer.build_model(config).jit_penalties is compiled
    if not compiled:
        assert "not XLA-compiled" in importlib.import_module(f"zoo_configs.{name}").__doc__


def test_select_needs_the_paper_recipe():
    config = _common.base_config("gan", value_range=(-1, 1), steps=2)
    with pytest.raises(TypeError):
        _common.select(config, None)  # pylint: disable=no-value-for-parameter
    with pytest.raises(TypeError, match="paper function"):
        _common.select(config, "paper", None)
    with pytest.raises(ValueError, match="known: default, smoke, paper$"):
        _common.select(config, "huge", lambda c: c)
    assert _common.select(config, "paper", lambda c: "the recipe") == "the recipe"
    assert _common.select(config, None, lambda c: "the recipe") is config
    assert _common.VARIANTS == ("default", "smoke", "paper")


def test_wgan_gp_paper_variant_is_algorithm_1():
    model = _model(_config("wgan_gp", "paper"))
    for player in ("generator", "critic"):
        assert _adam_values(model, player) == pytest.approx(WGAN_GP_ALGORITHM_1)
    assert model.gp_weight == 10.0 and model.critic_steps == 5  # lambda, n_critic


def test_wgan_gp_default_is_its_named_deviation():
    module = importlib.import_module("zoo_configs.wgan_gp")
    assert "deviation" in module.__doc__ and "beta_1 = 0.5" in module.__doc__
    model = _model(module.get_config())
    for player in ("generator", "critic"):
        assert _adam_values(model, player) == pytest.approx(WGAN_GP_DEFAULT)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
