"""SWGAN-D: the sliced Wasserstein generator in a discriminator's feature space
(Deshpande et al., 2018, Algorithm 1 with its discriminator).

Objectives (two players, each minimising its own loss; not a minimax game):

    discriminator:  min_D  -E_x[log D(x)] - E_z[log(1 - D(G(z)))],
                    D(x) = sigmoid(w^T h(x) + b)          (binary cross-entropy)
    generator:      min_G  SW_2²(h#P_data, h#P_G)
                    ~ 1/L sum_l 1/n sum_i (sort(<theta_l, h(x)>)_i - sort(<theta_l, h(G(z))>)_i)²

h is the discriminator's penultimate feature map (`otzoo.networks.features_and_head`;
a named deviation: the authors' d_dcgan.py matches `h_to_match`, the output of the first
convolution, and the paper's text was not available to check);
the discriminator learns features that separate real from generated data, and the
generator matches the two feature distributions along L random directions. The SW loss
updates only G and the BCE only D.

One train step (Algorithm 1): draw a real batch x and noise z, F = G(z); update D on
(x, F) with the BCE; then, with the *updated* D, update G on SW_2²(h(x), h(F)) (same x
and z). Real and generated features are all-gathered so the SW term is computed on the
global batch (same estimator on N replicas as on one device).

Recipe (the authors' code, swg.py): L = 10,000 directions, Adam(1e-4,
beta_1=0.5) for both players, z ~ U[-1, 1]^d, one discriminator update per generator
update.

`slicing=` chooses the SW estimator in feature space, as in swgan (`otzoo.models.swgan`,
where the choices and their papers are described): "uniform" (default, the paper's),
"orthogonal" (Rowland et al. 2019), "qmc" (Nguyen, Bariletto & Ho, ICLR 2024; needs
feature_dim <= 21201), "control_variate_lower" / "control_variate_upper" (Nguyen & Ho,
ICLR 2024). max_swgan and dswgan, which choose their own directions, reject it.

Metrics: `discriminator_loss` (BCE), `sw_loss` (the SW_2² the generator minimises).

Deviations from the reference code, named: the reference code updates G before D within
an iteration; here D is updated first, as in the paper's algorithm box. The reference
discriminator's head has no bias; a bias does not change h or the directions.

References:
  Deshpande, Zhang, Schwing. Generative Modeling using the Sliced Wasserstein Distance.
    CVPR 2018. https://arxiv.org/abs/1803.11188
  Reference code: https://github.com/ishansd/swg (swg.py, discriminator.py).
  Rowland et al. Orthogonal Estimation of Wasserstein Distances. AISTATS 2019.
  Nguyen, Bariletto, Ho. Quasi-Monte Carlo for 3D Sliced Wasserstein. ICLR 2024.
    https://arxiv.org/abs/2309.11713
  Nguyen, Ho. Sliced Wasserstein Estimation with Control Variates. ICLR 2024.
    https://arxiv.org/abs/2305.00402
"""

import keras
import tensorflow as tf

from otzoo.losses.adversarial import bce_discriminator_loss
from otzoo.models.adversarial import AdversarialModel, FeatureDiscriminatorMixin
from otzoo.models.base import Compiled
from otzoo.models.base import MODELS, gather_global
from otzoo.models.swgan import (check_num_projections, check_slicing, slicing_directions,
                                 slicing_loss)


@MODELS.register("swgan_d")
class SWGAND(FeatureDiscriminatorMixin, AdversarialModel):
    """Sliced Wasserstein generator on discriminator features (Deshpande et al. 2018).

    Args:
      generator: `keras.Model` z -> x.
      discriminator: `keras.Model` x -> [n, 1] logit whose last layer is a linear Dense
        on top of the features h(x) (every `otzoo.networks` builder with output_dim=1).
      num_projections: L, random directions in feature space per step.
      prior: latent prior (paper code: "uniform" on [-1, 1]^d).
      slicing: the SW estimator in feature space, one of `otzoo.models.swgan.SLICINGS`:
        "uniform" (default, the paper's), "orthogonal" (Rowland et al. 2019), "qmc"
        (Nguyen, Bariletto & Ho 2024), "control_variate_lower" /
        "control_variate_upper" (Nguyen & Ho 2024).
      **kwargs: see `AdversarialModel` (latent_dim, prior_kwargs, jit_penalties, seed).
    """

    network_roles = ("discriminator",)
    metric_names = ("discriminator_loss", "sw_loss")
    generator_metric = "sw_loss"
    test_options = {"num_projections": 16}

    def __init__(self, generator, discriminator, num_projections=10_000, prior="uniform",
                 slicing="uniform", **kwargs):
        check_slicing(slicing)
        super().__init__(generator, {"discriminator": discriminator}, prior=prior, **kwargs)
        self.num_projections = check_num_projections(num_projections)
        self._split_discriminator()
        self.feature_dim = int(self.discriminator_features.output_shape[-1])
        self.slicing = check_slicing(slicing, self.feature_dim, "feature")
        self._sliced_loss = slicing_loss(slicing)
        # Each loss and its gradient with respect to its tensor arguments in one XLA
        # program (`Compiled`): the networks run outside, so the generator's gradient
        # flows through the features there. A forward-only compiled SW (`Jitted`) ran
        # its backward pass outside XLA and made the step 2x slower (swgan's finding).
        self._discriminator_loss = Compiled(bce_discriminator_loss, self.jit_penalties)
        # Only the generated features need a gradient (argument 1).
        self._feature_loss = Compiled(self.feature_loss, self.jit_penalties, argnums=(1,))

    def default_optimizers(self):
        return {"generator": keras.optimizers.Adam(1e-4, beta_1=0.5),
                "discriminator": keras.optimizers.Adam(1e-4, beta_1=0.5)}

    def player_variables(self):
        return {"generator": self.generator.trainable_variables,
                "discriminator": self.discriminator.trainable_variables}

    def generator_directions(self):
        """Directions [feature_dim, L] for this step: L fresh unit vectors (`slicing`)."""
        return slicing_directions(self, self.feature_dim, self.num_projections,
                                  self.slicing)

    def feature_loss(self, real_features, fake_features, directions):
        """The generator's loss on global feature batches [N, feature_dim]: SW_2²
        (`sliced_w2_squared`, or its control-variate estimate)."""
        return self._sliced_loss(real_features, fake_features, directions)

    def discriminator_step(self, real, fake):
        """One step on the BCE of D(x) = sigmoid(w^T h(x) + b)."""
        return self.player_step("discriminator", lambda: self._discriminator_loss(
                self.discriminator(real, training=True),
                self.discriminator(fake, training=True)))

    def train_step(self, data):
        real = self.real_batches(data)[0]
        z = self.local_prior_sample(tf.shape(real)[0])

        def generator_loss(tape):
            fake = self.generator(z, training=True)
            with tape.stop_recording():  # D's step, on the same fake batch, first
                d_loss = self.discriminator_step(real, tf.stop_gradient(fake))
                # Features of the updated discriminator; real ones need no gradient.
                real_features = gather_global(self.discriminator_features(real,
                                                                          training=True))
                directions = self.generator_directions()
            fake_features = gather_global(self.discriminator_features(fake, training=True))
            # A replicated global-batch term, like swgan's.
            return self._feature_loss(real_features, fake_features, directions), d_loss

        loss, d_loss = self.player_step("generator", generator_loss, pass_tape=True)
        return self.update_metrics({"discriminator_loss": d_loss,
                                    self.generator_metric: loss})
