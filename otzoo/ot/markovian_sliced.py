"""Markovian sliced Wasserstein (MSW): directions from Markov chains on the sphere.

    theta_1 ~ U(S^{d-1}),  theta_t ~ sigma_t(. | theta_{t-1})   (t = 2..T)
    MSW_{p,T}(mu, nu) = ( E[(1/T) sum_t W_p^p(theta_t#mu, theta_t#nu)] )^{1/p}

Independent uniform directions are redundant (many are nearly useless in high
dimension); a chain makes each direction depend on the previous one, either to spread
them (orthogonal moves) or to climb towards discriminative directions (moves along the
gradient of the projected distance). Estimate with L independent chains:

    MSW_p^p ~= (1 / (L |K|)) sum_{l=1}^L sum_{t in K} W_p^p(theta_{l,t}#mu, theta_{l,t}#nu)

with K = {M+1, M+1+N, M+1+2N, ... <= T} after a burn-in of M states and a thinning
of N (M = 0, N = 1 keeps all T states).

Transitions (`transition`):
* "orthogonal": theta_t uniform on the great subsphere orthogonal to theta_{t-1}:
  psi ~ N(0, I_d), theta_t = (psi - <psi, theta_{t-1}> theta_{t-1}) / |...|.
* "random_walk": theta_t ~ vMF(theta_{t-1}, kappa) (von Mises-Fisher).
* "input_aware": theta_t = (theta_{t-1} + eta grad) / |theta_{t-1} + eta grad| with
  grad = grad_theta W_p(theta_{t-1}#mu, theta_{t-1}#nu): one projected gradient-ascent
  step on the projected distance, as in max-SW (`max_sliced_wasserstein`).
* "input_aware_random_walk": theta_t ~ vMF(input-aware step, kappa).

With burn_in = num_steps - 1 only the last state of each chain is kept; for
"input_aware" that is num_steps - 1 max-SW ascent steps per chain from a random start.

Gradients w.r.t. x and y hold the directions fixed: the chains run on stop-gradient
copies of the samples (as the authors' `X.detach()` / `theta.data`).

Defaults and where they come from (the paper's abstract, arXiv:2301.03749, defines the
family by a prior, a transition and burning/thinning, and names no values; the body
could not be read with our tools, so the values are from the authors' gradient-flow
code, github.com/khainb/MarkovianSW):
* kappa = 50 (their `rMSW`/`viMSW` default), learning_rate eta = 0.1 (`s_lr=0.1`), no
  burn-in and no thinning (`M=0, N=1`), the initial state counted as a kept state
  (`thetas[M:][::N]` includes theta_1).
* The ascent step uses W_p (with the 1/p root), as their code does.
* transition="orthogonal", num_chains=10, num_steps=5: ours (the paper defines a family
  and no single default; 10 x 5 = 50 directions matches otzoo's SW default). Their
  gradient-flow runs use L=2, T=5 (iMSW, rMSW, viMSW) and L=5, T=2 (oMSW).

Deviations from the authors' code: their ascent step differentiates
((1/L) sum_l n W_p^p(theta_l))^{1/p} (a sum over the n points, all chains in one
objective), which rescales each chain's step by a data-dependent factor; here each
chain steps along its own grad W_p(theta_l) of the empirical measures (weights 1/n),
as in the transition formula above. vMF draws use Wood's sampler with a fixed number
of proposals so that it compiles under XLA (`_spherical_sampling`).

References:
  Nguyen, Ren & Ho, "Markovian Sliced Wasserstein Distances: Beyond Independent
    Projections", NeurIPS 2023 (arXiv:2301.03749; code: github.com/khainb/MarkovianSW).
  Wood, "Simulation of the von Mises Fisher distribution", 1994.
"""

import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import _sliced_common
from otzoo.ot import _spherical_sampling as sampling
from otzoo.ot import projections as projections_lib
from otzoo.ot.sliced import check_measure_weights, sliced_wasserstein_power_per_direction
from otzoo.ot.wasserstein_1d import root

