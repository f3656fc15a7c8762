"""DSW-GAN: the distributional sliced Wasserstein generator in a discriminator's feature
space (Nguyen, Ho, Pham & Bui, ICLR 2021, the GAN experiments).

Objectives (three players, each on its own loss; not a minimax game):

    discriminator:  min_D  -E_x[log D(x)] - E_z[log(1 - D(G(z)))],  D = sigmoid(w^T h + b)
    direction map:  max_f  1/L sum_l W_2²(theta_l#h(x), theta_l#h(G(z)))
                           - lambda_C 1/L² sum_{l,l'} |<theta_l, theta_l'>|,
                    theta_l = f(theta0_l) / |f(theta0_l)|,  theta0_l uniform on the sphere
    generator:      min_G  DSW_2²(h#P_data, h#P_G) ~ 1/L sum_l W_2²(theta_l#h(x), theta_l#h(G(z)))

h is the discriminator's penultimate feature map (`otzoo.networks.features_and_head`),
as in SWGAN-D (`otzoo.models.swgan_d`); DSW replaces SWGAN-D's uniform directions by the
law sigma of f(theta0)/|f(theta0)|, f(t) = t K + b linear, which concentrates on
informative directions while the penalty (the Lagrangian of E|<theta, theta'>| <= C with
a fixed multiplier lambda_C; C drops out of the gradient) keeps them spread out.

One train step (the authors' `compute_lossDSWD`): draw a real batch x, noise z and L
directions theta0 (one stateless seed for the step, the same on every replica);
F = G(z); update D on (x, F) by the BCE; with the *updated* D, run T Adam ascent steps on
f on the (stop-gradient) global feature batches h(x), h(F); then update G on DSW_2² with f
held fixed (Danskin). f and its Adam state are a `otzoo.ot.DistributionalSlicer`: model
weights, non-trainable for the optimizers, kept and improved across steps like the
authors' `transform_net` / `op_trannet`. Features are all-gathered: the DSW term is
computed on the global batch, the same estimator on N replicas as on one device.

Recipe (the authors' code, github.com/VinAIResearch/DSW, `main.py`, `DCGANAE.py`,
`utils.py`; the paper's text was not at hand, so its section numbers are not cited):
L = 1000, p = 2, lambda_C = 1, f one linear layer, Adam(5e-4, beta_1=0.5, beta_2=0.999)
for G, D and f, T = 10 ascent steps (`--niter` default; the README runs CelebA, CIFAR-10
and LSUN with T = 1), z ~ N(0, I), batch 512, 200 epochs.

Metrics: `discriminator_loss` (BCE), `dsw_loss` (the DSW_2² the generator minimises).

Deviations, named:
  * the generator minimises DSW_2² (mean over directions and samples, no 1/p root, as
    SWGAN-D's SW_2²); the authors' code minimises the root of a mean over directions of
    sums over samples: a positive rescaling of the same gradient direction per step;
  * the ascent objective uses W_2² with means over samples (`otzoo.ot.distributional_
    sliced`), so lambda_C values are not interchangeable with the authors';
  * D takes one Adam step on the summed BCE (the authors' code steps on the real and the
    fake half separately), and the discriminator is this zoo's conv encoder (no batch
    norm or tanh on h, a linear head whose sigmoid is in the loss).

References:
  Nguyen, Ho, Pham, Bui. Distributional Sliced-Wasserstein and Applications to Generative
    Modeling. ICLR 2021. https://arxiv.org/abs/2002.07367 (code: VinAIResearch/DSW)
  Deshpande, Zhang, Schwing. Generative Modeling using the Sliced Wasserstein Distance.
    CVPR 2018. https://arxiv.org/abs/1803.11188
"""

import keras
import tensorflow as tf

from otzoo.losses.adversarial import sliced_w2_squared
from otzoo.models.base import MODELS, Compiled, Jitted, gather_global
from otzoo.models.priors import seed_from_generator
from otzoo.models.swgan_d import SWGAND
from otzoo.ot.distributional_sliced import DEFAULTS as DSW_DEFAULTS
from otzoo.ot.distributional_sliced import DistributionalSlicer
from otzoo.ot.projections import random_directions


