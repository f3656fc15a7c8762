"""`slicing=` of SWAE's "sw" regularizer: the Monte Carlo estimator of SW_2².

  * the default is today's computation bit for bit: a model built without the option,
    one built with slicing="uniform", and a model whose penalty is today's call
    (`sliced_wasserstein(codes, prior_codes, L, p, seed=seed, return_power=True)`,
    written out here) take two steps to bit-identical weights, compiled and not;
  * each option computes its estimator: one eager step with spies on the penalty and on
    `otzoo.ot.random_directions`; the logged penalty equals a NumPy (float64) estimator
    on the recorded codes, prior codes and directions, and the directions were drawn
    with the option's method from the step's seed (the control variates: the "uniform"
    directions of that seed, the same as slicing="uniform" draws);
  * jit_penalties on and off take the same SGD steps (weights to 1e-5);
  * bad values and options that do not apply fail with one line;
  * one step of each option on the swae smoke config is finite.
"""

import importlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo import testing
from otzoo.models.base import Compiled
from otzoo.models.swae import SWAE
from otzoo.networks import mlp
from otzoo.ot import projections
from otzoo.ot.sliced import sliced_wasserstein
from otzoo.training.build import build_model

OPTIONS = ("orthogonal", "qmc", "control_variate_lower", "control_variate_upper")
L = 7
WEIGHT_ATOL = 1e-5


