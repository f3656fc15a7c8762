"""The serving module: a `tf.Module` whose tf.functions become the SavedModel signatures.

Signatures (SignatureDefs with the `tensorflow/serving/predict` method):

| name | inputs | outputs | models |
|---|---|---|---|
| `sample` | `z` float32 [None, latent_dim] | `images` | all |
| `sample_n` | `num_samples` int32 [], `seed` int64 [] | `images`, `z` | all |
| `encode` | `images` float32 [None, *data_shape] | `z` (+ `log_var`, Gaussian encoders) | autoencoders |
| `decode` | `z` float32 [None, latent_dim] | `images` | autoencoders |
| `serving_default` | as `sample` (GANs) or `reconstruct` (autoencoders) | | all |

Wrong dtypes and shapes are rejected by the signatures themselves. Pixel values are
expected in the model's `value_range` (written in the model card); values outside it are
passed through unchanged, not clipped. `sample_n` refuses more than `max_samples`
samples with an InvalidArgument error before allocating anything. For a Gaussian encoder
(the VAE's) `encode` returns the posterior q(z|x) = N(z, diag(exp(log_var))): its mean
`z` and its `log_var`.

The functions are traced without AutoGraph (they have no tensor-dependent Python control
flow), so an export never depends on re-reading source files from disk, which may have
changed since the process started.
"""

import functools
import types

import tensorflow as tf

DEFAULT_MAX_SAMPLES = 4096


def is_autoencoder(model):
    return hasattr(model, "encode") and hasattr(model, "decode")


class ServingModule(tf.Module):
    """Wraps a trained otzoo model for `tf.saved_model.save`."""

    def __init__(self, model, data_shape, max_samples=DEFAULT_MAX_SAMPLES):
        super().__init__(name="otzoo_serving")
        # The Keras model itself is not tracked (that would save its optimizers and a
        # second copy of every variable, which TF1-style session loaders, as used by
        # TF Serving, fail to initialise); only the weights it computes with are.
        self._untracked = types.SimpleNamespace(model=model)
        self.model_variables = [v.value if hasattr(v, "value") else v
                                for v in model.variables]
        self.latent_dim = int(model.latent_dim)
        self.data_shape = tuple(int(s) for s in data_shape)
        self.max_samples = int(max_samples)
        z_spec = tf.TensorSpec([None, self.latent_dim], tf.float32, name="z")
        images_spec = tf.TensorSpec([None, *self.data_shape], tf.float32, name="images")

        function = functools.partial(tf.function, autograph=False)
        self.sample = function(self._sample, input_signature=[z_spec])
        self.sample_n = function(self._sample_n, input_signature=[
            tf.TensorSpec([], tf.int32, name="num_samples"),
            tf.TensorSpec([], tf.int64, name="seed"),
        ])
        if is_autoencoder(model):
            self.encode = function(self._encode, input_signature=[images_spec])
            self.decode = function(self._decode, input_signature=[z_spec])
            self.reconstruct = function(self._reconstruct, input_signature=[images_spec])

    @property
    def model(self):
        return self._untracked.model

    def _sample(self, z):
        return {"images": self.model.sample(z)}

    def _sample_n(self, num_samples, seed):
        checks = [
            tf.debugging.assert_positive(num_samples, message="num_samples must be >= 1"),
            tf.debugging.assert_less_equal(
                num_samples, self.max_samples,
                message=f"num_samples exceeds the export's cap of {self.max_samples}"),
        ]
        # The draw must wait for the checks: in a TF1 session (TF Serving) nothing else
        # orders them, and a 10^9-row draw would be allocated before the assert fails.
        with tf.control_dependencies(checks):
            num_samples = tf.identity(num_samples)
        z = self.model.sample_prior_stateless(num_samples,
                                              tf.stack([seed, tf.constant(0, tf.int64)]))
        return {"images": self.model.sample(z), "z": z}

    def _encode(self, images):
        mean, log_var = self.model.encoder_moments(images)
        return {"z": mean} if log_var is None else {"z": mean, "log_var": log_var}

    def _decode(self, z):
        return {"images": self.model.decode(z)}

    def _reconstruct(self, images):
        return {"reconstructions": self.model.decode(self.model.encode(images))}

    def signatures(self):
        """{signature name: concrete function} for `tf.saved_model.save`."""
        names = ["sample", "sample_n"]
        if is_autoencoder(self.model):
            names += ["encode", "decode", "reconstruct"]
        signatures = {name: getattr(self, name).get_concrete_function() for name in names}
        signatures["serving_default"] = signatures[
            "reconstruct" if is_autoencoder(self.model) else "sample"]
        return signatures
