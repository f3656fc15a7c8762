"""From a zoo config to a model: networks by builder name, then the registered trainer.

A config names each network by role (`generator`, `critic`, `discriminator`,
`encoder`, `decoder`, ...) with the `otzoo.networks` builder that makes it and the
builder's keyword arguments; the model class (registry key `config.model`) receives the
built networks as keyword arguments of the same names, plus `config.model_kwargs`.
"""

import otzoo.models  # noqa: F401  (registers every model)
import otzoo.networks
from otzoo.models import MODELS


def build_network(role, spec):
    """Calls `otzoo.networks.<spec.builder>(**spec.kwargs)` with a clear error."""
    builder = getattr(otzoo.networks, spec.builder, None)
    if builder is None or not callable(builder):
        known = sorted(n for n in getattr(otzoo.networks, "__all__", dir(otzoo.networks))
                       if not n.startswith("_"))
        raise ValueError(f"network {role!r}: unknown builder {spec.builder!r}; "
                         f"known: {', '.join(known)}")
    kwargs = dict(spec.get("kwargs", {}))
    kwargs.setdefault("name", role)
    return builder(**kwargs)


def build_model(config):
    """Builds networks and the model of `config.model` (call inside the strategy scope)."""
    model_cls = MODELS.get(config.model)
    networks = {role: build_network(role, spec) for role, spec in config.networks.items()}
    model_kwargs = dict(config.get("model_kwargs", {}))
    return model_cls(**networks, seed=config.seed, **model_kwargs)
