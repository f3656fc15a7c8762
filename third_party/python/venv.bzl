"""Registers the project's virtualenv as Bazel's Python toolchain.

The repository rule runs `tools/ensure_venv.sh`, which creates `<workspace>/.venv` from
`requirements.lock` (or does nothing when the venv already matches the lock file), and
points a `py_runtime` at that interpreter. Every `py_binary` / `py_test` then runs with
the pinned dependencies, from a fresh clone, without `rules_python` (not available
offline for Bazel 4.2.3).
"""

def _otzoo_venv_impl(rctx):
    workspace = rctx.path(Label("//:WORKSPACE")).dirname

    # Referencing these labels makes Bazel re-run this rule when they change.
    rctx.path(Label("//:requirements.lock"))
    script = rctx.path(Label("//tools:ensure_venv.sh"))

    result = rctx.execute(
        ["bash", str(script)],
        working_directory = str(workspace),
        timeout = 3600,
        quiet = False,
    )
    if result.return_code != 0:
        fail("tools/ensure_venv.sh failed (exit %d):\n%s\n%s" % (
            result.return_code,
            result.stdout,
            result.stderr,
        ))

    interpreter = "%s/.venv/bin/python3" % workspace
    rctx.file("BUILD", """\
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

py_runtime(
    name = "venv_py3",
    interpreter_path = "{interpreter}",
    python_version = "PY3",
)

py_runtime_pair(
    name = "venv_pair",
    py3_runtime = ":venv_py3",
)

toolchain(
    name = "toolchain",
    toolchain = ":venv_pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
""".format(interpreter = interpreter))

otzoo_venv = repository_rule(
    implementation = _otzoo_venv_impl,
    local = True,
    doc = "The project virtualenv as a Python toolchain.",
)
