"""A NaN or Inf stops training with a message naming the step and the metric or variable;
nothing non-finite is checkpointed or exported, and the last good checkpoint stays
loadable (and finite).

Faults are injected by test-only subclasses of zoo models (`poisoned`), registered under
their own names and selected with `config.model`.
"""

import glob
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from otzoo.models import MODELS
from otzoo.models.gan import GAN
from otzoo.models.swgan import SWGAN
from otzoo.models.wae_mmd import WAEMMD
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


def poisoned(base, step, value, metric=None, variable=None):
    """`base` whose logged `metric`, or one `variable(model)`, becomes `value` at `step`.

    The train step runs unchanged first, so a poisoned variable leaves that step's
    logged losses finite (they were computed before the update): only a check of the
    weights can see it. `optimizer.iterations` counts the main player's steps, one per
    train step.
    """

    class Poisoned(base):
        def train_step(self, data):
            logs = super().train_step(data)
            hit = tf.equal(self.optimizer.iterations, step)
            if variable is not None:
                v = variable(self)
                v.assign(tf.where(hit, tf.fill(tf.shape(v), value), v))
            if metric is not None:
                tracker = self.trackers[metric]
                bad = tf.where(hit, tf.constant(value, tf.float32), logs[metric])
                tracker.reset_state()
                tracker.update_state(bad)
                logs = dict(logs, **{metric: tracker.result()})
            return logs

    return Poisoned


def _generator_kernel(model):
    return model.generator.trainable_variables[0]


def _moving_variance(model):
    return [v for v in model.generator.non_trainable_variables
            if v.path.endswith("moving_variance")][0]


def _adam_momentum(model):
    return [v for v in model.optimizer_for("generator").variables
            if v.path.endswith("momentum")][0]


# name: (zoo config, class, poisoned step, value, metric, variable, expected label)
METRIC_CASES = {
    "test_nan_sw_loss": ("swgan", SWGAN, 3, np.nan, "sw_loss"),
    "test_inf_sw_loss": ("swgan", SWGAN, 3, np.inf, "sw_loss"),
    "test_inf_discriminator_loss": ("gan", GAN, 3, np.inf, "discriminator_loss"),
    "test_neg_inf_wae_loss": ("wae_mmd", WAEMMD, 3, -np.inf, "loss"),
}
# Poisoned at step 4, the last of the second epoch (steps_per_epoch=2): the step's loss
# is finite and only the check before the save of ckpt-4 can catch it.
VARIABLE_CASES = {
    "test_inf_generator_kernel": (_generator_kernel, "generator/project/kernel"),
    "test_inf_moving_variance": (_moving_variance, "generator/norm_project/moving_variance"),
    "test_inf_adam_momentum": (_adam_momentum, "generator optimizer adam"),
}
VARIABLE_STEP = 4


def register_test_models():
    """Registers every poisoned model (also called by the CLI subprocess below)."""
    if "test_nan_swgan" not in MODELS:  # (the file may be imported twice: as __main__)
        MODELS.register("test_nan_swgan")(NaNSWGAN)
    for name, (_, base, step, value, metric) in METRIC_CASES.items():
        if name not in MODELS:
            MODELS.register(name)(poisoned(base, step, value, metric=metric))
    for name, (variable, _) in VARIABLE_CASES.items():
        if name not in MODELS:
            MODELS.register(name)(poisoned(SWGAN, VARIABLE_STEP, np.inf, variable=variable))


def _checkpoint_files(workdir):
    return sorted(os.path.basename(p) for p in
                  glob.glob(os.path.join(workdir, "checkpoints", "ckpt-*")))


def _assert_all_finite(checkpoint_path):
    reader = tf.train.load_checkpoint(checkpoint_path)
    floats = 0
    for name in reader.get_variable_to_shape_map():
        value = reader.get_tensor(name)
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
            floats += 1
            assert np.all(np.isfinite(value)), f"{name} in {checkpoint_path}"
    assert floats > 10, floats  # weights and optimizer slots, not just counters


