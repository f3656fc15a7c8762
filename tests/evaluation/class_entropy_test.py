"""class_entropy against hand-computed values, SciPy, its invariances and its inputs."""

import math

import numpy as np
import pytest
import scipy.stats

from otzoo.evaluation import class_entropy, classifier_score
from otzoo.evaluation.metrics import class_entropy as metrics_class_entropy


def _one_hot(labels, num_classes):
    return np.eye(num_classes)[np.asarray(labels)]


def test_exported_from_both_packages():
    assert class_entropy is metrics_class_entropy


def test_all_samples_in_one_class_is_zero():
    value = class_entropy(_one_hot(np.full(50, 7), 10))
    assert value == 0.0 and isinstance(value, float)
    assert math.copysign(1.0, value) == 1.0  # +0.0: tables print "0.000", not "-0.000"


def test_balanced_classes_reach_log_k():
    value = class_entropy(_one_hot(np.arange(100) % 10, 10))
    assert value == pytest.approx(math.log(10), rel=1e-12)


def test_three_classes_by_hand():
    # Counts (2, 1, 1): q = (1/2, 1/4, 1/4),
    # H = 1/2 log 2 + 2 · 1/4 log 4 = 1/2 log 2 + log 2 = 3/2 log 2 ≈ 1.0397 nats.
    expected = 1.5 * math.log(2)
    assert class_entropy(_one_hot([0, 0, 1, 2], 3)) == pytest.approx(expected, rel=1e-12)
    # Classes no sample falls in add nothing (0 log 0 = 0): 5 columns, same value.
    assert class_entropy(_one_hot([4, 1, 4, 2], 5)) == pytest.approx(expected, rel=1e-12)


def test_ties_go_to_the_first_maximal_class_as_in_np_argmax():
    p = np.array([[0.5, 0.5, 0.0],
                  [0.5, 0.5, 0.0],
                  [0.0, 0.5, 0.5],
                  [0.0, 0.0, 1.0]])
    # np.argmax: labels (0, 0, 1, 2), counts (2, 1, 1) → 3/2 log 2. Ties to the last
    # maximum would give labels (1, 1, 2, 2), counts (0, 2, 2) → log 2.
    assert np.argmax(p, axis=1).tolist() == [0, 0, 1, 2]
    assert class_entropy(p) == pytest.approx(1.5 * math.log(2), rel=1e-12)


def test_matches_scipy_entropy_of_the_argmax_counts():
    p = np.random.default_rng(0).dirichlet(np.full(10, 0.3), size=1000)
    counts = np.bincount(np.argmax(p, axis=1), minlength=10)
    assert class_entropy(p) == pytest.approx(scipy.stats.entropy(counts), rel=1e-12)
    # float32 softmax rows (sums off by ~1e-7) are accepted and give the same labels.
    assert class_entropy(p.astype(np.float32)) == pytest.approx(class_entropy(p),
                                                                rel=1e-12)


def test_invariant_to_relabelling_the_classes_and_reordering_the_samples():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.full(10, 0.5), size=400)
    value = class_entropy(p)
    assert 0 < value < math.log(10)
    assert class_entropy(p[:, rng.permutation(10)]) == pytest.approx(value, rel=1e-12)
    assert class_entropy(p[rng.permutation(400)]) == pytest.approx(value, rel=1e-12)


def test_hard_labels_only_confidence_does_not_enter():
    """Negative control: softening every row without moving its argmax leaves H as is
    (the classifier score, which reads the confidences, changes)."""
    labels = np.random.default_rng(2).integers(0, 10, size=300)
    sharp = _one_hot(labels, 10)
    soft = 0.3 * sharp + 0.7 / 10  # argmax unchanged, largest entry 0.37
    assert np.array_equal(np.argmax(soft, axis=1), labels)
    assert class_entropy(soft) == pytest.approx(class_entropy(sharp), rel=1e-12)
    assert classifier_score(soft)[0] < classifier_score(sharp)[0] - 1.0
    # Unlike CS's soft marginal p(y) = E p(y|x): uniform p(y|x) for every sample has a
    # marginal of entropy log 10, but all samples get one (tied → first) class: H = 0.
    uniform = np.full((100, 10), 0.1)
    marginal = uniform.mean(axis=0)
    assert -np.sum(marginal * np.log(marginal)) == pytest.approx(math.log(10))
    assert class_entropy(uniform) == 0.0


@pytest.mark.parametrize("value, match", [
    (np.ones((20, 10)), "summing to 1"),
    (np.array([[1.5, -0.5], [0.5, 0.5]]), "summing to 1"),  # rows sum to 1, one < 0
    (np.full(10, 0.1), r"\[n, d\] array"),
    (np.full((2, 5, 2), 0.1), r"\[n, d\] array"),
    (np.zeros((0, 10)), "at least 1 rows"),
    (np.array([[np.nan, 1.0]]), "finite"),
    (np.array([["a", "b"]]), "numeric"),
])
def test_rejects_what_is_not_a_probability_matrix(value, match):
    with pytest.raises(ValueError, match=match):
        class_entropy(value)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
