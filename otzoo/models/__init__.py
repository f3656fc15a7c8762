"""The zoo's models, one file per registry entry (file stem = registry key = config stem).

Importing this package registers every model in `MODELS`.
"""

from otzoo.models.base import MODELS, GenerativeModel
from otzoo.models import (gan, max_swgan, swae, swgan, swgan_d, vae, wae_gan,  # noqa: F401
                          wae_mmd, wgan, wgan_gp)

__all__ = ["MODELS", "GenerativeModel"]
