"""Energy-based sliced Wasserstein (EBSW): directions weighted by their own distance.

    sigma_f(theta) proportional to f(W_p^p(theta#mu, theta#nu))   on S^{d-1}
    EBSW_p(mu, nu; f) = ( E_{theta ~ sigma_f} W_p^p(theta#mu, theta#nu) )^{1/p}

with an increasing energy function f > 0, so that the slicing law puts more mass on the
directions that separate mu and nu, with no parameter to optimise (between SW, f
constant, and max-SW, f infinitely steep).

Estimator (importance sampling, "IS-EBSW"): draw theta_1..theta_L from the uniform
proposal and weight them with self-normalised importance weights; the proposal density
is constant, so it cancels:

    w_l = f(W_l) / sum_j f(W_j),   W_l = W_p^p(theta_l#mu, theta_l#nu),
    IS-EBSW_p^p = sum_l w_l W_l,      IS-EBSW_p = (sum_l w_l W_l)^{1/p}.

Energy functions: "exp", f(x) = e^x (a softmax of the W_l), and "poly", f(x) =
x^degree. A callable f may also be passed to the function (not to the loss).

Gradients: by default they flow through the weights, i.e. the returned value is
differentiated as written (the derivative of the self-normalised estimator, which
estimates the derivative of EBSW_p^p including the dependence of sigma_f on the
inputs). `stop_weight_gradient=True` treats the weights as constants.

Defaults and where they come from (the paper body could not be read with our tools, only
its abstract, arXiv:2304.13586, which names no default; we checked the authors' README
and code, github.com/khainb/EBSW):
* energy="exp": the authors' gradient-flow script (`f_type='exp'`); "poly" uses
  degree 2 there (`rho=2`).
* Gradient through the weights: the authors' gradient-flow script (`copy=False`); their
  point-cloud code offers both ("independent" detaches the weights).
* num_projections=50: otzoo's SW default (the authors use L = 10 and 100).

Deviation (from the authors' code, not the definition): their 1-D distances sum
|.|^p over the n points (n W_p^p), so f acts on n W_p^p and the exp energy sharpens with
the batch size; here f acts on W_p^p of the empirical measures (weights 1/n), as in the
definition above.

Conventions: as `sliced_wasserstein` (root by default, means over samples). With a
constant energy function EBSW = SW.

References:
  Nguyen & Ho, "Energy-Based Sliced Wasserstein Distance", NeurIPS 2023
    (arXiv:2304.13586; code: github.com/khainb/EBSW).
"""

import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import _sliced_common
from otzoo.ot.sliced import check_measure_weights, sliced_wasserstein_power_per_direction
from otzoo.ot.wasserstein_1d import root

__all__ = ["energy_based_sliced_wasserstein", "ENERGIES"]

ENERGIES = _sliced_common.ENERGIES


def energy_based_sliced_wasserstein(x, y, num_projections=50, p=2, energy="exp",
                                    degree=2.0, projections=None, seed=None, a=None,
                                    b=None, method="uniform", stop_weight_gradient=False,
                                    return_power=False):
    """Importance-sampling estimate of the energy-based sliced Wasserstein distance.

    IS-EBSW_p = (sum_l w_l W_p^p(theta_l#mu, theta_l#nu))^{1/p} with
    w_l = f(W_p^p(theta_l...)) / sum_j f(W_p^p(theta_j...)), theta_l uniform.

    Args:
      x: [n, d] samples of mu.
      y: [m, d] samples of nu.
      num_projections: L, the number of proposal directions (ignored when
        `projections` is given).
      p: order p >= 1.
      energy: "exp" (f = e^x), "poly" (f = x^degree), or a callable mapping the [L]
        values W_p^p to [L] positive values.
      degree: exponent of the "poly" energy (> 0).
      projections: optional [d, L] proposal directions (columns), used as given, e.g.
        QMC points; the estimate then is deterministic.
      seed: seed of the random directions (int, SeedGenerator, [2] tensor, None).
      a, b: optional non-negative weights [n], [m] of the samples; None = uniform.
      method: proposal sampler, "uniform", "orthogonal" or "qmc".
      stop_weight_gradient: if True, no gradient flows through the weights w_l.
      return_power: if True return IS-EBSW_p^p (no root).

    Returns:
      Scalar IS-EBSW_p (or its p-th power), dtype of x.
    """
    x, y = _checks.check_point_clouds(x, y)
    p = _checks.check_p(p)
    energy, degree = _sliced_common.check_energy(energy, degree)
    a, b = check_measure_weights(a, b, x, y)
    directions = _sliced_common.given_or_random_directions(x, projections,
                                                           num_projections, seed, method)
    powers = sliced_wasserstein_power_per_direction(x, y, directions, p, a, b)
    weights = _sliced_common.energy_weights(powers, energy, degree)
    if stop_weight_gradient:
        weights = tf.stop_gradient(weights)
    power = tf.reduce_sum(weights * powers)
    return power if return_power else root(power, p)
