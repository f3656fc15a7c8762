"""`--data=mnist_format:DIR` end to end on a 32x32x3 MNIST-format folder the test writes.

The idx format holds any number of dimensions, so colour images are an idx4 array
(N, rows, cols, channels) in `train-images-idx4-ubyte.gz` (otzoo.data.idx reads idx3 and
idx4). The folder has a train split only, as many do: sample grids then use train images.
"""

import json
import os
import sys

import pytest

from tests.data import cli_common

SHAPE = (32, 32, 3)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("mnist_format"))
    folder = cli_common.write_idx_folder(os.path.join(tmp, "shapes32"), n=200, size=32,
                                         channels=3)
    return {
        "folder": folder,
        "swgan": cli_common.train_smoke("swgan", tmp, f"--data=mnist_format:{folder}"),
        "wae_mmd": cli_common.train_smoke(
            "wae_mmd", tmp, "--config.data.name=mnist", f"--config.data.path={folder}"),
    }


def test_gan_family_entry_samples_32x32x3(runs):
    workdir, export, stdout = runs["swgan"]
    assert "on mnist" in stdout and "(32x32x3)" in stdout
    cli_common.check_export(export, SHAPE, latent_dim=32, autoencoder=False)


def test_autoencoder_encodes_32x32x3(runs):
    _, export, _ = runs["wae_mmd"]
    cli_common.check_export(export, SHAPE, latent_dim=8, autoencoder=True)


def test_resolved_config_reads_the_folder_unresized(runs):
    for model in ("swgan", "wae_mmd"):
        with open(os.path.join(runs[model][0], "config.json")) as f:
            data = json.load(f)["data"]
        assert data["name"] == "mnist" and data["options"]["data_dir"] == runs["folder"]
        assert tuple(data["shape"]) == SHAPE
        assert "image_shape" not in data["options"]  # the files' own shape: no resizing


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
