"""Every autoencoder learns a 2-D toy problem in a few hundred steps.

Tiny MLPs (2 -> 32 -> 32 -> 2) on a correlated, shifted 2-D Gaussian (and, for the ring
prior, a noisy circle). After training, each model must reconstruct well and its codes
must match the prior: the sliced Wasserstein distance SW_2 between encoded held-out data
and prior draws, measured with POT (an oracle independent of the training losses), falls
below a bound that the untrained model misses by a wide margin. SWAE does so with each
regularizer and with a non-Gaussian (ring) prior.

Hyperparameters are the papers' except the optimizers (Adam with raised learning rates,
for a 300-step budget) and, where noted, lambda (the adversarial, polynomial, max-GSW and
DSW penalties train faster with lambda = 1 on this scale).
"""

import keras
import numpy as np
import ot
import pytest
import tensorflow as tf

from otzoo.models.swae import SWAE
from otzoo.models.vae import VAE
from otzoo.models.wae_gan import WAEGAN
from otzoo.models.wae_mmd import WAEMMD
from otzoo.networks import mlp

BATCH = 256
RECONSTRUCTION_BOUND = 0.5   # mean ||x - x_hat||^2; untrained: ~14
SW_BOUND = 0.3               # SW_2(codes, prior); untrained: ~0.7-0.9
RING_SW_BOUND = 0.15         # ring data onto the ring prior; untrained: ~0.5


def gaussian_data(n, seed):
    """x = A z + b, z ~ N(0, I): a correlated, shifted Gaussian (std 3.2 and 0.5)."""
    z = np.random.default_rng(seed).normal(size=(n, 2))
    return (z @ np.array([[3.0, 1.0], [0.0, 0.5]]) + [2.0, -1.0]).astype(np.float32)


def ring_data(n, seed):
    """A circle of radius 3 centred at (1, -2), Gaussian noise 0.05."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    circle = 3.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return (circle + [1.0, -2.0] + 0.05 * rng.normal(size=(n, 2))).astype(np.float32)


def _nets(encoder_out):
    keras.utils.set_random_seed(0)
    return (mlp(2, encoder_out, (32, 32), name="encoder"),
            mlp(2, 2, (32, 32), name="decoder"))


def _swae(regularizer, penalty_weight=10.0, prior="normal", **kwargs):
    return SWAE(*_nets(2), regularizer=regularizer, penalty_weight=penalty_weight,
                prior=prior, reconstruction="l2sq", reconstruction_reduction="sum",
                **kwargs)


# Fewer ascent steps than the default 50 (the maximiser converges in ~20 here).
MAX_OPTIONS = {"num_steps": 20, "num_init_directions": 8}

# name: (model factory, {player: learning rate or (lr, beta_1)}, steps, data)
CASES = {
    "vae": (lambda: VAE(*_nets(4), likelihood="gaussian", observation_variance=0.05),
            {"autoencoder": 1e-2}, 300, gaussian_data),
    "wae_mmd": (lambda: WAEMMD(*_nets(2)), {"autoencoder": 3e-3}, 300, gaussian_data),
    # The adversary with the paper's Adam beta_1 = 0.5 and, like Q and G, lr 3e-3.
    "wae_gan": (lambda: WAEGAN(*_nets(2), mlp(2, 1, (32, 32), name="discriminator"),
                               penalty_weight=1.0),
                {"autoencoder": 3e-3, "discriminator": (3e-3, 0.5)}, 300, gaussian_data),
    "swae_sw": (lambda: _swae("sw"), {"autoencoder": 3e-3}, 300, gaussian_data),
    "swae_max_sw": (lambda: _swae("max_sw", regularizer_kwargs=MAX_OPTIONS),
                    {"autoencoder": 3e-3}, 300, gaussian_data),
    # Degree-3 slices are homogeneous of degree 6 in W_2^2: flat near the small codes of
    # an untrained encoder, hence more steps.
    "swae_gsw_poly": (lambda: _swae("gsw", 1.0,
                                    regularizer_kwargs={"defining_function": "poly"}),
                      {"autoencoder": 1e-2}, 600, gaussian_data),
    "swae_gsw_circular": (lambda: _swae("gsw", regularizer_kwargs={
                                  "defining_function": "circular"}),
                          {"autoencoder": 3e-3}, 300, gaussian_data),
    "swae_max_gsw": (lambda: _swae("max_gsw", 1.0, regularizer_kwargs={
                             "defining_function": "circular", **MAX_OPTIONS}),
                     {"autoencoder": 1e-2}, 300, gaussian_data),
    # DSW with fewer directions and ascent steps than the paper (L=1000, 10 steps) to
    # fit the test budget.
    "swae_dsw": (lambda: _swae("dsw", 1.0, num_projections=50,
                               regularizer_kwargs={"num_steps": 3}),
                 {"autoencoder": 1e-2}, 300, gaussian_data),
    "swae_sw_ring_prior": (lambda: _swae("sw", prior="ring"), {"autoencoder": 3e-3}, 300,
                           ring_data),
}


def _evaluate(model, x):
    """(mean ||x - x_hat||^2, SW_2 between the codes of x and as many prior draws)."""
    reconstruction = float(np.mean(np.sum((model(x).numpy() - x) ** 2, axis=1)))
    codes = model.encode(x).numpy().astype(np.float64)
    prior = model.prior.sample(len(x), tf.constant([11, 12], tf.int32)).numpy()
    sw = ot.sliced_wasserstein_distance(codes, prior.astype(np.float64),
                                        n_projections=500, seed=0)
    return reconstruction, float(sw)


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_learns_the_toy_problem(name):
    make, learning_rates, steps, data = CASES[name]
    sw_bound = RING_SW_BOUND if data is ring_data else SW_BOUND
    model = make()
    optimizers = {}
    for player, lr in learning_rates.items():
        lr, beta_1 = lr if isinstance(lr, tuple) else (lr, 0.9)
        optimizers[f"{player}_optimizer"] = keras.optimizers.Adam(lr, beta_1=beta_1)
    model.compile(**optimizers)
    x_eval = data(1024, seed=1)
    rec_before, sw_before = _evaluate(model, x_eval)
    train = tf.data.Dataset.from_tensor_slices(data(BATCH * steps, seed=2)).batch(
            BATCH, drop_remainder=True)
    history = model.fit(train, epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    rec_after, sw_after = _evaluate(model, x_eval)
    report = (f"{name}: reconstruction {rec_before:.3f} -> {rec_after:.3f}, "
              f"SW_2(codes, prior) {sw_before:.3f} -> {sw_after:.3f}")
    print(report)  # visible with pytest -s
    # The untrained model misses both bounds by a wide margin ...
    assert rec_before > 10 * RECONSTRUCTION_BOUND and sw_before > 2 * sw_bound, report
    # ... the trained one meets them.
    assert rec_after < RECONSTRUCTION_BOUND and sw_after < sw_bound, report


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
