"""From a zoo config to a model: networks by builder name, then the registered trainer.

A config names each network by role (`generator`, `critic`, `discriminator`,
`encoder`, `decoder`, ...) with the `otzoo.networks` builder that makes it and the
builder's keyword arguments; the model class (registry key `config.model`) receives the
built networks as keyword arguments of the same names, plus `config.model_kwargs`.

Image networks take `image_shape=` a reference to `config.data.shape` (zoo_configs), so
the data's shape reaches every network; `check_image_shapes` says, before anything is
built, when a shape does not suit them.
"""

import otzoo.models  # noqa: F401  (registers every model)
import otzoo.networks
from otzoo.models import MODELS
from otzoo.networks.conv import check_image_shape


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


def check_image_shapes(config):
    """Raises ValueError naming the network when a conv generator / decoder cannot make
    its `image_shape` (the encoders take any size)."""
    for role, spec in config.networks.items():
        kwargs = dict(spec.get("kwargs", {}))
        if spec.builder in ("conv_decoder", "dcgan_generator") and "image_shape" in kwargs:
            try:
                check_image_shape(tuple(kwargs["image_shape"]), kwargs.get("num_blocks"))
            except ValueError as e:
                raise ValueError(f"network {role!r} ({spec.builder}): {e}") from None


def build_model(config):
    """Builds networks and the model of `config.model` (call inside the strategy scope)."""
    model_cls = MODELS.get(config.model)
    networks = {role: build_network(role, spec) for role, spec in config.networks.items()}
    model_kwargs = dict(config.get("model_kwargs", {}))
    if model_kwargs.get("ema_decay") and model_kwargs.get("ema_bn_batch_size") is None:
        # The averaged network's batch-norm statistics are recomputed on batches of the
        # training batch size (the expected batch variance depends on it).
        model_kwargs["ema_bn_batch_size"] = config.batch_size
    return model_cls(**networks, seed=config.seed, **model_kwargs)
