"""TensorFlow Datasets builders over local idx files: `otzoo_fashion_mnist`, `otzoo_mnist_format`.

Importing this module registers both builders with TFDS, so the usual TFDS calls work,
offline, with the same features as TFDS's own `fashion_mnist` / `mnist` (an `Image` of
shape (28, 28, 1) and a `ClassLabel`, supervised keys `("image", "label")`):

    import otzoo.data.tfds_builders  # registers the builders
    builder = tfds.builder("otzoo_fashion_mnist", data_dir="/tmp/tfds", try_gcs=False)
    builder.download_and_prepare(download_config=otzoo.data.tfds_builders.offline_config())
    ds = builder.as_dataset(split="test", as_supervised=True)

`_split_generators` reads local files only and downloads nothing:
- `otzoo_fashion_mnist` reads `source_dir` (a constructor argument, e.g.
  `tfds.builder(..., source_dir=DIR)`), else the manual dir of the download config
  (`DownloadConfig(manual_dir=DIR)`, TFDS's idiom for local data), else Debian's
  `/usr/share/datasets/fashion-mnist` (package `dataset-fashion-mnist`).
- `otzoo_mnist_format` reads any MNIST-format folder (MNIST, KMNIST, EMNIST, ...) named
  by its config, `MnistFormatConfig(name="kmnist", source_dir=DIR, num_classes=10)`; the
  config name keeps different folders apart in the same TFDS data directory. Colour idx4
  folders declare their shape: `MnistFormatConfig(..., image_shape=(32, 32, 3))`.
  Once prepared, the dataset opens by name from its files alone, as any TFDS dataset:
  `tfds.builder("otzoo_mnist_format/kmnist", data_dir=...)` (and `--data=tfds:...`).

Preparing writes TFRecords once (measured here: 42-71 s for the 70k Fashion-MNIST images
on 2 cores shared with other jobs, mostly PNG encoding; 38 MB); later loads read them and
decode PNGs (~4.5k images/s in the first epoch). `otzoo.data.load(..., backend="tfds")`
goes through these builders; the default `backend="numpy"` parses the idx files straight
into `tf.data.Dataset.from_tensor_slices` (~0.5-1.5 s, nothing written, ~30k images/s in
the first epoch), which is why it is the default.

References:
  TFDS, "Writing custom datasets" and "Manual download",
  https://www.tensorflow.org/datasets/add_dataset.
"""

import dataclasses
import importlib.resources
import importlib.resources.abc
import os
import sys

import tensorflow_datasets as tfds

from otzoo.data import idx
from otzoo.data.errors import DatasetError
from otzoo.data.paths import FASHION_MNIST_DIR, FASHION_MNIST_HINT, resolve_path

# TFDS 4.9.10 imports the `importlib_resources` backport when it prepares any dataset, but
# declares it as a dependency only for Python < 3.9 (tensorflow/datasets#11212). The
# standard library's `importlib.resources` has the one name it uses (`abc.Traversable`).
try:
    import importlib_resources  # noqa: F401
except ImportError:
    sys.modules["importlib_resources"] = importlib.resources

