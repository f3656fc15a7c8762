"""Class entropy: how evenly the samples spread over the classifier's classes.

    H = -Σ_k q_k log q_k  (nats),   q_k = #{i : argmax_y p(y | x_i) = k} / n

Measures class coverage (mode dropping): 0 when every sample is classified as one
class, log K (log 10 ≈ 2.303 for Fashion-MNIST) when each class gets exactly n/K
samples. Equivalently H = log K - KL(q || uniform), the mode-distribution KL that
Metz et al. report on Stacked MNIST, here over the classifier's 10 classes.

Hard labels, not the classifier score's soft marginal. The classifier score is
log CS = H(p(y)) - E_x H(p(y|x)) with p(y) = E_x p(y|x): its marginal-entropy term
H(p(y)) reaches log K when every sample gets the uniform p(y|x), i.e. when no sample
looks like any class. Here each sample counts once, for the class it is classified
as, however unsure the classifier is: confidence does not enter (CS covers it), only
which classes the samples land in, which is what "class coverage" means.

Returned quantity: the plug-in estimate from the n samples' labels (a Python float).
It is biased low by about (K - 1) / (2n) (Miller-Madow): 4.5e-4 for K = 10 and
n = 10⁴. Ties in a row go to the first maximal class (np.argmax). The real-vs-real
floor is not exactly log K: the test split is balanced, but the classifier's errors
move some samples to other classes.

References:
    Metz, Poole, Pfau, Sohl-Dickstein. Unrolled Generative Adversarial Networks.
        ICLR 2017 (Stacked MNIST: modes counted and KL to the uniform mode
        distribution, with a pretrained classifier).
"""

import numpy as np

from otzoo.evaluation.metrics.classifier_score import check_probabilities


def class_entropy(probabilities):
    """H of the predicted-class frequencies of probabilities p(y | x) [n, K].

    Args:
        probabilities: [n, K] non-negative rows summing to 1 (softmax outputs).

    Returns:
        Python float in [0, log K], nats.

    Raises:
        ValueError: not a [n, K] probability matrix.
    """
    probabilities = check_probabilities(probabilities)
    num_classes = probabilities.shape[1]
    labels = np.argmax(probabilities, axis=1)
    fractions = np.bincount(labels, minlength=num_classes) / len(labels)
    present = fractions[fractions > 0]  # 0 · log 0 = 0: absent classes add nothing
    # Σ q log(1/q) rather than -Σ q log q: one class gives +0.0, not -0.0 ("-0.000" in
    # tables).
    return float(np.sum(present * np.log(1.0 / present)))
