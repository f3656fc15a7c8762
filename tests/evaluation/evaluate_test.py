"""End to end: smoke-trained exports → `evaluate` (library and CLI) → `leaderboard`."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial
import scipy.special
import scipy.stats

from otzoo import export
from otzoo.evaluation import classifier, evaluator, leaderboard
from otzoo.evaluation.exported_model import ExportedModel
from otzoo.training import strategies, trainer
from tests.evaluation import helpers

SMALL = dict(num_samples=120, num_w2_samples=60, num_projections=64, kid_subsets=4,
             kid_subset_size=50, classifier_score_splits=2, seed=0)
SAMPLE_KEYS = {"fid_fmnist", "kid", "kid_std", "classifier_score", "classifier_score_std",
               "class_entropy", "precision", "recall", "w2", "sw2"}
AUTOENCODER_KEYS = {"reconstruction_mse", "reconstruction_bce", "latent_sw2", "latent_mmd"}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """An export root with a GAN (swgan, pixels in (-1, 1)), a VAE with a 2-D latent
    space (pixels in (0, 1)) and a tiny classifier."""
    root = tmp_path_factory.mktemp("exported")
    work = tmp_path_factory.mktemp("work")
    strategy = strategies.make_strategy("one_device")
    configs = {
        "swgan": helpers.smoke_config("swgan"),
        "vae": helpers.smoke_config("vae", **{"model_kwargs.latent_dim": 2,
                                             "networks.encoder.kwargs.output_dim": 4,
                                             "networks.decoder.kwargs.latent_dim": 2}),
    }
    for name, config in configs.items():
        model, summary = trainer.train(config, str(work / name), strategy, verbose=0)
        export.export_model(model, config, str(root), summary=summary)
    model, summary = helpers.tiny_classifier()
    classifier.export_classifier(model, str(root), summary, 0.75, 1000, command="test")
    test_images, test_labels = helpers.fashion_mnist("test", 400)
    return root, classifier.load_classifier(str(root / "classifier")), test_images, test_labels


def _finite(metrics, keys):
    missing = keys - set(metrics)
    assert not missing, missing
    return all(math.isfinite(metrics[k]) for k in keys)


def _metrics_by_hand(generated, extractor, test_images, settings):
    """FID, classifier score, class entropy and k-NN precision/recall in plain
    NumPy/SciPy, against the evaluator's documented real subset of `test_images`."""
    index = np.sort(np.random.default_rng(settings.seed).choice(
            len(test_images), settings.num_samples, replace=False))
    real = test_images[index]
    f_gen = np.asarray(extractor.features(generated), np.float64)
    f_real = np.asarray(extractor.features(real), np.float64)
    # Fréchet distance of Gaussians fitted to the features (Heusel et al. 2017).
    mu_g, mu_r = f_gen.mean(0), f_real.mean(0)
    cov_g, cov_r = np.cov(f_gen, rowvar=False), np.cov(f_real, rowvar=False)
    root = scipy.linalg.sqrtm(cov_g @ cov_r).real
    fid = np.sum((mu_g - mu_r) ** 2) + np.trace(cov_g + cov_r - 2 * root)
    # Classifier score exp(E_x KL(p(y|x) || p(y))), averaged over splits.
    probabilities = np.asarray(extractor.probabilities(generated), np.float64)
    scores = []
    for part in np.array_split(probabilities, settings.classifier_score_splits):
        kl = scipy.special.rel_entr(part, part.mean(0, keepdims=True)).sum(1)
        scores.append(np.exp(kl.mean()))
    # Class entropy: Shannon entropy (nats) of the predicted-class counts.
    class_entropy = scipy.stats.entropy(np.bincount(np.argmax(probabilities, axis=1),
                                                    minlength=probabilities.shape[1]))

    # Improved precision/recall (Kynkäänniemi et al. 2019) by brute force.
    def coverage(queries, support):
        own = scipy.spatial.distance.cdist(support, support)
        radii = np.sort(own, axis=1)[:, settings.k]  # index 0 is the point itself
        return np.mean(np.any(scipy.spatial.distance.cdist(queries, support)
                              <= radii[None, :] * (1 + 1e-9), axis=1))

    return {"fid_fmnist": fid, "classifier_score": np.mean(scores),
            "class_entropy": class_entropy,
            "precision": coverage(f_gen, f_real), "recall": coverage(f_real, f_gen)}


