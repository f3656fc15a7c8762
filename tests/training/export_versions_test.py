"""One version per distinct export: an identical retrain publishes nothing; `prune` keeps
the newest version of each model and rewrites models.config from the disk."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from otzoo import export
from otzoo.export import identity, prune as prune_lib, runs, writer
from otzoo.training import strategies, trainer
from tests.training import common


def _train(workdir, seed=0):
    config = common.smoke_config("swgan", seed=seed)
    model, summary = trainer.train(config, str(workdir),
                                   strategies.make_strategy("one_device"), verbose=0)
    return model, config, summary


@pytest.fixture(scope="module")
def built():
    """An untrained smoke swgan (no training needed to compare exports of it)."""
    config = common.smoke_config("swgan")
    model = trainer.build_compiled_model(config, strategies.make_strategy("one_device"),
                                         tuple(config.data.shape))
    return model, config


def _entries(directory):
    return sorted(os.listdir(directory))


def test_same_model_twice_in_one_process_publishes_one_version(built, tmp_path):
    """The second trace of the same model numbers its functions differently; the check
    must see through that (and leave no staging directory behind)."""
    model, config = built
    first, new = export.export_version(model, config, str(tmp_path), skip_identical=True)
    config_text = (tmp_path / "models.config").read_text()
    again, again_new = export.export_version(model, config, str(tmp_path),
                                             skip_identical=True)
    assert new and not again_new and again == first
    assert _entries(tmp_path / "swgan") == ["1"]  # no "2", no hidden staging directory
    assert (tmp_path / "models.config").read_text() == config_text
    # The raw protos do differ (trace numbers): the comparison is not of bytes.
    staged = export.export_model(model, config, str(tmp_path))  # always publishes: "2"
    with open(os.path.join(first, "saved_model.pb"), "rb") as a, \
            open(os.path.join(staged, "saved_model.pb"), "rb") as b:
        assert a.read() != b.read()
    assert identity.same_export(first, staged)


def test_one_changed_weight_publishes_a_version(built, tmp_path):
    model, config = built
    export.export_version(model, config, str(tmp_path), skip_identical=True)
    variable = model.generator.trainable_variables[0]
    original = variable.numpy()
    try:
        bumped = original.copy()
        bumped.flat[0] = np.nextafter(bumped.flat[0], np.float32(np.inf))  # one ulp
        variable.assign(bumped)
        path, new = export.export_version(model, config, str(tmp_path), skip_identical=True)
    finally:
        variable.assign(original)
    assert new and path.endswith(os.path.join("swgan", "2"))
    assert 'name: "swgan"' in (tmp_path / "models.config").read_text()


def test_same_weights_other_program_publishes_a_version(built, tmp_path):
    """The request cap is a constant of the graph, not a variable: a changed cap is a new
    program over the same weights."""
    model, config = built
    export.export_version(model, config, str(tmp_path), skip_identical=True)
    path, new = export.export_version(model, config, str(tmp_path), skip_identical=True,
                                      max_samples=7)
    assert new and path.endswith(os.path.join("swgan", "2"))


def test_identical_retrain_points_last_export_at_the_existing_version(tmp_path):
    """A fresh workdir trained with the same config and seed reproduces the export bit for
    bit: nothing is published, and its last_export.json names the existing version. So
    does the export command, in a process of its own (the real case: no shared traces);
    its `--prune` then removes the older version."""
    root = tmp_path / "exported"
    os.makedirs(root / "swgan" / "0")  # an older version that prune will remove
    (root / "swgan" / "0" / "saved_model.pb").write_bytes(b"not a SavedModel")
    model, config, summary = _train(tmp_path / "a")
    first, new = export.export_run(model, config, str(root), str(tmp_path / "a"), summary)
    assert new and first == str(root / "swgan" / "1")
    model, config, summary = _train(tmp_path / "b")
    again, again_new = export.export_run(model, config, str(root), str(tmp_path / "b"),
                                         summary)
    assert not again_new and again == first
    last = json.loads((tmp_path / "b" / runs.LAST_EXPORT).read_text())
    assert last == {"checkpoint": summary["checkpoint"], "path": first}
    assert _entries(root / "swgan") == ["0", "1"]

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-m", "otzoo.export.main",
                           f"--workdir={tmp_path / 'b'}", f"--export_dir={root}", "--prune"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines() == [
        f"otzoo: step 2 of {tmp_path / 'b'} is what {first} already serves (same weights "
        f"and program); nothing published",
        "otzoo: swgan: removed version(s) 0"]
    assert _entries(root / "swgan") == ["1"]


def test_export_run_prunes_after_publishing(built, tmp_path):
    model, config = built
    os.makedirs(tmp_path / "exported" / "vae" / "4")
    os.makedirs(tmp_path / "exported" / "vae" / "9")
    summary = {"steps": 1, "resumed_from_step": 0, "checkpoint": "ckpt-1"}
    path, new = export.export_run(model, config, str(tmp_path / "exported"),
                                  str(tmp_path), summary, prune=True)
    assert new and _entries(tmp_path / "exported" / "vae") == ["9"]
    assert _served(tmp_path / "exported") == ["swgan", "vae"]


def _fake_zoo(root):
    """Version directories as TF Serving sees them (contents do not matter to prune)."""
    layout = {"swgan": [1, 2, 10], "vae": [3], "classifier": [1, 2]}
    for name, versions in layout.items():
        for v in versions:
            os.makedirs(root / name / str(v) / "eval")
            (root / name / str(v) / "saved_model.pb").write_bytes(b"x")
    os.makedirs(root / "real_floor")
    (root / "real_floor" / "metrics.json").write_text("{}")
    os.makedirs(root / "swgan" / ".tmp-11-abc")  # a staging directory: not a version
    os.makedirs(root / "swgan" / "notes")
    (root / "LEADERBOARD.md").write_text("")
    (root / "models.config").write_text('model_config_list {\n  config { name: "gone" }\n}\n')


def _served(root):
    return re.findall(r'name: "([^"]+)"', (root / "models.config").read_text())


def test_prune_keeps_the_newest_version_and_rewrites_models_config(tmp_path):
    _fake_zoo(tmp_path)
    before = {p: sorted(os.listdir(tmp_path / p)) for p in ("swgan", "vae", "classifier")}
    stale = {"classifier": [1], "swgan": [1, 2]}
    assert export.prune_versions(str(tmp_path), dry_run=True) == stale
    assert {p: sorted(os.listdir(tmp_path / p)) for p in before} == before  # dry: no change
    assert _served(tmp_path) == ["gone"]

    assert export.prune_versions(str(tmp_path)) == stale
    assert _entries(tmp_path / "swgan") == [".tmp-11-abc", "10", "notes"]  # numeric order
    assert _entries(tmp_path / "vae") == ["3"] and _entries(tmp_path / "classifier") == ["2"]
    assert (tmp_path / "real_floor" / "metrics.json").exists()
    assert _served(tmp_path) == ["classifier", "swgan", "vae"]  # from the disk
    assert export.prune_versions(str(tmp_path)) == {}  # idempotent


def test_a_version_disappears_in_one_rename(tmp_path, monkeypatch):
    """While a version's files are deleted it is already out of TF Serving's sight."""
    _fake_zoo(tmp_path)
    seen = []
    original = prune_lib.shutil.rmtree

    def spy(path, *args, **kwargs):
        seen.append((os.path.basename(path), writer.existing_versions(str(tmp_path / "vae")),
                     writer.existing_versions(str(tmp_path / "swgan"))))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(prune_lib.shutil, "rmtree", spy)
    prune_lib.remove_version(str(tmp_path / "swgan" / "2"))
    assert len(seen) == 1 and seen[0][0].startswith(".pruned-2-")
    assert seen[0][2] == [1, 10]
    assert _entries(tmp_path / "swgan") == [".tmp-11-abc", "1", "10", "notes"]


def test_prune_command(tmp_path):
    _fake_zoo(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = lambda *args: subprocess.run([sys.executable, "-m", "otzoo.export.prune", *args],
                                       env=env, capture_output=True, text=True, timeout=120)
    proc = run(f"--export_dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "otzoo: classifier: removed version(s) 1; keeps 2",
        "otzoo: swgan: removed version(s) 1, 2; keeps 10",
        f"otzoo: wrote {tmp_path / 'models.config'}"]
    proc = run(f"--export_dir={tmp_path / 'nope'}")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"otzoo: error: export directory {tmp_path / 'nope'} does not exist")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
