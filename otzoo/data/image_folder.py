"""A folder of the user's own images (png, jpg, bmp, gif, webp), resized and centre-cropped.

Layouts (the first that applies):

    root/train/<class>/*.png, root/test/<class>/*.png   split folders (TFDS ImageFolder's)
    root/train/*.png, root/test/*.png                    split folders without classes
    root/<class>/*.png                                   class folders: labels 0..K-1
    root/*.png                                           one class: label 0

Class folders are sorted by name for label numbers and searched recursively. Without split
folders the whole folder is "train"; `split="test"` then needs `test_fraction > 0`, which
holds out the files whose CRC-32 of their relative path falls in that fraction: stable
across machines and runs, and adding images never moves old ones between splits.

Each image is decoded with Pillow, converted to C channels ("L", "RGB" or "RGBA"), scaled
so that it covers H x W and centre-cropped (`PIL.ImageOps.fit`, bicubic with
antialiasing), then scaled to `value_range`. With `image_shape=None` nothing is resized:
every image must have the same size, which is the shape (C = 1 when every image is grey,
else 3; `common_shape` reads it from the files' headers without decoding them).

All images are decoded when `load` is called (two threads), so an unreadable file raises
`DatasetError` naming it before training starts, and epochs then cost no decoding; the
decoded uint8 array takes N * H * W * C bytes of memory (64x64x3: 12 KB per image, 1.2 GB
per 100k images). Other files (no image extension, hidden files) are ignored.
"""

import concurrent.futures
import os
import zlib

import numpy as np
from PIL import Image, ImageOps

from otzoo.data import catalog
from otzoo.data.errors import DatasetError, DatasetNotFoundError
from otzoo.data.paths import resolve_path

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
_MODES = {1: "L", 3: "RGB", 4: "RGBA"}
_GREY_MODES = ("1", "L", "I", "I;16", "F")  # Pillow modes of one-channel images
_SPLIT_DIRS = ("train", "test")


def _is_image(name):
    return not name.startswith(".") and name.lower().endswith(EXTENSIONS)


