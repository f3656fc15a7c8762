"""MNIST-format folders written by the test: `load("mnist", data_dir=...)` and the TFDS builder.

The TFDS builder (which writes TFRecords) is tested on a 10-image folder only, in a
directory under TEST_TMPDIR, never online.
"""

import gzip
import os
import shutil
import struct
import tempfile

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import otzoo.data
from otzoo.data import tfds_builders
from otzoo.data.errors import DatasetError, DatasetNotFoundError


@pytest.fixture
def tmp_dir(monkeypatch):
    """A fresh directory, inside TEST_TMPDIR under Bazel (tests write nowhere else).

    It is also Python's temp dir for the test: TFDS leaves an empty `tmp*tfds` directory
    in the temp dir whenever it constructs a builder that is not prepared yet.
    """
    path = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    monkeypatch.setattr(tempfile, "tempdir", path)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def idx_bytes(array):
    """uint8 array -> idx bytes, written with struct independently of the reader."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    return header + struct.pack(">" + "I" * array.ndim, *array.shape) + array.tobytes()


def write_folder(directory, n_train=10, n_test=4, gz=True, prefix="", test_stem="t10k",
                 rows=28, cols=28, num_classes=10, label_offset=0):
    """Writes a tiny MNIST-format folder; returns {split: (images, labels)}."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(1)
    out = {}
    for split, stem, n in (("train", "train", n_train), ("test", test_stem, n_test)):
        images = rng.integers(0, 256, (n, rows, cols), dtype=np.uint8)
        labels = (np.arange(n) % num_classes + label_offset).astype(np.uint8)
        for kind, array, ndim in (("images", images, 3), ("labels", labels, 1)):
            name = f"{prefix}{stem}-{kind}-idx{ndim}-ubyte" + (".gz" if gz else "")
            with (gzip.open if gz else open)(os.path.join(directory, name), "wb") as f:
                f.write(idx_bytes(array))
        out[split] = (images, labels)
    return out


def as_arrays(ds):
    x, y = next(iter(ds.batch(1000)))
    return x.numpy(), y.numpy()


@pytest.mark.parametrize("gz", [True, False])
def test_tiny_folder_loads_exactly(tmp_dir, gz):
    truth = write_folder(tmp_dir, gz=gz)
    for split, n in (("train", 10), ("test", 4)):
        ds = otzoo.data.load("mnist", split, data_dir=tmp_dir, as_supervised=True)
        assert int(ds.cardinality()) == n
        x, y = as_arrays(ds)
        assert x.shape == (n, 28, 28, 1) and x.dtype == np.float32
        np.testing.assert_allclose(x[..., 0], truth[split][0] / 255.0, atol=1e-6)
        np.testing.assert_array_equal(y, truth[split][1])


def test_value_range_minus_one_one(tmp_dir):
    truth = write_folder(tmp_dir)
    ds = otzoo.data.load("mnist", "train", data_dir=tmp_dir, value_range=(-1, 1))
    x = next(iter(ds.batch(100))).numpy()
    np.testing.assert_allclose(x[..., 0], truth["train"][0] / 127.5 - 1.0, atol=1e-6)


def test_emnist_style_prefix_test_stem_and_transpose(tmp_dir):
    truth = write_folder(tmp_dir, prefix="emnist-letters-", test_stem="test", rows=28,
                         cols=28, num_classes=26, label_offset=1)
    write_folder(tmp_dir, prefix="emnist-digits-", test_stem="test")
    with pytest.raises(DatasetError, match="prefix"):
        otzoo.data.load("mnist", "test", data_dir=tmp_dir)
    ds = otzoo.data.load("mnist", "test", data_dir=tmp_dir, prefix="emnist-letters-",
                         transpose=True, as_supervised=True)
    x, y = as_arrays(ds)
    np.testing.assert_allclose(x[..., 0], truth["test"][0].transpose(0, 2, 1) / 255.0,
                               atol=1e-6)
    np.testing.assert_array_equal(y, truth["test"][1])


def test_data_dir_is_required_and_missing_files_are_named(tmp_dir):
    with pytest.raises(DatasetError, match="pass data_dir=DIR holding train-images-idx3-ubyte"):
        otzoo.data.load("mnist")
    with pytest.raises(DatasetNotFoundError, match="(?s)no train-images-idx3-ubyte.*and "
                       "train-labels-idx1-ubyte.* in " + tmp_dir):
        otzoo.data.load("mnist", data_dir=tmp_dir)


def test_relative_data_dir_resolves_against_bazel_working_directory(tmp_dir, monkeypatch):
    write_folder(os.path.join(tmp_dir, "kmnist"))
    monkeypatch.setenv("BUILD_WORKING_DIRECTORY", tmp_dir)
    assert int(otzoo.data.load("mnist", data_dir="kmnist").cardinality()) == 10


def test_tfds_builder_on_tiny_folder(tmp_dir):
    source = os.path.join(tmp_dir, "kmnist")
    truth = write_folder(source)
    tfds_dir = os.path.join(tmp_dir, "tfds")
    config = tfds_builders.MnistFormatConfig(name="tiny", source_dir=source)
    # The plain TFDS API, as users call it.
    builder = tfds.builder("otzoo_mnist_format", config=config, data_dir=tfds_dir,
                           try_gcs=False)
    builder.download_and_prepare(download_config=tfds_builders.offline_config())
    assert builder.info.splits["train"].num_examples == 10
    assert builder.info.splits["test"].num_examples == 4
    assert builder.info.features["label"].num_classes == 10
    x, y = as_arrays(builder.as_dataset(split="train", as_supervised=True))
    assert x.dtype == np.uint8 and x.shape == (10, 28, 28, 1)
    # TFDS shuffles at write time: compare as sets of (label, image) pairs.
    order = np.argsort(y)
    np.testing.assert_array_equal(y[order], truth["train"][1])
    np.testing.assert_array_equal(x[order][..., 0], truth["train"][0])
    assert os.path.isdir(os.path.join(tfds_dir, "otzoo_mnist_format", "tiny", "1.0.0"))

    # And through otzoo.data.load(backend="tfds"): float32 in value_range, same data.
    ds = otzoo.data.load("mnist", "test", data_dir=source, backend="tfds",
                         tfds_data_dir=tfds_dir, as_supervised=True, value_range=(-1, 1))
    assert ds.element_spec[0].dtype == tf.float32
    x, y = as_arrays(ds)
    order = np.argsort(y)
    np.testing.assert_allclose(x[order][..., 0], truth["test"][0] / 127.5 - 1, atol=1e-6)


