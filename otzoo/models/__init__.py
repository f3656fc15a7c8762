"""The zoo's models, one file per registry entry.

Importing this package registers every model in `MODELS`.
"""

import importlib

from otzoo.models.base import MODELS, GenerativeModel

# File stem = registry key = zoo config stem.
_ZOO = ("gan", "wgan", "wgan_gp", "swgan", "swgan_d", "max_swgan",
        "vae", "wae_gan", "wae_mmd", "swae")

for _name in _ZOO:
    try:
        importlib.import_module(f"otzoo.models.{_name}")
    except ModuleNotFoundError as e:  # a model not written yet
        if e.name != f"otzoo.models.{_name}":
            raise

__all__ = ["MODELS", "GenerativeModel"]