class Spy:
    """Calls `fn` and records (args, kwargs, output) of every call."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, *args, **kwargs):
        out = self.fn(*args, **kwargs)
        self.calls.append((args, kwargs, out))
        return out


def _swae(latent_dim=2, **kwargs):
    keras.utils.set_random_seed(0)
    model = SWAE(mlp(3, latent_dim, (8,), name="encoder"),
                 mlp(latent_dim, 3, (8,), name="decoder"), reconstruction="l2sq",
                 num_projections=L, seed=3, **kwargs)
    model.compile(autoencoder_optimizer=keras.optimizers.SGD(0.05))
    return model


def _batches(steps, seed=1):
    rng = np.random.default_rng(seed)
    return [tf.constant(rng.normal(size=(32, 3)), tf.float32) for _ in range(steps)]


def _two_steps(model):
    step = tf.function(model.train_step)
    for x in _batches(2):
        metrics = step(x)
    return ({k: float(v) for k, v in metrics.items()}, [v.numpy() for v in model.variables])


# -- the default is today's penalty --------------------------------------------------------
@pytest.mark.parametrize("jit", [False, True])
def test_default_is_todays_penalty_bit_for_bit(jit):
    runs = [_two_steps(_swae(jit_penalties=jit)),
            _two_steps(_swae(jit_penalties=jit, slicing="uniform"))]
    today = _swae(jit_penalties=jit)

    def todays_penalty(codes, prior_codes, seed):
        return sliced_wasserstein(codes, prior_codes, today.num_projections, p=today.p,
                                  seed=seed, return_power=True)

    today._divergence = Compiled(todays_penalty, jit, argnums=(0,))
    runs.append(_two_steps(today))
    for metrics, weights in runs[1:]:
        assert metrics == runs[0][0]
        for a, b in zip(weights, runs[0][1]):
            np.testing.assert_array_equal(a, b)


# -- each option computes its estimator ----------------------------------------------------
def _spied_step(slicing, monkeypatch):
    """One eager step of a jit-off model; returns (metrics, penalty spy, sampler spy)."""
    model = _swae(slicing=slicing)  # its construction's dry run is not recorded
    penalty_spy = Spy(model._divergence)
    model._divergence = penalty_spy
    sampler_spy = Spy(projections.random_directions)
    monkeypatch.setattr(projections, "random_directions", sampler_spy)
    metrics = model.train_step(_batches(1)[0])
    return metrics, penalty_spy, sampler_spy


@pytest.mark.parametrize("slicing", ("uniform",) + OPTIONS)
def test_penalty_is_the_numpy_estimator_on_the_drawn_directions(slicing, monkeypatch):
    metrics, penalty_spy, sampler_spy = _spied_step(slicing, monkeypatch)
    (codes, prior_codes, seed), _, value = penalty_spy.calls[-1]
    (args, kwargs, theta), = sampler_spy.calls
    assert args == (2, L)
    assert kwargs["method"] == (slicing if slicing in ("orthogonal", "qmc") else "uniform")
    np.testing.assert_array_equal(np.asarray(kwargs["seed"]), np.asarray(seed))
    theta = np.asarray(theta, np.float64)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=0), 1.0, rtol=1e-5)
    if slicing == "orthogonal":  # bases of R^2, the last one truncated
        for block in np.split(theta[:, :6], 3, axis=1):
            np.testing.assert_allclose(block.T @ block, np.eye(2), atol=1e-5)
    x, y = np.asarray(codes, np.float64), np.asarray(prior_codes, np.float64)
    expected = testing.numpy_slicing_estimate(slicing, x, y, theta)
    np.testing.assert_allclose(float(metrics["sw"]), float(value), rtol=1e-6)
    np.testing.assert_allclose(float(value), expected, rtol=1e-5, atol=1e-7)


def test_control_variates_use_the_uniform_directions(monkeypatch):
    thetas = [np.asarray(_spied_step(s, monkeypatch)[2].calls[-1][2])
              for s in ("uniform", "control_variate_lower", "control_variate_upper")]
    for theta in thetas[1:]:
        np.testing.assert_array_equal(theta, thetas[0])


# -- compiled and not ----------------------------------------------------------------------
@pytest.mark.parametrize("slicing", OPTIONS)
def test_jit_on_matches_jit_off(slicing):
    runs = {}
    for jit in (False, True):
        model = _swae(slicing=slicing, jit_penalties=jit)
        initial = [v.numpy() for v in model.trainable_variables]
        metrics, _ = _two_steps(model)
        runs[jit] = metrics, [v.numpy() for v in model.trainable_variables]
    for key in runs[False][0]:
        np.testing.assert_allclose(runs[True][0][key], runs[False][0][key], rtol=1e-5,
                                   atol=1e-6, err_msg=key)
    for a, b in zip(runs[True][1], runs[False][1]):
        np.testing.assert_allclose(a, b, rtol=0, atol=WEIGHT_ATOL)
    moved = max(np.abs(a - b).max() for a, b in zip(runs[False][1], initial))
    assert moved > 100 * WEIGHT_ATOL, moved


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    ({"slicing": "sobol"}, "unknown slicing 'sobol'; expected one of 'uniform', "
                           "'orthogonal', 'qmc', 'control_variate_lower'"),
    ({"slicing": "orthogonal", "regularizer": "gsw"}, "estimator of regularizer 'sw'"),
    ({"slicing": "qmc", "regularizer": "max_sw", "num_projections": None},
     "estimator of regularizer 'sw'"),
    ({"slicing": "qmc", "regularizer_kwargs": {"method": "orthogonal"}},
     "slicing='qmc' or regularizer_kwargs\\['method'\\], not both"),
    ({"slicing": "qmc", "latent_dim": 21_202}, "needs a latent dimension <= 21201"),
])
def test_bad_slicing_fails_at_construction(kwargs, match):
    kwargs = dict(kwargs)
    latent_dim = kwargs.pop("latent_dim", 2)
    with pytest.raises(ValueError, match=match):
        if "num_projections" in kwargs:  # max_sw takes none: build it by hand
            kwargs.pop("num_projections")
            SWAE(mlp(3, 2, (8,)), mlp(2, 3, (8,)), reconstruction="l2sq", **kwargs)
        else:
            _swae(latent_dim=latent_dim, **kwargs)


# -- the zoo's smoke config ----------------------------------------------------------------
@pytest.mark.parametrize("slicing", ("uniform",) + OPTIONS)
def test_one_smoke_config_step_is_finite(slicing):
    config = importlib.import_module("zoo_configs.swae").get_config("smoke")
    with config.unlocked():
        config.model_kwargs.slicing = slicing
    assert config.model_kwargs.jit_penalties and config.model_kwargs.regularizer == "sw"
    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    model.build_networks(tuple(config.data.shape))
    model.compile(**dict(config.get("compile", {})))
    before = [v.numpy() for v in model.trainable_variables]
    x = np.random.default_rng(0).uniform(0, 1, (config.batch_size,)
                                         + tuple(config.data.shape)).astype("float32")
    metrics = model.train_step(tf.constant(x))
    assert all(np.isfinite(float(v)) for v in metrics.values()), metrics
    after = model.trainable_variables
    assert all(np.isfinite(v.numpy()).all() for v in after)
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(before, after))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
