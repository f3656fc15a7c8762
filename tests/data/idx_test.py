"""The idx reader: exact parsing, file discovery, and one clear error per corrupt input."""

import gzip
import os
import shutil
import struct
import tempfile

import numpy as np
import pytest

from otzoo.data import idx
from otzoo.data.errors import DatasetError, DatasetNotFoundError


@pytest.fixture
def tmp_dir():
    """A fresh directory, inside TEST_TMPDIR under Bazel (tests write nowhere else)."""
    path = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def idx_bytes(array, type_code=0x08):
    """Encodes an array in idx format with struct, independently of the reader."""
    array = np.asarray(array)
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data, gz=False):
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)
    return path


def write_split(directory, stem, images, labels, gz=False, prefix=""):
    ext = ".gz" if gz else ""
    write(os.path.join(directory, f"{prefix}{stem}-images-idx3-ubyte{ext}"), idx_bytes(images),
          gz)
    write(os.path.join(directory, f"{prefix}{stem}-labels-idx1-ubyte{ext}"), idx_bytes(labels),
          gz)


def random_split(n=10, rows=28, cols=28, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, rows, cols), dtype=np.uint8),
            rng.integers(0, 10, n, dtype=np.uint8))


@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                        (np.int32, 0x0C), (np.float32, 0x0D),
                                        (np.float64, 0x0E)])
def test_parse_round_trips_every_idx_type(dtype, code):
    array = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype)
    parsed = idx.parse_idx(idx_bytes(array, code))
    assert parsed.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(parsed, array)


def test_gz_and_plain_files_read_the_same(tmp_dir):
    images, _ = random_split()
    plain = write(os.path.join(tmp_dir, "a-idx3-ubyte"), idx_bytes(images))
    gz = write(os.path.join(tmp_dir, "b-idx3-ubyte.gz"), idx_bytes(images), gz=True)
    np.testing.assert_array_equal(idx.read_idx(plain, 3, np.uint8), images)
    np.testing.assert_array_equal(idx.read_idx(gz, 3, np.uint8), images)


def test_load_split_shapes_and_labels(tmp_dir):
    images, labels = random_split(n=7, rows=5, cols=3)
    write_split(tmp_dir, "t10k", images, labels, gz=True)
    x, y = idx.load_idx_split(tmp_dir, "test")
    assert x.shape == (7, 5, 3, 1) and x.dtype == np.uint8
    assert y.dtype == np.int64
    np.testing.assert_array_equal(x[..., 0], images)
    np.testing.assert_array_equal(y, labels)
    xt, _ = idx.load_idx_split(tmp_dir, "test", transpose=True)
    np.testing.assert_array_equal(xt[..., 0], images.transpose(0, 2, 1))


def test_finds_test_stem_dot_names_and_prefix(tmp_dir):
    images, labels = random_split(n=3)
    # EMNIST-style: prefix and "test" stem; one MNIST archive style: "images.idx3".
    write_split(tmp_dir, "test", images, labels, prefix="emnist-letters-")
    write(os.path.join(tmp_dir, "emnist-digits-test-images.idx3-ubyte"), idx_bytes(images))
    write(os.path.join(tmp_dir, "emnist-digits-test-labels.idx1-ubyte"), idx_bytes(labels))
    with pytest.raises(DatasetError, match="several idx datasets.*prefix"):
        idx.find_idx_files(tmp_dir, "test")
    found = idx.find_idx_files(tmp_dir, "test", prefix="emnist-digits-")
    assert [os.path.basename(p) for p in found] == ["emnist-digits-test-images.idx3-ubyte",
                                                    "emnist-digits-test-labels.idx1-ubyte"]


def test_prefers_uncompressed_when_both_exist(tmp_dir):
    images, labels = random_split(n=3)
    write_split(tmp_dir, "train", images, labels, gz=True)
    write_split(tmp_dir, "train", images, labels, gz=False)
    assert not any(p.endswith(".gz") for p in idx.find_idx_files(tmp_dir, "train"))


def test_missing_directory_names_it_and_the_files(tmp_dir):
    missing = os.path.join(tmp_dir, "nowhere")
    with pytest.raises(DatasetNotFoundError, match="nowhere does not exist.*"
                       "train-images-idx3-ubyte") as err:
        idx.find_idx_files(missing, "train")
    assert isinstance(err.value, FileNotFoundError) and isinstance(err.value, ValueError)


def test_missing_label_file_says_what_was_found(tmp_dir):
    images, _ = random_split(n=3)
    write(os.path.join(tmp_dir, "train-images-idx3-ubyte"), idx_bytes(images))
    with pytest.raises(DatasetNotFoundError, match=r"train-labels-idx1-ubyte\[\.gz\].*"
                       "found only train-images-idx3-ubyte"):
        idx.load_idx_split(tmp_dir, "train")


def test_unknown_split(tmp_dir):
    with pytest.raises(DatasetError, match="split='validation'"):
        idx.find_idx_files(tmp_dir, "validation")


