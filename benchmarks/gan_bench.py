"""GAN-family train-step throughput on 28x28x1 data with the default conv networks.

    .venv/bin/python benchmarks/gan_bench.py                  # all six, XLA penalties off/on
    .venv/bin/python benchmarks/gan_bench.py --models=wgan_gp,swgan --jit=off
    .venv/bin/python benchmarks/gan_bench.py --models=swgan,swgan_d --num_projections=1000
    .venv/bin/python benchmarks/gan_bench.py --quick          # a smoke run (seconds)
    bazel run //benchmarks:gan_bench -- --quick

For every model it builds the zoo's default networks (`conv_decoder(latent_dim,
(28, 28, 1), base_filters=32)` and `conv_encoder((28, 28, 1), 1, base_filters=32)`)
and the paper-default hyperparameters (L = 10^4 projections for `swgan` / `swgan_d`),
then times `train_step` in a `tf.function` on random [-1, 1] data at batch B = 64 per
real batch, on the default (one-device) strategy, with `jit_penalties` off and on.

One train step consumes `real_batches_per_step` * B images: 1 for GAN / SWGAN /
SWGAN-D / max-SWGAN, 5 for WGAN-GP (5 critic updates + 1 generator update) and WGAN
(5 critic updates + a generator update once the schedule allows it; the step costs the
same either way). The table gives steps/s, ms/step, critic (or discriminator) updates/s
and real images/s, medians over `--repeats` timed blocks of `--steps` steps after
`--warmup` untimed steps (tracing and XLA compilation excluded).
"""

import argparse
import inspect
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
from otzoo.models.adversarial import AdversarialModel  # noqa: E402
from otzoo.networks import conv_decoder, conv_encoder  # noqa: E402

# Every registered GAN-family model and the networks it takes beside the generator.
ALL_MODELS = tuple(name for name in MODELS.names()
                   if issubclass(MODELS.get(name), AdversarialModel))
ROLES = {name: MODELS.get(name).network_roles for name in ALL_MODELS}
IMAGE_SHAPE = (28, 28, 1)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(ALL_MODELS))
    parser.add_argument("--jit", default="off,on", help="jit_penalties settings: off,on")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--latent_dim", type=int, default=64)
    parser.add_argument("--base_filters", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=3, help="timed blocks")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--num_projections", type=int, default=None,
                        help="L of swgan / swgan_d (default: the paper's 10^4)")
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
    networks = {"generator": conv_decoder(args.latent_dim, IMAGE_SHAPE, args.base_filters,
                                          name="generator")}
    for role in ROLES[name]:
        networks[role] = conv_encoder(IMAGE_SHAPE, 1, args.base_filters, name=role)
    options = {}
    if args.num_projections and "num_projections" in inspect.signature(
            MODELS.get(name)).parameters:
        options["num_projections"] = args.num_projections
    model = MODELS.get(name)(**networks, jit_penalties=jit, seed=0, **options)
    model.compile()
    return model


def time_model(name, jit, args):
    model = build(name, jit, args)
    k = model.real_batches_per_step
    rng = np.random.default_rng(0)
    batches = [tf.constant(rng.uniform(-1, 1, (k * args.batch_size,) + IMAGE_SHAPE),
                           tf.float32) for _ in range(4)]
    step = tf.function(model.train_step)
    for i in range(args.warmup):
        outputs = step(batches[i % 4])
    float(next(iter(outputs.values())))
    blocks = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.steps):
            outputs = step(batches[i % 4])
        float(next(iter(outputs.values())))  # wait for the last step
        blocks.append((time.perf_counter() - start) / args.steps)
    seconds = statistics.median(blocks)
    critic_updates = k if ROLES[name] else 0
    return {"model": name, "xla": "on" if jit else "off", "steps_s": 1 / seconds,
            "ms_step": 1e3 * seconds, "critic_s": critic_updates / seconds,
            "images_s": k * args.batch_size / seconds}


def main(argv=None):
    args = parse_args(argv)
    print(f"# batch {args.batch_size}, 28x28x1, latent {args.latent_dim}, base_filters "
          f"{args.base_filters}, L {args.num_projections or 10_000}, {os.cpu_count()} "
          f"CPUs, TF {tf.__version__}", flush=True)
    rows = []
    for name in args.models.split(","):
        for jit in [j == "on" for j in args.jit.split(",")]:
            rows.append(time_model(name, jit, args))
            print(f"  done {name} xla={'on' if jit else 'off'}", flush=True)
    print()
    print("| model | XLA penalties | steps/s | ms/step | critic updates/s | real images/s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['xla']} | {r['steps_s']:.2f} | {r['ms_step']:.1f} | "
              f"{r['critic_s']:.2f} | {r['images_s']:.0f} |")
    return rows


if __name__ == "__main__":
    main()
