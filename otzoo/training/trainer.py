"""The training library behind `//otzoo:train`: data, model, checkpoints, fit (the export
is `otzoo.export.export_run`, called by the command after training).

`train(config, workdir, ...)` is deterministic given `config.seed`, resumable, and
safe to kill at any time:

* a checkpoint (model weights, every optimizer with its iteration counter, the model's
  seed-generator state and the step counter) is written every `config.steps_per_epoch`
  steps and at the end, by a `tf.train.CheckpointManager` in `<workdir>/checkpoints`;
* started again with the same command, it restores the latest checkpoint and skips the
  batches already consumed (the input pipeline is a deterministic function of the seed),
  so a run killed with SIGKILL ends with the same weights as an uninterrupted one
  (bit-for-bit with `deterministic_ops`), also when the kill lands inside a save;
* a checkpoint that does not read back whole (truncated or corrupted files: TF's tensor
  bundle keeps a CRC32C per tensor and checksums its index) is skipped with a warning
  and the previous one restored; `CheckpointUnreadableError` if none can be;
* a NaN or Inf in any logged loss, or in any checkpointed variable before a save, stops
  the run with a `NonFiniteLossError` naming the step and the metric or variable, so
  nothing non-finite is checkpointed or exported.
"""

import json
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

import otzoo.data
from otzoo.training import callbacks as otzoo_callbacks
from otzoo.training.build import build_model
from otzoo.training.strategies import is_chief

KEEP_CHECKPOINTS = 3  # the latest and two to fall back on if it does not read back
# Train steps per `train_function` call (Keras' `steps_per_execution`) unless the caller
# chooses. Keras reads the logs back to the host after every call, so with one step per
# call the host waits for each step and the next cannot be dispatched early: 5-15% of
# the short (15-25 ms) steps of gan, max_swgan, wae_gan and wgan on this CPU
# (`benchmarks/plain_loop_bench.py`). Ten steps per call recover it. The steps run the
# same ops in the same order, so the weights are bit-identical to one step per call
# (tests/training/resume_equivalence_test.py); only the NaN guard's granularity changes.
STEPS_PER_EXECUTION = 10


def _steps_per_epoch(config, total_steps):
    per_epoch = min(int(config.steps_per_epoch), total_steps)
    if total_steps % per_epoch:
        raise ValueError(
            f"steps ({total_steps}) must be a multiple of steps_per_epoch ({per_epoch}), "
            "the checkpoint interval; change one of them")
    return per_epoch


def several_steps_per_call(strategy):
    """Whether `strategy` can run several steps per call: Keras 3.15's multi-step loop
    fails under the mirrored strategies ("You must feed a value for placeholder tensor"
    inside its while loop), so they run one step per call."""
    return not isinstance(strategy, (tf.distribute.MirroredStrategy,
                                     tf.distribute.MultiWorkerMirroredStrategy))


def resolve_steps_per_execution(requested, per_epoch, strategy=None):
    """Steps per Keras `train_function` call: `requested`, or (None) the largest divisor
    of `per_epoch` up to `STEPS_PER_EXECUTION` (a call must not cross a checkpoint);
    1 under a strategy that cannot run more (`several_steps_per_call`)."""
    single = strategy is not None and not several_steps_per_call(strategy)
    if requested is None:
        limit = 1 if single else min(STEPS_PER_EXECUTION, per_epoch)
        return max(k for k in range(1, limit + 1) if per_epoch % k == 0)
    requested = int(requested)
    if requested < 1 or per_epoch % requested:
        raise ValueError(f"steps_per_execution ({requested}) must be a positive divisor of "
                         f"steps_per_epoch ({per_epoch}), the checkpoint interval")
    if single and requested > 1:
        raise ValueError(f"steps_per_execution ({requested}) must be 1 under "
                         f"{type(strategy).__name__}: Keras' multi-step loop fails there")
    return requested


