"""Evaluates an exported zoo model (or the real-vs-real floor) and writes JSON + PNGs.

Metrics (keys of `metrics.json`; ↓ lower is better, ↑ higher is better), computed with
images in [0, 1] against the Fashion-MNIST test split:

| key | metric | module |
|---|---|---|
| fid_fmnist ↓ | Fréchet distance in the project classifier's features | frechet |
| kid ↓, kid_std | unbiased MMD², cubic polynomial kernel, in the same features | kid |
| classifier_score ↑, classifier_score_std | Inception Score analogue | classifier_score |
| class_entropy ↑ | entropy (nats, ≤ log 10) of the predicted classes | class_entropy |
| precision ↑, recall ↑ | k-NN manifolds (k = 3) in the same features | precision_recall |
| w2 ↓ | exact W_2 in pixel space on `num_w2_samples` images of each set | transport |
| sw2 ↓ | SW_2 in pixel space, `num_projections` (10⁴) directions | transport |
| reconstruction_mse ↓, reconstruction_bce ↓ | test reconstruction (AEs) | reconstruction |
| latent_sw2 ↓, latent_mmd ↓ | test codes (a q(z|x) draw if Gaussian) vs. prior | transport |
| out_of_range_fraction | pixels outside the model's value range, clipped | exported_model |

The real-vs-real floor computes the same sample metrics with `num_samples` train images
in place of the generated ones (train split vs. test split, same counts, same seeds):
what a perfect model of the training distribution would score at this sample size.

Figures: `samples.png` (10 × 10 samples), `interpolation.png` (rows of linear latent
interpolations: between prior draws for GANs, between the codes of two test images for
autoencoders), `reconstructions.png` (autoencoders: rows of test images, each followed
by a row of their reconstructions), `latent_scatter.png` (autoencoders with
latent_dim == 2: test codes coloured by class over prior draws in grey). Interpolations
are linear, not spherical: for Gaussian priors the midpoints have a smaller norm than
typical draws (the common convention; a slerp would stay on the prior's shell).

Cost with the defaults (10⁴ samples, exact W2 on 2000, 10⁴ SW projections), measured
on the 2-core machine while other jobs ran (`timings_s` in each metrics.json): swgan
152 s in all: sampling 4 s, classifier features 4 s, FID 0.7 s, KID 34 s, precision/
recall 16 s, exact W2 3 s, SW2 82 s (sorting 2 × 10⁸ projected values). Real floor:
103 s. (KID has since been made ~3x cheaper: the cube is two products, not a pow.)

References: each metric's module (frechet, kid, classifier_score, class_entropy,
precision_recall, transport, reconstruction) cites its paper.
"""

import datetime
import json
import os
import time

import numpy as np

# Functions imported from their modules: the package namespace binds `kid`,
# `classifier_score`, `class_entropy` and `precision_recall` to the functions, not the
# modules.
from otzoo import checks
from otzoo.evaluation.metrics import frechet, reconstruction, transport
from otzoo.evaluation.metrics.class_entropy import class_entropy
from otzoo.evaluation.metrics.classifier_score import classifier_score
from otzoo.evaluation.metrics.kid import DEFAULT_NUM_SUBSETS, DEFAULT_SUBSET_SIZE, kid
from otzoo.evaluation.metrics.precision_recall import DEFAULT_K, precision_recall
from otzoo.evaluation.exported_model import ExportedModel
from otzoo.training import images as images_lib

DEFAULT_NUM_SAMPLES = 10_000
METRICS_FILE = "metrics.json"
EVAL_SUBDIR = "eval"
REAL_FLOOR_DIR = "real_floor"
LATENT_NUM_PROJECTIONS = 1000  # codes have ≤ 64 dimensions: 10³ directions are plenty
GRID_SIZE = 10
INTERPOLATION_ROWS = 6


