"""The command line: bad model names, config overrides, the resolved config."""

import json
import os
import subprocess
import sys

import pytest

import zoo_configs


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, "-m", "otzoo.train", *args], env=env,
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
    assert card["training"]["total_wall_time_s"] > 0

    # Again: nothing left to train, and ckpt-2 is exported already, so no version 2.
    again = _cli("--model=swgan", "--variant=smoke", f"--workdir={tmp_path / 'w'}",
                 "--export_dir", str(tmp_path / "exp"), "--config.batch_size=16",
                 "--steps=2", "--config.steps_per_epoch=2", "--verbose=2")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already exported" in again.stdout, again.stdout
    assert not (tmp_path / "exp" / "swgan" / "2").exists()

    # More steps: trains on from ckpt-2 and exports version 2.
    more = _cli("--model=swgan", "--variant=smoke", f"--workdir={tmp_path / 'w'}",
                "--export_dir", str(tmp_path / "exp"), "--config.batch_size=16",
                "--steps=4", "--config.steps_per_epoch=2", "--verbose=2")
    assert more.returncode == 0, more.stderr[-3000:]
    card = json.loads((tmp_path / "exp" / "swgan" / "2" / "model_card.json").read_text())
    assert card["training"]["checkpoint"] == "ckpt-4"
    assert card["training"]["resumed_from_step"] == 2


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
