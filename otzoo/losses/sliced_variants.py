"""Sliced-Wasserstein variants as losses: thin `keras.losses.Loss` wrappers over `otzoo.ot`.

Each returns the p-th power of its estimate (EBSW_p^p, RPSW_p^p, MSW_p^p, CV-SW_p^p,
the Gaussian approximation of SW_2^2), the quantity the papers optimise; `y_true` and
`y_pred` are two batches of samples (flattened to [batch, features]). Distribution and
seeds: `otzoo.losses.base` (fresh directions at every call from the loss's own
SeedGenerator; replica 0's seed is shared by all replicas).

References:
    Nguyen & Ho. Energy-Based Sliced Wasserstein Distance. NeurIPS 2023.
    Nguyen, Zhang, Le & Ho. Sliced Wasserstein with Random-Path Projecting Directions.
        ICML 2024.
    Nguyen, Ren & Ho. Markovian Sliced Wasserstein Distances: Beyond Independent
        Projections. NeurIPS 2023.
    Nguyen & Ho. Sliced Wasserstein Estimation with Control Variates. ICLR 2024.
    Nadjahi, Durmus, Jacob, Badeau & Simsekli. Fast Approximation of the Sliced-
        Wasserstein Distance Using Concentration of Random Projections. NeurIPS 2021.
"""

import keras

from otzoo.losses.base import PointCloudLoss
from otzoo.ot import _checks
from otzoo.ot import projections as projections_lib
from otzoo.ot.control_variate_sliced import (CONTROL_VARIATES,
                                             control_variate_sliced_wasserstein)
from otzoo.ot.energy_sliced import ENERGIES, energy_based_sliced_wasserstein
from otzoo.ot.gaussian_approximation import gaussian_approximation_sliced_wasserstein
from otzoo.ot.markovian_sliced import TRANSITIONS, markovian_sliced_wasserstein
from otzoo.ot.random_path_sliced import random_path_sliced_wasserstein


@keras.saving.register_keras_serializable(package="otzoo")
class EnergyBasedSlicedWasserstein(PointCloudLoss):
    """IS-EBSW_p^p between y_true and y_pred (`otzoo.ot.energy_based_sliced_wasserstein`).

    Args:
        num_projections: L uniform proposal directions per call.
        p: order p >= 1.
        energy: "exp" (f = e^x) or "poly" (f = x^degree).
        degree: exponent of the "poly" energy.
        method: proposal sampler, "uniform", "orthogonal" or "qmc".
        stop_weight_gradient: if True the importance weights carry no gradient.
        seed: int or None.
        cross_replica, name, dtype: see `otzoo.losses.SlicedWasserstein`.

    Returns (when called): scalar IS-EBSW_p^p.
    """

    uses_seed = True

    def __init__(self, num_projections=50, p=2, energy="exp", degree=2.0,
                 method="uniform", stop_weight_gradient=False, seed=None,
                 cross_replica="gather", name="energy_based_sliced_wasserstein",
                 dtype=None):
        super().__init__(cross_replica=cross_replica, seed=seed, name=name, dtype=dtype)
        self.num_projections = _checks.check_positive_int(num_projections,
                                                          "num_projections")
        self.p = _checks.check_p(p)
        self.energy = _checks.check_choice(energy, "energy", ENERGIES)
        self.degree = _checks.check_positive(degree, "degree")
        self.method = _checks.check_choice(method, "method", projections_lib.METHODS)
        self.stop_weight_gradient = bool(stop_weight_gradient)

    def distance(self, x, y, seed):
        return energy_based_sliced_wasserstein(
                x, y, num_projections=self.num_projections, p=self.p,
                energy=self.energy, degree=self.degree, method=self.method, seed=seed,
                stop_weight_gradient=self.stop_weight_gradient, return_power=True)

    def get_config(self):
        return {**super().get_config(), "num_projections": self.num_projections,
                "p": self.p, "energy": self.energy, "degree": self.degree,
                "method": self.method, "stop_weight_gradient": self.stop_weight_gradient}


@keras.saving.register_keras_serializable(package="otzoo")
class RandomPathSlicedWasserstein(PointCloudLoss):
    """RPSW_p^p (or IWRPSW_p^p) between y_true and y_pred.

    See `otzoo.ot.random_path_sliced_wasserstein`.

    Args:
        num_projections: L random-path directions per call.
        p: order p >= 1.
        kappa: concentration of the power spherical perturbation.
        importance_weighted: False for RPSW, True for IWRPSW.
        seed: int or None.
        cross_replica, name, dtype: see `otzoo.losses.SlicedWasserstein`.

    Returns (when called): scalar RPSW_p^p (IWRPSW_p^p).
    """

    uses_seed = True

    def __init__(self, num_projections=50, p=2, kappa=50.0, importance_weighted=False,
                 seed=None, cross_replica="gather",
                 name="random_path_sliced_wasserstein", dtype=None):
        super().__init__(cross_replica=cross_replica, seed=seed, name=name, dtype=dtype)
        self.num_projections = _checks.check_positive_int(num_projections,
                                                          "num_projections")
        self.p = _checks.check_p(p)
        self.kappa = _checks.check_positive(kappa, "kappa")
        self.importance_weighted = bool(importance_weighted)

    def distance(self, x, y, seed):
        return random_path_sliced_wasserstein(
                x, y, num_projections=self.num_projections, p=self.p, kappa=self.kappa,
                importance_weighted=self.importance_weighted, seed=seed,
                return_power=True)

    def get_config(self):
        return {**super().get_config(), "num_projections": self.num_projections,
                "p": self.p, "kappa": self.kappa,
                "importance_weighted": self.importance_weighted}


