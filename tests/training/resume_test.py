"""A run killed with SIGKILL and started again with the same command ends with the same
weights as an uninterrupted run (deterministic ops, small config); the checkpointed wall
time is the sum over the runs."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from otzoo.training import strategies, trainer
from tests.training import common

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


def _wall_time(workdir_or_checkpoint):
    path = (tf.train.latest_checkpoint(os.path.join(workdir_or_checkpoint, "checkpoints"))
            if os.path.isdir(workdir_or_checkpoint) else workdir_or_checkpoint)
    return float(tf.train.load_checkpoint(path).get_tensor(
        "wall_time_s/.ATTRIBUTES/VARIABLE_VALUE"))


def test_sigkill_and_resume_equals_uninterrupted(tmp_path):
    straight = _train(tmp_path / "straight")
    assert straight.returncode == 0, straight.stderr[-3000:]

    killed = _train(tmp_path / "resumed", kill_at=KILL_AT)
    assert killed.returncode == -9, (killed.returncode, killed.stderr[-3000:])
    ckpts = tf.train.get_checkpoint_state(str(tmp_path / "resumed" / "checkpoints"))
    assert ckpts.model_checkpoint_path.endswith(f"ckpt-{PER_EPOCH}")
    wall_killed = _wall_time(ckpts.model_checkpoint_path)  # its time up to ckpt-4

    resumed = _train(tmp_path / "resumed")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumed from" in resumed.stdout and f"at step {PER_EPOCH}" in resumed.stdout

    # Wall time, bounds under a real clock (the exact sum over runs is the fake-clock
    # test below): the killed run's time up to ckpt-4 plus the resumed run's, which lies
    # between the interval of its two saves (the state file's timestamps, less a save's
    # duration) and its whole `fit` (train_summary.json, rounded to 10 ms).
    state = tf.train.get_checkpoint_state(str(tmp_path / "resumed" / "checkpoints"))
    saved_at = dict(zip([os.path.basename(p) for p in state.all_model_checkpoint_paths],
                        state.all_model_checkpoint_timestamps))
    between_saves = saved_at[f"ckpt-{STEPS}"] - saved_at[f"ckpt-{STEPS - PER_EPOCH}"]
    resumed_fit = json.loads((tmp_path / "resumed" / "train_summary.json").read_text())[
        "wall_time_s"]
    total = _wall_time(tmp_path / "resumed")
    assert wall_killed + between_saves - 0.05 < total <= wall_killed + resumed_fit + 0.01, (
        wall_killed, between_saves, resumed_fit, total)
    assert _wall_time(tmp_path / "straight") > 0

    a, b = _final_variables(tmp_path / "straight"), _final_variables(tmp_path / "resumed")
    assert a.keys() == b.keys() and len(a) > 4
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    # The optimizer state and the seed generator's state are part of what must match.
    assert any(n.startswith("optimizer_variables/generator") for n in a), sorted(a)
    seed_states = [v for n, v in a.items()
                   if n.startswith("model_variables") and v.dtype == np.int64 and v.shape == (2,)]
    assert seed_states and seed_states[0][1] > 0, seed_states  # advanced by training


class FakeClock:
    """Seconds that advance by `tick` at every call; remembers what it returned."""

    def __init__(self, start, tick):
        self.now, self.tick, self.calls = start, tick, []

    def __call__(self):
        self.now += self.tick
        self.calls.append(self.now)
        return self.now


def test_wall_time_is_summed_over_resumed_runs_exactly(tmp_path):
    """Three runs of 2 steps each, with clocks that start far apart: the checkpointed
    wall time is each run's (last save - train begin) added up, to the bit."""
    config = common.smoke_config("swgan", steps_per_epoch=2, sample_grids=False)
    expected = 0.0
    # Binary fractions, so the float sums are exact.
    for steps, clock in [(2, FakeClock(1000.0, 0.5)), (4, FakeClock(5e6, 8.25)),
                         (6, FakeClock(0.0, 0.125))]:
        _, summary = trainer.train(config, str(tmp_path), strategies.make_strategy(
            "one_device"), steps=steps, verbose=0, clock=clock)
        assert summary["resumed_from_step"] == steps - 2
        expected += clock.calls[-1] - clock.calls[0]
        latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
        assert latest.endswith(f"ckpt-{steps}")
        assert _wall_time(latest) == expected, (steps, _wall_time(latest), expected)
    assert expected == 0.5 + 8.25 + 0.125  # one clock call per save after train begin


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
