"""VAE vs WAE: the posterior balls q(z|x) vs the aggregate q(z), and what they do to images.

Both families fit a decoder G and an encoder Q with a penalty pulling codes to the prior
P_Z = N(0, I). They differ in *what* they pull (Tolstikhin et al. 2018, Fig. 1):

    VAE:  min  E_x [ -E_{q(z|x)} log p_G(x|z) + KL(q(z|x) || P_Z) ]    every ball q(z|x)
    WAE:  min  E_x E_{q(z|x)} c(x, G(z)) + lambda D(Q_Z, P_Z),          the aggregate
          Q_Z = E_x q(z|x)  (D = MMD for wae_mmd, a latent GAN for wae_gan)

The KL pushes each q(z|x) towards the whole prior, so the balls of different images
overlap and the decoder averages them: blurry reconstructions. The WAE only asks the
mixture of the (here deterministic) codes to cover P_Z, so codes of different images can
stay apart and reconstructions stay sharp.

What it shows (one PNG, a column per model): test images with their reconstructions
(odd rows: test, even rows: reconstruction), random samples G(z), z ~ P_Z (the same z for
every model when the priors agree), linear interpolations between the codes of two test
images, and the test codes coloured by class over prior draws (grey; dashed circles: the
prior's 1 and 2 std in the projection).

What it asserts (full mode, the three exports of the zoo, the 10^4 Fashion-MNIST test
images, 10^4 prior draws):
1. Better samples (the WAE paper's headline, its FIDs on CelebA: VAE 63, WAE-MMD 55,
   WAE-GAN 42): FID-FMNIST of wae_mmd's and wae_gan's samples below the VAE's.
2. The picture of the talk: the VAE's balls q(z|x) are small (mean posterior std < 0.5)
   while their union, the aggregate q(z), spreads like the prior (per-dimension variance
   of one draw per test image within 25% of 1).
Printed, not asserted (they did not hold on the zoo's exports, see examples/README.md):
sharper reconstructions of the WAEs (lower test MSE than the VAE's) and WAE codes closer
to the prior than the VAE's aggregate posterior (latent SW_2 / MMD^2, printed with the
prior-vs-prior sampling floor). Quick mode (the smoke configs exported untrained into a
temporary directory) asserts only shapes, finite numbers and the PNG.

Measures: MSE and latent SW_2 / MMD^2 are `otzoo.evaluation.evaluator.autoencoder_metrics`
(SW_2 with 10^3 directions; unbiased IMQ MMD^2 at the WAE scales on 2000 codes of each);
for the VAE its codes are one draw of q(z|x) per test image (samples of the aggregate
posterior) and its reconstructions G(mu(x)). FID-FMNIST: `otzoo.evaluation.metrics.frechet.fid`
in the features of the exported classifier, samples vs the same number of test images.

Deviations from the talk and the paper:
  * The latent space has 8 dimensions, not 2: the scatter is the projection on the two
    principal axes of each model's own test codes (PCA), prior draws projected alike.
    Clusters that overlap in 2-D may be apart in 8-D.
  * The q(z|x) balls are the 1-sigma ellipses of N(mu(x), diag sigma^2(x)) projected on
    the same axes (the `encode` signature returns `log_var` for Gaussian encoders).
  * Fashion-MNIST instead of MNIST / CelebA; the zoo's small conv nets and 3000 steps.

Run: bazel run //examples:vae_vs_wae  (figure: vae_vs_wae.png;
     --export_dir=DIR for another exported/ root)

References:
  Tolstikhin, Bousquet, Gelly, Schoelkopf. Wasserstein Auto-Encoders. ICLR 2018
    (Fig. 1: balls vs aggregate; Fig. 3: reconstructions, samples, interpolations).
  Kingma, Welling. Auto-Encoding Variational Bayes. ICLR 2014.
"""

import argparse
import importlib
import os
import sys
import tempfile

import numpy as np
from matplotlib.patches import Circle, Ellipse

