"""`slicing=` of the sliced Wasserstein generators (swgan, swgan_d): the SW estimator.

  * the default is today's computation bit for bit: a model built without the option,
    one built with slicing="uniform", and today's train step written out here (the
    direction draw and the compiled `sliced_w2_squared` it replaced) take two steps to
    bit-identical weights, with the penalty compiled and not;
  * each option computes its estimator: one eager step with spies on the loss and on the
    direction samplers; the logged loss equals a NumPy (float64) estimator on the
    recorded points and directions, and the directions are the promised ones (the
    model's uniform draw for the control variates, `otzoo.ot.random_directions` with
    the option's method and a seed from the model's generator for "orthogonal"/"qmc");
  * jit_penalties on and off take the same SGD steps (weights to 1e-5);
  * bad values, and the models that choose their own directions, fail with one line;
  * one step of each option on the swgan / swgan_d smoke configs is finite.
"""

import importlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo import testing
from otzoo.losses.adversarial import sliced_w2_squared
from otzoo.models import swgan as swgan_module
from otzoo.models.adversarial import flatten
from otzoo.models.base import Compiled, gather_global
from otzoo.networks import mlp
from otzoo.training.build import build_model
from tests.gans import toy

OPTIONS = ("orthogonal", "qmc", "control_variate_lower", "control_variate_upper")
LOSS_FN = {"swgan": "_sw", "swgan_d": "_feature_loss"}
WEIGHT_ATOL = 1e-5


