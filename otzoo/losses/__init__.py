"""OT distances as `keras.losses.Loss` objects: `model.compile(loss=...)`-ready.

Each loss compares y_true and y_pred as two point clouds (batches of samples, non-batch
axes flattened) and returns one scalar: the p-th power of the distance (SW_p^p, ...) or
MMD²; the math lives in `otzoo.ot`. All are registered Keras serializables (package
"otzoo") whose `get_config` round-trips. Distribution convention and seeds:
`otzoo.losses.base`.
"""

from otzoo.losses.base import PointCloudLoss
from otzoo.losses.mmd import MMD
from otzoo.losses.sinkhorn import SinkhornDivergence
from otzoo.losses.sliced import (GeneralizedSlicedWasserstein, MaxSlicedWasserstein,
                                 SlicedWasserstein)

__all__ = ["PointCloudLoss", "SlicedWasserstein", "MaxSlicedWasserstein",
           "GeneralizedSlicedWasserstein", "MMD", "SinkhornDivergence"]
