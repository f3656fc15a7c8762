"""One-vs-two-replica equivalence of every GAN-family model.

On 2 logical CPUs, a MirroredStrategy train step gives the same losses, the same updated
weights, optimizer slots and iteration counters, and the same seed state as one device
fed the same global batch (to float tolerance), for each adversarial entry; also through
`model.fit`, with XLA-compiled penalties, with batch norm in a conv generator, and for
WGAN across its conditional generator update. This holds because noise, interpolation
weights and directions are global draws sliced per replica, sliced-Wasserstein terms are
computed on all-gathered batches, and each replica's loss is scaled by 1 / replicas.
"""

from otzoo import testing

testing.split_cpu_into_logical_devices(2)  # tests/conftest.py did it; this checks it

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from otzoo.models import MODELS  # noqa: E402
from otzoo.networks import conv_decoder, conv_encoder  # noqa: E402
from tests.gans import toy  # noqa: E402

# Every registered GAN-family model, with its own `test_options` (fewer critic updates or
# projections than the papers: cheaper to trace, and the equivalence does not depend on
# the counts); a model that declares none runs with its defaults.
OPTIONS = {name: dict(cls.test_options) for name, cls in toy.GAN_FAMILY.items()}
# Two real batches per step: the strided split of the global batch across replicas.
OPTIONS["gan"].update(discriminator_steps=2)


def _factory(name, jit=False, **overrides):
    options = dict(OPTIONS[name], **overrides)

    def make_model():
        return toy.make_model(name, hidden=(16,), jit_penalties=jit, **options)

    return make_model


def _batches(name, steps, per_replica=4, seed=0):
    k = _factory(name)().real_batches_per_step
    rng = np.random.default_rng(seed)
    return [toy.eight_gaussians(2 * per_replica * k, rng) for _ in range(steps)]


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_two_replicas_equal_one_device(name):
    steps = 4 if name == "wgan" else 2  # WGAN: 2 skipped and 2 applied G updates
    result = testing.assert_replicas_agree(_factory(name), _batches(name, steps))
    metrics = result["single"][0][-1]
    assert all(np.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize("name", ["wgan_gp", "swgan"])
def test_two_replicas_with_xla_penalties(name):
    testing.assert_replicas_agree(_factory(name, jit=True), _batches(name, 2))


@pytest.mark.parametrize("name", ["wgan", "swgan_d"])
def test_two_replicas_through_fit(name):
    testing.assert_replicas_agree(_factory(name), _batches(name, 4 if name == "wgan" else 2),
                                  via_fit=True)


def test_max_swgan_optimized_direction():
    # The inner ascent amplifies summation-order differences a little: looser tolerance.
    testing.assert_replicas_agree(
            _factory("max_swgan", direction="optimized",
                     max_sliced_kwargs=dict(num_steps=5, num_init_directions=4)),
            _batches("max_swgan", 2), rtol=1e-3, atol=1e-5)


def test_conv_generator_with_batch_norm():
    # Synchronized batch norm: the generator normalises with global-batch statistics.
    def make_model():
        keras.utils.set_random_seed(0)
        model = MODELS.get("gan")(conv_decoder(4, (8, 8, 1), base_filters=2),
                                  conv_encoder((8, 8, 1), 1, base_filters=2), seed=0)
        model.compile()
        return model

    rng = np.random.default_rng(0)
    batches = [rng.uniform(-1, 1, size=(8, 8, 8, 1)).astype("float32")]
    testing.assert_replicas_agree(make_model, batches, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["wgan", "swgan_d"])
def test_two_replicas_with_weight_averaging(name):
    # The averages are model weights: `model_state` compares them with the rest. WGAN
    # undoes the average with the generator step when the step is not due.
    result = testing.assert_replicas_agree(_factory(name, ema_decay=0.9),
                                           _batches(name, 4 if name == "wgan" else 2))
    assert any("/ema_generator_" in key for key in result["multi"][1])


def test_conv_generator_with_batch_norm_and_weight_averaging():
    # The averaged generator's recomputed batch-norm statistics agree too.
    made = []

    def make_model():
        keras.utils.set_random_seed(0)
        model = MODELS.get("gan")(conv_decoder(4, (8, 8, 1), base_filters=2),
                                  conv_encoder((8, 8, 1), 1, base_filters=2), seed=0,
                                  ema_decay=0.5, ema_bn_batches=2, ema_bn_batch_size=8)
        model.compile()
        made.append(model)
        return model

    rng = np.random.default_rng(0)
    batches = [rng.uniform(-1, 1, size=(8, 8, 8, 1)).astype("float32") for _ in range(2)]
    testing.assert_replicas_agree(make_model, batches, rtol=1e-4, atol=1e-5)
    single, multi = (model.averaged_weights() for model in made)
    assert single.bn_batches == 2
    for a, b in zip(single.trainable + single.non_trainable,
                    multi.trainable + multi.non_trainable):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
