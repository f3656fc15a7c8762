"""Helpers of the GAN-family tests: the 8-Gaussians toy, tiny models, a loop, an oracle.

The "it learns" tests train tiny MLPs on the 8-Gaussians toy (WGAN-GP's toy: 8 modes
on a circle of radius 2, std 0.02) and measure SW_2 between 2,000 generated points and
2,000 fresh data points with POT (an independent oracle). An untrained generator puts
its mass near the origin: SW_2 ~ 1.2-1.4 (a point mass at 0 would give sqrt(2) ~ 1.41).
"""

import keras
import numpy as np
import ot
import tensorflow as tf

from otzoo.models import MODELS
from otzoo.models.adversarial import AdversarialModel
from otzoo.networks import mlp

# The GAN family, from the registry: every registered AdversarialModel, with the role of
# its adversary ("critic", "discriminator", or None for a generator alone).
GAN_FAMILY = {name: MODELS.get(name) for name in MODELS.names()
              if issubclass(MODELS.get(name), AdversarialModel)}
ROLES = {name: (cls.network_roles or (None,))[0] for name, cls in GAN_FAMILY.items()}
LATENT_DIM = 8


def eight_gaussians(n, rng, scale=2.0, std=0.02):
    k = rng.integers(0, 8, size=n)
    angle = 2.0 * np.pi * k / 8.0
    centres = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return (scale * centres + std * rng.standard_normal((n, 2))).astype("float32")


def make_model(name, seed=0, data_dim=2, latent_dim=LATENT_DIM, hidden=(64, 64),
               compile_kwargs=None, **model_kwargs):
    """A compiled zoo model `name` with MLP networks, deterministic given `seed`."""
    keras.utils.set_random_seed(seed)
    cls = MODELS.get(name)
    networks = {"generator": mlp(latent_dim, data_dim, hidden, name="generator")}
    for role in cls.network_roles:
        networks[role] = mlp(data_dim, 1, hidden, name=role)
    model = cls(**networks, seed=seed, **model_kwargs)
    model.compile(**dict(compile_kwargs or {}))
    return model


def train(model, steps, batch_size=256, seed=0, sampler=eight_gaussians):
    """`steps` train steps on fresh toy batches; returns the last step's metrics."""
    rng = np.random.default_rng(seed)
    step = tf.function(model.train_step)
    metrics = None
    for _ in range(steps):
        batch = sampler(batch_size * model.real_batches_per_step, rng)
        metrics = step(tf.constant(batch))
    return {k: float(v) for k, v in metrics.items()}


def sw2_to_data(model, n=2000, seed=123):
    """SW_2 (POT, 500 directions) between n generated points and n data points."""
    rng = np.random.default_rng(seed)
    fake = np.asarray(model.sample(model.sample_prior_stateless(n, [seed, 0])))
    return float(ot.sliced_wasserstein_distance(fake, eight_gaussians(n, rng),
                                                n_projections=500, seed=0))


def adam(lr, **kwargs):
    return keras.optimizers.Adam(lr, beta_1=kwargs.pop("beta_1", 0.5), **kwargs)
