"""SWGAN: more random projections, better samples at the same number of steps.

The sliced-Wasserstein generator (Deshpande et al. 2018) has no critic: every step draws
L directions theta_l uniformly on the sphere of the d = 784 pixel space and descends

    SW_2^2(P_data, P_G) ~ 1/L sum_l 1/n sum_i (sort(<theta_l, x>)_i - sort(<theta_l, G(z)>)_i)^2

on a batch of n real and n generated images (the sorted matching is the exact 1-D
transport along theta_l). Each term is unbiased for the batch's SW_2^2 whatever L is,
but a random direction is nearly orthogonal to a given image difference v
(E <theta, v>^2 = |v|^2 / d): with L << d a step sees, and corrects, only a few of the
784 directions, so its gradient is a noisy sliver of the full one. At a fixed budget of
steps, L = 10 should lag behind L >= d; the price is a step whose cost grows ~ L (a
[n, d] x [d, L] projection and L sorts).

The example trains the zoo's own `swgan` (zoo_configs/swgan.py: DCGAN-style generator,
32 base filters, batch 256, Adam(5e-4, 0.5), uniform prior: the shipped default's
recipe) with `otzoo.training.train`
for the same steps, batch, seed and initial weights at L = 10, 100, 1000, 10^4
(`model_kwargs.num_projections`), then scores each generator with FID-FMNIST (the
features of the project's frozen classifier `exported/classifier`, newest version) and
the pixel-space SW_2 (`otzoo.evaluation.metrics.transport.sliced_w2`, 1000 fixed directions),
both on the same generated images against the same Fashion-MNIST test images.

What it asserts (full: 2000 steps of batch 256 per L; quick: L in {10, 1000}, 60 steps):
1. Training lowers the loss it minimises: the mean sw_loss of the last epoch is below
   that of the first (the trainer's logged SW_2^2 estimate, at every L).
2. Full mode: each trained generator's FID-FMNIST is below that of the untrained
   generator (the common initial weights), and FID-FMNIST(L = 10) > FID-FMNIST(L = 1000):
   more projections give a better generator at a fixed step budget.
Everything else (the order of L = 100 and 10^4, SW_2, seconds per step) is reported,
not asserted. Quick mode asserts no FID: after 60 steps the batch-norm moving statistics
(momentum 0.99) have not caught up, and inference-mode samples barely differ from the
untrained generator's.

Sample sizes: FID on 2000 generated vs. 2000 test images (quick: 500). FID is biased
upward at small n, so only comparisons within this figure are meaningful (the
real-vs-real row gives the floor at that n; the leaderboard uses 10^4). Generated
images come from the same latent codes for every L, in inference mode (batch-norm moving
statistics), as the zoo's exports sample.

Seconds per step: the wall time of the epochs after the first (the first one traces the
train step and fills the shuffle buffer), read from the trainer's TensorBoard epoch
events; they vary with the machine's load.

Deviations from the paper: fewer steps (2000, under a quarter of the shipped default's 9000,
so that the four trainings fit ~10 minutes alone) and the zoo's
small generator, to fit a 2-core CPU; the paper trains with up to 10^4 projections until
convergence. Each workdir is a temporary directory: a rerun retrains from scratch
(minutes), so resuming is not worth keeping checkpoints around.

Run: bazel run //examples:swgan_projections  (figure: swgan_projections.png)

References:
  Deshpande, Zhang, Schwing. Generative Modeling using the Sliced Wasserstein Distance.
    CVPR 2018. https://arxiv.org/abs/1803.11188
  Heusel et al. GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
    Equilibrium (FID). NeurIPS 2017.
"""

import glob
import os
import sys
import tempfile

import numpy as np
from PIL import Image

from examples import _common
from examples._common import plt

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import otzoo.data  # noqa: E402
from otzoo.evaluation import classifier as classifier_lib  # noqa: E402
from otzoo.evaluation import evaluator  # noqa: E402
from otzoo.evaluation.metrics import frechet, transport  # noqa: E402
from otzoo.evaluation import paths as evaluation_paths  # noqa: E402
from otzoo.training import images as images_lib  # noqa: E402
from otzoo.training import strategies, trainer  # noqa: E402
from zoo_configs import swgan as swgan_config  # noqa: E402

FIGURE_NAME = "swgan_projections.png"
FULL = dict(projections=(10, 100, 1000, 10_000), steps=2000, epochs=5, base_filters=32,
            num_samples=2000)
