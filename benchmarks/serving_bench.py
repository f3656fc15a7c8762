r"""Latency of the `sample` signature through the TF1 session loader (as TF Serving).

    bazel run //benchmarks:serving_bench -- --export=exported/swgan/4
    bazel run //benchmarks:serving_bench                 # newest exported/swgan version

Loads the SavedModel with `tf.compat.v1.saved_model.loader.load` into a session, feeds
`sample` a [n, latent_dim] batch of codes by tensor name, and reports the median (and
quartiles) of repeated calls after warm-up, next to `sample_n` and the same call through
`tf.saved_model.load` (TF2) as references measured in the same run.
"""

import os
import re
import time

from absl import app, flags
import numpy as np
import tensorflow as tf

flags.DEFINE_string("export", None, "A SavedModel version dir (default: newest swgan).")
flags.DEFINE_integer("n", 64, "Samples per request.")
flags.DEFINE_integer("repeats", 200, "Timed calls per measurement.")
flags.DEFINE_integer("warmup", 20, "Untimed calls first.")
FLAGS = flags.FLAGS


def _default_export():
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    base = os.path.join(root, "exported", "swgan")
    versions = sorted(int(d) for d in os.listdir(base) if re.fullmatch(r"\d+", d))
    if not versions:
        raise FileNotFoundError(f"no version in {base}; train one or pass --export")
    return os.path.join(base, str(versions[-1]))


def _time(call):
    for _ in range(FLAGS.warmup):
        call()
    times = []
    for _ in range(FLAGS.repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return np.percentile(np.array(times) * 1e3, [25, 50, 75])


def main(argv):
    del argv
    path = FLAGS.export or _default_export()
    rows = []
    with tf.compat.v1.Session(graph=tf.Graph()) as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
        sig = meta.signature_def["sample"]
        latent_dim = sig.inputs["z"].tensor_shape.dim[1].size
        z = np.random.default_rng(0).standard_normal((FLAGS.n, latent_dim)).astype(np.float32)
        fetch = sig.outputs["images"].name
        rows.append(("session `sample`", _time(lambda: sess.run(fetch, {sig.inputs["z"].name: z}))))
        sig_n = meta.signature_def["sample_n"]
        feed_n = {sig_n.inputs["num_samples"].name: FLAGS.n, sig_n.inputs["seed"].name: 0}
        rows.append(("session `sample_n`",
                     _time(lambda: sess.run(sig_n.outputs["images"].name, feed_n))))
    loaded = tf.saved_model.load(path)
    sample = loaded.signatures["sample"]
    z_tensor = tf.constant(z)
    rows.append(("TF2 `signatures['sample']`", _time(lambda: sample(z=z_tensor))))
    print(f"{path}, n={FLAGS.n}, {FLAGS.repeats} calls after {FLAGS.warmup} warm-up calls\n")
    print("| call | p25 ms | median ms | p75 ms |\n|---|---|---|---|")
    for name, (p25, p50, p75) in rows:
        print(f"| {name} | {p25:.2f} | {p50:.2f} | {p75:.2f} |")


if __name__ == "__main__":
    app.run(main)
