"""`--data=image_folder:DIR` end to end: 64x64x3 PNGs the test writes, a GAN-family entry
and an autoencoder trained through the command line, exports of that shape."""

import json
import os
import sys

import pytest

from tests.data import cli_common

SHAPE = (64, 64, 3)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both trainings, shared by the tests: {model: (workdir, export path, stdout)}."""
    tmp = str(tmp_path_factory.mktemp("image_folder"))
    folder = cli_common.write_image_folder(os.path.join(tmp, "shapes"), n=300, size=64)
    return {
        "folder": folder,
        # The shorthand flag, the shape read from the images...
        "wgan_gp": cli_common.train_smoke("wgan_gp", tmp, f"--data=image_folder:{folder}"),
        # ... and the config keys it stands for, the shape given.
        "vae": cli_common.train_smoke(
            "vae", tmp, "--config.data.name=image_folder", f"--config.data.path={folder}",
            "--config.data.shape=64,64,3"),
    }


def test_gan_family_entry_samples_64x64x3(runs):
    workdir, export, stdout = runs["wgan_gp"]
    assert "on image_folder" in stdout and "(64x64x3)" in stdout
    cli_common.check_export(export, SHAPE, latent_dim=32, autoencoder=False)


def test_autoencoder_encodes_and_decodes_64x64x3(runs):
    _, export, _ = runs["vae"]
    cli_common.check_export(export, SHAPE, latent_dim=8, autoencoder=True)


@pytest.mark.parametrize("model", ["wgan_gp", "vae"])
def test_resolved_config_names_the_folder_and_the_deeper_networks(runs, model):
    with open(os.path.join(runs[model][0], "config.json")) as f:
        config = json.load(f)
    assert config["data"]["name"] == "image_folder"
    assert config["data"]["options"]["data_dir"] == runs["folder"]
    assert tuple(config["data"]["shape"]) == SHAPE
    for spec in config["networks"].values():
        if "image_shape" in spec["kwargs"]:  # every image network follows data.shape
            assert tuple(spec["kwargs"]["image_shape"]) == SHAPE


def test_64_pixels_get_three_blocks(runs):
    # The generator of a 64x64 export upsamples three times (8 -> 16 -> 32 -> 64), as
    # otzoo.networks.conv chooses for 64 pixels and more (two below).
    import tensorflow as tf

    reader = tf.train.load_checkpoint(os.path.join(runs["wgan_gp"][0], "checkpoints"))
    kernels = [shape for name, shape in reader.get_variable_to_shape_map().items()
               if name.startswith("model_variables/") and len(shape) == 4]
    # conv_encoder: 3 convs, conv_decoder: 2 hidden upconvs + the output one.
    assert len(kernels) == 6, kernels


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
