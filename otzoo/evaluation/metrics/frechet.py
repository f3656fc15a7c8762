"""The Fréchet distance between Gaussians fitted to features (FID, here FID-FMNIST).

    FD(x, y) = ||mu_x - mu_y||² + Tr(S_x + S_y - 2 (S_x S_y)^{1/2})

with mu, S the mean and covariance of the features of each set. It is the squared
2-Wasserstein distance between N(mu_x, S_x) and N(mu_y, S_y). In the features of the
project's Fashion-MNIST classifier (`otzoo.evaluation.classifier`) it is FID-FMNIST.

Returned quantity: FD itself (a squared distance, as FID is reported), as a Python float.
Covariances are unbiased (divide by n - 1), as in the reference implementations.

Deviation from the reference code (TTUR / pytorch-fid, which call `scipy.linalg.sqrtm`
on S_x S_y, drop its imaginary part and add eps·I on failure): the trace term is computed
as Tr((S_x^{1/2} S_y S_x^{1/2})^{1/2}) = sum_i sqrt(lambda_i), with lambda_i the
eigenvalues of the symmetric PSD matrix S_x^{1/2} S_y S_x^{1/2} (equal to those of
S_x S_y). Symmetric eigen-decompositions have no imaginary parts to drop and do not fail
on singular covariances (e.g. ReLU features that are always 0); eigenvalues below 0 by
rounding are set to 0, and the (tiny) negative results of rounding on identical sets
are returned as 0. The two agree to rounding where sqrtm succeeds (tested).

References:
    Heusel, Ramsauer, Unterthiner, Nessler, Hochreiter. GANs Trained by a Two Time-Scale
        Update Rule Converge to a Local Nash Equilibrium. NeurIPS 2017.
    Dowson, Landau. The Fréchet distance between multivariate normal distributions.
        J. Multivariate Analysis 1982.
"""

import numpy as np

from otzoo.evaluation.metrics import _checks


def gaussian_statistics(features):
    """Mean [d] and unbiased covariance [d, d] (float64) of features [n, d], n >= 2."""
    features = _checks.features(features, "features", min_points=2)
    return features.mean(axis=0), np.cov(features, rowvar=False, ddof=1).reshape(
        features.shape[1], features.shape[1])


def _psd_sqrt(matrix):
    eigenvalues, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.maximum(eigenvalues, 0.0))) @ vectors.T


def frechet_distance(mu_x, sigma_x, mu_y, sigma_y):
    """FD between N(mu_x, sigma_x) and N(mu_y, sigma_y) (see module docstring).

    Args:
        mu_x, mu_y: means [d].
        sigma_x, sigma_y: symmetric positive semi-definite covariances [d, d].

    Returns:
        Python float >= 0, the squared 2-Wasserstein distance between the Gaussians.

    Raises:
        ValueError: shapes that do not match, non-finite or non-symmetric covariances.
    """
    mu_x, mu_y = (np.asarray(m, np.float64) for m in (mu_x, mu_y))
    sigma_x, sigma_y = (np.asarray(s, np.float64) for s in (sigma_x, sigma_y))
    d = mu_x.shape[0] if mu_x.ndim == 1 else -1
    if mu_x.shape != (d,) or mu_y.shape != (d,) or sigma_x.shape != (d, d) \
            or sigma_y.shape != (d, d):
        raise ValueError(f"expected means [d] and covariances [d, d] of one d, got "
                         f"{mu_x.shape}, {sigma_x.shape}, {mu_y.shape}, {sigma_y.shape}")
    for name, value in (("mu_x", mu_x), ("mu_y", mu_y), ("sigma_x", sigma_x),
                        ("sigma_y", sigma_y)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name} must be finite")
    for name, s in (("sigma_x", sigma_x), ("sigma_y", sigma_y)):
        if not np.allclose(s, s.T, rtol=1e-6, atol=1e-9 * max(1.0, np.abs(s).max())):
            raise ValueError(f"{name} must be symmetric (a covariance matrix)")
    root_x = _psd_sqrt(0.5 * (sigma_x + sigma_x.T))
    middle = root_x @ (0.5 * (sigma_y + sigma_y.T)) @ root_x
    trace_sqrt = np.sqrt(np.maximum(np.linalg.eigvalsh(0.5 * (middle + middle.T)), 0.0)).sum()
    diff = mu_x - mu_y
    value = diff @ diff + np.trace(sigma_x) + np.trace(sigma_y) - 2.0 * trace_sqrt
    return max(float(value), 0.0)


def fid(features_x, features_y):
    """FD between Gaussians fitted to two feature sets [n, d] and [m, d] (n, m >= 2).

    Returns:
        Python float >= 0 (FID-FMNIST when the features are the project classifier's).
    """
    features_x, features_y = _checks.pair(features_x, features_y,
                                          ("features_x", "features_y"), min_points=2)
    return frechet_distance(*gaussian_statistics(features_x),
                            *gaussian_statistics(features_y))
