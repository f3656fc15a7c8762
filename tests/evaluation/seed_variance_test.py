"""Seed variance: seeds.json from replicate exports, its checks, and the leaderboard note."""

import json
import os
import statistics
import subprocess
import sys

import pytest

from otzoo.evaluation import leaderboard, seed_variance

SETTINGS = {"num_samples": 100, "seed": 0}
CLASSIFIER = {"version": 1, "test_accuracy": 0.91}


def _export(root, name, version, seed, fid, recall, steps=30, settings=SETTINGS, **config):
    directory = root / name / str(version)
    (directory / "eval").mkdir(parents=True)
    card = {"model": name, "config": {"model": name, "seed": seed, "steps": 3,
                                      "batch_size": 64, **config},
            "training": {"steps": steps, "total_wall_time_s": 60}}
    (directory / "model_card.json").write_text(json.dumps(card))
    result = {"metrics": {"fid_fmnist": fid, "recall": recall, "precision": 0.5,
                          "class_entropy": 2.0},
              "settings": settings, "classifier": CLASSIFIER}
    (directory / "eval" / "metrics.json").write_text(json.dumps(result))
    return root


def test_mean_std_is_the_sample_standard_deviation():
    values = [5.07, 6.33, 5.5]
    mean, std = seed_variance.mean_std(values)
    assert mean == pytest.approx(statistics.mean(values))
    assert std == pytest.approx(statistics.stdev(values))
    assert seed_variance.mean_std([1.0, 3.0]) == (2.0, pytest.approx(2 ** 0.5))
    with pytest.raises(ValueError, match="two or more"):
        seed_variance.mean_std([1.0])


def test_seeds_json_and_leaderboard_note(tmp_path):
    zoo = tmp_path / "zoo"
    _export(zoo, "gan", 1, seed=0, fid=9.0, recall=0.1)  # an older version
    _export(zoo, "gan", 2, seed=0, fid=5.0, recall=0.5)
    one = _export(tmp_path / "r1", "gan", 1, seed=1, fid=6.0, recall=0.6)
    two = _export(tmp_path / "r2", "gan", 1, seed=2, fid=7.0, recall=0.7)
    path = seed_variance.write(str(zoo), "gan", [str(two), str(one)])
    content = json.loads(open(path).read())
    assert content["version"] == 2 and content["steps"] == 30
    assert [run["seed"] for run in content["runs"]] == [0, 1, 2]
    assert content["runs"][0]["path"] == os.path.join("gan", "2")

    text = open(leaderboard.write_leaderboard(str(zoo))).read()
    # By hand: FID 5, 6, 7 -> 6 +- 1; recall 0.5, 0.6, 0.7 -> 0.6 +- 0.1.
    assert ("- `gan`, 3 seeds (0, 1, 2), 30 steps: FID-FMNIST 6.00 ± 1.00; "
            "recall 0.600 ± 0.100; precision 0.500 ± 0.000; class H 2.000 ± 0.000.") in text

    _export(zoo, "gan", 3, seed=0, fid=4.0, recall=0.5)  # a newer version: the note says so
    text = open(leaderboard.write_leaderboard(str(zoo))).read()
    assert "`gan` (measured for version 2, not the newest), 3 seeds" in text


@pytest.mark.parametrize("replicate, message", [
    (dict(seed=1, batch_size=128), "in config batch_size, not only the seed"),
    (dict(seed=1, steps=60), "trained 60 steps"),
    (dict(seed=0), "share a seed"),
    (dict(seed=1, settings={"num_samples": 50, "seed": 0}), "other settings"),
])
def test_a_replicate_of_another_recipe_is_refused(tmp_path, replicate, message):
    zoo = _export(tmp_path / "zoo", "gan", 1, seed=0, fid=5.0, recall=0.5)
    other = _export(tmp_path / "r", "gan", 1, fid=6.0, recall=0.6, **replicate)
    with pytest.raises(ValueError, match=message):
        seed_variance.write(str(zoo), "gan", [str(other)])
    assert not (zoo / "gan" / seed_variance.SEEDS_FILE).exists()


def test_command_line(tmp_path):
    zoo = _export(tmp_path / "zoo", "gan", 1, seed=0, fid=5.0, recall=0.5)
    good = _export(tmp_path / "good", "gan", 1, seed=1, fid=6.0, recall=0.6)
    bad = _export(tmp_path / "bad", "gan", 1, seed=2, fid=6.0, recall=0.6, batch_size=8)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in sys.path),
               TF_CPP_MIN_LOG_LEVEL="3")

    def cli(*replicates):
        return subprocess.run(
            [sys.executable, "-m", "otzoo.evaluation.seed_variance_main", "--model=gan",
             f"--export_dir={zoo}", "--replicates=" + ",".join(map(str, replicates))],
            env=env, capture_output=True, text=True, timeout=300)

    proc = cli(good, bad)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("otzoo:")]
    assert len(errors) == 1 and "batch_size" in errors[0], proc.stderr
    assert not (zoo / "gan" / seed_variance.SEEDS_FILE).exists()
    proc = cli(good)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "2 seeds (0, 1)" in proc.stdout
    assert (zoo / "gan" / seed_variance.SEEDS_FILE).exists()


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
