"""Entropic optimal transport by log-domain Sinkhorn, and the Sinkhorn divergence.

Between discrete measures mu = sum_i a_i delta_{x_i} and nu = sum_j b_j delta_{y_j} with
cost C_ij = ||x_i - y_j||^p (p = 2: squared Euclidean, POT's `ot.dist` default),

    OT_eps(mu, nu) = min_{P >= 0, P 1 = a, Pᵀ1 = b} <P, C> + eps KL(P | a bᵀ).

Sinkhorn's algorithm solves the dual, max_{f, g} <a, f> + <b, g>
- eps <a bᵀ, exp((f ⊕ g - C) / eps) - 1>, by alternating exact maximisations. In the log
domain (Peyré & Cuturi 2019, Remark 4.23) each step is a logsumexp, which never
overflows however small eps is (plain Sinkhorn computes exp(-C / eps), which underflows
to 0 for eps << cost and then divides by 0):

    g_j <- -eps LSE_i(log a_i + (f_i - C_ij) / eps)      (columns of P sum to b)
    f_i <- -eps LSE_j(log b_j + (g_j - C_ij) / eps)      (rows of P sum to a)

with the plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps). Starting from g = 0, each of
the `num_iters` iterations updates f, then g; one last f update follows, so the rows of
the returned plan sum exactly to a (as in POT, whose loop also ends on the row scaling).
With `tol`, the loop stops after the first iteration whose plan (just after its f update)
has a column-marginal error ||Pᵀ1 - b||_1 <= tol; that error comes for free from the g
update that follows. The returned plan has had one more (g, f) update than the one tested.
It is a `tf.while_loop` with a fixed maximum trip count, so it compiles under XLA.

Two returned quantities (`value`):
    "transport": <P, C>, the transport cost of the regularised plan, without the entropy
        term. This is what POT's `ot.sinkhorn2(a, b, M, reg)` returns (reg = eps, M = C),
        and it tends to the exact OT cost (`ot.emd2`) as eps -> 0. Differentiated by
        autodiff through all iterations (the exact derivative of what was computed;
        memory grows with the number of iterations).
    "entropic": OT_eps = <a, f> + <b, g> at the final potentials (the dual objective,
        equal to the primal objective above at convergence). Differentiated by the
        envelope theorem: the potentials are held constant and only the last f update
        sees C, so the gradient w.r.t. C is the plan P (exact at convergence, cheap, no
        backpropagation through the loop). This is Feydy et al.'s (2019) recipe.

`sinkhorn_divergence` uses "entropic":

    S_eps(mu, nu) = OT_eps(mu, nu) - 1/2 OT_eps(mu, mu) - 1/2 OT_eps(nu, nu),

which is >= 0, = 0 iff mu = nu (for p = 1 or 2, Feydy et al. 2019, Thm. 1), and
interpolates between OT (eps -> 0) and an MMD (eps -> inf). Note that eps is absolute,
in units of the cost (like POT's `reg`), not relative to the data scale.

References:
    Cuturi. Sinkhorn Distances: Lightspeed Computation of Optimal Transport. NeurIPS 2013.
    Peyré, Cuturi. Computational Optimal Transport. Foundations and Trends in ML, 2019,
        Chapter 4 (log-domain Sinkhorn, Sec. 4.4).
    Genevay, Peyré, Cuturi. Learning Generative Models with Sinkhorn Divergences.
        AISTATS 2018.
    Feydy, Séjourné, Vialard, Amari, Trouvé, Peyré. Interpolating between Optimal
        Transport and MMD using Sinkhorn Divergences. AISTATS 2019.
"""

import tensorflow as tf

from otzoo.ot import _checks

VALUES = ("transport", "entropic")


