"""Shared by the evaluation tests: Fashion-MNIST subsets and a tiny in-test classifier."""

import functools

import numpy as np

import otzoo.data
from otzoo.evaluation import classifier
from tests.training.common import smoke_config  # noqa: F401  (re-exported)

TINY = dict(filters=(8, 16), feature_dim=32, epochs=4, batch_size=32, learning_rate=2e-3)


@functools.lru_cache(maxsize=None)
def fashion_mnist(split, num):
    """The first `num` (images in [0, 1], labels) of a split (read-only arrays)."""
    images, labels = otzoo.data.load_numpy("fashion_mnist", split, value_range=(0, 1),
                                           as_supervised=True)
    images, labels = images[:num], labels[:num]
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@functools.lru_cache(maxsize=None)
def tiny_classifier(num_train=2000, seed=0):
    """(model, summary): a small LeNet trained on `num_train` train images (seconds)."""
    images, labels = fashion_mnist("train", num_train)
    return classifier.train_classifier(np.array(images), np.array(labels), seed=seed, **TINY)


