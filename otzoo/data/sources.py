"""What a zoo entry trains on: a config's data block, checked before TensorFlow loads.

Every zoo config has the same data block; the command line sets it with `--data`,
`--data_dir` and `--image_shape`, or the config keys themselves:

    --data=                    data.name          data.path (also --data_dir=)
    fashion_mnist[:DIR]        fashion_mnist      "" (Debian's package) or the idx folder
    mnist:DIR                  mnist              any MNIST-format idx folder
      (or mnist_format:DIR)
    image_folder:DIR           image_folder       PNG/JPEG/... files, flat or per class
    tfds:NAME[:SPLIT]          tfds:NAME[:SPLIT]  the TFDS data_dir holding NAME, prepared

    data.shape (--image_shape=H,W,C): the examples' shape, which every network and the
    exported signatures follow. Given, images are scaled to cover it and centre-cropped
    (grey <-> RGB converted); not given, it is the data's own shape, and an image
    folder's images must then all have one size.

`resolve(name, path, shape)` checks the folder (exists, is readable, holds the expected
files), finds the shape, and returns the `otzoo.data.load` options that read it. For
folders it imports no TensorFlow, so the command line answers a mistake in one line and
in a second; "tfds:" names open the TFDS builder. Errors are `DatasetError`s
(`DatasetNotFoundError` for missing things) whose message says what to change.
"""

import os

from otzoo.data import idx
from otzoo.data.errors import DatasetError, DatasetNotFoundError
from otzoo.data.paths import FASHION_MNIST_DIR, FASHION_MNIST_HINT, resolve_path

#: The `--data` kinds; "mnist_format" is another name for "mnist".
KINDS = ("fashion_mnist", "mnist", "image_folder", "tfds")
_ALIASES = {"mnist_format": "mnist"}
_FOLDER_KINDS = ("mnist", "image_folder")
FASHION_MNIST_SHAPE = (28, 28, 1)
_CHANNELS = (1, 3, 4)


def _kinds_text():
    return ("fashion_mnist[:DIR], mnist:DIR (alias mnist_format:DIR), image_folder:DIR, "
            "tfds:NAME[:SPLIT]")


def parse_data_flag(value):
    """`--data` -> (data.name, data.path).

    "image_folder:~/faces" -> ("image_folder", "~/faces"); "mnist_format:DIR" ->
    ("mnist", DIR); "tfds:cifar10:train[:90%]" -> ("tfds:cifar10:train[:90%]", "") (a
    TFDS name is the whole value; its data directory is `--data_dir`).
    """
    kind, _, rest = value.partition(":")
    kind = _ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise DatasetError(f"unknown data source {value!r} in --data; valid: {_kinds_text()}")
    if kind == "tfds":
        if not rest:
            raise DatasetError("--data=tfds needs a dataset name: --data=tfds:NAME[:SPLIT]")
        return value, ""
    if kind in _FOLDER_KINDS and not rest:
        raise DatasetError(f"--data={kind} needs a folder: --data={kind}:DIR")
    return kind, rest


def parse_shape(value):
    """"64,64,3" (or "64x64x3", or a sequence) -> (64, 64, 3), checked."""
    parts = value.replace("x", ",").split(",") if isinstance(value, str) else value
    try:
        shape = tuple(int(str(p).strip()) for p in parts)
    except (TypeError, ValueError):
        shape = None
    if not shape or len(shape) != 3 or min(shape) < 1 or shape[2] not in _CHANNELS:
        raise DatasetError(f"image shape must be HEIGHT,WIDTH,CHANNELS with channels 1 "
                           f"(grey), 3 (RGB) or 4 (RGBA), e.g. 64,64,3; got {value!r}")
    return shape


def _check_folder(path, what):
    """`path` resolved; raises one clear error if it is not a readable folder."""
    folder = resolve_path(path)
    if not os.path.exists(folder):
        raise DatasetNotFoundError(f"{what} {folder} does not exist")
    if not os.path.isdir(folder):
        raise DatasetNotFoundError(f"{what} {folder} is not a folder")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise DatasetError(f"{what} {folder} is not readable (permission denied)")
    try:
        os.listdir(folder)
    except OSError as e:
        raise DatasetError(f"{what} {folder} cannot be read: {e.strerror or e}") from None
    return folder


