"""`--data=tfds:NAME --data_dir=DIR` end to end: a TFDS dataset prepared by the project's
own builder (`otzoo_mnist_format`, from an idx folder the test writes) into a temporary
data_dir, then opened by name from its files, as any prepared TFDS dataset; nothing is
downloaded."""

import json
import os
import sys

import pytest

from tests.data import cli_common

NAME = "otzoo_mnist_format/shapes"
SHAPE = (32, 32, 1)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    from otzoo.data import tfds_builders

    tmp = str(tmp_path_factory.mktemp("tfds"))
    source = cli_common.write_idx_folder(os.path.join(tmp, "idx"), n=200, size=32,
                                         channels=1)
    data_dir = os.path.join(tmp, "tensorflow_datasets")
    config = tfds_builders.MnistFormatConfig(name="shapes", source_dir=source, num_classes=3,
                                             image_shape=SHAPE)
    builder = tfds_builders.prepared_builder("otzoo_mnist_format", data_dir, config=config)
    assert builder.info.splits["train"].num_examples == 200
    return tmp, data_dir


@pytest.fixture(scope="module")
def runs(prepared):
    tmp, data_dir = prepared
    return {
        # The dataset's own shape, from its features...
        "gan": cli_common.train_smoke("gan", tmp, f"--data=tfds:{NAME}:train",
                                      f"--data_dir={data_dir}"),
        # ... or resized (grey -> RGB, 32 -> 16) to the one given.
        "swae": cli_common.train_smoke("swae", tmp, f"--config.data.name=tfds:{NAME}",
                                       f"--config.data.path={data_dir}",
                                       "--image_shape=16,16,3"),
    }


def test_gan_family_entry_samples_the_datasets_shape(runs):
    _, export, stdout = runs["gan"]
    assert f"on tfds:{NAME}:train" in stdout and "(32x32x1)" in stdout
    cli_common.check_export(export, SHAPE, latent_dim=32, autoencoder=False)


def test_autoencoder_on_the_resized_images(runs):
    workdir, export, _ = runs["swae"]
    cli_common.check_export(export, (16, 16, 3), latent_dim=8, autoencoder=True)
    with open(os.path.join(workdir, "config.json")) as f:
        options = json.load(f)["data"]["options"]
    assert tuple(options["image_shape"]) == (16, 16, 3)


def test_a_dataset_not_prepared_there_is_one_line_and_status_2(prepared, tmp_path):
    _, data_dir = prepared
    proc = cli_common.run_cli("--model=gan", "--variant=smoke", f"--workdir={tmp_path}",
                              "--data=tfds:mnist", f"--data_dir={data_dir}")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    # Opening a TFDS builder may load TensorFlow, whose start-up lines come first.
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("otzoo: error: TFDS dataset 'mnist' is not prepared in "
                           f"{data_dir}"), proc.stderr
    assert "tfds build mnist" in last
    assert not os.path.exists(os.path.join(tmp_path, "checkpoints"))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
