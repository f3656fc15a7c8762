"""An exported zoo SavedModel seen from the evaluator: every image in [0, 1], as NumPy.

The zoo's SavedModels (`otzoo.export`) take and return images in the model's own
`value_range` (model card `data.value_range`, e.g. (-1, 1) for tanh generators). The
evaluator works in [0, 1]: outputs are mapped by (v - lo) / (hi - lo) and clipped to
[0, 1] (the range of a displayed or stored image, and of the classifier's training
data); the fraction of pixels that needed clipping is reported, so a model that
produces out-of-range values is visible rather than silently repaired. Inputs (test
images for `encode` / `reconstruct`) are mapped from [0, 1] to the model's range.
"""

import json
import os

import numpy as np
import tensorflow as tf

from otzoo.evaluation.classifier.model import latest_version_dir

#: Images per signature call (bounded by the export's `max_samples_per_request`).
BATCH_SIZE = 1000


class ExportedModel:
    """Loads `exported/<name>/<version>/` (SavedModel + `model_card.json`)."""

    def __init__(self, path):
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            path = latest_version_dir(path)
        card_path = os.path.join(path, "model_card.json")
        if not os.path.isfile(card_path):
            raise FileNotFoundError(f"{card_path} is missing; is {path} a zoo export?")
        with open(card_path) as f:
            self.card = json.load(f)
        self.path = path
        self.name = self.card.get("name") or os.path.basename(os.path.dirname(path))
        self.version = int(self.card.get("version") or os.path.basename(path))
        low, high = (float(v) for v in self.card["data"]["value_range"])
        if not low < high:
            raise ValueError(f"{card_path}: bad value_range {self.card['data']['value_range']}")
        self.value_range = (low, high)
        self.latent_dim = int(self.card["latent_dim"])
        self.data_shape = tuple(int(s) for s in self.card["data"]["shape"])
        self._loaded = tf.saved_model.load(path)
        self.signatures = self._loaded.signatures
        if "sample_n" not in self.signatures or "sample" not in self.signatures:
            raise ValueError(f"{path} has no sample/sample_n signatures (has "
                             f"{sorted(self.signatures)}); not a generative zoo export")
        self.batch_size = min(BATCH_SIZE, int(self.card.get("max_samples_per_request")
                                              or BATCH_SIZE))
        self.is_autoencoder = all(s in self.signatures for s in ("encode", "decode",
                                                                  "reconstruct"))

    def to_unit(self, images):
        """Model-range images → ([0, 1] images float32, fraction of pixels clipped)."""
        low, high = self.value_range
        unit = (np.asarray(images, np.float64) - low) / (high - low)
        outside = float(np.mean((unit < 0.0) | (unit > 1.0)))
        return np.clip(unit, 0.0, 1.0).astype(np.float32), outside

    def from_unit(self, images):
        low, high = self.value_range
        return (np.asarray(images, np.float32) * (high - low) + low).astype(np.float32)

    def _batched(self, signature, key, inputs, output):
        fn = self.signatures[signature]
        parts = [fn(**{key: tf.constant(inputs[i:i + self.batch_size])})[output].numpy()
                 for i in range(0, len(inputs), self.batch_size)]
        return np.concatenate(parts)

    def sample(self, num_samples, seed=0):
        """`num_samples` draws via `sample_n`: (images in [0, 1], prior codes z, clipped).

        Batch i uses the signature's stateless seed drawn from NumPy's `seed` stream,
        so a (num_samples, seed) pair always gives the same samples.
        """
        sizes = [min(self.batch_size, num_samples - i)
                 for i in range(0, num_samples, self.batch_size)]
        seeds = np.random.default_rng(seed).integers(0, 2 ** 62, size=len(sizes))
        sample_n = self.signatures["sample_n"]
        images, codes = [], []
        for size, batch_seed in zip(sizes, seeds):
            out = sample_n(num_samples=tf.constant(size, tf.int32),
                           seed=tf.constant(int(batch_seed), tf.int64))
            images.append(out["images"].numpy())
            codes.append(out["z"].numpy())
        unit, outside = self.to_unit(np.concatenate(images))
        return unit, np.concatenate(codes), outside

    def decode(self, z):
        """Images in [0, 1] (clipped) of latent codes z [n, latent_dim] (`sample`)."""
        images = self._batched("sample", "z", np.asarray(z, np.float32), "images")
        return self.to_unit(images)[0]

    def encode(self, images, sample=False, seed=0):
        """Codes [n, latent_dim] of images in [0, 1] (autoencoders only).

        Deterministic encoders give Q(x). Gaussian encoders (whose `encode` also returns
        `log_var`) give the posterior mean, or with `sample=True` one draw
        z ~ q(z|x) = N(mean, diag(exp(log_var))) per image (NumPy stream `seed`): draws,
        not means, are samples of the aggregate posterior q(z) that a VAE matches to the
        prior.
        """
        self._require_autoencoder("encode")
        mean = self._batched("encode", "images", self.from_unit(images), "z")
        if not sample or "log_var" not in self.signatures["encode"].structured_outputs:
            return mean
        log_var = self._batched("encode", "images", self.from_unit(images), "log_var")
        noise = np.random.default_rng(seed).standard_normal(mean.shape).astype(np.float32)
        return mean + np.exp(0.5 * log_var) * noise

    def reconstruct(self, images):
        """(reconstructions in [0, 1], fraction clipped) of images in [0, 1]."""
        self._require_autoencoder("reconstruct")
        out = self._batched("reconstruct", "images", self.from_unit(images),
                            "reconstructions")
        return self.to_unit(out)

    def _require_autoencoder(self, what):
        if not self.is_autoencoder:
            raise ValueError(f"{self.name} is not an autoencoder: no {what!r} signature")