QUICK = dict(projections=(10, 1000), steps=60, epochs=3, base_filters=32, num_samples=500)
SW_EVAL_PROJECTIONS = 1000
GRID_COLUMNS = 6
LATENT_SEED = 1234  # the stateless seed of the latent codes shared by every L


def make_config(num_projections, steps, epochs, base_filters, seed):
    """The zoo's swgan config (its batch and optimizer) with L = num_projections.

    `epochs` logging intervals of steps // epochs steps (also the checkpoint interval).
    """
    config = swgan_config.get_config()
    config.seed = seed
    config.steps = steps
    config.steps_per_epoch = steps // epochs
    config.sample_grids = False
    config.networks.generator.kwargs.base_filters = base_filters
    config.model_kwargs.num_projections = num_projections
    return config


def load_extractor(classifier_dir=None):
    """The frozen FID-FMNIST classifier (newest version of exported/classifier)."""
    path = classifier_dir or evaluation_paths.resolve(None, evaluation_paths.CLASSIFIER_DIR)
    try:
        return classifier_lib.load_classifier(path)
    except FileNotFoundError as e:
        raise FileNotFoundError(
            f"{e}; FID-FMNIST needs the exported classifier "
            "(bazel run //otzoo/evaluation:train_classifier)") from None


def generated_images(model, z, batch_size=500):
    """G(z) in inference mode, mapped from the generator's [-1, 1] to [0, 1]."""
    parts = [np.asarray(model.sample(z[i:i + batch_size]))
             for i in range(0, int(z.shape[0]), batch_size)]
    return np.clip((np.concatenate(parts) + 1.0) / 2.0, 0.0, 1.0)


def epoch_log(workdir):
    """[(wall time, mean sw_loss)] of every epoch, from the trainer's TensorBoard events."""
    log = {}
    for path in glob.glob(os.path.join(workdir, "tensorboard", "train", "events.*")):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag == "epoch_sw_loss":
                    loss = (float(tf.make_ndarray(value.tensor)) if value.HasField("tensor")
                            else value.simple_value)
                    log[event.step] = (event.wall_time, loss)
    return [log[epoch] for epoch in sorted(log)]


def seconds_per_step(log, steps_per_epoch):
    """Wall time per step between the first and the last epoch end of `epoch_log`.

    The first epoch is left out: it traces the train step and fills the shuffle buffer.
    None when fewer than two epochs were logged.
    """
    if len(log) < 2:
        return None
    return (log[-1][0] - log[0][0]) / ((len(log) - 1) * steps_per_epoch)


def score(images, real, real_features, extractor, seed):
    """FID-FMNIST and pixel SW_2 (fixed directions) of images in [0, 1] against `real`."""
    return dict(fid=frechet.fid(extractor.features(images), real_features),
                sw2=transport.sliced_w2(images, real, num_projections=SW_EVAL_PROJECTIONS,
                                        seed=seed))


def grid_panel(ax, images, title):
    grid = images_lib.make_grid(images[:GRID_COLUMNS ** 2], (0.0, 1.0), columns=GRID_COLUMNS)
    ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def save_grey_figure(figure, output_dir, name):
    """`_common.save_figure`, then the PNG rewritten as 8-bit grey; returns the path.

    The figure has no colour, so grey is lossless, and noisy samples compress so badly
    that matplotlib's RGBA would put it above ~300 KB: grey is 3x smaller.
    """
    path = _common.save_figure(figure, output_dir, name)
    Image.open(path).convert("L").save(path, optimize=True)
    print(f"figure: {path} rewritten as 8-bit grey ({os.path.getsize(path) / 1024:.0f} KB)")
    return path


