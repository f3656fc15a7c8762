"""Autoencoder-family train-step throughput on 28x28x1 data with the default conv networks.

    .venv/bin/python benchmarks/ae_bench.py                 # every variant, XLA off/on
    .venv/bin/python benchmarks/ae_bench.py --models=wae_mmd,swae:dsw --jit=off
    .venv/bin/python benchmarks/ae_bench.py --quick         # a smoke run (seconds)
    bazel run //benchmarks:ae_bench -- --quick

For every model it builds the zoo's default networks, `conv_encoder((28, 28, 1),
2 d_z or d_z, base_filters=32)` and `conv_decoder(d_z, (28, 28, 1), base_filters=32)`
(batch norm, as built by default; a sigmoid output for the SWAE's BCE+L1 cost, logits for
the Bernoulli VAE, tanh otherwise), d_z = 8 (WAE, MNIST), the WAE-GAN adversary of the
paper (z -> 4 x FC 512 -> 1) and each paper's hyperparameters (SWAE: L = 50; DSW: L =
1000 and 10 ascent steps; max-SW / max-GSW: 50 ascent steps from the best of 16 starts;
GSW: degree-3 polynomial), then times `train_step` in a `tf.function` on random data at
batch 64 on the default (one-device) strategy, with `jit_penalties` off and on.

Rows: `swae:<regularizer>`. The table gives steps/s and ms/step, medians over
`--repeats` timed blocks of `--steps` steps after `--warmup` untimed steps (tracing and
XLA compilation excluded).
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Run as a script from a checkout: make the repository root importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from otzoo.models import MODELS  # noqa: E402
from otzoo.models.autoencoder import Autoencoder  # noqa: E402
from otzoo.models.swae import REGULARIZERS  # noqa: E402
from otzoo.networks import conv_decoder, conv_encoder, mlp  # noqa: E402

# Every registered autoencoder; SWAE once per regularizer ("swae:<regularizer>").
ALL_MODELS = tuple(
        variant for name in MODELS.names() if issubclass(MODELS.get(name), Autoencoder)
        for variant in ([f"swae:{r}" for r in REGULARIZERS] if name == "swae" else [name]))
IMAGE_SHAPE = (28, 28, 1)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(ALL_MODELS))
    parser.add_argument("--jit", default="off,on", help="jit_penalties settings: off,on")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--latent_dim", type=int, default=8)
    parser.add_argument("--base_filters", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=3, help="timed blocks")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--quick", action="store_true", help="tiny run (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.base_filters, args.steps, args.repeats, args.warmup = 4, 2, 1, 1
    unknown = set(args.models.split(",")) - set(ALL_MODELS)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; known: {', '.join(ALL_MODELS)}")
    return args


def build(name, jit, args):
    keras.utils.set_random_seed(0)
    d = args.latent_dim
    model_name, _, regularizer = name.partition(":")
    cls = MODELS.get(model_name)
    encoder = conv_encoder(IMAGE_SHAPE, 2 * d if cls.requires_gaussian_encoder else d,
                           args.base_filters)
    activation = {"vae": None, "wae_gan": "tanh", "wae_mmd": "tanh"}.get(model_name,
                                                                       "sigmoid")
    decoder = conv_decoder(d, IMAGE_SHAPE, args.base_filters,
                           output_activation=activation)
    # The WAE-GAN adversary of the paper (z -> 4 x FC 512 -> 1) for every latent network.
    others = {role: mlp(d, 1, (512,) * 4, name=role) for role in cls.network_roles}
    options = {"regularizer": regularizer} if regularizer else {}
    model = cls(encoder, decoder, **others, jit_penalties=jit, **options)
    model.compile()
    return model


def time_model(name, jit, args):
    model = build(name, jit, args)
    rng = np.random.default_rng(0)
    # Data in [0, 1]: valid for every cost (BCE included) and the Bernoulli VAE.
    batches = [tf.constant(rng.uniform(0, 1, (args.batch_size,) + IMAGE_SHAPE),
                           tf.float32) for _ in range(4)]
    step = tf.function(model.train_step)
    for i in range(args.warmup):
        outputs = step(batches[i % 4])
    float(outputs["loss"])
    blocks = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.steps):
            outputs = step(batches[i % 4])
        float(outputs["loss"])  # wait for the last step
        blocks.append((time.perf_counter() - start) / args.steps)
    seconds = statistics.median(blocks)
    return {"model": name, "xla": "on" if jit else "off", "steps_s": 1 / seconds,
            "ms_step": 1e3 * seconds}


def main(argv=None):
    args = parse_args(argv)
    print(f"# batch {args.batch_size}, 28x28x1, latent {args.latent_dim}, base_filters "
          f"{args.base_filters}, {os.cpu_count()} CPUs, TF {tf.__version__}", flush=True)
    rows = []
    for name in args.models.split(","):
        for jit in [j == "on" for j in args.jit.split(",")]:
            rows.append(time_model(name, jit, args))
            print(f"  done {name} xla={'on' if jit else 'off'}", flush=True)
    print()
    print("| model | XLA penalties | steps/s | ms/step |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['xla']} | {r['steps_s']:.2f} | {r['ms_step']:.1f} |")
    return rows


if __name__ == "__main__":
    main()
