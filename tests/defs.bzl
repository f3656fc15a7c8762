"""One way to run a test file: `pytest_files`, a py_test per `*_test.py` that runs pytest.

Every target runs `//tests:pytest_main.py`, which calls pytest on its one file with the
repository's `tests/conftest.py`, and fails when the file collects no test (a file whose
tests never run is a defect, not a pass). `bazel test //...` and `pytest tests/` thus run
the same test ids through the same hooks. `//tests/foundation:test_targets_test` fails
when a test directory's BUILD does not hand all its `*_test.py` files to this macro.
"""

def pytest_test(name, src, deps = [], data = [], size = "medium", **kwargs):
    """A py_test running pytest on `src` (a `*_test.py` file of this package)."""
    native.py_test(
        name = name,
        srcs = [src, "//tests:pytest_main.py"],
        main = "//tests:pytest_main.py",
        args = ["$(location %s)" % src],
        deps = deps + ["//tests:pytest_support"],
        data = data,
        size = size,
        **kwargs
    )

def pytest_files(srcs, deps = [], data = [], size = "medium", per_file = {}):
    """One `pytest_test` per file of `srcs`, named after the file.

    Args:
      srcs: the package's test files, as `glob(["*_test.py"])`.
      deps, data, size: what every target gets.
      per_file: {"<stem>": {"deps": [...], "data": [...], "size": ..., "shard_count": N}}
        for the files that need more (keys are checked: a stale name fails the build).
    """
    stems = [src[:-len(".py")] for src in srcs]
    for stem in per_file:
        if stem not in stems:
            fail("per_file names %s, which is not among the test files %s" % (stem, stems))
    for src, stem in zip(srcs, stems):
        extra = dict(per_file.get(stem, {}))
        pytest_test(
            name = stem,
            src = src,
            deps = deps + extra.pop("deps", []),
            data = data + extra.pop("data", []),
            size = extra.pop("size", size),
            **extra
        )
