"""`--strategy=auto|one_device|mirrored|multi_worker` as a registry of constructors.

* `auto`: `MirroredStrategy` over all GPUs when there are any, else one device;
* `one_device`: `OneDeviceStrategy` on the first GPU, else the CPU;
* `mirrored`: `MirroredStrategy` over all GPUs, or over every logical CPU device when
  there is no GPU (what the tests use after splitting the CPU in two);
* `multi_worker`: `MultiWorkerMirroredStrategy` configured by the `TF_CONFIG`
  environment variable (one process per worker; see the README's multi-machine run).
"""

import json
import os

import tensorflow as tf

from otzoo.registry import Registry

STRATEGIES = Registry("strategy")


def _devices(kind):
    return [d.name for d in tf.config.list_logical_devices(kind)]


@STRATEGIES.register("one_device")
def one_device():
    gpus = _devices("GPU")
    return tf.distribute.OneDeviceStrategy(gpus[0] if gpus else "/cpu:0")


@STRATEGIES.register("mirrored")
def mirrored():
    return tf.distribute.MirroredStrategy(_devices("GPU") or _devices("CPU"))


@STRATEGIES.register("auto")
def auto():
    if len(_devices("GPU")) > 1:
        return mirrored()
    return one_device()


@STRATEGIES.register("multi_worker")
def multi_worker():
    tf_config = os.environ.get("TF_CONFIG")
    if not tf_config:
        raise ValueError(
            "--strategy=multi_worker needs the TF_CONFIG environment variable, e.g. "
            'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
            '"task": {"type": "worker", "index": 0}}\'')
    try:
        json.loads(tf_config)
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON: {e}") from None
    return tf.distribute.MultiWorkerMirroredStrategy()


def make_strategy(name):
    """Returns the `tf.distribute.Strategy` registered under `name`."""
    return STRATEGIES.get(name)()


def is_chief(strategy):
    """True on the worker that writes checkpoints, summaries and exports."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return task_type in (None, "chief") or (task_type == "worker" and task_id == 0
                                            and "chief" not in resolver.cluster_spec().as_dict())