from examples import _common
from examples._common import plt

import otzoo.data  # noqa: E402
from otzoo.data.tfds_builders import FASHION_MNIST_LABELS  # noqa: E402
from otzoo.evaluation import classifier as classifier_lib  # noqa: E402
from otzoo.evaluation import evaluator, paths  # noqa: E402
from otzoo.evaluation.metrics import frechet, transport  # noqa: E402
from otzoo.evaluation.exported_model import ExportedModel  # noqa: E402
from otzoo.training import images as images_lib  # noqa: E402

FIGURE_NAME = "vae_vs_wae.png"
MODEL_NAMES = ("vae", "wae_mmd", "wae_gan")
VAE_NAME = "vae"
WAE_NAMES = ("wae_mmd", "wae_gan")
# The name an `encode` signature would give the VAE posterior log-variance (not exported
# by otzoo.export.signatures today; the ellipses appear when it is).
POSTERIOR_LOG_VARIANCE_KEY = "log_var"
GRID_COLUMNS = 8
GRID_ROWS = 4  # reconstructions: 2 test rows + 2 reconstruction rows
SAMPLE_ROWS = 3
INTERPOLATION_ROWS = 3
NUM_ELLIPSES = 12
SCATTER_POINTS = 1200  # codes drawn per scatter (the PNG stays < 300 KB)
PRIOR_POINTS = 800


# -- exports -----------------------------------------------------------------------------

def make_quick_exports(export_dir, names=MODEL_NAMES, seed=0):
    """Exports each model's smoke config, untrained, under export_dir (quick mode).

    Initial weights only: the quick mode checks the plumbing (signatures, shapes, the
    figure), not the claims, and training even the smoke configs would double its time.
    Returns {name: version dir}.
    """
    import keras

    from otzoo import export
    from otzoo.training import strategies, trainer

    strategy = strategies.make_strategy("one_device")
    exported = {}
    for name in names:
        config = importlib.import_module(f"zoo_configs.{name}").get_config("smoke")
        keras.utils.set_random_seed(seed)
        model = trainer.build_compiled_model(config, strategy, tuple(config.data.shape))
        exported[name] = export.export_model(model, config, export_dir, name=name,
                                             command="vae_vs_wae --quick")
    return exported


def load_models(export_dir, names=MODEL_NAMES):
    """{name: ExportedModel} of the newest version of each; names every missing export."""
    missing = [n for n in names if not os.path.isdir(os.path.join(export_dir, n))]
    if missing:
        raise FileNotFoundError(
            f"no export of {', '.join(missing)} under {export_dir}; train them with "
            f"`bazel run //otzoo:train -- --model=<name>` or pass --export_dir")
    models = {n: ExportedModel(os.path.join(export_dir, n)) for n in names}
    for model in models.values():
        if not model.is_autoencoder:
            raise ValueError(f"{model.path} is not an autoencoder export")
    return models


def posterior_log_variance(model, images):
    """log sigma^2(x) [n, latent_dim] of a Gaussian encoder, or None if not exported."""
    encode = model.signatures["encode"]
    if POSTERIOR_LOG_VARIANCE_KEY not in encode.structured_outputs:
        return None
    import tensorflow as tf

    inputs = model.from_unit(images)
    return np.concatenate([
        encode(images=tf.constant(inputs[i:i + model.batch_size]))[
            POSTERIOR_LOG_VARIANCE_KEY].numpy()
        for i in range(0, len(inputs), model.batch_size)])


# -- latent geometry ---------------------------------------------------------------------

def principal_axes(codes):
    """(mean [k], components [2, k], explained variance fraction) of codes [n, k]."""
    codes = np.asarray(codes, np.float64)
    mean = codes.mean(axis=0)
    _, singular, vt = np.linalg.svd(codes - mean, full_matrices=False)
    variance = singular ** 2
    return mean, vt[:2], float(variance[:2].sum() / max(variance.sum(), 1e-300))


