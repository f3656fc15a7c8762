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

import os
import re
import shutil
import tempfile

import numpy as np
import tensorflow as tf

# Re-exported: the classifier's export and older callers import the card helpers here.
from otzoo.export.cards import card_markdown as _card_markdown  # noqa: F401
from otzoo.export.cards import git_commit, model_card, write_model_card  # noqa: F401
from otzoo.export.identity import same_export
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
    Serving), so `final` appears complete in one `rename(2)` or not at all. When `write`
    returns False the version is not wanted (it repeats an existing one): the staging
    directory is removed and None returned. On any error (a full disk half-way through
    the SavedModel, say) the staging directory is removed and an `ExportError` says
    which version failed, that nothing was published, and why; the original error is
    its `__cause__`.
    """
    staging = tempfile.mkdtemp(prefix=f".tmp-{os.path.basename(final)}-",
                               dir=os.path.dirname(final))
    try:
        if write(staging) is False:
            shutil.rmtree(staging)
            return None
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


def export_version(model, config, export_root, name=None, version=None, summary=None,
                   metrics=None, command=None, max_samples=None, data_shape=None,
                   skip_identical=False, export_command=None):
    """Writes `<export_root>/<name>/<version>/` atomically; returns (path, is_new).

    `version` defaults to one more than the newest existing version (1 for the first).
    With `skip_identical`, a version that would serve exactly what the newest existing
    one serves (`otzoo.export.identity.same_export`: equal variable bytes and program)
    is not published: its staging directory is removed and (newest path, False) is
    returned. `command` is the training command for the model card, `export_command`
    the export's own when it was a separate step.
    """
    name = name or config.model
    final, version = new_version_dir(export_root, name, version)
    newest = (existing_versions(os.path.dirname(final)) or [None])[-1]
    module = ServingModule(model, data_shape or tuple(config.data.shape),
                           **({"max_samples": max_samples} if max_samples else {}))
    previous = None if newest is None else os.path.join(os.path.dirname(final), str(newest))

    def write(staging):
        tf.saved_model.save(module, staging, signatures=module.signatures())
        if skip_identical and previous and same_export(staging, previous):
            return False
        write_warmup_records(os.path.join(staging, WARMUP_PATH), name, module)
        write_model_card(staging,
                         model_card(name, int(version), config, module, summary, metrics,
                                    command, export_command))

    if write_atomically(final, write) is None:
        return previous, False
    write_models_config(os.path.abspath(export_root))
    return final, True


def export_model(model, config, export_root, name=None, version=None, summary=None,
                 metrics=None, command=None, max_samples=None, data_shape=None):
    """Writes `<export_root>/<name>/<version>/` atomically; returns its path.

    `version` defaults to one more than the newest existing version (1 for the first).
    Always publishes; `export_version(..., skip_identical=True)` does not repeat a version.
    """
    return export_version(model, config, export_root, name=name, version=version,
                          summary=summary, metrics=metrics, command=command,
                          max_samples=max_samples, data_shape=data_shape)[0]
