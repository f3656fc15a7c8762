"""2-D toys: moments against closed forms and quadrature, known radii and squares, seeding.

Oracles: closed forms for the Gaussian mixtures and rings; scipy.integrate.quad over the
parametric curves for swiss_roll and two_moons; a fine grid over the board for the
checkerboard. Each check draws 200k points (seeded, so the test cannot flake); tolerances
are about five standard errors.
"""

import numpy as np
import pytest
import tensorflow as tf
from scipy import integrate

import otzoo.data
from otzoo.data import toys
from otzoo.data.errors import DatasetError

N = 200_000


def moments(points):
    return points.mean(axis=0), np.cov(points, rowvar=False)


def curve_moments(curves, std):
    """Mean and covariance of a mixture of equally weighted curves (f, g, a, b) with
    t ~ U(a, b), plus isotropic noise std, by quadrature."""
    def expect(h):
        return np.mean([integrate.quad(lambda t: h(f(t), g(t)), a, b)[0] / (b - a)
                        for f, g, a, b in curves])
    mean = np.array([expect(lambda x, y: x), expect(lambda x, y: y)])
    second = np.array([[expect(lambda x, y: x * x), expect(lambda x, y: x * y)],
                       [expect(lambda x, y: x * y), expect(lambda x, y: y * y)]])
    return mean, second - np.outer(mean, mean) + std ** 2 * np.eye(2)


@pytest.mark.parametrize("scale,std", [(2.0, 0.02), (1.0, 0.5)])
def test_eight_gaussians(scale, std):
    x, k = toys.sample("eight_gaussians", N, seed=3, scale=scale, std=std)
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, 0.0, atol=0.02)
    np.testing.assert_allclose(cov, (scale ** 2 / 2 + std ** 2) * np.eye(2), atol=0.03)
    # Each point sits near its labelled centre.
    centres = scale * np.stack([np.cos(np.pi * k / 4), np.sin(np.pi * k / 4)], axis=1)
    assert np.abs(x - centres).max() < 6 * std
    np.testing.assert_allclose(np.bincount(k) / N, 1 / 8, atol=0.005)


def test_twenty_five_gaussians():
    scale, std = 1.0, 0.05
    x, k = toys.sample("twenty_five_gaussians", N, seed=4)
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, 0.0, atol=0.02)
    np.testing.assert_allclose(cov, (2 * scale ** 2 + std ** 2) * np.eye(2), atol=0.03)
    centres = np.stack([k // 5 - 2, k % 5 - 2], axis=1) * scale
    assert np.abs(x - centres).max() < 6 * std
    assert len(np.unique(k)) == 25


def test_swiss_roll_against_quadrature():
    scale, std = 1 / 7.5, 0.25 / 7.5
    x, labels = toys.sample("swiss_roll", N, seed=5)
    assert labels is None
    roll = [(lambda t: scale * t * np.cos(t), lambda t: scale * t * np.sin(t),
             1.5 * np.pi, 4.5 * np.pi)]
    want_mean, want_cov = curve_moments(roll, std)
    pi = np.pi  # the closed forms in the toys docstring agree with quadrature:
    np.testing.assert_allclose(want_mean, scale * np.array([2.0, 2 / (3 * pi)]), atol=1e-9)
    c = 3 * pi / 2 - 4 / (3 * pi)
    closed = np.array([[39 * pi ** 2 / 8 - 17 / 4, c],
                       [c, 39 * pi ** 2 / 8 + 1 / 4 - 4 / (9 * pi ** 2)]])
    np.testing.assert_allclose(want_cov, scale ** 2 * closed + std ** 2 * np.eye(2), rtol=1e-9)
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, want_mean, atol=0.01)
    np.testing.assert_allclose(cov, want_cov, atol=0.01)


def test_rings_radii_and_moments():
    x, k = toys.sample("rings", N, seed=6, scale=1.5, std=0.01)
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius, 1.5 * (k + 1), atol=0.06)  # 6 std.
    np.testing.assert_allclose(np.bincount(k) / N, 0.25, atol=0.005)
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, 0.0, atol=0.03)
    e_k2 = np.mean(np.arange(1, 5) ** 2)  # 7.5
    np.testing.assert_allclose(cov, (1.5 ** 2 * e_k2 / 2 + 0.01 ** 2) * np.eye(2), atol=0.1)
    x3, k3 = toys.sample("rings", 1000, num_rings=3, std=0.0)
    np.testing.assert_allclose(np.linalg.norm(x3, axis=1), k3 + 1, atol=1e-5)


