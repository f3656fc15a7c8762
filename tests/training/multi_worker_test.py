"""Two `MultiWorkerMirroredStrategy` workers on 127.0.0.1 train as one device would, and
only the chief exports.

Each worker is a separate `otzoo.train --strategy=multi_worker` process configured by
`TF_CONFIG`. After training:
* the chief's checkpoint (weights, optimizer state, seed state) equals, to float
  tolerance, a one-device run fed the same global batches (each step's global batch is
  worker 0's per-replica batch followed by worker 1's: every worker reads its shard of
  the data, see `otzoo.data.make_input_pipeline`);
* worker 1's scratch checkpoint holds the same values;
* exactly one export version exists, written by worker 0, and the non-chief's scratch
  directory holds no export; the export samples what the one-device model samples.
"""

import json
import os
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import otzoo.data
from otzoo.export.writer import existing_versions
from otzoo.training import trainer
from tests.training import common

STEPS, PER_EPOCH = 4, 2
ATTEMPTS = 3  # launches with fresh ports before giving up (see `_run_two_workers`)
BIND_FAILED = "Could not start gRPC server"  # TF's error when a worker's port is taken
# Plain SGD instead of the config's Adam: the biases that feed batch norm have gradients
# that are zero in exact arithmetic, i.e. float noise that depends on the summation
# order; Adam divides by their root mean square and turns that noise into steps of the
# learning rate's size (observed: 4e-5 on a 5e-5 bias), SGD keeps it at lr * 1e-9. The
# comparison is of the distribution, which treats every optimizer alike.
OVERRIDES = {"steps": STEPS, "steps_per_epoch": PER_EPOCH, "sample_grids": False,
             "compile.generator_optimizer": {"class_name": "SGD",
                                             "config": {"learning_rate": 0.1}}}
CONFIG_FILE = f"""
from tests.training import common


def get_config():
    return common.smoke_config("swgan", **{OVERRIDES!r})
"""


def _config():
    return common.smoke_config("swgan", **OVERRIDES)


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _launch(root):
    """Starts both workers on fresh ports and waits; returns [(code, stdout, stderr)].

    When a worker fails, the other is killed at once instead of being left waiting for
    its peer. Output goes to files: pipes that nobody reads while polling could fill up
    and block a worker.
    """
    cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(2)]}
    config_file = root / "config.py"
    config_file.write_text(CONFIG_FILE)
    procs, logs = [], []
    for index in range(2):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2",
                   TF_CONFIG=json.dumps({"cluster": cluster,
                                         "task": {"type": "worker", "index": index}}))
        out, err = root / f"worker{index}.out", root / f"worker{index}.err"
        with open(out, "w") as stdout, open(err, "w") as stderr:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "otzoo.train", f"--config={config_file}",
                 "--strategy=multi_worker", f"--workdir={root / 'work'}",
                 f"--export_dir={root / 'exported'}", "--verbose=2"],
                env=env, stdout=stdout, stderr=stderr))
        logs.append((out, err))
    deadline = time.monotonic() + 600
    try:
        while any(p.poll() is None for p in procs):
            if any(p.poll() not in (None, 0) for p in procs):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"workers still running after 600 s; logs in {root}")
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
    return [(p.returncode, out.read_text(), err.read_text()) for p, (out, err)
            in zip(procs, logs)]


def _run_two_workers(tmp_path):
    """Runs the two workers; returns (root directory, [(code, stdout, stderr)]).

    TF_CONFIG needs the ports before the workers start, and TF's gRPC server binds
    0.0.0.0:<port> itself, without SO_REUSEPORT, so the port cannot stay reserved by a
    socket of ours (tried: "Could not start gRPC server"). Another process can take a
    free port between `_free_ports` and the worker's bind. That race is made harmless:
    a worker that cannot bind fails within seconds with BIND_FAILED, the attempt is
    dropped (both workers killed, their directories left alone) and the launch repeats
    with fresh ports and fresh directories, at most ATTEMPTS times. Any other failure
    fails the test at once.
    """
    for attempt in range(ATTEMPTS):
        root = tmp_path / f"attempt{attempt}"
        root.mkdir()
        results = _launch(root)
        if all(code == 0 for code, _, _ in results):
            return root, results
        if not any(code != 0 and BIND_FAILED in err for code, _, err in results):
            details = "\n".join(f"worker {i}: exit {code}\n{err[-3000:]}"
                                for i, (code, _, err) in enumerate(results))
            pytest.fail(f"multi-worker training failed:\n{details}")
    pytest.fail(f"a worker's port was taken in all {ATTEMPTS} attempts ({BIND_FAILED})")


