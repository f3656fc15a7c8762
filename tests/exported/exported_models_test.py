"""Every committed export under `exported/` loads and serves the way TF Serving runs it.

For each `exported/<name>/<version>/`, a TF1 session loads the SavedModel with the
`serve` tag (`tf.compat.v1.saved_model.loader.load`, as TF Serving does); every
SignatureDef runs on small valid inputs built from its own TensorInfo; outputs must have
the declared dtypes and shapes, be finite, and, where the network's output activation
bounds them, lie in the model card's `value_range`; every TF Serving warmup record
replays. This file imports no otzoo code: a committed export must stand alone.

The exports are found relative to this file, which is also where Bazel puts them in the
runfiles tree when they are data dependencies of the test.
"""

import json
import os
import re
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

WARMUP = os.path.join("assets.extra", "tf_serving_warmup_requests")
BATCH = 2  # rows per request: small, and not 1, so a batch axis mix-up shows


def _exported_root():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "exported")
    if os.path.isdir(here) or "TEST_SRCDIR" not in os.environ:
        return os.path.normpath(here)
    return os.path.join(os.environ["TEST_SRCDIR"], os.environ.get("TEST_WORKSPACE", "_main"),
                        "exported")


EXPORTED = _exported_root()


def _versions():
    """Every integer version directory, as TF Serving's file-system source sees them."""
    found = []
    for name in sorted(os.listdir(EXPORTED)) if os.path.isdir(EXPORTED) else []:
        model_dir = os.path.join(EXPORTED, name)
        if os.path.isdir(model_dir):
            versions = [v for v in os.listdir(model_dir) if re.fullmatch(r"\d+", v)]
            found += [f"{name}/{v}" for v in sorted(versions, key=int)]
    return found


VERSIONS = _versions()


def test_every_model_in_models_config_has_a_version():
    """The parametrised tests below are not vacuous, and cover what TF Serving serves."""
    with open(os.path.join(EXPORTED, "models.config")) as f:
        served = re.findall(r'name:\s*"([^"]+)"', f.read())
    exported = sorted({v.split("/")[0] for v in VERSIONS})
    assert served and sorted(served) == exported


def _card(path):
    with open(os.path.join(path, "model_card.json")) as f:
        return json.load(f)


