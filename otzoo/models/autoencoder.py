"""Plumbing shared by the autoencoder family: `vae`, `wae_gan`, `wae_mmd`, `swae`.

Not a zoo entry itself. It holds what the four models share, so that each model file
reads like its paper's algorithm box:

  * `Autoencoder`: an encoder / decoder pair with `encode`, `decode`, `sample`, `call`,
    Gaussian (stochastic) or deterministic encoders, the latent prior
    (`otzoo.models.priors`), explicit building, optimizers built in `compile`;
  * optional weight averaging of the decoder (`ema_decay=`, `otzoo.models.averaging`):
    after each autoencoder update; `with model.averaged(): ...` decodes with it;
  * `GlobalPenaltyAutoencoder`: the train step of WAE-MMD and SWAE,

        min_{Q, G}  1/n sum_i c(x_i, G(z̃_i)) + lambda D(Q_Z, P_Z),   z̃_i ~ Q(Z | x_i),

    where the latent divergence D (MMD², SW) is estimated on the *global* batch.

Distribution (see `otzoo.models.base`): encoder noise and prior draws are drawn for the
global batch from the model's seed generator (identical on every replica) and sliced;
the codes of all replicas are gathered (`gather_global`) before the latent divergence,
and every update goes through `player_step`, which scales the replica's loss by
1 / num_replicas inside the tape, so the summed gradients equal the single-device
gradient on the same global batch.

The loss terms (reconstruction costs c(x, x̂) and their reduction convention, the
likelihoods and the Gaussian KL) are free functions in `otzoo.losses.autoencoding`.
"""

import keras
import tensorflow as tf

# The cost helpers are imported here for the models (and older importers) of this module.
from otzoo.losses.autoencoding import (COSTS, REDUCTIONS, check_reduction,  # noqa: F401
                                       parse_cost, reconstruction_cost, reconstruction_loss)
from otzoo.models.base import Compiled, GenerativeModel, gather_global, unpack_data
from otzoo.models.priors import get_prior, seed_from_generator


def check_probability_output(decoder):
    """Raises ValueError if the decoder visibly does not output probabilities (BCE)."""
    last = decoder.layers[-1] if getattr(decoder, "layers", None) else None
    activation = getattr(last, "activation", None)
    if activation is None:
        return  # not a layer with an activation (e.g. a custom head): cannot tell
    name = getattr(activation, "__name__", str(activation))
    if name != "sigmoid":
        raise ValueError(f"the 'bce' reconstruction cost needs a decoder with outputs in "
                         f"[0, 1] (a final sigmoid) and data in [0, 1]; the decoder's last "
                         f"layer has activation {name!r}. Build the decoder with "
                         "output_activation='sigmoid' or choose reconstruction='l2sq'/'l1'")


def _static_last_dim(shape):
    try:
        return None if shape is None or shape[-1] is None else int(shape[-1])
    except (TypeError, IndexError):
        return None


