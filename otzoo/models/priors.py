"""Latent priors p(z) for the autoencoder family, built on tensorflow-probability.

A prior is an object with `sample(n, seed) -> [n, latent_dim]` float32, where `seed` is a
*stateless* seed (int32 tensor of shape [2]). Models derive that seed from their own
`keras.random.SeedGenerator` (`seed_from_generator`), so a draw is reproducible, is
checkpointed with the model, and is identical on every replica of a `tf.distribute`
strategy (same generator state -> same seed -> same draw), which is what the
global-draw-and-slice pattern of `otzoo.models.base` needs.

Registered priors (d = latent_dim; any d >= 1 unless stated):

  "normal"            N(0, scale² I)                              (WAE, VAE)
  "uniform"           uniform on the cube [-half_width, half_width]^d   (SWAE code)
  "disk"              uniform on the d-ball of radius `radius`: z = radius U^(1/d) u,
                      u uniform on the sphere S^(d-1), U ~ U(0, 1). In 2-D the radius
                      is radius * sqrt(U), so P(|z| <= t) = (t / radius)²: the area law.
                      (Peers sampled |z| ~ U(0, 1), which piles mass at the centre.)
  "ring"              z = radius u + noise * N(0, I): a thin noisy sphere shell; in 2-D
                      the outer circle of sklearn's `make_circles(noise=0.01)`, the
                      "ring" prior of Kolouri et al.'s SWAE code.
  "gaussian_mixture"  (1/K) sum_k N(mu_k, scale² I), K = num_components means evenly
                      spaced on a circle of radius `radius` in the first two
                      coordinates (on the segment [-radius, radius] when d = 1).

"normal", "uniform" and "gaussian_mixture" expose their tfp distribution
(`prior.distribution`, with `log_prob`); "disk" and "ring" are samplers built from tfp's
Uniform and Normal (their densities are not needed by any zoo model).

Usage::

    prior = get_prior("disk", latent_dim=2)
    z = prior.sample(128, seed_from_generator(model.seed_generator))   # [128, 2]

References:
  Tolstikhin, Bousquet, Gelly, Schoelkopf. Wasserstein Auto-Encoders. ICLR 2018.
  Kolouri, Pope, Martin, Rohde. Sliced-Wasserstein Autoencoder: An Embarrassingly Simple
    Generative Model. ICLR 2019. https://arxiv.org/abs/1804.01947
"""

import math

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from otzoo import checks
from otzoo.registry import Registry

tfd = tfp.distributions

PRIORS = Registry("prior")

_INT32_MAX = 2 ** 31 - 1


def seed_from_generator(seed_generator):
    """Draws the next stateless seed (int32 [2]) from a `keras.random.SeedGenerator`.

    Advances the generator by one step, exactly like a `keras.random.*` call with
    `seed=seed_generator`, so a prior draw counts as one random op of the model.
    """
    seed = seed_generator.next()
    # Keras folds its int64 state into int32 the same way before stateless ops.
    return tf.cast(tf.math.floormod(seed, _INT32_MAX - 1), tf.int32)


class Prior:
    """Base class: a latent distribution on R^latent_dim sampled from stateless seeds.

    Args:
      latent_dim: dimension d of the latent space (>= 1).
    """

    name = None

    def __init__(self, latent_dim):
        checks.positive_int(latent_dim, "latent_dim")
        self.latent_dim = int(latent_dim)

    @property
    def distribution(self):
        """The tfp distribution (event shape [latent_dim]), or None for pure samplers."""
        return None

    def sample(self, n, seed):
        """Draws n codes.

        Args:
          n: number of samples (int or scalar int tensor).
          seed: stateless seed, int32 tensor of shape [2] (see `seed_from_generator`).

        Returns:
          float32 tensor of shape [n, latent_dim].
        """
        return tf.cast(self.distribution.sample(n, seed=seed), tf.float32)

    def get_config(self):
        return {"latent_dim": self.latent_dim}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@PRIORS.register("normal")
class NormalPrior(Prior):
    """N(0, scale² I). `scale` is sigma_z (WAE: sigma_z² = 1 on MNIST)."""

    name = "normal"

    def __init__(self, latent_dim, scale=1.0):
        super().__init__(latent_dim)
        self.scale = checks.positive_number(scale, "scale")

    @property
    def distribution(self):
        return tfd.Independent(
                tfd.Normal(tf.zeros([self.latent_dim]), self.scale),
                reinterpreted_batch_ndims=1)

    def get_config(self):
        return {"latent_dim": self.latent_dim, "scale": self.scale}


@PRIORS.register("uniform")
class UniformCubePrior(Prior):
    """Uniform on the cube [-half_width, half_width]^d."""

    name = "uniform"

    def __init__(self, latent_dim, half_width=1.0):
        super().__init__(latent_dim)
        self.half_width = checks.positive_number(half_width, "half_width")

    @property
    def distribution(self):
        a = tf.fill([self.latent_dim], self.half_width)
        return tfd.Independent(tfd.Uniform(low=-a, high=a), reinterpreted_batch_ndims=1)

    def get_config(self):
        return {"latent_dim": self.latent_dim, "half_width": self.half_width}


