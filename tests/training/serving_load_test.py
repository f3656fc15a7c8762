"""Exports load the way TF Serving loads them: no otzoo, no Keras objects.

A smoke-trained model is exported; a fresh Python process with only TensorFlow on its
path loads the SavedModel into a `tf.compat.v1.Session` with
`tf.compat.v1.saved_model.loader.load`, runs every SignatureDef by its tensor names, and
replays every warmup record; `saved_model_cli run` runs `sample`. Outputs must match the
in-memory model.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from otzoo import export
from otzoo.training import strategies, trainer
import zoo_configs  # noqa: F401
from tests.training import common

# Runs in a clean interpreter: only TensorFlow (and its serving protos) importable.
SESSION_LOADER = r"""
import json, sys
import numpy as np
import tensorflow as tf
try:
    import otzoo  # noqa: F401
    sys.exit("otzoo must not be importable here")
except ImportError:
    pass
from tensorflow_serving.apis import prediction_log_pb2

export_dir, inputs_path, out_path = sys.argv[1:4]
inputs = np.load(inputs_path)
results = {}
with tf.compat.v1.Session(graph=tf.Graph()) as sess:
    meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], export_dir)
    signatures = {k: v for k, v in meta.signature_def.items()
                  if k != "__saved_model_init_op"}  # TF's variable-initialisation entry
    for name, sig in signatures.items():
        assert sig.method_name == "tensorflow/serving/predict", sig.method_name
        feed = {sig.inputs[k].name: inputs[f"{name}/{k}"] for k in sig.inputs}
        fetches = {k: sig.outputs[k].name for k in sig.outputs}
        for k, v in sess.run(fetches, feed).items():
            results[f"{name}/{k}"] = v
    # Every warmup record parses and runs.
    warmups = 0
    for record in tf.compat.v1.io.tf_record_iterator(
            export_dir + "/assets.extra/tf_serving_warmup_requests"):
        log = prediction_log_pb2.PredictionLog.FromString(record)
        req = log.predict_log.request
        sig = meta.signature_def[req.model_spec.signature_name]
        feed = {sig.inputs[k].name: tf.make_ndarray(v) for k, v in req.inputs.items()}
        sess.run([o.name for o in sig.outputs.values()], feed)
        warmups += 1
    # sample_n refuses a request over the cap, fast.
    sig = meta.signature_def["sample_n"]
    try:
        sess.run(sig.outputs["images"].name, {sig.inputs["num_samples"].name: 10**9,
                                               sig.inputs["seed"].name: 0})
        sys.exit("sample_n accepted 10**9 samples")
    except tf.errors.InvalidArgumentError as e:
        assert "cap" in str(e), e
np.savez(out_path, **results)
print(json.dumps({"signatures": sorted(signatures), "warmups": warmups}))
"""


@pytest.fixture(scope="module", params=["swgan", "swae"])
def exported(request, tmp_path_factory):
    name = request.param
    root = tmp_path_factory.mktemp(name)
    config = common.smoke_config(name)
    model, summary = trainer.train(config, str(root / "work"),
                                   strategies.make_strategy("one_device"), verbose=0)
    path = export.export_model(model, config, str(root / "exported"), summary=summary)
    return name, model, config, path


def _inputs(model, config):
    rng = np.random.default_rng(1)
    z = rng.standard_normal((3, model.latent_dim)).astype(np.float32)
    images = rng.uniform(-1, 1, (3, *config.data.shape)).astype(np.float32)
    inputs = {"sample/z": z, "sample_n/num_samples": np.int32(5),
              "sample_n/seed": np.int64(7), "encode/images": images, "decode/z": z,
              "reconstruct/images": images}
    if hasattr(model, "encode"):
        inputs["serving_default/images"] = images
    else:
        inputs["serving_default/z"] = z
    return inputs


def _clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


def test_session_loader_matches_in_memory_model(exported, tmp_path):
    name, model, config, path = exported
    inputs = _inputs(model, config)
    np.savez(tmp_path / "in.npz", **inputs)
    script = tmp_path / "load.py"
    script.write_text(SESSION_LOADER)
    proc = subprocess.run(
        [sys.executable, "-I", str(script), path, str(tmp_path / "in.npz"),
         str(tmp_path / "out.npz")],
        capture_output=True, text=True, env=_clean_env(), cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = {"sample", "sample_n", "serving_default"}
    if hasattr(model, "encode"):
        expected |= {"encode", "decode", "reconstruct"}
    assert set(info["signatures"]) == expected
    assert info["warmups"] == len(expected) - 1
    out = np.load(tmp_path / "out.npz")

    z = inputs["sample/z"]
    np.testing.assert_allclose(out["sample/images"], model.sample(z), rtol=1e-4, atol=1e-5)
    assert out["sample_n/images"].shape == (5, *config.data.shape)
    np.testing.assert_allclose(
        out["sample_n/z"],
        model.sample_prior_stateless(5, tf.constant([7, 0], tf.int64)), rtol=1e-6)
    if hasattr(model, "encode"):
        images = inputs["encode/images"]
        np.testing.assert_allclose(out["encode/z"], model.encode(images), rtol=1e-4,
                                   atol=1e-5)
        np.testing.assert_allclose(out["decode/images"], model.decode(z), rtol=1e-4,
                                   atol=1e-5)
        np.testing.assert_allclose(out["serving_default/reconstructions"],
                                   model.decode(model.encode(images)), rtol=1e-4,
                                   atol=1e-5)
    else:
        np.testing.assert_allclose(out["serving_default/images"], model.sample(z),
                                   rtol=1e-4, atol=1e-5)


def test_saved_model_cli_runs_sample(exported, tmp_path):
    name, model, config, path = exported
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    z = np.zeros((2, model.latent_dim), np.float32)
    np.save(tmp_path / "z.npy", z)
    proc = subprocess.run(
        [cli, "run", "--dir", path, "--tag_set", "serve", "--signature_def", "sample",
         "--inputs", f"z={tmp_path / 'z.npy'}", "--outdir", str(tmp_path / "cli")],
        capture_output=True, text=True, env=_clean_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    images = np.load(tmp_path / "cli" / "images.npy")
    np.testing.assert_allclose(images, model.sample(z), rtol=1e-4, atol=1e-5)


def test_signatures_reject_wrong_dtype_and_shape(exported):
    name, model, config, path = exported
    loaded = tf.saved_model.load(path)
    sample = loaded.signatures["sample"]
    with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
        sample(z=tf.zeros((2, model.latent_dim), tf.int32))
    with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
        sample(z=tf.zeros((2, model.latent_dim + 1), tf.float32))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
