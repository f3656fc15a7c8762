"""Stateless random directions are the same eagerly, in tf.function and under XLA.

`random_uniform` / `random_normal` build floats from Philox integer bits (TF's float
samplers differ under XLA when the seed is a traced value). Bounds: uniform draws are
bit-identical; normal draws (Box-Muller: log, sqrt, cos) agree to 8 ulp relative,
|a - b| <= 8 eps max(1, |a|) (measured: 2 ulp); directions agree to 16 ulp.
"""

import keras
import numpy as np
import pytest
import scipy.stats
import tensorflow as tf

from otzoo.ot import projections

MODES = ("eager", "graph", "xla")


def _run(fn, mode, *args):
    if mode == "eager":
        return fn(*args).numpy()
    return tf.function(fn, jit_compile=(mode == "xla"))(*args).numpy()


def _assert_agree(results, dtype, ulps):
    eps = np.finfo(dtype).eps
    eager = results["eager"]
    for mode in ("graph", "xla"):
        error = np.abs(results[mode] - eager) / np.maximum(1.0, np.abs(eager))
        assert error.max() <= ulps * eps, (mode, error.max() / eps)


def _draw(kind, shape, dtype):
    if kind == "uniform":
        return lambda seed: projections.random_uniform(shape, seed, dtype)
    if kind == "normal":
        return lambda seed: projections.random_normal(shape, seed, dtype)
    d, num = shape
    return lambda seed: projections.random_directions(d, num, seed, kind, dtype)


ULPS = {"uniform": 0, "normal": 8, "orthogonal": 16, "qmc": 16}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,shape", [("uniform", [4, 3]), ("uniform", [2, 3, 5]),
                                        ("normal", [4, 3]), ("normal", [7]),
                                        ("orthogonal", [3, 7]), ("qmc", [5, 9])])
