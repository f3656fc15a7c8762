"""A NaN in a loss stops training with a message naming the step and the metric; the
last good checkpoint stays loadable (and finite)."""

import os

import numpy as np
import pytest
import tensorflow as tf

from otzoo.models import MODELS
from otzoo.models.swgan import SWGAN
from otzoo.training import callbacks, strategies, trainer
from tests.training import common

POISON_FROM_STEP = 3  # the 3rd train step turns the weights and the loss into NaN


class NaNSWGAN(SWGAN):
    """SWGAN whose weights and loss become NaN from a given step on."""

    def train_step(self, data):
        logs = super().train_step(data)
        poisoned = self.optimizer.iterations >= POISON_FROM_STEP
        for v in self.generator.trainable_variables:
            v.assign(tf.where(poisoned, tf.fill(tf.shape(v), np.nan), v))
        loss = tf.where(poisoned, tf.constant(np.nan, tf.float32), logs["sw_loss"])
        self.trackers["sw_loss"].reset_state()
        return self.update_metrics({"sw_loss": loss})


def test_nan_stops_with_step_and_metric_and_keeps_last_good_checkpoint(tmp_path):
    if "test_nan_swgan" not in MODELS:  # (the file may be imported twice: as __main__)
        MODELS.register("test_nan_swgan")(NaNSWGAN)
    config = common.smoke_config("swgan", model="test_nan_swgan", steps=6,
                                 steps_per_epoch=1, sample_grids=False)
    with pytest.raises(callbacks.NonFiniteLossError) as err:
        trainer.train(config, str(tmp_path), strategies.make_strategy("one_device"),
                      verbose=0)
    message = str(err.value)
    assert f"training step {POISON_FROM_STEP}" in message and "sw_loss" in message
    assert "ckpt-2" in message  # names the last good checkpoint

    latest = tf.train.latest_checkpoint(os.path.join(tmp_path, "checkpoints"))
    assert latest.endswith("ckpt-2")
    model, step = trainer.restore_latest(config, str(tmp_path),
                                         strategies.make_strategy("one_device"))
    assert step == 2
    for v in model.generator.trainable_variables:
        assert np.all(np.isfinite(v.numpy())), v.path
    z = model.sample_prior_stateless(4, [0, 0])
    assert np.all(np.isfinite(model.sample(z).numpy()))


if __name__ == "__main__":
    import sys
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
