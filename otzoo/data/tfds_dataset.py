"""Any TFDS dataset already prepared in a data directory, without downloading anything.

    otzoo.data.load("tfds:cifar10", data_dir="/data/tfds")            # its "train" split
    otzoo.data.load("tfds:my_faces:train[:90%]", data_dir=DIR, image_shape=(64, 64, 3))

The dataset is opened the TFDS way, `tfds.builder(NAME, data_dir=DIR)` (NAME may carry a
config and version, "otzoo_mnist_format/kmnist:1.0.0"), and read from the TFRecords
prepared there (`tfds build NAME --data_dir=DIR`, or `download_and_prepare()` once on a
machine with the data). Nothing is ever downloaded or prepared here: a dataset that is
not prepared in DIR is a `DatasetNotFoundError` saying how to prepare it.

The image is the first element of the dataset's supervised keys (else its first `Image`
feature), uint8 [h, w, c]. With `image_shape` the images are centre-cropped to its aspect
ratio and resized (bicubic with antialiasing, in TensorFlow) and converted between grey
and RGB; without it, every image must already have the dataset's declared shape.

Splits: `split="train"` reads `train_split` (any TFDS split string, default "train");
`split="test"` reads `test_split`, by default the first of "test", "validation" that the
dataset has (`DatasetNotFoundError` if none; `load(..., test_fallback=True)` then returns
the train split).
"""

import os
import re

from otzoo.data import catalog
from otzoo.data.errors import DatasetError, DatasetNotFoundError
from otzoo.data.paths import default_tfds_data_dir

_TEST_SPLITS = ("test", "validation")


def _tfds():
    import tensorflow_datasets as tfds

    from otzoo.data import tfds_builders  # noqa: F401  (the project's builders, by name)
    return tfds


def prepare_hint(tfds_name, data_dir):
    return (f"prepare it there first, on a machine with the data: `tfds build "
            f"{tfds_name.split(':')[0]} --data_dir={data_dir}` (otzoo never downloads)")


def open_builder(tfds_name, data_dir=None):
    """`tfds.builder(tfds_name, data_dir=...)` of a prepared dataset, or one clear error.

    Args:
      tfds_name: "name", "name/config" or "name/config:version".
      data_dir: the TFDS data directory (default $OTZOO_TFDS_DATA_DIR, $TFDS_DATA_DIR,
        ~/tensorflow_datasets; see otzoo.data.paths).

    Raises:
      DatasetNotFoundError: the directory is missing, or the dataset not prepared in it.
    """
    if not tfds_name:
        raise DatasetError("a TFDS dataset needs a name: tfds:NAME[:SPLIT], e.g. tfds:mnist")
    data_dir = default_tfds_data_dir(data_dir)
    if not os.path.isdir(data_dir):
        raise DatasetNotFoundError(f"TFDS data directory {data_dir} does not exist; expected "
                                   f"the folder holding the prepared dataset {tfds_name!r}")
    tfds = _tfds()
    try:
        builder = tfds.builder(tfds_name, data_dir=data_dir)
    except Exception as e:  # TFDS raises several types for names it cannot resolve
        raise DatasetNotFoundError(
                f"TFDS dataset {tfds_name!r} is not prepared in {data_dir} and not known to "
                f"TFDS ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
                f"{prepare_hint(tfds_name, data_dir)}") from None
    if not builder.is_prepared():
        raise DatasetNotFoundError(f"TFDS dataset {tfds_name!r} is not prepared in "
                                   f"{data_dir}; {prepare_hint(tfds_name, data_dir)}")
    return builder


def image_key(builder):
    """The name of the feature holding the images (see the module docstring)."""
    tfds = _tfds()
    features = builder.info.features
    keys = builder.info.supervised_keys
    if keys and isinstance(keys[0], str) and keys[0] in features \
            and isinstance(features[keys[0]], tfds.features.Image):
        return keys[0]
    for key, feature in features.items():
        if isinstance(feature, tfds.features.Image):
            return key
    raise DatasetError(f"TFDS dataset {builder.name!r} has no Image feature (features: "
                       f"{', '.join(features)}); otzoo's models train on images")


def native_shape(builder):
    """The declared (h, w, c) of the images; entries are None when they vary."""
    return tuple(builder.info.features[image_key(builder)].shape)


def _check_split(builder, split):
    base = re.split(r"[\[+|]", split, maxsplit=1)[0]
    if base not in builder.info.splits:
        raise DatasetNotFoundError(f"TFDS dataset {builder.name!r} has splits "
                                   f"{sorted(builder.info.splits)}; got {split!r}")
    return split


