"""Exports of a training run: each checkpoint, and each set of weights, is published once.

`<workdir>/last_export.json` records which checkpoint was exported where, so that
re-running a finished `train` command (nothing left to train) points at the existing
version instead of publishing the same weights again as a new one. A run that did train
but reproduced the newest version bit for bit (same variable bytes, same program:
`otzoo.export.identity`) publishes nothing either, and its `last_export.json` points at
that version.
"""

import json
import os

from otzoo.export.prune import prune_versions
from otzoo.export.writer import export_version

LAST_EXPORT = "last_export.json"


def previous_export(workdir, summary, export_root):
    """The export of this run's checkpoint, if nothing was trained and it still exists."""
    if summary["resumed_from_step"] < summary["steps"]:
        return None
    try:
        with open(os.path.join(workdir, LAST_EXPORT)) as f:
            last = json.load(f)
    except (OSError, ValueError):
        return None
    same_root = os.path.dirname(os.path.dirname(last.get("path", ""))) == export_root
    if (last.get("checkpoint") == summary["checkpoint"] and same_root
            and os.path.isdir(last["path"])):
        return last["path"]
    return None


def export_run(model, config, export_root, workdir, summary, prune=False, **export_kwargs):
    """Exports the run's last checkpoint unless it already was; returns (path, is_new).

    `is_new` is False when the checkpoint was exported before or when its export would
    repeat the newest version exactly; `path` is then that existing version. With
    `prune`, older versions of every model under `export_root` are removed afterwards
    (`otzoo.export.prune`). `export_kwargs` go to `export_version` (name, command,
    max_samples, ...).
    """
    path = previous_export(workdir, summary, export_root)
    is_new = False
    if not path:
        path, is_new = export_version(model, config, export_root, summary=summary,
                                      skip_identical=True, **export_kwargs)
        with open(os.path.join(workdir, LAST_EXPORT), "w") as f:
            json.dump({"checkpoint": summary["checkpoint"], "path": path}, f)
    if prune:
        prune_versions(export_root)
    return path, is_new
