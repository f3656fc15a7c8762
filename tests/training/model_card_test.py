"""Model cards say what a user must feed and can expect: the latent prior (checked against
draws), pixel ranges in and out, the weights, the recipe and its deviations, and the
evaluation once `evaluate` has run (the card is rewritten from eval/metrics.json)."""

import copy
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import scipy.stats
import tensorflow as tf

import zoo_configs
from otzoo import export
from otzoo.export import cards
from otzoo.export.signatures import seed_pair
from otzoo.models.priors import PRIORS, get_prior
from otzoo.training import strategies, trainer
from tests.training import common

# Non-default parameters, so that a description that ignored them would show; a prior
# missing here is still checked with its defaults.
PRIOR_KWARGS = {"normal": {"scale": 0.7}, "uniform": {"half_width": 2.5},
                "disk": {"radius": 3.0}, "ring": {"radius": 2.0, "noise": 0.05},
                "gaussian_mixture": {"num_components": 4, "radius": 3.0, "scale": 0.2}}
N = 4000


def _draws(prior):
    return prior.sample(N, tf.constant([1, 2], tf.int32)).numpy().astype(np.float64)


def _check_range(name, p, z, claim):
    """The card's `range` claim (text), checked on draws (NumPy and SciPy as the oracle)."""
    norms = np.linalg.norm(z, axis=1)
    if name == "uniform":  # each coordinate U(-h, h)
        assert f"every coordinate in [-{p['half_width']}, {p['half_width']}]" == claim
        assert np.all(np.abs(z) <= p["half_width"])
        assert scipy.stats.kstest(z[:, 0], "uniform", args=(-p["half_width"],
                                                            2 * p["half_width"])).pvalue > 1e-3
    elif name == "normal":  # each coordinate N(0, scale²)
        assert f"±{3 * p['scale']:g}" in claim
        assert np.mean(np.abs(z) <= 3 * p["scale"]) > 0.99
        assert scipy.stats.kstest(z[:, 0], "norm", args=(0, p["scale"])).pvalue > 1e-3
    elif name == "disk":  # |z| <= r, and (|z| / r)^d ~ U(0, 1): the volume law
        assert claim == f"|z| <= {p['radius']}"
        assert np.all(norms <= p["radius"] * (1 + 1e-6))
        assert scipy.stats.kstest((norms / p["radius"]) ** p["latent_dim"],
                                  "uniform").pvalue > 1e-3
    elif name == "ring":  # |z| = r up to the noise
        assert f"close to {p['radius']}" in claim and f"deviation {p['noise']}" in claim
        assert np.all(np.abs(norms - p["radius"]) < 6 * p["noise"] * np.sqrt(p["latent_dim"]))
    elif name == "gaussian_mixture":  # near one of the K means on the circle of radius r
        assert f"deviation {p['scale']} around each" in claim
        angles = 2 * np.pi * np.arange(p["num_components"]) / p["num_components"]
        means = np.zeros((p["num_components"], p["latent_dim"]))
        means[:, 0], means[:, 1] = p["radius"] * np.cos(angles), p["radius"] * np.sin(angles)
        nearest = np.min(np.linalg.norm(z[:, None] - means[None], axis=-1), axis=1)
        assert np.all(nearest < 6 * p["scale"] * np.sqrt(p["latent_dim"]))
    else:
        pytest.fail(f"no range check for the prior {name!r}: add one here")


@pytest.mark.parametrize("name", PRIORS.names())
def test_every_registered_prior_is_described_truthfully(name):
    prior = get_prior(name, 3, **PRIOR_KWARGS.get(name, {}))
    entry = cards.describe_prior(prior)
    assert name in cards.PRIOR_DESCRIPTIONS, f"describe {name!r} in otzoo/export/cards.py"
    assert entry["name"] == name and entry["parameters"] == prior.get_config()
    for key, value in prior.get_config().items():  # the law names every parameter
        assert str(value) in entry["distribution"], (key, entry["distribution"])
    _check_range(name, prior.get_config(), _draws(prior), entry["range"])


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """A GAN (swgan, pixels in [-1, 1], uniform prior) and an autoencoder (vae, [0, 1],
    normal prior), built but not trained, exported with a recorded training command."""
    root = tmp_path_factory.mktemp("exported")
    models = {}
    for name in ("swgan", "vae"):
        config = common.smoke_config(name)
        model = trainer.build_compiled_model(config, strategies.make_strategy("one_device"),
                                             tuple(config.data.shape))
        summary = {"steps": 2, "total_wall_time_s": 12.5, "wall_time_s": 3.0}
        export.export_model(model, config, str(root), summary=summary,
                            command=f"bazel run //otzoo:train -- --model={name}")
        models[name] = (model, config)
    return root, models


def _card(root, name):
    directory = root / name / "1"
    return (json.loads((directory / "model_card.json").read_text()),
            (directory / "MODEL_CARD.md").read_text())