def fit_image(image, image_shape):
    """uint8 [h, w, c] -> uint8 [H, W, C]: centre-cropped to H:W, resized, C channels."""
    import tensorflow as tf

    height, width, channels = image_shape
    if image.shape[-1] == 1 and channels == 3:
        image = tf.image.grayscale_to_rgb(image)
    elif image.shape[-1] in (3, 4) and channels == 1:
        image = tf.image.rgb_to_grayscale(image[..., :3])
    elif image.shape[-1] == 4 and channels == 3:
        image = image[..., :3]
    elif image.shape[-1] != channels:
        raise DatasetError(f"cannot convert {image.shape[-1]}-channel images to {channels} "
                           f"channels")
    size = tf.shape(image)[:2]
    h, w = tf.cast(size[0], tf.float64), tf.cast(size[1], tf.float64)
    # The largest centred window with the target's aspect ratio (what PIL's fit crops).
    scale = tf.minimum(h / height, w / width)
    crop_h = tf.cast(tf.round(scale * height), tf.int32)
    crop_w = tf.cast(tf.round(scale * width), tf.int32)
    image = tf.image.crop_to_bounding_box(image, (size[0] - crop_h) // 2,
                                          (size[1] - crop_w) // 2, crop_h, crop_w)
    image = tf.image.resize(image, (height, width), method="bicubic", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def from_builder(builder, read_split, key, image_shape, value_range, as_supervised):
    """The split `read_split` as float32 images (or (image, label)) in `value_range`."""
    import tensorflow as tf

    shape = native_shape(builder)
    target = tuple(int(s) for s in image_shape) if image_shape is not None else None
    if target is None and None in shape:
        raise DatasetError(f"TFDS dataset {builder.name!r} has images of varying size "
                           f"{shape}; give an image shape to resize them to "
                           f"(--image_shape=H,W,C)")
    resize = target is not None and target != shape
    scale = catalog.pixel_scaler(value_range)
    supervised = catalog.check_supervised(as_supervised)
    label_key = (builder.info.supervised_keys or (None, None))[1] if supervised else None
    if supervised and not isinstance(label_key, str):
        raise DatasetError(f"TFDS dataset {builder.name!r} has no supervised label; use "
                           f"as_supervised=False")
    ds = builder.as_dataset(split=read_split, shuffle_files=False)

    @tf.autograph.experimental.do_not_convert
    def example(features):
        image = features[key]
        if image.dtype != tf.uint8:
            raise DatasetError(f"TFDS dataset {builder.name!r}: images are {image.dtype.name}; "
                               f"expected uint8")
        if resize:
            image = fit_image(image, target)
        return scale(image, features[label_key]) if supervised else scale(image)

    return ds.map(example, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


@catalog.register("tfds")
def tfds_dataset(split="train", *, tfds_name=None, data_dir=None, train_split="train",
                 test_split=None, image_shape=None, value_range=(0.0, 1.0),
                 as_supervised=False):
    """A prepared TFDS dataset as float32 [H, W, C] images (module docstring).

    Args:
      split: "train" or "test".
      tfds_name: the TFDS name ("cifar10", "otzoo_mnist_format/kmnist"); `load` fills it
        from "tfds:NAME[:SPLIT]".
      data_dir: the TFDS data directory holding the prepared dataset.
      train_split: the TFDS split read for split="train" (e.g. "train[:90%]").
      test_split: the TFDS split read for split="test" (default "test" or "validation").
      image_shape: (H, W, C) to resize to; None: the dataset's own (fixed) shape.
      value_range: (lo, hi) for pixels; see otzoo.data.catalog.
      as_supervised: yield (image, int64 label) pairs (the dataset's supervised label).

    Returns:
      A `tf.data.Dataset` of float32 images (or pairs), in the prepared files' order.

    Raises:
      DatasetNotFoundError: missing data directory, dataset not prepared, missing split.
      DatasetError: no Image feature, images of varying size without image_shape, ...
    """
    if split not in ("train", "test"):
        raise DatasetError(f"dataset 'tfds' has splits 'train' and 'test' (mapped to "
                           f"train_split and test_split); got split={split!r}")
    builder = open_builder(tfds_name, data_dir)
    key = image_key(builder)
    if split == "train":
        read_split = _check_split(builder, train_split)
    elif test_split:
        read_split = _check_split(builder, test_split)
    else:
        found = [s for s in _TEST_SPLITS if s in builder.info.splits]
        if not found:
            raise DatasetNotFoundError(f"TFDS dataset {builder.name!r} has no test or "
                                       f"validation split (splits: "
                                       f"{sorted(builder.info.splits)})")
        read_split = found[0]
    return from_builder(builder, read_split, key, image_shape, value_range, as_supervised)
