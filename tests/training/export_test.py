"""Export is atomic, versioned, and writes models.config, warmup records, a model card."""

import errno
import json
import os
import types

import numpy as np
import pytest
import tensorflow as tf

from otzoo import export
from otzoo.export import writer
from otzoo.training import strategies, trainer
from tests.training import common


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    config = common.smoke_config("swgan")
    work = tmp_path_factory.mktemp("work")
    model, summary = trainer.train(config, str(work), strategies.make_strategy("one_device"),
                                   verbose=0)
    return model, config, summary


def test_versions_increment_and_models_config_lists_models(trained, tmp_path):
    model, config, summary = trained
    first = export.export_model(model, config, str(tmp_path), summary=summary)
    second = export.export_model(model, config, str(tmp_path), summary=summary)
    assert first.endswith(os.path.join("swgan", "1"))
    assert second.endswith(os.path.join("swgan", "2"))
    export.export_model(model, config, str(tmp_path), name="other", summary=summary)
    text = (tmp_path / "models.config").read_text()
    assert 'name: "swgan"' in text and 'base_path: "/models/swgan"' in text
    assert 'name: "other"' in text
    card = json.loads((tmp_path / "swgan" / "1" / "model_card.json").read_text())
    assert card["model"] == "swgan" and card["training"]["steps"] == summary["steps"]
    assert (tmp_path / "swgan" / "1" / "MODEL_CARD.md").exists()
    assert (tmp_path / "swgan" / "1" / export.WARMUP_PATH).stat().st_size > 0
    with pytest.raises(FileExistsError):
        export.export_model(model, config, str(tmp_path), version=1)


@pytest.mark.parametrize("hook", ["write_warmup_records", "write_model_card"])
def test_full_disk_during_export_publishes_nothing_and_says_so(trained, tmp_path,
                                                                monkeypatch, hook):
    """ENOSPC half-way through a version: no version TF Serving could load, no staging
    directory left behind, and an error naming the version and the cause."""
    model, config, summary = trained
    original = getattr(writer, hook)
    staged = []

    def disk_fills_up(*args, **kwargs):
        original(*args, **kwargs)  # this file is written, and then the disk is full
        staging = next(p for p in (tmp_path / "swgan").iterdir())
        staged.append(sorted(os.listdir(staging)))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(staging))

    monkeypatch.setattr(writer, hook, disk_fills_up)
    with pytest.raises(writer.ExportError) as error:
        export.export_model(model, config, str(tmp_path), summary=summary)
    # The failure came after the SavedModel itself was on disk, in the staging directory.
    assert "saved_model.pb" in staged[0] and "variables" in staged[0]
    message = str(error.value)
    assert "version 1 of swgan" in message and "nothing was published" in message
    assert "staging directory was removed" in message
    assert "No space left on device" in message
    assert isinstance(error.value.__cause__, OSError)
    assert error.value.__cause__.errno == errno.ENOSPC
    assert os.listdir(tmp_path / "swgan") == []  # no version, no hidden staging dir
    assert not (tmp_path / "models.config").exists()
    # The failed version number is not used up.
    monkeypatch.setattr(writer, hook, original)
    path = export.export_model(model, config, str(tmp_path), summary=summary)
    assert path.endswith(os.path.join("swgan", "1"))


def test_version_appears_complete_in_one_rename(trained, tmp_path, monkeypatch):
    """While the SavedModel is written, no integer version directory exists yet."""
    model, config, summary = trained
    seen = []
    original = writer.write_warmup_records

    def spy(path, *args, **kwargs):
        seen.append(writer.existing_versions(str(tmp_path / "swgan")))
        staging = os.path.dirname(os.path.dirname(path))
        assert os.path.basename(staging).startswith(".tmp-")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(writer, "write_warmup_records", spy)
    export.export_model(model, config, str(tmp_path), summary=summary)
    assert seen == [[]]
    assert writer.existing_versions(str(tmp_path / "swgan")) == [1]