def test_exported_model_maps_images_to_unit_range(zoo):
    root, _, test_images, _ = zoo
    gan = ExportedModel(str(root / "swgan"))
    assert gan.value_range == (-1.0, 1.0) and not gan.is_autoencoder
    images, codes, outside = gan.sample(30, seed=3)
    assert images.shape == (30, 28, 28, 1) and codes.shape == (30, gan.latent_dim)
    assert images.min() >= 0 and images.max() <= 1 and outside == 0.0  # tanh output
    again, _, _ = gan.sample(30, seed=3)
    np.testing.assert_array_equal(images, again)  # (num_samples, seed) → same images
    # decode(z) = the sample signature mapped to [0, 1].
    np.testing.assert_allclose(gan.decode(codes), images, atol=1e-6)
    np.testing.assert_allclose(gan.to_unit(np.array([-1.0, 0.0, 1.0, 3.0]))[0],
                               [0.0, 0.5, 1.0, 1.0])
    assert gan.to_unit(np.array([-1.0, 0.0, 1.0, 3.0]))[1] == 0.25
    vae = ExportedModel(str(root / "vae" / "1"))
    assert vae.is_autoencoder and vae.latent_dim == 2
    reconstructions, _ = vae.reconstruct(test_images[:5])
    assert reconstructions.shape == (5, 28, 28, 1)
    with pytest.raises(ValueError, match="not an autoencoder"):
        gan.encode(test_images[:2])


def test_gaussian_encoder_codes_are_posterior_draws(zoo):
    root, _, test_images, _ = zoo
    vae = ExportedModel(str(root / "vae" / "1"))
    images = np.repeat(test_images[:1], 4000, axis=0)  # one x: draws of q(z|x)
    out = vae.signatures["encode"](images=vae.from_unit(images[:1]))
    mean, log_var = out["z"].numpy()[0], out["log_var"].numpy()[0]
    np.testing.assert_allclose(vae.encode(images[:3]), np.tile(mean, (3, 1)), rtol=1e-5,
                               atol=1e-6)
    draws = vae.encode(images, sample=True, seed=5)
    # 4000 draws: mean within 4 standard errors, std within 5%.
    std = np.exp(0.5 * log_var)
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * std / np.sqrt(len(draws)))
    np.testing.assert_allclose(draws.std(0), std, rtol=0.05)
    np.testing.assert_array_equal(draws, vae.encode(images, sample=True, seed=5))


def test_evaluate_model_writes_metrics_and_images(zoo, tmp_path):
    root, extractor, test_images, test_labels = zoo
    settings = evaluator.EvaluationSettings(**SMALL)
    result = evaluator.evaluate_model(str(root / "vae"), extractor, test_images,
                                      test_labels, output_dir=str(tmp_path),
                                      settings=settings, log=lambda *_: None)
    metrics = result["metrics"]
    assert _finite(metrics, SAMPLE_KEYS | AUTOENCODER_KEYS)
    # The same numbers recomputed by hand from the export, the real subset and the
    # classifier: the evaluator scores the samples it says it scores, against the
    # test images it says, with the formulas of the papers.
    model = ExportedModel(str(root / "vae"))
    generated = model.sample(settings.num_samples, settings.seed)[0]
    expected = _metrics_by_hand(generated, extractor, test_images, settings)
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, rel=1e-4, abs=1e-9), key
    # 2 training steps leave precision and recall at 0; real images as "samples"
    # check those formulas where they are not.
    lookalikes = test_images[-settings.num_samples:]
    real = evaluator.real_subset(test_images, settings.num_samples, settings.seed)[0]
    real_metrics = evaluator.sample_metrics(lookalikes, real, extractor, settings)
    expected = _metrics_by_hand(lookalikes, extractor, test_images, settings)
    assert 0.2 < expected["precision"] < 1 and 0.2 < expected["recall"] < 1, expected
    # Real images spread over the classes: the class-entropy oracle is not checked at 0.
    assert 1.5 < expected["class_entropy"] <= math.log(10), expected
    for key, value in expected.items():
        assert real_metrics[key] == pytest.approx(value, rel=1e-4, abs=1e-9), key
    assert set(result["images"]) == {"samples", "interpolation", "reconstructions",
                                      "latent_scatter"}
    for image in result["images"].values():
        assert (tmp_path / image).stat().st_size > 0
    written = json.loads((tmp_path / evaluator.METRICS_FILE).read_text())
    assert written["metrics"] == metrics and written["version"] == 1
    assert written["settings"]["num_samples"] == 120
    assert written["classifier"]["test_accuracy"] == 0.75