def test_gan_card_names_its_uniform_prior_and_sample_n_follows_it(zoo):
    root, models = zoo
    model, config = models["swgan"]
    card, text = _card(root, "swgan")
    d = config.model_kwargs.latent_dim
    assert card["latent_prior"]["name"] == "uniform"
    assert card["latent_prior"]["parameters"] == {"half_width": 1.0, "latent_dim": d}
    assert f"Latent prior: uniform on the cube [-1.0, 1.0]^{d}" in text
    assert "`sample` takes codes z" in text and "`decode`" not in text  # a GAN has no decode
    assert "Output pixels (`images`, `reconstructions`) are in [-1.0, 1.0]." in text
    assert "`encode`" not in text
    # What the card says `sample_n` does: codes from the prior, seeded by [seed, 0].
    loaded = tf.saved_model.load(str(root / "swgan" / "1"))
    out = loaded.signatures["sample_n"](num_samples=tf.constant(512),
                                        seed=tf.constant(3, tf.int64))
    z = out["z"].numpy()
    assert np.all(np.abs(z) <= 1.0) and z.min() < -0.9 and z.max() > 0.9
    np.testing.assert_array_equal(z, model.sample_prior_stateless(512, [3, 0]))


def test_autoencoder_card_names_the_input_range(zoo):
    root, _ = zoo
    card, text = _card(root, "vae")
    assert card["latent_prior"]["name"] == "normal"
    assert "Latent prior: N(0, 1.0² I_8)" in text
    assert "`sample` and `decode` take codes z, float32 [n, 8]" in text
    assert ("`encode` and `reconstruct` take images float32 [n, 28, 28, 1] with pixels in "
            "[0.0, 1.0] as well (8-bit data x: x / 255)") in " ".join(text.split())


def test_card_names_weights_training_and_recipe(zoo):
    root, models = zoo
    card, text = _card(root, "swgan")
    assert card["ema_decay"] is None and "weights" not in card
    assert "As trained: no weight averaging (`model_kwargs.ema_decay` unset)." in text
    assert "2 steps, 12.5 s wall time in all" in text
    assert "Command: `bazel run //otzoo:train -- --model=swgan`" in text

    default = zoo_configs.swgan.get_config()
    recipe = card["recipe"]
    assert recipe["source"] == "zoo_configs/swgan.py"
    assert zoo_configs.swgan.__doc__.strip().splitlines()[0] in recipe["description"]
    assert "bazel run" not in recipe["description"]
    assert recipe["differs_from_default_variant"]["steps"] == [default.steps, 2]
    assert f"  - `steps`: `{default.steps}` → `2`" in text
    try:
        paper = zoo_configs.swgan.get_config("paper")
    except ValueError:  # this config has no paper variant (yet)
        assert recipe["differs_from_paper_variant"] is None
    else:
        assert recipe["differs_from_paper_variant"]["steps"] == [paper.steps, 2]

    # Averaged weights, and a config that lists its deviations, as a card renders them.
    averaged = copy.deepcopy(card)
    averaged.update(weights="exponential moving average of the generator's weights",
                    ema_decay=0.999)
    averaged["recipe"]["deviations"] = ["batch 256, not the paper's 64"]
    text = cards.card_markdown(averaged)
    assert ("Weights: exponential moving average of the generator's weights "
            "(`model_kwargs.ema_decay = 0.999`), in every signature.") in text
    assert "Deviations from the paper, as the config lists them:\n\n- batch 256" in text


def test_config_differences_mark_unset_keys():
    diff = cards.config_differences({"a": {"b": 1, "c": None}, "d": 2},
                                    {"a": {"b": 1, "e": 3}, "d": 4})
    assert diff == {"a.c": [cards.UNSET, None], "a.e": [3, cards.UNSET], "d": [4, 2]}


def _metrics_json(version, metrics):
    return {"kind": "model", "name": "swgan", "version": version, "metrics": metrics,
            "settings": {"num_samples": 10000, "seed": 0}, "classifier": {"version": 1},
            "evaluated_at": "2026-11-24T08:39:25+00:00"}


def test_refresh_puts_the_evaluation_into_the_card(zoo, tmp_path):
    root, _ = zoo
    directory = tmp_path / "swgan" / "1"
    shutil.copytree(root / "swgan" / "1", directory)
    _, before = _card(tmp_path, "swgan")
    assert ("Not evaluated yet: `bazel run //otzoo:evaluate -- --model=swgan --version=1` "
            "fills this table.") in before
    with pytest.raises(FileNotFoundError):
        export.refresh_model_card(str(directory))

    (directory / "eval").mkdir()
    (directory / "eval" / "metrics.json").write_text(
        json.dumps(_metrics_json(2, {"fid_fmnist": 1.0})))
    with pytest.raises(ValueError, match="evaluates version 2"):
        export.refresh_model_card(str(directory))

    metrics = {"fid_fmnist": 31.142283851781343, "recall": 0.143}
    (directory / "eval" / "metrics.json").write_text(json.dumps(_metrics_json(1, metrics)))
    export.refresh_model_card(str(directory), command="bazel run //otzoo:evaluate -- x")
    card, text = _card(tmp_path, "swgan")
    assert card["metrics"] == metrics and card["evaluation"]["metrics"] == metrics
    assert "| fid_fmnist | 31.14 |\n| recall | 0.143 |" in text
    assert "(none)" not in text and "Not evaluated yet" not in text
    assert "with `bazel run //otzoo:evaluate -- x`" in text
    # A second evaluation without a command keeps the recorded one.
    export.refresh_model_card(str(directory))
    assert _card(tmp_path, "swgan")[0]["evaluation"]["command"] == (
        "bazel run //otzoo:evaluate -- x")


