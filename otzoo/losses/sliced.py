"""Sliced-Wasserstein losses: thin `keras.losses.Loss` wrappers over `otzoo.ot`.

Each returns the p-th power (SW_p^p, max-SW_p^p, GSW_p^p), the quantity the papers
optimise: its gradient stays finite when the distance is 0, and SW_p^p is an unbiased
Monte Carlo estimate over directions. `y_true` and `y_pred` are two batches of samples
(flattened to [batch, features]); see `otzoo.losses.base` for the distribution
convention and the seeds.

References:
    Deshpande, Zhang, Schwing. Generative Modeling using the Sliced Wasserstein
        Distance. CVPR 2018.
    Kolouri, Pope, Martin, Rohde. Sliced-Wasserstein Autoencoder. ICLR 2019.
    Deshpande et al. Max-Sliced Wasserstein Distance and its use for GANs. CVPR 2019.
    Kolouri et al. Generalized Sliced Wasserstein Distances. NeurIPS 2019.
"""

import keras

from otzoo.losses.base import PointCloudLoss
from otzoo.ot import _checks
from otzoo.ot import projections as projections_lib
from otzoo.ot.generalized_sliced import DEFINING_FUNCTIONS, generalized_sliced_wasserstein
from otzoo.ot.max_sliced import max_sliced_wasserstein
from otzoo.ot.sliced import sliced_wasserstein


@keras.saving.register_keras_serializable(package="otzoo")
class SlicedWasserstein(PointCloudLoss):
    """SW_p^p between the batches y_true and y_pred (`otzoo.ot.sliced_wasserstein`).

    Args:
        num_projections: L random directions per call (fresh ones at every call).
        p: order p >= 1.
        method: direction sampler, "uniform", "orthogonal" or "qmc".
        seed: int (deterministic sequence) or None.
        cross_replica: "gather" (default) or "local"; see `otzoo.losses.base`.
        name, dtype: as `keras.losses.Loss`.

    Returns (when called): scalar SW_p^p (divided by the number of replicas inside a
    multi-replica replica context).
    """

    uses_seed = True

    def __init__(self, num_projections=50, p=2, method="uniform", seed=None,
                 cross_replica="gather", name="sliced_wasserstein", dtype=None):
        super().__init__(cross_replica=cross_replica, seed=seed, name=name, dtype=dtype)
        self.num_projections = _checks.check_positive_int(num_projections,
                                                          "num_projections")
        self.p = _checks.check_p(p)
        self.method = _checks.check_choice(method, "method", projections_lib.METHODS)

    def distance(self, x, y, seed):
        return sliced_wasserstein(x, y, num_projections=self.num_projections, p=self.p,
                                  method=self.method, seed=seed, return_power=True)

    def get_config(self):
        return {**super().get_config(), "num_projections": self.num_projections,
                "p": self.p, "method": self.method}


@keras.saving.register_keras_serializable(package="otzoo")
class MaxSlicedWasserstein(PointCloudLoss):
    """max-SW_p^p between y_true and y_pred (`otzoo.ot.max_sliced_wasserstein`).

    The maximising direction is searched at every call (projected gradient ascent from
    the best of `num_init_directions` random starts); gradients hold it fixed (Danskin).

    Args:
        p: order p >= 1.
        num_steps: ascent steps per call.
        learning_rate: ascent step (unitless, on log W_p^p).
        num_init_directions: random starts per call.
        seed: int or None.
        cross_replica, name, dtype: see `SlicedWasserstein`.

    Returns (when called): scalar max-SW_p^p.
    """

    uses_seed = True

    def __init__(self, p=2, num_steps=50, learning_rate=0.1, num_init_directions=16,
                 seed=None, cross_replica="gather", name="max_sliced_wasserstein",
                 dtype=None):
        super().__init__(cross_replica=cross_replica, seed=seed, name=name, dtype=dtype)
        self.p = _checks.check_p(p)
        self.num_steps = _checks.check_positive_int(num_steps, "num_steps")
        self.learning_rate = _checks.check_positive(learning_rate, "learning_rate")
        self.num_init_directions = _checks.check_positive_int(num_init_directions,
                                                              "num_init_directions")

    def distance(self, x, y, seed):
        value, _ = max_sliced_wasserstein(
                x, y, p=self.p, num_steps=self.num_steps,
                learning_rate=self.learning_rate,
                num_init_directions=self.num_init_directions, seed=seed,
                return_power=True)
        return value

    def get_config(self):
        return {**super().get_config(), "p": self.p, "num_steps": self.num_steps,
                "learning_rate": self.learning_rate,
                "num_init_directions": self.num_init_directions}


@keras.saving.register_keras_serializable(package="otzoo")
class GeneralizedSlicedWasserstein(PointCloudLoss):
    """GSW_p^p between y_true and y_pred (`otzoo.ot.generalized_sliced_wasserstein`).

    Args:
        defining_function: "linear", "poly" (odd `degree`) or "circular" (`radius`).
        num_projections: L random theta per call.
        p: order p >= 1.
        degree: odd degree of the "poly" defining function.
        radius: radius r > 0 of the "circular" defining function.
        method: sampler of theta, "uniform", "orthogonal" or "qmc".
        seed: int or None.
        cross_replica, name, dtype: see `SlicedWasserstein`.

    Returns (when called): scalar GSW_p^p.
    """

    uses_seed = True

    def __init__(self, defining_function="linear", num_projections=50, p=2, degree=3,
                 radius=2.0, method="uniform", seed=None, cross_replica="gather",
                 name="generalized_sliced_wasserstein", dtype=None):
        super().__init__(cross_replica=cross_replica, seed=seed, name=name, dtype=dtype)
        self.defining_function = _checks.check_choice(
                defining_function, "defining_function", DEFINING_FUNCTIONS)
        self.num_projections = _checks.check_positive_int(num_projections,
                                                          "num_projections")
        self.p = _checks.check_p(p)
        self.degree = _checks.check_positive_int(degree, "degree")
        if defining_function == "poly" and self.degree % 2 == 0:
            raise ValueError(f"degree must be odd for the polynomial defining function, "
                             f"got {degree}")
        self.radius = _checks.check_positive(radius, "radius")
        self.method = _checks.check_choice(method, "method", projections_lib.METHODS)

    def distance(self, x, y, seed):
        return generalized_sliced_wasserstein(
                x, y, defining_function=self.defining_function,
                num_projections=self.num_projections, p=self.p, degree=self.degree,
                radius=self.radius, method=self.method, seed=seed, return_power=True)

    def get_config(self):
        return {**super().get_config(), "defining_function": self.defining_function,
                "num_projections": self.num_projections, "p": self.p,
                "degree": self.degree, "radius": self.radius, "method": self.method}
