"""`load("image_folder", data_dir=...)` on folders of PNG/JPEG images written by the test."""

import os
import shutil
import tempfile

import numpy as np
import pytest
from PIL import Image

import otzoo.data
from otzoo.data import image_folder
from otzoo.data.errors import DatasetError, DatasetNotFoundError


@pytest.fixture
def tmp_dir():
    """A fresh directory, inside TEST_TMPDIR under Bazel (tests write nowhere else)."""
    path = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def save(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path)
    return path


def solid(h, w, rgb):
    return np.broadcast_to(np.asarray(rgb, np.uint8), (h, w, 3))


def as_arrays(ds):
    batch = next(iter(ds.batch(1000)))
    return tuple(t.numpy() for t in batch) if isinstance(batch, tuple) else batch.numpy()


def test_class_folders_resize_and_labels(tmp_dir):
    # Wide and tall images of solid colours, PNG and JPEG, in two class folders.
    save(os.path.join(tmp_dir, "cats", "a.png"), solid(40, 80, (255, 0, 0)))
    save(os.path.join(tmp_dir, "cats", "deeper", "b.jpg"), solid(100, 30, (0, 255, 0)))
    save(os.path.join(tmp_dir, "dogs", "c.png"), solid(16, 16, (0, 0, 255)))
    open(os.path.join(tmp_dir, "dogs", "notes.txt"), "w").write("ignored")
    ds = otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=(8, 12, 3),
                         as_supervised=True)
    assert int(ds.cardinality()) == 3
    x, y = as_arrays(ds)
    assert x.shape == (3, 8, 12, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 0, 1])  # classes sorted: cats=0, dogs=1.
    np.testing.assert_allclose(x[0], solid(8, 12, (1, 0, 0)), atol=1e-6)
    np.testing.assert_allclose(x[1], solid(8, 12, (0, 1, 0)), atol=0.02)  # JPEG is lossy.
    np.testing.assert_allclose(x[2], solid(8, 12, (0, 0, 1)), atol=1e-6)


def test_center_crop_keeps_the_middle(tmp_dir):
    # 20x60 image: left and right thirds black, middle third white. Covering 10x10 scales
    # it to 10x30 and crops the middle 10 columns: all white.
    image = np.zeros((20, 60, 3), np.uint8)
    image[:, 20:40] = 255
    save(os.path.join(tmp_dir, "x.png"), image)
    x = as_arrays(otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=(10, 10, 3)))
    assert x.shape == (1, 10, 10, 3)
    np.testing.assert_allclose(x[0, :, 2:8], 1.0, atol=0.02)  # bicubic edges aside.
    # Resizing without cropping would have made the edges black.
    assert x[0, :, 0].mean() > 0.8


def test_grey_and_value_range(tmp_dir):
    save(os.path.join(tmp_dir, "g.png"), solid(4, 4, (255, 255, 255)))
    save(os.path.join(tmp_dir, "k.png"), solid(4, 4, (0, 0, 0)))
    x = as_arrays(otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=(4, 4, 1),
                                  value_range=(-1, 1)))
    assert x.shape == (2, 4, 4, 1)
    np.testing.assert_allclose(x[0], 1.0)
    np.testing.assert_allclose(x[1], -1.0)


def test_split_folders(tmp_dir):
    save(os.path.join(tmp_dir, "train", "a", "1.png"), solid(4, 4, (0, 0, 0)))
    save(os.path.join(tmp_dir, "train", "b", "2.png"), solid(4, 4, (0, 0, 0)))
    save(os.path.join(tmp_dir, "test", "b", "3.png"), solid(4, 4, (0, 0, 0)))
    load = lambda split: otzoo.data.load("image_folder", split, data_dir=tmp_dir,  # noqa
                                         image_shape=(4, 4, 3))
    assert int(load("train").cardinality()) == 2
    assert int(load("test").cardinality()) == 1


def test_test_fraction_holds_out_a_stable_disjoint_part(tmp_dir):
    for i in range(40):
        save(os.path.join(tmp_dir, f"{i:02d}.png"), solid(2, 2, (i, i, i)))
    kw = dict(data_dir=tmp_dir, image_shape=(2, 2, 1), test_fraction=0.25)
    train = as_arrays(otzoo.data.load("image_folder", "train", **kw))[:, 0, 0, 0]
    test = as_arrays(otzoo.data.load("image_folder", "test", **kw))[:, 0, 0, 0]
    ids = lambda v: set(np.rint(v * 255).astype(int))  # noqa: E731
    assert ids(train) | ids(test) == set(range(40)) and not ids(train) & ids(test)
    assert 3 <= len(test) <= 18  # ~10 expected.
    again = as_arrays(otzoo.data.load("image_folder", "test", **kw))[:, 0, 0, 0]
    np.testing.assert_array_equal(test, again)
    with pytest.raises(DatasetError, match="test_fraction"):
        otzoo.data.load("image_folder", "test", data_dir=tmp_dir)