def test_real_floor_beats_an_untrained_model(zoo, tmp_path):
    """Train vs. test images score far better than a 2-step generator (sanity of the
    floor and of the metric directions)."""
    root, extractor, test_images, test_labels = zoo
    settings = evaluator.EvaluationSettings(**SMALL)
    train_images, _ = helpers.fashion_mnist("train", 400)
    floor = evaluator.evaluate_real_floor(train_images, test_images, extractor,
                                          str(tmp_path / "floor"), settings,
                                          log=lambda *_: None)["metrics"]
    model = evaluator.evaluate_model(str(root / "swgan"), extractor, test_images,
                                     test_labels, output_dir=str(tmp_path / "gan"),
                                     settings=settings, log=lambda *_: None)["metrics"]
    assert _finite(floor, SAMPLE_KEYS)
    assert floor["fid_fmnist"] < model["fid_fmnist"]
    assert floor["w2"] < model["w2"] and floor["sw2"] < model["sw2"]
    assert floor["precision"] > model["precision"]
    assert (tmp_path / "floor" / "samples.png").exists()


def test_settings_are_validated():
    with pytest.raises(ValueError, match="num_samples"):
        evaluator.EvaluationSettings(num_samples=0)
    with pytest.raises(ValueError, match="classifier_score_splits"):
        evaluator.EvaluationSettings(num_samples=5, classifier_score_splits=10)


def test_figure_layouts():
    images = np.arange(25, dtype=np.float32).reshape(25, 1, 1, 1)
    pairs = evaluator.reconstruction_pairs(images, -images, rows=2, columns=10)
    np.testing.assert_array_equal(pairs[:10, 0, 0, 0], np.arange(10))  # originals
    np.testing.assert_array_equal(pairs[10:20, 0, 0, 0], -np.arange(10))  # their recons
    np.testing.assert_array_equal(pairs[20:30, 0, 0, 0], np.arange(10, 20))
    assert len(evaluator.reconstruction_pairs(images[:3], images[:3])) == 6  # few images
    start, end = np.zeros((2, 3)), np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    codes = evaluator.interpolation_codes(start, end, steps=5).reshape(2, 5, 3)
    np.testing.assert_allclose(codes[:, 0], start)
    np.testing.assert_allclose(codes[:, -1], end)
    np.testing.assert_allclose(codes[1, 2], end[1] / 2)