def _checkpoint_values(path):
    reader = tf.train.load_checkpoint(path)
    return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()
            if n.startswith(("model_variables", "optimizer_variables", "step"))}


def _one_device_run(config, workdir):
    """What `trainer.train` does on one device, fed the two workers' global batches."""
    keras.utils.set_random_seed(config.seed)
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    model = trainer.build_compiled_model(config, strategy, tuple(config.data.shape))
    dataset = otzoo.data.load(config.data.name, split="train", **config.data.options)
    workers = [otzoo.data.make_input_pipeline(dataset.shard(2, i), config.batch_size // 2,
                                              seed=config.seed) for i in range(2)]
    global_batches = tf.data.Dataset.zip(tuple(workers)).map(
        lambda a, b: tf.concat([a, b], axis=0))
    model.fit(global_batches, epochs=1, steps_per_epoch=STEPS, verbose=0)
    step = tf.Variable(STEPS, dtype=tf.int64)
    path = trainer.make_checkpoint(model, step).write(os.path.join(workdir, "one_device"))
    return model, path


def test_two_workers_equal_one_device_and_only_the_chief_exports(tmp_path):
    config = _config()
    root, results = _run_two_workers(tmp_path)
    for _, out, _ in results:
        assert "2 replica(s)" in out, out

    chief_path = tf.train.latest_checkpoint(str(root / "work" / "checkpoints"))
    assert chief_path is not None and chief_path.endswith(f"ckpt-{STEPS}"), chief_path
    chief = _checkpoint_values(chief_path)
    worker = _checkpoint_values(tf.train.latest_checkpoint(
        str(root / "work" / "tmp_worker" / "1")))
    model, single_path = _one_device_run(config, str(tmp_path))
    single = _checkpoint_values(single_path)

    assert chief.keys() == single.keys() == worker.keys()
    assert len(chief) > 15 and any(n.startswith("optimizer_variables") for n in chief)
    for name in chief:
        np.testing.assert_allclose(chief[name], single[name], rtol=1e-5, atol=1e-7,
                                   err_msg=f"{name}: 2 workers vs one device")
        np.testing.assert_array_equal(chief[name], worker[name], err_msg=name)
    # The runs trained: the weights moved away from their initial values.
    keras.utils.set_random_seed(config.seed)
    initial = trainer.build_compiled_model(config, tf.distribute.OneDeviceStrategy("/cpu:0"),
                                           tuple(config.data.shape))
    kernel = initial.generator.trainable_variables[0]
    name = [n for n in chief if n.startswith("model_variables/")
            and chief[n].shape == tuple(kernel.shape)][0]
    moved = np.abs(chief[name] - kernel.numpy()).max()
    assert moved > 1e-3, (name, moved)

    # Exactly one export, by worker 0; no export anywhere in the workdir.
    (_, out0, _), (_, out1, _) = results
    assert "otzoo: exported" in out0 and "otzoo: exported" not in out1, (out0, out1)
    assert existing_versions(str(root / "exported" / "swgan")) == [1]
    assert sorted(os.listdir(root / "exported")) == ["models.config", "swgan"]
    assert sorted(os.listdir(root / "exported" / "swgan")) == ["1"]  # no hidden leftovers
    leaked = [os.path.join(d, f) for d, _, files in os.walk(root / "work") for f in files
              if f == "saved_model.pb"]
    assert not leaked, leaked
    card = json.loads((root / "exported" / "swgan" / "1" / "model_card.json").read_text())
    assert card["training"]["checkpoint"] == f"ckpt-{STEPS}"

    # The export samples what the one-device model samples.
    z = model.sample_prior_stateless(4, [7, 0])
    served = tf.saved_model.load(str(root / "exported" / "swgan" / "1"))
    images = served.signatures["sample"](z=z)["images"]
    np.testing.assert_allclose(images.numpy(), model.sample(z).numpy(), rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
