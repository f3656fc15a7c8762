"""SavedModel export for TF Serving (signatures, atomic versions, warmup, model cards,
and one export per checkpoint of a training run)."""

from otzoo.export.runs import export_run
from otzoo.export.signatures import DEFAULT_MAX_SAMPLES, ServingModule
from otzoo.export.writer import (existing_versions, export_model, write_models_config,
                                 WARMUP_PATH)

__all__ = ["DEFAULT_MAX_SAMPLES", "ServingModule", "existing_versions", "export_model",
           "export_run",
           "write_models_config", "WARMUP_PATH"]
