"""The dataset registry and `load(name, split, **options)`, the one entry point of the zoo.

Every zoo config names its dataset (`config.data.name`); `load` turns the name into a
`tf.data.Dataset` of single examples, BEFORE batching:

    images:  float32 [H, W, C] in `value_range`    (fashion_mnist, mnist, image_folder, tfds)
    2-D toys: float32 [2]                            (eight_gaussians, rings, ...)
    with as_supervised=True: (example, int64 label) pairs, as in TFDS.

A TFDS dataset already prepared in a data directory is named `tfds:NAME[:SPLIT]`
(`load("tfds:cifar10", data_dir=DIR)`; SPLIT, default "train", is the TFDS split that
`split="train"` reads; see otzoo.data.tfds_dataset).

Pixel scaling is declared by the model through `value_range`: the uint8 pixel p becomes
`lo + (hi - lo) * p / 255`, so (0, 1) suits Bernoulli/sigmoid decoders and (-1, 1) tanh
generators. `make_input_pipeline` (otzoo.data.pipeline) then batches, shuffles and
distributes.

Errors (otzoo.data.errors): an unknown name raises `UnknownDatasetError` (a `KeyError` and
a `ValueError`) listing the registered names; an option the dataset does not take raises
`DatasetError` listing the options it does take.

TensorFlow is imported by the functions that build datasets, not by this module: the
command line checks a user's folder (otzoo.data.sources) before TensorFlow loads.
"""

import importlib
import inspect

import numpy as np

from otzoo.data.errors import DatasetError, DatasetNotFoundError, UnknownDatasetError
from otzoo.registry import Registry, UnknownNameError

#: name -> loader function `fn(split, **options) -> tf.data.Dataset`.
DATASETS = Registry("dataset")

# The modules whose import registers the built-in loaders.
_LOADER_MODULES = ("image_folder", "mnist", "tfds_dataset", "toys")

DEFAULT_VALUE_RANGE = (0.0, 1.0)
_CHUNK = 1024  # examples scaled per vectorised map call in `dataset_from_uint8`.


def register(name):
    """Decorator registering a loader `fn(split="train", **options) -> tf.data.Dataset`."""
    return DATASETS.register(name)


def register_builtin_loaders():
    """Imports the modules that register the built-in loaders (once; cheap afterwards)."""
    for module in _LOADER_MODULES:
        importlib.import_module(f"otzoo.data.{module}")


def names():
    """The registered dataset names, sorted."""
    register_builtin_loaders()
    return DATASETS.names()


def _split_name(name):
    """"tfds:NAME[:SPLIT]" -> ("tfds", {tfds_name, train_split}); other names unchanged."""
    base, sep, rest = str(name).partition(":")
    if not sep or base != "tfds":
        return name, {}
    tfds_name, _, train_split = rest.partition(":")
    return "tfds", {"tfds_name": tfds_name, **({"train_split": train_split} if train_split
                                               else {})}


def get_loader(name):
    """The loader registered under `name`; `UnknownDatasetError` lists the known names."""
    register_builtin_loaders()
    try:
        return DATASETS.get(_split_name(name)[0])
    except UnknownNameError as e:
        raise UnknownDatasetError(str(e)) from None


def load(name, split="train", *, test_fallback=False, **options):
    """Loads dataset `name` as a `tf.data.Dataset` of single (unbatched) examples.

    Args:
      name: a registered name (`otzoo.data.names()`): "fashion_mnist", "mnist",
        "image_folder", "tfds", "eight_gaussians", "twenty_five_gaussians", "swiss_roll",
        "rings", "checkerboard", "two_moons"; or "tfds:NAME[:SPLIT]" (a prepared TFDS
        dataset: the "tfds" loader with tfds_name=NAME, train_split=SPLIT).
      split: "train" or "test" (the eval split; for toys, an independent seed stream).
      test_fallback: when split="test" does not exist (a folder without test images, a
        TFDS dataset without a test split), return split "train" instead: for sample
        grids, never for evaluation.
      **options: the dataset's own options, e.g. `data_dir=`, `value_range=(-1, 1)`,
        `as_supervised=True`, `image_shape=(64, 64, 3)`, `seed=`, `num_samples=`; see the
        loader's docstring (`help(otzoo.data.get_loader(name))`). An option the dataset
        does not take is an error, unless its value is None (dropped: "unset").

    Returns:
      A `tf.data.Dataset` of float32 [H, W, C] images or [2] points, or (x, int64 label)
      pairs with `as_supervised=True`, with known cardinality.

    Raises:
      UnknownDatasetError: `name` is not registered (lists the known names).
      DatasetError: an option the dataset does not take, or a bad option value.
      DatasetNotFoundError: missing files (names them and where they were looked for).
    """
    loader = get_loader(name)
    options = {**_split_name(name)[1], **options}
    params = inspect.signature(loader).parameters
    accepted = [p for p in params if p != "split"]
    # A config with one schema for every dataset may set data_dir=None for a toy: an
    # option the dataset does not take is dropped when it is None (it means "unset").
    options = {k: v for k, v in options.items() if k in accepted or v is not None}
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise DatasetError(
                f"dataset {name!r} got unknown option(s) {unknown}; it accepts: "
                f"{', '.join(accepted)}")
    try:
        return loader(split, **options)
    except DatasetNotFoundError:
        if split != "test" or not test_fallback:
            raise
        return loader("train", **options)