FASHION_MNIST_LABELS = (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

_CITATION_FASHION = """@article{xiao2017fashion,
  title={Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms},
  author={Xiao, Han and Rasul, Kashif and Vollgraf, Roland},
  journal={arXiv preprint arXiv:1708.07747},
  year={2017}
}"""


def offline_config(manual_dir=None, **kwargs):
    """A `tfds.download.DownloadConfig` that never reaches for the network."""
    return tfds.download.DownloadConfig(
            manual_dir=manual_dir, try_download_gcs=False, **kwargs)


def _manual_dir(dl_manager):
    """The download config's manual dir when it exists, else None (no TFDS assertion)."""
    try:
        path = dl_manager.manual_dir
    except AssertionError:  # TFDS asserts when the (default) manual dir is missing.
        return None
    return os.fspath(path) if os.path.isdir(os.fspath(path)) else None


def _examples(images, labels, num_classes, images_path):
    """Yields (key, example) pairs; checks labels against the ClassLabel size."""
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DatasetError(
                f"labels next to {images_path} range over [{labels.min()}, {labels.max()}]; "
                f"expected [0, {num_classes - 1}] (set num_classes in MnistFormatConfig)")
    for i in range(images.shape[0]):
        yield i, {"image": images[i], "label": labels[i]}


class OtzooFashionMnist(tfds.core.GeneratorBasedBuilder):
    """Fashion-MNIST (60k train / 10k test, 28x28 grey, 10 classes) from local idx files."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Local idx files (Debian's dataset-fashion-mnist)."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = FASHION_MNIST_HINT

    def __init__(self, *, source_dir=None, **kwargs):
        self._source_dir = resolve_path(source_dir) if source_dir else None
        super().__init__(**kwargs)

    def _info(self):
        return self.dataset_info_from_configs(
                description="Fashion-MNIST read from local idx files (no download).",
                features=tfds.features.FeaturesDict({
                        "image": tfds.features.Image(shape=(28, 28, 1)),
                        "label": tfds.features.ClassLabel(names=FASHION_MNIST_LABELS),
                }),
                supervised_keys=("image", "label"),
                homepage="https://github.com/zalandoresearch/fashion-mnist",
                citation=_CITATION_FASHION,
        )

    def _split_generators(self, dl_manager):
        source = self._source_dir or _manual_dir(dl_manager) or FASHION_MNIST_DIR
        return {split: self._generate_examples(source, split) for split in ("train", "test")}

    def _generate_examples(self, source, split):
        images, labels = idx.load_idx_split(source, split, dataset="Fashion-MNIST",
                                            hint=FASHION_MNIST_HINT)
        yield from _examples(images, labels, 10, source)


@dataclasses.dataclass(eq=False)
class MnistFormatConfig(tfds.core.BuilderConfig):
    """Which MNIST-format folder `otzoo_mnist_format` reads.

    Attributes:
      source_dir: directory with {prefix}train-images-idx3-ubyte[.gz] etc.
      prefix: file-name prefix (e.g. "emnist-letters-"), None when unambiguous.
      transpose: swap rows and columns (EMNIST stores images transposed).
      num_classes: size of the ClassLabel (labels must lie in [0, num_classes)); EMNIST
        letters has labels 1..26, so 27.
      image_shape: (H, W, C) of the images (idx4 folders hold C channels), declared in
        the features so that readers know it; None: grey images of any size,
        (None, None, 1).
    """

    source_dir: str = ""
    prefix: str | None = None
    transpose: bool = False
    num_classes: int = 10
    image_shape: tuple | None = None


class OtzooMnistFormat(tfds.core.GeneratorBasedBuilder):
    """Any MNIST-format idx folder (MNIST, KMNIST, EMNIST, ...) named by a MnistFormatConfig."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Local MNIST-format idx folders."}
    BUILDER_CONFIGS = []
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
            "Pass config=MnistFormatConfig(name=..., source_dir=DIR) where DIR holds "
            "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
            "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz].")

    def _info(self):
        cfg = self.builder_config
        return self.dataset_info_from_configs(
                description=f"MNIST-format idx files from {cfg.source_dir} (no download).",
                features=tfds.features.FeaturesDict({
                        "image": tfds.features.Image(
                                shape=tuple(cfg.image_shape or (None, None, 1))),
                        "label": tfds.features.ClassLabel(num_classes=cfg.num_classes),
                }),
                supervised_keys=("image", "label"),
                homepage="http://yann.lecun.com/exdb/mnist/",
        )

    def _split_generators(self, dl_manager):
        cfg = self.builder_config
        source = resolve_path(cfg.source_dir) if cfg.source_dir else _manual_dir(dl_manager)
        if not source:
            raise DatasetError("otzoo_mnist_format needs MnistFormatConfig(source_dir=DIR) or "
                               "DownloadConfig(manual_dir=DIR)")
        # Only splits whose files exist: a folder may ship "train" alone.
        splits = {}
        for split in ("train", "test"):
            try:
                idx.find_idx_files(source, split, cfg.prefix)
            except FileNotFoundError:
                if split == "train":
                    raise
                continue
            splits[split] = self._generate_examples(source, split)
        return splits

    def _generate_examples(self, source, split):
        cfg = self.builder_config
        images, labels = idx.load_idx_split(source, split, cfg.prefix, cfg.transpose)
        yield from _examples(images, labels, cfg.num_classes, source)


def builder(name, tfds_data_dir, **kwargs):
    """`tfds.builder(name, data_dir=tfds_data_dir, try_gcs=False, **kwargs)` (never online)."""
    return tfds.builder(name, data_dir=tfds_data_dir, try_gcs=False, **kwargs)


def prepared_builder(name, tfds_data_dir, download_mode=None, **kwargs):
    """Returns the builder after `download_and_prepare` (a no-op once prepared).

    Args:
      name: "otzoo_fashion_mnist" or "otzoo_mnist_format".
      tfds_data_dir: where the TFRecords go.
      download_mode: a `tfds.GenerateMode` (default: reuse the prepared dataset).
      **kwargs: builder arguments (`source_dir=`, `config=`).
    """
    b = builder(name, tfds_data_dir, **kwargs)
    extra = {"download_mode": download_mode} if download_mode is not None else {}
    b.download_and_prepare(download_config=offline_config(**extra))
    return b


__all__ = ["OtzooFashionMnist", "OtzooMnistFormat", "MnistFormatConfig", "offline_config",
           "builder", "prepared_builder", "FASHION_MNIST_LABELS"]
