"""Tests of the sliced Wasserstein generators: `swgan`, `swgan_d`, `max_swgan`.

Oracles: for a generator that outputs one point c, SW_2²(data, delta_c) has the closed
form E_theta mean_i <theta, x_i - c>² = mean_i ||x_i - c||² / d (E[theta theta^T] = I/d
for theta uniform on the sphere), which the pixel-space loss must match within Monte
Carlo error at L = 10^4; the max-sliced loss along the head direction is checked against
a NumPy sort; each model learns the 8-Gaussians toy.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.models.max_swgan import MaxSWGAN
from otzoo.models.swgan import SWGAN
from otzoo.models.swgan_d import SWGAND
from otzoo.networks import conv_decoder, conv_encoder, mlp
from tests.gans import toy


def test_swgan_loss_matches_closed_form_for_a_point_mass():
    keras.utils.set_random_seed(0)
    generator = mlp(3, 4, hidden_units=(), name="generator")
    c = np.array([0.5, -1.0, 2.0, 0.0], "float32")
    generator.get_layer("head").set_weights([np.zeros((3, 4), "float32"), c])
    model = SWGAN(generator, seed=0)  # L = 10^4, the authors' code (swg.py)
    model.compile(generator_optimizer=keras.optimizers.SGD(0.0))
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    loss = float(model.train_step(tf.constant(x))["sw_loss"])
    expected = np.mean(np.sum((x - c) ** 2, axis=1)) / 4
    assert abs(loss - expected) < 0.03 * expected, (loss, expected)


def test_max_swgan_loss_is_w2_along_the_unit_head_direction():
    model = toy.make_model("max_swgan", hidden=(8,))
    direction = np.asarray(model.generator_directions())
    kernel = model.discriminator_head.kernel.numpy()
    np.testing.assert_allclose(direction, kernel / np.linalg.norm(kernel), rtol=1e-5)
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(32, 8)), rng.normal(size=(32, 8)) + 1
    loss = float(model.feature_loss(tf.constant(real, tf.float32),
                                    tf.constant(fake, tf.float32), direction))
    expected = np.mean((np.sort(real @ direction[:, 0]) - np.sort(fake @ direction[:, 0])) ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-4)


def test_max_swgan_optimized_direction_beats_the_head():
    model = toy.make_model("max_swgan", hidden=(8,), direction="optimized",
                           max_sliced_kwargs=dict(num_steps=30))
    rng = np.random.default_rng(0)
    real = tf.constant(rng.normal(size=(64, 8)), tf.float32)
    fake = tf.constant(rng.normal(size=(64, 8)) * [3, 1, 1, 1, 1, 1, 1, 1], tf.float32)
    optimized = float(model.feature_loss(real, fake, model.generator_directions()))
    head = tf.math.l2_normalize(model.discriminator_head.kernel, axis=0)
    along_head = float(toy_w2(real, fake, head))
    assert optimized > along_head and optimized > 3.0  # ~ (3 - 1)² = 4 along axis 0


def toy_w2(x, y, direction):
    px = np.sort(np.asarray(x) @ np.asarray(direction)[:, 0])
    py = np.sort(np.asarray(y) @ np.asarray(direction)[:, 0])
    return np.mean((px - py) ** 2)


@pytest.mark.parametrize("name, kwargs", [
    ("swgan", dict(num_projections=100)),
    ("swgan_d", dict(num_projections=100)),
    ("max_swgan", {}),
])
def test_learns_eight_gaussians(name, kwargs):
    players = ["generator"] + (["discriminator"] if name != "swgan" else [])
    model = toy.make_model(name, compile_kwargs={f"{p}_optimizer": toy.adam(1e-3)
                                                 for p in players}, **kwargs)
    before = toy.sw2_to_data(model)
    metrics = toy.train(model, 300)
    after = toy.sw2_to_data(model)
    print(f"{name}: SW_2(samples, data) {before:.3f} -> {after:.3f}")  # (-s)
    assert before > 1.1 and after < 0.6, (before, after)
    assert all(np.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize("frozen", ["generator", "discriminator"])
def test_discriminator_and_generator_are_updated_independently(frozen):
    # Each player's optimizer updates its own network only: with one player's learning
    # rate at 0 its network stays bit for bit, while the other one's moves.
    players = ("generator", "discriminator")
    model = toy.make_model("swgan_d", hidden=(8,), num_projections=20, compile_kwargs={
            f"{p}_optimizer": toy.adam(0.0 if p == frozen else 1e-2) for p in players})
    networks = {"generator": model.generator, "discriminator": model.discriminator}
    before = {p: [w.copy() for w in networks[p].get_weights()] for p in players}
    toy.train(model, 3, batch_size=8)
    optimizers = model.optimizers_by_name
    assert int(optimizers["discriminator"].iterations) == 3
    assert int(optimizers["generator"].iterations) == 3
    for player in players:
        after = networks[player].get_weights()
        unchanged = all(np.array_equal(a, b) for a, b in zip(before[player], after))
        assert unchanged == (player == frozen), player


def test_defaults_follow_the_papers():
    image = (28, 28, 1)
    generator = conv_decoder(8, image, base_filters=4)
    critic = conv_encoder(image, 1, base_filters=4)
    swgan = SWGAN(generator, seed=0)
    swgan_d = SWGAND(conv_decoder(8, image, base_filters=4), critic, seed=0)
    max_swgan = MaxSWGAN(conv_decoder(8, image, base_filters=4),
                         conv_encoder(image, 1, base_filters=4), seed=0)
    assert swgan.num_projections == swgan_d.num_projections == 10_000
    assert swgan_d.feature_dim == 7 * 7 * 8
    for model in (swgan, swgan_d, max_swgan):
        assert model.prior.name == "uniform"  # z ~ U[-1, 1]^d as in the reference code
        model.compile()
        for optimizer in model.optimizers_by_name.values():
            config = optimizer.get_config()
            assert (config["learning_rate"], config["beta_1"]) == pytest.approx((1e-4, 0.5))
    metrics = max_swgan.train_step(tf.random.uniform((4,) + image, -1, 1))
    assert np.isfinite(float(metrics["max_sw_loss"]))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="num_projections"):
        toy.make_model("swgan", num_projections=0)
    x = keras.Input((2,))
    nonlinear_head = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(x))
    with pytest.raises(ValueError, match="linear"):
        SWGAND(mlp(3, 2, (4,)), nonlinear_head)
    with pytest.raises(ValueError, match="direction"):
        toy.make_model("max_swgan", direction="random")
    with pytest.raises(ValueError, match="max_sliced_kwargs"):
        toy.make_model("max_swgan", max_sliced_kwargs={"p": 1})


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
