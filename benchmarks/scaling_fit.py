"""Least-squares power laws for the scaling figures (`scaling.py`); NumPy only.

A cost that grows like x^k is a line of slope k on log-log axes: fitting

    log t = k log x + log c        (ordinary least squares)

gives the measured exponent k and the R^2 of the fit. A theory curve f (n log n, L, d)
is compared by fitting the same line to f itself over the same x: its "slope" is the
exponent the theory predicts on that range (n log n over n = 512..8192 has slope ~1.1,
not 1), so measurement and theory are judged alike.
"""

import math

import numpy as np

THEORIES = {
    "n log n": lambda x: x * np.log(x),
    "linear": lambda x: x,
    "quadratic": lambda x: x * x,
}


def fit_power_law(x, t):
    """(slope k, prefactor c, R^2) of the least-squares line log t = k log x + log c.

    Args:
      x: >= 2 distinct positive abscissae; t: positive values, same length.

    Returns:
      (k, c, r2) as floats; r2 = 1 - SS_res / SS_tot in log space (1 for two points).
    """
    lx, lt = np.log(np.asarray(x, float)), np.log(np.asarray(t, float))
    if lx.size < 2 or np.ptp(lx) == 0:
        raise ValueError(f"a power law needs >= 2 distinct x values; got {list(x)}")
    k, log_c = np.polyfit(lx, lt, 1)
    residual = lt - (k * lx + log_c)
    total = np.sum((lt - lt.mean()) ** 2)
    r2 = 1.0 - np.sum(residual ** 2) / total if total > 0 else 1.0
    return float(k), float(math.exp(log_c)), float(r2)


def fit_scale(x, t, theory):
    """c of t ~= c f(x), least squares in log space: c = exp(mean(log t - log f(x)))."""
    f = THEORIES[theory](np.asarray(x, float))
    return float(np.exp(np.mean(np.log(np.asarray(t, float)) - np.log(f))))


def theory_slope(x, theory):
    """The power-law exponent the theory curve itself has over the points x."""
    x = np.asarray(x, float)
    return fit_power_law(x, THEORIES[theory](x))[0]


def verdict(slope, r2, expected, slope_tol=0.2, min_r2=0.95):
    """True when the measured slope is within `slope_tol` of `expected` and R^2 >= min_r2."""
    return abs(slope - expected) <= slope_tol and r2 >= min_r2


def crossing(x0, t0, slope, limit):
    """The x where a power law of `slope` through (x0, t0) reaches `limit`."""
    if slope <= 0:
        return math.inf
    return x0 * (limit / t0) ** (1.0 / slope)
