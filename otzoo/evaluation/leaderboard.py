"""`exported/LEADERBOARD.md`: one row per exported model, generated from the eval JSONs.

For every `exported/<name>/` holding integer versions and a zoo model card (the
classifier, `kind: feature_extractor`, is not a contestant), the newest version is
listed with its `eval/metrics.json` (written by `bazel run //otzoo:evaluate`), training
steps and wall time from its model card, and its sample grid; an entry's `seeds.json`
(`otzoo/evaluation/seed_variance.py`) adds its seed variance to the notes. The real-vs-real floor
(`exported/real_floor/metrics.json`) is the first row. Rows are sorted by FID-FMNIST
(lower first); models without an evaluation of their newest version come last. A row
evaluated with other settings (sample counts, seed, classifier) than the floor is
marked, since its numbers are then not comparable to the floor's.

The output is a deterministic function of the files read (no timestamps), so that
regenerating an unchanged zoo leaves the file unchanged.
"""

import json
import math
import os
import re

from otzoo.evaluation import seed_variance
from otzoo.evaluation.evaluator import EVAL_SUBDIR, METRICS_FILE, REAL_FLOOR_DIR

LEADERBOARD_FILE = "LEADERBOARD.md"
COMMAND = "bazel run //otzoo:leaderboard"

# (header, metric key, format). KID is shown as is (not ×10³ as for Inception
# features): in the classifier's 128-D ReLU features it is of order 1 for poor models.
COLUMNS = [
    ("FID-FMNIST ↓", "fid_fmnist", "{:.2f}"),
    ("KID ↓", "kid", "kid"),
    ("CS ↑", "classifier_score", "{:.2f}"),
    ("class H ↑", "class_entropy", "{:.3f}"),
    ("precision ↑", "precision", "{:.3f}"),
    ("recall ↑", "recall", "{:.3f}"),
    ("W2 ↓", "w2", "{:.3f}"),
    ("SW2 ↓", "sw2", "{:.4f}"),
    ("recon. MSE ↓", "reconstruction_mse", "{:.4f}"),
    ("recon. BCE ↓", "reconstruction_bce", "{:.1f}"),
    ("latent SW2 ↓", "latent_sw2", "{:.4f}"),
    ("latent MMD ↓", "latent_mmd", "{:.4f}"),
]


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None


def _versions(model_dir):
    return sorted(int(d) for d in os.listdir(model_dir) if re.fullmatch(r"\d+", d))


def collect(export_root):
    """(rows, floor): one dict per model (newest version), and the floor's result or None.

    A row: name, version, model, card (dict), result (eval dict or None), path (the
    version directory relative to `export_root`).
    """
    if not os.path.isdir(export_root):
        raise FileNotFoundError(f"export directory {export_root} does not exist")
    rows = []
    for name in sorted(os.listdir(export_root)):
        model_dir = os.path.join(export_root, name)
        if name.startswith(".") or not os.path.isdir(model_dir):
            continue
        versions = _versions(model_dir)
        if not versions:
            continue
        relative = os.path.join(name, str(versions[-1]))
        card = _read_json(os.path.join(export_root, relative, "model_card.json"))
        if card is None or card.get("kind") == "feature_extractor":
            continue
        result = _read_json(os.path.join(export_root, relative, EVAL_SUBDIR, METRICS_FILE))
        rows.append({"name": name, "version": versions[-1], "model": card.get("model", name),
                     "card": card, "result": result, "path": relative,
                     "seeds": seed_variance.read(export_root, name)})
    floor = _read_json(os.path.join(export_root, REAL_FLOOR_DIR, METRICS_FILE))

    def key(row):
        fid = ((row["result"] or {}).get("metrics") or {}).get("fid_fmnist")
        return (fid is None, fid if fid is not None else 0.0, row["name"])

    return sorted(rows, key=key), floor


def _format(metrics, key, fmt):
    value = metrics.get(key)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if fmt == "kid":
        std = metrics.get("kid_std")
        return f"{value:.4f} ± {std:.4f}" if std is not None else f"{value:.4f}"
    return fmt.format(value)


def _duration(seconds):
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _image(path, alt):
    return f'<img src="{path}" alt="{alt}" width="120">'


def _comparable(result, floor):
    """Same sample sizes, seed and classifier as the floor (or no floor to compare)."""
    if floor is None or result is None:
        return True
    return (result.get("settings") == floor.get("settings")
            and result.get("classifier") == floor.get("classifier"))


