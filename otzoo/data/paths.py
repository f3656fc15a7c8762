"""Where the data layer reads and writes: user paths and the TFDS data directory.

`bazel run` starts a binary inside its runfiles tree, so a relative path given by the user
(`--data=image_folder:my_images`) is resolved against `BUILD_WORKING_DIRECTORY`, the
directory the user ran Bazel from, when Bazel sets it; otherwise against the current
directory (`otzoo.paths.user_path`). `~` is expanded.

The TFDS data directory (where `tfds` builders write their prepared TFRecords) is, in
order: the explicit argument, `$OTZOO_TFDS_DATA_DIR`, `$TFDS_DATA_DIR` (TFDS's own
variable), `~/tensorflow_datasets` (TFDS's default). Tests pass a directory under
`TEST_TMPDIR`.
"""

import os

from otzoo.paths import user_path

#: Debian's `dataset-fashion-mnist` package installs the four idx files here.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

#: Appended to "Fashion-MNIST files not found" errors.
FASHION_MNIST_HINT = (
        " Install Debian's package `dataset-fashion-mnist` (apt-get install "
        "dataset-fashion-mnist), which puts the four files in " + FASHION_MNIST_DIR +
        ", or pass data_dir=DIR (on the command line: --data=fashion_mnist:DIR) holding "
        "train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz.")


def resolve_path(path):
    """`path` with `~` expanded, made absolute against the user's working directory.

    Args:
      path: str or os.PathLike.

    Returns:
      An absolute path (str); see `otzoo.paths.user_path`.
    """
    return user_path(os.fspath(path))


def default_tfds_data_dir(tfds_data_dir=None):
    """Returns the directory for prepared TFDS datasets (see the module docstring)."""
    for candidate in (
            tfds_data_dir,
            os.environ.get("OTZOO_TFDS_DATA_DIR"),
            os.environ.get("TFDS_DATA_DIR"),
    ):
        if candidate:
            return resolve_path(candidate)
    return os.path.join(os.path.expanduser("~"), "tensorflow_datasets")
