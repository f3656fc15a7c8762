"""Exports load the way TF Serving loads them: without otzoo, with no Keras objects.

A smoke-trained model is exported; a fresh Python process in which otzoo is findable but
blocked from importing loads the SavedModel into a `tf.compat.v1.Session` with
`tf.compat.v1.saved_model.loader.load`, runs every SignatureDef by its tensor names,
replays every warmup record, and sends requests at and past the limits of every
signature; `saved_model_cli run` runs `sample`. Outputs must match the in-memory model,
and bad requests must be refused with InvalidArgument errors that say what was wrong,
through the TF1 session and through `tf.saved_model.load`.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import otzoo
from otzoo import export
from otzoo.training import strategies, trainer
import zoo_configs  # noqa: F401
from tests.training import common

CAP = export.DEFAULT_MAX_SAMPLES

# Runs in a fresh interpreter, where otzoo can be found but not imported.
SESSION_LOADER = r"""
import importlib.abc, importlib.util, json, sys

otzoo_root, export_dir, inputs_path, requests_path, out_path = sys.argv[1:6]
# otzoo is put on the path on purpose (as `pip install .` would), then blocked, so the
# load below is proved to need no otzoo whatever the install route.
sys.path.insert(0, otzoo_root)
if importlib.util.find_spec("otzoo") is None:
    sys.exit(f"otzoo should be findable from {otzoo_root} before it is blocked")
attempts = []


