"""Fashion-MNIST and MNIST-format folders (MNIST, KMNIST, EMNIST, ...) from idx files.

`fashion_mnist` is the zoo's default dataset: the real 60,000 / 10,000 28x28 grey images
in 10 classes, read from Debian's package `dataset-fashion-mnist`
(`/usr/share/datasets/fashion-mnist/`), or from `data_dir=`. `mnist` is the same reader
pointed at any folder of idx files given by `data_dir=`.

Two backends, same elements:
- backend="numpy" (default): the idx files are parsed with NumPy (0.5-1.5 s for the 70k
  Fashion-MNIST images) into `tf.data.Dataset.from_tensor_slices`; nothing is written.
  Order: the files' order.
- backend="tfds": the TFDS builders of otzoo.data.tfds_builders (`otzoo_fashion_mnist`,
  `otzoo_mnist_format`) prepare TFRecords once in `tfds_data_dir` (measured here: 42-71 s
  for Fashion-MNIST, 38 MB), then read them with PNG decoding (~4.5k images/s until the
  pipeline's cache is full, against ~30k for numpy), hence not the default. Order:
  TFDS's write-time shuffle (deterministic).

Both check every file before yielding anything (otzoo.data.idx): a missing, truncated or
corrupt file, a wrong magic number, or an images/labels count mismatch raises
`DatasetNotFoundError` / `DatasetError` naming the file and what was expected.

References:
  Xiao, Rasul, Vollgraf (2017), Fashion-MNIST, https://arxiv.org/abs/1708.07747.
  LeCun et al. (1998), MNIST, http://yann.lecun.com/exdb/mnist/.
"""

import hashlib
import os
import re

import numpy as np
import tensorflow as tf

from otzoo.data import catalog, idx, tfds_builders
from otzoo.data.errors import DatasetError
from otzoo.data.image_folder import fit_arrays
from otzoo.data.paths import (FASHION_MNIST_DIR, FASHION_MNIST_HINT, default_tfds_data_dir,
                              resolve_path)
from otzoo.data.tfds_dataset import fit_image

MNIST_HINT = (" Pass data_dir=DIR holding an MNIST-format dataset (MNIST, KMNIST, EMNIST "
              "with prefix=..., ...), gz or uncompressed.")

_BACKENDS = ("numpy", "tfds")

# Parsed idx arrays keyed by (path, size, mtime): a trainer loads "train" and "test", an
# evaluator loads "test" again; the arrays are read-only views, shared, never mutated.
_CACHE = {}


def _load_arrays(data_dir, split, prefix, transpose, dataset, hint):
    images_path, labels_path = idx.find_idx_files(data_dir, split, prefix, dataset, hint)
    key = tuple((p, os.path.getsize(p), os.path.getmtime(p))
                for p in (images_path, labels_path)) + (transpose,)
    if key not in _CACHE:
        while len(_CACHE) >= 2:  # train + test at most: they are tens of MB.
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = idx.load_idx_split(data_dir, split, prefix, transpose, dataset, hint)
    return _CACHE[key]


def _check_backend(backend):
    if backend not in _BACKENDS:
        raise DatasetError(f"backend must be one of {_BACKENDS}; got {backend!r}")


