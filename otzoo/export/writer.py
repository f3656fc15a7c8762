"""Writes a trained model as a TF Serving-ready SavedModel version, atomically.

Layout (what TF Serving's file-system source watches)::

    <export_root>/models.config                     every exported model, for TF Serving
    <export_root>/<name>/<version>/saved_model.pb   integer versions, newest wins
    <export_root>/<name>/<version>/variables/
    <export_root>/<name>/<version>/assets.extra/tf_serving_warmup_requests
    <export_root>/<name>/<version>/MODEL_CARD.md, model_card.json

A version is written to a hidden temporary directory beside its final place and then
renamed (an atomic `rename(2)` on one file system), so a watching server never loads a
half-written version. Hidden and non-integer directories are ignored by TF Serving.
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np
import tensorflow as tf

from otzoo.export.signatures import ServingModule

WARMUP_PATH = os.path.join("assets.extra", "tf_serving_warmup_requests")


def existing_versions(model_dir):
    """Integer version directories under `model_dir`, sorted."""
    if not os.path.isdir(model_dir):
        return []
    return sorted(int(d) for d in os.listdir(model_dir) if re.fullmatch(r"\d+", d))


def _warmup_requests(name, module):
    """PredictRequests for every signature, with small valid inputs."""
    from tensorflow_serving.apis import predict_pb2

    rng = np.random.default_rng(0)
    n = min(2, module.max_samples)  # a warmup request over the cap would fail the load
    z = rng.standard_normal((n, module.latent_dim)).astype(np.float32)
    images = rng.uniform(0, 1, (n, *module.data_shape)).astype(np.float32)
    inputs = {
        "sample": {"z": z},
        "sample_n": {"num_samples": np.int32(n), "seed": np.int64(0)},
        "encode": {"images": images},
        "decode": {"z": z},
        "reconstruct": {"images": images},
    }
    requests = []
    for signature in module.signatures():
        if signature == "serving_default":
            continue
        request = predict_pb2.PredictRequest()
        request.model_spec.name = name
        request.model_spec.signature_name = signature
        for key, value in inputs[signature].items():
            request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
        requests.append(request)
    return requests


def write_warmup_records(path, name, module):
    """TF Serving warmup file: a TFRecord of `PredictionLog`s, one per signature."""
    from tensorflow_serving.apis import prediction_log_pb2

    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for request in _warmup_requests(name, module):
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())


def git_commit():
    """The current git commit of the source tree, or "unknown"."""
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def model_card(name, version, config, module, summary, metrics=None, command=None):
    """The model card as a dict (written as JSON and Markdown)."""
    card = {
        "name": name,
        "version": version,
        "model": config.model,
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "git_commit": git_commit(),
        "command": command,
        "data": {"name": config.data.name, "shape": list(module.data_shape),
                 "value_range": list(config.data.options.get("value_range", (0, 1)))},
        "latent_dim": module.latent_dim,
        "signatures": sorted(module.signatures()),
        "max_samples_per_request": module.max_samples,
        "training": summary or {},
        "metrics": metrics or {},
        "config": json.loads(config.to_json_best_effort()),
    }
    if getattr(module, "weights_note", None):  # only with weight averaging (ema_decay)
        card["weights"] = module.weights_note
    return card


def _card_markdown(card):
    rows = "\n".join(f"| {k} | {v} |" for k, v in sorted(card["metrics"].items()))
    training = card["training"]
    wall_time = training.get("total_wall_time_s", training.get("wall_time_s", "?"))
    weights = ""
    if card.get("weights"):
        uses = ("every signature; `encode` has the trained encoder"
                if "encode" in card["signatures"] else "every signature")
        weights = f"\nWeights: {card['weights']} (in {uses})."
    return f"""# {card['name']} (version {card['version']})

Model: `{card['model']}`, trained on `{card['data']['name']}` {tuple(card['data']['shape'])}.
Pixel values: {tuple(card['data']['value_range'])} (inputs outside are not clipped).
Latent dimension: {card['latent_dim']}. Signatures: {', '.join(card['signatures'])}.{weights}
Requests for more than {card['max_samples_per_request']} samples or with more input rows, and
non-finite inputs, are refused.

Training: {training.get('steps', '?')} steps, {wall_time} s wall time in all.
Command: `{card['command']}`
Git commit: `{card['git_commit']}`. Exported {card['exported_at']}.