def cost_matrix(x, y, p=2):
    """C_ij = ||x_i - y_j||_2^p, shape [n, m] (p = 2: squared Euclidean distance).

    Squared distances come from ||x||² + ||y||² - 2 xᵀy, clipped at 0 (cancellation can
    make them slightly negative). For p != 2 the root is taken where the squared distance
    is > 0 and the cost is set to 0 elsewhere, so coincident points get a zero
    (sub)gradient instead of the NaN of d sqrt(u)/du at u = 0.
    """
    x2 = tf.reduce_sum(tf.square(x), axis=-1)
    y2 = tf.reduce_sum(tf.square(y), axis=-1)
    sq = tf.maximum(x2[:, None] + y2[None, :] - 2.0 * tf.matmul(x, y, transpose_b=True),
                    0.0)
    if p == 2:
        return sq
    positive = sq > 0
    safe = tf.where(positive, sq, tf.ones_like(sq))
    return tf.where(positive, tf.pow(safe, 0.5 * p), tf.zeros_like(sq))


def _log_weights(w, num, dtype):
    if w is None:
        return tf.fill([num], -tf.math.log(tf.cast(num, dtype)))
    # log 0 = -inf is what we want: zero-mass points take no part in the logsumexp.
    return tf.math.log(w)


def _validate(x, y, epsilon, p, num_iters, tol, value, a, b):
    """Checks every argument; returns them normalised (weights as tensors or None)."""
    epsilon = _checks.check_positive(epsilon, "epsilon")
    p = _checks.check_p(p)
    num_iters = _checks.check_positive_int(num_iters, "num_iters")
    if tol is not None:
        tol = _checks.check_positive(tol, "tol")
    _checks.check_choice(value, "value", VALUES)
    x, y = _checks.check_point_clouds(x, y)
    a = _checks.check_weights(a, x.shape[0], "a", x.dtype)
    b = _checks.check_weights(b, y.shape[0], "b", x.dtype)
    return x, y, epsilon, p, num_iters, tol, a, b


# A graph even when called eagerly: an eager tf.while_loop is a Python loop of small
# ops (milliseconds per iteration). Inside an outer tf.function / XLA it is inlined.
@tf.function(autograph=False)
def _solve(cost, log_a, log_b, epsilon, num_iters, tol):
    """Runs the loop; returns the final g [m] and the number of iterations done."""
    dtype = cost.dtype
    eps = tf.cast(epsilon, dtype)

    def update_f(g):
        return -eps * tf.reduce_logsumexp(log_b[None, :] + (g[None, :] - cost) / eps,
                                          axis=1)

    def update_g(f):
        return -eps * tf.reduce_logsumexp(log_a[:, None] + (f[:, None] - cost) / eps,
                                          axis=0)

    def cond(it, g, err):
        del g
        if tol is None:
            return it < num_iters
        return tf.logical_and(it < num_iters, err > tol)

    def body(it, g, err):
        del err
        f = update_f(g)
        g_new = update_g(f)
        # Column sums of the plan (f, g) are b_j exp((g_j - g_new_j) / eps): the error
        # comes for free from the update that corrects it.
        # Written as exp(log b + .) - b so that zero-mass columns give 0, not 0 * inf.
        col_err = tf.reduce_sum(tf.abs(tf.exp(log_b + (g - g_new) / eps) - tf.exp(log_b)))
        return it + 1, g_new, col_err

    g0 = tf.zeros_like(cost[0])
    it, g, _ = tf.while_loop(
            cond, body,
            (tf.constant(0), g0, tf.constant(float("inf"), dtype)),
            maximum_iterations=num_iters)
    return g, it