def _pixel_bounds(card):
    """The (low, high) the model's output activation keeps its pixels in, or None."""
    config = card.get("config", {})
    networks = config.get("networks", {})
    network = networks.get("generator") or networks.get("decoder") or {}
    activation = network.get("kwargs", {}).get("output_activation")
    if config.get("model") == "vae" and config.get("model_kwargs", {}).get(
            "likelihood", "bernoulli") == "bernoulli":
        activation = "sigmoid"  # decode returns the Bernoulli means sigmoid(logits)
    return {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(activation)


def _request(signature, card, rng):
    """Small valid inputs for `signature`, from its TensorInfo and the model card."""
    low, high = card["data"]["value_range"]
    feed = {}
    for key, info in signature.inputs.items():
        dtype = tf.dtypes.as_dtype(info.dtype).as_numpy_dtype
        shape = [BATCH if d.size == -1 else d.size for d in info.tensor_shape.dim]
        if key == "images":
            feed[key] = rng.uniform(low, high, shape).astype(dtype)
        elif key == "z":  # inside the support of both zoo priors, N(0, I) and U[-1, 1]
            feed[key] = rng.uniform(-1, 1, shape).astype(dtype)
        elif key == "num_samples":
            feed[key] = np.asarray(BATCH, dtype)
        elif key == "seed":
            feed[key] = np.asarray(0, dtype)
        else:
            raise AssertionError(f"no test input for {key!r}; teach this test about it")
    return feed


def _check_outputs(where, signature, outputs, card):
    bounds = _pixel_bounds(card)
    for key, value in outputs.items():
        info = signature.outputs[key]
        assert value.dtype == tf.dtypes.as_dtype(info.dtype).as_numpy_dtype, (where, key)
        declared = [BATCH if d.size == -1 else d.size for d in info.tensor_shape.dim]
        assert list(value.shape) == declared, (where, key, value.shape, declared)
        assert np.isfinite(value).all(), (where, key)
        if key in ("images", "reconstructions") and bounds is not None:
            assert value.min() >= bounds[0] and value.max() <= bounds[1], (
                where, key, float(value.min()), float(value.max()), bounds)
        if key == "probabilities":
            assert value.min() >= 0
            np.testing.assert_allclose(value.sum(axis=-1), 1.0, rtol=1e-5, err_msg=where)


@pytest.mark.parametrize("version", VERSIONS)
def test_export_loads_and_serves_like_tf_serving(version):
    path = os.path.join(EXPORTED, version)
    card = _card(path)
    rng = np.random.default_rng(0)
    with tf.compat.v1.Session(graph=tf.Graph()) as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
        signatures = {k: v for k, v in meta.signature_def.items()
                      if k != "__saved_model_init_op"}  # TF's variable initialiser
        assert "serving_default" in signatures
        assert set(card["signatures"]) <= set(signatures), (card["signatures"],
                                                             sorted(signatures))
        bounds = _pixel_bounds(card)
        if bounds is not None:  # the card's range is the one the activation keeps to
            assert tuple(card["data"]["value_range"]) == bounds
        for name, signature in sorted(signatures.items()):
            assert signature.method_name == "tensorflow/serving/predict", name
            feed = _request(signature, card, rng)
            outputs = sess.run({k: v.name for k, v in signature.outputs.items()},
                               {signature.inputs[k].name: v for k, v in feed.items()})
            _check_outputs(f"{version} {name}", signature, outputs, card)

        if "sample_n" in signatures:  # a generative zoo export: it ships warmup records
            warmed = []
            for record in tf.compat.v1.io.tf_record_iterator(os.path.join(path, WARMUP)):
                request = prediction_log_pb2.PredictionLog.FromString(
                    record).predict_log.request
                name = request.model_spec.signature_name
                signature = signatures[name]
                assert set(request.inputs) == set(signature.inputs), name
                outputs = sess.run(
                    {k: v.name for k, v in signature.outputs.items()},
                    {signature.inputs[k].name: tf.make_ndarray(v)
                     for k, v in request.inputs.items()})
                _check_outputs(f"{version} warmup {name}", signature, outputs, card)
                warmed.append(name)
            assert sorted(warmed) == sorted(set(signatures) - {"serving_default"})

            # The one limit these exports were made with: sample_n's cap.
            sample_n = signatures["sample_n"]
            cap = int(card["max_samples_per_request"])
            for too_many in [0, cap + 1]:
                with pytest.raises(tf.errors.InvalidArgumentError):
                    sess.run(sample_n.outputs["images"].name,
                             {sample_n.inputs["num_samples"].name: too_many,
                              sample_n.inputs["seed"].name: 0})

            # Every shipped version refuses bad requests in the graph (README, "Exported
            # models and TF Serving"): NaN/Inf inputs and more rows than the cap.
            latent, shape = int(card["latent_dim"]), list(card["data"]["shape"])
            bad = {"sample": [np.full([2, latent], np.nan, np.float32),
                              np.zeros([cap + 1, latent], np.float32)],
                   "decode": [np.full([2, latent], np.inf, np.float32)],
                   "encode": [np.full([2, *shape], np.nan, np.float32),
                              np.zeros([cap + 1, *shape], np.float32)],
                   "reconstruct": [np.full([2, *shape], -np.inf, np.float32)]}
            for name, requests in bad.items():
                if name not in signatures:
                    continue
                (key, spec), = signatures[name].inputs.items()
                for request in requests:
                    with pytest.raises(tf.errors.InvalidArgumentError, match=name):
                        sess.run({k: v.name for k, v in signatures[name].outputs.items()},
                                 {spec.name: request})


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