class Autoencoder(GenerativeModel):
    """An encoder Q(Z|X) and a decoder G(X|Z) with a latent prior P_Z.

    Args:
      encoder: `keras.Model` x [n, *data_shape] -> [n, latent_dim] (deterministic) or
        [n, 2 latent_dim] (Gaussian: mean then log-variance).
      decoder: `keras.Model` z [n, latent_dim] -> [n, *data_shape].
      latent_dim: code size; inferred from the decoder input when None.
      gaussian_encoder: whether the encoder outputs (mean, log-variance) and codes are
        drawn z = mean + exp(log_var / 2) * eps (reparametrisation).
      prior: a registered prior name (`otzoo.models.priors.PRIORS`) or a `Prior`.
      prior_kwargs: keyword arguments of the prior (e.g. {"radius": 2.0}).
      jit_penalties: wrap the penalty functions in `tf.function(jit_compile=True)`.
      seed: seed of the model-owned `keras.random.SeedGenerator`.
      **kwargs: `ema_decay` (an EMA of the decoder's weights; off by default),
        `ema_bn_batches`, `ema_bn_batch_size`: see `GenerativeModel`.
    """

    main_player = "autoencoder"
    averaged_role = "decoder"
    averaged_player = "autoencoder"  # the encoder and decoder; only the decoder is averaged
    network_roles = ()  # networks beyond the encoder and decoder, on codes [n, latent_dim]
    requires_gaussian_encoder = False  # True: the encoder must output (mean, log-variance)

    def __init__(self, encoder, decoder, latent_dim=None, gaussian_encoder=False,
                 prior="normal", prior_kwargs=None, jit_penalties=False, seed=0, **kwargs):
        for net, what in ((encoder, "encoder"), (decoder, "decoder")):
            if not isinstance(net, keras.Model):
                raise ValueError(f"{what} must be a keras.Model, got {type(net).__name__}")
        decoder_in = _static_last_dim(getattr(decoder, "input_shape", None))
        if latent_dim is None:
            if decoder_in is None:
                raise ValueError("latent_dim is None and the decoder has no static input "
                                 "shape to infer it from; pass latent_dim")
            latent_dim = decoder_in
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        if decoder_in is not None and decoder_in != self.latent_dim:
            raise ValueError(f"the decoder takes codes of size {decoder_in}, but "
                             f"latent_dim={self.latent_dim}")
        self.gaussian_encoder = bool(gaussian_encoder)
        expected = 2 * self.latent_dim if self.gaussian_encoder else self.latent_dim
        encoder_out = _static_last_dim(getattr(encoder, "output_shape", None))
        if encoder_out is not None and encoder_out != expected:
            kind = ("Gaussian (mean and log-variance: 2 * latent_dim)"
                    if self.gaussian_encoder else "deterministic (latent_dim)")
            raise ValueError(f"a {kind} encoder must output {expected} values, the given "
                             f"encoder outputs {encoder_out}")
        self.encoder = encoder
        self.decoder = decoder
        self.prior = get_prior(prior, self.latent_dim, **dict(prior_kwargs or {}))
        self.jit_penalties = bool(jit_penalties)
        self.data_shape = None
        try:
            input_shape = tuple(encoder.input_shape[1:])
        except (AttributeError, ValueError, TypeError):
            input_shape = None
        if input_shape and all(s is not None for s in input_shape):
            self.build_networks(input_shape)

    # -- building ----------------------------------------------------------------------
    def build_networks(self, data_shape):
        """Builds encoder and decoder for data of shape `data_shape` (no batch axis)."""
        data_shape = tuple(int(s) for s in data_shape)
        try:
            enc_shape = tuple(self.encoder.input_shape[1:])
        except (AttributeError, ValueError, TypeError):
            enc_shape = None
        if enc_shape is not None and None not in enc_shape and enc_shape != data_shape:
            raise ValueError(f"the encoder expects data of shape {enc_shape}, got "
                             f"data_shape={data_shape}")
        if not self.encoder.built:
            self.encoder.build((None,) + data_shape)
        if not self.decoder.built:
            self.decoder.build((None, self.latent_dim))
        dec_shape = tuple(self.decoder.compute_output_shape((None, self.latent_dim))[1:])
        if None not in dec_shape and dec_shape != data_shape:
            raise ValueError(f"the decoder outputs shape {dec_shape} but the data has "
                             f"shape {data_shape}")
        self.data_shape = data_shape
        self.build_averages()
        self.built = True

    def build(self, input_shape):
        self.build_networks(tuple(input_shape)[1:])

    @property
    def autoencoder_variables(self):
        return self.encoder.trainable_variables + self.decoder.trainable_variables

    # -- optimizers (same conventions as the GAN family's `AdversarialModel`) ----------
    def player_variables(self):
        """{player: trainable variables}; "autoencoder" is the encoder and decoder."""
        return {"autoencoder": self.autoencoder_variables}

    # -- encoding / decoding -------------------------------------------------------------
    def encoder_moments(self, x, training=False):
        """(mean, log_var) of a Gaussian encoder, (code, None) of a deterministic one."""
        h = self.encoder(x, training=training)
        if not self.gaussian_encoder:
            return h, None
        mean, log_var = tf.split(h, 2, axis=-1)
        return mean, log_var

    def reparametrize(self, mean, log_var):
        """z = mean + exp(log_var / 2) eps, eps ~ N(0, I) drawn for the global batch.

        The noise of all replicas comes from one draw for the global batch (the same on
        every replica) and each replica keeps its rows: N replicas see the noise one
        device would.
        """
        eps = self.local_normal(tf.shape(mean)[0], (self.latent_dim,), dtype=mean.dtype)
        return mean + tf.exp(0.5 * log_var) * eps

    def encode(self, x, sample=False, training=False):
        """Codes of x: [n, latent_dim].

        Deterministic encoders return Q(x). Gaussian encoders return the posterior mean,
        or a draw z ~ Q(Z|x) when `sample=True` (advances the seed generator).
        """
        mean, log_var = self.encoder_moments(x, training=training)
        if sample and log_var is not None:
            return self.reparametrize(mean, log_var)
        return mean

    def decode(self, z, training=False):
        """The decoder's output for codes z [n, latent_dim]: [n, *data_shape]."""
        return self.decoder(z, training=training)

    def sample(self, z):
        """Maps prior codes z [n, latent_dim] to data space (= decode)."""
        return self.decode(z)

    def generate(self, n):
        """n new samples G(z), z ~ P_Z (advances the seed generator)."""
        return self.sample(self.sample_prior(n))

    def call(self, x, training=False):
        """The reconstruction G(Q(x)) (posterior mean codes for Gaussian encoders)."""
        return self.decode(self.encode(x, training=training), training=training)


