"""otzoo.data: dataset names -> `tf.data.Dataset`s ready for `tf.distribute`.

    import otzoo.data
    ds = otzoo.data.load("fashion_mnist", split="train", value_range=(-1, 1))
    batches = otzoo.data.make_input_pipeline(ds, global_batch_size=256, strategy=strategy)

Registered datasets (`otzoo.data.names()`):
  fashion_mnist            the real 60k/10k Fashion-MNIST (Debian `dataset-fashion-mnist`)
  mnist                    any MNIST-format idx folder (data_dir=): MNIST, KMNIST, EMNIST
  image_folder             the user's own images (data_dir=, image_shape=(64, 64, 3))
  eight_gaussians, twenty_five_gaussians, swiss_roll, rings, checkerboard, two_moons
                           seeded 2-D toys (otzoo.data.toys)

Modules: catalog (registry, `load`), pipeline (`make_input_pipeline`), idx (idx reader),
mnist, image_folder, toys, tfds_builders (TFDS builders `otzoo_fashion_mnist`,
`otzoo_mnist_format`, registered with TFDS on import), errors, paths.

Errors: `DatasetError` (ValueError), `DatasetNotFoundError` (also FileNotFoundError),
`UnknownDatasetError` (also KeyError); see otzoo.data.errors.
"""

from otzoo.data import image_folder, mnist, tfds_builders, toys  # noqa: F401 (registers)
from otzoo.data.catalog import DATASETS, get_loader, load, load_numpy, names, register
from otzoo.data.errors import DatasetError, DatasetNotFoundError, UnknownDatasetError
from otzoo.data.pipeline import make_input_pipeline, steps_per_epoch
from otzoo.data.toys import sample as sample_toy

__all__ = [
        "DATASETS", "get_loader", "load", "load_numpy", "names", "register",
        "DatasetError", "DatasetNotFoundError", "UnknownDatasetError",
        "make_input_pipeline", "steps_per_epoch", "sample_toy",
]