def render(rows, floor):
    """The Markdown text of the leaderboard."""
    header = ["#", "model", "version"] + [c[0] for c in COLUMNS] + [
        "steps", "wall time", "samples"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    if floor is not None:
        metrics = floor.get("metrics") or {}
        sample = os.path.join(REAL_FLOOR_DIR, (floor.get("images") or {}).get(
            "samples", "samples.png"))
        cells = ["", "**real data (train vs. test)**", "—"] + [
            _format(metrics, key, fmt) for _, key, fmt in COLUMNS] + [
            "—", "—", _image(sample, "real train images")]
        lines.append("| " + " | ".join(cells) + " |")
    marked = False
    for rank, row in enumerate(rows, 1):
        result = row["result"]
        training = row["card"].get("training") or {}
        name = f"`{row['name']}`" + ("" if row["model"] == row["name"]
                                     else f" ({row['model']})")
        if result is None:
            cells = [str(rank), name, str(row["version"])] + ["—"] * len(COLUMNS)
            cells[3] = "not evaluated"
            sample = "—"
        else:
            metrics = result.get("metrics") or {}
            if not _comparable(result, floor):
                name += " †"
                marked = True
            cells = [str(rank), name, str(row["version"])] + [
                _format(metrics, key, fmt) for _, key, fmt in COLUMNS]
            image = (result.get("images") or {}).get("samples")
            sample = (_image(os.path.join(row["path"], EVAL_SUBDIR, image),
                             f"{row['name']} samples") if image else "—")
        wall_time = training.get("total_wall_time_s", training.get("wall_time_s"))
        cells += [str(training.get("steps", "—")), _duration(wall_time), sample]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)

    settings = (floor or next((r["result"] for r in rows if r["result"]), None) or {})
    classifier = settings.get("classifier") or {}
    options = settings.get("settings") or {}
    accuracy = classifier.get("test_accuracy")
    about = (
        f"Metrics on {options.get('num_samples', '?')} generated samples against as many "
        f"Fashion-MNIST test images (seed {options.get('seed', '?')}); exact W2 on "
        f"{options.get('num_w2_samples', '?')} images of each; SW2 with "
        f"{options.get('num_projections', '?')} projections; pixels in [0, 1]. "
        f"FID-FMNIST, KID and precision/recall (k = {options.get('k', '?')}) use the "
        f"features of the project's frozen Fashion-MNIST classifier (`exported/classifier`, "
        f"version {classifier.get('version', '?')}, test accuracy "
        f"{'?' if accuracy is None else f'{accuracy:.4f}'}); CS is its classifier score "
        f"(Inception Score analogue, at most 10); class H the entropy (nats) of the classes "
        f"it assigns to the samples, at most log 10 = 2.303.") if settings else (
        "No evaluation found yet: run `bazel run //otzoo:evaluate -- --model=all` and "
        "`bazel run //otzoo:evaluate -- --real_floor`.")
    notes = ["Autoencoders only: recon. MSE (per pixel) and BCE (nats per image) on test "
             "images; latent SW2 / MMD between encoded test codes and prior draws. "
             "— : not applicable or not computed."]
    seeds = [seed_variance.describe(row["seeds"], row["version"])
             for row in rows if row.get("seeds")]
    if seeds:
        notes.append("Seed variance: the recipe of the listed version trained again with "
                     "other seeds, each evaluated as above; mean ± sample std (n - 1) "
                     "(`exported/<name>/seeds.json`).\n\n" + "\n".join(f"- {s}" for s in seeds))
    if marked:
        notes.append("† evaluated with other settings or another classifier than the "
                     "real-data row: not comparable to it; re-run the evaluation.")
    if any(r["result"] is None for r in rows):
        notes.append("not evaluated: the newest version has no `eval/metrics.json`; run "
                     "`bazel run //otzoo:evaluate -- --model=<name>`.")
    return f"""# otzoo leaderboard (Fashion-MNIST)

Generated by `{COMMAND}` from `exported/*/<newest version>/eval/metrics.json` and the
model cards; do not edit by hand. Sorted by FID-FMNIST; the first row is the
real-vs-real floor (train images scored as if generated), the best any model can
expect at this sample size.

{about}

{table}

{(chr(10) * 2).join(notes)}
"""


def write_leaderboard(export_root, output=None):
    """Writes `<export_root>/LEADERBOARD.md` (or `output`) atomically; returns its path."""
    rows, floor = collect(export_root)
    output = output or os.path.join(export_root, LEADERBOARD_FILE)
    text = render(rows, floor)
    with open(output + ".tmp", "w") as f:
        f.write(text)
    os.replace(output + ".tmp", output)
    return output
