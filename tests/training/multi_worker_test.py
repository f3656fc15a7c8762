"""Two `MultiWorkerMirroredStrategy` workers on 127.0.0.1 train a few steps and agree.

Each worker is a separate `otzoo.train --strategy=multi_worker` process configured by
`TF_CONFIG`; after training, the chief's checkpoint and the other worker's scratch
checkpoint hold identical weights (the all-reduce kept the replicas in sync).
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

STEPS = 4


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _variables(checkpoint_dir):
    path = tf.train.latest_checkpoint(checkpoint_dir)
    assert path is not None, f"no checkpoint in {checkpoint_dir}"
    reader = tf.train.load_checkpoint(path)
    return {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()
            if "model" in n and "OBJECT_GRAPH" not in n}


def test_two_workers_agree(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(2)]}
    procs = []
    for index in range(2):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TF_CPP_MIN_LOG_LEVEL="2",
                   TF_CONFIG=json.dumps({"cluster": cluster,
                                         "task": {"type": "worker", "index": index}}))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "otzoo.train", "--model=swgan", "--variant=smoke",
             "--strategy=multi_worker", f"--workdir={tmp_path / 'work'}", "--export=false",
             f"--steps={STEPS}", f"--config.steps_per_epoch={STEPS}", "--verbose=2",
             "--config.sample_grids=false"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise
        outputs.append((proc.returncode, out, err))
    for code, out, err in outputs:
        assert code == 0, err[-3000:]
        assert "2 replica(s)" in out, out

    chief = _variables(str(tmp_path / "work" / "checkpoints"))
    worker = _variables(str(tmp_path / "work" / "tmp_worker" / "1"))
    assert chief.keys() == worker.keys() and chief
    for name in chief:
        np.testing.assert_allclose(chief[name], worker[name], rtol=1e-6, atol=1e-7,
                                   err_msg=name)
    assert any(np.abs(v).sum() > 0 for v in chief.values())  # weights, not empties


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
