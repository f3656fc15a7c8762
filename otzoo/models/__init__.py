"""The zoo's models, one file per registry entry (file stem = registry key = config stem).

Importing this package imports every module in it, which registers every model in
`MODELS`: a new model file needs no edit here.
"""

import importlib
import pkgutil

from otzoo.models.base import MODELS, GenerativeModel

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
del _module

__all__ = ["MODELS", "GenerativeModel"]
