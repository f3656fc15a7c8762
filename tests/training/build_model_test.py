"""A config becomes a built, compiled model: networks, model and optimizer overrides."""

import sys

import numpy as np
import pytest
import tensorflow as tf

from otzoo.training import trainer
from tests.training.common import smoke_config


def test_optimizer_override_from_the_config_is_applied():
    # Configs hold overrides as ConfigDicts (what --config.compile... and the zoo files
    # write); Keras' optimizers.get only takes plain dicts.
    config = smoke_config("swgan", **{"compile.generator_optimizer": {
        "class_name": "Adam", "config": {"learning_rate": 5e-4, "beta_1": 0.5}}})
    model = trainer.build_compiled_model(config, tf.distribute.get_strategy(),
                                         tuple(config.data.shape))
    optimizer = model.optimizer_for("generator")
    assert type(optimizer).__name__ == "Adam"
    np.testing.assert_allclose(float(optimizer.learning_rate), 5e-4)
    np.testing.assert_allclose(float(optimizer.beta_1), 0.5)


def test_paper_default_optimizers_without_override():
    config = smoke_config("gan")  # DCGAN recipe: Adam(2e-4, beta_1=0.5) for both players
    model = trainer.build_compiled_model(config, tf.distribute.get_strategy(),
                                         tuple(config.data.shape))
    for player in ("generator", "discriminator"):
        optimizer = model.optimizer_for(player)
        np.testing.assert_allclose(float(optimizer.learning_rate), 2e-4)
        np.testing.assert_allclose(float(optimizer.beta_1), 0.5)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