def _cli(module, *args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("BUILD_WORKSPACE_DIRECTORY", None)
    return subprocess.run([sys.executable, "-m", module, *args], env=env,
                          capture_output=True, text=True, timeout=900)


def test_evaluate_and_leaderboard_commands(zoo):
    root = zoo[0]
    small = [f"--{k}={v}" for k, v in SMALL.items() if k != "classifier_score_splits"]
    proc = _cli("otzoo.evaluation.evaluate_main", f"--export_dir={root}", "--model=all",
                "--real_floor", *small)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("swgan", "vae"):
        result = json.loads((root / name / "1" / "eval" / "metrics.json").read_text())
        assert result["name"] == name and _finite(result["metrics"], SAMPLE_KEYS)
    assert not (root / "classifier" / "1" / "eval").exists()  # not a contestant
    floor = json.loads((root / "real_floor" / "metrics.json").read_text())
    assert floor["kind"] == "real_floor"

    proc = _cli("otzoo.evaluation.leaderboard_main", f"--export_dir={root}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = (root / leaderboard.LEADERBOARD_FILE).read_text()
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert "real data" in table[1] and len(table) == 4  # header, floor, two models
    assert "classifier" not in "".join(table)
    rows, _ = leaderboard.collect(str(root))
    fids = [row["result"]["metrics"]["fid_fmnist"] for row in rows]
    assert fids == sorted(fids)  # sorted by FID-FMNIST
    assert [r["name"] for r in rows] == [line.split("`")[1] for line in table[2:]]
    assert 'src="swgan/1/eval/samples.png"' in text and "†" not in text
    assert f"{rows[0]['card']['training']['steps']} |" in table[2]
    # Regenerating an unchanged zoo leaves the file unchanged.
    leaderboard.write_leaderboard(str(root))
    assert (root / leaderboard.LEADERBOARD_FILE).read_text() == text

    proc = _cli("otzoo.evaluation.evaluate_main", f"--export_dir={root}", "--model=nope")
    assert proc.returncode != 0 and "swgan" in proc.stderr and "vae" in proc.stderr


def _fake_export(root, name, version, card, result=None):
    directory = root / name / str(version)
    directory.mkdir(parents=True)
    (directory / "model_card.json").write_text(json.dumps(card))
    if result is not None:
        (directory / "eval").mkdir()
        (directory / "eval" / "metrics.json").write_text(json.dumps(result))


def test_leaderboard_rows_order_floor_and_marks(tmp_path):
    settings = {"num_samples": 100, "seed": 0}
    info = {"version": 1, "test_accuracy": 0.91}

    def result(fid, **overrides):
        return {"metrics": {"fid_fmnist": fid, "kid": 1e-3, "kid_std": 1e-4,
                            "classifier_score": 4.5, "class_entropy": math.log(10)},
                "settings": overrides.get("settings", settings), "classifier": info,
                "images": {"samples": "samples.png"}}

    card = {"model": "wgan", "training": {"steps": 7, "wall_time_s": 90}}
    _fake_export(tmp_path, "worse", 1, card, result(3.0))
    _fake_export(tmp_path, "better", 2, card, result(1.0))
    _fake_export(tmp_path, "better", 1, card, result(0.5))  # not the newest version
    _fake_export(tmp_path, "other_settings", 1, card,
                 result(2.0, settings={"num_samples": 50, "seed": 0}))
    _fake_export(tmp_path, "pending", 1, card)
    _fake_export(tmp_path, "classifier", 1, {"kind": "feature_extractor"})
    (tmp_path / "real_floor").mkdir()
    (tmp_path / "real_floor" / "metrics.json").write_text(json.dumps(result(0.1)))
    path = leaderboard.write_leaderboard(str(tmp_path))
    text = open(path).read()
    table = [line for line in text.splitlines() if line.startswith("| ")]
    names = [line.split("`")[1] for line in table[2:]]
    assert names == ["better", "other_settings", "worse", "pending"]
    assert "real data" in table[1] and "0.10" in table[1]
    assert "| CS ↑ | class H ↑ | precision ↑ |" in table[0]
    better = table[2]
    assert "| 2 |" in better and "1.00" in better and "0.0010 ± 0.0001" in better  # KID
    assert "| 4.50 | 2.303 | — |" in better  # CS, class H, no precision
    assert "| 7 | 1.5 min |" in better and 'src="better/2/eval/samples.png"' in better
    assert "†" in table[3] and "†" not in better and "not evaluated" in table[5]
    assert "classifier" not in "".join(table) and "test accuracy 0.9100" in text


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
