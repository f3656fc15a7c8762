"""The Fashion-MNIST classifier whose features define FID-FMNIST, KID and precision/recall.

No Inception weights can be downloaded here, and Inception features of upsampled 28×28
grayscale images are questionable anyway; like the MNIST/Fashion-MNIST literature that
cares (e.g. the classifier-based FID of Lucic et al. 2018 on MNIST-like data), the
project trains its own LeNet-style network on the train split and freezes it:

    x ∈ [0, 1]^{28×28×1}
      → conv 3×3 ×32, ReLU → max-pool 2 → conv 3×3 ×64, ReLU → max-pool 2 → flatten
      → dropout → dense 128, ReLU  =: φ(x)   ("features", the penultimate layer)
      → dropout → dense 10         =: logits; softmax =: p(y | x)  ("probabilities")

φ(x) (128-D) is the feature space of FID-FMNIST, KID and precision/recall; p(y | x)
gives the classifier score (the Inception Score analogue). Dropout is only active while
training, so the exported features are deterministic.

The exported SavedModel (`exported/classifier/<version>/`) has two signatures taking
`images` float32 [None, 28, 28, 1] in [0, 1]: `features` → {"features": [n, 128]} and
`probabilities` → {"probabilities": [n, 10]}. Its variables are saved non-trainable
(frozen); `model_card.json` records the test accuracy, seed, steps and command.

Deviation from LeNet-5 (LeCun et al. 1998): ReLU and max-pooling instead of tanh and
average pooling, 3×3 instead of 5×5 kernels (cheaper on a 2-core CPU), dropout, Adam.

References:
    LeCun, Bottou, Bengio, Haffner. Gradient-Based Learning Applied to Document
        Recognition. Proc. IEEE 1998.
    Xiao, Rasul, Vollgraf. Fashion-MNIST: a Novel Image Dataset for Benchmarking
        Machine Learning Algorithms. arXiv:1708.07747, 2017.
    Heusel et al. GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
        Equilibrium (FID). NeurIPS 2017.
"""

import datetime
import json
import os
import time
import types

import keras
import numpy as np
import tensorflow as tf

from otzoo.export.writer import (existing_versions, new_version_dir, write_atomically,
                                 write_model_card)

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
FEATURE_DIM = 128
FEATURES_LAYER = "features"
CLASSIFIER_NAME = "classifier"
#: Inference batch size: keeps activations of a 10k-image set to a few MB per call.
BATCH_SIZE = 500


def lenet(input_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, filters=(32, 64),
          feature_dim=FEATURE_DIM, dropout=0.25, seed=0):
    """A LeNet-style CNN returning logits; its layer "features" is the penultimate one.

    Args:
        input_shape: image shape (H, W, C), pixels in [0, 1].
        num_classes: number of logits.
        filters: channels of the two conv layers.
        feature_dim: width of the penultimate (feature) layer.
        dropout: dropout rate before the feature and logit layers (training only).
        seed: seeds the initialisers and dropout.

    Returns:
        A `keras.Model` images [n, *input_shape] → logits [n, num_classes].
    """
    if len(tuple(input_shape)) != 3:
        raise ValueError(f"input_shape must be (H, W, C), got {input_shape!r}")
    if len(tuple(filters)) != 2 or min(filters) < 1:
        raise ValueError(f"filters must be two positive channel counts, got {filters!r}")
    if feature_dim < 1 or num_classes < 2:
        raise ValueError(f"need feature_dim >= 1 and num_classes >= 2, got {feature_dim}, "
                         f"{num_classes}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    init = lambda i: keras.initializers.GlorotUniform(seed=seed + i)  # noqa: E731
    inputs = keras.Input(tuple(input_shape), name="images")
    h = keras.layers.Conv2D(filters[0], 3, activation="relu", kernel_initializer=init(0),
                            name="conv1")(inputs)
    h = keras.layers.MaxPooling2D(2, name="pool1")(h)
    h = keras.layers.Conv2D(filters[1], 3, activation="relu", kernel_initializer=init(1),
                            name="conv2")(h)
    h = keras.layers.MaxPooling2D(2, name="pool2")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dropout(dropout, seed=seed + 2, name="dropout1")(h)
    h = keras.layers.Dense(feature_dim, activation="relu", kernel_initializer=init(3),
                           name=FEATURES_LAYER)(h)
    h = keras.layers.Dropout(dropout, seed=seed + 4, name="dropout2")(h)
    logits = keras.layers.Dense(num_classes, kernel_initializer=init(5), name="logits")(h)
    return keras.Model(inputs, logits, name="lenet_classifier")


def _check_images(images, name="images"):
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"{name} must be [n, H, W, C] images in [0, 1], got shape "
                         f"{list(images.shape)}")
    if images.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} must be finite")
    return images


def _check_labels(labels, n):
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {n} integers (one per image), got "
                         f"{labels.dtype} {list(labels.shape)}")
    return labels.astype(np.int64)


