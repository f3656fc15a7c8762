"""otzoo.data.sources (what `--data`, `--data_dir`, `--image_shape` mean, checked without
TensorFlow) and the "tfds" loader, on data the tests write."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import otzoo.data
from otzoo.data import sources, tfds_builders
from otzoo.data.errors import DatasetError, DatasetNotFoundError
from tests.data import cli_common


@pytest.mark.parametrize("value,expected", [
    ("fashion_mnist", ("fashion_mnist", "")),
    ("fashion_mnist:/data/fmnist", ("fashion_mnist", "/data/fmnist")),
    ("mnist:/d", ("mnist", "/d")),
    ("mnist_format:/d", ("mnist", "/d")),
    ("image_folder:C:/photos", ("image_folder", "C:/photos")),
    ("tfds:cifar10", ("tfds:cifar10", "")),
    ("tfds:my_set/cfg:1.0.0:train[:90%]", ("tfds:my_set/cfg:1.0.0:train[:90%]", "")),
])
def test_parse_data_flag(value, expected):
    assert sources.parse_data_flag(value) == expected


@pytest.mark.parametrize("value,match", [
    ("cifar10", "unknown data source 'cifar10' in --data; valid: fashion_mnist"),
    ("rings", "unknown data source 'rings'"),
    ("image_folder", "--data=image_folder needs a folder: --data=image_folder:DIR"),
    ("mnist", "--data=mnist needs a folder"),
    ("tfds", "needs a dataset name: --data=tfds:NAME"),
])
def test_parse_data_flag_errors(value, match):
    with pytest.raises(DatasetError, match=match):
        sources.parse_data_flag(value)


def test_parse_shape():
    assert sources.parse_shape("64,64,3") == (64, 64, 3)
    assert sources.parse_shape("32x48x1") == (32, 48, 1)
    assert sources.parse_shape((28, 28, 1)) == (28, 28, 1)
    for bad in ("64,64", "0,4,3", "4,4,2", "a,b,c", (4, 4), "", None):
        with pytest.raises(DatasetError, match="HEIGHT,WIDTH,CHANNELS"):
            sources.parse_shape(bad)


def test_the_default_adds_nothing_to_the_config():
    if not os.path.isdir(otzoo.data.paths.FASHION_MNIST_DIR):
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    assert sources.resolve("fashion_mnist") == ("fashion_mnist", {}, (28, 28, 1))
    assert sources.resolve("fashion_mnist", shape=(28, 28, 1)) == ("fashion_mnist", {},
                                                                   (28, 28, 1))
    assert sources.resolve("fashion_mnist", shape=(32, 32, 3)) == (
        "fashion_mnist", {"image_shape": (32, 32, 3)}, (32, 32, 3))


def test_image_folder_shape_from_the_images_or_given(tmp_path):
    folder = cli_common.write_image_folder(str(tmp_path / "img"), n=6, size=16)
    name, options, shape = sources.resolve("image_folder", folder)
    assert (name, shape) == ("image_folder", (16, 16, 3))
    assert options == {"data_dir": folder, "image_shape": (16, 16, 3), "test_fallback": True}
    _, options, shape = sources.resolve("image_folder", folder, (8, 8, 1))
    assert shape == (8, 8, 1) and options["image_shape"] == (8, 8, 1)
    # What the resolved options load is what the shape says.
    x = next(iter(otzoo.data.load(name, "test", **options).batch(10))).numpy()
    assert x.shape == (6, 8, 8, 1)


def test_image_folder_errors(tmp_path):
    with pytest.raises(DatasetNotFoundError, match=f"image folder {tmp_path}/nope does not "
                       "exist"):
        sources.resolve("image_folder", str(tmp_path / "nope"))
    (tmp_path / "f.txt").write_text("")
    with pytest.raises(DatasetNotFoundError, match="is not a folder"):
        sources.resolve("image_folder", str(tmp_path / "f.txt"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetNotFoundError, match="no images for split 'train'"):
        sources.resolve("image_folder", str(tmp_path / "empty"))
    with pytest.raises(DatasetError, match="reads a folder of images"):
        sources.resolve("image_folder")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    Image.new("RGB", (4, 4)).save(mixed / "a.png")
    Image.new("RGB", (4, 5)).save(mixed / "b.png")
    with pytest.raises(DatasetError, match="images differ in size"):
        sources.resolve("image_folder", str(mixed))
    assert sources.resolve("image_folder", str(mixed), (4, 4, 3))[2] == (4, 4, 3)


def test_mnist_format_shape_from_the_idx_header(tmp_path):
    folder = cli_common.write_idx_folder(str(tmp_path / "idx"), n=4, size=12, channels=3)
    for name in ("mnist", "mnist_format"):
        assert sources.resolve(name, folder) == (
            "mnist", {"data_dir": folder, "test_fallback": True}, (12, 12, 3))
    _, options, shape = sources.resolve("mnist", folder, (8, 8, 3))
    assert shape == (8, 8, 3) and options["image_shape"] == (8, 8, 3)
    with pytest.raises(DatasetNotFoundError, match="no train-images"):
        sources.resolve("mnist", str(tmp_path))
    with pytest.raises(DatasetError, match="reads an MNIST-format folder"):
        sources.resolve("mnist")


def test_unknown_and_toy_names():
    for name in ("cifar10", "rings", "tfds", "image_folder:x"):
        with pytest.raises(DatasetError, match=f"unknown data source '{name}'"):
            sources.resolve(name, "/tmp")


def test_checks_folders_without_tensorflow(tmp_path):
    folder = cli_common.write_image_folder(str(tmp_path / "img"), n=3, size=8)
    code = ("import sys; from otzoo.data import sources; "
            f"print(sources.resolve('image_folder', {folder!r})[2]); "
            "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "(8, 8, 3)"


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    """A TFDS data directory with `otzoo_mnist_format/fixed` (6 grey 8x8 images, train
    only, declared shape) and `.../any` (the same, shape (None, None, 1))."""
    tmp = tmp_path_factory.mktemp("tfds")
    source = cli_common.write_idx_folder(str(tmp / "idx"), n=6, size=8, channels=1)
    data_dir = str(tmp / "tensorflow_datasets")
    for name, shape in (("fixed", (8, 8, 1)), ("any", None)):
        tfds_builders.prepared_builder("otzoo_mnist_format", data_dir, config=(
            tfds_builders.MnistFormatConfig(name=name, source_dir=source, num_classes=3,
                                            image_shape=shape)))
    images, labels = cli_common.shapes(6, 8, 1)
    return data_dir, images, labels


def test_tfds_loader_reads_the_prepared_files(tfds_dir):
    data_dir, images, labels = tfds_dir
    ds = otzoo.data.load("tfds:otzoo_mnist_format/fixed", data_dir=data_dir,
                         as_supervised=True, value_range=(-1, 1))
    assert ds.element_spec[0].shape == (8, 8, 1)
    x, y = (t.numpy() for t in next(iter(ds.batch(10))))
    pairs = lambda xs, ys: sorted(zip(ys.tolist(), (a.tobytes() for a in xs)))  # noqa
    assert pairs(np.rint((x + 1) * 127.5).astype(np.uint8), y) == pairs(images, labels)
    # "tfds:NAME:SPLIT" picks the split that split="train" reads.
    part = otzoo.data.load("tfds:otzoo_mnist_format/fixed:train[:2]", data_dir=data_dir)
    assert len(list(part)) == 2


def test_tfds_test_split_and_fallback(tfds_dir):
    data_dir = tfds_dir[0]
    with pytest.raises(DatasetNotFoundError, match="has no test or validation split"):
        otzoo.data.load("tfds:otzoo_mnist_format/fixed", "test", data_dir=data_dir)
    ds = otzoo.data.load("tfds:otzoo_mnist_format/fixed", "test", data_dir=data_dir,
                         test_fallback=True)
    assert len(list(ds)) == 6
    with pytest.raises(DatasetNotFoundError, match=r"has splits \['train'\]; got 'valid'"):
        otzoo.data.load("tfds:otzoo_mnist_format/fixed:valid", data_dir=data_dir)


def test_tfds_resize_and_varying_sizes(tfds_dir):
    data_dir, images, _ = tfds_dir
    with pytest.raises(DatasetError, match="images of varying size"):
        otzoo.data.load("tfds:otzoo_mnist_format/any", data_dir=data_dir)
    ds = otzoo.data.load("tfds:otzoo_mnist_format/any", data_dir=data_dir,
                         image_shape=(4, 8, 3))
    x = next(iter(ds.batch(10))).numpy()
    assert x.shape == (6, 4, 8, 3)
    np.testing.assert_array_equal(x[..., 0], x[..., 2])  # grey -> RGB
    # A centre crop (the middle 4 rows) scaled 1:1 keeps those rows' pixels (as a set:
    # TFDS shuffles at write time).
    middle = np.sort((images[:, 2:6, :, 0] / 255.0).reshape(6, -1), axis=0)
    np.testing.assert_allclose(np.sort(x[..., 0].reshape(6, -1), axis=0), middle,
                               atol=1 / 255)


def test_tfds_resolve_and_not_prepared(tfds_dir, tmp_path):
    data_dir = tfds_dir[0]
    assert sources.resolve("tfds:otzoo_mnist_format/fixed", data_dir) == (
        "tfds:otzoo_mnist_format/fixed", {"data_dir": data_dir, "test_fallback": True},
        (8, 8, 1))
    with pytest.raises(DatasetError, match="varying size"):
        sources.resolve("tfds:otzoo_mnist_format/any", data_dir)
    assert sources.resolve("tfds:otzoo_mnist_format/any", data_dir, (8, 8, 1))[1] == {
        "data_dir": data_dir, "test_fallback": True, "image_shape": (8, 8, 1)}
    for name in ("mnist", "no_such_dataset_anywhere"):
        with pytest.raises(DatasetNotFoundError, match=f"TFDS dataset '{name}' is not "
                           f"prepared in {data_dir}.*tfds build {name}"):
            sources.resolve(f"tfds:{name}", data_dir)
    with pytest.raises(DatasetNotFoundError, match="TFDS data directory .* does not exist"):
        sources.resolve("tfds:mnist", str(tmp_path / "nope"))


def test_catalog_names_tfds_datasets():
    loader = otzoo.data.get_loader("tfds:cifar10:train")
    assert loader is otzoo.data.get_loader("tfds")
    with pytest.raises(otzoo.data.UnknownDatasetError, match="unknown dataset 'foo:bar'"):
        otzoo.data.load("foo:bar")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