@pytest.mark.parametrize("route", ["source_dir", "manual_dir"])
def test_fashion_mnist_tfds_builder_on_a_tiny_stand_in(tmp_dir, route):
    # The otzoo_fashion_mnist builder, fed a 10-image folder in Fashion-MNIST's layout
    # (building the real 70k takes ~40 s: that is measured by benchmarks/data_bench.py).
    source = os.path.join(tmp_dir, "fashion")
    truth = write_folder(source)
    tfds_dir = os.path.join(tmp_dir, "tfds")
    if route == "source_dir":
        builder = tfds.builder("otzoo_fashion_mnist", data_dir=tfds_dir, try_gcs=False,
                               source_dir=source)
        builder.download_and_prepare(download_config=tfds_builders.offline_config())
    else:
        builder = tfds.builder("otzoo_fashion_mnist", data_dir=tfds_dir, try_gcs=False)
        builder.download_and_prepare(
                download_config=tfds_builders.offline_config(manual_dir=source))
    assert builder.info.features["label"].names[9] == "Ankle boot"
    assert builder.info.splits["test"].num_examples == 4
    x, y = as_arrays(builder.as_dataset(split="train", as_supervised=True))
    order = np.argsort(y)
    np.testing.assert_array_equal(x[order][..., 0], truth["train"][0])
    # otzoo.data.load(backend="tfds") reuses the prepared dataset.
    ds = otzoo.data.load("fashion_mnist", "train", data_dir=source, backend="tfds",
                         tfds_data_dir=tfds_dir)
    assert ds.element_spec == tf.TensorSpec([28, 28, 1], tf.float32)
    assert int(ds.cardinality()) == 10


def test_tfds_backend_rejects_labels_beyond_num_classes(tmp_dir):
    write_folder(tmp_dir, num_classes=10)
    with pytest.raises(DatasetError, match=r"range over \[0, 9\]; expected \[0, 4\]"):
        otzoo.data.load("mnist", data_dir=tmp_dir, backend="tfds", num_classes=5,
                        tfds_data_dir=os.path.join(tmp_dir, "tfds"))


def test_unknown_backend(tmp_dir):
    with pytest.raises(DatasetError, match="backend must be one of"):
        otzoo.data.load("mnist", data_dir=tmp_dir, backend="torch")


def write_colour_folder(directory, n=6, rows=8, cols=6):
    """train-images-idx4-ubyte (n, rows, cols, 3) and labels; returns (images, labels)."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (n, rows, cols, 3), dtype=np.uint8)
    labels = (np.arange(n) % 3).astype(np.uint8)
    for name, array in (("train-images-idx4-ubyte", images), ("train-labels-idx1-ubyte",
                                                              labels)):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(idx_bytes(array))
    return images, labels


def test_colour_idx4_folder_loads_exactly(tmp_dir):
    images, labels = write_colour_folder(tmp_dir)
    x, y = as_arrays(otzoo.data.load("mnist", data_dir=tmp_dir, as_supervised=True))
    assert x.shape == (6, 8, 6, 3)
    np.testing.assert_allclose(x, images / 255.0, atol=1e-6)
    np.testing.assert_array_equal(y, labels)
    # Through the TFDS builder too: the config declares the colour shape.
    ds = otzoo.data.load("mnist", data_dir=tmp_dir, backend="tfds", as_supervised=True,
                         tfds_data_dir=os.path.join(tmp_dir, "tfds"))
    assert ds.element_spec[0].shape == (8, 6, 3)
    x, y = as_arrays(ds)
    # TFDS shuffles at write time: compare as sets of (label, image) pairs.
    pairs = lambda xs, ys: sorted(zip(ys.tolist(), (a.tobytes() for a in xs)))  # noqa
    assert pairs(np.rint(x * 255).astype(np.uint8), y) == pairs(images, labels)


@pytest.mark.parametrize("backend", ["numpy", "tfds"])
def test_image_shape_resizes_and_converts_channels(tmp_dir, backend):
    os.makedirs(tmp_dir, exist_ok=True)
    # Constant grey images (value 10 * i) stay constant when resized to RGB 12x12.
    images = np.repeat(np.arange(0, 40, 10, dtype=np.uint8), 28 * 28).reshape(4, 28, 28)
    for stem in ("train", "t10k"):
        for kind, array in (("images", images), ("labels", np.arange(4, dtype=np.uint8))):
            with open(os.path.join(tmp_dir, f"{stem}-{kind}-idx{array.ndim}-ubyte"), "wb") as f:
                f.write(idx_bytes(array))
    x, y = as_arrays(otzoo.data.load("mnist", data_dir=tmp_dir, image_shape=(12, 12, 3),
                                     as_supervised=True, backend=backend,
                                     tfds_data_dir=os.path.join(tmp_dir, "tfds")))
    assert x.shape == (4, 12, 12, 3)
    for image, label in zip(x, y):
        np.testing.assert_allclose(image, 10 * label / 255.0, atol=1e-6)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
