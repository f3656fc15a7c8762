"""Every `*_test.py` under tests/ is a Bazel target that runs pytest on it.

Under Bazel the runfiles hold only declared files, so the check reads the source tree
itself (the runfiles are links into it). A test directory passes when its BUILD hands
`glob(["*_test.py"])` to `pytest_files` (tests/defs.bzl) and declares no test any other
way; a `*_test.py` in a directory without such a BUILD is a file whose tests never run.
"""

import ast
import os
import pathlib

import pytest

SOURCE_TESTS = pathlib.Path(os.path.realpath(__file__)).parents[1]


def _calls(build_text):
    """(function name, keyword arguments as source text) of each top-level call."""
    calls = []
    for node in ast.parse(build_text).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            name = call.func.id if isinstance(call.func, ast.Name) else ast.unparse(call.func)
            calls.append((name, {k.arg: ast.unparse(k.value) for k in call.keywords}))
    return calls


def problems(tests_root):
    """What keeps some test file of `tests_root` from running, one line per problem."""
    found = []
    directories = sorted({path.parent for path in tests_root.rglob("*_test.py")})
    for directory in directories:
        build = directory / "BUILD"
        where = directory.relative_to(tests_root.parent)
        if not build.exists():
            found.append(f"{where}: test files but no BUILD")
            continue
        calls = _calls(build.read_text())
        names = [name for name, _ in calls]
        if "py_test" in names:
            found.append(f"{where}/BUILD: a bare py_test (use pytest_files)")
        globs = [kw.get("srcs") for name, kw in calls if name == "pytest_files"]
        if "glob(['*_test.py'])" not in globs:
            found.append(f"{where}/BUILD: no pytest_files(srcs = glob([\"*_test.py\"]))")
    return found


def test_every_test_file_is_a_target():
    assert SOURCE_TESTS.joinpath("defs.bzl").exists(), SOURCE_TESTS
    assert problems(SOURCE_TESTS) == []


def test_the_check_finds_a_directory_without_targets(tmp_path):
    # Negative controls: each way of leaving a test file out is reported.
    tests = tmp_path / "tests"
    for name, build in {
        "ok": 'pytest_files(srcs = glob(["*_test.py"]), deps = [])\n',
        "bare": 'py_test(name = "a_test", srcs = ["a_test.py"])\n',
        "listed": 'pytest_files(srcs = ["a_test.py"])\n',
        "none": None,
    }.items():
        (tests / name).mkdir(parents=True)
        (tests / name / "a_test.py").write_text("def test_a():\n    pass\n")
        if build is not None:
            (tests / name / "BUILD").write_text(build)
    found = problems(tests)
    assert sorted({line.split(":")[0].split("/")[1] for line in found}) == [
            "bare", "listed", "none"]


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