def project(points, mean, components):
    """points [n, k] -> [n, 2] coordinates on the principal axes."""
    return (np.asarray(points, np.float64) - mean) @ components.T


def projected_ellipse(log_var, components, num_std=1.0):
    """(width, height, angle in degrees) of the num_std ellipse of N(., diag e^log_var)
    projected on `components` [2, k]: covariance A diag(sigma^2) A^T."""
    cov = (components * np.exp(log_var)) @ components.T
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    width, height = 2 * num_std * np.sqrt(np.maximum(eigenvalues[::-1], 0.0))
    angle = np.degrees(np.arctan2(eigenvectors[1, 1], eigenvectors[0, 1]))
    return float(width), float(height), float(angle)


# -- the example -------------------------------------------------------------------------

def evaluate(model, test_images, prior_codes, settings):
    """Metrics, reconstructions and codes of one autoencoder export."""
    metrics, reconstructions, codes = evaluator.autoencoder_metrics(
        model, test_images, prior_codes, settings)
    log_var = posterior_log_variance(model, test_images)
    metrics["posterior_std"] = (float(np.mean(np.exp(0.5 * log_var)))
                                if log_var is not None else None)
    metrics["code_variance"] = float(np.mean(np.var(codes, axis=0)))
    return metrics, reconstructions, codes, log_var