def test_warmup_requests_fit_a_small_cap(trained, tmp_path):
    """TF Serving refuses to load a version whose warmup fails: every warmup request must
    be within the export's own cap, however small."""
    from tensorflow_serving.apis import prediction_log_pb2

    model, config, summary = trained
    path = export.export_model(model, config, str(tmp_path), max_samples=1)
    loaded = tf.saved_model.load(path)
    replayed = []
    for record in tf.data.TFRecordDataset(os.path.join(path, export.WARMUP_PATH)):
        request = prediction_log_pb2.PredictionLog.FromString(
            record.numpy()).predict_log.request
        loaded.signatures[request.model_spec.signature_name](
            **{k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
        replayed.append(request.model_spec.signature_name)
    assert sorted(replayed) == ["sample", "sample_n"]


@pytest.mark.parametrize("name,gaussian", [("vae", True), ("swae", False)])
def test_encode_returns_the_posterior_of_a_gaussian_encoder(name, gaussian, tmp_path):
    config = common.smoke_config(name)
    model = trainer.build_compiled_model(config, strategies.make_strategy("one_device"),
                                         tuple(config.data.shape))
    path = export.export_model(model, config, str(tmp_path))
    loaded = tf.saved_model.load(path)
    images = np.random.default_rng(0).uniform(0, 1, (3, *config.data.shape))
    images = tf.constant(images, tf.float32)
    out = loaded.signatures["encode"](images=images)
    mean, log_var = model.encoder_moments(images)
    assert set(out) == ({"z", "log_var"} if gaussian else {"z"})
    np.testing.assert_allclose(out["z"], mean, rtol=1e-5, atol=1e-6)
    if gaussian:
        np.testing.assert_allclose(out["log_var"], log_var, rtol=1e-5, atol=1e-6)


class RowCounter:
    """A stand-in autoencoder that counts, in a saved variable, every row it computes on.

    A refused request must leave the count at 0: the model never ran on it.
    """

    latent_dim = 2
    data_shape = (3, 3, 1)

    def __init__(self):
        self.rows = tf.Variable(0, dtype=tf.int32)
        self.variables = [types.SimpleNamespace(value=self.rows)]  # as Keras variables

    def _count(self, x):
        with tf.control_dependencies([self.rows.assign_add(tf.shape(x)[0])]):
            return tf.identity(x)

    def sample_prior_stateless(self, n, seed):
        return self._count(tf.random.stateless_normal([n, self.latent_dim], seed))

    def sample(self, z):
        return self.decode(z)

    def decode(self, z):
        return tf.zeros([tf.shape(self._count(z))[0], *self.data_shape])

    def encode(self, images):
        return self.encoder_moments(images)[0]

    def encoder_moments(self, images):
        return tf.zeros([tf.shape(self._count(images))[0], self.latent_dim]), None


class CountingModule(export.ServingModule):
    """The serving module plus a `rows` signature that reads the model's count."""

    def __init__(self, model):
        super().__init__(model, model.data_shape, max_samples=3)
        self.read_rows = tf.function(lambda: {"rows": model.rows.read_value()},
                                     input_signature=[], autograph=False)

    def signatures(self):
        return dict(super().signatures(), rows=self.read_rows.get_concrete_function())


def test_refused_requests_compute_nothing(tmp_path):
    """Through both loaders, a refused request leaves the row count at 0; the same
    signatures at the cap do count, so the counter would have seen any computation."""
    from tensorflow.core.protobuf import config_pb2

    model = RowCounter()
    module = CountingModule(model)
    tf.saved_model.save(module, str(tmp_path), signatures=module.signatures())
    n = module.max_samples
    ok_z, ok_images = np.zeros((n, 2), np.float32), np.zeros((n, 3, 3, 1), np.float32)
    refused = [("sample_n", {"num_samples": np.int32(n + 1), "seed": np.int64(0)}),
               ("sample_n", {"num_samples": np.int32(0), "seed": np.int64(0)}),
               ("sample", {"z": np.zeros((n + 1, 2), np.float32)}),
               ("sample", {"z": np.zeros((2, 3), np.float32)}),
               ("decode", {"z": np.full((2, 2), np.nan, np.float32)}),
               ("encode", {"images": np.zeros((n + 1, 3, 3, 1), np.float32)}),
               ("reconstruct", {"images": np.full((2, 3, 3, 1), np.inf, np.float32)}),
               ("reconstruct", {"images": np.zeros((2, 3, 3), np.float32)})]
    accepted = [("sample_n", {"num_samples": np.int32(n), "seed": np.int64(0)}),
                ("sample", {"z": ok_z}), ("decode", {"z": ok_z}),
                ("encode", {"images": ok_images}), ("reconstruct", {"images": ok_images})]
    # sample_n and reconstruct compute each row twice (draw then decode; encode then
    # decode), the others once.
    rows_accepted = 7 * n

    loaded = tf.saved_model.load(str(tmp_path))
    for name, feed in refused:
        with pytest.raises(tf.errors.InvalidArgumentError):
            loaded.signatures[name](**{k: tf.constant(v) for k, v in feed.items()})
    assert int(loaded.signatures["rows"]()["rows"]) == 0
    for name, feed in accepted:
        loaded.signatures[name](**{k: tf.constant(v) for k, v in feed.items()})
    assert int(loaded.signatures["rows"]()["rows"]) == rows_accepted

    with tf.compat.v1.Session(graph=tf.Graph()) as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], str(tmp_path))

        def run(name, feed):  # the C++ session API, as TF Serving calls it
            sig = meta.signature_def[name]
            options = config_pb2.CallableOptions(
                feed=[sig.inputs[k].name for k in sorted(feed)],
                fetch=[sig.outputs[k].name for k in sorted(sig.outputs)])
            values = sess._make_callable_from_options(options)(
                *[feed[k] for k in sorted(feed)])
            return dict(zip(sorted(sig.outputs), values))

        for name, feed in refused:
            with pytest.raises(tf.errors.InvalidArgumentError):
                run(name, feed)
        assert run("rows", {})["rows"] == 0
        for name, feed in accepted:
            run(name, feed)
        assert run("rows", {})["rows"] == rows_accepted


def test_export_main_exports_latest_checkpoint_of_a_workdir(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2")
    work = tmp_path / "work"
    config = common.smoke_config("swgan")
    model, _ = trainer.train(config, str(work), strategies.make_strategy("one_device"),
                             verbose=0)
    proc = subprocess.run([sys.executable, "-m", "otzoo.export.main", f"--workdir={work}",
                           f"--export_dir={tmp_path / 'exp'}"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"exported step {config.steps}" in proc.stdout
    import numpy as np
    import tensorflow as tf
    loaded = tf.saved_model.load(str(tmp_path / "exp" / "swgan" / "1"))
    z = tf.random.stateless_normal((3, model.latent_dim), [1, 2])
    np.testing.assert_allclose(loaded.signatures["sample"](z=z)["images"], model.sample(z),
                               rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    import sys
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
