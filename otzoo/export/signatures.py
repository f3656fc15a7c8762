"""The serving module: a `tf.Module` whose tf.functions become the SavedModel signatures.

Signatures (SignatureDefs with the `tensorflow/serving/predict` method):

| name | inputs | outputs | models |
|---|---|---|---|
| `sample` | `z` float32 [n, latent_dim] | `images` | all |
| `sample_n` | `num_samples` int32 [], `seed` int64 [] | `images`, `z` | all |
| `encode` | `images` float32 [n, *data_shape] | `z` (+ `log_var` if Gaussian) | autoencoders |
| `decode` | `z` float32 [n, latent_dim] | `images` | autoencoders |
| `reconstruct` | `images` float32 [n, *data_shape] | `reconstructions` | autoencoders |
| `serving_default` | as `sample` (GANs) or `reconstruct` (autoencoders) | | all |

Every request is bounded and checked before anything is computed, each refusal an
InvalidArgument error that names the signature and the input:
  * `sample_n`: 1 <= `num_samples` <= `max_samples`.
  * `sample`, `encode`, `decode`, `reconstruct`: the input must be [n, latent_dim] or
    [n, *data_shape] with n <= `max_samples`, and finite (no NaN or Inf).
The shape is checked in the graph because the declared one is not enforced where it
matters: a session fed through the C++ API (as TF Serving feeds it) and a
`tf.saved_model.load`ed signature both accept any shape. Unchecked, an image of the
wrong size is encoded without an error, and one of the wrong rank aborts the serving
process on a failed CHECK inside the convolution. Wrong dtypes are refused by the
runtime. Pixel values are expected in the model's `value_range` (written in the model
card); finite values outside it are passed through unchanged, not clipped. For a
Gaussian encoder (the VAE's) `encode` returns the posterior
q(z|x) = N(z, diag(exp(log_var))): its mean `z` and its `log_var`.

Weight averaging: for a model trained with `ema_decay`, `sample`, `sample_n`, `decode`
and the decoder of `reconstruct` compute with the averaged generator / decoder (its
exponential moving average, batch-norm statistics recomputed: `otzoo.models.averaging`),
held in the module's own variables; the live generator / decoder and the averages as
training keeps them are not saved. `encode` uses the trained encoder. Without averaging
the module is exactly what it was before the option existed.

The functions are traced without AutoGraph (they have no tensor-dependent Python control
flow), so an export never depends on re-reading source files from disk, which may have
changed since the process started.
"""

import contextlib
import functools
import types

import tensorflow as tf

DEFAULT_MAX_SAMPLES = 4096


def seed_pair(seed):
    """The stateless seed pair (int64 [2], both in the int32 range) of an int64 `seed`.

    [seed, 0] for a seed in the int32 range (what `sample_n` has always used); beyond it,
    the low 32 bits (signed) and the high bits left when they are taken away (in int64's
    wrapping arithmetic), so every int64 seed has its own pair: a single cast to int32
    made seeds equal modulo 2^32 draw the same codes.
    """
    low = tf.bitcast(tf.cast(tf.bitwise.bitwise_and(seed, 0xFFFFFFFF), tf.uint32), tf.int32)
    low = tf.cast(low, tf.int64)
    high = tf.bitwise.right_shift(seed - low, 32)  # seed - low: a multiple of 2^32
    return tf.stack([low, high])


def is_autoencoder(model):
    return hasattr(model, "encode") and hasattr(model, "decode")


