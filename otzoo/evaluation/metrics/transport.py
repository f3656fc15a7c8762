"""Optimal-transport distances between image sets in pixel space (and between code sets).

    W2  = exact 2-Wasserstein distance ( min_P sum_ij P_ij ||x_i - y_j||² )^{1/2}
          between the uniform empirical measures of N flattened images of each set,
          solved by POT's network simplex (`otzoo.ot.emd`, `ot.emd2`), as Deshpande et al.
          (DSW paper) report on MNIST;
    SW2 = ( (1/L) sum_l W_2²(theta_l # x, theta_l # y) )^{1/2}, L = 10⁴ random unit
          directions of the 784-D pixel space (`otzoo.ot.sliced_wasserstein`).

Images are flattened, with pixels in [0, 1]. Returned quantities: W_2 and SW_2 (with
the square root), Python floats, in pixel units.

Cost (measured on the 2-core evaluation machine): exact W2 builds an N × N float64 cost
matrix (N = 2000: 32 MB) and its network simplex grows roughly as N³ (N = 2000, 784-D:
3 s; 10⁴ would need an 800 MB cost matrix and ~100x the time), which is why W2 uses a
random subset of N points of each set. SW2 of 10⁴ vs. 10⁴ images with 10⁴ directions:
50–80 s, dominated by the sorts. SW2 is chunked over directions (`chunk_size`
directions at a time: an n × chunk_size projection per set) so that 10⁴ projections of
10⁴ images fit in memory; the mean over chunks, weighted by their sizes, is the mean
over all L directions, equal to one `sliced_wasserstein` call with the same matrix.

References:
    Deshpande, Hu, Sun, Pyrros, Siddiqui, Koyejo, Zhao, Forsyth, Schwing. Max-Sliced
        Wasserstein Distance and its use for GANs. CVPR 2019 (exact W2 on MNIST samples).
    Bonneel, Rabin, Peyré, Pfister. Sliced and Radon Wasserstein Barycenters of
        Measures. JMIV 2015.
    Flamary et al. POT: Python Optimal Transport. JMLR 2021.
"""

import numpy as np
import tensorflow as tf

from otzoo import ot as otzoo_ot
from otzoo.evaluation.metrics import _checks

DEFAULT_NUM_W2_SAMPLES = 2000
DEFAULT_NUM_PROJECTIONS = 10_000
DEFAULT_CHUNK_SIZE = 1000


def flatten(images, name="images"):
    """[n, ...] → float64 [n, prod(...)]; 2-D inputs are returned as float64."""
    array = np.asarray(images)
    if array.ndim < 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty batch [n, ...], got shape "
                         f"{list(array.shape)}")
    return _checks.features(array.reshape(array.shape[0], -1), name)


def subsample(points, num, rng):
    """`num` rows of `points` drawn without replacement (all of them if fewer)."""
    if points.shape[0] <= num:
        return points
    return points[np.sort(rng.choice(points.shape[0], num, replace=False))]


def exact_w2(x, y, num_samples=DEFAULT_NUM_W2_SAMPLES, seed=0):
    """Exact W_2 between random subsets of `num_samples` points of x and y.

    Args:
        x: [n, ...] (e.g. generated images in [0, 1]); flattened.
        y: [m, ...] (e.g. test images); same flattened dimension.
        num_samples: points drawn (without replacement) from each set; all if fewer.
        seed: NumPy seed of the subsets.

    Returns:
        Python float W_2 (not squared) between the two uniform empirical measures.
    """
    x, y = flatten(x, "x"), flatten(y, "y")
    num_samples = _checks.positive_int(num_samples, "num_samples")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same flattened dimension, got "
                         f"{x.shape[1]} and {y.shape[1]}")
    rng = np.random.default_rng(seed)
    return float(otzoo_ot.emd(subsample(x, num_samples, rng), subsample(y, num_samples, rng),
                              p=2))


def sliced_w2(x, y, num_projections=DEFAULT_NUM_PROJECTIONS, seed=0,
              chunk_size=DEFAULT_CHUNK_SIZE):
    """SW_2 between all of x and y with `num_projections` uniform random directions.

    Args:
        x: [n, ...]; flattened to [n, d].
        y: [m, ...]; flattened to [m, d].
        num_projections: L.
        seed: integer seed of `otzoo.ot.random_directions` (float32 directions).
        chunk_size: directions per `sliced_wasserstein` call (memory bound).

    Returns:
        Python float SW_2 (with the root); equal to
        `otzoo.ot.sliced_wasserstein(x, y, projections=random_directions(d, L, seed))`.
    """
    x, y = flatten(x, "x"), flatten(y, "y")
    num_projections = _checks.positive_int(num_projections, "num_projections")
    chunk_size = _checks.positive_int(chunk_size, "chunk_size")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same flattened dimension, got "
                         f"{x.shape[1]} and {y.shape[1]}")
    directions = otzoo_ot.random_directions(x.shape[1], num_projections, seed=int(seed),
                                            dtype="float32")
    x32, y32 = tf.constant(x, tf.float32), tf.constant(y, tf.float32)
    total = 0.0
    for start in range(0, num_projections, chunk_size):
        chunk = directions[:, start:start + chunk_size]
        power = otzoo_ot.sliced_wasserstein(x32, y32, projections=chunk, p=2,
                                            return_power=True)
        total += float(power) * int(chunk.shape[1])
    return float(np.sqrt(max(total / num_projections, 0.0)))


def latent_mmd(codes, prior_codes, num_samples=DEFAULT_NUM_W2_SAMPLES, seed=0):
    """Unbiased MMD² (IMQ kernel, WAE scales; `otzoo.ot.mmd`) between code sets [n, k].

    Uses random subsets of `num_samples` points of each (the kernel matrices are
    num_samples² float64). Returns a Python float (may be slightly < 0 when equal).
    """
    codes, prior_codes = _checks.pair(codes, prior_codes, ("codes", "prior_codes"),
                                      min_points=2)
    rng = np.random.default_rng(seed)
    return float(otzoo_ot.mmd(tf.constant(subsample(codes, num_samples, rng)),
                              tf.constant(subsample(prior_codes, num_samples, rng))))
