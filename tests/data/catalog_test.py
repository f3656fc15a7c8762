"""The dataset registry and `load`: names, clear errors for unknown names and options."""

import numpy as np
import pytest
import tensorflow as tf

import otzoo.data
from otzoo.data import catalog
from otzoo.data.errors import DatasetError, UnknownDatasetError
from otzoo.registry import UnknownNameError

EXPECTED = ["checkerboard", "eight_gaussians", "fashion_mnist", "image_folder", "mnist",
            "rings", "swiss_roll", "tfds", "twenty_five_gaussians", "two_moons"]


def test_registered_names():
    assert otzoo.data.names() == EXPECTED


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownDatasetError) as err:
        otzoo.data.load("cifar10")
    message = str(err.value)
    assert message.startswith("unknown dataset 'cifar10'; known: ")
    assert all(name in message for name in EXPECTED)
    # One error, catchable as the registry's KeyError or as a ValueError.
    assert isinstance(err.value, UnknownNameError) and isinstance(err.value, KeyError)
    assert isinstance(err.value, ValueError) and isinstance(err.value, DatasetError)


def test_unknown_option_lists_the_accepted_ones():
    with pytest.raises(DatasetError, match=r"dataset 'rings' got unknown option\(s\) "
                       r"\['data_dir'\]; it accepts: num_samples, seed, scale, std, num_rings"):
        otzoo.data.load("rings", data_dir="/tmp")
    # None means "unset": a shared config schema may pass data_dir=None to a toy.
    assert int(otzoo.data.load("rings", data_dir=None, num_samples=5).cardinality()) == 5


@pytest.mark.parametrize("bad", [(1, 0), (0, np.inf), "01", (0, 1, 2), 5])
def test_bad_value_range(bad):
    with pytest.raises(DatasetError, match="value_range"):
        catalog.check_value_range(bad)


def test_scale_pixels_maps_0_and_255_to_the_ends():
    pixels = tf.constant([0, 51, 255], tf.uint8)
    np.testing.assert_allclose(catalog.scale_pixels(pixels, (0.0, 1.0)), [0, 0.2, 1],
                               atol=1e-7)
    np.testing.assert_allclose(catalog.scale_pixels(pixels, (-1.0, 1.0)), [-1, -0.6, 1],
                               atol=1e-6)


def test_dataset_from_uint8_keeps_size_order_and_labels():
    # 2500 examples span three scaling chunks (1024 each), the last one partial.
    images = (np.arange(2500) % 256).astype(np.uint8).reshape(2500, 1, 1, 1)
    labels = np.arange(2500, dtype=np.int64)
    ds = catalog.dataset_from_uint8(images, labels, (0, 1), as_supervised=True)
    assert int(ds.cardinality()) == 2500
    x, y = next(iter(ds.batch(5000)))
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_allclose(x.numpy().ravel(), images.ravel() / 255.0, atol=1e-6)


def test_load_numpy_concatenates_everything():
    x, y = otzoo.data.load_numpy("eight_gaussians", num_samples=5000, as_supervised=True)
    assert x.shape == (5000, 2) and y.shape == (5000,)
    np.testing.assert_array_equal(x, otzoo.data.sample_toy("eight_gaussians", 5000)[0])


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