__all__ = ["markovian_directions", "markovian_sliced_wasserstein", "TRANSITIONS"]

TRANSITIONS = ("orthogonal", "random_walk", "input_aware", "input_aware_random_walk")


def _normalise_columns(theta):
    return theta / tf.norm(theta, axis=0, keepdims=True)


def _kept_steps(num_steps, burn_in, thinning):
    num_steps = _checks.check_positive_int(num_steps, "num_steps")
    burn_in = _checks.check_non_negative_int(burn_in, "burn_in")
    thinning = _checks.check_positive_int(thinning, "thinning")
    if burn_in >= num_steps:
        raise ValueError(f"burn_in must be smaller than num_steps ({num_steps}) so that "
                         f"at least one state is kept, got {burn_in}")
    return num_steps, list(range(burn_in, num_steps, thinning))


def _chain(x, y, num_chains, num_steps, transition, p, kappa, learning_rate,
           initial_directions, seed, a, b):
    """[T, d, L] states of L chains (stop-gradient), dtype of x."""
    dim = _sliced_common.static_dim(x)
    if dim < 2:
        raise ValueError(f"Markovian directions need d >= 2, got d = {dim}")
    seed = sampling.stateless_base_seed(seed)
    if initial_directions is None:
        theta = tf.cast(tf.transpose(sampling.uniform_sphere(
            num_chains, dim, sampling.child_seed(seed, 0))), x.dtype)
    else:
        theta = _checks.to_float_tensor(initial_directions, "initial_directions", x.dtype)
        projections_lib.check_directions(theta, dim, "initial_directions")
        if theta.shape[1] is not None and theta.shape[1] != num_chains:
            raise ValueError(f"initial_directions must have num_chains = {num_chains} "
                             f"columns, got shape {theta.shape.as_list()}")
        theta = _normalise_columns(theta)
    theta = tf.stop_gradient(theta)
    x_fixed, y_fixed = tf.stop_gradient(x), tf.stop_gradient(y)
    step_seeds = sampling.split_seed(sampling.child_seed(seed, 1), num_steps)

    def ascent_step(theta):
        with tf.GradientTape() as tape:
            tape.watch(theta)
            distances = root(sliced_wasserstein_power_per_direction(
                x_fixed, y_fixed, theta, p, a, b), p)
            total = tf.reduce_sum(distances)  # chains are independent: per-column grads
        return _normalise_columns(theta + learning_rate * tape.gradient(total, theta))

    def von_mises_fisher(location, seed):
        draws = sampling.von_mises_fisher(tf.transpose(location), kappa, seed)
        return _normalise_columns(tf.cast(tf.transpose(draws), x.dtype))

    def transition_fn(step, theta):
        seed = tf.gather(step_seeds, step)
        if transition == "orthogonal":
            psi = tf.cast(sampling.normal([dim, num_chains], seed), x.dtype)
            return _normalise_columns(
                psi - tf.reduce_sum(psi * theta, axis=0, keepdims=True) * theta)
        if transition == "random_walk":
            return von_mises_fisher(theta, seed)
        if transition == "input_aware":
            return ascent_step(theta)
        return von_mises_fisher(ascent_step(theta), seed)  # input_aware_random_walk

    states = tf.TensorArray(x.dtype, size=num_steps, element_shape=[dim, num_chains])
    states = states.write(0, theta)

    def body(step, theta, states):
        theta = tf.stop_gradient(transition_fn(step, theta))
        return step + 1, theta, states.write(step, theta)

    _, _, states = tf.while_loop(lambda step, *_: step < num_steps, body,
                                 (tf.constant(1), theta, states))
    return tf.stop_gradient(states.stack())


