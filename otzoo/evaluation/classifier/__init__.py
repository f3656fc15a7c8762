"""The evaluation classifier's whole lifecycle: the network, training, the frozen export,
loading it as a feature extractor (`model`), and its command (`train_main`)."""

from otzoo.evaluation.classifier.model import (BATCH_SIZE, CLASSIFIER_NAME, FEATURE_DIM,
                                               FEATURES_LAYER, IMAGE_SHAPE, NUM_CLASSES,
                                               ClassifierModule, FeatureExtractor,
                                               export_classifier, latest_version_dir, lenet,
                                               load_classifier, train_classifier)

__all__ = [
    "BATCH_SIZE", "CLASSIFIER_NAME", "FEATURE_DIM", "FEATURES_LAYER", "IMAGE_SHAPE",
    "NUM_CLASSES", "ClassifierModule", "FeatureExtractor", "export_classifier",
    "latest_version_dir", "lenet", "load_classifier", "train_classifier",
]
