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

with the plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps). Starting from g = 0, each
iteration updates f, then g; one last f update follows, so the rows of the returned plan
sum exactly to a (as in POT, whose loop also ends on the row scaling).

Stopping. Each iteration tests the plan just after its f update: its column-marginal
error ||Pᵀ1 - b||_1 (free: it is b_j exp((g_j - g_new_j) / eps) from the g update that
follows). The loop stops at the first iteration with error <= `tol` (default 1e-4, i.e.
5e-5 of the mass misplaced) or after `num_iters` iterations (default 10^3: the first
example of the table below needs 538 at eps = 0.01; smaller eps wants epsilon-scaling or
more iterations, and autodiff of value="transport" under XLA reserves memory for every
one of them, 4.1 GB at 200 x 200 float32 with 10^4); the returned
plan has had one more (g, f) update than the one tested. `return_info=True` also returns
`SinkhornInfo(converged, iterations, marginal_error)`, `converged` being that test. An
eager call that stops unconverged warns (RuntimeWarning); a traced one cannot (no Python
runs then): ask for the info. `tol=None` runs exactly `num_iters` iterations, untested
(the former default, 100 such iterations, returned 0.742 for a value of 0.898 in the
first example of the table below). In float32 the error cannot go much below
~4e-9 max C / eps (rounding of potentials of size ~max C, divided by eps): ~2e-4 at
max C / eps = 5e4, where only float64 (or a larger tol or eps) converges.
The loop is a `tf.while_loop` with a fixed maximum trip count, so it compiles under XLA.

Epsilon-scaling (`epsilon_scaling=s`, off by default; Kosowsky & Yuille 1994, Schmitzer
2019, Feydy 2020 Sec. 3.3) anneals eps: stage k solves at
eps_k = max(eps, s^k max_ij C_ij), warm-started from the potentials of stage k - 1 (they
are in cost units: no rescaling), and moves on once its own marginal error is below
10 tol (of 1, 10 and 100 tol, 10 was best or near it on the 2-D to 10-D clouds we
tried: 1 wastes iterations on mere warm starts, 100 starts the next stage too far), or
once it has used its share of half of `num_iters` (so that a slow stage cannot starve
the target one); only the target eps is tested against tol. With tol=None each stage
gets one iteration, as in geomloss. Convention: s multiplies eps (cost units, eps = blur^p);
geomloss' `scaling` multiplies the blur, so its scaling=0.5 is s = 0.25 at p = 2, and it
starts from the bounding-box diameter^p >= max C. Iterations (and CPU seconds, float64,
a shared 2-core machine) to tol = 1e-4 for x ~ N(0, I_3) / 2 (n = 120) and
y ~ (N(0, I_3) + 1) / 2 (m = 150), max C = 13.5, then for twice the spread (max C = 54):

    eps      plain          s = 0.5       s = 0.25      POT sinkhorn_log to 1e-9
    0.1        51  0.01 s     59  0.02 s    51  0.01 s      110 it
    0.01      538  0.09 s    392  0.09 s   365  0.09 s     1040 it
    0.001    8110  3.2 s    1755  0.86 s  1640  0.58 s    > 10^5 it
    (2x) 0.1  214  0.07 s    176  0.05 s   159  0.04 s      430 it
    (2x) 0.01 2825 0.76 s    963  0.24 s  1013  0.24 s    > 4 10^5 it
    (2x) 1e-3 23973* 6.7 s  2020  0.36 s  2082  0.74 s    > 2 10^5 it

(* more than the default num_iters = 10^4: the default call stops there and warns.)

