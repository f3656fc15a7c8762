"""Faults beyond a SIGKILL between steps: a kill inside a checkpoint save, and a latest
checkpoint that is truncated or has flipped bytes.

* Killed while a checkpoint is written (mid data file, or after the files but before the
  `checkpoint` state file names it), the run started again resumes from the last
  complete checkpoint and ends with the weights of an uninterrupted run, bit for bit
  (deterministic ops, small config).
* A latest checkpoint whose data file is truncated, or with one flipped byte anywhere in
  its data or index file, is detected (TF's tensor bundle keeps a CRC32C per tensor and
  checksums the index blocks), reported on stderr, and the previous checkpoint restored
  exactly; when no checkpoint reads back, the error names every file.
"""

import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from otzoo.training import callbacks, trainer
from tests.training import common

STEPS, PER_EPOCH = 12, 4  # checkpoints at steps 4, 8 and 12


def _train(workdir, fault=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    for name in (callbacks.SigkillAtStep.ENV, callbacks.KillInSave.ENV):
        env.pop(name, None)
    if fault:
        env[callbacks.KillInSave.ENV] = fault
    cmd = [sys.executable, "-m", "otzoo.train", "--model=swgan", "--variant=smoke",
           f"--workdir={workdir}", "--export=false", f"--steps={STEPS}", "--verbose=2",
           f"--config.steps_per_epoch={PER_EPOCH}", "--config.deterministic_ops=true",
           "--config.sample_grids=false"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _values(checkpoint_path):
    """{name: value} of a checkpoint, without the wall time, the object graph and the
    save counter (`Checkpoint.write` does not create it)."""
    reader = tf.train.load_checkpoint(checkpoint_path)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if not name.startswith(("_CHECKPOINTABLE_OBJECT_GRAPH", "wall_time_s", "save_counter"))}


def _assert_same(a, b):
    assert a.keys() == b.keys() and len(a) > 10, (sorted(a), sorted(b))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _latest(workdir):
    return tf.train.get_checkpoint_state(str(workdir / "checkpoints")).model_checkpoint_path


def _data_file(prefix):
    return f"{prefix}.data-00000-of-00001"


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """An uninterrupted run's workdir: checkpoints 4, 8 and 12."""
    workdir = tmp_path_factory.mktemp("straight")
    proc = _train(workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _latest(workdir).endswith(f"ckpt-{STEPS}")
    return workdir


@pytest.mark.parametrize("phase", callbacks.KillInSave.PHASES)
def test_kill_inside_a_save_resumes_from_the_last_complete_checkpoint(phase, straight,
                                                                      tmp_path):
    checkpoints = tmp_path / "checkpoints"
    killed = _train(tmp_path, fault=f"{STEPS}:{phase}")
    expected_signal = signal.SIGXFSZ if phase == "data" else signal.SIGKILL
    assert killed.returncode == -expected_signal, (killed.returncode, killed.stderr[-3000:])
    # The state file still names the previous checkpoint ...
    assert _latest(tmp_path).endswith(f"ckpt-{STEPS - PER_EPOCH}")
    written = sorted(p for p in os.listdir(checkpoints) if p.startswith(f"ckpt-{STEPS}"))
    if phase == "data":
        # ... the kill came mid-write: a part of the data file, no index.
        parts = [os.path.join(dirpath, f)
                 for dirpath, _, files in os.walk(checkpoints) for f in files
                 if dirpath != str(checkpoints) and ".data-" in f]
        assert len(parts) == 1, (written, parts)
        full = os.path.getsize(_data_file(checkpoints / f"ckpt-{STEPS - PER_EPOCH}"))
        assert 0 < os.path.getsize(parts[0]) < full, (parts, full)
        assert f"ckpt-{STEPS}.index" not in written, written
    else:
        # ... though the new checkpoint's files are complete.
        assert f"ckpt-{STEPS}.index" in written, written
        _assert_same(_values(str(checkpoints / f"ckpt-{STEPS}")),
                     _values(str(straight / "checkpoints" / f"ckpt-{STEPS}")))

    resumed = _train(tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"ckpt-{STEPS - PER_EPOCH} at step {STEPS - PER_EPOCH}" in resumed.stdout, \
        resumed.stdout
    assert _latest(tmp_path).endswith(f"ckpt-{STEPS}")
    _assert_same(_values(_latest(tmp_path)), _values(_latest(straight)))


def test_truncated_latest_checkpoint_falls_back_to_the_previous_one(straight, tmp_path):
    shutil.copytree(straight / "checkpoints", tmp_path / "checkpoints")
    latest = _latest(tmp_path)
    assert latest.endswith(f"ckpt-{STEPS}")
    with open(_data_file(latest), "r+b") as f:
        f.truncate(os.path.getsize(_data_file(latest)) // 2)

    resumed = _train(tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"cannot restore checkpoint {latest}" in resumed.stderr, resumed.stderr[-3000:]
    assert f"ckpt-{STEPS - PER_EPOCH} at step {STEPS - PER_EPOCH}" in resumed.stdout, \
        resumed.stdout
    # Trained 8 -> 12 again and rewrote ckpt-12: exactly the uninterrupted weights.
    assert _latest(tmp_path).endswith(f"ckpt-{STEPS}")
    _assert_same(_values(_latest(tmp_path)), _values(_latest(straight)))


def _restore(checkpoint_dir):
    """What `trainer.train` restores from `checkpoint_dir`: (path, {name: value})."""
    config = common.smoke_config("swgan", steps_per_epoch=PER_EPOCH)
    model = trainer.build_compiled_model(config, tf.distribute.get_strategy(),
                                         tuple(config.data.shape))
    step = tf.Variable(0, dtype=tf.int64)
    wall_time = tf.Variable(0.0, dtype=tf.float64)
    checkpoint = trainer.make_checkpoint(model, step, wall_time)
    manager = tf.train.CheckpointManager(checkpoint, checkpoint_dir, max_to_keep=3)
    manager, path = trainer.restore_newest_readable(checkpoint, manager)
    restored = checkpoint.write(os.path.join(os.path.dirname(checkpoint_dir), "restored"))
    return manager, path, _values(restored)


FLIPS = [("data", 0.0), ("data", 0.5), ("data", 1.0), ("index", 0.5), ("index", 1.0)]


@pytest.mark.parametrize("file,where", FLIPS)
def test_flipped_byte_is_detected_and_the_previous_checkpoint_restored(
        file, where, straight, tmp_path, capfd):
    """One flipped bit at the start, middle or end of the latest checkpoint's data file,
    or in its index: never restored silently."""
    checkpoint_dir = str(tmp_path / "checkpoints")
    shutil.copytree(straight / "checkpoints", checkpoint_dir)
    latest = _latest(tmp_path)
    path = _data_file(latest) if file == "data" else latest + ".index"
    raw = bytearray(open(path, "rb").read())
    position = min(int(where * len(raw)), len(raw) - 1)
    raw[position] ^= 0x10
    with open(path, "wb") as f:
        f.write(raw)

    manager, restored_path, restored = _restore(checkpoint_dir)
    previous = os.path.join(checkpoint_dir, f"ckpt-{STEPS - PER_EPOCH}")
    assert restored_path == previous, (restored_path, position)
    assert f"cannot restore checkpoint {latest}" in capfd.readouterr().err
    _assert_same(restored, _values(previous))
    # The state file (and the manager) now name the restored checkpoint as the latest.
    assert manager.latest_checkpoint == previous
    assert _latest(tmp_path) == previous


def test_no_readable_checkpoint_is_a_clear_error(straight, tmp_path):
    checkpoint_dir = str(tmp_path / "checkpoints")
    shutil.copytree(straight / "checkpoints", checkpoint_dir)
    paths = tf.train.get_checkpoint_state(checkpoint_dir).all_model_checkpoint_paths
    assert len(paths) == 3
    for prefix in paths:
        with open(_data_file(prefix), "r+b") as f:
            f.truncate(16)
    with pytest.raises(trainer.CheckpointUnreadableError) as err:
        _restore(checkpoint_dir)
    for prefix in paths:
        assert prefix in str(err.value), str(err.value)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