def _input_pipeline(config, strategy, model, skip_steps):
    """The training dataset, positioned after the `skip_steps` steps already trained."""
    batches_per_step = int(getattr(model, "real_batches_per_step", 1))
    dataset = otzoo.data.load(config.data.name, split="train", **config.data.options)
    return otzoo.data.make_input_pipeline(
        dataset,
        global_batch_size=config.batch_size * batches_per_step,
        strategy=strategy,
        seed=config.seed,
        skip_batches=skip_steps,
    )


def _eval_images(config, count=32):
    """A fixed batch of test images for reconstruction grids (None for 2-D toys)."""
    dataset = otzoo.data.load(config.data.name, split="test", **config.data.options)
    batch = next(iter(dataset.batch(count).take(1)))
    batch = batch[0] if isinstance(batch, (tuple, list)) else batch
    batch = np.asarray(batch)
    return batch if batch.ndim == 4 else None


def write_config(config, workdir):
    """Writes the resolved config (after overrides) to `<workdir>/config.json`."""
    path = os.path.join(workdir, "config.json")
    with open(path, "w") as f:
        f.write(config.to_json_best_effort(indent=2, sort_keys=True))
    return path


def _work_around_multi_worker_log_reduction(model, strategy):
    """Keras 3.15 reduces logged values under MultiWorkerMirroredStrategy with
    `strategy.reduce("MEAN", v, axis=0)`, which fails on scalars; logging each value as a
    [1] vector makes that reduction return the scalar cross-replica mean."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return
    train_step = model.train_step

    def train_step_with_vector_logs(data):
        return {k: tf.reshape(v, [1]) for k, v in train_step(data).items()}

    model.train_step = train_step_with_vector_logs


def build_compiled_model(config, strategy, data_shape, steps_per_execution=1):
    """Model with built networks and optimizers, inside the strategy's scope; `fit` runs
    `steps_per_execution` train steps per call (see `STEPS_PER_EXECUTION`)."""
    with strategy.scope():
        model = build_model(config)
        model.build_networks(data_shape)
        model.compile(steps_per_execution=steps_per_execution,
                      **dict(config.get("compile", {})))
        model.build_optimizers()
    _work_around_multi_worker_log_reduction(model, strategy)
    return model


def _tf_variables(variables):
    return [v.value if hasattr(v, "value") else v for v in variables]


def checkpoint_variables(model):
    """[(label, tf.Variable)] of every variable `make_checkpoint` saves, except the
    step and wall-time counters; labels name the network or optimizer and the path."""
    network_of = {id(v): layer.name for layer in model.layers for v in layer.variables}
    # The weight averages (ema_decay) are the model's own: named after their weight.
    labels = {}
    if getattr(model, "ema_variables", None):
        network = model.averaged_network
        labels = {id(a): f"{network.name} EMA/{w.path}"
                  for a, w in zip(model.ema_variables, network.trainable_variables)}
    for v in model.variables:
        if id(v) not in labels:
            labels[id(v)] = f"{network_of[id(v)]}/{v.path}" if id(v) in network_of else v.path
    named = [(labels[id(v)], _tf_variables([v])[0]) for v in model.variables]
    for name, optimizer in model.optimizers_by_name.items():
        named += [(f"{name} optimizer {v.path}", _tf_variables([v])[0])
                  for v in optimizer.variables]
    return named


class CheckpointUnreadableError(RuntimeError):
    """No checkpoint of a workdir could be restored; the message names each and why."""


# What a truncated, bit-flipped or missing checkpoint file raises on restore: DataLoss
# (a tensor's CRC32C), OutOfRange / IndexError (short reads), InvalidArgument / DataLoss
# (index blocks), NotFound (a missing file), AssertionError (an index that parses but no
# longer lists every variable, caught by `assert_existing_objects_matched`).
_UNREADABLE = (tf.errors.OpError, IndexError, ValueError, AssertionError)


def restore_newest_readable(checkpoint, manager):
    """Restores the newest checkpoint of `manager` that reads back whole.

    A checkpoint that fails (see `_UNREADABLE`) is skipped with a warning on stderr and
    the previous one is tried; every variable is in every checkpoint, so whatever a
    failed attempt assigned is overwritten. After a fall-back the state file is
    rewritten to name the restored checkpoint as the latest (the unreadable files stay
    on disk until a save of the same step overwrites them).

    Returns:
      (manager, path): the manager (a new one after a fall-back) and the restored
      checkpoint's path, or None when the directory has no checkpoint.

    Raises:
      CheckpointUnreadableError: the directory lists checkpoints and none restores.
    """
    failures = []
    candidates = list(manager.checkpoints)
    for i in reversed(range(len(candidates))):
        path = candidates[i]
        try:
            checkpoint.restore(path).assert_existing_objects_matched()
        except _UNREADABLE as e:
            reason = f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[0]}"
            failures.append(f"{path}: {reason}")
            print(f"otzoo: WARNING: cannot restore checkpoint {path} ({reason}); "
                  "trying the previous one", file=sys.stderr, flush=True)
            continue
        if failures:
            tf.compat.v1.train.update_checkpoint_state(
                manager.directory, os.path.basename(path),
                all_model_checkpoint_paths=[os.path.basename(p) for p in candidates[:i + 1]])
            manager = tf.train.CheckpointManager(checkpoint, manager.directory,
                                                 max_to_keep=KEEP_CHECKPOINTS)
        return manager, path
    if failures:
        raise CheckpointUnreadableError(
            f"no checkpoint in {manager.directory} can be restored (truncated or corrupted "
            "files, or a config that does not match them):\n  " + "\n  ".join(failures))
    return manager, None


def make_checkpoint(model, step, wall_time=None):
    """A `tf.train.Checkpoint` of everything a resume needs.

    Variables are listed explicitly, by position: `model.variables` (every network's
    weights, batch-norm statistics, the seed-generator state and, with `ema_decay`, the
    weight averages; so a run cannot resume with averaging switched) and each optimizer's
    variables (iteration counter, learning rate, slots). Keras 3 objects are only
    partially visible to `tf.train.Checkpoint`'s object graph (the seed generator, for
    one, is not), so the object graph of the model is not relied upon. `wall_time`, if
    given, is the training wall time so far (seconds, summed over resumed runs).
    """
    optimizers = {name: _tf_variables(opt.variables)
                  for name, opt in model.optimizers_by_name.items()}
    extra = {} if wall_time is None else {"wall_time_s": wall_time}
    return tf.train.Checkpoint(step=step, model_variables=_tf_variables(model.variables),
                               optimizer_variables=optimizers, **extra)


def train(config, workdir, strategy, steps=None, verbose="auto", clock=time.time,
          steps_per_execution=None):
    """Trains `config` in `workdir` (resuming if it holds a checkpoint); returns the model.

    Args:
      config: a zoo `ConfigDict` (see zoo_configs/).
      workdir: directory for checkpoints, TensorBoard logs, sample grids, the config.
      strategy: a `tf.distribute.Strategy`.
      steps: total training steps (overrides `config.steps`).
      verbose: "auto" (progress bar on a terminal, one line per epoch otherwise), 0, 1, 2.
      clock: seconds as a float, for the checkpointed wall time (tests pass a fake one).
      steps_per_execution: train steps per Keras call, a divisor of the checkpoint
        interval; None: `STEPS_PER_EXECUTION` or the largest divisor below it. The
        weights do not depend on it.

    Returns:
      (model, summary) where summary has the steps, wall time and final metrics.
    """
    total_steps = int(steps or config.steps)
    if total_steps < 1:
        raise ValueError(f"steps must be >= 1, got {total_steps}")
    per_epoch = _steps_per_epoch(config, total_steps)
    per_call = resolve_steps_per_execution(steps_per_execution, per_epoch, strategy)
    chief = is_chief(strategy)
    os.makedirs(workdir, exist_ok=True)
    if chief:
        write_config(config, workdir)
    if config.get("deterministic_ops", False):
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(config.seed)

    data_shape = tuple(config.data.shape)
    model = build_compiled_model(config, strategy, data_shape, per_call)

    step = tf.Variable(0, dtype=tf.int64, trainable=False, name="train_step")
    wall_time = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="train_wall_time_s")
    checkpoint = make_checkpoint(model, step, wall_time)
    checkpoint_dir = os.path.join(workdir, "checkpoints")
    if not chief:  # other workers write where nobody reads
        checkpoint_dir = os.path.join(workdir, "tmp_worker", str(strategy.cluster_resolver.task_id))
    manager = tf.train.CheckpointManager(checkpoint, checkpoint_dir,
                                         max_to_keep=KEEP_CHECKPOINTS)
    manager, restored = restore_newest_readable(checkpoint, manager)
    if restored:
        print(f"otzoo: resumed from {restored} at step {int(step.numpy())}", flush=True)
    start_step = int(step.numpy())
    if start_step % per_epoch:
        raise ValueError(f"checkpoint at step {start_step} is not on an epoch boundary of "
                         f"{per_epoch} steps; keep steps_per_epoch as in the first run")

    summary = {"steps": total_steps, "resumed_from_step": start_step,
               "checkpoint": os.path.basename(manager.latest_checkpoint or "")}
    if start_step >= total_steps:
        print(f"otzoo: already trained {start_step} >= {total_steps} steps", flush=True)
        summary.update(wall_time_s=0.0, total_wall_time_s=round(float(wall_time.numpy()), 2))
        return model, summary

    dataset = _input_pipeline(config, strategy, model, start_step)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    guard = otzoo_callbacks.NonFiniteGuard(start_step, per_epoch, manager,
                                           variables=checkpoint_variables(model),
                                           steps_per_call=per_call)
    callbacks = [
        guard,
        otzoo_callbacks.CheckpointEveryEpoch(
            manager, step, per_epoch, wall_time=wall_time, guard=guard, clock=clock,
            fault=otzoo_callbacks.KillInSave.from_env()),
    ]
    if os.environ.get(otzoo_callbacks.SigkillAtStep.ENV):
        callbacks.append(otzoo_callbacks.SigkillAtStep(per_epoch, per_call))
    if chief:
        callbacks += [
            keras.callbacks.TensorBoard(os.path.join(workdir, "tensorboard"),
                                        update_freq="epoch"),
            otzoo_callbacks.SampleGrid(
                workdir, tuple(config.data.options.get("value_range", (0, 1))),
                eval_images=_eval_images(config) if len(data_shape) == 3 else None,
                summary_dir=os.path.join(workdir, "tensorboard", "images"),
                enabled=config.get("sample_grids", True)),
        ]
    started = time.time()
    history = model.fit(
        dataset,
        epochs=total_steps // per_epoch,
        initial_epoch=start_step // per_epoch,
        steps_per_epoch=per_epoch,
        callbacks=callbacks,
        verbose=verbose,
    )
    summary["wall_time_s"] = round(time.time() - started, 2)
    summary["total_wall_time_s"] = round(float(wall_time.numpy()), 2)
    summary["checkpoint"] = os.path.basename(manager.latest_checkpoint or "")
    summary["final_metrics"] = {k: float(v[-1]) for k, v in history.history.items()}
    if chief:
        with open(os.path.join(workdir, "train_summary.json"), "w") as f:
            json.dump(summary, f, indent=2, sort_keys=True)
    return model, summary


def restore_latest(config, workdir, strategy=None):
    """Rebuilds the model of `config` and restores the latest checkpoint of `workdir`."""
    strategy = strategy or tf.distribute.get_strategy()
    model = build_compiled_model(config, strategy, tuple(config.data.shape))
    step = tf.Variable(0, dtype=tf.int64, trainable=False, name="train_step")
    wall_time = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="train_wall_time_s")
    checkpoint = make_checkpoint(model, step, wall_time)
    latest = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    if latest is None:
        raise FileNotFoundError(f"no checkpoint in {os.path.join(workdir, 'checkpoints')}")
    checkpoint.restore(latest).expect_partial()
    return model, int(step.numpy())
