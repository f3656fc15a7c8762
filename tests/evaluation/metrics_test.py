"""The metrics against closed forms, brute-force references, SciPy and POT."""

import numpy as np
import ot
import pytest
import scipy.linalg
import scipy.spatial.distance
import scipy.special

from otzoo import ot as otzoo_ot
from otzoo.evaluation import (classifier_score, exact_w2, fid, frechet_distance,
                              gaussian_statistics, kid, latent_mmd, precision_recall,
                              reconstruction_errors, sliced_w2)
from otzoo.evaluation.metrics.kid import mmd2_unbiased, polynomial_kernel


def _gaussian(n, d, seed, mean=0.0, scale=1.0):
    """n draws of N(mean, scale² AAᵀ); A is fixed per d (one correlated law per d)."""
    mixing = np.eye(d) + np.random.default_rng(1000 + d).normal(size=(d, d)) / np.sqrt(d)
    return mean + scale * np.random.default_rng(seed).normal(size=(n, d)) @ mixing


# -- FID ------------------------------------------------------------------------------

def test_fid_of_a_set_against_itself_is_zero():
    x = _gaussian(500, 16, 0)
    assert fid(x, x) == pytest.approx(0.0, abs=1e-8)
    assert fid(x, x[::-1]) == pytest.approx(0.0, abs=1e-8)  # order does not matter


def test_fid_of_a_shifted_set_is_the_squared_shift():
    """Same covariance, means apart by delta: FD = ||delta||² exactly (closed form)."""
    x = _gaussian(400, 8, 1)
    delta = np.linspace(-1.0, 1.0, 8)
    value = fid(x, x + delta)
    assert value > 0
    np.testing.assert_allclose(value, delta @ delta, rtol=1e-9)