class ServingModule(tf.Module):
    """Wraps a trained otzoo model for `tf.saved_model.save`."""

    def __init__(self, model, data_shape, max_samples=DEFAULT_MAX_SAMPLES):
        super().__init__(name="otzoo_serving")
        # The Keras model itself is not tracked (that would save its optimizers and a
        # second copy of every variable, which TF1-style session loaders, as used by
        # TF Serving, fail to initialise); only the weights it computes with are.
        self._untracked = types.SimpleNamespace(model=model, averaged=None, weights_note=None)
        replaced = set()
        if getattr(model, "ema_decay", None):
            # Snapshot of the averaged network, in variables of this module (tracked,
            # so saved); what they replace is not saved.
            weights = model.averaged_weights()
            self.averaged_trainable = [
                tf.Variable(t, trainable=False, name=f"averaged_weight_{i}")
                for i, t in enumerate(weights.trainable)]
            self.averaged_non_trainable = [
                tf.Variable(t, trainable=False, name=f"averaged_state_{i}")
                for i, t in enumerate(weights.non_trainable)]
            self._untracked.averaged = weights._replace(
                    trainable=self.averaged_trainable,
                    non_trainable=self.averaged_non_trainable)
            self._untracked.weights_note = model.describe_averaging(weights)
            replaced = {id(v) for v in model.averaged_network.variables + model.ema_variables}
        # Training-only state (`training_only_variables`) is not saved either; any
        # object with `variables` and the generative API can be exported, so it is
        # optional.
        training_only = getattr(model, "training_only_variables", list)()
        replaced |= {id(v) for v in training_only}
        self.model_variables = [v.value if hasattr(v, "value") else v
                                for v in model.variables if id(v) not in replaced]
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

    @property
    def weights_note(self):
        """The model card's line on averaged weights, or None (no averaging)."""
        return self._untracked.weights_note

    def _averaged(self):
        """The scope in which the model computes with the saved averaged weights."""
        if self._untracked.averaged is None:
            return contextlib.nullcontext()
        return self.model.averaged(self._untracked.averaged)

    def _checked_batch(self, signature, x, name, row_shape):
        """`x`, once it is known to be [n, *row_shape], n <= max_samples, all finite."""
        shape = tf.shape(x)
        expected = ", ".join(str(d) for d in row_shape)
        # Compared as text: a request of the wrong rank cannot be compared element-wise,
        # and a rank check would be folded away at trace time from the declared shape.
        got = tf.strings.reduce_join(tf.strings.as_string(shape[1:]), separator=", ")
        shape_check = tf.debugging.Assert(
            tf.equal(got, expected),
            [f"{signature}: {name} must have shape [n, {expected}]; got shape", shape],
            summarize=len(row_shape) + 1)
        # Each check waits for the one before, and the model for all of them: nothing
        # else orders them (a loaded signature does not even run an assert that no
        # output depends on), and a request over the cap must be refused before its
        # rows are computed.
        with tf.control_dependencies([shape_check]):
            cap_check = tf.debugging.assert_less_equal(
                shape[0], self.max_samples,
                message=f"{signature}: {name} has more rows than the cap of "
                        f"{self.max_samples} per request")
        with tf.control_dependencies([cap_check]):
            return tf.debugging.check_numerics(
                x, f"{signature}: {name} must be finite (no NaN or Inf)")

    def _checked_z(self, signature, z):
        return self._checked_batch(signature, z, "z", (self.latent_dim,))

    def _checked_images(self, signature, images):
        return self._checked_batch(signature, images, "images", self.data_shape)

    def _sample(self, z):
        z = self._checked_z("sample", z)
        with self._averaged():
            return {"images": self.model.sample(z)}

    def _sample_n(self, num_samples, seed):
        checks = [
            tf.debugging.assert_positive(
                num_samples, message="sample_n: num_samples must be >= 1"),
            tf.debugging.assert_less_equal(
                num_samples, self.max_samples,
                message=f"sample_n: num_samples exceeds the cap of {self.max_samples} "
                        f"per request"),
        ]
        # The draw must wait for the checks: in a TF1 session (TF Serving) nothing else
        # orders them, and a 10^9-row draw would be allocated before the assert fails.
        with tf.control_dependencies(checks):
            num_samples = tf.identity(num_samples)
        z = self.model.sample_prior_stateless(num_samples, seed_pair(seed))
        with self._averaged():
            return {"images": self.model.sample(z), "z": z}

    def _encode(self, images):
        mean, log_var = self.model.encoder_moments(self._checked_images("encode", images))
        return {"z": mean} if log_var is None else {"z": mean, "log_var": log_var}

    def _decode(self, z):
        z = self._checked_z("decode", z)
        with self._averaged():
            return {"images": self.model.decode(z)}

    def _reconstruct(self, images):
        images = self._checked_images("reconstruct", images)
        with self._averaged():  # the decoder's weights only: the encoder stays as trained
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
