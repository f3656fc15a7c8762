"""The main of every Bazel test target: pytest on one file (see tests/defs.bzl).

Exit status: pytest's, except that a file collecting no test fails (pytest's 5 becomes 1),
and a shard that received none of a file's tests passes (Bazel's test sharding splits a
file's tests across processes; `tests/conftest.py` does the split).
"""

import os
import sys

import pytest


def _drop_own_directory_from_path():
    # Python puts this script's folder, tests/, first on sys.path; its sub-packages
    # tests/ot and tests/examples would then shadow POT's `ot` and the repo's `examples`.
    here = {os.path.dirname(os.path.abspath(__file__)),
            os.path.dirname(os.path.realpath(__file__))}  # Python may resolve links
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) not in here
                   and os.path.abspath(p or os.curdir) not in here]


def main(argv):
    if len(argv) < 2:
        raise SystemExit("usage: pytest_main.py TEST_FILE [pytest args...]")
    _drop_own_directory_from_path()
    test_file, extra = argv[1], argv[2:]
    args = [test_file, "-q", "-p", "no:cacheprovider", "-rfEs", *extra]
    if os.environ.get("XML_OUTPUT_FILE"):  # Bazel reads per-test results from it
        args.append("--junitxml=" + os.environ["XML_OUTPUT_FILE"])
    status = pytest.main(args)
    if status == pytest.ExitCode.NO_TESTS_COLLECTED:
        if os.environ.get("OTZOO_SHARD_GOT_NONE"):
            return 0
        print(f"FAILED: {test_file} collected no test", file=sys.stderr)
        return 1
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
