"""Shared by every test process, whether Bazel runs one file or `pytest tests/` runs all.

- Two logical CPU devices, configured before any TensorFlow op, so that the 1-vs-2-replica
  tests run in any process, whatever ran first. One-device code is unaffected: it places
  everything on the first CPU.
- Bazel test sharding (`shard_count` on a target, see tests/defs.bzl): the file's tests
  are dealt round-robin over the shards, in collection order.
"""

import os

from otzoo import testing

testing.split_cpu_into_logical_devices(2)


def pytest_collection_modifyitems(config, items):
    total = int(os.environ.get("TEST_TOTAL_SHARDS", "1"))
    if total <= 1:
        return
    index = int(os.environ["TEST_SHARD_INDEX"])
    status_file = os.environ.get("TEST_SHARD_STATUS_FILE")
    if status_file:  # tells Bazel that this runner shards
        open(status_file, "a").close()
    if not items:
        return  # pytest_main reports the empty file
    mine = [item for i, item in enumerate(items) if i % total == index]
    deselected = [item for i, item in enumerate(items) if i % total != index]
    config.hook.pytest_deselected(items=deselected)
    items[:] = mine
    if not mine:
        os.environ["OTZOO_SHARD_GOT_NONE"] = "1"
