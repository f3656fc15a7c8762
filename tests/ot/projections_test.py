"""Tests for otzoo.ot.projections: unit directions, seeds, samplers, the Radon map."""

import keras
import numpy as np
import pytest
import scipy.stats
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


def looks_uniform_on_sphere(directions):
    """Tests of [d, L] directions against the uniform distribution on S^{d-1}.

    Moments: E[theta] = 0 and E[theta theta^T] = I / d (catches axis-biased samplers).
    Marginals: for any unit u, <theta, u>^2 ~ Beta(1/2, (d - 1)/2) (theta = g/|g| with
    g ~ N(0, I): <g, u>^2 ~ chi2_1 over chi2_1 + chi2_{d-1}); a Kolmogorov-Smirnov test
    along an axis and along an oblique u catches samplers that are symmetric, hence
    have the right moments, but pile up mass in some directions.
    """
    d, count = directions.shape
    moments = (np.allclose(directions.mean(axis=1), 0.0, atol=0.03)
               and np.allclose(directions @ directions.T / count, np.eye(d) / d,
                               atol=0.02))
    marginal = scipy.stats.beta(0.5, (d - 1) / 2).cdf
    oblique = np.arange(1.0, d + 1.0) * (-1.0) ** np.arange(d)
    p_values = [scipy.stats.kstest((u / np.linalg.norm(u) @ directions) ** 2,
                                   marginal).pvalue
                for u in (np.eye(d)[0], oblique)]
    return moments and min(p_values) > 1e-3


D, COUNT = 3, 10000


@pytest.mark.parametrize("method", ["uniform", "orthogonal", "qmc"])
def test_directions_are_uniform_on_the_sphere(method):
    directions = random_directions(D, COUNT, seed=5, method=method,
                                   dtype="float64").numpy()
    assert looks_uniform_on_sphere(directions)


def test_uniformity_check_rejects_symmetric_non_uniform_samplers():
    # Negative controls, so that the check above cannot pass by accident.
    rng = np.random.default_rng(0)
    # Normalised uniform-cube points: invariant under sign flips and coordinate
    # permutations, hence E[theta theta^T] = I / d exactly, but denser towards the
    # cube's corners (density ~ |theta|_inf^-d on the sphere).
    cube = rng.uniform(-1.0, 1.0, size=(D, COUNT))
    cube /= np.linalg.norm(cube, axis=0)
    np.testing.assert_allclose(cube @ cube.T / COUNT, np.eye(D) / D, atol=0.02)
    assert not looks_uniform_on_sphere(cube)
    # Axis-biased but symmetric under sign flips: a stretched Gaussian, normalised.
    stretched = rng.normal(size=(D, COUNT)) * np.array([[1.0], [1.0], [1.3]])
    stretched /= np.linalg.norm(stretched, axis=0)
    assert not looks_uniform_on_sphere(stretched)
    # And a sample of the real thing passes.
    gaussian = rng.normal(size=(D, COUNT))
    assert looks_uniform_on_sphere(gaussian / np.linalg.norm(gaussian, axis=0))


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


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 1e-6), (np.float64, 1e-14)])
def test_project_eager_graph_xla_agree(dtype, rtol):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(7, 4)).astype(dtype))
    directions = random_directions(4, 5, seed=2, dtype=dtype)
    expected = x.numpy().astype(np.float64) @ directions.numpy().astype(np.float64)
    for mode in ("eager", "graph", "xla"):
        got = run(lambda: project(x, directions), mode)
        assert got.dtype == tf.as_dtype(dtype) and got.shape == (7, 5)
        np.testing.assert_allclose(got.numpy(), expected, rtol=rtol, atol=rtol,
                                   err_msg=mode)


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
