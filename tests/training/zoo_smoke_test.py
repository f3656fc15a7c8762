"""Every zoo config's `smoke` variant trains on the embedded data and exports.

One test per config in `zoo_configs/`; Bazel deals them over parallel shards.
"""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from otzoo import export
from otzoo.training import strategies, trainer
from tests.training import common


@pytest.mark.parametrize("name", common.ALL_MODELS)
def test_smoke_train_and_export(name, tmp_path):
    config = common.smoke_config(name)
    model, summary = trainer.train(config, str(tmp_path / "work"),
                                   strategies.make_strategy("one_device"), verbose=0)
    assert summary["steps"] == config.steps
    for metric, value in summary["final_metrics"].items():
        assert np.isfinite(value), (metric, value)
    assert os.path.exists(tmp_path / "work" / "samples.png")
    assert json.loads((tmp_path / "work" / "config.json").read_text())["model"] == name

    path = export.export_model(model, config, str(tmp_path / "exported"), summary=summary)
    loaded = tf.saved_model.load(path)
    expected = {"sample", "sample_n", "serving_default"}
    if hasattr(model, "encode"):
        expected |= {"encode", "decode", "reconstruct"}
        assert os.path.exists(tmp_path / "work" / "reconstructions.png")
    assert set(loaded.signatures) == expected
    out = loaded.signatures["sample_n"](num_samples=tf.constant(3),
                                        seed=tf.constant(5, tf.int64))
    assert out["images"].shape == (3, *config.data.shape)
    assert np.all(np.isfinite(out["images"].numpy()))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
