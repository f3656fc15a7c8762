"""otzoo.data: dataset names -> `tf.data.Dataset`s ready for `tf.distribute`.

    import otzoo.data
    ds = otzoo.data.load("fashion_mnist", split="train", value_range=(-1, 1))
    batches = otzoo.data.make_input_pipeline(ds, global_batch_size=256, strategy=strategy)

Registered datasets (`otzoo.data.names()`):
  fashion_mnist            the real 60k/10k Fashion-MNIST (Debian `dataset-fashion-mnist`)
  mnist                    any MNIST-format idx folder (data_dir=): MNIST, KMNIST, EMNIST
  image_folder             the user's own images (data_dir=, image_shape=(64, 64, 3))
  tfds                     a TFDS dataset prepared in a data_dir: load("tfds:NAME[:SPLIT]")
  eight_gaussians, twenty_five_gaussians, swiss_roll, rings, checkerboard, two_moons
                           seeded 2-D toys (otzoo.data.toys)

Modules: catalog (registry, `load`), pipeline (`make_input_pipeline`), idx (idx reader),
mnist, image_folder, tfds_dataset, toys, tfds_builders (TFDS builders
`otzoo_fashion_mnist`, `otzoo_mnist_format`, registered with TFDS when that module is
imported), sources (the command line's `--data`, checked without TensorFlow), errors,
paths.

Importing the package loads nothing heavy: the names below are looked up on first use
(which registers the loaders and imports TensorFlow), so that the command line can check
a user's data folder, and answer mistakes in one line, before TensorFlow starts.

Errors: `DatasetError` (ValueError), `DatasetNotFoundError` (also FileNotFoundError),
`UnknownDatasetError` (also KeyError); see otzoo.data.errors.
"""

import importlib

# Public name -> the module defining it.
_EXPORTS = {
        "DATASETS": "catalog", "get_loader": "catalog", "load": "catalog",
        "load_numpy": "catalog", "names": "catalog", "register": "catalog",
        "DatasetError": "errors", "DatasetNotFoundError": "errors",
        "UnknownDatasetError": "errors",
        "make_input_pipeline": "pipeline", "steps_per_epoch": "pipeline",
        "sample_toy": "toys",
}
_SUBMODULES = ("catalog", "errors", "idx", "image_folder", "mnist", "paths", "pipeline",
               "sources", "tfds_builders", "tfds_dataset", "toys")

__all__ = [
        "DATASETS", "get_loader", "load", "load_numpy", "names", "register",
        "DatasetError", "DatasetNotFoundError", "UnknownDatasetError",
        "make_input_pipeline", "steps_per_epoch", "sample_toy",
]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"otzoo.data.{name}")
    if name not in _EXPORTS:
        raise AttributeError(f"module 'otzoo.data' has no attribute {name!r}")
    module = importlib.import_module(f"otzoo.data.{_EXPORTS[name]}")
    if _EXPORTS[name] != "errors":
        importlib.import_module("otzoo.data.catalog").register_builtin_loaders()
    value = getattr(module, "sample" if name == "sample_toy" else name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBMODULES))