def _uniform_directions(n, dim, seed):
    """n points uniform on the unit sphere S^(dim-1): normalised standard normals."""
    g = tfd.Normal(0.0, 1.0).sample([n, dim], seed=seed)
    # A zero vector has probability 0; the floor only keeps the op NaN-free.
    return g / tf.maximum(tf.norm(g, axis=-1, keepdims=True), 1e-12)


@PRIORS.register("disk")
class UniformDiskPrior(Prior):
    """Uniform on the d-ball of radius `radius` (the disk in 2-D): radius U^(1/d) u."""

    name = "disk"

    def __init__(self, latent_dim, radius=1.0):
        super().__init__(latent_dim)
        self.radius = checks.positive_number(radius, "radius")

    def sample(self, n, seed):
        dir_seed, radius_seed = tfp.random.split_seed(seed, n=2)
        u = tfd.Uniform(0.0, 1.0).sample([n, 1], seed=radius_seed)
        # P(r <= t) = (t / R)^d is the volume law: r = R U^(1/d) (sqrt(U) in 2-D).
        r = self.radius * tf.pow(u, 1.0 / self.latent_dim)
        return r * _uniform_directions(n, self.latent_dim, dir_seed)

    def get_config(self):
        return {"latent_dim": self.latent_dim, "radius": self.radius}


@PRIORS.register("ring")
class RingPrior(Prior):
    """A noisy sphere shell: radius u + noise N(0, I), u uniform on S^(d-1).

    With d = 2, radius 1 and noise 0.01 this is the outer circle of
    `sklearn.datasets.make_circles(noise=0.01)`, the ring prior of the SWAE code.
    """

    name = "ring"

    def __init__(self, latent_dim, radius=1.0, noise=0.01):
        super().__init__(latent_dim)
        if latent_dim < 2:
            raise ValueError(f"the ring prior needs latent_dim >= 2, got {latent_dim}")
        self.radius = checks.positive_number(radius, "radius")
        noise = float(noise)
        if not noise >= 0 or not math.isfinite(noise):
            raise ValueError(f"noise must be a non-negative finite number, got {noise!r}")
        self.noise = noise

    def sample(self, n, seed):
        dir_seed, noise_seed = tfp.random.split_seed(seed, n=2)
        shell = self.radius * _uniform_directions(n, self.latent_dim, dir_seed)
        jitter = tfd.Normal(0.0, 1.0).sample([n, self.latent_dim], seed=noise_seed)
        return shell + self.noise * jitter

    def get_config(self):
        return {"latent_dim": self.latent_dim, "radius": self.radius, "noise": self.noise}


@PRIORS.register("gaussian_mixture")
class GaussianMixturePrior(Prior):
    """Equal-weight mixture of K isotropic Gaussians with means on a circle.

    Args:
      latent_dim: d >= 1.
      num_components: K >= 1.
      radius: distance of the means from the origin.
      scale: standard deviation of every component.
    """

    name = "gaussian_mixture"

    def __init__(self, latent_dim, num_components=10, radius=1.0, scale=0.1):
        super().__init__(latent_dim)
        checks.positive_int(num_components, "num_components")
        self.num_components = int(num_components)
        self.radius = checks.positive_number(radius, "radius")
        self.scale = checks.positive_number(scale, "scale")

    def means(self):
        """The K component means, a float32 array [K, latent_dim]."""
        k, d = self.num_components, self.latent_dim
        means = np.zeros((k, d), np.float32)
        if d == 1:
            means[:, 0] = np.linspace(-self.radius, self.radius, k) if k > 1 else 0.0
        else:
            angles = 2.0 * np.pi * np.arange(k) / k
            means[:, 0] = self.radius * np.cos(angles)
            means[:, 1] = self.radius * np.sin(angles)
        return means

    @property
    def distribution(self):
        k = self.num_components
        return tfd.MixtureSameFamily(
                mixture_distribution=tfd.Categorical(logits=tf.zeros([k])),
                components_distribution=tfd.MultivariateNormalDiag(
                        loc=tf.constant(self.means()),
                        scale_diag=tf.fill([k, self.latent_dim], self.scale)))

    def get_config(self):
        return {"latent_dim": self.latent_dim, "num_components": self.num_components,
                "radius": self.radius, "scale": self.scale}


def get_prior(name, latent_dim, **kwargs):
    """Builds the prior registered as `name` (a `Prior` instance passes through).

    Raises:
      KeyError (`UnknownNameError`): unknown name; the message lists the known ones.
      ValueError: bad parameters, or a Prior instance whose latent_dim differs.
    """
    if isinstance(name, Prior):
        if name.latent_dim != int(latent_dim):
            raise ValueError(f"prior {name!r} has latent_dim {name.latent_dim}, "
                             f"the model has {latent_dim}")
        if kwargs:
            raise ValueError(f"prior_kwargs {kwargs} given with a Prior instance")
        return name
    try:
        return PRIORS.get(name)(latent_dim, **kwargs)
    except TypeError as e:  # an unknown keyword for this prior
        raise ValueError(f"bad arguments for prior {name!r}: {e}") from None