def run(quick=False, output_dir=_common.DEFAULT_OUTPUT_DIR, seed=0, classifier_dir=None):
    sizes = QUICK if quick else FULL
    steps, epochs, n = sizes["steps"], sizes["epochs"], sizes["num_samples"]
    extractor = load_extractor(classifier_dir)
    test_images = otzoo.data.load_numpy("fashion_mnist", "test", value_range=(0, 1))
    real, _ = evaluator.real_subset(test_images, n, seed, "test images")
    real_features = extractor.features(real)
    strategy = strategies.make_strategy("one_device")

    # The floor at this n: the first n train images scored as if generated.
    train_images = next(otzoo.data.load("fashion_mnist", "train", value_range=(0, 1))
                        .batch(n).take(1).as_numpy_iterator())
    floor = score(train_images, real, real_features, extractor, seed)

    # The untrained generator: the initial weights every run starts from (`train` seeds
    # Keras with config.seed right before building, as done here; L plays no part).
    config = make_config(sizes["projections"][0], steps, epochs, sizes["base_filters"], seed)
    batch_size = config.batch_size
    keras.utils.set_random_seed(config.seed)
    model = trainer.build_compiled_model(config, strategy, tuple(config.data.shape))
    z = model.sample_prior_stateless(n, tf.constant([LATENT_SEED, seed]))
    untrained_images = generated_images(model, z)
    untrained = score(untrained_images, real, real_features, extractor, seed)

    records, samples = [], {}
    for num_projections in sizes["projections"]:
        config = make_config(num_projections, steps, epochs, sizes["base_filters"], seed)
        print(f"training swgan, L = {num_projections}, {steps} steps of batch "
              f"{config.batch_size} ...", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"swgan_L{num_projections}_") as workdir:
            model, summary = trainer.train(config, workdir, strategy, verbose=0)
            log = epoch_log(workdir)
        per_step = seconds_per_step(log, config.steps_per_epoch)
        if per_step is None:
            per_step = summary["wall_time_s"] / steps
        images = generated_images(model, z)
        samples[num_projections] = images[:GRID_COLUMNS ** 2]
        records.append(dict(num_projections=num_projections, steps=steps,
                            batch_size=config.batch_size, seconds_per_step=per_step,
                            train_wall_time_s=summary["wall_time_s"],
                            first_epoch_sw_loss=log[0][1], last_epoch_sw_loss=log[-1][1],
                            **score(images, real, real_features, extractor, seed)))

    rows = [("untrained", 0, batch_size, "-", "-", "-", "-", untrained["fid"],
             untrained["sw2"])]
    rows += [(r["num_projections"], r["steps"], r["batch_size"], r["seconds_per_step"],
              r["train_wall_time_s"], r["first_epoch_sw_loss"], r["last_epoch_sw_loss"],
              r["fid"], r["sw2"]) for r in records]
    rows.append(("real (train)", "-", "-", "-", "-", "-", "-", floor["fid"], floor["sw2"]))
    _common.print_table(
        f"swgan on Fashion-MNIST, {steps} steps in {epochs} epochs; FID-FMNIST and SW_2 on "
        f"{n} generated vs. {n} test images",
        ["L", "steps", "batch", "s/step", "train s", "sw_loss epoch 1", "sw_loss last",
         "FID-FMNIST", f"SW_2 (L={SW_EVAL_PROJECTIONS})"], rows)

    for r in records:
        _common.check(r["last_epoch_sw_loss"] < r["first_epoch_sw_loss"],
                      f"L={r['num_projections']}: training lowers the SW_2^2 loss, epoch 1 "
                      f"{r['first_epoch_sw_loss']:.4f} -> last {r['last_epoch_sw_loss']:.4f}")
    if not quick:
        fids = {r["num_projections"]: r["fid"] for r in records}
        for r in records:
            _common.check(r["fid"] < untrained["fid"],
                          f"L={r['num_projections']}: FID-FMNIST {r['fid']:.2f} < untrained "
                          f"{untrained['fid']:.2f}")
        _common.check(fids[10] > fids[1000],
                      f"FID-FMNIST(L=10) = {fids[10]:.2f} > FID-FMNIST(L=1000) = "
                      f"{fids[1000]:.2f} at {steps} steps")

    panels = [("untrained", untrained_images[:GRID_COLUMNS ** 2], untrained["fid"], None)]
    panels += [(f"L = {r['num_projections']}", samples[r["num_projections"]], r["fid"],
                r["seconds_per_step"]) for r in records]
    figure, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 2.7))
    for ax, (name, images, fid, per_step) in zip(axes, panels):
        timing = "" if per_step is None else f", {per_step:.3g} s/step"
        grid_panel(ax, images, f"{name}\nFID {fid:.1f}{timing}")
    figure.tight_layout()
    figure.suptitle(f"swgan, {steps} steps of batch {batch_size}, same seed, network and "
                    f"latent codes; FID-FMNIST on {n} samples", fontsize=10, y=1.0,
                    va="bottom")
    path = save_grey_figure(figure, output_dir, FIGURE_NAME)
    return dict(records=records, untrained=untrained, real_floor=floor, num_samples=n,
                figure=path)


def main(argv=None):
    args = _common.parse_args(__doc__.splitlines()[0], argv)
    run(quick=args.quick, output_dir=args.output_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