def _images_under(directory):
    """Image files under `directory`, recursively, sorted (deterministic order)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(os.path.join(dirpath, f) for f in filenames if _is_image(f))
    return sorted(found)


def list_images(root):
    """(paths, labels, class_names) of one split folder (layouts in the module docstring)."""
    entries = sorted(os.listdir(root))
    top = [os.path.join(root, e) for e in entries if _is_image(e)
           and os.path.isfile(os.path.join(root, e))]
    classes = [e for e in entries if not e.startswith(".")
               and os.path.isdir(os.path.join(root, e))
               and _images_under(os.path.join(root, e))]
    if top and classes:
        raise DatasetError(
                f"image folder {root} mixes images ({os.path.basename(top[0])}, ...) with "
                f"class folders ({', '.join(classes[:3])}); expected either images only or "
                f"one sub-folder per class")
    if not classes:
        return top, np.zeros(len(top), np.int64), []
    paths, labels = [], []
    for label, name in enumerate(classes):
        files = _images_under(os.path.join(root, name))
        paths.extend(files)
        labels.extend([label] * len(files))
    return paths, np.asarray(labels, np.int64), classes


def _check_shape(image_shape):
    try:
        h, w, c = (int(v) for v in image_shape)
        ok = h > 0 and w > 0 and c in _MODES and tuple(image_shape) == (h, w, c)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise DatasetError(f"image_shape must be (height, width, channels) with channels in "
                           f"{sorted(_MODES)}; got {image_shape!r}")
    return h, w, c


def fit(img, image_shape):
    """A Pillow image -> uint8 [H, W, C]: C channels, scaled to cover H x W, centre-cropped."""
    h, w, c = image_shape
    img = img.convert(_MODES[c])
    if img.size != (w, h):
        img = ImageOps.fit(img, (w, h), method=Image.Resampling.BICUBIC)
    return np.asarray(img, dtype=np.uint8).reshape(h, w, c)


def fit_arrays(images, image_shape):
    """uint8 [N, h, w, c] -> uint8 [N, H, W, C] by `fit` (c in 1, 3, 4); for idx images."""
    image_shape = _check_shape(image_shape)
    c = images.shape[-1]
    if c not in _MODES:
        raise DatasetError(f"cannot convert {c}-channel images to {image_shape}; expected "
                           f"images with channels in {sorted(_MODES)}")
    if images.shape[1:] == image_shape:
        return images
    out = np.empty((len(images), *image_shape), np.uint8)
    for i, image in enumerate(images):
        out[i] = fit(Image.fromarray(image[..., 0] if c == 1 else image, _MODES[c]),
                     image_shape)
    return out


def decode_image(path, image_shape):
    """One image file -> uint8 [H, W, C], covered and centre-cropped; errors name the file."""
    try:
        with Image.open(path) as img:
            array = fit(img, image_shape)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        # Pillow raises UnidentifiedImageError (an OSError) for non-images and OSError
        # ("image file is truncated") or SyntaxError for broken ones.
        raise DatasetError(f"cannot read image {path}: {e}; expected a readable "
                           f"{'/'.join(x[1:] for x in EXTENSIONS)} file") from e
    return array


def common_shape(paths):
    """The (H, W, C) shared by every image in `paths`, read from the file headers.

    C is 1 when every image is grey, else 3. Raises `DatasetError` naming two files of
    different sizes, or an unreadable file.
    """
    sizes, grey = {}, True
    for path in paths:
        try:
            with Image.open(path) as img:  # reads the header only
                sizes.setdefault(img.size, path)
                grey &= img.mode in _GREY_MODES
        except (OSError, SyntaxError, ValueError) as e:
            raise DatasetError(f"cannot read image {path}: {e}") from e
        if len(sizes) > 1:
            (w0, h0), first = next(iter(sizes.items()))
            (w1, h1), other = list(sizes.items())[1]
            raise DatasetError(
                    f"images differ in size ({first} is {h0}x{w0}, {other} is {h1}x{w1}) "
                    f"and no image shape was given to resize them to; pass "
                    f"--image_shape=H,W,C (config data.shape) to resize and centre-crop them")
    if not sizes:
        raise DatasetNotFoundError("no images to read a shape from")
    (w, h), = sizes
    return h, w, 1 if grey else 3


def split_images(root, split="train", test_fraction=0.0):
    """(paths, labels, folder) of `split` of the image folder `root` (module docstring).

    Raises:
      DatasetNotFoundError: `root` or the split's folder is missing, no image in it, or
        split="test" of a folder without test/ and without `test_fraction`.
      DatasetError: a folder mixing images and class folders.
    """
    if not os.path.isdir(root):
        raise DatasetNotFoundError(f"image folder {root} does not exist; expected a folder "
                                   f"of {'/'.join(EXTENSIONS)} images")
    if os.path.isdir(os.path.join(root, "train")):
        split_root = os.path.join(root, split)
        if not os.path.isdir(split_root):
            raise DatasetNotFoundError(f"image folder {root} has a train/ folder but no "
                                       f"{split}/ folder for split {split!r}")
        paths, labels, _ = list_images(split_root)
        where = split_root
    else:
        paths, labels, _ = list_images(root)
        where = root
        if paths and (test_fraction > 0 or split == "test"):
            if test_fraction == 0:
                raise DatasetNotFoundError(
                        f"image folder {root} has no test/ sub-folder; pass test_fraction "
                        f"(e.g. 0.1) to hold out part of it as split 'test'")
            mask = _holdout(paths, root, test_fraction)
            keep = mask if split == "test" else ~mask
            paths = [p for p, k in zip(paths, keep) if k]
            labels = labels[keep]
    if not paths:
        raise DatasetNotFoundError(
                f"no images for split {split!r} in {where}; expected files ending in "
                f"{', '.join(EXTENSIONS)} (optionally in one sub-folder per class)")
    return paths, labels, where


def _holdout(paths, root, test_fraction):
    """Boolean mask: True for files in the held-out test part (stable CRC-32 hash)."""
    keys = [zlib.crc32(os.path.relpath(p, root).encode("utf-8")) for p in paths]
    return np.asarray([k % 1_000_000 < test_fraction * 1_000_000 for k in keys], dtype=bool)


@catalog.register("image_folder")
def image_folder(split="train", *, data_dir=None, image_shape=(64, 64, 3),
                 value_range=(0.0, 1.0), as_supervised=False, test_fraction=0.0):
    """A folder of images as float32 [H, W, C] (layouts in the module docstring).

    Args:
      split: "train" or "test".
      data_dir: the root folder (required).
      image_shape: (height, width, channels), channels 1 (grey), 3 (RGB) or 4 (RGBA); None:
        the images' own size, which they must share (not resized; see `common_shape`).
      value_range: (lo, hi) for pixels; see otzoo.data.catalog.
      as_supervised: yield (image, int64 class label) pairs.
      test_fraction: in [0, 1): fraction held out as "test" when the folder has no
        train/ and test/ sub-folders.

    Returns:
      A `tf.data.Dataset` of float32 [H, W, C] images (or (image, label) pairs), in sorted
      file order.

    Raises:
      DatasetNotFoundError: missing folder, no image in it, or no test split.
      DatasetError: an unreadable image (named), a bad option, images of different sizes
        with image_shape=None.
    """
    if not data_dir:
        raise DatasetError("dataset 'image_folder' needs data_dir=DIR, a folder of images "
                           "(optionally one sub-folder per class)")
    shape = None if image_shape is None else _check_shape(image_shape)
    value_range = catalog.check_value_range(value_range)
    supervised = catalog.check_supervised(as_supervised)
    try:
        test_fraction = float(test_fraction)
    except (TypeError, ValueError):
        test_fraction = -1.0
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError(f"test_fraction must lie in [0, 1); got {test_fraction!r}")
    if split not in _SPLIT_DIRS:
        raise DatasetError(f"image_folder has splits {list(_SPLIT_DIRS)}; got split={split!r}")
    root = resolve_path(data_dir)
    if not os.path.isdir(root):
        raise DatasetNotFoundError(f"image folder {root} does not exist (data_dir={data_dir!r});"
                                   f" expected a folder of {'/'.join(EXTENSIONS)} images")
    paths, labels, _ = split_images(root, split, test_fraction)
    if shape is None:
        shape = common_shape(paths)

    # Pillow releases the GIL while decoding, so two threads use both cores.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        images = np.stack(list(pool.map(lambda p: decode_image(p, shape), paths)))
    return catalog.dataset_from_uint8(images, labels, value_range, supervised)
