"""Shared plumbing of the talk-reproduction examples: flags, tables, figures, claims.

Each example is a thin `main` over a `run(quick, output_dir)` function that tests call;
this module holds what they share so that each example file reads like the claim it
reproduces.
"""

import argparse
import os

# Quiet TensorFlow's C++ start-up logs before anything imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # headless: figures go to PNG files only
import matplotlib.pyplot as plt  # noqa: E402,F401  (re-exported for the examples)

from otzoo import paths  # noqa: E402

DEFAULT_OUTPUT_DIR = "examples/figures"
# Figures are committed: a modest resolution keeps each PNG well under ~200 KB.
FIGURE_DPI = 90


class ClaimFailed(AssertionError):
    """A claim the example reproduces did not hold on the numbers it computed."""


def check(condition, message):
    """Raises ClaimFailed(message) unless `condition`; prints the claim otherwise."""
    if not bool(condition):
        raise ClaimFailed(message)
    print(f"  [ok] {message}")


def parse_args(description, argv=None):
    """The flags every example takes: --output_dir and --quick."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--output_dir", default=DEFAULT_OUTPUT_DIR,
                        help="where the PNG figure goes; relative paths are resolved "
                             "against the directory `bazel run` was started from")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes (seconds), for the tests")
    return parser.parse_args(argv)


def output_directory(path):
    """`path` resolved like every user path of otzoo, created if missing."""
    path = paths.user_path(path)
    os.makedirs(path, exist_ok=True)
    return path


def save_figure(figure, output_dir, name):
    """Writes `figure` to output_dir/name (PNG), closes it and returns the path."""
    path = os.path.join(output_directory(output_dir), name)
    figure.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight")
    plt.close(figure)
    print(f"figure: {path} ({os.path.getsize(path) / 1024:.0f} KB)")
    return path


def format_cell(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def print_table(title, headers, rows):
    """A small fixed-width table on stdout."""
    cells = [[format_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
