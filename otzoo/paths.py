"""Where user-given relative paths point, under `bazel run` and outside it.

`bazel run` starts binaries inside their runfiles tree; Bazel sets
`BUILD_WORKING_DIRECTORY` to the directory the user ran the command from. Relative
`--workdir` / `--export_dir` values are resolved against it, so exports land where the
user looks (e.g. `<repo>/exported/` when run from the repository root).
"""

import os


def user_path(path):
    """`path` made absolute relative to the user's working directory."""
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return path
    base = os.environ.get("BUILD_WORKING_DIRECTORY") or os.getcwd()
    return os.path.normpath(os.path.join(base, path))
