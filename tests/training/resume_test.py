"""A run killed with SIGKILL and started again with the same command ends with the same
weights as an uninterrupted run (deterministic ops, small config)."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

STEPS, PER_EPOCH, KILL_AT = 12, 4, 6  # killed mid-epoch, after the checkpoint at step 4


def _train(workdir, kill_at=None):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("OTZOO_FAULT_SIGKILL_AT_STEP", None)
    if kill_at:
        env["OTZOO_FAULT_SIGKILL_AT_STEP"] = str(kill_at)
    cmd = [sys.executable, "-m", "otzoo.train", "--model=swgan", "--variant=smoke",
           f"--workdir={workdir}", "--export=false", f"--steps={STEPS}", "--verbose=2",
           f"--config.steps_per_epoch={PER_EPOCH}", "--config.deterministic_ops=true",
           "--config.sample_grids=false"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _final_variables(workdir):
    path = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    assert path is not None and path.endswith(f"ckpt-{STEPS}"), path
    reader = tf.train.load_checkpoint(path)
    return {name: reader.get_tensor(name)
            for name in reader.get_variable_to_shape_map()
            if not name.startswith(("_CHECKPOINTABLE_OBJECT_GRAPH", "wall_time_s"))}


def _wall_time(workdir):
    path = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    return float(tf.train.load_checkpoint(path).get_tensor(
        "wall_time_s/.ATTRIBUTES/VARIABLE_VALUE"))


def test_sigkill_and_resume_equals_uninterrupted(tmp_path):
    straight = _train(tmp_path / "straight")
    assert straight.returncode == 0, straight.stderr[-3000:]

    killed = _train(tmp_path / "resumed", kill_at=KILL_AT)
    assert killed.returncode == -9, (killed.returncode, killed.stderr[-3000:])
    ckpts = tf.train.get_checkpoint_state(str(tmp_path / "resumed" / "checkpoints"))
    assert ckpts.model_checkpoint_path.endswith(f"ckpt-{PER_EPOCH}")

    resumed = _train(tmp_path / "resumed")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"resumed from" in resumed.stdout and f"at step {PER_EPOCH}" in resumed.stdout

    # The wall time is summed over runs: both runs' epochs count, and it is positive.
    assert _wall_time(tmp_path / "resumed") > 0 and _wall_time(tmp_path / "straight") > 0

    a, b = _final_variables(tmp_path / "straight"), _final_variables(tmp_path / "resumed")
    assert a.keys() == b.keys() and len(a) > 4
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    # The optimizer state and the seed generator's state are part of what must match.
    assert any(n.startswith("optimizer_variables/generator") for n in a), sorted(a)
    seed_states = [v for n, v in a.items()
                   if n.startswith("model_variables") and v.dtype == np.int64 and v.shape == (2,)]
    assert seed_states and seed_states[0][1] > 0, seed_states  # advanced by training


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
