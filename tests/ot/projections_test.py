"""Tests for otzoo.ot.projections: unit directions, seeds, samplers, the Radon map."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.ot import project, random_directions


def run(fn, mode):
    if mode == "eager":
        return fn()
    return tf.function(fn, jit_compile=(mode == "xla"))()


@pytest.mark.parametrize("method", ["uniform", "orthogonal", "qmc"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_columns_are_unit_vectors(method, dtype):
    directions = random_directions(6, 17, seed=0, method=method, dtype=dtype)
    assert directions.shape == (6, 17)
    assert directions.dtype == tf.as_dtype(dtype)
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(np.linalg.norm(directions.numpy(), axis=0), 1.0,
                               atol=tol)


@pytest.mark.parametrize("method", ["uniform", "orthogonal", "qmc"])
def test_int_seed_is_deterministic_and_the_same_under_xla(method):
    def draw():
        return random_directions(5, 12, seed=42, method=method, dtype="float64")

    eager, graph, xla = (run(draw, mode).numpy() for mode in ("eager", "graph", "xla"))
    np.testing.assert_array_equal(eager, draw().numpy())
    np.testing.assert_allclose(graph, eager, rtol=0, atol=1e-14)
    np.testing.assert_allclose(xla, eager, rtol=0, atol=1e-12)
    assert not np.allclose(eager, random_directions(5, 12, seed=43,
                                                    method=method).numpy())


def test_seed_generator_advances_and_tensor_seed_is_stateless():
    generator = keras.random.SeedGenerator(7)
    first = random_directions(4, 3, seed=generator).numpy()
    second = random_directions(4, 3, seed=generator).numpy()
    assert not np.allclose(first, second)
    seed = tf.constant([3, 4], tf.int32)
    np.testing.assert_array_equal(random_directions(4, 3, seed=seed).numpy(),
                                  random_directions(4, 3, seed=seed).numpy())
    # None: fresh directions on every call, also inside tf.function.
    draw = tf.function(lambda: random_directions(4, 3))
    assert not np.allclose(draw().numpy(), draw().numpy())


def test_orthogonal_blocks_are_orthonormal():
    directions = random_directions(4, 10, seed=1, method="orthogonal",
                                   dtype="float64").numpy()
    for start in (0, 4):
        block = directions[:, start:start + 4]
        np.testing.assert_allclose(block.T @ block, np.eye(4), atol=1e-12)
    # A truncated last block holds 2 orthonormal columns.
    np.testing.assert_allclose(directions[:, 8:].T @ directions[:, 8:], np.eye(2),
                               atol=1e-12)


@pytest.mark.parametrize("method", ["uniform", "orthogonal", "qmc"])
def test_directions_are_isotropic(method):
    # On the uniform sphere E[theta theta^T] = I / d and E[theta] = 0.
    d, count = 3, 3000
    directions = random_directions(d, count, seed=5, method=method,
                                   dtype="float64").numpy()
    second_moment = directions @ directions.T / count
    np.testing.assert_allclose(second_moment, np.eye(d) / d, atol=0.03)
    np.testing.assert_allclose(directions.mean(axis=1), np.zeros(d), atol=0.05)


def test_qmc_has_lower_error_than_monte_carlo_on_average():
    # E_theta[(theta . e_1)^2] = 1/d: randomised QMC estimates it more precisely.
    d, count = 4, 64

    def squared_error(method, seed):
        directions = random_directions(d, count, seed=seed, method=method,
                                       dtype="float64").numpy()
        return (np.mean(directions[0] ** 2) - 1.0 / d) ** 2

    mc = np.mean([squared_error("uniform", s) for s in range(40)])
    qmc = np.mean([squared_error("qmc", s) for s in range(40)])
    assert qmc < mc


def test_project_is_the_matmul():
    rng = np.random.default_rng(0)
    x, directions = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(project(x, directions).numpy(), x @ directions,
                               rtol=1e-14)


@pytest.mark.parametrize("call,match", [
    (lambda: random_directions(0, 3), "d must be a positive integer"),
    (lambda: random_directions(3, 0), "num_projections"),
    (lambda: random_directions(3, 2.5), "num_projections"),
    (lambda: random_directions(3, 4, method="sobolev"), "method"),
    (lambda: random_directions(3, 4, seed="abc"), "seed"),
    (lambda: random_directions(3, 4, seed=tf.constant([1, 2, 3])), "shape \\[2\\]"),
    (lambda: random_directions(3, 4, dtype="int32"), "float dtype"),
    (lambda: project(np.zeros((4, 3)), np.zeros((2, 5))), "d = 3"),
    (lambda: project(np.zeros((4, 3)), np.zeros(3)), "shape \\[d, L\\]"),
    (lambda: project(np.zeros(3), np.zeros((3, 2))), "rank 2"),
])
def test_bad_inputs_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