def run(quick=False, output_dir=_common.DEFAULT_OUTPUT_DIR, seed=0, export_dir=None):
    """Compares the exports of vae, wae_mmd and wae_gan; returns numbers and the figure.

    Args:
        quick: tiny sizes; without `export_dir`, exports the three smoke configs
            (untrained) first.
        output_dir: where vae_vs_wae.png goes.
        seed: seeds the prior draws and the choice of the displayed test images.
        export_dir: the exported/ root (default: the workspace's exported/, or a
            temporary one with untrained smoke exports in quick mode).
    """
    if quick and export_dir is None:
        with tempfile.TemporaryDirectory(prefix="vae_vs_wae_") as scratch:
            make_quick_exports(scratch, seed=seed)
            return run(quick, output_dir, seed, export_dir=scratch)
    export_dir = paths.resolve(export_dir, paths.EXPORT_DIR)
    models = load_models(export_dir)
    test_images, test_labels = otzoo.data.load_numpy(
        "fashion_mnist", "test", value_range=(0, 1), as_supervised=True)
    num = 200 if quick else len(test_images)
    settings = evaluator.EvaluationSettings(
        num_samples=num, num_w2_samples=min(num, transport.DEFAULT_NUM_W2_SAMPLES),
        seed=seed)
    test_images, index = evaluator.real_subset(test_images, num, seed, "test images")
    test_labels = np.asarray(test_labels)[index]
    extractor = classifier_lib.load_classifier(
        paths.resolve(None, paths.CLASSIFIER_DIR))
    test_features = extractor.features(test_images)

    rng = np.random.default_rng(seed)
    shown = rng.choice(num, GRID_COLUMNS * GRID_ROWS // 2, replace=False)
    pairs = rng.choice(num, (2, INTERPOLATION_ROWS), replace=False)
    results, rows, prior_codes_by_model = {}, [], {}
    for name, model in models.items():
        samples, prior_codes, _ = model.sample(num, seed=seed)
        prior_codes_by_model[name] = prior_codes
        metrics, reconstructions, codes, log_var = evaluate(
            model, test_images, prior_codes, settings)
        metrics["fid_fmnist"] = float(frechet.fid(extractor.features(samples),
                                                  test_features))
        strip = model.decode(evaluator.interpolation_codes(
            codes[pairs[0]], codes[pairs[1]], steps=GRID_COLUMNS))
        results[name] = dict(
            metrics=metrics, codes=codes, log_var=log_var, prior_codes=prior_codes,
            samples=samples[:GRID_COLUMNS * SAMPLE_ROWS], interpolations=strip,
            reconstructions=evaluator.reconstruction_pairs(
                test_images[shown], reconstructions[shown], rows=GRID_ROWS // 2,
                columns=GRID_COLUMNS),
            latent_dim=model.latent_dim, path=model.path)
        rows.append((name, metrics["fid_fmnist"], metrics["reconstruction_mse"],
                     metrics["latent_sw2"],
                     metrics["latent_mmd"], metrics["code_variance"],
                     "n/a" if metrics["posterior_std"] is None
                     else metrics["posterior_std"]))

    # What two independent prior samples of these sizes score: the floor of SW_2, MMD^2.
    reference = next(iter(models))
    second_prior = models[reference].sample(num, seed=seed + 1)[1]
    floor = dict(
        latent_sw2=transport.sliced_w2(prior_codes_by_model[reference], second_prior,
                                       num_projections=evaluator.LATENT_NUM_PROJECTIONS,
                                       seed=seed),
        latent_mmd=transport.latent_mmd(prior_codes_by_model[reference], second_prior,
                                        num_samples=settings.num_w2_samples, seed=seed))
    rows.append(("prior vs prior", None, None, floor["latent_sw2"], floor["latent_mmd"],
                 float(np.mean(np.var(second_prior, axis=0))), "-"))
    codes_list = list(prior_codes_by_model.values())
    same_z = all(c.shape == codes_list[0].shape and np.array_equal(c, codes_list[0])
                 for c in codes_list)
    _common.print_table(
        f"Fashion-MNIST test, n = {num} images, {num} prior draws "
        f"(same z for all models: {same_z})",
        ["model", "FID-FMNIST", "test MSE", "latent SW_2", "latent MMD^2", "code var",
         "mean posterior std"],
        [tuple("-" if v is None else v for v in row) for row in rows])

    # The figure first: when a claim fails, it is what shows why.
    path = draw(results, test_labels, same_z, output_dir)
    check_claims(results, floor, quick)
    return dict(models={n: dict(r["metrics"], latent_dim=r["latent_dim"], path=r["path"])
                        for n, r in results.items()},
                floor=floor, same_z=same_z, num_test=num, figure=path,
                shapes={n: {k: results[n][k].shape for k in
                            ("codes", "prior_codes", "samples", "interpolations",
                             "reconstructions")} for n in results})


def check_claims(results, floor, quick):
    metrics = {name: r["metrics"] for name, r in results.items()}
    for name, m in metrics.items():
        finite = all(np.isfinite(m[k]) for k in ("reconstruction_mse", "latent_sw2",
                                                  "latent_mmd", "code_variance"))
        _common.check(finite, f"{name}: test MSE, latent SW_2, MMD^2 are finite")
    _common.check(np.isfinite(floor["latent_sw2"]) and np.isfinite(floor["latent_mmd"]),
                  "prior-vs-prior floor is finite")
    if quick:
        return
    vae = metrics[VAE_NAME]
    for name in ("wae_mmd", "wae_gan"):
        _common.check(metrics[name]["fid_fmnist"] < vae["fid_fmnist"],
                      f"{name}'s samples beat the VAE's: FID-FMNIST "
                      f"{metrics[name]['fid_fmnist']:.2f} < {vae['fid_fmnist']:.2f}")
    _common.check(vae["posterior_std"] is not None and vae["posterior_std"] < 0.5,
                  f"the VAE's balls q(z|x) are small: mean posterior std "
                  f"{vae['posterior_std']} < 0.5")
    _common.check(abs(vae["code_variance"] - 1.0) < 0.25,
                  f"their union q(z) spreads like the prior: variance of one draw per test "
                  f"image {vae['code_variance']:.3f} within 25% of 1")
    for name in ("wae_mmd", "wae_gan"):  # the WAE paper's other claims, reported only
        print(f"  [not asserted] {name} vs VAE: test MSE "
              f"{metrics[name]['reconstruction_mse']:.4f} vs {vae['reconstruction_mse']:.4f}"
              f", latent MMD^2 {metrics[name]['latent_mmd']:.4f} vs {vae['latent_mmd']:.4f}")


def _show_grid(ax, batch, columns, title):
    ax.imshow(images_lib.make_grid(batch, (0.0, 1.0), columns=columns)[..., 0],
              cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def draw(results, labels, same_z, output_dir):
    names = list(results)
    figure, axes = plt.subplots(4, len(names), figsize=(3.6 * len(names), 10),
                                gridspec_kw=dict(height_ratios=[4, 3, 3, 9], hspace=0.35))
    axes = np.asarray(axes).reshape(4, len(names))
    subset = np.random.default_rng(0).permutation(len(labels))[:SCATTER_POINTS]
    points = None
    for column, name in enumerate(names):
        r = results[name]
        m = r["metrics"]
        _show_grid(axes[0, column], r["reconstructions"], GRID_COLUMNS,
                   f"{name}: test (odd rows) / reconstruction\n"
                   f"test MSE {m['reconstruction_mse']:.4f}")
        _show_grid(axes[1, column], r["samples"], GRID_COLUMNS,
                   "samples G(z), z ~ N(0, I)" + (" (same z)" if same_z else ""))
        _show_grid(axes[2, column], r["interpolations"], GRID_COLUMNS,
                   "interpolation between two test codes")
        ax = axes[3, column]
        mean, components, explained = principal_axes(r["codes"])
        prior_2d = project(r["prior_codes"][:PRIOR_POINTS], mean, components)
        codes_2d = project(r["codes"][subset], mean, components)
        # Unsmoothed dots: antialiased ones double the PNG's size.
        ax.scatter(*prior_2d.T, s=1.5, c="0.7", lw=0, antialiased=False)
        points = ax.scatter(*codes_2d.T, s=2, c=labels[subset], cmap="tab10",
                            vmin=-0.5, vmax=9.5, lw=0, antialiased=False)
        # Orthonormal axes project N(0, I) to N(0, I_2): exact prior contours.
        origin = project(np.zeros((1, r["codes"].shape[1])), mean, components)[0]
        for radius in (1.0, 2.0):
            ax.add_patch(Circle(origin, radius, fill=False, ls="--", lw=0.8, color="k"))
        if r["log_var"] is not None:
            for i in subset[:NUM_ELLIPSES]:
                width, height, angle = projected_ellipse(r["log_var"][i], components)
                centre = project(r["codes"][i:i + 1], mean, components)[0]
                ax.add_patch(Ellipse(centre, width, height, angle=angle, fill=False,
                                     lw=0.8, color="k"))
            balls = f"1-sigma q(z|x) of {NUM_ELLIPSES} codes"
        elif name == VAE_NAME:
            balls = "q(z|x) scale not exported: means only"
        else:
            balls = "deterministic encoder: q(z|x) is a point"
        ax.set_title(f"test codes on 2 PCs ({100 * explained:.0f}% of var.); prior: grey,\n"
                     f"dashed 1, 2 std. SW_2 {m['latent_sw2']:.3f}, "
                     f"MMD^2 {m['latent_mmd']:.4f}\n{balls}", fontsize=8)
        ax.set_aspect("equal", adjustable="datalim")
    colorbar = figure.colorbar(points, ax=list(axes[3]), ticks=range(10), shrink=0.7,
                               orientation="horizontal", pad=0.1, aspect=50)
    colorbar.ax.set_xticklabels(FASHION_MNIST_LABELS, fontsize=7)
    return _common.save_figure(figure, output_dir, FIGURE_NAME)


def main(argv=None):
    # _common.parse_args knows --output_dir and --quick; --export_dir is this example's.
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--export_dir", default=None)
    known, rest = pre.parse_known_args(argv)
    args = _common.parse_args(
        __doc__.splitlines()[0] + " Also takes --export_dir=DIR (default: the "
        "workspace's exported/; with --quick: untrained smoke exports in a temporary "
        "directory).", rest)
    run(quick=args.quick, output_dir=args.output_dir, export_dir=known.export_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