class Spy:
    """Calls `fn` and records (args, kwargs, output) of every call."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, *args, **kwargs):
        out = self.fn(*args, **kwargs)
        self.calls.append((args, kwargs, out))
        return out


def _sgd(name):
    return {f"{p}_optimizer": keras.optimizers.SGD(0.05)
            for p in ["generator"] + list(toy.GAN_FAMILY[name].network_roles)}


def _model(name, **kwargs):
    return toy.make_model(name, hidden=(8,), num_projections=16,
                          compile_kwargs=_sgd(name), **kwargs)


# -- the default is today's step ----------------------------------------------------------
def _todays_step(model):
    """The train step before `slicing` existed, written out (swgan and swgan_d)."""
    sw = Compiled(sliced_w2_squared, model.jit_penalties, argnums=(1,))

    def swgan_step(data):
        real = model.real_batches(data)[0]
        z = model.local_prior_sample(tf.shape(real)[0])
        real_all = flatten(gather_global(real))
        theta = model.random_directions(int(np.prod(model.data_shape)),
                                        model.num_projections)
        loss = model.player_step("generator", lambda: sw(
                real_all, flatten(gather_global(model.generator(z, training=True))), theta))
        return model.update_metrics({"sw_loss": loss})

    def swgan_d_step(data):
        real = model.real_batches(data)[0]
        z = model.local_prior_sample(tf.shape(real)[0])

        def generator_loss(tape):
            fake = model.generator(z, training=True)
            with tape.stop_recording():
                d_loss = model.discriminator_step(real, tf.stop_gradient(fake))
                real_features = gather_global(model.discriminator_features(real,
                                                                           training=True))
                directions = model.random_directions(model.feature_dim,
                                                     model.num_projections)
            fake_features = gather_global(model.discriminator_features(fake, training=True))
            return sw(real_features, fake_features, directions), d_loss

        loss, d_loss = model.player_step("generator", generator_loss, pass_tape=True)
        return model.update_metrics({"discriminator_loss": d_loss, "sw_loss": loss})

    return swgan_step if model.network_roles == () else swgan_d_step


def _two_steps(model, step):
    rng = np.random.default_rng(2)
    traced = tf.function(step)
    for _ in range(2):
        metrics = traced(tf.constant(toy.eight_gaussians(32, rng)))
    return ({k: float(v) for k, v in metrics.items()}, [v.numpy() for v in model.variables])


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("name", ["swgan", "swgan_d"])
def test_default_is_todays_step_bit_for_bit(name, jit):
    default = _model(name, jit_penalties=jit)
    runs = [_two_steps(default, default.train_step)]
    uniform = _model(name, jit_penalties=jit, slicing="uniform")
    runs.append(_two_steps(uniform, uniform.train_step))
    today = _model(name, jit_penalties=jit)
    runs.append(_two_steps(today, _todays_step(today)))
    for metrics, weights in runs[1:]:
        assert metrics == runs[0][0]
        for a, b in zip(weights, runs[0][1]):
            np.testing.assert_array_equal(a, b)


# -- each option computes its estimator ----------------------------------------------------
def _spied_step(name, slicing, monkeypatch, steps=1):
    """Eager steps of a jit-off model with spies; returns (model, metrics, spies)."""
    model = _model(name, slicing=slicing)
    loss_spy = Spy(getattr(model, LOSS_FN[name]))
    setattr(model, LOSS_FN[name], loss_spy)
    uniform_spy = Spy(model.random_directions)
    model.random_directions = uniform_spy
    sampler_spy = Spy(swgan_module.random_directions)
    monkeypatch.setattr(swgan_module, "random_directions", sampler_spy)
    rng = np.random.default_rng(4)
    for _ in range(steps):
        metrics = model.train_step(tf.constant(toy.eight_gaussians(32, rng)))
    return model, metrics, (loss_spy, uniform_spy, sampler_spy)


@pytest.mark.parametrize("slicing", ("uniform",) + OPTIONS)
@pytest.mark.parametrize("name", ["swgan", "swgan_d"])
def test_loss_is_the_numpy_estimator_on_the_drawn_directions(name, slicing, monkeypatch):
    model, metrics, (loss_spy, uniform_spy, sampler_spy) = _spied_step(name, slicing,
                                                                       monkeypatch)
    (real, fake, theta), _, value = loss_spy.calls[-1]
    dim = 2 if name == "swgan" else model.feature_dim
    theta = np.asarray(theta)
    assert theta.shape == (dim, 16)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=0), 1.0, rtol=1e-5)
    if slicing in ("orthogonal", "qmc"):
        assert not uniform_spy.calls and len(sampler_spy.calls) == 1
        args, kwargs, drawn = sampler_spy.calls[0]
        assert args == (dim, 16) and kwargs["method"] == slicing
        assert kwargs["seed"].shape == (2,)  # a stateless seed from the model's generator
    else:
        assert not sampler_spy.calls and len(uniform_spy.calls) == 1
        drawn = uniform_spy.calls[0][2]
    np.testing.assert_array_equal(theta, np.asarray(drawn))
    if slicing == "orthogonal":  # 16 / dim orthonormal bases
        for block in np.split(theta, 16 // dim, axis=1):
            np.testing.assert_allclose(block.T @ block, np.eye(dim), atol=1e-5)
    expected = testing.numpy_slicing_estimate(slicing, np.asarray(real, np.float64),
                              np.asarray(fake, np.float64), theta.astype(np.float64))
    np.testing.assert_allclose(float(metrics["sw_loss"]), float(value), rtol=1e-6)
    np.testing.assert_allclose(float(value), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("slicing", OPTIONS)
def test_directions_are_fresh_each_step_and_reproducible(slicing, monkeypatch):
    runs = [_spied_step("swgan", slicing, monkeypatch, steps=2)[2][0] for _ in range(2)]
    (first, second) = [[np.asarray(args[2]) for args, _, _ in spy.calls] for spy in runs]
    assert not np.array_equal(first[0], first[1])  # a new draw every step
    for a, b in zip(first, second):  # the same draws from the same model seed
        np.testing.assert_array_equal(a, b)


def test_control_variates_use_the_uniform_directions(monkeypatch):
    thetas = [np.asarray(_spied_step("swgan_d", s, monkeypatch)[2][0].calls[-1][0][2])
              for s in ("uniform", "control_variate_lower", "control_variate_upper")]
    for theta in thetas[1:]:
        np.testing.assert_array_equal(theta, thetas[0])


# -- compiled and not ----------------------------------------------------------------------
@pytest.mark.parametrize("slicing", OPTIONS)
@pytest.mark.parametrize("name", ["swgan", "swgan_d"])
def test_jit_on_matches_jit_off(name, slicing):
    runs = {}
    for jit in (False, True):
        model = _model(name, slicing=slicing, jit_penalties=jit)
        initial = [v.numpy() for v in model.trainable_variables]
        metrics, _ = _two_steps(model, model.train_step)
        runs[jit] = metrics, [v.numpy() for v in model.trainable_variables]
    for key in runs[False][0]:
        np.testing.assert_allclose(runs[True][0][key], runs[False][0][key], rtol=1e-5,
                                   atol=1e-6, err_msg=key)
    for a, b in zip(runs[True][1], runs[False][1]):
        np.testing.assert_allclose(a, b, rtol=0, atol=WEIGHT_ATOL)
    # The estimator's gradient reached the generator (the comparison is not vacuous).
    moved = max(np.abs(a - b).max() for a, b in zip(runs[False][1], initial))
    assert moved > 100 * WEIGHT_ATOL, moved


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["swgan", "swgan_d"])
def test_unknown_slicing_lists_the_choices(name):
    with pytest.raises(ValueError, match="unknown slicing 'sobol'; expected one of "
                                         "'uniform', 'orthogonal', 'qmc'"):
        _model(name, slicing="sobol")


@pytest.mark.parametrize("name", ["max_swgan", "dswgan"])
def test_models_with_their_own_directions_reject_slicing(name):
    with pytest.raises(ValueError, match="slicing does not apply"):
        toy.make_model(name, hidden=(8,), slicing="orthogonal")


def test_qmc_names_the_dimension_limit():
    big = 21_202  # one more than SciPy's Sobol sequence supports
    with pytest.raises(ValueError, match="slicing='qmc' needs a data dimension <= 21201"):
        swgan_module.SWGAN(mlp(2, big, (2,), name="generator"), slicing="qmc")
    with pytest.raises(ValueError, match="needs a feature dimension <= 21201"):
        toy.make_model("swgan_d", hidden=(big,), slicing="qmc")
    swgan_module.SWGAN(mlp(2, big - 1, (2,), name="generator"), slicing="qmc")  # fits


# -- the zoo's smoke configs -------------------------------------------------------------
@pytest.mark.parametrize("slicing", ("uniform",) + OPTIONS)
@pytest.mark.parametrize("name", ["swgan", "swgan_d"])
def test_one_smoke_config_step_is_finite(name, slicing):
    config = importlib.import_module(f"zoo_configs.{name}").get_config("smoke")
    with config.unlocked():
        config.model_kwargs.slicing = slicing
    assert config.model_kwargs.jit_penalties  # the trainer's compiled path
    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    model.build_networks(tuple(config.data.shape))
    model.compile(**dict(config.get("compile", {})))
    before = [v.numpy() for v in model.generator.trainable_variables]
    x = np.random.default_rng(0).uniform(-1, 1, (config.batch_size,)
                                         + tuple(config.data.shape)).astype("float32")
    metrics = model.train_step(tf.constant(x))
    assert all(np.isfinite(float(v)) for v in metrics.values()), metrics
    after = model.generator.trainable_variables
    assert all(np.isfinite(v.numpy()).all() for v in after)
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(before, after))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
