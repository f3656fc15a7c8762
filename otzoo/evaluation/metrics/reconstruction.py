"""Test reconstruction errors of autoencoders, on images mapped to [0, 1].

    MSE = 1/(n D) sum_i ||x_i - x̂_i||²                         (per pixel)
    BCE = 1/n sum_i sum_p -[x_ip log x̂_ip + (1 - x_ip) log(1 - x̂_ip)]   (nats per image)

with x̂ = decode(encode(x)) (the posterior mean for Gaussian encoders) and D = H·W·C.
The BCE is summed over pixels as the Bernoulli VAE's reconstruction term is; x̂ is
clipped to [1e-7, 1 - 1e-7] before the logarithm (a reconstruction of exactly 0 or 1
would give an infinite loss for one mismatched pixel). Even a perfect reconstruction
has BCE > 0 on grey (non-binary) pixels: the floor is the pixels' own entropy.

References:
    Kingma, Welling. Auto-Encoding Variational Bayes. ICLR 2014 (Bernoulli decoder).
    Tolstikhin, Bousquet, Gelly, Schölkopf. Wasserstein Auto-Encoders. ICLR 2018
        (reconstruction cost reported on test data).
"""

import numpy as np

from otzoo.evaluation.metrics import _checks

CLIP = 1e-7


def reconstruction_errors(images, reconstructions):
    """(mse per pixel, bce in nats per image) of [n, H, W, C] arrays in [0, 1].

    Raises:
        ValueError: shapes that differ, empty or non-finite inputs.
    """
    x = _checks.images01(images, "images").astype(np.float64)
    r = _checks.images01(reconstructions, "reconstructions").astype(np.float64)
    if x.shape != r.shape:
        raise ValueError(f"images and reconstructions must have one shape, got "
                         f"{list(x.shape)} and {list(r.shape)}")
    mse = float(np.mean((x - r) ** 2))
    r = np.clip(r, CLIP, 1.0 - CLIP)
    bce = -(x * np.log(r) + (1.0 - x) * np.log1p(-r))
    return mse, float(np.mean(np.sum(bce.reshape(bce.shape[0], -1), axis=1)))