def train_classifier(images, labels, epochs=8, batch_size=128, learning_rate=1e-3,
                     seed=0, verbose=0, **lenet_kwargs):
    """Trains `lenet(**lenet_kwargs)` with Adam on the cross-entropy, seeded.

    Args:
        images: float32 [n, H, W, C] in [0, 1].
        labels: int [n] class indices.
        epochs, batch_size, learning_rate: the recipe (Adam, fixed epochs, no early
            stopping: no data of the test split is looked at while training).
        seed: seeds Keras, NumPy and TF (initialisation, shuffling, dropout).
        verbose: Keras `fit` verbosity.
        **lenet_kwargs: architecture options passed to `lenet`.

    Returns:
        (model, summary): the trained logits model and a dict with epochs, steps,
        batch_size, learning_rate, seed, train_accuracy, wall_time_s.
    """
    images = _check_images(images)
    labels = _check_labels(labels, images.shape[0])
    keras.utils.set_random_seed(seed)
    model = lenet(input_shape=images.shape[1:], seed=seed, **lenet_kwargs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.time()
    history = model.fit(images, labels, batch_size=batch_size, epochs=epochs, shuffle=True,
                        verbose=verbose)
    wall = time.time() - start
    steps_per_epoch = -(-images.shape[0] // batch_size)
    summary = {
        "epochs": int(epochs),
        "steps": int(epochs * steps_per_epoch),
        "batch_size": int(batch_size),
        "learning_rate": float(learning_rate),
        "seed": int(seed),
        "num_train_examples": int(images.shape[0]),
        "train_accuracy": float(history.history["accuracy"][-1]),
        "wall_time_s": round(wall, 1),
    }
    return model, summary


class FeatureExtractor:
    """Features φ(x) and class probabilities p(y|x) of a frozen classifier, as NumPy.

    Wraps either a Keras logits model (in tests) or a loaded classifier SavedModel;
    inputs are images in [0, 1], processed in batches of `batch_size`.
    """

    def __init__(self, features_fn, probabilities_fn, feature_dim, image_shape,
                 batch_size=BATCH_SIZE, card=None):
        self._features_fn = features_fn
        self._probabilities_fn = probabilities_fn
        self.feature_dim = int(feature_dim)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.batch_size = int(batch_size)
        self.card = card or {}

    @classmethod
    def from_keras(cls, model, batch_size=BATCH_SIZE):
        """From a `lenet` logits model (its layer "features" is the feature output)."""
        features_model = keras.Model(model.inputs, model.get_layer(FEATURES_LAYER).output)
        return cls(lambda x: features_model(x, training=False),
                   lambda x: tf.nn.softmax(model(x, training=False)),
                   features_model.output.shape[-1], model.input_shape[1:], batch_size)

    @classmethod
    def from_saved_model(cls, path, batch_size=BATCH_SIZE):
        """From `exported/classifier/<version>/` (a `export_classifier` SavedModel)."""
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            raise FileNotFoundError(
                f"no classifier SavedModel in {path}; train and export it with "
                "`bazel run //otzoo/evaluation:train_classifier`")
        loaded = tf.saved_model.load(path)
        for name in ("features", "probabilities"):
            if name not in loaded.signatures:
                raise ValueError(f"{path} has no {name!r} signature (has "
                                 f"{sorted(loaded.signatures)}); not a classifier export")
        features = loaded.signatures["features"]
        probabilities = loaded.signatures["probabilities"]
        card = {}
        card_path = os.path.join(path, "model_card.json")
        if os.path.exists(card_path):
            with open(card_path) as f:
                card = json.load(f)
        image_shape = features.structured_input_signature[1]["images"].shape[1:]
        feature_dim = features.structured_outputs["features"].shape[-1]
        extractor = cls(lambda x: features(images=x)["features"],
                        lambda x: probabilities(images=x)["probabilities"],
                        feature_dim, image_shape, batch_size, card)
        extractor._loaded = loaded  # keeps the variables alive
        return extractor

    def _apply(self, fn, images):
        images = _check_images(images)
        if images.shape[1:] != self.image_shape:
            raise ValueError(f"the classifier takes images of shape {self.image_shape}, "
                             f"got {images.shape[1:]}")
        outputs = [np.asarray(fn(tf.constant(images[i:i + self.batch_size])))
                   for i in range(0, images.shape[0], self.batch_size)]
        return np.concatenate(outputs).astype(np.float64)

    def features(self, images):
        """φ(images): float64 [n, feature_dim]; images float [n, H, W, C] in [0, 1]."""
        return self._apply(self._features_fn, images)

    def probabilities(self, images):
        """p(y | images): float64 [n, num_classes], rows sum to 1."""
        return self._apply(self._probabilities_fn, images)

    def accuracy(self, images, labels):
        """Top-1 accuracy on labelled images, a float in [0, 1]."""
        probs = self.probabilities(images)
        labels = _check_labels(labels, probs.shape[0])
        return float(np.mean(np.argmax(probs, axis=1) == labels))


class ClassifierModule(tf.Module):
    """Serving module of a trained `lenet`: signatures `features` and `probabilities`."""

    def __init__(self, model):
        super().__init__(name="otzoo_classifier")
        # As in otzoo.export: track only the weights (non-trainable: frozen), not the
        # Keras model with its optimizer.
        self._untracked = types.SimpleNamespace(
            model=model,
            features_model=keras.Model(model.inputs, model.get_layer(FEATURES_LAYER).output))
        self.model_variables = [v.value if hasattr(v, "value") else v
                                for v in model.variables]
        spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32, name="images")
        self.features = tf.function(self._features, input_signature=[spec])
        self.probabilities = tf.function(self._probabilities, input_signature=[spec])

    def _features(self, images):
        return {"features": self._untracked.features_model(images, training=False)}

    def _probabilities(self, images):
        logits = self._untracked.model(images, training=False)
        return {"probabilities": tf.nn.softmax(logits)}

    def signatures(self):
        features = self.features.get_concrete_function()
        return {"features": features,
                "probabilities": self.probabilities.get_concrete_function(),
                "serving_default": features}


def _card_markdown(card):
    t, m = card["training"], card["metrics"]
    return f"""# {card['name']} (version {card['version']}): the evaluation feature extractor

A LeNet-style CNN trained on the Fashion-MNIST train split, frozen. Its penultimate layer
({card['feature_dim']}-D) defines FID-FMNIST, KID and precision/recall; its softmax the
classifier score. See `otzoo/evaluation/classifier/`.

Inputs: `images` float32 [None, {', '.join(str(s) for s in card['data']['shape'])}] in
[0, 1]. Signatures: {', '.join(card['signatures'])}.

| | |
|---|---|
| test accuracy ({m['num_test_examples']} test images) | **{m['test_accuracy']:.4f}** |
| train accuracy (last epoch, dropout on) | {t['train_accuracy']:.4f} |
| epochs / steps / batch size | {t['epochs']} / {t['steps']} / {t['batch_size']} |
| optimizer | Adam, learning rate {t['learning_rate']} |
| seed | {t['seed']} |
| parameters | {card['num_parameters']} |
| wall time | {t['wall_time_s']} s |

Command: `{card['command']}`
Git commit: `{card['git_commit']}`. Exported {card['exported_at']}.
"""


def export_classifier(model, export_root, summary, test_accuracy, num_test_examples,
                      command=None, version=None):
    """Writes `<export_root>/classifier/<version>/` (SavedModel + model cards) atomically.

    Args:
        model: a trained `lenet` logits model.
        export_root: e.g. `exported/`.
        summary: the training summary of `train_classifier`.
        test_accuracy: accuracy on the test split (checked >= 0.9 by the tests).
        num_test_examples: size of the split it was measured on.
        command: the command that trained it (written into the card).
        version: integer version; default one more than the newest.

    Returns:
        The path of the new version directory.
    """
    from otzoo.export.writer import git_commit  # only needed when exporting

    final, version = new_version_dir(export_root, CLASSIFIER_NAME, version)
    module = ClassifierModule(model)
    for variable in module.model_variables:
        # Frozen: the SavedModel lists no trainable variable. Keras 3 creates its
        # backing tf.Variables trainable whatever the layer says, and tf.Variable has
        # no public setter; `trainable` is read from this attribute.
        variable._trainable = False
    card = {
        "name": CLASSIFIER_NAME,
        "version": int(version),
        "model": "lenet_classifier",
        "kind": "feature_extractor",
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "git_commit": git_commit(),
        "command": command,
        "data": {"name": "fashion_mnist", "shape": list(model.input_shape[1:]),
                 "value_range": [0.0, 1.0]},
        "feature_dim": int(model.get_layer(FEATURES_LAYER).output.shape[-1]),
        "num_classes": int(model.output_shape[-1]),
        "num_parameters": int(model.count_params()),
        "signatures": ["features", "probabilities"],
        "training": dict(summary),
        "metrics": {"test_accuracy": float(test_accuracy),
                    "num_test_examples": int(num_test_examples)},
    }
    def write(staging):
        tf.saved_model.save(module, staging, signatures=module.signatures())
        write_model_card(staging, card, _card_markdown)

    write_atomically(final, write)
    return final


def latest_version_dir(model_dir):
    """`<model_dir>/<newest integer version>`; FileNotFoundError when there is none."""
    versions = existing_versions(model_dir)
    if not versions:
        raise FileNotFoundError(f"no integer version directory under {model_dir}")
    return os.path.join(model_dir, str(versions[-1]))


def load_classifier(path, batch_size=BATCH_SIZE):
    """A `FeatureExtractor` from `exported/classifier` (newest version) or a version dir."""
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        path = latest_version_dir(path)
    return FeatureExtractor.from_saved_model(path, batch_size)