def sinkhorn(x, y, epsilon=0.1, a=None, b=None, p=2, num_iters=100, tol=None,
             value="transport", return_plan=False):
    """Entropic OT between point clouds by log-domain Sinkhorn (see module docstring).

    Works eagerly, in `tf.function` and under `jit_compile=True`.

    Args:
        x: [n, d] support of mu.
        y: [m, d] support of nu (same d and dtype).
        epsilon: entropic regularisation, > 0, absolute (cost units; POT's `reg`).
        a: [n] non-negative weights of mu (normalised to sum 1 here), or None: uniform.
        b: [m] weights of nu, or None: uniform.
        p: cost exponent >= 1; C_ij = ||x_i - y_j||^p (p = 2: squared Euclidean).
        num_iters: number of (f, g) update pairs, or the maximum when `tol` is set.
        tol: if set, stop early once ||Pᵀ1 - b||_1 <= tol (see the module docstring).
        value: "transport" (<P, C>, POT's `ot.sinkhorn2`) or "entropic" (OT_eps).
        return_plan: also return the plan P [n, m] and the number of iterations run
            (an int32 scalar tensor).

    Returns:
        Scalar tensor (dtype of x), or (value, P, iterations) if `return_plan`.

    Raises:
        ValueError: bad shapes (rank, dims, empty), epsilon <= 0, p < 1, num_iters < 1,
            negative or wrongly sized weights, unknown `value`.
    """
    x, y, epsilon, p, num_iters, tol, a, b = _validate(
            x, y, epsilon, p, num_iters, tol, value, a, b)
    return _sinkhorn(x, y, epsilon, a, b, p, num_iters, tol, value, return_plan)


def _sinkhorn(x, y, epsilon, a, b, p, num_iters, tol, value, return_plan=False):
    dtype = x.dtype
    eps = tf.cast(epsilon, dtype)
    if a is not None:
        a = a / tf.reduce_sum(a)
    if b is not None:
        b = b / tf.reduce_sum(b)
    log_a = _log_weights(a, tf.shape(x)[0], dtype)
    log_b = _log_weights(b, tf.shape(y)[0], dtype)
    cost = cost_matrix(x, y, p)
    if value == "entropic":
        # Envelope theorem: the optimal potentials' dependence on C does not contribute
        # to the gradient, so the loop runs on a constant cost and needs no tape.
        g, it = _solve(tf.stop_gradient(cost), tf.stop_gradient(log_a),
                                 tf.stop_gradient(log_b), epsilon, num_iters, tol)
        g = tf.stop_gradient(g)
    else:
        g, it = _solve(cost, log_a, log_b, epsilon, num_iters, tol)

    # The last f update, differentiable in the cost: rows of P sum exactly to a.
    f = -eps * tf.reduce_logsumexp(log_b[None, :] + (g[None, :] - cost) / eps, axis=1)
    log_plan = log_a[:, None] + log_b[None, :] + (f[:, None] + g[None, :] - cost) / eps
    plan = tf.exp(log_plan)
    if value == "entropic":
        result = tf.reduce_sum(tf.exp(log_a) * f) + tf.reduce_sum(tf.exp(log_b) * g)
    else:
        result = tf.reduce_sum(plan * cost)
    if return_plan:
        return result, plan, it
    return result


def sinkhorn_divergence(x, y, epsilon=0.1, a=None, b=None, p=2, num_iters=100, tol=None):
    """Debiased Sinkhorn divergence S_eps(mu, nu) (see module docstring).

        S_eps = OT_eps(mu, nu) - 1/2 OT_eps(mu, mu) - 1/2 OT_eps(nu, nu),

    with OT_eps the entropic objective (`sinkhorn(..., value="entropic")`), gradients by
    the envelope theorem. S_eps(mu, mu) = 0 exactly (the three terms are computed alike).

    Args:
        x, y, epsilon, a, b, p, num_iters, tol: as in `sinkhorn` (each of the three
            problems runs the same iteration budget).

    Returns:
        Scalar tensor S_eps(mu, nu) (dtype of x), >= 0 up to convergence error.

    Raises:
        ValueError: as `sinkhorn`.
    """
    x, y, epsilon, p, num_iters, tol, a, b = _validate(
            x, y, epsilon, p, num_iters, tol, "entropic", a, b)
    kwargs = dict(epsilon=epsilon, p=p, num_iters=num_iters, tol=tol, value="entropic")
    xy = _sinkhorn(x, y, a=a, b=b, **kwargs)
    xx = _sinkhorn(x, x, a=a, b=a, **kwargs)
    yy = _sinkhorn(y, y, a=b, b=b, **kwargs)
    return xy - 0.5 * (xx + yy)
