"""Exports of a training run: each checkpoint of a workdir is published once.

`<workdir>/last_export.json` records which checkpoint was exported where, so that
re-running a finished `train` command (nothing left to train) points at the existing
version instead of publishing the same weights again as a new one.
"""

import json
import os

from otzoo.export.writer import export_model

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


def export_run(model, config, export_root, workdir, summary, **export_kwargs):
    """Exports the run's last checkpoint unless it already was; returns (path, is_new).

    `export_kwargs` go to `export_model` (name, command, max_samples, ...).
    """
    previous = previous_export(workdir, summary, export_root)
    if previous:
        return previous, False
    path = export_model(model, config, export_root, summary=summary, **export_kwargs)
    with open(os.path.join(workdir, LAST_EXPORT), "w") as f:
        json.dump({"checkpoint": summary["checkpoint"], "path": path}, f)
    return path, True