@keras.saving.register_keras_serializable(package="otzoo")
class MarkovianSlicedWasserstein(PointCloudLoss):
    """MSW_p^p between y_true and y_pred (`otzoo.ot.markovian_sliced_wasserstein`).

    Args:
        num_chains: L chains per call.
        num_steps: T states per chain.
        p: order p >= 1.
        transition: "orthogonal", "random_walk", "input_aware" or
            "input_aware_random_walk".
        kappa: vMF concentration of the random-walk transitions.
        learning_rate: ascent step of the input-aware transitions.
        burn_in, thinning: states dropped at the start, and kept one in `thinning`.
        seed: int or None.
        cross_replica, name, dtype: see `otzoo.losses.SlicedWasserstein`.

    Returns (when called): scalar MSW_p^p.
    """

    uses_seed = True

    def __init__(self, num_chains=10, num_steps=5, p=2, transition="orthogonal",
                 kappa=50.0, learning_rate=0.1, burn_in=0, thinning=1, seed=None,
                 cross_replica="gather", name="markovian_sliced_wasserstein",
                 dtype=None):
        super().__init__(cross_replica=cross_replica, seed=seed, name=name, dtype=dtype)
        self.num_chains = _checks.check_positive_int(num_chains, "num_chains")
        self.num_steps = _checks.check_positive_int(num_steps, "num_steps")
        self.p = _checks.check_p(p)
        self.transition = _checks.check_choice(transition, "transition", TRANSITIONS)
        self.kappa = _checks.check_positive(kappa, "kappa")
        self.learning_rate = _checks.check_positive(learning_rate, "learning_rate")
        self.burn_in = _checks.check_non_negative_int(burn_in, "burn_in")
        self.thinning = _checks.check_positive_int(thinning, "thinning")
        if self.burn_in >= self.num_steps:
            raise ValueError(f"burn_in must be smaller than num_steps ({num_steps}), got "
                             f"{burn_in}")

    def distance(self, x, y, seed):
        return markovian_sliced_wasserstein(
                x, y, num_chains=self.num_chains, num_steps=self.num_steps, p=self.p,
                transition=self.transition, kappa=self.kappa,
                learning_rate=self.learning_rate, burn_in=self.burn_in,
                thinning=self.thinning, seed=seed, return_power=True)

    def get_config(self):
        return {**super().get_config(), "num_chains": self.num_chains,
                "num_steps": self.num_steps, "p": self.p, "transition": self.transition,
                "kappa": self.kappa, "learning_rate": self.learning_rate,
                "burn_in": self.burn_in, "thinning": self.thinning}


@keras.saving.register_keras_serializable(package="otzoo")
class ControlVariateSlicedWasserstein(PointCloudLoss):
    """CV-SW_p^p between y_true and y_pred (`otzoo.ot.control_variate_sliced_wasserstein`).

    Args:
        num_projections: L random directions per call.
        p: order p >= 1 (the control variates are built for p = 2).
        control_variate: "lower" (LCV-SW) or "upper" (UCV-SW).
        method: direction sampler, "uniform", "orthogonal" or "qmc".
        seed: int or None.
        cross_replica, name, dtype: see `otzoo.losses.SlicedWasserstein`.

    Returns (when called): scalar CV-SW_p^p.
    """

    uses_seed = True

    def __init__(self, num_projections=50, p=2, control_variate="upper",
                 method="uniform", seed=None, cross_replica="gather",
                 name="control_variate_sliced_wasserstein", dtype=None):
        super().__init__(cross_replica=cross_replica, seed=seed, name=name, dtype=dtype)
        self.num_projections = _checks.check_positive_int(num_projections,
                                                          "num_projections")
        self.p = _checks.check_p(p)
        self.control_variate = _checks.check_choice(control_variate, "control_variate",
                                                    CONTROL_VARIATES)
        self.method = _checks.check_choice(method, "method", projections_lib.METHODS)

    def distance(self, x, y, seed):
        return control_variate_sliced_wasserstein(
                x, y, num_projections=self.num_projections, p=self.p,
                control_variate=self.control_variate, method=self.method, seed=seed,
                return_power=True)

    def get_config(self):
        return {**super().get_config(), "num_projections": self.num_projections,
                "p": self.p, "control_variate": self.control_variate,
                "method": self.method}


@keras.saving.register_keras_serializable(package="otzoo")
class GaussianApproximationSlicedWasserstein(PointCloudLoss):
    """Approximate SW_2^2 of y_true and y_pred, deterministic (no projections).

    See `otzoo.ot.gaussian_approximation_sliced_wasserstein`; for high-dimensional
    batches with weakly dependent features.

    Args:
        cross_replica, name, dtype: see `otzoo.losses.SlicedWasserstein`.

    Returns (when called): scalar approximate SW_2^2.
    """

    def __init__(self, cross_replica="gather",
                 name="gaussian_approximation_sliced_wasserstein", dtype=None):
        super().__init__(cross_replica=cross_replica, name=name, dtype=dtype)

    def distance(self, x, y, seed):
        del seed  # deterministic
        return gaussian_approximation_sliced_wasserstein(x, y, return_power=True)