| metric | value |
|---|---|
{rows or '| (none) | |'}

The full config is in `model_card.json`.
"""


def write_models_config(export_root, base_path="/models"):
    """TF Serving `models.config` listing every model directory under `export_root`.

    `base_path` is where `export_root` is mounted for the server (TF Serving needs
    absolute paths), e.g. `docker run -v $PWD/exported:/models tensorflow/serving`.
    """
    names = sorted(d for d in os.listdir(export_root)
                   if existing_versions(os.path.join(export_root, d)))
    entries = "".join(
        f'  config {{\n    name: "{n}"\n    base_path: "{base_path}/{n}"\n'
        f'    model_platform: "tensorflow"\n  }}\n' for n in names)
    path = os.path.join(export_root, "models.config")
    with open(path + ".tmp", "w") as f:
        f.write(f"model_config_list {{\n{entries}}}\n")
    os.replace(path + ".tmp", path)
    return path


class ExportError(RuntimeError):
    """Writing a version failed and nothing was published; `__cause__` is the error."""


def write_atomically(final, write):
    """Runs `write(staging_dir)`, then renames the staging directory to `final`.

    The staging directory is a hidden sibling (`.tmp-<version>-...`, ignored by TF
    Serving), so `final` appears complete in one `rename(2)` or not at all. On any error
    (a full disk half-way through the SavedModel, say) the staging directory is removed
    and an `ExportError` says which version failed, that nothing was published, and
    why; the original error is its `__cause__`.
    """
    staging = tempfile.mkdtemp(prefix=f".tmp-{os.path.basename(final)}-",
                               dir=os.path.dirname(final))
    try:
        write(staging)
        os.chmod(staging, 0o755)
        os.rename(staging, final)
    except Exception as error:
        shutil.rmtree(staging, ignore_errors=True)
        leftover = (f"its staging directory {staging} could not be removed; delete it"
                    if os.path.exists(staging) else
                    "its staging directory was removed")
        raise ExportError(
            f"writing version {os.path.basename(final)} of "
            f"{os.path.basename(os.path.dirname(final))} ({final}) failed; nothing was "
            f"published ({leftover}): {type(error).__name__}: {error}") from error
    except BaseException:  # KeyboardInterrupt, SystemExit: clean up, change nothing else
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def write_model_card(directory, card, markdown=None):
    """Writes `model_card.json` and `MODEL_CARD.md` (from `markdown(card)`)."""
    with open(os.path.join(directory, "model_card.json"), "w") as f:
        json.dump(card, f, indent=2, sort_keys=True)
    with open(os.path.join(directory, "MODEL_CARD.md"), "w") as f:
        f.write((markdown or _card_markdown)(card))


def new_version_dir(export_root, name, version=None):
    """`<export_root>/<name>/<version>`, not yet existing; returns (path, version).

    `version` defaults to one more than the newest existing version (1 for the first).
    Versions are immutable: an existing one raises FileExistsError.
    """
    model_dir = os.path.join(os.path.abspath(export_root), name)
    os.makedirs(model_dir, exist_ok=True)
    if version is None:
        version = (existing_versions(model_dir) or [0])[-1] + 1
    final = os.path.join(model_dir, str(int(version)))
    if os.path.exists(final):
        raise FileExistsError(f"{final} exists; versions are immutable, pick another")
    return final, int(version)


def export_model(model, config, export_root, name=None, version=None, summary=None,
                 metrics=None, command=None, max_samples=None, data_shape=None):
    """Writes `<export_root>/<name>/<version>/` atomically; returns its path.

    `version` defaults to one more than the newest existing version (1 for the first).
    """
    name = name or config.model
    final, version = new_version_dir(export_root, name, version)
    module = ServingModule(model, data_shape or tuple(config.data.shape),
                           **({"max_samples": max_samples} if max_samples else {}))
    def write(staging):
        tf.saved_model.save(module, staging, signatures=module.signatures())
        write_warmup_records(os.path.join(staging, WARMUP_PATH), name, module)
        write_model_card(staging,
                         model_card(name, int(version), config, module, summary, metrics,
                                    command))

    write_atomically(final, write)
    write_models_config(os.path.abspath(export_root))
    return final
