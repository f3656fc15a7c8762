"""2-D toy distributions for OT generative models: generated, seeded, no files.

Each toy is `x = scale * s + std * eps`, with `s` a point of a fixed shape drawn at random,
`eps ~ N(0, I_2)`, `std` in output units. Mixture component labels come with
`as_supervised=True` (swiss_roll has none). Defaults follow the papers that made these
toys standard (WGAN-GP's toy code; FFJORD's `rings` and `checkerboard`; scikit-learn's
`make_moons`). The tests check the moments below against quadrature or a grid.

Shapes s, defaults, and the exact moments of s (x's mean is scale times the mean of s,
its covariance scale^2 times that of s plus std^2 I):

- eight_gaussians: s = (cos 2 pi k/8, sin 2 pi k/8), k ~ U{0..7}; scale 2, std 0.02.
  Mean 0, covariance I / 2.
- twenty_five_gaussians: s = (i, j), i, j ~ U{-2..2}; scale 1, std 0.05.
  Mean 0, covariance 2 I.
- swiss_roll: s = (t cos t, t sin t), t ~ U(1.5 pi, 4.5 pi); scale 1/7.5, std 0.25/7.5.
  Mean (2, 2/(3 pi)), covariance [[39 pi^2/8 - 17/4, 3 pi/2 - 4/(3 pi)],
  [3 pi/2 - 4/(3 pi), 39 pi^2/8 + 1/4 - 4/(9 pi^2)]].
- rings: s = k (cos a, sin a), k ~ U{1..num_rings}, a ~ U(0, 2 pi); scale 1, std 0.08,
  num_rings 4. Mean 0, covariance E[k^2] I / 2 (radii k * scale).
- checkerboard: s uniform on the 8 dark squares of the 4x4 board on [-2, 2]^2; scale 1,
  std 0. Mean 0, covariance [[4/3, 1/4], [1/4, 4/3]].
- two_moons: s = (cos t, sin t) or (1 - cos t, 1/2 - sin t), t ~ U(0, pi); scale 1,
  std 0.1. Mean (1/2, 1/4), covariance [[3/4, 1/8 - 1/pi], [1/8 - 1/pi, 9/16 - 1/pi]].

Deviations from the sources, named: WGAN-GP divides its 8- and 25-Gaussians by 1.414 and
2.828 and its swiss roll by 7.5 with noise 0.25 added before the division; here the noise
is in output units (so 0.25 / 7.5: the same distribution) and the Gaussians are not
divided (pass scale=2/1.414, std=0.02/1.414 to reproduce theirs).
`make_moons` places t on a grid; here t is uniform. Checkerboard dark squares are those
whose integer corner (i, j) has i + j even, as in FFJORD.

Splits: "train" and "test" are independent streams of the same distribution, seeded by
`np.random.SeedSequence([seed, split_index])`, so the eval split never repeats a training
point and two loads with the same seed are identical.

References:
  Gulrajani et al. (2017), Improved Training of Wasserstein GANs,
    https://arxiv.org/abs/1704.00028 (8 Gaussians, 25 Gaussians, swiss roll).
  Grathwohl et al. (2019), FFJORD, https://arxiv.org/abs/1810.01367 (rings, checkerboard).
  scikit-learn `make_moons`, `make_swiss_roll`.
"""

import inspect

import numpy as np
import tensorflow as tf

from otzoo.data import catalog
from otzoo.data.errors import DatasetError

SPLITS = {"train": 0, "test": 1}
DEFAULT_NUM_SAMPLES = {"train": 100_000, "test": 10_000}


def _check_param(name, value, allow_zero):
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise DatasetError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite; "
                           f"got {value!r}")
    return value


def eight_gaussians(n, rng, scale=2.0, std=0.02):
    """Mixture of 8 equal Gaussians centred on a circle of radius `scale`; label = k."""
    k = rng.integers(0, 8, size=n)
    angle = 2.0 * np.pi * k / 8.0
    centres = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return scale * centres + std * rng.standard_normal((n, 2)), k


def twenty_five_gaussians(n, rng, scale=1.0, std=0.05):
    """Mixture of 25 equal Gaussians on the grid scale * {-2..2}^2; label = 5 (i+2) + (j+2)."""
    ij = rng.integers(-2, 3, size=(n, 2))
    labels = 5 * (ij[:, 0] + 2) + (ij[:, 1] + 2)
    return scale * ij + std * rng.standard_normal((n, 2)), labels


def swiss_roll(n, rng, scale=1.0 / 7.5, std=0.25 / 7.5):
    """2-D swiss roll (t cos t, t sin t), t ~ U(1.5 pi, 4.5 pi); no labels (None)."""
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    roll = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    return scale * roll + std * rng.standard_normal((n, 2)), None


def rings(n, rng, scale=1.0, std=0.08, num_rings=4):
    """Concentric circles of radii scale * {1..num_rings}, equally likely; label = ring - 1."""
    k = rng.integers(0, num_rings, size=n)
    angle = 2.0 * np.pi * rng.random(n)
    radius = scale * (k + 1.0)
    circle = np.stack([np.cos(angle), np.sin(angle)], axis=1) * radius[:, None]
    return circle + std * rng.standard_normal((n, 2)), k