class EvaluationSettings:
    """Sample sizes and seeds shared by every evaluation (and the floor)."""

    def __init__(self, num_samples=DEFAULT_NUM_SAMPLES,
                 num_w2_samples=transport.DEFAULT_NUM_W2_SAMPLES,
                 num_projections=transport.DEFAULT_NUM_PROJECTIONS,
                 kid_subsets=DEFAULT_NUM_SUBSETS,
                 kid_subset_size=DEFAULT_SUBSET_SIZE,
                 k=DEFAULT_K, classifier_score_splits=10, seed=0):
        self.num_samples = checks.positive_int(num_samples, "num_samples", minimum=max(k + 1, 2))
        self.num_w2_samples = checks.positive_int(num_w2_samples, "num_w2_samples")
        self.num_projections = checks.positive_int(num_projections, "num_projections")
        self.kid_subsets = checks.positive_int(kid_subsets, "kid_subsets")
        self.kid_subset_size = checks.positive_int(kid_subset_size, "kid_subset_size", minimum=2)
        self.k = checks.positive_int(k, "k")
        self.classifier_score_splits = checks.positive_int(classifier_score_splits,
                                                 "classifier_score_splits")
        if self.classifier_score_splits > self.num_samples:
            raise ValueError(f"classifier_score_splits ({classifier_score_splits}) must not "
                             f"exceed num_samples ({num_samples})")
        self.seed = int(seed)

    def as_dict(self):
        return dict(vars(self))


def real_subset(images, num, seed, name="images"):
    """`num` images drawn without replacement with NumPy seed `seed` (sorted indices)."""
    if num > len(images):
        raise ValueError(f"asked for {num} {name}, only {len(images)} available")
    index = np.sort(np.random.default_rng(seed).choice(len(images), num, replace=False))
    return images[index], index


def sample_metrics(generated, real, extractor, settings, timings=None):
    """Every sample-based metric of `generated` vs. `real` (both [n, H, W, C] in [0, 1]).

    Returns:
        dict: fid_fmnist, kid, kid_std, classifier_score, classifier_score_std,
        class_entropy, precision, recall, w2, sw2 (Python floats).
    """
    timings = {} if timings is None else timings

    def timed(key, fn, *args, **kwargs):
        start = time.time()
        value = fn(*args, **kwargs)
        timings[key] = round(time.time() - start, 2)
        return value

    start = time.time()
    features_generated = extractor.features(generated)
    features_real = extractor.features(real)
    probabilities = extractor.probabilities(generated)
    timings["classifier"] = round(time.time() - start, 2)
    metrics = {"fid_fmnist": timed("fid_fmnist", frechet.fid, features_generated,
                                   features_real)}
    metrics["kid"], metrics["kid_std"] = timed(
        "kid", kid, features_generated, features_real,
        num_subsets=settings.kid_subsets, subset_size=settings.kid_subset_size,
        seed=settings.seed)
    metrics["classifier_score"], metrics["classifier_score_std"] = timed(
        "classifier_score", classifier_score, probabilities,
        num_splits=settings.classifier_score_splits)
    metrics["class_entropy"] = timed("class_entropy", class_entropy, probabilities)
    metrics["precision"], metrics["recall"] = timed(
        "precision_recall", precision_recall, features_real, features_generated,
        k=settings.k)
    metrics["w2"] = timed("w2", transport.exact_w2, generated, real,
                          num_samples=settings.num_w2_samples, seed=settings.seed)
    metrics["sw2"] = timed("sw2", transport.sliced_w2, generated, real,
                           num_projections=settings.num_projections, seed=settings.seed)
    return metrics


def autoencoder_metrics(model, test_images, prior_codes, settings, timings=None):
    """Reconstruction errors and code-vs-prior distances on test images in [0, 1].

    Args:
        model: an autoencoder `ExportedModel`.
        test_images: [n, H, W, C] in [0, 1].
        prior_codes: [m, latent_dim] draws of the export's own prior (the `z` output of
            `sample_n`).
        settings: an `EvaluationSettings`.

    Returns:
        (metrics dict, reconstructions in [0, 1], test codes [n, latent_dim]).
    """
    timings = {} if timings is None else timings
    start = time.time()
    reconstructions, outside = model.reconstruct(test_images)
    mse, bce = reconstruction.reconstruction_errors(test_images, reconstructions)
    # Gaussian encoders: one draw of q(z|x) per image, i.e. samples of the aggregate
    # posterior q(z), which is what the VAE's KL term pushes towards the prior.
    codes = model.encode(test_images, sample=True, seed=settings.seed)
    metrics = {
        "reconstruction_mse": mse,
        "reconstruction_bce": bce,
        "reconstruction_out_of_range_fraction": outside,
        "latent_sw2": transport.sliced_w2(codes, prior_codes,
                                          num_projections=LATENT_NUM_PROJECTIONS,
                                          seed=settings.seed),
        "latent_mmd": transport.latent_mmd(codes, prior_codes,
                                           num_samples=settings.num_w2_samples,
                                           seed=settings.seed),
    }
    timings["autoencoder"] = round(time.time() - start, 2)
    return metrics, reconstructions, codes


