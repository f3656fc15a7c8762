"""Where the evaluation finds `exported/`, under `bazel run`, `bazel test` and plain Python.

`bazel run` starts binaries inside their runfiles tree and sets
`BUILD_WORKSPACE_DIRECTORY` (the workspace root) and `BUILD_WORKING_DIRECTORY` (where the
user typed the command). The default `exported/` is the one at the workspace root (so
`bazel run //otzoo:evaluate` finds the zoo from any directory); a path the user gives is
relative to where the user typed it (as `otzoo.paths.user_path` does for training).
Outside Bazel the workspace root is the repository holding this file.
"""

import os

from otzoo.paths import user_path

EXPORT_DIR = "exported"
CLASSIFIER_DIR = os.path.join(EXPORT_DIR, "classifier")


def workspace_root():
    """The otzoo workspace root (`BUILD_WORKSPACE_DIRECTORY`, else the repo of this file)."""
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if root:
        return root
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def resolve(path, default):
    """`path` as the user meant it; `default` (relative to the workspace root) if unset."""
    if path:
        return user_path(path)
    return os.path.join(workspace_root(), default)