def checkerboard(n, rng, scale=1.0, std=0.0):
    """Uniform on the dark squares of a 4x4 board on scale * [-2, 2]^2; label = square."""
    # The 8 dark squares: integer lower-left corners (i, j) in {-2..1}^2 with i + j even.
    corners = np.array([(i, j) for i in range(-2, 2) for j in range(-2, 2) if (i + j) % 2 == 0],
                       dtype=np.float64)
    square = rng.integers(0, len(corners), size=n)
    points = corners[square] + rng.random((n, 2))
    return scale * points + std * rng.standard_normal((n, 2)), square


def two_moons(n, rng, scale=1.0, std=0.1):
    """Two interleaved half circles (scikit-learn's make_moons); label = moon (0 upper)."""
    moon = rng.integers(0, 2, size=n)
    t = np.pi * rng.random(n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    points = np.where(moon[:, None] == 0, upper, lower)
    return scale * points + std * rng.standard_normal((n, 2)), moon


TOYS = {
        "eight_gaussians": eight_gaussians,
        "twenty_five_gaussians": twenty_five_gaussians,
        "swiss_roll": swiss_roll,
        "rings": rings,
        "checkerboard": checkerboard,
        "two_moons": two_moons,
}


def split_rng(seed, split):
    """The NumPy generator of `split` ("train" or "test") for `seed`: independent streams."""
    if split not in SPLITS:
        raise DatasetError(f"toy datasets have splits {sorted(SPLITS)}; got split={split!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"seed must be a non-negative int; got {seed!r}")
    return np.random.default_rng(np.random.SeedSequence([int(seed), SPLITS[split]]))


def sample(name, num_samples, seed=0, split="train", **params):
    """Draws `num_samples` points of toy `name` with NumPy.

    Args:
      name: a key of `TOYS`.
      num_samples: number of points (> 0).
      seed: non-negative int; with `split`, fixes the stream.
      split: "train" or "test" (independent streams).
      **params: the toy's parameters (`scale`, `std`, and `num_rings` for rings).

    Returns:
      (points, labels): float32 [num_samples, 2] and int64 [num_samples] (None for
      swiss_roll).
    """
    if name not in TOYS:
        raise DatasetError(f"unknown toy {name!r}; known: {', '.join(sorted(TOYS))}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples <= 0:
        raise DatasetError(f"num_samples must be a positive int; got {num_samples!r}")
    for key in ("scale", "std"):
        if key in params:
            params[key] = _check_param(key, params[key], allow_zero=(key == "std"))
    if "num_rings" in params:
        r = params["num_rings"]
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 1:
            raise DatasetError(f"num_rings must be a positive int; got {r!r}")
    points, labels = TOYS[name](int(num_samples), split_rng(seed, split), **params)
    return points.astype(np.float32), None if labels is None else labels.astype(np.int64)


def _make_loader(name):
    generator = TOYS[name]
    has_labels = name != "swiss_roll"
    has_rings = name == "rings"

    def loader(split="train", *, num_samples=None, seed=0, scale=None, std=None,
               num_rings=None, as_supervised=False, value_range=None):
        if value_range is not None:
            raise DatasetError(f"value_range applies to images; the 2-D toy {name!r} is in "
                               f"its own units (use scale=); got value_range={value_range!r}")
        if num_rings is not None and not has_rings:
            raise DatasetError(f"num_rings applies to 'rings' only, not {name!r}")
        supervised = catalog.check_supervised(as_supervised)
        if supervised and not has_labels:
            raise DatasetError(f"{name!r} has no labels; use as_supervised=False")
        params = {k: v for k, v in (("scale", scale), ("std", std), ("num_rings", num_rings))
                  if v is not None}
        if split not in SPLITS:
            raise DatasetError(f"dataset {name!r} has splits {sorted(SPLITS)}; "
                               f"got split={split!r}")
        n = DEFAULT_NUM_SAMPLES[split] if num_samples is None else num_samples
        points, labels = sample(name, n, seed, split, **params)
        if supervised:
            return tf.data.Dataset.from_tensor_slices((points, labels))
        return tf.data.Dataset.from_tensor_slices(points)

    loader.__name__ = name
    if not has_rings:  # so that load() lists (and accepts) only the options that apply.
        sig = inspect.signature(loader)
        loader.__signature__ = sig.replace(
                parameters=[p for p in sig.parameters.values() if p.name != "num_rings"])
    loader.__doc__ = (
            f"Toy {name!r}: float32 [2] points, {generator.__doc__}\n\n"
            "Args:\n"
            "  split: \"train\" or \"test\" (independent seed streams).\n"
            "  num_samples: points in the split (default 100,000 train, 10,000 test).\n"
            "  seed: non-negative int.\n"
            "  scale, std: see otzoo.data.toys (defaults: "
            f"{_defaults(generator)}).\n"
            + ("  num_rings: number of rings (default 4).\n" if has_rings else "")
            + "  as_supervised: yield (point, int64 component label) pairs.\n"
            "  value_range: must be None (images only).\n\n"
            "Returns:\n  A finite `tf.data.Dataset` of float32 [2] points.\n")
    return loader


def _defaults(fn):
    return ", ".join(f"{k}={v.default:.4g}" for k, v in inspect.signature(fn).parameters.items()
                     if v.default is not inspect.Parameter.empty)


for _name in TOYS:
    catalog.register(_name)(_make_loader(_name))