def test_truncated_file_is_an_error_never_a_shorter_dataset(tmp_dir):
    images, labels = random_split(n=10)
    write_split(tmp_dir, "train", images, labels)
    path = os.path.join(tmp_dir, "train-images-idx3-ubyte")
    data = open(path, "rb").read()
    write(path, data[:-100])  # lost the last 100 bytes: 9.87 images' worth.
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte declares shape "
                       r"\(10, 28, 28\).*needs 7856 bytes.*has 7756 bytes \(truncated\)"):
        idx.load_idx_split(tmp_dir, "train")
    write(path, data[:10])  # truncated inside the header.
    with pytest.raises(DatasetError, match="header alone needs 16 bytes"):
        idx.load_idx_split(tmp_dir, "train")


def test_trailing_bytes_are_an_error(tmp_dir):
    images, _ = random_split(n=2)
    path = write(os.path.join(tmp_dir, "x-idx3-ubyte"), idx_bytes(images) + b"\0" * 5)
    with pytest.raises(DatasetError, match="trailing bytes"):
        idx.read_idx(path, 3, np.uint8)


def test_truncated_gzip_names_the_file(tmp_dir):
    images, labels = random_split(n=10)
    write_split(tmp_dir, "train", images, labels, gz=True)
    path = os.path.join(tmp_dir, "train-images-idx3-ubyte.gz")
    data = open(path, "rb").read()
    write(path, data[: len(data) // 2])
    with pytest.raises(DatasetError, match="cannot read idx file .*train-images-idx3-ubyte.gz"
                       ".*truncated or corrupt gzip"):
        idx.load_idx_split(tmp_dir, "train")


def test_wrong_magic_number(tmp_dir):
    images, labels = random_split(n=2)
    write_split(tmp_dir, "train", images, labels)
    write(os.path.join(tmp_dir, "train-images-idx3-ubyte"), b"\x89PNG" + bytes(100))
    with pytest.raises(DatasetError, match="magic number 0x89504e47; expected 0x00000803"):
        idx.load_idx_split(tmp_dir, "train")


def test_swapped_images_and_labels_files(tmp_dir):
    images, labels = random_split(n=2)
    write(os.path.join(tmp_dir, "train-images-idx3-ubyte"), idx_bytes(labels))
    write(os.path.join(tmp_dir, "train-labels-idx1-ubyte"), idx_bytes(images))
    with pytest.raises(DatasetError, match=r"\(1-D\); expected 0x00000803 \(3-D\).*swapped"):
        idx.load_idx_split(tmp_dir, "train")


def test_non_uint8_images_rejected(tmp_dir):
    path = write(os.path.join(tmp_dir, "f-idx3-ubyte"),
                 idx_bytes(np.zeros((1, 2, 2), np.float32), 0x0D))
    with pytest.raises(DatasetError, match="holds float32 elements; expected uint8"):
        idx.read_idx(path, 3, np.uint8)


def test_images_labels_count_mismatch(tmp_dir):
    images, labels = random_split(n=10)
    write_split(tmp_dir, "train", images, labels[:9])
    with pytest.raises(DatasetError, match="holds 10 images but .*train-labels-idx1-ubyte "
                       "holds 9 labels"):
        idx.load_idx_split(tmp_dir, "train")


def test_idx4_colour_images_with_and_without_transpose(tmp_dir):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (5, 6, 4, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, 5, dtype=np.uint8)
    write(os.path.join(tmp_dir, "train-images-idx4-ubyte.gz"), idx_bytes(images), gz=True)
    write(os.path.join(tmp_dir, "train-labels-idx1-ubyte"), idx_bytes(labels))
    x, y = idx.load_idx_split(tmp_dir, "train")
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    x, _ = idx.load_idx_split(tmp_dir, "train", transpose=True)
    np.testing.assert_array_equal(x, images.transpose(0, 2, 1, 3))


def test_grey_images_get_a_channel_axis(tmp_dir):
    images, labels = random_split(n=3, rows=5, cols=7)
    write_split(tmp_dir, "train", images, labels)
    x, _ = idx.load_idx_split(tmp_dir, "train")
    np.testing.assert_array_equal(x, images[..., None])


def test_read_shape_reads_the_header_only(tmp_dir):
    images = np.zeros((7, 5, 4, 3), np.uint8)
    for gz in (False, True):
        data = idx_bytes(images)[:-10]  # a truncated body: the header is all it reads
        path = write(os.path.join(tmp_dir, f"x-idx4-ubyte{'.gz' if gz else ''}"), data, gz)
        assert idx.read_shape(path) == (7, 5, 4, 3)
    path = write(os.path.join(tmp_dir, "notidx"), b"\x89PNG" + bytes(30))
    with pytest.raises(DatasetError, match="no valid idx header"):
        idx.read_shape(path)
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        idx.read_shape(os.path.join(tmp_dir, "nope-idx3-ubyte"))


def test_five_dimensional_images_are_refused(tmp_dir):
    write(os.path.join(tmp_dir, "train-images-idx3-ubyte"),
          idx_bytes(np.zeros((1, 2, 2, 1, 1), np.uint8)))
    write(os.path.join(tmp_dir, "train-labels-idx1-ubyte"), idx_bytes(np.zeros(1, np.uint8)))
    with pytest.raises(DatasetError, match=r"\(5-D\); expected 0x00000803 \(3-D\) or "
                       r"0x00000804 \(4-D\)"):
        idx.load_idx_split(tmp_dir, "train")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
