"""`--strategy=mirrored` through the command line, on two logical CPU devices.

`--cpu_devices=2` splits the CPU before TensorFlow uses it, so MirroredStrategy gets two
replicas. The run trains, checkpoints and exports like a one-device run, and takes the
same steps: the global batch is split across the replicas and every loss is computed on
the global batch, so the weights agree to float tolerance.
"""

import os
import sys

import numpy as np
import pytest

from tests.data import cli_common


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("mirrored"))
    folder = cli_common.write_idx_folder(os.path.join(tmp, "idx"), n=64, size=28,
                                         channels=1)
    data = f"--data=mnist:{folder}"
    return {
        strategy: cli_common.train_smoke(
            "swgan", os.path.join(tmp, strategy), data, f"--strategy={strategy}",
            *(["--cpu_devices=2"] if strategy == "mirrored" else []))
        for strategy in ("mirrored", "one_device")
    }


def test_mirrored_runs_on_two_replicas_and_exports(runs):
    _, export, stdout = runs["mirrored"]
    assert "with 2 replica(s)" in stdout, stdout
    cli_common.check_export(export, (28, 28, 1), latent_dim=32, autoencoder=False)


def test_two_replicas_take_the_one_device_steps(runs):
    import tensorflow as tf

    assert "with 1 replica(s)" in runs["one_device"][2]
    # Every kernel (weights and Adam slots) agrees, well within one step's change (Adam
    # moves each weight by about the learning rate, 5e-4). Vectors are left out: the bias
    # of a layer that a batch norm follows has a zero gradient in exact arithmetic, and
    # Adam turns its rounding noise into updates of 1e-5 of either sign.
    readers = {s: tf.train.load_checkpoint(os.path.join(runs[s][0], "checkpoints"))
               for s in runs}
    shapes = readers["one_device"].get_variable_to_shape_map()
    assert shapes == readers["mirrored"].get_variable_to_shape_map()
    kernels = [n for n, shape in shapes.items() if len(shape) >= 2
               and n.startswith(("model_variables/", "optimizer_variables/"))]
    assert len(kernels) >= 9, kernels  # 3 generator kernels, their 2 Adam slots each
    for name in kernels:
        one, two = (readers[s].get_tensor(name) for s in ("one_device", "mirrored"))
        np.testing.assert_allclose(two, one, rtol=1e-4, atol=1e-6, err_msg=name)
    # So the exported generators draw the same images from the same codes (up to those
    # biases, which reach the images through the batch norms' moving means).
    z = tf.random.stateless_uniform([16, 32], seed=[3, 4], minval=-1, maxval=1)
    one, two = (tf.saved_model.load(runs[s][1]).signatures["sample"](z=z)["images"].numpy()
                for s in ("one_device", "mirrored"))
    assert np.abs(one).max() > 0.01
    np.testing.assert_allclose(two, one, atol=1e-4)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"] + sys.argv[1:]))