def test_nan_stops_with_step_and_metric_and_keeps_last_good_checkpoint(tmp_path):
    register_test_models()
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


@pytest.mark.parametrize("name", sorted(METRIC_CASES))
def test_non_finite_metric_stops_mid_epoch(name, tmp_path):
    """NaN, +Inf and -Inf, in a GAN's discriminator loss and an autoencoder's loss too;
    step 3 is inside the second epoch, so only the per-batch check sees it in time."""
    register_test_models()
    zoo_name, _, step, value, metric = METRIC_CASES[name]
    config = common.smoke_config(zoo_name, model=name, steps=6, steps_per_epoch=2,
                                 sample_grids=False)
    with pytest.raises(callbacks.NonFiniteLossError) as err:
        trainer.train(config, str(tmp_path), strategies.make_strategy("one_device"),
                      verbose=0)
    message = str(err.value)
    # The trainer runs the 2 steps of an epoch in one call: step 3 is caught at step 4's
    # end, in the epoch's running mean.
    assert trainer.resolve_steps_per_execution(None, 2) == 2
    assert (f"non-finite {metric} = {value} at training step {step + 1}, the last of "
            f"steps {step}-{step + 1} run in one call") in message, message
    assert message.endswith("ckpt-2"), message
    latest = tf.train.latest_checkpoint(os.path.join(tmp_path, "checkpoints"))
    assert latest.endswith("ckpt-2"), latest
    assert not [f for f in _checkpoint_files(tmp_path) if f.startswith("ckpt-4")]
    _assert_all_finite(latest)


@pytest.mark.parametrize("name", sorted(VARIABLE_CASES))
def test_finite_loss_with_non_finite_variable_is_never_checkpointed(name, tmp_path):
    """A trainable weight, a batch-norm statistic or an optimizer slot turned Inf by the
    last step of an epoch, whose logged loss is finite: caught before the save."""
    register_test_models()
    label = VARIABLE_CASES[name][1]
    config = common.smoke_config("swgan", model=name, steps=6, steps_per_epoch=2,
                                 sample_grids=False)
    with pytest.raises(callbacks.NonFiniteLossError) as err:
        trainer.train(config, str(tmp_path), strategies.make_strategy("one_device"),
                      verbose=0)
    message = str(err.value)
    assert f"non-finite values in variable {label}" in message, message
    assert f"after training step {VARIABLE_STEP}," in message, message
    assert "sw_loss" not in message, message  # the step's logged loss was finite
    assert message.endswith("ckpt-2"), message
    assert tf.train.latest_checkpoint(str(tmp_path / "checkpoints")).endswith("ckpt-2")
    # Nothing of ckpt-4 reached the disk, not even files the state file does not name.
    assert not [f for f in _checkpoint_files(tmp_path) if f.startswith("ckpt-4")]
    _assert_all_finite(str(tmp_path / "checkpoints" / "ckpt-2"))


def test_cli_exports_nothing_when_stopped(tmp_path):
    """The train command fails and writes no export when the guard stops the run."""
    script = ("import sys; from tests.training import nan_guard_test as t; "
              "t.register_test_models(); sys.argv[0] = 'otzoo-train'; "
              "from otzoo import train; train.run()")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, "-c", script, "--model=swgan", "--variant=smoke",
         "--config.model=test_inf_generator_kernel", f"--workdir={tmp_path / 'w'}",
         f"--export_dir={tmp_path / 'exp'}", "--steps=6", "--config.steps_per_epoch=2",
         "--config.sample_grids=false", "--verbose=2"],
        env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "NonFiniteLossError" in proc.stderr, proc.stderr[-3000:]
    assert "generator/project/kernel after training step 4" in proc.stderr, proc.stderr[-3000:]
    assert "otzoo: exported" not in proc.stdout
    exported = [os.path.relpath(p, tmp_path) for p in glob.glob(str(tmp_path / "exp" / "**"),
                                                                recursive=True)]
    assert not [p for p in exported if p.endswith(("saved_model.pb", "models.config"))], \
        exported
    assert _checkpoint_files(tmp_path / "w")  # it did train and checkpoint before stopping


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
