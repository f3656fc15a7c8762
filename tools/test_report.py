"""Reads what `bazel test //...` ran and checks it against what `pytest tests/` collects.

    python3 tools/test_report.py                       # after bazel test //...
    python3 tools/test_report.py --pytest_junit=F.xml  # also compare outcomes with
                                                       # `pytest tests/ --junitxml=F.xml`

Fails (exit 1) when a Bazel test target ran no passing test, when Bazel's test ids and
`pytest --collect-only tests/` differ, or (with --pytest_junit) when an outcome differs.
Its last line is the suite's count, "N passed, N failed, N skipped".
"""

import argparse
import collections
import glob
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _node_id(classname, name):
    """pytest's node id from JUnit's dotted classname (module path, then classes)."""
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        module = os.path.join(*parts[:cut]) + ".py"
        if os.path.exists(os.path.join(ROOT, module)):
            return "::".join([module, *parts[cut:], name])
    raise ValueError(f"no test file for JUnit classname {classname!r}")


def read_junit(path):
    """{node id: "passed" | "failed" | "skipped"} from a pytest JUnit XML file."""
    outcomes = {}
    for case in ElementTree.parse(path).iter("testcase"):
        tags = {child.tag for child in case}
        outcome = ("failed" if tags & {"failure", "error"} else
                   "skipped" if "skipped" in tags else "passed")
        outcomes[_node_id(case.get("classname"), case.get("name"))] = outcome
    return outcomes


def bazel_results(testlogs):
    """{target directory: {node id: outcome}} over every (sharded) pytest target."""
    results = collections.defaultdict(dict)
    for path in glob.glob(os.path.join(testlogs, "**", "test.xml"), recursive=True):
        target = os.path.relpath(os.path.dirname(path), testlogs)
        if os.path.basename(target).startswith("shard_"):
            target = os.path.dirname(target)
        if not target.startswith("tests" + os.sep):
            continue  # e.g. //tools:setup_scripts_test, an sh_test
        results[target].update(read_junit(path))
    return results


def pytest_collected():
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", "tests"],
                         cwd=ROOT, capture_output=True, text=True)
    ids = {line.strip() for line in out.stdout.splitlines() if "::" in line}
    if out.returncode != 0 or not ids:
        raise SystemExit(f"pytest --collect-only tests failed:\n{out.stdout}\n{out.stderr}")
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--testlogs", default=os.path.join(ROOT, "bazel-testlogs"))
    parser.add_argument("--pytest_junit", help="JUnit XML of a `pytest tests/` run")
    parser.add_argument("--skip_collect", action="store_true",
                        help="do not compare with `pytest --collect-only tests`")
    args = parser.parse_args()

    results = bazel_results(args.testlogs)
    problems = []
    for target, outcomes in sorted(results.items()):
        if "passed" not in outcomes.values():
            problems.append(f"{target}: no passing test ({len(outcomes)} ran)")
    bazel = {node: outcome for outcomes in results.values()
             for node, outcome in outcomes.items()}
    if not args.skip_collect:
        collected = pytest_collected()
        for node in sorted(collected - set(bazel)):
            problems.append(f"collected by pytest, not run by Bazel: {node}")
        for node in sorted(set(bazel) - collected):
            problems.append(f"run by Bazel, not collected by pytest: {node}")
    if args.pytest_junit:
        pytest_outcomes = read_junit(args.pytest_junit)
        for node in sorted(set(bazel) | set(pytest_outcomes)):
            a, b = bazel.get(node, "absent"), pytest_outcomes.get(node, "absent")
            if a != b:
                problems.append(f"{node}: {a} under Bazel, {b} under pytest tests/")

    counts = collections.Counter(bazel.values())
    for line in problems:
        print("test_report:", line)
    print(f"test_report: {len(results)} pytest targets, {len(bazel)} test ids")
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if problems or counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
