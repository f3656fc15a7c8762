"""Input-pipeline throughput (images/s) for Fashion-MNIST at a global batch of 256.

    .venv/bin/python benchmarks/data_bench.py                 # numpy backend (default)
    .venv/bin/python benchmarks/data_bench.py --backend=tfds  # TFDS builder, temp data dir
    bazel run //benchmarks:data_bench -- --steps=300

Prints: the time `load` takes (idx parsing, or the TFDS first build when the data dir is
new), the first-epoch throughput (cache being filled), and the steady-state throughput
after warm-up over `--steps` batches, for `make_input_pipeline(load("fashion_mnist"),
256)` (cache, full-size shuffle, repeat, batch with drop_remainder, prefetch). Each batch
is pulled to the host (`.numpy()`), as a training loop would consume it.

With --backend=tfds and no --tfds_data_dir, TFRecords are written to a temporary
directory that is removed afterwards, so the first-build time is always measured.
"""

import os
import shutil
import tempfile
import time

from absl import app, flags

import otzoo.data

FLAGS = flags.FLAGS
flags.DEFINE_integer("batch_size", 256, "Global batch size.")
flags.DEFINE_integer("warmup", 250, "Batches before timing (>= 235 fills the cache).")
flags.DEFINE_integer("steps", 300, "Timed batches.")
flags.DEFINE_enum("backend", "numpy", ["numpy", "tfds"], "otzoo.data backend.")
flags.DEFINE_string("tfds_data_dir", None, "TFDS data dir (default: a fresh temp dir).")
flags.DEFINE_bool("cache", True, "make_input_pipeline(cache=...).")


def _rate(iterator, steps, batch_size):
    start = time.perf_counter()
    for _ in range(steps):
        next(iterator).numpy()
    elapsed = time.perf_counter() - start
    return steps * batch_size / elapsed, elapsed


def main(argv):
    del argv
    tmp = None
    options = {"backend": FLAGS.backend}
    if FLAGS.backend == "tfds":
        tmp = None if FLAGS.tfds_data_dir else tempfile.mkdtemp(prefix="otzoo_tfds_bench_")
        options["tfds_data_dir"] = FLAGS.tfds_data_dir or tmp
    try:
        start = time.perf_counter()
        ds = otzoo.data.load("fashion_mnist", "train", **options)
        load_s = time.perf_counter() - start
        pipeline = otzoo.data.make_input_pipeline(ds, FLAGS.batch_size, seed=0,
                                                  cache=FLAGS.cache)
        iterator = iter(pipeline)
        epoch_steps = otzoo.data.steps_per_epoch(ds, FLAGS.batch_size)
        first, first_s = _rate(iterator, min(FLAGS.warmup, epoch_steps), FLAGS.batch_size)
        if FLAGS.warmup > epoch_steps:
            _rate(iterator, FLAGS.warmup - epoch_steps, FLAGS.batch_size)
        steady, steady_s = _rate(iterator, FLAGS.steps, FLAGS.batch_size)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"fashion_mnist train, backend={FLAGS.backend}, batch {FLAGS.batch_size}, "
          f"cache={FLAGS.cache}, {os.cpu_count()} CPUs")
    print(f"  load():                       {load_s:8.2f} s"
          + ("  (includes the TFDS first build)" if tmp else ""))
    print(f"  first {min(FLAGS.warmup, epoch_steps)} batches (cache filling): "
          f"{first:10,.0f} images/s ({first_s:.2f} s)")
    print(f"  steady state, {FLAGS.steps} batches:     {steady:10,.0f} images/s "
          f"({steady_s:.2f} s)")


if __name__ == "__main__":
    app.run(main)