def test_frechet_distance_closed_form_for_diagonal_covariances():
    """FD(N(m1, diag a), N(m2, diag b)) = ||m1 - m2||² + sum_i (sqrt a_i - sqrt b_i)²."""
    rng = np.random.default_rng(2)
    m1, m2 = rng.normal(size=5), rng.normal(size=5)
    a, b = rng.uniform(0.1, 3.0, 5), rng.uniform(0.1, 3.0, 5)
    expected = np.sum((m1 - m2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    np.testing.assert_allclose(frechet_distance(m1, np.diag(a), m2, np.diag(b)), expected,
                               rtol=1e-10)


def test_frechet_distance_matches_the_scipy_sqrtm_reference():
    """The TTUR/pytorch-fid formula with scipy.linalg.sqrtm on random full covariances."""
    x, y = _gaussian(300, 12, 3), _gaussian(300, 12, 4, mean=0.3, scale=1.5)
    mu_x, s_x = gaussian_statistics(x)
    mu_y, s_y = gaussian_statistics(y)
    np.testing.assert_allclose(mu_x, x.mean(0))
    np.testing.assert_allclose(s_x, np.cov(x.T))
    covmean = scipy.linalg.sqrtm(s_x @ s_y).real
    expected = np.sum((mu_x - mu_y) ** 2) + np.trace(s_x + s_y - 2 * covmean)
    np.testing.assert_allclose(fid(x, y), expected, rtol=1e-8)


def test_fid_handles_singular_covariances():
    """Dead (always-zero) features, as ReLU features have: the FD of the live ones."""
    x, y = _gaussian(200, 4, 5), _gaussian(200, 4, 6, mean=0.5)
    zeros = np.zeros((200, 3))
    value = fid(np.hstack([x, zeros]), np.hstack([y, zeros]))
    np.testing.assert_allclose(value, fid(x, y), rtol=1e-8)


@pytest.mark.parametrize("x, y, match", [
    (np.zeros((5, 3)), np.zeros((5, 4)), "same dimension"),
    (np.zeros((1, 3)), np.zeros((5, 3)), "at least 2"),
    (np.full((5, 3), np.nan), np.zeros((5, 3)), "finite"),
    (np.zeros(5), np.zeros((5, 1)), r"\[n, d\]"),
])
def test_fid_rejects_bad_inputs(x, y, match):
    with pytest.raises(ValueError, match=match):
        fid(x, y)


def test_frechet_distance_rejects_non_symmetric_covariance():
    with pytest.raises(ValueError, match="symmetric"):
        frechet_distance(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2),
                         np.eye(2))


# -- KID ------------------------------------------------------------------------------

def _mmd2_unbiased_loops(x, y):
    m, d = x.shape
    k = lambda a, b: (a @ b / d + 1.0) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    return xx / (m * (m - 1)) + yy / (m * (m - 1)) - 2 * xy / m ** 2


def test_kid_estimator_matches_explicit_sums():
    x, y = _gaussian(7, 3, 7), _gaussian(7, 3, 8, mean=0.2)
    np.testing.assert_allclose(mmd2_unbiased(x, y), _mmd2_unbiased_loops(x, y),
                               rtol=1e-12)
    # One subset holding every point: KID is that estimate (it is permutation invariant).
    value, std = kid(x, y, num_subsets=1, subset_size=7)
    np.testing.assert_allclose(value, _mmd2_unbiased_loops(x, y), rtol=1e-12)
    assert std == 0.0


def test_kid_is_unbiased_on_samples_of_one_distribution():
    """Mean of the estimate over independent pairs of samples of one law ≈ 0, while the
    biased V-statistic (diagonal kept) is clearly positive on the same draws."""
    rng = np.random.default_rng(9)
    unbiased, biased = [], []
    for _ in range(300):
        x, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
        unbiased.append(mmd2_unbiased(x, y))
        k = polynomial_kernel
        biased.append(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())
    unbiased = np.array(unbiased)
    standard_error = unbiased.std() / np.sqrt(len(unbiased))
    assert abs(unbiased.mean()) < 4 * standard_error
    assert np.mean(biased) > 10 * standard_error


def test_kid_is_positive_between_different_distributions():
    x, y = _gaussian(600, 8, 10), _gaussian(600, 8, 11, mean=0.5)
    same, _ = kid(x, _gaussian(600, 8, 12), num_subsets=20, subset_size=200, seed=0)
    value, std = kid(x, y, num_subsets=20, subset_size=200, seed=0)
    assert value > 0 and value > 10 * abs(same) and std < value


def test_kid_rejects_bad_inputs():
    with pytest.raises(ValueError, match="same dimension"):
        kid(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="positive integer"):
        kid(np.zeros((5, 2)), np.zeros((5, 2)), num_subsets=0)


# -- classifier score -----------------------------------------------------------------

def test_classifier_score_bounds():
    uniform = np.full((100, 10), 0.1)
    assert classifier_score(uniform)[0] == pytest.approx(1.0)
    one_hot = np.eye(10)[np.arange(100) % 10]  # every split balanced
    score, std = classifier_score(one_hot, num_splits=10)
    assert score == pytest.approx(10.0, rel=1e-9) and std == pytest.approx(0.0, abs=1e-9)
    collapsed = np.eye(10)[np.zeros(100, int)]  # confident but one class only
    assert classifier_score(collapsed)[0] == pytest.approx(1.0)
    # Relabelling the classes changes nothing; sharper predictions score higher.
    random = np.random.default_rng(0).dirichlet(np.full(10, 0.3), size=500)
    score = classifier_score(random)[0]
    assert classifier_score(random[:, ::-1])[0] == pytest.approx(score, rel=1e-12)
    sharper = random ** 2 / np.sum(random ** 2, axis=1, keepdims=True)
    assert classifier_score(sharper)[0] > score + 0.5


def test_classifier_score_matches_scipy_relative_entropy():
    p = np.random.default_rng(1).dirichlet(np.full(10, 0.5), size=300)
    expected = []
    for part in np.array_split(p, 3):
        kl = scipy.special.rel_entr(part, part.mean(0, keepdims=True)).sum(1)
        expected.append(np.exp(kl.mean()))
    score, std = classifier_score(p, num_splits=3)
    np.testing.assert_allclose(score, np.mean(expected), rtol=1e-10)
    np.testing.assert_allclose(std, np.std(expected), rtol=1e-8)


def test_classifier_score_rejects_non_probabilities():
    with pytest.raises(ValueError, match="summing to 1"):
        classifier_score(np.ones((20, 10)))
    with pytest.raises(ValueError, match="num_splits"):
        classifier_score(np.full((5, 10), 0.1), num_splits=10)


# -- precision / recall -----------------------------------------------------------------

def _precision_recall_brute_force(real, fake, k):
    def radii(a):
        return np.sort(scipy.spatial.distance.cdist(a, a), axis=1)[:, k]

    def coverage(queries, support):
        d = scipy.spatial.distance.cdist(queries, support)
        return np.mean(np.any(d <= radii(support)[None, :], axis=1))

    return coverage(fake, real), coverage(real, fake)


def test_precision_and_recall_are_one_on_identical_sets():
    x = _gaussian(300, 10, 13)
    assert precision_recall(x, x) == (1.0, 1.0)
    assert precision_recall(x, x[::-1].copy(), block_size=37) == (1.0, 1.0)


def test_precision_recall_match_brute_force_with_blocks():
    real, fake = _gaussian(90, 5, 14), _gaussian(70, 5, 15, mean=0.6, scale=0.7)
    expected = _precision_recall_brute_force(real, fake, k=3)
    assert 0 < expected[0] < 1 and 0 < expected[1] < 1  # a non-trivial case
    np.testing.assert_allclose(precision_recall(real, fake, k=3, block_size=8), expected)


def test_mode_collapse_keeps_precision_and_loses_recall():
    real = _gaussian(400, 4, 16)
    collapsed = 0.05 * _gaussian(400, 4, 17)  # all mass near the centre of the data
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.3
    far = real + 100.0
    assert precision_recall(real, far) == (0.0, 0.0)


def test_precision_recall_needs_more_points_than_k():
    with pytest.raises(ValueError, match="more than 3"):
        precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))