@MODELS.register("dswgan")
class DSWGAN(SWGAND):
    """Nguyen et al. (2021) distributional sliced Wasserstein GAN.

    Args:
      generator: `keras.Model` z -> x.
      discriminator: `keras.Model` x -> [n, 1] logit ending in a linear Dense head on
        top of the features h(x) (every `otzoo.networks` builder with output_dim=1).
      num_projections: L, directions theta0 per step.
      regularization: lambda_C >= 0, weight of the mean |cosine| penalty.
      num_steps: T, Adam ascent steps on the direction map f per train step.
      slicer_learning_rate: Adam learning rate of the ascent (betas 0.5, 0.999).
      prior: latent prior (authors' code: "normal").
      **kwargs: see `AdversarialModel` (latent_dim, prior_kwargs, jit_penalties, seed,
        ema_decay); not SWGAN-D's `slicing` (the directions are f's).
    """

    metric_names = ("discriminator_loss", "dsw_loss")
    generator_metric = "dsw_loss"
    test_options = {"num_projections": 16, "num_steps": 2}

    def __init__(self, generator, discriminator, num_projections=DSW_DEFAULTS["num_projections"],
                 regularization=DSW_DEFAULTS["regularization"],
                 num_steps=DSW_DEFAULTS["num_steps"],
                 slicer_learning_rate=DSW_DEFAULTS["learning_rate"], prior="normal",
                 **kwargs):
        if "slicing" in kwargs:
            raise ValueError("dswgan's directions come from its learned map f (from "
                             "uniform theta0); slicing does not apply")
        super().__init__(generator, discriminator, num_projections=num_projections,
                         prior=prior, **kwargs)
        # f and its Adam state: non-trainable model weights, moved only by the ascent.
        self.slicer = DistributionalSlicer(
                self.feature_dim, num_projections=self.num_projections, p=2,
                regularization=regularization, num_steps=num_steps,
                learning_rate=slicer_learning_rate, seed=self.seed, name="dsw_slicer")
        self._ascent = Jitted(self.direction_ascent, self.jit_penalties)
        # Value and gradient in one XLA program (gradient w.r.t. the fake features only).
        self._feature_loss = Compiled(self.feature_loss, self.jit_penalties, argnums=(1,))

    def default_optimizers(self):
        return {"generator": keras.optimizers.Adam(5e-4, beta_1=0.5, beta_2=0.999),
                "discriminator": keras.optimizers.Adam(5e-4, beta_1=0.5, beta_2=0.999)}

    def training_only_variables(self):
        # f (feature_dim^2 weights) and its two Adam moments: 118 MB of the 119 MB an
        # export held at feature_dim = 3136; no signature computes with them.
        return list(self.slicer.variables)

    def theta0(self, seed, dtype="float32"):
        """The step's base directions theta0 [feature_dim, L] from a stateless seed."""
        return random_directions(self.feature_dim, self.num_projections, seed=seed,
                                 dtype=dtype)

    def direction_ascent(self, real_features, fake_features, seed):
        """T ascent steps of f on global features; returns f's directions [d, L] after."""
        self.slicer(real_features, fake_features, seed=seed, return_power=True)
        return self.slicer.directions(self.theta0(seed, real_features.dtype))

    def feature_loss(self, real_features, fake_features, directions):
        """The generator's loss on global feature batches [N, feature_dim]: DSW_2²."""
        return sliced_w2_squared(real_features, fake_features, directions)

    def train_step(self, data):
        real = self.real_batches(data)[0]
        z = self.local_prior_sample(tf.shape(real)[0])
        seed = seed_from_generator(self.seed_generator)  # theta0 of this step

        def generator_loss(tape):
            fake = self.generator(z, training=True)
            with tape.stop_recording():  # D's step, on the same fake batch, first
                d_loss = self.discriminator_step(real, tf.stop_gradient(fake))
                real_features = gather_global(self.discriminator_features(real,
                                                                          training=True))
            fake_features = gather_global(self.discriminator_features(fake, training=True))
            with tape.stop_recording():  # f's ascent, on the updated D's features
                directions = tf.stop_gradient(self._ascent(
                        real_features, tf.stop_gradient(fake_features), seed))
            return self._feature_loss(real_features, fake_features, directions), d_loss

        loss, d_loss = self.player_step("generator", generator_loss, pass_tape=True)
        return self.update_metrics({"discriminator_loss": d_loss,
                                    self.generator_metric: loss})
