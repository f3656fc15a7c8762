"""Kernel Inception Distance (KID): the unbiased MMD² with a cubic polynomial kernel.

    k(a, b) = (aᵀb / d + 1)³
    MMD²_u = 1/(m(m-1)) sum_{i≠j} [k(x_i, x_j) + k(y_i, y_j)] - 2/m² sum_{i,j} k(x_i, y_j)

on features (here of the project classifier, not Inception), estimated on `num_subsets`
random subsets of `subset_size` points of each set (drawn without replacement within a
subset) and averaged, as in Bińkowski et al. Unlike FID, the estimator is unbiased: its
expectation is 0 when both sets come from one distribution, so it may be slightly
negative, and values from different sample sizes are comparable.

Returned quantity: the mean of MMD²_u over the subsets (the KID, not ×10³) and its
standard deviation over the subsets.

References:
    Bińkowski, Sutherland, Arbel, Gretton. Demystifying MMD GANs. ICLR 2018
        (kernel, estimator and subset averaging: `polynomial_mmd_averages` in their code).
    Gretton et al. A Kernel Two-Sample Test. JMLR 2012 (the unbiased U-statistic).
"""

import numpy as np

from otzoo.evaluation.metrics import _checks

DEFAULT_NUM_SUBSETS = 100
DEFAULT_SUBSET_SIZE = 1000


def polynomial_kernel(a, b):
    """k(a, b) = (aᵀb / d + 1)³ for all pairs: [n, d] x [m, d] → [n, m]."""
    base = a @ b.T / a.shape[1] + 1.0
    return base * base * base  # ~3x faster than ** 3 (a general pow) on 10⁶ entries


def mmd2_unbiased(x, y):
    """Unbiased MMD² (U-statistic) of equal-size sets x, y [m, d] under `polynomial_kernel`."""
    m = x.shape[0]
    k_xx = polynomial_kernel(x, x)
    k_yy = polynomial_kernel(y, y)
    k_xy = polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / (m * m))


def kid(features_x, features_y, num_subsets=DEFAULT_NUM_SUBSETS,
        subset_size=DEFAULT_SUBSET_SIZE, seed=0):
    """KID between two feature sets, averaged over random subsets.

    Args:
        features_x: [n, d] features (e.g. of generated images).
        features_y: [m, d] features (e.g. of test images).
        num_subsets: number of subset pairs averaged.
        subset_size: points per subset (capped at min(n, m); >= 2).
        seed: NumPy seed of the subset draws.

    Returns:
        (kid, kid_std): Python floats, mean and standard deviation of MMD²_u over subsets.

    Raises:
        ValueError: bad shapes, fewer than 2 points, non-positive counts.
    """
    features_x, features_y = _checks.pair(features_x, features_y,
                                          ("features_x", "features_y"), min_points=2)
    num_subsets = _checks.positive_int(num_subsets, "num_subsets")
    subset_size = min(_checks.positive_int(subset_size, "subset_size"),
                      features_x.shape[0], features_y.shape[0])
    if subset_size < 2:
        raise ValueError(f"the unbiased MMD needs subsets of >= 2 points, got {subset_size}")
    rng = np.random.default_rng(seed)
    values = np.array([
        mmd2_unbiased(features_x[rng.choice(features_x.shape[0], subset_size, replace=False)],
                      features_y[rng.choice(features_y.shape[0], subset_size, replace=False)])
        for _ in range(num_subsets)])
    return float(values.mean()), float(values.std())
