r"""Keeps only the newest version of each exported model and rewrites `models.config`.

    bazel run //otzoo/export:prune -- [--export_dir=exported] [--dry_run]
    python -m otzoo.export.prune --export_dir=exported

For every `<export_dir>/<name>/` that holds integer versions (what TF Serving serves;
`real_floor/` and hidden directories hold none), every version but the newest is
removed, with its `eval/`. Then `models.config` is written again from what is on disk.
TF Serving's default version policy serves only the newest version, so a running server
keeps serving what it served. A version is first renamed to a hidden sibling (one
`rename(2)`: a watching server, which ignores hidden directories, sees it go whole,
never half-deleted) and then deleted. `--dry_run` lists what would go and changes
nothing. The same step runs after an export with `--prune` (//otzoo:export).
"""

import os
import shutil
import sys
import tempfile

from absl import app, flags

from otzoo.export.writer import existing_versions, write_models_config
from otzoo.paths import user_path

FLAGS = flags.FLAGS


def stale_versions(export_root):
    """{name: [every version but the newest]} under `export_root`, sorted by name."""
    stale = {}
    for name in sorted(os.listdir(export_root)):
        model_dir = os.path.join(export_root, name)
        if name.startswith(".") or not os.path.isdir(model_dir):
            continue
        versions = existing_versions(model_dir)
        if len(versions) > 1:
            stale[name] = versions[:-1]
    return stale


def remove_version(version_dir):
    """Removes a version directory: a rename out of TF Serving's sight, then a delete."""
    parent, version = os.path.split(version_dir)
    hidden = tempfile.mkdtemp(prefix=f".pruned-{version}-", dir=parent)
    os.rename(version_dir, os.path.join(hidden, version))
    shutil.rmtree(hidden)


def prune_versions(export_root, dry_run=False):
    """Removes all but the newest version of each model; returns {name: [removed]}.

    Rewrites `<export_root>/models.config` (unless `dry_run`, which changes nothing).
    """
    if not os.path.isdir(export_root):
        raise FileNotFoundError(f"export directory {export_root} does not exist")
    stale = stale_versions(export_root)
    if dry_run:
        return stale
    for name, versions in stale.items():
        for version in versions:
            remove_version(os.path.join(export_root, name, str(version)))
    write_models_config(os.path.abspath(export_root))
    return stale


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    export_root = user_path(FLAGS.export_dir)
    try:
        removed = prune_versions(export_root, dry_run=FLAGS.dry_run)
    except FileNotFoundError as error:
        print(f"otzoo: error: {error}", file=sys.stderr)
        return 2
    verb = "would remove" if FLAGS.dry_run else "removed"
    for name, versions in removed.items():
        kept = existing_versions(os.path.join(export_root, name))[-1]
        print(f"otzoo: {name}: {verb} version(s) {', '.join(map(str, versions))}; "
              f"keeps {kept}")
    if not removed:
        print(f"otzoo: {export_root}: one version per model already; nothing to remove")
    if not FLAGS.dry_run:
        print(f"otzoo: wrote {os.path.join(export_root, 'models.config')}")
    return 0


def run():
    """Command-line entry point. Its flags are defined here, not on import, so that the
    export command, which has an `--export_dir` of its own, can import this module."""
    flags.DEFINE_string("export_dir", "exported", "Root of the exported SavedModels.")
    flags.DEFINE_bool("dry_run", False,
                      "List the versions that would be removed; remove none.")
    app.run(main)


if __name__ == "__main__":
    run()
