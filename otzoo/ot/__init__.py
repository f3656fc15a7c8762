"""Optimal-transport distances as differentiable TensorFlow functions.

Every function here works eagerly, inside `tf.function` and under
`tf.function(jit_compile=True)` (except `emd`, which calls POT on the CPU).
"""

from otzoo.ot.wasserstein_1d import transport_map_1d, wasserstein_1d
from otzoo.ot.projections import project, random_directions
from otzoo.ot.sliced import sliced_wasserstein
from otzoo.ot.max_sliced import max_sliced_wasserstein
from otzoo.ot.generalized_sliced import (generalized_sliced_wasserstein,
                                         max_generalized_sliced_wasserstein)
from otzoo.ot.distributional_sliced import distributional_sliced_wasserstein
from otzoo.ot.mmd import mmd
from otzoo.ot.sinkhorn import sinkhorn, sinkhorn_divergence
from otzoo.ot.emd import emd
from otzoo.ot.energy_sliced import energy_based_sliced_wasserstein
from otzoo.ot.random_path_sliced import (random_path_directions,
                                         random_path_sliced_wasserstein)
from otzoo.ot.markovian_sliced import markovian_directions, markovian_sliced_wasserstein
from otzoo.ot.control_variate_sliced import control_variate_sliced_wasserstein
from otzoo.ot.gaussian_approximation import gaussian_approximation_sliced_wasserstein

__all__ = [
    "wasserstein_1d", "transport_map_1d", "project", "random_directions",
    "sliced_wasserstein", "max_sliced_wasserstein", "generalized_sliced_wasserstein",
    "max_generalized_sliced_wasserstein", "distributional_sliced_wasserstein", "mmd",
    "sinkhorn", "sinkhorn_divergence", "emd",
    # sliced-Wasserstein variants (issue #17)
    "energy_based_sliced_wasserstein", "random_path_directions",
    "random_path_sliced_wasserstein", "markovian_directions",
    "markovian_sliced_wasserstein", "control_variate_sliced_wasserstein",
    "gaussian_approximation_sliced_wasserstein",
]
