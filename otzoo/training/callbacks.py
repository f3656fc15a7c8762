"""Keras callbacks of the training loop: checkpoints, a NaN guard, sample grids."""

import contextlib
import os
import resource
import signal
import time

import keras
import numpy as np
import tensorflow as tf

from otzoo.training import images


class NonFiniteLossError(RuntimeError):
    """A logged loss or metric, or a variable about to be checkpointed, became NaN or Inf.

    The message names the training step and the metric or variable.
    """


class NonFiniteGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite logged value or checkpointed variable.

    Two checks, so that nothing non-finite is ever checkpointed (or exported, which
    happens only after training returns):

    * after every `train_function` call, the logged values (batch-end callbacks run
      before the epoch-end checkpoint). They are the models' running means over the
      epoch so far, so a non-finite value at any step of a call of several steps
      (`steps_per_call`; calls do not cross epochs) still shows at the call's end, and
      the message names the call's steps;
    * before every checkpoint save (`check_variables`, called by `CheckpointEveryEpoch`),
      every variable the checkpoint holds: a step whose loss is finite can still write
      Inf into a weight (an exploding update) or an optimizer slot.

    Args:
      first_step: the step this run starts from (for the messages).
      steps_per_epoch: training steps per Keras epoch (the checkpoint interval).
      checkpoint_manager: its `latest_checkpoint` is named as the last good one.
      variables: [(label, variable)] to check before each save, e.g. from
        `otzoo.training.trainer.checkpoint_variables`.
      steps_per_call: train steps per Keras `train_function` call (its
        `steps_per_execution`).
    """

    def __init__(self, first_step, steps_per_epoch, checkpoint_manager, variables=(),
                 steps_per_call=1):
        super().__init__()
        self.steps_per_call = int(steps_per_call)
        self.first_step = first_step
        self.steps_per_epoch = steps_per_epoch
        self.manager = checkpoint_manager
        # Integer variables (step counters, seed state) cannot be non-finite.
        self.variables = [(label, v) for label, v in variables if v.dtype.is_floating]
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _stop(self, what):
        raise NonFiniteLossError(
            f"{what}; stopped. The last good checkpoint is {self.manager.latest_checkpoint}")

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            value = np.asarray(value)
            if not np.all(np.isfinite(value)):
                step = self._epoch * self.steps_per_epoch + batch + 1
                shown = value.item() if value.size == 1 else value  # [1] under multi-worker
                where = (f"training step {step}" if self.steps_per_call == 1 else
                         f"training step {step}, the last of steps "
                         f"{step - self.steps_per_call + 1}-{step} run in one call (one of "
                         f"them made it non-finite)")
                self._stop(f"non-finite {name} = {shown} at {where}")

    def check_variables(self, step):
        """Raises `NonFiniteLossError` naming the first non-finite variable, if any.

        One fused reduction per variable and a single device-to-host copy, once per
        checkpoint: negligible next to writing the checkpoint.
        """
        if not self.variables:
            return
        finite = tf.stack([tf.reduce_all(tf.math.is_finite(v)) for _, v in self.variables])
        finite = np.asarray(finite)
        if finite.all():
            return
        bad = [label for (label, _), ok in zip(self.variables, finite) if not ok]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        self._stop(f"non-finite values in variable {bad[0]}{more} after training step "
                   f"{step}, found before writing its checkpoint")


class KillInSave:
    """Fault injection for the fault tests: kills this process inside a checkpoint save.

    Enabled only by the environment variable `OTZOO_FAULT_KILL_IN_SAVE=<step>:<phase>`,
    at the save of training step `<step>`:

    * `data`: while the checkpoint's data file is being written. A file-size limit
      (RLIMIT_FSIZE) of half the previous checkpoint's data file makes the kernel kill
      the process with SIGXFSZ in the middle of the write, a torn file on disk.
    * `state`: after the checkpoint's files are complete, before the `checkpoint` state
      file names it (a write callback of `CheckpointManager.save` runs first; SIGKILL).
    """

    ENV = "OTZOO_FAULT_KILL_IN_SAVE"
    PHASES = ("data", "state")

    def __init__(self, step, phase):
        if phase not in self.PHASES:
            raise ValueError(f"{self.ENV}: phase must be one of {self.PHASES}, got {phase!r}")
        self.step, self.phase = int(step), phase

    @classmethod
    def from_env(cls):
        value = os.environ.get(cls.ENV, "")
        if not value:
            return None
        step, _, phase = value.partition(":")
        return cls(step, phase)

    def save(self, manager, checkpoint_number):
        """`manager.save(checkpoint_number)`, killed at the configured point."""
        if checkpoint_number != self.step:
            return manager.save(checkpoint_number=checkpoint_number)
        if self.phase == "state":
            def kill():
                os.kill(os.getpid(), signal.SIGKILL)
            options = tf.train.CheckpointOptions(experimental_write_callbacks=[kill])
            return manager.save(checkpoint_number=checkpoint_number, options=options)
        previous = manager.latest_checkpoint
        size = os.path.getsize(previous + ".data-00000-of-00001") if previous else 2
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it by default
        resource.setrlimit(resource.RLIMIT_FSIZE,
                           (size // 2, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        manager.save(checkpoint_number=checkpoint_number)
        raise AssertionError(f"{self.ENV}: the save of step {self.step} was not killed")


class CheckpointEveryEpoch(keras.callbacks.Callback):
    """Saves model, optimizers, seed state and the step counter at the end of each epoch.

    An epoch is `steps_per_epoch` training steps, so this is "every N steps". With
    `wall_time` (a float64 variable in the checkpoint), the training wall time summed
    over every run that reached a checkpoint is saved too: the restored value plus this
    run's time from `on_train_begin` to the save (time after the last checkpoint of a
    killed run is lost with it).

    Args:
      manager: the `tf.train.CheckpointManager`.
      step_variable: int64 variable of the checkpoint, set to the step before each save.
      steps_per_epoch: training steps per Keras epoch.
      wall_time: optional float64 variable of the checkpoint (seconds).
      guard: optional `NonFiniteGuard`; its variable check runs before each save.
      clock: seconds as a float (tests pass a fake clock).
      fault: optional `KillInSave` (fault tests only).
    """

    def __init__(self, manager, step_variable, steps_per_epoch, enabled=True,
                 wall_time=None, guard=None, clock=time.time, fault=None):
        super().__init__()
        self.manager = manager
        self.step = step_variable
        self.steps_per_epoch = steps_per_epoch
        self.enabled = enabled
        self.wall_time = wall_time
        self.guard = guard
        self.clock = clock
        self.fault = fault

    def on_train_begin(self, logs=None):
        self._started = self.clock()
        self._wall_before = float(self.wall_time.numpy()) if self.wall_time is not None else 0.0

    def on_epoch_end(self, epoch, logs=None):
        step = (epoch + 1) * self.steps_per_epoch
        if self.guard is not None:
            self.guard.check_variables(step)
        self.step.assign(step)
        if self.wall_time is not None:
            self.wall_time.assign(self._wall_before + self.clock() - self._started)
        # Every worker calls save (MultiWorkerMirroredStrategy needs all of them);
        # non-chief workers write to a scratch directory.
        if self.fault is not None:
            self.fault.save(self.manager, step)
        else:
            self.manager.save(checkpoint_number=step)


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

    def _grids(self):
        grids = {"samples": np.asarray(self.model.sample(self._latent()))}
        if self.eval_images is not None and hasattr(self.model, "encode"):
            originals = self.eval_images[: self.num_samples // 2]
            recon = np.asarray(self.model(originals, training=False))
            # Originals and reconstructions interleaved row by row.
            grids["reconstructions"] = np.concatenate(
                [np.stack([o, r]) for o, r in zip(originals, recon)])
        return grids

    def on_epoch_end(self, epoch, logs=None):
        if not self.enabled:
            return
        step = (epoch + 1) * self.params.get("steps", 1)
        # With weight averaging (ema_decay) the grids show the averaged generator /
        # decoder, as the export serves it.
        averaged = getattr(self.model, "averaged", None)
        with averaged() if averaged else contextlib.nullcontext():
            grids = self._grids()
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

    def __init__(self, steps_per_epoch, steps_per_call=1):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.steps_per_call = int(steps_per_call)
        self.kill_at = int(os.environ.get(self.ENV, "0") or 0)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the last step of a call of `steps_per_call` steps: the kill lands at
        # the end of the call that runs step `kill_at`.
        done = self._epoch * self.steps_per_epoch + batch + 1
        if self.kill_at and done - self.steps_per_call < self.kill_at <= done:
            os.kill(os.getpid(), signal.SIGKILL)
