"""Shared autoencoder plumbing: reconstruction costs, validation, API, XLA penalties."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.models import MODELS
from otzoo.models.autoencoder import Compiled, reconstruction_cost
from otzoo.models.swae import SWAE
from otzoo.models.vae import VAE
from otzoo.models.wae_gan import WAEGAN
from otzoo.models.wae_mmd import WAEMMD
from otzoo.networks import mlp
from otzoo.ot import mmd

RNG = np.random.default_rng(0)
X = RNG.uniform(0.05, 0.95, size=(4, 3, 2)).astype(np.float32)
X_HAT = RNG.uniform(0.05, 0.95, size=(4, 3, 2)).astype(np.float32)


def _bce(x, y):
    return -(x * np.log(y) + (1 - x) * np.log(1 - y))


@pytest.mark.parametrize("cost, elementwise", [
    ("l2sq", lambda x, y: (x - y) ** 2),
    ("l1", lambda x, y: np.abs(x - y)),
    ("bce", _bce),
    ("bce+l1", lambda x, y: _bce(x, y) + np.abs(x - y)),
])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_reconstruction_costs_match_numpy(cost, elementwise, reduction):
    got = reconstruction_cost(X, X_HAT, cost, reduction).numpy()
    per_coordinate = elementwise(X.astype(np.float64), X_HAT.astype(np.float64))
    expected = getattr(per_coordinate.reshape(4, -1), reduction)(axis=1)
    assert got.shape == (4,)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize("cost, reduction, match", [
    ("l2", "sum", "unknown reconstruction cost 'l2'"),
    ("", "sum", "reconstruction cost must be"),
    ("l2sq", "avg", "reconstruction_reduction must be one of"),
])
def test_bad_reconstruction_arguments(cost, reduction, match):
    with pytest.raises(ValueError, match=match):
        reconstruction_cost(X, X_HAT, cost, reduction)


def test_reconstruction_shape_mismatch_raises():
    with pytest.raises(ValueError, match="differ in shape"):
        reconstruction_cost(X, X_HAT[:, :2], "l2sq")


def test_registry_holds_the_family():
    assert {"vae", "wae_gan", "wae_mmd", "swae"} <= set(MODELS.names())
    assert MODELS.get("swae") is SWAE and MODELS.get("vae") is VAE


def test_constructor_validation():
    with pytest.raises(ValueError, match="Gaussian .* must output 4 values"):
        VAE(mlp(3, 2, (8,)), mlp(2, 3, (8,)))
    with pytest.raises(ValueError, match="deterministic .* must output 2 values"):
        WAEMMD(mlp(3, 4, (8,)), mlp(2, 3, (8,)))
    with pytest.raises(ValueError, match="decoder takes codes of size 2"):
        WAEMMD(mlp(3, 3, (8,)), mlp(2, 3, (8,)), latent_dim=3)
    with pytest.raises(ValueError, match="decoder outputs shape"):
        WAEMMD(mlp(3, 2, (8,)), mlp(2, 4, (8,)))
    with pytest.raises(ValueError, match="needs a decoder with outputs in \\[0, 1\\]"):
        SWAE(mlp(3, 2, (8,)), mlp(2, 3, (8,)))  # default "bce+l1", linear decoder
    with pytest.raises(ValueError, match="likelihood must be one of"):
        VAE(mlp(3, 4, (8,)), mlp(2, 3, (8,)), likelihood="poisson")
    with pytest.raises(ValueError, match="penalty_weight"):
        WAEMMD(mlp(3, 2, (8,)), mlp(2, 3, (8,)), penalty_weight=-1)
    with pytest.raises(ValueError, match="one logit"):
        WAEGAN(mlp(3, 2, (8,)), mlp(2, 3, (8,)), mlp(2, 2, (8,)))
    with pytest.raises(ValueError, match="unknown kernel"):
        WAEMMD(mlp(3, 2, (8,)), mlp(2, 3, (8,)), kernel="laplace")


def test_compile_overrides_and_optimizers_by_name():
    model = WAEGAN(mlp(3, 2, (8,)), mlp(2, 3, (8,)), mlp(2, 1, (8,)))
    with pytest.raises(ValueError, match="not compiled"):
        _ = model.optimizers_by_name
    with pytest.raises(ValueError, match="unknown optimizer override"):
        model.compile(critic_optimizer="adam")
    model.compile(discriminator_optimizer=keras.optimizers.SGD(0.5))
    optimizers = model.optimizers_by_name
    assert set(optimizers) == {"autoencoder", "discriminator"}
    assert optimizers["autoencoder"] is model.optimizer
    # Paper defaults: Adam(1e-3, beta_1=0.5) for Q and G; the override for D.
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 1e-3)
    np.testing.assert_allclose(float(model.optimizer.beta_1), 0.5)
    np.testing.assert_allclose(float(optimizers["discriminator"].learning_rate), 0.5)
    # Every optimizer is built over its own player's variables only.
    assert all(o.built for o in optimizers.values())
    num_d = len(model.discriminator.trainable_variables)
    assert len(optimizers["discriminator"]._trainable_variables) == num_d
    assert len(model.optimizer._trainable_variables) == len(model.autoencoder_variables)


def test_encode_decode_call_and_fit_build():
    keras.utils.set_random_seed(0)
    model = VAE(mlp(3, 4, (8,)), mlp(2, 3, (8,)), likelihood="bernoulli")
    x = RNG.uniform(size=(5, 3)).astype(np.float32)
    mean, _ = model.encoder_moments(x)
    np.testing.assert_array_equal(model.encode(x).numpy(), mean.numpy())
    assert not np.allclose(model.encode(x, sample=True).numpy(), mean.numpy())
    reconstruction = model(x).numpy()
    np.testing.assert_allclose(reconstruction, tf.sigmoid(model.decoder(mean)).numpy())
    assert reconstruction.min() > 0 and reconstruction.max() < 1  # Bernoulli means
    model.compile()
    history = model.fit(x, epochs=2, batch_size=2, verbose=0)  # a partial last batch
    assert set(history.history) == {"loss", "reconstruction_loss", "kl"}
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert int(model.optimizer.iterations) == 6


def test_compiled_penalty_equals_eager_value_and_gradient():
    codes = tf.constant(RNG.normal(size=(16, 3)), tf.float32)
    prior = tf.constant(RNG.normal(size=(16, 3)), tf.float32)
    keras.utils.set_random_seed(0)
    critic = keras.layers.Dense(1)
    critic.build((None, 3))

    def penalty(z, y):
        # A kernel term and a term reading variables (held constant when compiled).
        return mmd(z, y, scales=(1.0,)) + tf.reduce_mean(tf.nn.softplus(-critic(z)))

    results = []
    for jit in (False, True):
        fn = Compiled(penalty, jit, argnums=(0,))
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(codes)
            value = fn(codes, prior)
        results.append((value.numpy(), tape.gradient(value, codes).numpy(),
                        tape.gradient(value, critic.kernel)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-4, atol=1e-6)
    assert results[0][2] is not None and np.abs(results[0][2]).max() > 0
    np.testing.assert_array_equal(results[1][2], 0.0)  # documented: constants


@pytest.mark.parametrize("name", ["vae", "wae_gan", "swae", "wae_mmd"])
def test_xla_penalties_train_with_fit_and_a_partial_last_batch(name):
    keras.utils.set_random_seed(0)
    encoder, decoder = mlp(3, 4, (8,)), mlp(2, 3, (8,))
    if name == "vae":
        model = VAE(encoder, decoder, likelihood="gaussian", jit_penalties=True)
    elif name == "wae_gan":
        model = WAEGAN(encoder, decoder, mlp(2, 1, (8,)), gaussian_encoder=True,
                       jit_penalties=True)
    elif name == "wae_mmd":
        model = WAEMMD(encoder, decoder, gaussian_encoder=True, jit_penalties=True)
    else:
        model = SWAE(encoder, decoder, gaussian_encoder=True, reconstruction="l2sq",
                     jit_penalties=True)
    model.compile()
    x = RNG.normal(size=(10, 3)).astype(np.float32)
    history = model.fit(x, batch_size=4, epochs=1, verbose=0).history  # 4, 4, 2
    assert all(np.isfinite(v).all() for v in history.values())
    assert int(model.optimizer.iterations) == 3