# -- pixel-space transport -----------------------------------------------------------

def test_exact_w2_equals_otzoo_emd_and_pot():
    rng = np.random.default_rng(18)
    x, y = rng.uniform(size=(60, 4, 4, 1)), rng.uniform(size=(50, 4, 4, 1)) ** 2
    value = exact_w2(x, y, num_samples=1000)  # more than n: all points
    flat_x, flat_y = x.reshape(60, -1), y.reshape(50, -1)
    np.testing.assert_allclose(value, otzoo_ot.emd(flat_x, flat_y, p=2), rtol=1e-12)
    pot = ot.emd2(ot.unif(60), ot.unif(50), ot.dist(flat_x, flat_y), numItermax=10 ** 7)
    np.testing.assert_allclose(value, np.sqrt(pot), rtol=1e-8)
    assert exact_w2(x, x) == pytest.approx(0.0, abs=1e-6)


def test_exact_w2_subsamples_without_replacement():
    x = np.random.default_rng(19).uniform(size=(40, 3))
    # Subsets of all 40 points of x twice: the same set, W2 = 0; smaller subsets differ.
    assert exact_w2(x, x, num_samples=40) == pytest.approx(0.0, abs=1e-6)
    assert exact_w2(x, x, num_samples=10, seed=0) > 0


def test_sliced_w2_equals_otzoo_and_pot_with_the_same_directions():
    rng = np.random.default_rng(20)
    x, y = rng.uniform(size=(80, 3, 3, 1)), rng.uniform(size=(64, 3, 3, 1)) ** 3
    directions = otzoo_ot.random_directions(9, 50, seed=5, dtype="float32")
    value = sliced_w2(x, y, num_projections=50, seed=5, chunk_size=7)  # 8 uneven chunks
    flat_x = x.reshape(80, -1).astype(np.float32)
    flat_y = y.reshape(64, -1).astype(np.float32)
    reference = float(otzoo_ot.sliced_wasserstein(flat_x, flat_y, projections=directions))
    np.testing.assert_allclose(value, reference, rtol=1e-5)
    pot = ot.sliced_wasserstein_distance(flat_x.astype(np.float64), flat_y.astype(np.float64),
                                         projections=np.asarray(directions, np.float64))
    np.testing.assert_allclose(value, pot, rtol=1e-4)
    assert sliced_w2(x, x, num_projections=20) == pytest.approx(0.0, abs=1e-6)


def test_latent_mmd_equals_otzoo_mmd():
    rng = np.random.default_rng(21)
    codes, prior = rng.normal(size=(30, 2)) + 0.5, rng.normal(size=(40, 2))
    np.testing.assert_allclose(latent_mmd(codes, prior, num_samples=100),
                               float(otzoo_ot.mmd(codes, prior)), rtol=1e-10)


# -- reconstruction -----------------------------------------------------------------

def test_reconstruction_errors_by_hand():
    x = np.array([0.0, 1.0, 0.5, 0.25]).reshape(1, 2, 2, 1)
    r = np.array([0.5, 0.5, 0.5, 0.75]).reshape(1, 2, 2, 1)
    mse, bce = reconstruction_errors(x, r)
    assert mse == pytest.approx((0.25 + 0.25 + 0 + 0.25) / 4)
    expected = -(np.log(0.5) + np.log(0.5) + np.log(0.5)
                 + 0.25 * np.log(0.75) + 0.75 * np.log(0.25))
    assert bce == pytest.approx(expected)
    binary = np.array([0.0, 1.0, 1.0, 0.0]).reshape(1, 2, 2, 1)
    mse, bce = reconstruction_errors(binary, binary)
    assert mse == 0.0 and bce < 1e-5
    with pytest.raises(ValueError, match="one shape"):
        reconstruction_errors(x, r[:, :1])


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