def test_cards_written_before_these_fields_still_render(zoo):
    """The shipped versions' cards lack the prior, weights and recipe: a refresh of one
    must say so rather than fail."""
    root, _ = zoo
    card, _ = _card(root, "swgan")
    for key in ("latent_prior", "ema_decay", "recipe", "export_command"):
        del card[key]
    text = cards.card_markdown(card)
    assert ("Latent prior: not recorded by the export that wrote this card; its config sets "
            "`model_kwargs.prior = 'uniform'`.") in " ".join(text.split())
    assert "Weight averaging: not recorded" in text


# `evaluate` with the expensive parts replaced: the card refresh is what is tested.
_EVALUATE = """
import json, os, sys
import numpy as np
import otzoo.data
from otzoo.evaluation import classifier, evaluate_main, evaluator
from otzoo.evaluation.classifier.model import latest_version_dir

classifier.load_classifier = lambda path: None
images = np.zeros((10, 28, 28, 1), np.float32)
otzoo.data.load_numpy = lambda *a, **k: ((images, np.zeros(10)) if k.get("as_supervised")
                                        else images)

def evaluate_model(path, extractor, images, labels, output_dir=None, settings=None):
    path = latest_version_dir(path) if not os.path.isdir(os.path.join(path, "variables")) \\
        else path
    result = {"kind": "model", "name": os.path.basename(os.path.dirname(path)),
              "version": int(os.path.basename(path)), "model_path": path,
              "metrics": {"fid_fmnist": 12.5, "kid": 0.25}, "settings": settings.as_dict(),
              "classifier": {"version": 1}, "evaluated_at": "2026-11-29T00:00:00+00:00"}
    evaluator.write_json(result, os.path.join(output_dir or os.path.join(path, "eval"),
                                              "metrics.json"))
    return result

evaluator.evaluate_model = evaluate_model
sys.argv = ["evaluate"] + sys.argv[1:]
evaluate_main.run()
"""


def test_evaluate_command_refreshes_the_card(zoo, tmp_path):
    root, _ = zoo
    root = shutil.copytree(root, tmp_path / "exported")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    run = lambda *args: subprocess.run([sys.executable, "-c", _EVALUATE, *args], env=env,
                                       capture_output=True, text=True, timeout=300)
    proc = run(f"--export_dir={root}", "--model=vae", f"--output_dir={tmp_path / 'out'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "out" / "metrics.json").exists()
    assert "Not evaluated yet" in _card(root, "vae")[1]  # elsewhere: not this version's

    proc = run(f"--export_dir={root}", "--model=all", "--num_samples=20")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("swgan", "vae"):
        card, text = _card(root, name)
        assert card["evaluation"]["metrics"] == {"fid_fmnist": 12.5, "kid": 0.25}
        assert "| fid_fmnist | 12.5 |\n| kid | 0.25 |" in text
        command = (f"bazel run //otzoo:evaluate -- --model={name} --version=1 "
                   f"--export_dir={root} --num_samples=20")
        assert card["evaluation"]["command"] == command
        assert f"otzoo: updated {root / name / '1' / 'MODEL_CARD.md'}" in proc.stdout


def test_seed_pair_keeps_int32_seeds_and_separates_the_rest(zoo):
    int32 = [0, 5, -1, 2 ** 31 - 1, -2 ** 31]
    for seed in int32:
        assert seed_pair(tf.constant(seed, tf.int64)).numpy().tolist() == [seed, 0]
    extreme = int32 + [2 ** 31, 2 ** 32, 2 ** 32 + 5, -2 ** 32, 2 ** 63 - 1, -2 ** 63]
    pairs = [tuple(seed_pair(tf.constant(s, tf.int64)).numpy()) for s in extreme]
    assert len(set(pairs)) == len(extreme)
    assert all(-2 ** 31 <= v < 2 ** 31 for pair in pairs for v in pair)
    loaded = tf.saved_model.load(str(zoo[0] / "swgan" / "1"))
    z = lambda seed: loaded.signatures["sample_n"](
        num_samples=tf.constant(4), seed=tf.constant(seed, tf.int64))["z"].numpy()
    assert not np.array_equal(z(0), z(2 ** 32))  # a single int32 cast drew the same codes


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
