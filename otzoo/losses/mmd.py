"""The MMD loss: a thin `keras.losses.Loss` wrapper over `otzoo.ot.mmd`.

Returns the unbiased MMD² estimate (the square, as WAE-MMD optimises it; it can be
slightly negative when the two batches come from one distribution). `y_true` and
`y_pred` are two batches of samples, flattened to [batch, features]; see
`otzoo.losses.base` for the distribution convention.

Reference:
    Tolstikhin, Bousquet, Gelly, Schoelkopf. Wasserstein Auto-Encoders. ICLR 2018.
"""

import keras

from otzoo.losses.base import PointCloudLoss
from otzoo.ot.mmd import WAE_SCALES, check_bandwidth, check_kernel, mmd


@keras.saving.register_keras_serializable(package="otzoo")
class MMD(PointCloudLoss):
    """Unbiased MMD² between y_true and y_pred with the WAE multi-scale kernels.

    Args:
        kernel: "imq" (WAE) or "rbf".
        scales: multipliers s of C = 2 sigma_k² (default: WAE's .1 ... 10).
        sigma2: prior variance sigma² in sigma_k² = d sigma2 (bandwidth="prior").
        bandwidth: "prior" (default) or "median" (rbf only, Tolstikhin et al.'s code);
            see `otzoo.ot.mmd`.
        cross_replica: "gather" (default) or "local"; see `otzoo.losses.base`.
        name, dtype: as `keras.losses.Loss`.

    Returns (when called): scalar MMD²_u (divided by the number of replicas inside a
    multi-replica replica context).
    """

    def __init__(self, kernel="imq", scales=WAE_SCALES, sigma2=1.0, bandwidth="prior",
                 cross_replica="gather", name="mmd", dtype=None):
        super().__init__(cross_replica=cross_replica, name=name, dtype=dtype)
        self.kernel, self.scales, self.sigma2 = check_kernel(kernel, scales, sigma2)
        self.bandwidth = check_bandwidth(bandwidth, self.kernel)

    def distance(self, x, y, seed):
        del seed
        return mmd(x, y, kernel=self.kernel, scales=self.scales, sigma2=self.sigma2,
                   bandwidth=self.bandwidth)

    def get_config(self):
        return {**super().get_config(), "kernel": self.kernel,
                "scales": list(self.scales), "sigma2": self.sigma2,
                "bandwidth": self.bandwidth}