class BlockOtzoo(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "otzoo" or name.startswith("otzoo."):
            attempts.append(name)
            raise ImportError(f"{name} is blocked: an export must load without otzoo")
        return None


sys.meta_path.insert(0, BlockOtzoo())
try:
    import otzoo  # noqa: F401
    sys.exit("otzoo was imported despite the blocker")
except ImportError as e:
    assert "blocked" in str(e), e

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import config_pb2
from tensorflow_serving.apis import prediction_log_pb2


def run_like_tf_serving(sess, sig, feed):
    # Through the C++ session API, as TF Serving runs a request: no Python-side dtype
    # conversion or shape check of the feeds (Session.run has both), so what refuses a
    # bad request here is the graph itself.
    names = sorted(feed)
    outputs = sorted(sig.outputs)
    options = config_pb2.CallableOptions(
        feed=[sig.inputs[k].name for k in names],
        fetch=[sig.outputs[k].name for k in outputs])
    values = sess._make_callable_from_options(options)(*[feed[k] for k in names])
    return dict(zip(outputs, values))


def array(spec):
    shape, dtype, fill = spec
    return np.full(shape, float(fill) if isinstance(fill, str) else fill, dtype)


inputs = np.load(inputs_path)
with open(requests_path) as f:
    requests = json.load(f)
results, accepted, refused = {}, {}, {}
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
    for kind, seen in [("accept", accepted), ("refuse", refused)]:
        for case, (name, feed, _) in requests[kind].items():
            try:
                out = run_like_tf_serving(sess, meta.signature_def[name],
                                          {k: array(v) for k, v in feed.items()})
                seen[case] = {k: [list(v.shape), str(v.dtype), bool(np.isfinite(v).all())]
                              for k, v in out.items()}
            except tf.errors.OpError as e:
                seen[case] = f"{type(e).__name__}: {e.message[:1000]}"
np.savez(out_path, **results)
leaked = sorted(m for m in sys.modules if m == "otzoo" or m.startswith("otzoo."))
print(json.dumps({"signatures": sorted(signatures), "warmups": warmups,
                  "accepted": accepted, "refused": refused,
                  "import_attempts": attempts, "otzoo_modules": leaked}))
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


def _requests(model, config):
    """Requests at and past every limit: {"accept" | "refuse": {case: request}}.

    A request is (signature, {input: (shape, dtype, fill value)}, expected), where
    `expected` is {output: shape} for an accepted one and a piece of the error message
    for a refused one. Inputs are constant arrays; the largest request is about 13 MB.
    """
    latent, shape = model.latent_dim, list(config.data.shape)
    autoencoder = hasattr(model, "encode")
    scalars = {"num_samples": ([], "int32", 3), "seed": ([], "int64", 0)}
    accept = {
        "sample_n/one": ("sample_n", dict(scalars, num_samples=([], "int32", 1)),
                         {"images": [1, *shape], "z": [1, latent]}),
        "sample_n/at_cap": ("sample_n", dict(scalars, num_samples=([], "int32", CAP)),
                            {"images": [CAP, *shape], "z": [CAP, latent]}),
        "sample/at_cap": ("sample", {"z": ([CAP, latent], "float32", 0.5)},
                          {"images": [CAP, *shape]}),
    }
    too_many = f"num_samples exceeds the cap of {CAP} per request"
    refuse = {
        "sample_n/cap+1": ("sample_n", dict(scalars, num_samples=([], "int32", CAP + 1)),
                           too_many),
        "sample_n/10^9": ("sample_n", dict(scalars, num_samples=([], "int32", 10**9)),
                          too_many),
        "sample_n/zero": ("sample_n", dict(scalars, num_samples=([], "int32", 0)),
                          "sample_n: num_samples must be >= 1"),
        "sample_n/negative": ("sample_n", dict(scalars, num_samples=([], "int32", -1)),
                              "sample_n: num_samples must be >= 1"),
        # Both the C++ session and an eager signature name the dtype they expected.
        "sample_n/float_num_samples": ("sample_n",
                                       dict(scalars, num_samples=([], "float32", 3)),
                                       "int32"),
        "sample_n/int32_seed": ("sample_n", dict(scalars, seed=([], "int32", 0)), "int64"),
        "sample/float64_z": ("sample", {"z": ([2, latent], "float64", 0)}, "double"),
    }
    # serving_default is its own SignatureDef; its errors name the function it serves.
    z_signatures = {"sample": "sample"}
    image_signatures = {}
    if autoencoder:
        z_signatures["decode"] = "decode"
        image_signatures = {"encode": "encode", "reconstruct": "reconstruct",
                            "serving_default": "reconstruct"}
        accept.update({
            "encode/at_cap": ("encode", {"images": ([CAP, *shape], "float32", 0.5)},
                              {"z": [CAP, latent]}),
            "decode/at_cap": ("decode", {"z": ([CAP, latent], "float32", 0.5)},
                              {"images": [CAP, *shape]}),
            "reconstruct/at_cap": ("reconstruct",
                                   {"images": ([CAP, *shape], "float32", 0.5)},
                                   {"reconstructions": [CAP, *shape]}),
        })
    else:
        z_signatures["serving_default"] = "sample"
    for key, rows, kinds in [("z", [latent], z_signatures),
                             ("images", shape, image_signatures)]:
        bad_shapes = {"wrong_size": [2, rows[0] + 1, *rows[1:]],
                      "wrong_rank": [2, *rows[:-1]] if len(rows) > 1 else [2, *rows, 1]}
        for signature, function in kinds.items():
            row_text = ", ".join(str(d) for d in rows)
            wrong_shape = f"{function}: {key} must have shape [n, {row_text}]"
            for case, bad in bad_shapes.items():
                refuse[f"{signature}/{case}"] = (signature, {key: (bad, "float32", 0)},
                                                 wrong_shape)
            refuse[f"{signature}/cap+1"] = (
                signature, {key: ([CAP + 1, *rows], "float32", 0)},
                f"{function}: {key} has more rows than the cap of {CAP} per request")
            for fill in ["nan", "-inf"]:
                refuse[f"{signature}/{fill}"] = (
                    signature, {key: ([2, *rows], "float32", fill)},
                    f"{function}: {key} must be finite")
    return {"accept": accept, "refuse": refuse}


def _array(spec):
    shape, dtype, fill = spec
    return np.full(shape, float(fill) if isinstance(fill, str) else fill, dtype)


def _clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


@pytest.fixture(scope="module")
def session_loaded(exported, tmp_path_factory):
    """What the session-loader process saw: (info JSON, outputs, inputs, requests)."""
    name, model, config, path = exported
    work = tmp_path_factory.mktemp(f"{name}_session")
    inputs = _inputs(model, config)
    requests = _requests(model, config)
    np.savez(work / "in.npz", **inputs)
    (work / "requests.json").write_text(json.dumps(requests))
    script = work / "load.py"
    script.write_text(SESSION_LOADER)
    otzoo_root = os.path.dirname(os.path.dirname(os.path.abspath(otzoo.__file__)))
    proc = subprocess.run(
        [sys.executable, "-I", str(script), otzoo_root, path, str(work / "in.npz"),
         str(work / "requests.json"), str(work / "out.npz")],
        capture_output=True, text=True, env=_clean_env(), cwd=work, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    return info, np.load(work / "out.npz"), inputs, requests


def test_loads_with_otzoo_blocked(session_loaded):
    info, _, _, _ = session_loaded
    # The loader's own `import otzoo` probe is the only attempt: loading, running and
    # warming up never reached for otzoo.
    assert info["import_attempts"] == ["otzoo"]
    assert info["otzoo_modules"] == []


def test_session_loader_matches_in_memory_model(exported, session_loaded):
    name, model, config, path = exported
    info, out, inputs, _ = session_loaded
    expected = {"sample", "sample_n", "serving_default"}
    if hasattr(model, "encode"):
        expected |= {"encode", "decode", "reconstruct"}
    assert set(info["signatures"]) == expected
    assert info["warmups"] == len(expected) - 1

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


def test_session_loader_accepts_requests_at_the_limits(session_loaded):
    info, _, _, requests = session_loaded
    assert set(info["accepted"]) == set(requests["accept"])
    for case, (_, _, shapes) in requests["accept"].items():
        got = info["accepted"][case]
        assert got == {k: [shape, "float32", True] for k, shape in shapes.items()}, case


def test_session_loader_refuses_bad_requests(session_loaded):
    info, _, _, requests = session_loaded
    assert set(info["refused"]) == set(requests["refuse"])
    for case, (_, _, message) in requests["refuse"].items():
        got = info["refused"][case]
        assert isinstance(got, str), (case, "accepted", got)
        assert got.startswith("InvalidArgumentError: ") and message in got, (case, got)


def test_loaded_signatures_enforce_the_limits(exported):
    """The same limits hold for a `tf.saved_model.load`ed export, called eagerly."""
    name, model, config, path = exported
    loaded = tf.saved_model.load(path)
    requests = _requests(model, config)
    for case, (signature, feed, shapes) in requests["accept"].items():
        out = loaded.signatures[signature](**{k: tf.constant(_array(v))
                                              for k, v in feed.items()})
        assert {k: list(v.shape) for k, v in out.items()} == shapes, case
        assert all(np.isfinite(v).all() for v in out.values()), case
    for case, (signature, feed, message) in requests["refuse"].items():
        with pytest.raises(tf.errors.InvalidArgumentError) as error:
            loaded.signatures[signature](**{k: tf.constant(_array(v))
                                            for k, v in feed.items()})
        assert message in error.value.message, (case, error.value.message[:1000])


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


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
