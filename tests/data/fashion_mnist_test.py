"""The real Fashion-MNIST (Debian's dataset-fashion-mnist): counts, shapes, values, labels.

The oracle is an independent read of the gz files (gzip + np.frombuffer past the 16- and
8-byte headers) and the published facts: 60,000 / 10,000 images, 6,000 / 1,000 per class,
mean pixel 0.2860 (Xiao et al. 2017's normalisation constants).
"""

import gzip
import os
import shutil
import tempfile

import numpy as np
import pytest
import tensorflow as tf

import otzoo.data
from otzoo.data.errors import DatasetNotFoundError
from otzoo.data.paths import FASHION_MNIST_DIR

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
HAVE_FILES = all(os.path.exists(os.path.join(FASHION_MNIST_DIR, f)) for f in FILES)
needs_files = pytest.mark.skipif(
        not HAVE_FILES, reason=f"Fashion-MNIST idx files not in {FASHION_MNIST_DIR}: "
        "apt-get install dataset-fashion-mnist (tools/setup.sh does)")


@pytest.fixture
def tmp_dir():
    """A fresh directory, inside TEST_TMPDIR under Bazel (tests write nowhere else)."""
    path = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def raw(name, header):
    with gzip.open(os.path.join(FASHION_MNIST_DIR, name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


@needs_files
@pytest.mark.parametrize("split,n,stem", [("train", 60000, "train"), ("test", 10000, "t10k")])
def test_counts_shapes_values_labels(split, n, stem):
    ds = otzoo.data.load("fashion_mnist", split, as_supervised=True)
    assert ds.element_spec == (tf.TensorSpec([28, 28, 1], tf.float32),
                               tf.TensorSpec([], tf.int64))
    assert int(ds.cardinality()) == n
    # One pass in batches (materialising 60k float images costs seconds on 2 busy cores):
    # per-image pixel sums, labels, extremes, and the first and last batch kept whole.
    sums, labels, first = [], [], None
    lo, hi = np.inf, -np.inf
    for x, y in ds.batch(4096).as_numpy_iterator():
        assert x.dtype == np.float32 and y.dtype == np.int64
        sums.append(x.sum(axis=(1, 2, 3), dtype=np.float64))
        labels.append(y)
        lo, hi = min(lo, x.min()), max(hi, x.max())
        first = x if first is None else first
    last = x
    sums, labels = np.concatenate(sums), np.concatenate(labels)
    assert sums.shape == (n,) == labels.shape  # every example, none dropped.
    pixels = raw(f"{stem}-images-idx3-ubyte.gz", 16).reshape(n, 28, 28, 1)
    np.testing.assert_array_equal(labels, raw(f"{stem}-labels-idx1-ubyte.gz", 8))
    # Pixels are p / 255 of the independently read bytes, in file order.
    np.testing.assert_allclose(sums * 255.0, pixels.reshape(n, -1).sum(axis=1, dtype=np.int64),
                               atol=0.05)
    np.testing.assert_allclose(first, pixels[:len(first)] / 255.0, atol=1e-6)
    np.testing.assert_allclose(last, pixels[n - len(last):] / 255.0, atol=1e-6)
    assert lo == 0.0 and hi == 1.0
    np.testing.assert_array_equal(np.bincount(labels), [n // 10] * 10)  # balanced classes.
    assert abs(sums.sum() / (n * 784) - 0.2860) < 0.001


@needs_files
def test_tanh_value_range_and_element_spec():
    ds = otzoo.data.load("fashion_mnist", "test", value_range=(-1, 1))
    assert ds.element_spec == tf.TensorSpec([28, 28, 1], tf.float32)
    assert int(ds.cardinality()) == 10000
    x = next(iter(ds.batch(2000))).numpy()
    x01 = next(iter(otzoo.data.load("fashion_mnist", "test").batch(2000))).numpy()
    assert x.min() == -1.0 and x.max() == 1.0
    np.testing.assert_allclose(x, 2 * x01 - 1, atol=1e-6)


@needs_files
def test_data_dir_option_reads_a_copy(tmp_dir):
    for name in FILES[2:]:  # the test split suffices.
        shutil.copy(os.path.join(FASHION_MNIST_DIR, name), tmp_dir)
    ds = otzoo.data.load("fashion_mnist", "test", data_dir=tmp_dir)
    assert int(ds.cardinality()) == 10000
    with pytest.raises(DatasetNotFoundError, match="split 'train'"):
        otzoo.data.load("fashion_mnist", "train", data_dir=tmp_dir)


def test_missing_files_name_the_debian_package(tmp_dir):
    with pytest.raises(DatasetNotFoundError, match="(?s)Fashion-MNIST.*empty.*does not exist"
                       ".*dataset-fashion-mnist.*/usr/share/datasets/fashion-mnist"):
        otzoo.data.load("fashion_mnist", data_dir=os.path.join(tmp_dir, "empty"))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
