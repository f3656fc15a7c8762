"""Small shared pieces of the network builders: normalization layers by name."""

import keras

from otzoo import checks

NORMALIZATIONS = (None, "batch", "layer")


def check_normalization(normalization):
    """Raises ValueError unless `normalization` is one of None, "batch", "layer"."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(
                f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")


def normalization_layer(normalization, name):
    """A fresh normalization layer, or None for `normalization=None`."""
    if normalization == "batch":
        # Synchronized: under tf.distribute the statistics are those of the global batch,
        # so N replicas normalise exactly as one device would (a no-op on one device).
        return keras.layers.BatchNormalization(synchronized=True, name=name)
    if normalization == "layer":
        # Per-sample statistics: safe inside a WGAN-GP critic (no coupling across the batch).
        return keras.layers.LayerNormalization(name=name)
    return None


check_positive_int = checks.positive_int  # the project-wide check (otzoo/checks.py)
