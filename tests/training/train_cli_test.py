"""The command line: bad model names, config overrides, the resolved config, where
relative paths land."""

import json
import os
import subprocess
import sys

import pytest

import zoo_configs


def _cli(*args, cwd=None, **environ):
    """Runs the train command; `environ` entries set (or, when None, unset) variables."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in sys.path),
               TF_CPP_MIN_LOG_LEVEL="2")
    for key, value in environ.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-m", "otzoo.train", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_unknown_model_names_the_valid_ones_and_exits_2():
    proc = _cli("--model=nope")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "nope" in lines[0]
    for name in zoo_configs.available():
        assert name in lines[0]


def test_missing_model_exits_2():
    proc = _cli()
    assert proc.returncode == 2 and "valid models" in proc.stderr


def test_unknown_config_key_is_rejected(tmp_path):
    proc = _cli("--model=swgan", "--variant=smoke", f"--workdir={tmp_path}",
                "--config.no_such_key=1")
    assert proc.returncode != 0
    assert "no_such_key" in proc.stderr


def test_override_is_applied_and_resolved_config_written(tmp_path):
    proc = _cli("--model=swgan", "--variant=smoke", f"--workdir={tmp_path / 'w'}",
                "--export_dir", str(tmp_path / "exp"), "--config.batch_size=16",
                "--steps=2", "--config.steps_per_epoch=2", "--verbose=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    config = json.loads((tmp_path / "w" / "config.json").read_text())
    assert config["batch_size"] == 16 and config["model"] == "swgan"
    assert (tmp_path / "exp" / "swgan" / "1" / "saved_model.pb").exists()
    assert (tmp_path / "exp" / "models.config").exists()
    assert (tmp_path / "w" / "samples.png").exists()
    card = json.loads((tmp_path / "exp" / "swgan" / "1" / "model_card.json").read_text())
    assert card["training"]["checkpoint"] == "ckpt-2"
    first_total = card["training"]["total_wall_time_s"]
    assert first_total > 0

    # Again: nothing left to train, and ckpt-2 is exported already, so no version 2.
    again = _cli("--model=swgan", "--variant=smoke", f"--workdir={tmp_path / 'w'}",
                 "--export_dir", str(tmp_path / "exp"), "--config.batch_size=16",
                 "--steps=2", "--config.steps_per_epoch=2", "--verbose=2")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "nothing published" in again.stdout, again.stdout
    assert not (tmp_path / "exp" / "swgan" / "2").exists()

    # More steps: trains on from ckpt-2 and exports version 2.
    more = _cli("--model=swgan", "--variant=smoke", f"--workdir={tmp_path / 'w'}",
                "--export_dir", str(tmp_path / "exp"), "--config.batch_size=16",
                "--steps=4", "--config.steps_per_epoch=2", "--verbose=2")
    assert more.returncode == 0, more.stderr[-3000:]
    card = json.loads((tmp_path / "exp" / "swgan" / "2" / "model_card.json").read_text())
    assert card["training"]["checkpoint"] == "ckpt-4"
    assert card["training"]["resumed_from_step"] == 2
    # --steps is recorded as the config's steps (not the smoke config's 2).
    assert card["config"]["steps"] == 4
    assert json.loads((tmp_path / "w" / "config.json").read_text())["steps"] == 4
    # The card's total adds this run's time to the first run's (bounded by this run's
    # `fit` time; both rounded to 10 ms). The exact sum is tested with a fake clock in
    # resume_test.py.
    total, this_run = card["training"]["total_wall_time_s"], card["training"]["wall_time_s"]
    assert first_total < total <= first_total + this_run + 0.02, (first_total, total, this_run)


def test_relative_paths_resolve_against_the_bazel_run_directory(tmp_path):
    """`bazel run` sets BUILD_WORKING_DIRECTORY to where the user typed the command and
    starts the binary elsewhere (its runfiles): relative --workdir / --export_dir land
    under BUILD_WORKING_DIRECTORY. Without it (plain python), under the current directory."""
    cwd, user_dir = tmp_path / "cwd", tmp_path / "user"
    cwd.mkdir()
    user_dir.mkdir()
    args = ("--model=swgan", "--variant=smoke", "--workdir=runs/w", "--export_dir=out/exp",
            "--steps=2", "--config.steps_per_epoch=2", "--config.sample_grids=false",
            "--verbose=2")

    under_bazel = _cli(*args, cwd=cwd, BUILD_WORKING_DIRECTORY=str(user_dir))
    assert under_bazel.returncode == 0, under_bazel.stderr[-3000:]
    assert (user_dir / "runs" / "w" / "checkpoints" / "ckpt-2.index").exists()
    assert (user_dir / "runs" / "w" / "config.json").exists()
    assert (user_dir / "out" / "exp" / "swgan" / "1" / "saved_model.pb").exists()
    assert f"exported {user_dir / 'out' / 'exp' / 'swgan' / '1'}" in under_bazel.stdout
    assert not (cwd / "runs").exists() and not (cwd / "out").exists(), os.listdir(cwd)

    plain = _cli(*args, cwd=cwd, BUILD_WORKING_DIRECTORY=None)
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert (cwd / "runs" / "w" / "checkpoints" / "ckpt-2.index").exists()
    assert (cwd / "out" / "exp" / "swgan" / "1" / "saved_model.pb").exists()
    # A fresh run (nothing resumed from the first one's workdir).
    assert "resumed from" not in plain.stdout, plain.stdout


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
