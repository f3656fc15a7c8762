"""`jit_penalties=True` computes the GAN family's losses as `jit_penalties=False` does.

Three properties, per model:
  * on vs off: two identically seeded tiny models take the same train steps; with SGD
    the weights move by lr x gradient, so equal weights (to float rounding) mean equal
    gradients, and the logged losses agree;
  * off is today's computation bit for bit: swgan_d's train step against the
    formulation it replaced, written out in the test (the other models call the same
    plain loss function as before when off);
  * on is deterministic: two fresh models built from the zoo config's smoke variant
    (`otzoo.training.build`, the trainer's path) take two steps on the same batches and
    end with bit-identical weights. wgan failed this with the forward-only compiled
    critic loss (`Jitted`): 1e-5-1e-4 apart.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.losses.adversarial import bce_discriminator_loss, sliced_w2_squared
from otzoo.models.base import gather_global
from otzoo.training.build import build_model
from tests.gans import toy
from tests.training.common import smoke_config

CASES = {
    "gan": {},
    "wgan": dict(toy.GAN_FAMILY["wgan"].test_options),
    "wgan_gp": dict(toy.GAN_FAMILY["wgan_gp"].test_options),
    "swgan": {"num_projections": 16},
    "swgan_d": {"num_projections": 16},
    "max_swgan": {},
    "max_swgan_optimized": {"direction": "optimized",
                            "max_sliced_kwargs": {"num_steps": 3}},
}
# float32 rounding of a few hundred operations, times the learning rate: differences
# seen are <= 2e-7 on weights of size ~0.5 (a wrong gradient moves them by ~1e-3).
WEIGHT_ATOL, LOSS_RTOL = 1e-5, 1e-4


def _toy_run(case, jit, steps=2, batch=32):
    name = case.split("_optimized")[0]
    cls = toy.GAN_FAMILY[name]
    players = ["generator"] + list(cls.network_roles)
    model = toy.make_model(name, hidden=(8,), jit_penalties=jit,
                           compile_kwargs={f"{p}_optimizer": keras.optimizers.SGD(0.05)
                                           for p in players},
                           **CASES[case])
    rng = np.random.default_rng(1)
    step = tf.function(model.train_step)
    initial = [v.numpy() for v in model.trainable_variables]
    for _ in range(steps):
        metrics = step(tf.constant(toy.eight_gaussians(
                batch * model.real_batches_per_step, rng)))
    return ({k: float(v) for k, v in metrics.items()},
            [v.numpy() for v in model.trainable_variables], initial)


# max_swgan_optimized draws its random starts from a stateless seed inside the compiled
# program: this also checks that those draws are the same under XLA.
@pytest.mark.parametrize("case", sorted(CASES))
def test_jit_on_matches_jit_off(case):
    off_metrics, off_weights, initial = _toy_run(case, jit=False)
    on_metrics, on_weights, _ = _toy_run(case, jit=True)
    assert off_metrics.keys() == on_metrics.keys()
    for key in off_metrics:
        np.testing.assert_allclose(on_metrics[key], off_metrics[key], rtol=LOSS_RTOL,
                                   atol=1e-6, err_msg=key)
    for a, b in zip(on_weights, off_weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=WEIGHT_ATOL)
    # The steps did something (SGD moved the weights), so the comparison is not vacuous.
    moved = max(np.abs(a - b).max() for a, b in zip(off_weights, initial))
    assert moved > 100 * WEIGHT_ATOL, moved


def test_swgan_d_step_off_is_the_inline_formulation():
    def inline_step(model, real):
        z = model.local_prior_sample(tf.shape(real)[0])
        fake = model.generator(z, training=True)
        d_loss = model.player_step("discriminator", lambda: bce_discriminator_loss(
                model.discriminator(real, training=True),
                model.discriminator(tf.stop_gradient(fake), training=True)))
        real_features = gather_global(model.discriminator_features(real, training=True))
        directions = model.generator_directions()

        def generator_loss():
            fake_features = model.discriminator_features(model.generator(z, training=True),
                                                         training=True)
            return sliced_w2_squared(real_features, fake_features, directions)

        return {"discriminator_loss": d_loss,
                "sw_loss": model.player_step("generator", generator_loss)}

    _assert_same_steps("swgan_d", lambda m, x: m.train_step(x), inline_step,
                       num_projections=16)


def _assert_same_steps(name, step, inline, compare_metrics=False, **kwargs):
    """Two steps of `step` and of `inline` on twin models: bit-identical weights (and
    metrics, when both return the step's own values rather than running means)."""
    results = []
    for fn in (step, inline):
        model = toy.make_model(name, hidden=(8,), **kwargs)
        rng = np.random.default_rng(2)
        traced = tf.function(lambda x: fn(model, x))
        metrics = [traced(tf.constant(toy.eight_gaussians(32, rng))) for _ in range(2)]
        results.append(({k: float(v) for k, v in metrics[-1].items()},
                         [v.numpy() for v in model.variables]))
    (metrics_a, weights_a), (metrics_b, weights_b) = results
    if compare_metrics:
        assert metrics_a == metrics_b
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)


def _smoke_run(name, batches):
    config = smoke_config(name, **{"model_kwargs.jit_penalties": True})
    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    model.build_networks(tuple(config.data.shape))
    model.compile(**dict(config.get("compile", {})))
    step = tf.function(model.train_step)
    for x in batches:
        step(tf.constant(x[:config.batch_size * model.real_batches_per_step]))
    return [v.numpy() for v in model.variables]


@pytest.mark.parametrize("name", ["gan", "wgan", "wgan_gp", "swgan_d", "max_swgan"])
def test_jit_on_training_is_deterministic(name):
    shape = tuple(smoke_config(name).data.shape)
    batches = np.random.default_rng(0).uniform(-1, 1, (2, 64) + shape).astype("float32")
    first, second = _smoke_run(name, batches), _smoke_run(name, batches)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