# -- figures ---------------------------------------------------------------------------

def _save_grid(batch, path, columns):
    images_lib.save_png(images_lib.make_grid(batch, (0.0, 1.0), columns=columns), path)


def interpolation_codes(start, end, steps=GRID_SIZE):
    """Linear interpolations: [rows, k] × [rows, k] → [rows · steps, k], row-major."""
    t = np.linspace(0.0, 1.0, steps)[None, :, None]
    codes = (1.0 - t) * start[:, None, :] + t * end[:, None, :]
    return codes.reshape(-1, start.shape[-1]).astype(np.float32)


def reconstruction_pairs(images, reconstructions, rows=4, columns=GRID_SIZE):
    """Rows of test images each followed by their reconstructions: [2·rows·columns, ...].

    Fewer rows (or columns) when there are fewer images.
    """
    columns = min(columns, len(images))
    rows = max(1, min(rows, len(images) // columns))
    shape = images.shape[1:]
    count = rows * columns
    pairs = np.stack([images[:count].reshape(rows, columns, *shape),
                      reconstructions[:count].reshape(rows, columns, *shape)], axis=1)
    return pairs.reshape(-1, *shape)


def latent_scatter(codes, labels, prior_codes, path):
    """Scatter of 2-D test codes coloured by class, over prior draws in grey."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=96)
    ax.scatter(prior_codes[:, 0], prior_codes[:, 1], s=2, c="0.8", label="prior")
    points = ax.scatter(codes[:, 0], codes[:, 1], s=2, c=labels, cmap="tab10", vmin=-0.5,
                        vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10), label="class")
    ax.set_aspect("equal")
    ax.set_title("test codes by class (grey: prior)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# -- results ---------------------------------------------------------------------------

def write_json(data, path):
    """Writes `data` as JSON atomically (a reader never sees a half-written file)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)


def _classifier_info(extractor):
    card = extractor.card or {}
    return {"name": card.get("name"), "version": card.get("version"),
            "test_accuracy": (card.get("metrics") or {}).get("test_accuracy"),
            "feature_dim": extractor.feature_dim}


def _result(kind, settings, extractor, metrics, images, timings, start, **extra):
    return {
        "kind": kind,
        **extra,
        "evaluated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "settings": settings.as_dict(),
        "classifier": _classifier_info(extractor),
        "metrics": metrics,
        "images": images,
        "timings_s": timings,
        "wall_time_s": round(time.time() - start, 1),
    }


def evaluate_model(model_path, extractor, test_images, test_labels, output_dir=None,
                   settings=None, log=print):
    """Evaluates one export; writes `metrics.json` and the PNGs into `output_dir`.

    Args:
        model_path: `exported/<name>` (newest version) or `exported/<name>/<version>`.
        extractor: an `otzoo.evaluation.classifier.FeatureExtractor`.
        test_images: float [N, H, W, C] test images in [0, 1] (N >= num_samples).
        test_labels: int [N] labels (colours of the latent scatter).
        output_dir: default `<version dir>/eval/`.
        settings: an `EvaluationSettings` (defaults: 10⁴ samples, seed 0).
        log: progress printer.

    Returns:
        The result dict written to `<output_dir>/metrics.json`.
    """
    settings = settings or EvaluationSettings()
    start = time.time()
    model = ExportedModel(model_path)
    output_dir = output_dir or os.path.join(model.path, EVAL_SUBDIR)
    os.makedirs(output_dir, exist_ok=True)
    real, index = real_subset(test_images, settings.num_samples, settings.seed, "test images")
    labels = np.asarray(test_labels)[index]
    timings = {}
    log(f"otzoo: {model.name} v{model.version}: sampling {settings.num_samples} images")
    t = time.time()
    generated, prior_codes, outside = model.sample(settings.num_samples, settings.seed)
    timings["sampling"] = round(time.time() - t, 2)
    log(f"otzoo: {model.name}: computing metrics")
    metrics = sample_metrics(generated, real, extractor, settings, timings)
    metrics["out_of_range_fraction"] = outside

    images = {"samples": "samples.png", "interpolation": "interpolation.png"}
    _save_grid(generated[:GRID_SIZE ** 2], os.path.join(output_dir, images["samples"]),
               GRID_SIZE)
    rows = max(1, min(INTERPOLATION_ROWS, settings.num_samples // 2))
    if model.is_autoencoder:
        ae_metrics, reconstructions, codes = autoencoder_metrics(
            model, real, prior_codes, settings, timings)
        metrics.update(ae_metrics)
        images["reconstructions"] = "reconstructions.png"
        _save_grid(reconstruction_pairs(real, reconstructions),
                   os.path.join(output_dir, images["reconstructions"]),
                   min(GRID_SIZE, len(real)))
        # Between codes of test images: shows the decoder along the encoded data.
        start_codes, end_codes = codes[:rows], codes[rows:2 * rows]
        if model.latent_dim == 2:
            images["latent_scatter"] = "latent_scatter.png"
            latent_scatter(codes, labels, prior_codes,
                           os.path.join(output_dir, images["latent_scatter"]))
    else:
        start_codes, end_codes = prior_codes[:rows], prior_codes[rows:2 * rows]
    strip = model.decode(interpolation_codes(start_codes, end_codes))
    _save_grid(strip, os.path.join(output_dir, images["interpolation"]), GRID_SIZE)

    result = _result("model", settings, extractor, metrics, images, timings, start,
                     name=model.name, version=model.version, model=model.card.get("model"),
                     model_path=model.path, latent_dim=model.latent_dim,
                     training=model.card.get("training") or {})
    write_json(result, os.path.join(output_dir, METRICS_FILE))
    log(f"otzoo: {model.name}: wrote {os.path.join(output_dir, METRICS_FILE)} "
        f"({result['wall_time_s']} s)")
    return result


def evaluate_real_floor(train_images, test_images, extractor, output_dir, settings=None,
                        log=print):
    """The real-vs-real floor: `num_samples` train images scored as if generated.

    Args:
        train_images: float [N_train, H, W, C] in [0, 1].
        test_images: float [N_test, H, W, C] in [0, 1] (the same test subset as models).
        extractor: the `FeatureExtractor`.
        output_dir: where `metrics.json` and `samples.png` (train images) go.
        settings: an `EvaluationSettings`; the same as the models' for comparable rows.

    Returns:
        The result dict written to `<output_dir>/metrics.json`.
    """
    settings = settings or EvaluationSettings()
    start = time.time()
    os.makedirs(output_dir, exist_ok=True)
    real, _ = real_subset(test_images, settings.num_samples, settings.seed, "test images")
    # An independent stream for the train subset (seed + 1): not the test indices.
    fake, _ = real_subset(train_images, settings.num_samples, settings.seed + 1,
                          "train images")
    timings = {}
    log(f"otzoo: real-vs-real floor: {settings.num_samples} train vs. test images")
    metrics = sample_metrics(fake, real, extractor, settings, timings)
    images = {"samples": "samples.png"}
    _save_grid(fake[:GRID_SIZE ** 2], os.path.join(output_dir, images["samples"]), GRID_SIZE)
    result = _result("real_floor", settings, extractor, metrics, images, timings, start,
                     name=REAL_FLOOR_DIR)
    write_json(result, os.path.join(output_dir, METRICS_FILE))
    log(f"otzoo: real floor: wrote {os.path.join(output_dir, METRICS_FILE)} "
        f"({result['wall_time_s']} s)")
    return result