class GlobalPenaltyAutoencoder(Autoencoder):
    """A WAE whose latent divergence is a sample estimate on the global batch.

    Subclasses set `penalty_name` (the metric key) and implement
    `latent_divergence(codes, prior_codes, seed)` on [N, latent_dim] global batches;
    `seed` is a stateless int32 [2] seed drawn from the model's generator for this step
    (the same on every replica; None unless the subclass sets `uses_seed = True`).
    `before_update(codes, prior_codes, seed)` runs first, outside the gradient tape (the
    inner ascent of an adversarial slicer, for instance).

    Args (beyond `Autoencoder`):
      penalty_weight: lambda.
      reconstruction: cost name(s), see `reconstruction_cost`.
      reconstruction_reduction: "sum" or "mean" over the coordinates of an example.
    """

    penalty_name = None
    uses_seed = False

    def __init__(self, encoder, decoder, penalty_weight, reconstruction="l2sq",
                 reconstruction_reduction="sum", **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        penalty_weight = float(penalty_weight)
        if not 0 <= penalty_weight < float("inf"):
            raise ValueError(f"penalty_weight (lambda) must be >= 0, got {penalty_weight}")
        self.penalty_weight = penalty_weight
        self.reconstruction = "+".join(parse_cost(reconstruction))
        self.reconstruction_reduction = check_reduction(reconstruction_reduction)
        if "bce" in parse_cost(reconstruction):
            check_probability_output(decoder)
        self._divergence = Compiled(self.latent_divergence, self.jit_penalties,
                                    argnums=(0,))

    def latent_divergence(self, codes, prior_codes, seed=None):
        raise NotImplementedError

    def before_update(self, codes, prior_codes, seed=None):
        """Hook run on the global codes (no gradient) before the autoencoder loss."""
        return None  # a docstring-only body trips AutoGraph's conversion

    def training_codes(self, x):
        """z̃ ~ Q(Z|x) for the local batch (a draw for Gaussian encoders)."""
        return self.encode(x, sample=True, training=True)

    def train_step(self, data):
        x = unpack_data(data)

        def autoencoder_loss(tape):
            codes = self.training_codes(x)
            x_hat = self.decode(codes, training=True)
            reconstruction = reconstruction_loss(x, x_hat, self.reconstruction,
                                                 self.reconstruction_reduction)
            global_codes = gather_global(codes)
            # One prior draw for the global batch, identical on every replica.
            prior_codes = self.sample_prior(tf.shape(global_codes)[0])
            args = (global_codes, prior_codes)
            if self.uses_seed:
                args += (seed_from_generator(self.seed_generator),)
            with tape.stop_recording():
                self.before_update(tf.stop_gradient(global_codes), *args[1:])
            divergence = self._divergence(*args)
            # Local means plus a replicated global term (player_step scales by 1 / R).
            return (reconstruction + self.penalty_weight * divergence,
                    (reconstruction, divergence))

        loss, (reconstruction, divergence) = self.player_step(
                "autoencoder", autoencoder_loss, pass_tape=True)
        return self.update_metrics({"loss": loss, "reconstruction_loss": reconstruction,
                                    self.penalty_name: divergence})