def test_tensor_seed_gives_the_same_draws_in_every_mode(kind, shape, dtype):
    draw = _draw(kind, shape, dtype)
    for pair in ([3, 4], [-7, 2**40]):
        # A [2] tensor argument: a traced value in graph and XLA mode.
        seed = tf.constant(pair, tf.int64)
        results = {mode: _run(draw, mode, seed) for mode in MODES}
        assert results["eager"].dtype == dtype and list(results["eager"].shape) == shape
        _assert_agree(results, dtype, ULPS[kind])
        if kind == "uniform":
            np.testing.assert_array_equal(results["xla"], results["eager"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_int_seed_gives_the_same_draws_in_every_mode(kind, dtype):
    draw = _draw(kind, [6, 5], dtype)
    for seed in (0, 11):
        results = {mode: _run(lambda: draw(seed), mode) for mode in MODES}
        _assert_agree(results, dtype, ULPS[kind])
        # An int seed s is the tensor seed [s, 0].
        np.testing.assert_array_equal(draw(tf.constant([seed, 0]))
                                      .numpy(), results["eager"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_seed_generator_inside_tf_function_gives_the_same_draws(kind, dtype):
    draw = _draw(kind, [5, 4], dtype)
    results = {mode: [] for mode in MODES}
    for mode in MODES:
        generator = keras.random.SeedGenerator(5)
        step = (lambda: draw(generator)) if mode == "eager" else tf.function(
            lambda: draw(generator), jit_compile=(mode == "xla"))
        results[mode] = [step().numpy() for _ in range(3)]
    for k in range(3):
        _assert_agree({mode: results[mode][k] for mode in MODES}, dtype, ULPS[kind])
    # The generator advanced: three different draws.
    assert not np.allclose(results["eager"][0], results["eager"][1])
    assert not np.allclose(results["xla"][1], results["xla"][2])


def test_uniform_is_on_the_precision_grid_of_the_dtype():
    for dtype, bits in (("float64", 53), ("float32", 24), ("float16", 11),
                        ("bfloat16", 8)):
        u = projections.random_uniform([4000], 1, dtype)
        assert u.dtype == tf.as_dtype(dtype)
        u = u.numpy().astype(np.float64)
        assert u.min() >= 0.0 and u.max() < 1.0, dtype
        np.testing.assert_array_equal(u * 2.0**bits, np.floor(u * 2.0**bits))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_extreme_bits_give_finite_draws(dtype, monkeypatch):
    # All-zero bits give u1 = 0 (log(0) if unguarded); all-one bits the largest u < 1.
    precision = 53 if dtype == "float64" else 24
    for fill in (0, -1):
        def extreme_bits(shape, seed, minval, maxval, dtype, alg, fill=fill):
            del seed, minval, maxval, alg
            return tf.cast(tf.fill(shape, tf.constant(fill, tf.int64)), dtype)

        monkeypatch.setattr(tf.random, "stateless_uniform", extreme_bits)
        z = projections.random_normal([3], 1, dtype).numpy()
        u = projections.random_uniform([3], 1, dtype).numpy()
        monkeypatch.undo()
        assert np.isfinite(z).all(), (fill, z)
        assert np.abs(z).max() <= np.sqrt(2 * precision * np.log(2)) * (1 + 1e-6)
        assert (u >= 0).all() and (u < 1).all(), (fill, u)


N = 20000


def _ks_p(sample, cdf):
    return scipy.stats.kstest(sample.ravel(), cdf).pvalue


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_draws_are_standard_normal(dtype):
    z = projections.random_normal([N], 2, dtype).numpy().astype(np.float64)
    assert _ks_p(z, scipy.stats.norm.cdf) > 1e-3
    # Moments: mean 0, variance 1, kurtosis 3 (standard errors 0.007, 0.01, 0.035).
    assert abs(z.mean()) < 0.03 and abs(z.var() - 1) < 0.04
    assert abs(np.mean(z**4) - 3) < 0.2
    # Consecutive draws are uncorrelated (standard error 0.007).
    assert abs(np.corrcoef(z[:-1], z[1:])[0, 1]) < 0.03
    # Negative controls: the test rejects a 10% wrong scale, and Box-Muller fed one
    # uniform twice (u1 = u2: the two halves of the bits not independent).
    assert _ks_p(1.1 * z, scipy.stats.norm.cdf) < 1e-6
    u = projections.random_uniform([N], 2, dtype).numpy().astype(np.float64)
    shared = np.sqrt(-2 * np.log1p(-u)) * np.cos(2 * np.pi * u)
    assert _ks_p(shared, scipy.stats.norm.cdf) < 1e-6


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_draws_are_standard_uniform(dtype):
    u = projections.random_uniform([N], 3, dtype).numpy().astype(np.float64)
    assert _ks_p(u, scipy.stats.uniform.cdf) > 1e-3
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005
    # Negative control: the power distortion u^1.1 (max CDF error 0.035) is rejected.
    assert _ks_p(u**1.1, scipy.stats.uniform.cdf) < 1e-6


def test_different_seeds_and_generator_steps_give_different_draws():
    a = projections.random_normal([50], 0, "float32").numpy()
    b = projections.random_normal([50], 1, "float32").numpy()
    c = projections.random_normal([50], tf.constant([0, 1]), "float32").numpy()
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.5 and abs(np.corrcoef(a, c)[0, 1]) < 0.5


def test_no_seed_uses_the_keras_global_generator():
    keras.utils.set_random_seed(4)
    expected = keras.random.normal([3, 2], dtype="float32").numpy()
    keras.utils.set_random_seed(4)
    np.testing.assert_array_equal(projections.random_normal([3, 2], None, "float32"),
                                  expected)
    keras.utils.set_random_seed(4)
    expected = keras.random.uniform([3, 2], dtype="float64").numpy()
    keras.utils.set_random_seed(4)
    np.testing.assert_array_equal(projections.random_uniform([3, 2], None, "float64"),
                                  expected)