def test_unreadable_image_names_the_file(tmp_dir):
    save(os.path.join(tmp_dir, "good.png"), solid(4, 4, (1, 2, 3)))
    with open(os.path.join(tmp_dir, "bad.png"), "wb") as f:
        f.write(b"this is not a png")
    with pytest.raises(DatasetError, match="cannot read image .*bad.png"):
        otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=(4, 4, 3))


def test_truncated_png_names_the_file(tmp_dir):
    rng = np.random.default_rng(0)
    path = save(os.path.join(tmp_dir, "cut.png"), rng.integers(0, 256, (64, 64, 3)))
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="cannot read image .*cut.png"):
        otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=(8, 8, 3))


def test_missing_and_empty_folders(tmp_dir):
    with pytest.raises(DatasetNotFoundError, match="nope does not exist"):
        otzoo.data.load("image_folder", data_dir=os.path.join(tmp_dir, "nope"))
    with pytest.raises(DatasetNotFoundError, match="no images for split 'train'"):
        otzoo.data.load("image_folder", data_dir=tmp_dir)
    with pytest.raises(DatasetError, match="needs data_dir"):
        otzoo.data.load("image_folder")


def test_mixed_layout_and_bad_shape(tmp_dir):
    save(os.path.join(tmp_dir, "loose.png"), solid(4, 4, (0, 0, 0)))
    save(os.path.join(tmp_dir, "cls", "x.png"), solid(4, 4, (0, 0, 0)))
    with pytest.raises(DatasetError, match="mixes images"):
        otzoo.data.load("image_folder", data_dir=tmp_dir)
    with pytest.raises(DatasetError, match="image_shape must be"):
        otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=(4, 4, 2))


def test_without_a_shape_the_images_keep_their_common_size(tmp_dir):
    save(os.path.join(tmp_dir, "a", "1.png"), solid(6, 10, (255, 0, 0)))
    save(os.path.join(tmp_dir, "b", "2.png"), solid(6, 10, (0, 0, 255)))
    x = as_arrays(otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=None))
    assert x.shape == (2, 6, 10, 3)
    np.testing.assert_allclose(x[0], solid(6, 10, (1, 0, 0)), atol=1e-6)
    # Grey files give one channel.
    grey = os.path.join(tmp_dir, "grey")
    os.makedirs(grey)
    Image.new("L", (5, 3), 255).save(os.path.join(grey, "g.png"))
    assert image_folder.common_shape(image_folder.split_images(grey)[0]) == (3, 5, 1)
    assert as_arrays(otzoo.data.load("image_folder", data_dir=grey,
                                     image_shape=None)).shape == (1, 3, 5, 1)


def test_without_a_shape_mixed_sizes_are_an_error_naming_two_files(tmp_dir):
    save(os.path.join(tmp_dir, "a.png"), solid(4, 4, (0, 0, 0)))
    save(os.path.join(tmp_dir, "b.png"), solid(4, 6, (0, 0, 0)))
    with pytest.raises(DatasetError, match=r"a.png is 4x4, .*b.png is 4x6\)"):
        otzoo.data.load("image_folder", data_dir=tmp_dir, image_shape=None)
    # With a shape, both are resized.
    assert as_arrays(otzoo.data.load("image_folder", data_dir=tmp_dir,
                                     image_shape=(4, 4, 3))).shape == (2, 4, 4, 3)


def test_test_fallback_gives_train_images_to_a_folder_without_test(tmp_dir):
    save(os.path.join(tmp_dir, "a.png"), solid(4, 4, (255, 255, 255)))
    with pytest.raises(DatasetNotFoundError, match="no test/ sub-folder"):
        otzoo.data.load("image_folder", "test", data_dir=tmp_dir, image_shape=(4, 4, 3))
    x = as_arrays(otzoo.data.load("image_folder", "test", data_dir=tmp_dir,
                                  image_shape=(4, 4, 3), test_fallback=True))
    np.testing.assert_allclose(x, 1.0)
    # Other errors are not hidden by the fallback.
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        otzoo.data.load("image_folder", "test", data_dir=os.path.join(tmp_dir, "nope"),
                        test_fallback=True)


def test_fit_arrays_resizes_idx_style_arrays_like_the_files(tmp_dir):
    images = np.stack([solid(6, 12, (255, 0, 0)), solid(6, 12, (0, 255, 0))])
    out = image_folder.fit_arrays(images, (4, 4, 3))
    assert out.shape == (2, 4, 4, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[0], solid(4, 4, (255, 0, 0)))
    grey = image_folder.fit_arrays(np.full((1, 3, 3, 1), 200, np.uint8), (6, 6, 3))
    np.testing.assert_array_equal(grey, np.full((1, 6, 6, 3), 200, np.uint8))
    assert image_folder.fit_arrays(images, (6, 12, 3)) is images  # nothing to do


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
