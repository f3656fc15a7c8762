"""Sliced Wasserstein estimated with Gaussian control variates (LCV-SW, UCV-SW).

    SW_p^p(mu, nu) = E_{theta ~ U(S^{d-1})} W_p^p(theta#mu, theta#nu)

Plain Monte Carlo averages W_l = W_p^p(theta_l#mu, theta_l#nu) over L directions. A
control variate G(theta) with a known mean E[G] and correlated with W lowers the
variance for free:

    CV-SW_p^p = (1/L) sum_l W_l - gamma ( (1/L) sum_l G_l - E[G] ),
    gamma     = sum_l (W_l - W_bar)(G_l - E[G]) / sum_l (G_l - E[G])^2

(gamma estimates Cov(W, G) / Var(G), the variance-minimising coefficient, from the same
L directions). The control variates come from fitting Gaussians to the projections:
theta#mu ~ N(theta^T m_mu, theta^T S_mu theta) (means m, covariances S of the
measures), whose W_2^2 is (theta^T (m_mu - m_nu))^2 + (sqrt(theta^T S_mu theta) -
sqrt(theta^T S_nu theta))^2. Its square roots have no closed-form expectation over
the sphere, but its lower and upper bounds do (E[theta theta^T] = I_d / d):

    lower: G(theta) = (theta^T (m_mu - m_nu))^2,
           E[G] = |m_mu - m_nu|^2 / d                                   (LCV-SW)
    upper: G(theta) = (theta^T (m_mu - m_nu))^2 + theta^T S_mu theta + theta^T S_nu theta,
           E[G] = (|m_mu - m_nu|^2 + tr S_mu + tr S_nu) / d              (UCV-SW)

m and S are the weighted means and the (biased, 1/n) covariances of the samples,
theta^T S theta the weighted mean of the squared centred projections.

Where things come from (the paper's abstract, arXiv:2305.00402, states the construction:
Gaussian fits of the projections, and a lower and an upper bound of W_2^2 between them
as the two control variates; the body could not be read with our tools, so the details
are from the authors' code, github.com/khainb/CV-SW, `LCVSW`/`UCVSW`):
* the two control variates and their means, as above;
* gamma's denominator uses the known mean E[G] (not the sample mean of G), and the
  gradient flows through everything, gamma included (no detach);
* `control_variate="upper"` by default: our choice (it also tracks differences in
  spread, not only in mean; in a pure translation the two coincide);
* num_projections=50: otzoo's SW default (the authors use L = 10 and 100).

Deviations: where Var(G) = 0 (e.g. identical means for LCV, or d = 1) gamma is 0 (the
authors add 1e-24 to the denominator: the same value). The estimate of SW_p^p can be
negative in rare cases (a large gamma); the root is then taken as 0 (the authors'
`pow` gives NaN). The control variates are built for p = 2 (Gaussian W_2^2); for other
p they remain exact control variates (E[G] is known) but correlate less with W_p^p,
and gamma estimated from the same L directions makes the estimator unbiased only up to
O(1/L), as any estimated-coefficient control variate.

Directions can be fixed with `projections=` (e.g. QMC points); E[G] assumes their law
is uniform on the sphere.

References:
  Nguyen & Ho, "Sliced Wasserstein Estimation with Control Variates", ICLR 2024
    (arXiv:2305.00402; code: github.com/khainb/CV-SW).
"""

import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import _sliced_common
from otzoo.ot.sliced import check_measure_weights, sliced_wasserstein_power_per_direction
from otzoo.ot.wasserstein_1d import root

__all__ = ["control_variate_sliced_wasserstein", "CONTROL_VARIATES"]

CONTROL_VARIATES = ("lower", "upper")


def _moments(points, weights):
    """Weighted mean [d] and centred points [n, d] of one measure."""
    mean = tf.reduce_sum(weights[:, tf.newaxis] * points, axis=0)
    return mean, points - mean


def control_variates(x, y, directions, control_variate, a=None, b=None):
    """(G(theta_l) [L], E_theta G) of the Gaussian control variate.

    Args:
      x: [n, d]; y: [m, d]; directions: [d, L]; control_variate: "lower" or "upper";
      a, b: None or weights [n], [m] (normalised here).
    """
    dtype = x.dtype
    wa = _sliced_common.normalised_weights(a, tf.shape(x)[0], dtype)
    wb = _sliced_common.normalised_weights(b, tf.shape(y)[0], dtype)
    dim = tf.cast(tf.shape(x)[1], dtype)
    mean_x, centred_x = _moments(x, wa)
    mean_y, centred_y = _moments(y, wb)
    gap = mean_x - mean_y
    values = tf.square(tf.linalg.matvec(directions, gap, transpose_a=True))  # [L]
    expectation = tf.reduce_sum(tf.square(gap)) / dim
    if control_variate == "upper":
        # theta^T S theta = sum_i w_i <theta, x_i - m>^2; E over theta: tr S / d.
        spread_x = tf.linalg.matvec(tf.square(tf.matmul(centred_x, directions)), wa,
                                    transpose_a=True)
        spread_y = tf.linalg.matvec(tf.square(tf.matmul(centred_y, directions)), wb,
                                    transpose_a=True)
        values = values + spread_x + spread_y
        trace_x = tf.reduce_sum(wa * tf.reduce_sum(tf.square(centred_x), axis=1))
        trace_y = tf.reduce_sum(wb * tf.reduce_sum(tf.square(centred_y), axis=1))
        expectation = expectation + (trace_x + trace_y) / dim
    return values, expectation


def control_variate_sliced_wasserstein(x, y, num_projections=50, p=2,
                                       control_variate="upper", projections=None,
                                       seed=None, a=None, b=None, method="uniform",
                                       return_power=False):
    """Control-variate Monte Carlo estimate of SW_p (LCV-SW or UCV-SW).

    CV-SW_p^p = W_bar - gamma (G_bar - E[G]) (see the module docstring).

    Args:
      x: [n, d] samples of mu.
      y: [m, d] samples of nu.
      num_projections: L random directions (ignored when `projections` is given).
      p: order p >= 1 (the control variates are built for p = 2).
      control_variate: "lower" (LCV-SW) or "upper" (UCV-SW).
      projections: optional [d, L] directions used as given.
      seed: seed of the random directions.
      a, b: optional non-negative weights [n], [m]; None = uniform.
      method: direction sampler, "uniform", "orthogonal" or "qmc".
      return_power: if True return the estimate of SW_p^p (no root).

    Returns:
      Scalar CV-SW_p (or CV-SW_p^p), dtype of x; differentiable in x and y.
    """
    x, y = _checks.check_point_clouds(x, y)
    p = _checks.check_p(p)
    _checks.check_choice(control_variate, "control_variate", CONTROL_VARIATES)
    a, b = check_measure_weights(a, b, x, y)
    directions = _sliced_common.given_or_random_directions(x, projections,
                                                           num_projections, seed, method)
    powers = sliced_wasserstein_power_per_direction(x, y, directions, p, a, b)
    values, expectation = control_variates(x, y, directions, control_variate, a, b)
    centred = values - expectation
    mean_power = tf.reduce_mean(powers)
    gamma = tf.math.divide_no_nan(tf.reduce_mean((powers - mean_power) * centred),
                                  tf.reduce_mean(tf.square(centred)))
    power = mean_power - gamma * tf.reduce_mean(centred)
    return power if return_power else root(power, p)
