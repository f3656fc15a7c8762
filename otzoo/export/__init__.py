"""SavedModel export for TF Serving (signatures, atomic versions, warmup, model cards,
one version per distinct export, and pruning to the newest version)."""

from otzoo.export.cards import refresh_model_card
from otzoo.export.identity import same_export
from otzoo.export.prune import prune_versions
from otzoo.export.runs import export_run
from otzoo.export.signatures import DEFAULT_MAX_SAMPLES, ServingModule
from otzoo.export.writer import (existing_versions, export_model, export_version,
                                 write_models_config, WARMUP_PATH)

__all__ = ["DEFAULT_MAX_SAMPLES", "ServingModule", "existing_versions", "export_model",
           "export_run", "export_version", "prune_versions", "refresh_model_card",
           "same_export", "write_models_config", "WARMUP_PATH"]
