"""Keras callbacks of the training loop: checkpoints, a NaN guard, sample grids."""

import math
import os
import signal
import time

import keras
import numpy as np
import tensorflow as tf

from otzoo.training import images


class NonFiniteLossError(RuntimeError):
    """A loss or metric became NaN or Inf; the message names the step and the metric."""


class NonFiniteGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite logged value, before it is checkpointed.

    Batch-end callbacks run before the epoch-end checkpoint, so the last checkpoint on
    disk always holds finite weights.
    """

    def __init__(self, first_step, steps_per_epoch, checkpoint_manager):
        super().__init__()
        self.first_step = first_step
        self.steps_per_epoch = steps_per_epoch
        self.manager = checkpoint_manager
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            value = float(np.asarray(value))
            if not math.isfinite(value):
                step = self._epoch * self.steps_per_epoch + batch + 1
                raise NonFiniteLossError(
                    f"non-finite {name} = {value} at training step {step}; stopped. "
                    f"The last good checkpoint is {self.manager.latest_checkpoint}")


class CheckpointEveryEpoch(keras.callbacks.Callback):
    """Saves model, optimizers, seed state and the step counter at the end of each epoch.

    An epoch is `steps_per_epoch` training steps, so this is "every N steps". With
    `wall_time` (a float64 variable in the checkpoint), the training wall time summed
    over every run that reached a checkpoint is saved too.
    """

    def __init__(self, manager, step_variable, steps_per_epoch, enabled=True,
                 wall_time=None):
        super().__init__()
        self.manager = manager
        self.step = step_variable
        self.steps_per_epoch = steps_per_epoch
        self.enabled = enabled
        self.wall_time = wall_time

    def on_train_begin(self, logs=None):
        self._started = time.time()
        self._wall_before = float(self.wall_time.numpy()) if self.wall_time is not None else 0.0

    def on_epoch_end(self, epoch, logs=None):
        self.step.assign((epoch + 1) * self.steps_per_epoch)
        if self.wall_time is not None:
            self.wall_time.assign(self._wall_before + time.time() - self._started)
        # Every worker calls save (MultiWorkerMirroredStrategy needs all of them);
        # non-chief workers write to a scratch directory.
        self.manager.save(checkpoint_number=int(self.step.numpy()))


class SampleGrid(keras.callbacks.Callback):
    """Writes a sample grid (and reconstructions for autoencoders) every epoch.

    The latent codes are fixed, so successive grids show the same samples evolving.
    PNGs go to the workdir (`samples.png`, `reconstructions.png`), and images to
    TensorBoard.
    """

    def __init__(self, workdir, value_range, num_samples=64, eval_images=None,
                 summary_dir=None, seed=1234, enabled=True):
        super().__init__()
        self.workdir = workdir
        self.value_range = value_range
        self.num_samples = num_samples
        self.eval_images = eval_images
        self.enabled = enabled
        self.seed = seed
        self.writer = tf.summary.create_file_writer(summary_dir) if summary_dir else None
        self._z = None

    def _latent(self):
        if self._z is None:
            self._z = self.model.sample_prior_stateless(self.num_samples, [self.seed, 0])
        return self._z

    def on_epoch_end(self, epoch, logs=None):
        if not self.enabled:
            return
        step = (epoch + 1) * self.params.get("steps", 1)
        grids = {"samples": np.asarray(self.model.sample(self._latent()))}
        if self.eval_images is not None and hasattr(self.model, "encode"):
            originals = self.eval_images[: self.num_samples // 2]
            recon = np.asarray(self.model(originals, training=False))
            # Originals and reconstructions interleaved row by row.
            grids["reconstructions"] = np.concatenate(
                [np.stack([o, r]) for o, r in zip(originals, recon)])
        for name, batch in grids.items():
            grid = images.make_grid(batch, self.value_range)
            images.save_png(grid, os.path.join(self.workdir, f"{name}.png"))
            if self.writer is not None:
                with self.writer.as_default():
                    tf.summary.image(name, grid[None], step=step)
        if self.writer is not None:
            self.writer.flush()


class SigkillAtStep(keras.callbacks.Callback):
    """Fault injection for the resume tests: SIGKILLs this process after a given step.

    Enabled only by the environment variable `OTZOO_FAULT_SIGKILL_AT_STEP`; the kill
    lands mid-epoch, between checkpoints, like a crash or an OOM kill would.
    """

    ENV = "OTZOO_FAULT_SIGKILL_AT_STEP"

    def __init__(self, steps_per_epoch):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.kill_at = int(os.environ.get(self.ENV, "0") or 0)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.kill_at and self._epoch * self.steps_per_epoch + batch + 1 == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