def load_numpy(name, split="train", **options):
    """`load(...)` materialised as NumPy arrays: x [N, ...] (and int64 labels [N]).

    Convenient for evaluation (e.g. a sliced-W2 against the whole test split).

    Returns:
      x, or (x, labels) when `as_supervised=True`.
    """
    ds = load(name, split, **options)
    n = int(ds.cardinality())
    if n <= 0:
        raise DatasetError(f"dataset {name!r} split {split!r} has unknown or zero size ({n})")
    # Moderate batches: one batch of all N examples concatenates them one by one (slow).
    parts = list(ds.batch(4 * _CHUNK).as_numpy_iterator())
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts))
    return np.concatenate(parts)


def check_value_range(value_range):
    """Validates `value_range` (None -> (0, 1)) and returns it as a (lo, hi) float pair."""
    if value_range is None:
        return DEFAULT_VALUE_RANGE
    try:
        if isinstance(value_range, (str, bytes)):  # "01" would unpack into (0, 1).
            raise TypeError
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise DatasetError(
                f"value_range must be a pair (lo, hi) such as (0, 1) or (-1, 1); "
                f"got {value_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise DatasetError(f"value_range must be finite with lo < hi; got {value_range!r}")
    return lo, hi


def scale_pixels(images, value_range):
    """uint8 pixels -> float32 in `value_range`: lo + (hi - lo) * p / 255."""
    import tensorflow as tf

    lo, hi = value_range
    return tf.cast(images, tf.float32) * ((hi - lo) / 255.0) + lo


def pixel_scaler(value_range):
    """The map function applying `scale_pixels` to an image or to an (image, label) pair.

    Plain TF ops without Python control flow: marked not to be converted by AutoGraph
    (faster tracing, and no generated source files in the temp directory).
    """
    import tensorflow as tf

    value_range = check_value_range(value_range)

    @tf.autograph.experimental.do_not_convert
    def scale(image, *label):
        image = scale_pixels(image, value_range)
        return (image, *label) if label else image

    return scale


def check_supervised(as_supervised):
    if not isinstance(as_supervised, (bool, np.bool_)):
        raise DatasetError(f"as_supervised must be True or False; got {as_supervised!r}")
    return bool(as_supervised)


def dataset_from_uint8(images, labels, value_range, as_supervised):
    """A dataset of float32 images (or (image, label) pairs) from uint8 NumPy arrays.

    The arrays stay uint8 inside the dataset (4x less memory than float32). Pixels are
    scaled in chunks of `_CHUNK` examples, then unbatched: a per-example map measured
    ~10k examples/s on this 2-core machine, the chunked one ~100k.

    Args:
      images: uint8 [N, H, W, C].
      labels: int64 [N].
      value_range: (lo, hi), see `scale_pixels`.
      as_supervised: yield (image, label) pairs instead of images.
    """
    import tensorflow as tf

    if check_supervised(as_supervised):
        ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(_CHUNK)
    else:
        ds = tf.data.Dataset.from_tensor_slices(images).batch(_CHUNK)
    ds = ds.map(pixel_scaler(value_range))
    # unbatch() forgets the size; restore it (shuffle buffers and steps_per_epoch use it).
    return ds.unbatch().apply(tf.data.experimental.assert_cardinality(len(images)))
