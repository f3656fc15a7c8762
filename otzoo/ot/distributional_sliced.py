"""The distributional sliced p-Wasserstein distance (DSW): a learned law of directions.

    DSW_p(mu, nu; C) = sup_{sigma in M_C} ( E_{theta ~ sigma} W_p^p(theta#mu, theta#nu) )^{1/p}
    M_C = { sigma on S^{d-1} : E_{theta, theta' ~ sigma} |<theta, theta'>| <= C }

Between SW (sigma uniform: every direction, informative or not) and max-SW (sigma a
Dirac: one direction), DSW looks for a spread-out law concentrated on informative
directions; the constraint keeps the directions diverse.

Computation (as in the paper, Algorithm 1, and the authors' code): sigma is the law of
theta = f(theta_0) / |f(theta_0)| with theta_0 uniform on the sphere and f a linear
layer f(t) = t K + b (K [d, d], b [d]). With the constraint moved to a penalty of
fixed weight lambda_C (`regularization`), f is trained by `num_steps` Adam ascent steps
on

    J(f) = (1/L) sum_l W_p^p(theta_l#mu, theta_l#nu)
           - lambda_C ( (1/L^2) sum_{l,l'} |<theta_l, theta_l'>| - C ),

(C is a constant of the Lagrangian and drops out of the gradient), then

    DSW_p ~= ( (1/L) sum_l W_p^p(theta_l#mu, theta_l#nu) )^{1/p}

is evaluated with the trained f. Its gradient w.r.t. the samples treats f (and the
theta_0) as fixed: the ascent runs on stop-gradient copies of the samples, as in the
authors' code (`.detach()`), i.e. Danskin's theorem for the sup over f.

Two forms:
* `DistributionalSlicer`, a Keras layer owning f and its Adam state as (non-trainable)
  weights, so a model (e.g. the SWAE regulariser) keeps and keeps improving f across
  training steps exactly like the authors' code keeps `transform_net`/`op_trannet`.
  The weights are non-trainable for the model's optimizer: only the ascent moves them;
  they are saved with the model.
* `distributional_sliced_wasserstein(...)`, functional: with `slicer=` it calls that
  slicer; without, it builds f from the seed with tensors (no variables, compiles
  anywhere) and runs the ascent from scratch on every call.

Paper / code defaults used here: L = 1000 projections, p = 2, f a single linear layer
with bias, PyTorch `nn.Linear` initialisation (U(-1/sqrt(d), 1/sqrt(d)) for K and b),
Adam with learning rate 5e-4 and betas (0.5, 0.999), 10 ascent steps per call
(`--niter=10`), lambda_C = 1 (`--lam` default of the MNIST script; the README suggests
10). The pair-average includes the diagonal (l = l'), as in the code.

Deviations: (1) the ascent objective uses the mean over samples of |.|^p, i.e. W_p^p of
the empirical measures, while the authors' code ascends ((1/L) sum_l (sum_i |.|^p)^{...})
with a sum over samples and the 1/p root; the maximiser over sigma for a fixed penalty
weight differs by that scale, so lambda_C values are not interchangeable with theirs.
(2) The functional form without a slicer restarts f on every call; at the default
learning rate 10 steps barely move f, so for one-shot estimates raise `num_steps` and
`learning_rate` (or keep a `DistributionalSlicer`).

References:
  Nguyen, Ho, Pham & Bui, "Distributional Sliced-Wasserstein and Applications to
    Generative Modeling", ICLR 2021 (code: github.com/VinAIResearch/DSW).
  Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from otzoo.ot import _checks
from otzoo.ot import projections as projections_lib
from otzoo.ot.sliced import sliced_wasserstein_power_per_direction
from otzoo.ot.wasserstein_1d import root

__all__ = ["distributional_sliced_wasserstein", "DistributionalSlicer", "DEFAULTS"]

# The authors' defaults (see the module docstring).
DEFAULTS = dict(num_projections=1000, p=2, regularization=1.0, num_steps=10,
                learning_rate=5e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-8)


def _pushforward_directions(kernel, bias, theta0):
    """theta = f(theta_0)/|f(theta_0)| for columns theta_0 [d, L] -> [d, L]."""
    out = tf.matmul(kernel, theta0, transpose_a=True) + bias[:, tf.newaxis]
    tiny = tf.constant(np.finfo(out.dtype.as_numpy_dtype).tiny, out.dtype)
    return out / tf.sqrt(tf.maximum(tf.reduce_sum(tf.square(out), axis=0,
                                                  keepdims=True), tiny))


def _mean_abs_cosine(directions):
    """(1/L^2) sum_{l,l'} |<theta_l, theta_l'>| for unit columns (diagonal included)."""
    return tf.reduce_mean(tf.abs(tf.matmul(directions, directions, transpose_a=True)))


def _ascent(params, adam_state, theta0, x, y, p, regularization, num_steps,
            learning_rate, beta_1, beta_2, epsilon):
    """`num_steps` Adam ascent steps on J(f); returns (params, adam_state).

    params = (kernel, bias); adam_state = (m_kernel, m_bias, v_kernel, v_bias, t) with
    t the number of steps taken so far (a float scalar, for the bias corrections).
    """
    dtype = x.dtype
    lr = tf.constant(learning_rate, dtype)
    b1, b2 = tf.constant(beta_1, dtype), tf.constant(beta_2, dtype)
    eps = tf.constant(epsilon, dtype)
    lam = tf.constant(regularization, dtype)

    def body(step, kernel, bias, m_k, m_b, v_k, v_b, t):
        with tf.GradientTape() as tape:
            tape.watch([kernel, bias])
            directions = _pushforward_directions(kernel, bias, theta0)
            power = tf.reduce_mean(
                sliced_wasserstein_power_per_direction(x, y, directions, p))
            objective = power - lam * _mean_abs_cosine(directions)
        g_k, g_b = tape.gradient(objective, [kernel, bias])
        t = t + 1
        m_k = b1 * m_k + (1 - b1) * g_k
        m_b = b1 * m_b + (1 - b1) * g_b
        v_k = b2 * v_k + (1 - b2) * tf.square(g_k)
        v_b = b2 * v_b + (1 - b2) * tf.square(g_b)
        step_size = lr * tf.sqrt(1 - tf.pow(b2, t)) / (1 - tf.pow(b1, t))
        # Ascent (J is maximised): + instead of Adam's usual -.
        kernel = kernel + step_size * m_k / (tf.sqrt(v_k) + eps)
        bias = bias + step_size * m_b / (tf.sqrt(v_b) + eps)
        return step + 1, kernel, bias, m_k, m_b, v_k, v_b, t

    if num_steps == 0:
        return params, adam_state
    loop_vars = (tf.constant(0),) + tuple(params) + tuple(adam_state)
    result = tf.while_loop(lambda step, *_: step < num_steps, body, loop_vars)
    return tuple(result[1:3]), tuple(result[3:])


def _initial_params(dim, seed, dtype):
    """PyTorch nn.Linear initialisation: K, b ~ U(-1/sqrt(d), 1/sqrt(d))."""
    bound = 1.0 / math.sqrt(dim)
    uniform = projections_lib.random_uniform([dim + 1, dim], seed, dtype)
    values = (2.0 * uniform - 1.0) * bound
    return values[:dim], values[dim]


def _zeros_state(dim, dtype):
    zeros_k = tf.zeros([dim, dim], dtype)
    zeros_b = tf.zeros([dim], dtype)
    return (zeros_k, zeros_b, zeros_k, zeros_b, tf.zeros([], dtype))


def _dsw(x, y, params, adam_state, theta0, p, regularization, num_steps,
         learning_rate, beta_1, beta_2, epsilon, return_power):
    """Ascent on stop-gradient data, then the differentiable evaluation."""
    x_fixed, y_fixed = tf.stop_gradient(x), tf.stop_gradient(y)
    params, adam_state = _ascent(params, adam_state, theta0, x_fixed, y_fixed, p,
                                 regularization, num_steps, learning_rate, beta_1,
                                 beta_2, epsilon)
    directions = tf.stop_gradient(_pushforward_directions(*params, theta0))
    power = tf.reduce_mean(sliced_wasserstein_power_per_direction(x, y, directions, p))
    distance = power if return_power else root(power, p)
    return distance, params, adam_state


def _check_hyperparameters(num_projections, p, regularization, num_steps,
                           learning_rate, beta_1, beta_2, epsilon):
    checked = dict(
        num_projections=_checks.check_positive_int(num_projections, "num_projections"),
        p=_checks.check_p(p),
        regularization=_checks.check_non_negative(regularization, "regularization"),
        num_steps=_checks.check_non_negative_int(num_steps, "num_steps"),
        learning_rate=_checks.check_positive(learning_rate, "learning_rate"),
        beta_1=_checks.check_non_negative(beta_1, "beta_1"),
        beta_2=_checks.check_non_negative(beta_2, "beta_2"),
        epsilon=_checks.check_positive(epsilon, "epsilon"),
    )
    for name in ("beta_1", "beta_2"):
        if checked[name] >= 1:
            raise ValueError(f"{name} must be in [0, 1), got {checked[name]}")
    return checked


@keras.saving.register_keras_serializable(package="otzoo")
class DistributionalSlicer(keras.layers.Layer):
    """Holds the direction map f of DSW and its Adam state across calls.

    `slicer(x, y)` runs `num_steps` ascent steps on f (updating its weights) and returns
    DSW_p(x, y) with the updated f held fixed (see the module docstring).

    Args:
      dim: feature dimension d of the point clouds.
      num_projections: L directions theta_0 drawn per call.
      p: order p >= 1.
      regularization: lambda_C >= 0, weight of the mean |cosine| penalty.
      num_steps: Adam ascent steps per call (0: evaluate with the current f).
      learning_rate, beta_1, beta_2, epsilon: Adam hyperparameters of the ascent.
      seed: int or None; seeds the initialisation of f and this layer's own
        `keras.random.SeedGenerator` for the theta_0 draws.
      dtype: float dtype of f (must match the samples).
    """

    def __init__(self, dim, num_projections=DEFAULTS["num_projections"],
                 p=DEFAULTS["p"], regularization=DEFAULTS["regularization"],
                 num_steps=DEFAULTS["num_steps"],
                 learning_rate=DEFAULTS["learning_rate"], beta_1=DEFAULTS["beta_1"],
                 beta_2=DEFAULTS["beta_2"], epsilon=DEFAULTS["epsilon"], seed=None,
                 **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.dim = _checks.check_positive_int(dim, "dim")
        self.hyperparameters = _check_hyperparameters(
            num_projections, p, regularization, num_steps, learning_rate, beta_1,
            beta_2, epsilon)
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be an int or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        dtype = tf.as_dtype(self.variable_dtype)
        init_kernel, init_bias = _initial_params(
            self.dim, self.seed if self.seed is not None else self.seed_generator, dtype)
        self.kernel = self.add_weight(
            shape=(self.dim, self.dim), initializer=lambda *a, **k: init_kernel,
            trainable=False, name="kernel")
        self.bias = self.add_weight(shape=(self.dim,),
                                    initializer=lambda *a, **k: init_bias,
                                    trainable=False, name="bias")
        self.adam_state = [
            self.add_weight(shape=shape, initializer="zeros", trainable=False, name=name)
            for shape, name in (((self.dim, self.dim), "m_kernel"), ((self.dim,), "m_bias"),
                                ((self.dim, self.dim), "v_kernel"), ((self.dim,), "v_bias"),
                                ((), "adam_steps"))]
        self.built = True

    def call(self, x, y, seed=None, update=True, return_power=False):
        """DSW_p(x, y) after `num_steps` ascent steps on f.

        Args:
          x: [n, d] samples; y: [m, d] samples (same dtype as the layer).
          seed: seed of the theta_0 draw; None uses the layer's SeedGenerator.
          update: if False the ascent result is not written back (f unchanged).
          return_power: if True return DSW_p^p.

        Returns:
          Scalar DSW_p (or DSW_p^p); differentiable in x and y with f fixed.
        """
        x, y = _checks.check_point_clouds(x, y)
        if x.shape[1] != self.dim:
            raise ValueError(f"x and y must have feature dimension {self.dim} (the "
                             f"slicer's dim), got {x.shape.as_list()}")
        if x.dtype != tf.as_dtype(self.variable_dtype):
            raise ValueError(f"x has dtype {x.dtype.name} but the slicer holds "
                             f"{self.variable_dtype} weights")
        h = self.hyperparameters
        theta0 = projections_lib.random_directions(
            self.dim, h["num_projections"],
            seed=self.seed_generator if seed is None else seed, dtype=x.dtype)
        params = (tf.convert_to_tensor(self.kernel), tf.convert_to_tensor(self.bias))
        state = tuple(tf.convert_to_tensor(v) for v in self.adam_state)
        distance, params, state = _dsw(
            x, y, params, state, theta0, h["p"], h["regularization"], h["num_steps"],
            h["learning_rate"], h["beta_1"], h["beta_2"], h["epsilon"], return_power)
        if update and h["num_steps"] > 0:
            self.kernel.assign(params[0])
            self.bias.assign(params[1])
            for variable, value in zip(self.adam_state, state):
                variable.assign(value)
        return distance

    def directions(self, theta0):
        """The current pushforward f(theta_0)/|f(theta_0)| of columns theta0 [d, L]."""
        theta0 = _checks.to_float_tensor(theta0, "theta0", self.variable_dtype)
        return _pushforward_directions(self.kernel, self.bias, theta0)

    def get_config(self):
        config = super().get_config()
        config.update(dim=self.dim, seed=self.seed, **self.hyperparameters)
        return config


def distributional_sliced_wasserstein(x, y, num_projections=None, p=None,
                                      regularization=None, num_steps=None,
                                      learning_rate=None, seed=None, slicer=None,
                                      return_power=False):
    """Distributional sliced p-Wasserstein distance DSW_p (Nguyen et al. 2021).

    Args:
      x: [n, d] samples of mu.
      y: [m, d] samples of nu.
      num_projections: L (default 1000).
      p: order p >= 1 (default 2).
      regularization: lambda_C >= 0 (default 1).
      num_steps: Adam ascent steps on f (default 10; 0 evaluates the initial f).
      learning_rate: Adam learning rate of the ascent (default 5e-4).
      seed: seed of f's initialisation and the theta_0 draw (int, SeedGenerator,
        [2] tensor or None); with `slicer`, seeds only the theta_0 draw.
      slicer: optional `DistributionalSlicer` whose f is used and updated. Its
        hyperparameters apply; passing a different value here raises ValueError.
      return_power: if True return DSW_p^p.

    Returns:
      Scalar DSW_p (or DSW_p^p), dtype of x; differentiable in x and y with f fixed.
    """
    given = dict(num_projections=num_projections, p=p, regularization=regularization,
                 num_steps=num_steps, learning_rate=learning_rate)
    if slicer is not None:
        if not isinstance(slicer, DistributionalSlicer):
            raise ValueError(f"slicer must be a DistributionalSlicer, got {slicer!r}")
        for name, value in given.items():
            if value is not None and value != slicer.hyperparameters[name]:
                raise ValueError(f"{name}={value!r} conflicts with the slicer's "
                                 f"{name}={slicer.hyperparameters[name]!r}; configure "
                                 "the slicer instead")
        return slicer(x, y, seed=seed, return_power=return_power)

    x, y = _checks.check_point_clouds(x, y)
    h = _check_hyperparameters(
        **{name: DEFAULTS[name] if value is None else value
           for name, value in given.items()},
        beta_1=DEFAULTS["beta_1"], beta_2=DEFAULTS["beta_2"],
        epsilon=DEFAULTS["epsilon"])
    dim = x.shape[1]
    if dim is None:
        raise ValueError("x must have a statically known feature dimension")
    if isinstance(seed, keras.random.SeedGenerator) or seed is None:
        init_seed = theta_seed = seed
    else:
        # Two independent streams from one deterministic seed.
        base = tf.cast(projections_lib.stateless_seed(projections_lib.check_seed(seed)),
                       tf.int64)
        init_seed, theta_seed = base, base + tf.constant([0, 1], tf.int64)
    params = _initial_params(dim, init_seed, x.dtype)
    theta0 = projections_lib.random_directions(dim, h["num_projections"],
                                               seed=theta_seed, dtype=x.dtype)
    distance, _, _ = _dsw(x, y, params, _zeros_state(dim, x.dtype), theta0, h["p"],
                          h["regularization"], h["num_steps"], h["learning_rate"],
                          h["beta_1"], h["beta_2"], h["epsilon"], return_power)
    return distance
