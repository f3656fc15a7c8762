"""The classifier score: the Inception Score computed with the project's classifier.

    CS = exp( E_x KL( p(y | x) || p(y) ) ),   p(y) = E_x p(y | x)

High when each sample is classified confidently (low-entropy p(y|x)) and the classes
are balanced (high-entropy p(y)). 1 <= CS <= number of classes: 1 for identical
p(y|x), the number of classes for confident, perfectly balanced samples.

Returned quantity: the mean of CS over `num_splits` disjoint splits of the samples
(p(y) estimated per split, as Salimans et al. do with 10 splits) and the standard
deviation over the splits. Probabilities are clipped at 1e-12 before the logarithm
(0·log 0 = 0). Deviation from the Inception Score: a 10-class Fashion-MNIST classifier
instead of the 1000-class Inception network.

References:
    Salimans, Goodfellow, Zaremba, Cheung, Radford, Chen. Improved Techniques for
        Training GANs. NeurIPS 2016.
"""

import numpy as np

from otzoo.evaluation.metrics import _checks

EPSILON = 1e-12


def check_probabilities(probabilities):
    """`probabilities` as a float64 [n, K] array of non-negative rows summing to 1.

    Shared with `class_entropy`: both read the classifier's softmax outputs. Rows may
    miss 1 by 1e-4 (float32 softmax).

    Raises:
        ValueError: not a finite numeric [n, K] array of such rows.
    """
    probabilities = _checks.features(probabilities, "probabilities")
    if np.any(probabilities < 0) or not np.allclose(probabilities.sum(axis=1), 1.0,
                                                    atol=1e-4):
        raise ValueError("probabilities must be non-negative rows summing to 1 (softmax "
                         "outputs)")
    return probabilities


def classifier_score(probabilities, num_splits=10):
    """CS of class probabilities p(y | x) [n, num_classes] (rows sum to 1).

    Args:
        probabilities: [n, K] non-negative rows summing to 1 (softmax outputs).
        num_splits: number of disjoint splits (n >= num_splits).

    Returns:
        (score, score_std): Python floats, 1 <= score <= K.

    Raises:
        ValueError: not a [n, K] probability matrix, or fewer rows than splits.
    """
    probabilities = check_probabilities(probabilities)
    num_splits = _checks.positive_int(num_splits, "num_splits")
    if probabilities.shape[0] < num_splits:
        raise ValueError(f"need at least num_splits={num_splits} rows, got "
                         f"{probabilities.shape[0]}")
    scores = []
    for part in np.array_split(probabilities, num_splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(np.maximum(part, EPSILON))
                            - np.log(np.maximum(marginal, EPSILON))), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))