def _from_tfds(builder, split, value_range, as_supervised, image_shape=None):
    if split not in builder.info.splits:
        raise DatasetError(f"TFDS dataset {builder.name} has splits "
                           f"{sorted(builder.info.splits)}; got split={split!r}")
    scale = catalog.pixel_scaler(value_range)
    ds = builder.as_dataset(split=split, as_supervised=True, shuffle_files=False)
    if image_shape is not None:
        shape = tuple(int(s) for s in image_shape)
        ds = ds.map(tf.autograph.experimental.do_not_convert(
                lambda image, label: (fit_image(image, shape), label)))
    if not catalog.check_supervised(as_supervised):
        ds = ds.map(_image_only)  # TFDS's unsupervised elements are dicts: keep the image.
    return ds.map(scale, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


@tf.autograph.experimental.do_not_convert
def _image_only(image, label):
    del label
    return image


@catalog.register("fashion_mnist")
def fashion_mnist(split="train", *, data_dir=None, value_range=(0.0, 1.0),
                  as_supervised=False, backend="numpy", tfds_data_dir=None,
                  image_shape=None):
    """Fashion-MNIST: 60,000 train / 10,000 test images, float32 [28, 28, 1], 10 classes.

    Args:
      split: "train" (60,000) or "test" (10,000).
      data_dir: folder with the four idx files (gz or not); default
        /usr/share/datasets/fashion-mnist (Debian package `dataset-fashion-mnist`).
      value_range: (lo, hi) for pixels, (0, 1) or (-1, 1); see otzoo.data.catalog.
      as_supervised: yield (image, int64 label) pairs.
      backend: "numpy" (default, nothing written) or "tfds" (TFRecords prepared once in
        `tfds_data_dir` by the `otzoo_fashion_mnist` builder).
      tfds_data_dir: TFDS data directory for backend="tfds" (default
        $OTZOO_TFDS_DATA_DIR, $TFDS_DATA_DIR or ~/tensorflow_datasets).
      image_shape: (H, W, C) to resize to (scaled to cover, centre-cropped, grey -> RGB
        when C = 3); None keeps 28x28x1.

    Returns:
      A `tf.data.Dataset` of float32 [28, 28, 1] (or `image_shape`) images (or (image,
      label) pairs).
    """
    _check_backend(backend)
    source = resolve_path(data_dir) if data_dir else FASHION_MNIST_DIR
    if backend == "tfds":
        # Check the files first, so that a missing package gives our error, not TFDS's.
        idx.find_idx_files(source, split, None, "Fashion-MNIST", FASHION_MNIST_HINT)
        builder = tfds_builders.prepared_builder(
                "otzoo_fashion_mnist", default_tfds_data_dir(tfds_data_dir),
                source_dir=source)
        return _from_tfds(builder, split, value_range, as_supervised, image_shape)
    images, labels = _load_arrays(source, split, None, False, "Fashion-MNIST",
                                  FASHION_MNIST_HINT)
    if images.shape[1:] != (28, 28, 1):
        raise DatasetError(f"Fashion-MNIST images in {source} have shape {images.shape[1:]}; "
                           f"expected (28, 28, 1)")
    if labels.max() > 9:
        raise DatasetError(f"Fashion-MNIST labels in {source} reach {labels.max()}; expected "
                           f"0..9")
    if image_shape is not None:
        images = fit_arrays(images, image_shape)
    return catalog.dataset_from_uint8(images, labels, value_range, as_supervised)


def _tfds_config_name(source, prefix, transpose, num_classes, image_shape=None):
    """A stable TFDS config name per folder and options: '<folder>_<8 hex digits>'."""
    slug = re.sub(r"[^a-z0-9]+", "_", os.path.basename(source).lower()).strip("_") or "idx"
    key = (source, prefix, transpose, num_classes)
    if image_shape is not None:
        key += (tuple(image_shape),)
    digest = hashlib.sha1(repr(key).encode()).hexdigest()
    return f"{slug}_{digest[:8]}"


@catalog.register("mnist")
def mnist(split="train", *, data_dir=None, prefix=None, transpose=False,
          value_range=(0.0, 1.0), as_supervised=False, backend="numpy", tfds_data_dir=None,
          num_classes=None, image_shape=None):
    """Any MNIST-format folder (MNIST, KMNIST, EMNIST letters, ...): float32 [H, W, C].

    Args:
      split: "train" or "test" (files named t10k-... or test-...).
      data_dir: the folder (required), holding {prefix}train-images-idx3-ubyte[.gz] (or
        idx4 for images with channels, see otzoo.data.idx),
        {prefix}train-labels-idx1-ubyte[.gz] and the t10k/test pair.
      prefix: file-name prefix, e.g. "emnist-letters-"; None when the folder holds one
        dataset.
      transpose: swap rows and columns (True for EMNIST, stored transposed).
      value_range: (lo, hi) for pixels; see otzoo.data.catalog.
      as_supervised: yield (image, int64 label) pairs.
      backend: "numpy" (default) or "tfds" (the `otzoo_mnist_format` builder with a config
        named after the folder, prepared once in `tfds_data_dir`).
      tfds_data_dir: TFDS data directory for backend="tfds".
      num_classes: ClassLabel size for backend="tfds" (default: 1 + the largest train
        label; EMNIST letters' labels are 1..26, so 27).
      image_shape: (H, W, C) to resize to (scaled to cover, centre-cropped); None keeps
        the files' shape.

    Returns:
      A `tf.data.Dataset` of float32 [H, W, C] images (or (image, label) pairs).
    """
    _check_backend(backend)
    if not data_dir:
        raise DatasetError(
                "dataset 'mnist' reads an MNIST-format folder: pass data_dir=DIR holding "
                "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] (for "
                "Fashion-MNIST use the dataset 'fashion_mnist')")
    source = resolve_path(data_dir)
    if backend == "tfds":
        idx.find_idx_files(source, split, prefix, "MNIST-format", MNIST_HINT)
        images_path, labels_path = idx.find_idx_files(source, "train", prefix,
                                                      "MNIST-format", MNIST_HINT)
        if num_classes is None:
            num_classes = int(idx.read_idx(labels_path, 1, np.uint8).max()) + 1
        # Colour (idx4) folders declare their shape; grey ones keep (None, None, 1) and the
        # config names they were prepared under before colour existed.
        native = idx.read_shape(images_path)[1:]
        if len(native) == 3 and native[-1] != 1:
            native = (native[1], native[0], native[2]) if transpose else native
        else:
            native = None
        config = tfds_builders.MnistFormatConfig(
                name=_tfds_config_name(source, prefix, transpose, num_classes, native),
                source_dir=source, prefix=prefix, transpose=bool(transpose),
                num_classes=int(num_classes), image_shape=native)
        builder = tfds_builders.prepared_builder(
                "otzoo_mnist_format", default_tfds_data_dir(tfds_data_dir), config=config)
        return _from_tfds(builder, split, value_range, as_supervised, image_shape)
    images, labels = _load_arrays(source, split, prefix, bool(transpose), "MNIST-format",
                                  MNIST_HINT)
    if image_shape is not None:
        images = fit_arrays(images, image_shape)
    return catalog.dataset_from_uint8(images, labels, value_range, as_supervised)