def test_checkerboard_squares_and_moments():
    scale = 0.5
    x, square = toys.sample("checkerboard", N, seed=7, scale=scale)
    cells = np.floor(x / scale).astype(int)
    assert np.all((cells >= -2) & (cells <= 1))
    assert np.all((cells.sum(axis=1) % 2) == 0)  # only dark squares: i + j even.
    np.testing.assert_allclose(np.bincount(square) / N, 1 / 8, atol=0.005)
    # Oracle: a fine grid of cell centres over the board, dark squares kept.
    g = (np.arange(400) + 0.5) / 100 - 2
    gx, gy = np.meshgrid(g, g)
    dark = (np.floor(gx) + np.floor(gy)) % 2 == 0
    grid = scale * np.stack([gx[dark], gy[dark]], axis=1)
    want_mean, want_cov = moments(grid)
    np.testing.assert_allclose(want_cov, scale ** 2 * np.array([[4 / 3, 0.25], [0.25, 4 / 3]]),
                               atol=1e-3)  # the closed form in the toys docstring.
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, want_mean, atol=0.01)
    np.testing.assert_allclose(cov, want_cov, atol=0.01)


def test_two_moons_against_quadrature():
    std = 0.1
    x, moon = toys.sample("two_moons", N, seed=8)
    moons = [(np.cos, np.sin, 0.0, np.pi),
             (lambda t: 1 - np.cos(t), lambda t: 0.5 - np.sin(t), 0.0, np.pi)]
    want_mean, want_cov = curve_moments(moons, std)
    np.testing.assert_allclose(want_mean, [0.5, 0.25], atol=1e-9)
    c = 1 / 8 - 1 / np.pi  # the closed form in the toys docstring agrees with quadrature.
    closed = np.array([[3 / 4, c], [c, 9 / 16 - 1 / np.pi]])
    np.testing.assert_allclose(want_cov, closed + std ** 2 * np.eye(2), rtol=1e-9)
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, want_mean, atol=0.01)
    np.testing.assert_allclose(cov, want_cov, atol=0.01)
    upper = x[moon == 0]
    assert np.abs(np.linalg.norm(upper, axis=1) - 1).mean() < 2 * std


@pytest.mark.parametrize("name", sorted(toys.TOYS))
def test_load_is_seeded_and_test_split_is_independent(name):
    a = otzoo.data.load(name, num_samples=500, seed=1)
    assert a.element_spec == tf.TensorSpec([2], tf.float32)
    assert int(a.cardinality()) == 500
    xa = next(iter(a.batch(500))).numpy()
    xb = next(iter(otzoo.data.load(name, num_samples=500, seed=1).batch(500))).numpy()
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(xa, toys.sample(name, 500, seed=1)[0])
    xc = next(iter(otzoo.data.load(name, num_samples=500, seed=2).batch(500))).numpy()
    xt = next(iter(otzoo.data.load(name, "test", num_samples=500, seed=1).batch(500))).numpy()
    assert not np.array_equal(xa, xc) and not np.array_equal(xa, xt)
    assert int(otzoo.data.load(name, "test").cardinality()) == 10_000


def test_as_supervised_labels():
    x, y = next(iter(otzoo.data.load("rings", num_samples=100, as_supervised=True).batch(100)))
    assert y.dtype == tf.int64
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), y.numpy() + 1, atol=0.5)
    with pytest.raises(DatasetError, match="no labels"):
        otzoo.data.load("swiss_roll", as_supervised=True)


def test_bad_options():
    with pytest.raises(DatasetError, match="value_range applies to images"):
        otzoo.data.load("two_moons", value_range=(0, 1))
    with pytest.raises(DatasetError, match="unknown option.*num_rings"):
        otzoo.data.load("two_moons", num_rings=3)
    with pytest.raises(DatasetError, match="std must be >= 0"):
        otzoo.data.load("eight_gaussians", std=-1.0)
    with pytest.raises(DatasetError, match="scale must be > 0"):
        otzoo.data.load("rings", scale=0.0)
    with pytest.raises(DatasetError, match="num_samples must be a positive int"):
        otzoo.data.load("rings", num_samples=0)
    with pytest.raises(DatasetError, match="splits.*split='validation'"):
        otzoo.data.load("rings", "validation")
    with pytest.raises(DatasetError, match="seed must be a non-negative int"):
        otzoo.data.load("rings", seed=-3)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