Every value is within 1e-4 (relative) of POT's `ot.sinkhorn2(..., method="sinkhorn_log",
stopThr=1e-9)` (its longest run where it did not converge); e.g. at (2x) eps = 0.01:
3.58513 (plain), 3.58545 (s = 0.5), POT 3.58537, exact OT (`ot.emd2`) 3.58487.
Annealing shortens the first phase, whose length from g = 0 grows like max C / eps; the
final linear convergence rate at eps is unchanged. It costs iterations where the
cold start is already good: mu against itself, or against a near copy (e.g. a generator
close to the data), takes 387 iterations annealed vs 55 plain (n = 120, eps = 0.01), so
`sinkhorn_divergence` anneals OT_eps(mu, nu) only.

Two returned quantities (`value`):
    "transport": <P, C>, the transport cost of the regularised plan, without the entropy
        term. This is what POT's `ot.sinkhorn2(a, b, M, reg)` returns (reg = eps, M = C),
        and it tends to the exact OT cost (`ot.emd2`) as eps -> 0. Differentiated by
        autodiff through all iterations (the exact derivative of what was computed,
        annealing schedule included; memory grows with the iterations: 2 n m floats
        each, and under XLA, which needs static sizes, for all `num_iters` up front:
        lower num_iters to differentiate "transport" under jit_compile).
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
    Kosowsky, Yuille. The invisible hand algorithm: Solving the assignment problem with
        statistical physics. Neural Networks, 1994 (epsilon-scaling).
    Schmitzer. Stabilized Sparse Scaling Algorithms for Entropy Regularized Transport
        Problems. SIAM J. Sci. Comput., 2019.
    Feydy. Geometric data analysis, beyond convolutions. PhD thesis, Université
        Paris-Saclay, 2020 (Sec. 3.3, the annealing schedule of geomloss).
"""

import collections
import math
import warnings

import tensorflow as tf

from otzoo.ot import _checks

VALUES = ("transport", "entropic")

# Defaults: see "Stopping" in the module docstring.
DEFAULT_NUM_ITERS = 1_000
DEFAULT_TOL = 1e-4

SinkhornInfo = collections.namedtuple(
        "SinkhornInfo", ["converged", "iterations", "marginal_error"])
SinkhornInfo.__doc__ = """How a Sinkhorn solve ended (tensors; see `sinkhorn`).

converged: bool scalar, marginal_error <= tol (None when tol is None: no criterion).
iterations: int32 scalar, (f, g) update pairs run, annealing stages included.
marginal_error: the loop's last test, ||P'ᵀ1 - b||_1 for the plan P' one (g, f) update
    before the returned one (rows of both sum to a exactly); inf if the loop stopped
    while annealing, before reaching the target epsilon.
"""


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


def check_epsilon_scaling(epsilon_scaling):
    """None, or the annealing factor as a float in (0, 1); else ValueError."""
    if epsilon_scaling is None:
        return None
    value = _checks.check_positive(epsilon_scaling, "epsilon_scaling")
    if not value < 1.0:
        raise ValueError(f"epsilon_scaling must be None or a factor in (0, 1) (epsilon is "
                         f"multiplied by it at each annealing stage), got "
                         f"{epsilon_scaling!r}")
    return value


def _validate(x, y, epsilon, p, num_iters, tol, epsilon_scaling, value, a, b):
    """Checks every argument; returns them normalised (weights as tensors or None)."""
    epsilon = _checks.check_positive(epsilon, "epsilon")
    p = _checks.check_p(p)
    num_iters = _checks.check_positive_int(num_iters, "num_iters")
    if tol is not None:
        tol = _checks.check_positive(tol, "tol")
    epsilon_scaling = check_epsilon_scaling(epsilon_scaling)
    _checks.check_choice(value, "value", VALUES)
    x, y = _checks.check_point_clouds(x, y)
    a = _checks.check_weights(a, x.shape[0], "a", x.dtype)
    b = _checks.check_weights(b, y.shape[0], "b", x.dtype)
    return x, y, epsilon, p, num_iters, tol, epsilon_scaling, a, b


# Intermediate annealing stages are solved to this multiple of `tol` before epsilon
# decreases (see "Epsilon-scaling" in the module docstring).
STAGE_TOL_FACTOR = 10.0


# A graph even when called eagerly: an eager tf.while_loop is a Python loop of small
# ops (milliseconds per iteration). Inside an outer tf.function / XLA it is inlined.
@tf.function(autograph=False)
def _solve(cost, log_a, log_b, epsilon, num_iters, tol, epsilon_scaling):
    """Runs the loop; returns the final g [m], the iterations done and the last error.

    The error is ||Pᵀ1 - b||_1 of the last plan tested (inf while annealing).
    """
    dtype = cost.dtype
    eps_target = tf.constant(epsilon, dtype)
    inf = tf.constant(float("inf"), dtype)
    if epsilon_scaling is None:
        def eps_at(stage):
            del stage
            return eps_target
    else:
        # Stage k solves at max(eps, eps_0 s^k), warm-started from stage k - 1. eps_0 is
        # the largest cost (diameter^p), where the problem is nearly solved in one
        # iteration. Not stopped in the gradient: "transport" differentiates exactly
        # what was computed, schedule included (it matters only before convergence).
        eps_start = tf.maximum(tf.reduce_max(cost), eps_target)
        log_factor = tf.constant(math.log(epsilon_scaling), dtype)

        def eps_at(stage):
            # max() gives eps_target bit for bit once the schedule passes below it.
            return tf.maximum(eps_target,
                              eps_start * tf.exp(tf.cast(stage, dtype) * log_factor))

        # A stage that converges slowly (mu against a near copy of itself) must not eat
        # the budget: annealing gets at most half of num_iters, split over the stages.
        num_stages = tf.math.ceil(
                tf.math.log(eps_start / eps_target) / -log_factor)
        stage_budget = tf.maximum(
                1, num_iters // (2 * tf.maximum(1, tf.cast(num_stages, tf.int32))))

    def update_f(g, eps):
        return -eps * tf.reduce_logsumexp(log_b[None, :] + (g[None, :] - cost) / eps,
                                          axis=1)

    def update_g(f, eps):
        return -eps * tf.reduce_logsumexp(log_a[:, None] + (f[:, None] - cost) / eps,
                                          axis=0)

    def cond(it, stage, stage_it, g, err):
        del stage, stage_it, g
        if tol is None:
            return it < num_iters
        return tf.logical_and(it < num_iters, err > tol)

    def body(it, stage, stage_it, g, err):
        del err
        eps = eps_at(stage)
        f = update_f(g, eps)
        g_new = update_g(f, eps)
        # Column sums of the plan (f, g) are b_j exp((g_j - g_new_j) / eps): the error
        # comes for free from the update that corrects it.
        # Written as exp(log b + .) - b so that zero-mass columns give 0, not 0 * inf.
        col_err = tf.reduce_sum(tf.abs(tf.exp(log_b + (g - g_new) / eps) - tf.exp(log_b)))
        if epsilon_scaling is not None:
            annealing = eps > eps_target
            if tol is None:  # no test to pass: one iteration per stage (as geomloss)
                advance = annealing
            else:
                advance = tf.logical_and(
                        annealing, tf.logical_or(col_err <= STAGE_TOL_FACTOR * tol,
                                                 stage_it + 1 >= stage_budget))
            stage = stage + tf.cast(advance, stage.dtype)
            stage_it = tf.where(advance, 0, stage_it + 1)
            # A stage's plan solves another problem: it cannot pass the final test.
            col_err = tf.where(annealing, inf, col_err)
        return it + 1, stage, stage_it, g_new, col_err

    g0 = tf.zeros_like(cost[0])
    it, _, _, g, err = tf.while_loop(
            cond, body, (tf.constant(0), tf.constant(0), tf.constant(0), g0, inf),
            maximum_iterations=num_iters)
    return g, it, err


def sinkhorn(x, y, epsilon=0.1, a=None, b=None, p=2, num_iters=DEFAULT_NUM_ITERS,
             tol=DEFAULT_TOL, epsilon_scaling=None, value="transport",
             return_plan=False, return_info=False):
    """Entropic OT between point clouds by log-domain Sinkhorn (see module docstring).

    Works eagerly, in `tf.function` and under `jit_compile=True`. Called eagerly, it
    warns (`RuntimeWarning`) when `num_iters` iterations did not reach `tol`; inside a
    `tf.function` nothing can be logged: ask for `return_info=True`.

    Args:
        x: [n, d] support of mu.
        y: [m, d] support of nu (same d and dtype).
        epsilon: entropic regularisation, > 0, absolute (cost units; POT's `reg`).
        a: [n] non-negative weights of mu (normalised to sum 1 here), or None: uniform.
        b: [m] weights of nu, or None: uniform.
        p: cost exponent >= 1; C_ij = ||x_i - y_j||^p (p = 2: squared Euclidean).
        num_iters: maximum number of (f, g) update pairs, annealing stages included
            (exactly this many when `tol` is None).
        tol: stop once ||Pᵀ1 - b||_1 <= tol at the target epsilon (see the module
            docstring); None: no test, run `num_iters` iterations.
        epsilon_scaling: None (plain Sinkhorn at `epsilon` from the first iteration) or
            a factor s in (0, 1): anneal from max_ij C_ij down to `epsilon`, multiplying
            it by s at each stage (see the module docstring; geomloss' `scaling` is
            s^(1/p), on the blur).
        value: "transport" (<P, C>, POT's `ot.sinkhorn2`) or "entropic" (OT_eps).
        return_plan: also return the plan P [n, m] and the number of iterations run
            (an int32 scalar tensor).
        return_info: also return a `SinkhornInfo` (converged, iterations,
            marginal_error).

    Returns:
        Scalar tensor (dtype of x); with `return_plan` the tuple (value, P, iterations);
        with `return_info` the info is appended last.

    Raises:
        ValueError: bad shapes (rank, dims, empty), epsilon <= 0, p < 1, num_iters < 1,
            tol <= 0, epsilon_scaling outside (0, 1), negative or wrongly sized weights,
            unknown `value`.
    """
    x, y, epsilon, p, num_iters, tol, epsilon_scaling, a, b = _validate(
            x, y, epsilon, p, num_iters, tol, epsilon_scaling, value, a, b)
    result, plan, info = _sinkhorn(x, y, epsilon, a, b, p, num_iters, tol,
                                   epsilon_scaling, value)
    _warn_if_not_converged(info, tol, num_iters, "sinkhorn")
    outputs = (result,)
    if return_plan:
        outputs += (plan, info.iterations)
    if return_info:
        outputs += (info,)
    return outputs[0] if len(outputs) == 1 else outputs


def _warn_if_not_converged(info, tol, num_iters, name):
    """Eager calls only: a traced call has no value to test (use return_info)."""
    if tol is None or not tf.executing_eagerly():
        return
    if not bool(tf.reduce_all(info.converged)):
        warnings.warn(
                f"{name} did not converge: marginal error "
                f"{float(tf.reduce_max(info.marginal_error)):.3g} > tol {tol:g} after "
                f"{int(tf.reduce_max(info.iterations))} iterations (num_iters="
                f"{num_iters}); raise num_iters or epsilon, or use epsilon_scaling",
                RuntimeWarning, stacklevel=3)


def _sinkhorn(x, y, epsilon, a, b, p, num_iters, tol, epsilon_scaling, value):
    """Returns (value, plan, SinkhornInfo)."""
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
        g, it, err = _solve(tf.stop_gradient(cost), tf.stop_gradient(log_a),
                            tf.stop_gradient(log_b), epsilon, num_iters, tol,
                            epsilon_scaling)
        g = tf.stop_gradient(g)
    else:
        g, it, err = _solve(cost, log_a, log_b, epsilon, num_iters, tol, epsilon_scaling)

    # The last f update, differentiable in the cost: rows of P sum exactly to a.
    f = -eps * tf.reduce_logsumexp(log_b[None, :] + (g[None, :] - cost) / eps, axis=1)
    log_plan = log_a[:, None] + log_b[None, :] + (f[:, None] + g[None, :] - cost) / eps
    plan = tf.exp(log_plan)
    if value == "entropic":
        result = tf.reduce_sum(tf.exp(log_a) * f) + tf.reduce_sum(tf.exp(log_b) * g)
    else:
        result = tf.reduce_sum(plan * cost)
    # The error the loop tested, so that `converged` is the loop's own stopping test.
    err = tf.stop_gradient(err)
    converged = None if tol is None else err <= tol
    return result, plan, SinkhornInfo(converged, it, err)


def sinkhorn_divergence(x, y, epsilon=0.1, a=None, b=None, p=2,
                        num_iters=DEFAULT_NUM_ITERS, tol=DEFAULT_TOL,
                        epsilon_scaling=None, return_info=False):
    """Debiased Sinkhorn divergence S_eps(mu, nu) (see module docstring).

        S_eps = OT_eps(mu, nu) - 1/2 OT_eps(mu, mu) - 1/2 OT_eps(nu, nu),

    with OT_eps the entropic objective (`sinkhorn(..., value="entropic")`), gradients by
    the envelope theorem. Without epsilon_scaling, S_eps(mu, mu) = 0 exactly (the three
    terms are computed alike); with it, only OT_eps(mu, nu) is annealed (see the module
    docstring) and S_eps(mu, mu) = 0 up to the tolerance.

    Args:
        x, y, epsilon, a, b, p, num_iters, tol: as in `sinkhorn`, for each of the three
            problems.
        epsilon_scaling: as in `sinkhorn`, for OT_eps(mu, nu) only.
        return_info: also return a `SinkhornInfo` whose `iterations` and
            `marginal_error` are [3] tensors (problems (x, y), (x, x), (y, y)) and whose
            `converged` is true iff all three converged.

    Returns:
        Scalar tensor S_eps(mu, nu) (dtype of x), >= 0 up to convergence error; with
        `return_info`, (S_eps, info).

    Raises:
        ValueError: as `sinkhorn`.
    """
    x, y, epsilon, p, num_iters, tol, epsilon_scaling, a, b = _validate(
            x, y, epsilon, p, num_iters, tol, epsilon_scaling, "entropic", a, b)
    kwargs = dict(epsilon=epsilon, p=p, num_iters=num_iters, tol=tol, value="entropic")
    xy, _, info_xy = _sinkhorn(x, y, a=a, b=b, epsilon_scaling=epsilon_scaling, **kwargs)
    # No annealing for mu to itself: from g = 0 the first iteration already nearly
    # solves it at small eps (the plan concentrates on the diagonal, C_ii = 0), and
    # annealing only adds slow intermediate stages (module docstring).
    xx, _, info_xx = _sinkhorn(x, x, a=a, b=a, epsilon_scaling=None, **kwargs)
    yy, _, info_yy = _sinkhorn(y, y, a=b, b=b, epsilon_scaling=None, **kwargs)
    infos = (info_xy, info_xx, info_yy)
    info = SinkhornInfo(
            None if tol is None else tf.reduce_all(tf.stack([i.converged for i in infos])),
            tf.stack([i.iterations for i in infos]),
            tf.stack([i.marginal_error for i in infos]))
    _warn_if_not_converged(info, tol, num_iters, "sinkhorn_divergence")
    divergence = xy - 0.5 * (xx + yy)
    return (divergence, info) if return_info else divergence
