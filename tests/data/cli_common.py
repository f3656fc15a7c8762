"""Shared by the command-line data tests: small datasets the tests write, the CLI as a
subprocess, and checks of an export's signatures.

The datasets are synthetic shapes (a filled circle, square or triangle, one class each,
in random colours, sizes and places), so that a few hundred images are a real
distribution and are written in well under a second.
"""

import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw

#: The repository root, the directory the tests run the command from.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = ("circle", "square", "triangle")


def shapes(n, size, channels, seed=0):
    """(uint8 images [n, size, size, channels], int labels [n]) of synthetic shapes."""
    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, channels), np.uint8)
    labels = np.arange(n) % len(CLASSES)
    for i, label in enumerate(labels):
        mode, colours = ("RGB", 3) if channels == 3 else ("L", 1)
        background = tuple(int(v) for v in rng.integers(0, 96, colours))
        ink = tuple(int(v) for v in rng.integers(128, 256, colours))
        img = Image.new(mode, (size, size), background if colours == 3 else background[0])
        draw = ImageDraw.Draw(img)
        r = rng.uniform(0.15, 0.35) * size
        cx, cy = rng.uniform(r, size - r, 2)
        fill = ink if colours == 3 else ink[0]
        if CLASSES[label] == "circle":
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        elif CLASSES[label] == "square":
            draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fill)
        else:
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fill)
        images[i] = np.asarray(img, np.uint8).reshape(size, size, channels)
    return images, labels


def write_image_folder(root, n, size, channels=3, seed=0):
    """`root/<class>/<i>.png` for n synthetic shapes; returns root."""
    images, labels = shapes(n, size, channels, seed)
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = os.path.join(root, CLASSES[label])
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(image[..., 0] if channels == 1 else image).save(
            os.path.join(folder, f"{i:04d}.png"))
    return root


def idx_bytes(array):
    """An idx file's bytes (big-endian header, then the uint8 array), written with struct
    independently of otzoo's reader."""
    array = np.ascontiguousarray(array, np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    return header + struct.pack(">" + "I" * array.ndim, *array.shape) + array.tobytes()


def write_idx_folder(root, n, size, channels, seed=0):
    """An MNIST-format folder with a train split only: train-images-idx{3,4}-ubyte.gz
    ([n, size, size] when grey, the idx4 [n, size, size, channels] otherwise) and
    train-labels-idx1-ubyte.gz. Returns root."""
    images, labels = shapes(n, size, channels, seed)
    os.makedirs(root, exist_ok=True)
    if channels == 1:
        images = images[..., 0]
    for kind, array in (("images", images), ("labels", labels)):
        name = f"train-{kind}-idx{array.ndim}-ubyte.gz"
        with gzip.open(os.path.join(root, name), "wb") as f:
            f.write(idx_bytes(array))
    return root


def run_cli(*args, cwd=REPO, timeout=900, **env):
    """`python -m otzoo.train ARGS` from the repository root; the CompletedProcess."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in sys.path),
               **env)
    return subprocess.run([sys.executable, "-m", "otzoo.train", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def train_smoke(model, tmp_dir, *data_args, extra=()):
    """Trains `model`'s smoke variant on the data of `data_args` and exports it.

    Returns (workdir, export path, stdout); fails with the output on a non-zero exit.
    """
    workdir = os.path.join(tmp_dir, "runs", model)
    export_dir = os.path.join(tmp_dir, "exported")
    proc = run_cli(f"--model={model}", "--variant=smoke", f"--workdir={workdir}",
                   f"--export_dir={export_dir}", "--verbose=2", *data_args, *extra)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    with open(os.path.join(workdir, "last_export.json")) as f:
        path = json.load(f)["path"]
    return workdir, path, proc.stdout


def check_export(path, shape, latent_dim, autoencoder):
    """The export's `sample` gives images of `shape`; `encode` takes them (and only them)."""
    import tensorflow as tf

    loaded = tf.saved_model.load(path)
    z = tf.random.stateless_normal([3, latent_dim], seed=[1, 2])
    images = loaded.signatures["sample"](z=z)["images"]
    assert tuple(images.shape) == (3, *shape)
    assert np.all(np.isfinite(images.numpy()))
    with open(os.path.join(path, "model_card.json")) as f:
        assert tuple(json.load(f)["data"]["shape"]) == tuple(shape)
    if not autoencoder:
        assert "encode" not in loaded.signatures
        return
    codes = loaded.signatures["encode"](images=images)["z"]
    assert tuple(codes.shape) == (3, latent_dim)
    reconstructions = loaded.signatures["reconstruct"](images=images)["reconstructions"]
    assert tuple(reconstructions.shape) == (3, *shape)
    other = (28, 28, 1) if tuple(shape) != (28, 28, 1) else (32, 32, 3)
    try:
        loaded.signatures["encode"](images=tf.zeros([1, *other]))
    except tf.errors.InvalidArgumentError as e:
        assert "encode: images must have shape" in str(e)
    else:
        raise AssertionError(f"encode took images of shape {other}; expected only {shape}")
