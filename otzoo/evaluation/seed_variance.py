"""Seed variance: the shipped recipe of an entry trained again with other seeds.

`exported/<name>/seeds.json` holds, for the newest version of `<name>` and for each
replicate (an export of the same recipe and steps, trained with another `config.seed`),
the seed and the evaluation metrics; the leaderboard's notes show their mean ± sample
standard deviation (n - 1). A replicate counts only if its config equals the shipped
one's except for the seed (and the config's `steps`, which older cards did not record:
the trained steps are compared instead) and it was evaluated with the same settings and
classifier, so the spread is that of the seed alone.

    python -m otzoo.evaluation.seed_variance_main --model=gan \
        --replicates=runs/exp_seed1,runs/exp_seed2
"""

import json
import math
import os
import re

from otzoo.evaluation.evaluator import EVAL_SUBDIR, METRICS_FILE

SEEDS_FILE = "seeds.json"
# (metric key, label, format) shown in the leaderboard's notes.
METRICS = (("fid_fmnist", "FID-FMNIST", "{:.2f}"), ("recall", "recall", "{:.3f}"),
           ("precision", "precision", "{:.3f}"), ("class_entropy", "class H", "{:.3f}"))
_IGNORED_CONFIG_KEYS = ("seed", "steps")


def _read(path):
    with open(path) as f:
        return json.load(f)


def _newest(export_root, name):
    """(version, card, eval result) of the newest version of `name` under `export_root`."""
    model_dir = os.path.join(export_root, name)
    versions = sorted(int(v) for v in (os.listdir(model_dir) if os.path.isdir(model_dir)
                                       else ()) if re.fullmatch(r"\d+", v))
    if not versions:
        raise ValueError(f"{model_dir} holds no exported version")
    version_dir = os.path.join(model_dir, str(versions[-1]))
    metrics = os.path.join(version_dir, EVAL_SUBDIR, METRICS_FILE)
    if not os.path.exists(metrics):
        raise ValueError(f"{version_dir} is not evaluated (no {EVAL_SUBDIR}/{METRICS_FILE}); "
                         f"run otzoo.evaluation.evaluate_main on it first")
    return versions[-1], _read(os.path.join(version_dir, "model_card.json")), _read(metrics)


def _recipe(card):
    config = {k: v for k, v in card["config"].items() if k not in _IGNORED_CONFIG_KEYS}
    return config, card["training"]["steps"]


def record(export_root, name, replicate_roots):
    """The seeds.json content for `name`: the shipped version and each replicate.

    Raises ValueError when a replicate's recipe, steps or evaluation settings differ
    from the shipped version's, or when two runs share a seed.
    """
    version, card, result = _newest(export_root, name)
    runs = [{"seed": card["config"]["seed"], "path": os.path.join(name, str(version)),
             "metrics": {key: result["metrics"].get(key) for key, _, _ in METRICS}}]
    recipe = _recipe(card)
    for root in replicate_roots:
        other_version, other_card, other_result = _newest(root, name)
        where = os.path.join(root, name, str(other_version))
        other_recipe = _recipe(other_card)
        if other_recipe[1] != recipe[1]:
            raise ValueError(f"{where} trained {other_recipe[1]} steps, the shipped "
                             f"{name}/{version} {recipe[1]}")
        if other_recipe[0] != recipe[0]:
            keys = sorted(k for k in set(recipe[0]) | set(other_recipe[0])
                          if recipe[0].get(k) != other_recipe[0].get(k))
            raise ValueError(f"{where} differs from the shipped {name}/{version} in config "
                             f"{', '.join(keys)}, not only the seed")
        for key in ("settings", "classifier"):
            if other_result.get(key) != result.get(key):
                raise ValueError(f"{where} was evaluated with other {key} than the shipped "
                                 f"{name}/{version}; evaluate both alike")
        runs.append({"seed": other_card["config"]["seed"], "path": where,
                     "metrics": {key: other_result["metrics"].get(key)
                                 for key, _, _ in METRICS}})
    seeds = [run["seed"] for run in runs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"runs share a seed ({seeds}): each replicate needs its own")
    return {"name": name, "version": version, "steps": recipe[1],
            "runs": sorted(runs, key=lambda run: run["seed"])}


def write(export_root, name, replicate_roots):
    """Writes `<export_root>/<name>/seeds.json`; returns its path."""
    content = record(export_root, name, replicate_roots)
    path = os.path.join(export_root, name, SEEDS_FILE)
    with open(path + ".tmp", "w") as f:
        json.dump(content, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path


def read(export_root, name):
    """The seeds.json content of `name`, or None."""
    path = os.path.join(export_root, name, SEEDS_FILE)
    return _read(path) if os.path.exists(path) else None


def mean_std(values):
    """(mean, sample standard deviation with n - 1) of two or more numbers."""
    if len(values) < 2:
        raise ValueError(f"a spread needs two or more runs, got {len(values)}")
    mean = math.fsum(values) / len(values)
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def describe(content, newest_version):
    """One Markdown line: each metric's mean ± std over the seeds of `content`."""
    runs = content["runs"]
    parts = []
    for key, label, fmt in METRICS:
        values = [run["metrics"][key] for run in runs if run["metrics"].get(key) is not None]
        if len(values) == len(runs):
            mean, std = mean_std(values)
            parts.append(f"{label} {fmt.format(mean)} ± {fmt.format(std)}")
    stale = ("" if content["version"] == newest_version else
             f" (measured for version {content['version']}, not the newest)")
    seeds = ", ".join(str(run["seed"]) for run in runs)
    return (f"`{content['name']}`{stale}, {len(runs)} seeds ({seeds}), "
            f"{content['steps']} steps: " + "; ".join(parts) + ".")