def markovian_directions(x, y, num_chains=10, num_steps=5, transition="orthogonal", p=2,
                         kappa=50.0, learning_rate=0.1, burn_in=0, thinning=1,
                         initial_directions=None, seed=None, a=None, b=None):
    """The kept states of L Markov chains of directions, as the columns of [d, L |K|].

    Args:
      x: [n, d] samples of mu (d >= 2, static); y: [m, d] samples of nu.
      num_chains: L, independent chains.
      num_steps: T, states per chain (the initial state included).
      transition: "orthogonal", "random_walk", "input_aware" or
        "input_aware_random_walk" (see the module docstring).
      p: order of the W_p whose gradient drives the input-aware transitions.
      kappa: vMF concentration of the random-walk transitions (> 0).
      learning_rate: eta, the ascent step of the input-aware transitions (> 0).
      burn_in: M, leading states dropped (0 <= M < T).
      thinning: N, keep every N-th state after the burn-in.
      initial_directions: optional [d, L] start states (normalised here); default
        uniform random.
      seed: int, SeedGenerator, [2] integer tensor or None.
      a, b: optional non-negative sample weights; None = uniform.

    Returns:
      [d, L |K|] unit directions (state-major: the L chains at the first kept step,
      then at the next, ...), dtype of x, without gradient.
    """
    x, y = _checks.check_point_clouds(x, y)
    p = _checks.check_p(p)
    num_chains = _checks.check_positive_int(num_chains, "num_chains")
    num_steps, kept = _kept_steps(num_steps, burn_in, thinning)
    _checks.check_choice(transition, "transition", TRANSITIONS)
    kappa = _checks.check_positive(kappa, "kappa")
    learning_rate = _checks.check_positive(learning_rate, "learning_rate")
    a, b = check_measure_weights(a, b, x, y)
    states = _chain(x, y, num_chains, num_steps, transition, p, kappa, learning_rate,
                    initial_directions, seed, a, b)
    kept_states = tf.gather(states, kept)  # [|K|, d, L]
    return tf.reshape(tf.transpose(kept_states, [1, 0, 2]),
                      [x.shape[1], len(kept) * num_chains])


def markovian_sliced_wasserstein(x, y, num_chains=10, num_steps=5, p=2,
                                 transition="orthogonal", kappa=50.0, learning_rate=0.1,
                                 burn_in=0, thinning=1, projections=None,
                                 initial_directions=None, seed=None, a=None, b=None,
                                 return_power=False):
    """Monte Carlo Markovian sliced Wasserstein distance MSW_p.

    MSW_p = ((1 / (L |K|)) sum_{l, t in K} W_p^p(theta_{l,t}#mu, theta_{l,t}#nu))^{1/p}
    over the kept states of L chains (see `markovian_directions`).

    Args:
      x: [n, d] samples of mu.
      y: [m, d] samples of nu.
      num_chains, num_steps, transition, kappa, learning_rate, burn_in, thinning,
        initial_directions, seed: the chains, see `markovian_directions` (ignored when
        `projections` is given).
      p: order p >= 1.
      projections: optional [d, K] directions used as given (e.g. the output of
        `markovian_directions`); then the estimate is deterministic.
      a, b: optional non-negative weights [n], [m]; None = uniform.
      return_power: if True return MSW_p^p (no root).

    Returns:
      Scalar MSW_p (or MSW_p^p), dtype of x. Differentiable in x and y with the
      directions held fixed.
    """
    x, y = _checks.check_point_clouds(x, y)
    p = _checks.check_p(p)
    a, b = check_measure_weights(a, b, x, y)
    if projections is None:
        directions = markovian_directions(
            x, y, num_chains=num_chains, num_steps=num_steps, transition=transition,
            p=p, kappa=kappa, learning_rate=learning_rate, burn_in=burn_in,
            thinning=thinning, initial_directions=initial_directions, seed=seed, a=a,
            b=b)
    else:
        directions = _sliced_common.given_or_random_directions(x, projections, None,
                                                               None, "uniform")
    power = tf.reduce_mean(sliced_wasserstein_power_per_direction(x, y, directions, p,
                                                                  a, b))
    return power if return_power else root(power, p)
