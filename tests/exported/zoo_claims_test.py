"""What the README and the leaderboard say about the shipped zoo, checked against it.

* each shipped version is what `bazel run //otzoo:train -- --model=<name>` trains: its
  card's resolved config equals the zoo config's default, steps included;
* the README's "CPU default" steps are the configs' steps;
* the README's loading example names the newest swgan version;
* `exported/LEADERBOARD.md` is what the generator writes from the shipped files now.
"""

import importlib
import json
import os
import re
import sys

import pytest

import zoo_configs
from otzoo.evaluation import leaderboard, paths

ROOT = paths.workspace_root()
EXPORTED = os.path.join(ROOT, "exported")


def _newest(name):
    model_dir = os.path.join(EXPORTED, name)
    versions = [int(v) for v in os.listdir(model_dir) if re.fullmatch(r"\d+", v)]
    return max(versions) if versions else None


def _shipped():
    """{name: newest card} of every zoo entry in exported/."""
    cards = {}
    for name in sorted(zoo_configs.available()):
        if os.path.isdir(os.path.join(EXPORTED, name)) and _newest(name) is not None:
            with open(os.path.join(EXPORTED, name, str(_newest(name)),
                                   "model_card.json")) as f:
                cards[name] = json.load(f)
    return cards


def _readme():
    with open(os.path.join(ROOT, "README.md")) as f:
        return f.read()


def test_every_zoo_entry_is_shipped():
    assert sorted(_shipped()) == sorted(zoo_configs.available())


@pytest.mark.parametrize("name", sorted(zoo_configs.available()))
def test_shipped_version_is_the_default_config(name):
    card = _shipped()[name]
    config = importlib.import_module(f"zoo_configs.{name}").get_config()
    default = json.loads(config.to_json_best_effort())
    assert card["config"] == default, f"exported/{name}/{card['version']} has another recipe"
    assert card["training"]["steps"] == config.steps


def test_readme_cpu_default_steps_are_the_configs():
    rows = [line.split("|")[1:-1] for line in _readme().splitlines()
            if line.startswith("| ") and line.split("|")[1].strip() in zoo_configs.available()]
    seen = {}
    for cells in rows:
        name, cpu_default = cells[0].strip(), cells[3]
        match = re.search(r"([\d,]+) steps", cpu_default)
        if match:
            seen[name] = int(match.group(1).replace(",", ""))
    assert sorted(seen) == sorted(zoo_configs.available()), "a row without its steps"
    for name, steps in seen.items():
        config = importlib.import_module(f"zoo_configs.{name}").get_config()
        assert steps == config.steps, f"README says {steps} steps for {name}"


def test_readme_loads_the_newest_swgan():
    named = set(re.findall(r"exported/swgan/(\d+)", _readme()))
    assert named == {str(_newest("swgan"))}


def test_leaderboard_is_current():
    with open(os.path.join(EXPORTED, leaderboard.LEADERBOARD_FILE)) as f:
        committed = f.read()
    assert committed == leaderboard.render(*leaderboard.collect(EXPORTED)), (
        "exported/LEADERBOARD.md is stale: run bazel run //otzoo:leaderboard")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
