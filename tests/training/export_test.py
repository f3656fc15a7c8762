"""Export is atomic, versioned, and writes models.config, warmup records, a model card."""

import json
import os

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


def test_failed_export_leaves_no_version_and_no_temp(trained, tmp_path, monkeypatch):
    model, config, summary = trained

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "write_warmup_records", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        export.export_model(model, config, str(tmp_path), summary=summary)
    assert os.listdir(tmp_path / "swgan") == []  # no version, no hidden staging dir


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
