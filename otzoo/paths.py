"""Where user-given relative paths point, under `bazel run` and outside it.

`bazel run` starts binaries inside their runfiles tree; Bazel sets
`BUILD_WORKING_DIRECTORY` to the directory the user ran the command from. Relative
`--workdir` / `--export_dir` values are resolved against it, so exports land where the
user looks (e.g. `<repo>/exported/` when run from the repository root).
"""

import os
import tempfile


def user_path(path):
    """`path` made absolute relative to the user's working directory."""
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return path
    base = os.environ.get("BUILD_WORKING_DIRECTORY") or os.getcwd()
    return os.path.normpath(os.path.join(base, path))


def ensure_writable_dir(path):
    """Creates the directory `path` if needed and checks that a file can be written in it.

    Called before training, so that an unwritable `--workdir` or `--export_dir` stops the
    run at once instead of after hours of training.

    Raises:
      OSError: `path` (or a parent) is a file, or cannot be created or written; the
        exception's `filename` is the path concerned.
    """
    os.makedirs(path, exist_ok=True)
    # Creating a file is the test that cannot be wrong about permissions, ACLs or
    # read-only mounts (os.access answers for the real user id only).
    fd, probe = tempfile.mkstemp(prefix=".otzoo_write_check_", dir=path)
    os.close(fd)
    os.remove(probe)
    return path