def _idx_shape(folder, dataset, hint=""):
    images_path, _ = idx.find_idx_files(folder, "train", None, dataset, hint)
    shape = idx.read_shape(images_path)
    if len(shape) not in (3, 4):
        raise DatasetError(f"idx file {images_path} holds a {len(shape)}-D array; expected "
                           f"images (N, rows, cols) or (N, rows, cols, channels)")
    return tuple(shape[1:]) + ((1,) if len(shape) == 3 else ())


def resolve(name, path="", shape=None):
    """Checks the data of a config's data block; returns (load options, example shape).

    Args:
      name: data.name: "fashion_mnist", "mnist" (or "mnist_format"), "image_folder", or
        "tfds:NAME[:SPLIT]".
      path: data.path: the folder ("" for fashion_mnist: Debian's package); for tfds, the
        TFDS data directory ("" for the default, see otzoo.data.paths).
      shape: (H, W, C) to resize to, or None for the data's own shape.

    Returns:
      (name, options, shape): the `otzoo.data.load` name ("mnist_format" -> "mnist"),
      the options to add to the config's (data_dir, image_shape when resizing,
      test_fallback so that a folder without test images still gives sample grids), and
      the examples' shape.

    Raises:
      DatasetNotFoundError: a missing folder, or no data in it.
      DatasetError: an unknown name, an unreadable folder, a bad shape, images of
        different sizes without a shape.
    """
    name = _ALIASES.get(name, name)
    kind = name.partition(":")[0]
    if kind not in KINDS or (kind == "tfds") != (":" in name):
        raise DatasetError(f"unknown data source {name!r} (config data.name); valid: "
                           f"fashion_mnist, mnist, image_folder, tfds:NAME[:SPLIT]")
    if shape is not None:
        shape = parse_shape(shape)
    path = path or ""
    options = {}

    if kind == "fashion_mnist" and not path:
        # The default: Debian's package. No options added, so the default config (and so
        # the default training run) stays exactly as it was.
        idx.find_idx_files(FASHION_MNIST_DIR, "train", None, "Fashion-MNIST",
                           FASHION_MNIST_HINT)
        if shape not in (None, FASHION_MNIST_SHAPE):
            options["image_shape"] = shape
        return name, options, shape or FASHION_MNIST_SHAPE
    if kind == "fashion_mnist":
        folder = _check_folder(path, "Fashion-MNIST folder")
        native = _idx_shape(folder, "Fashion-MNIST")
        options.update(data_dir=folder, test_fallback=True)
    elif kind == "mnist":
        if not path:
            raise DatasetError("data source 'mnist' reads an MNIST-format folder: "
                               "--data=mnist:DIR (config data.path)")
        folder = _check_folder(path, "MNIST-format folder")
        native = _idx_shape(folder, "MNIST-format")
        options.update(data_dir=folder, test_fallback=True)
    elif kind == "image_folder":
        from otzoo.data import image_folder  # Pillow, no TensorFlow

        if not path:
            raise DatasetError("data source 'image_folder' reads a folder of images: "
                               "--data=image_folder:DIR (config data.path)")
        folder = _check_folder(path, "image folder")
        paths, _, _ = image_folder.split_images(folder, "train")
        native = shape or image_folder.common_shape(paths)
        options.update(data_dir=folder, image_shape=native, test_fallback=True)
    else:
        from otzoo.data import tfds_dataset  # TFDS (and TensorFlow when it reads files)

        tfds_name = name.split(":")[1]
        if path:
            folder = _check_folder(path, "TFDS data directory")
        else:
            from otzoo.data.paths import default_tfds_data_dir

            folder = default_tfds_data_dir()
        builder = tfds_dataset.open_builder(tfds_name, folder)
        native = tfds_dataset.native_shape(builder)
        if shape is None and None in native:
            raise DatasetError(f"TFDS dataset {tfds_name!r} has images of varying size "
                               f"{native}; pass --image_shape=H,W,C to resize them")
        options.update(data_dir=folder, test_fallback=True)
    native = tuple(native)
    if shape is not None and shape != native:
        options["image_shape"] = shape
    return name, options, shape or native
