"""Improved precision and recall (Kynkäänniemi et al. 2019): k-NN manifolds in feature space.

Each set is approximated by the union of balls around its points, the radius of each
ball being the distance from the point to its k-th nearest neighbour in its own set:

    manifold(A) = ∪_{a ∈ A} B(a, NN_k(a, A))
    precision = (1/|G|) #{g ∈ G : g ∈ manifold(R)}   (generated samples that look real)
    recall    = (1/|R|) #{r ∈ R : r ∈ manifold(G)}   (real samples the model covers)

with R the real and G the generated features; a point lies in the manifold when
||g - a|| <= NN_k(a, A) for some a ("<=", so identical sets give precision = recall = 1).
NN_k excludes the point itself, as in the reference code (index k of the sorted
distances of a point to its own set, index 0 being itself).

Returned quantities: precision and recall in [0, 1], Python floats. Distances are
compared squared (same order), computed in float64 as ||a||² + ||b||² - 2aᵀb (clipped at
0) in blocks of `block_size` rows: memory O(block_size · max(|R|, |G|)), time
O(|R| (|R| + |G|) d). The paper's default k = 3 and equal set sizes are used here.

References:
    Kynkäänniemi, Karras, Laine, Lehtinen, Aila. Improved Precision and Recall Metric
        for Assessing Generative Models. NeurIPS 2019 (and their `precision_recall.py`).
"""

import numpy as np

from otzoo.evaluation.metrics import _checks

DEFAULT_K = 3
DEFAULT_BLOCK_SIZE = 1000


def _squared_distances(a, b, b_norms):
    d = np.sum(a * a, axis=1)[:, None] + b_norms[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def knn_radii(features, k=DEFAULT_K, block_size=DEFAULT_BLOCK_SIZE):
    """Squared distance from each point [n, d] to its k-th nearest other point: [n]."""
    n = features.shape[0]
    if n <= k:
        raise ValueError(f"k-NN radii with k={k} need more than {k} points, got {n}")
    norms = np.sum(features * features, axis=1)
    radii = np.empty(n)
    for start in range(0, n, block_size):
        block = _squared_distances(features[start:start + block_size], features, norms)
        # Index 0 of each sorted row is the point itself (distance 0): take index k.
        radii[start:start + block_size] = np.partition(block, k, axis=1)[:, k]
    return radii


def manifold_coverage(queries, support, radii, block_size=DEFAULT_BLOCK_SIZE):
    """Fraction of `queries` [q, d] inside ∪ B(support_i, sqrt(radii_i)) (radii squared)."""
    norms = np.sum(support * support, axis=1)
    inside = 0
    for start in range(0, queries.shape[0], block_size):
        block = _squared_distances(queries[start:start + block_size], support, norms)
        inside += int(np.count_nonzero(np.any(block <= radii[None, :], axis=1)))
    return inside / queries.shape[0]


def precision_recall(real_features, generated_features, k=DEFAULT_K,
                     block_size=DEFAULT_BLOCK_SIZE):
    """Improved precision and recall of generated features against real ones.

    Args:
        real_features: [n, d] features of real (test) images, n > k.
        generated_features: [m, d] features of generated images, m > k.
        k: neighbourhood size of the manifold radii (the paper's 3).
        block_size: rows per distance block (memory vs. speed).

    Returns:
        (precision, recall): Python floats in [0, 1].

    Raises:
        ValueError: bad shapes, mismatched dimensions, too few points for k.
    """
    real, generated = _checks.pair(real_features, generated_features,
                                   ("real_features", "generated_features"))
    k = _checks.positive_int(k, "k")
    block_size = _checks.positive_int(block_size, "block_size")
    real_radii = knn_radii(real, k, block_size)
    generated_radii = knn_radii(generated, k, block_size)
    precision = manifold_coverage(generated, real, real_radii, block_size)
    recall = manifold_coverage(real, generated, generated_radii, block_size)
    return float(precision), float(recall)
