"""Tests every GAN-family model shares: registry, API, reproducibility, checkpoints."""

import numpy as np
import pytest
import tensorflow as tf

from otzoo.models import MODELS
from otzoo.models.adversarial import split_real_batches
from tests.gans import toy

NAMES = sorted(toy.ROLES)
# Small graphs (fewer critic updates per step) keep tracing cheap; nothing here depends
# on the paper's counts, which the per-model tests check.
SMALL = {"swgan": dict(num_projections=20), "swgan_d": dict(num_projections=20),
         "wgan": dict(critic_steps=2, warmup_critic_steps=4, warmup_generator_steps=1,
                      warmup_every=3),
         "wgan_gp": dict(critic_steps=2)}


def _model(name, seed=0):
    return toy.make_model(name, seed=seed, hidden=(8,), **SMALL.get(name, {}))


def _batches(model, steps=3, batch_size=8, seed=0):
    rng = np.random.default_rng(seed)
    return [tf.constant(toy.eight_gaussians(batch_size * model.real_batches_per_step, rng))
            for _ in range(steps)]


def _run(model, batches):
    step = tf.function(model.train_step)
    return [{k: float(v) for k, v in step(b).items()} for b in batches]


def test_registry_holds_the_adversarial_models():
    for name in NAMES:
        assert name in MODELS
    with pytest.raises(KeyError, match="known:"):
        MODELS.get("wgan_lp")


@pytest.mark.parametrize("name", NAMES)
def test_api_and_metric_keys(name):
    model = _model(name)
    cls = MODELS.get(name)
    z = model.sample_prior(5)
    assert z.shape == (5, toy.LATENT_DIM)
    np.testing.assert_allclose(np.asarray(model(z)), np.asarray(model.sample(z)), rtol=1e-6)
    assert model.generate(3).shape == (3, 2)
    assert model.data_shape == (2,) and model.built
    assert set(model.optimizers_by_name) == {"generator"} | (
            {toy.ROLES[name]} if toy.ROLES[name] else set())
    for optimizer in model.optimizers_by_name.values():
        assert optimizer.built and optimizer.variables
    metrics = _run(model, _batches(model, steps=1))[0]
    assert set(metrics) == set(cls.metric_names)  # stable snake_case keys
    assert all(k == k.lower() and " " not in k for k in metrics)
    assert all(np.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_run(name):
    first, second, other = _model(name, seed=3), _model(name, seed=3), _model(name, seed=4)
    batches = _batches(first)
    a, b, c = _run(first, batches), _run(second, batches), _run(other, batches)
    assert a == b
    for v, w in zip(first.weights, second.weights):
        np.testing.assert_array_equal(v.numpy(), w.numpy())
    assert a != c


@pytest.mark.parametrize("name", ["wgan", "wgan_gp", "max_swgan"])
def test_checkpoint_round_trip_resumes_exactly(name, tmp_path):
    # The trainer's checkpoint (model variables incl. the seed state, every optimizer):
    # 4 steps, save, restore into a model with other weights and seed, 4 more steps ==
    # 8 uninterrupted steps (for WGAN this includes the critic/generator schedule).
    from otzoo.training.trainer import make_checkpoint

    reference = _model(name)
    batches = _batches(reference, steps=8)
    _run(reference, batches)

    first = _model(name)
    _run(first, batches[:4])
    step = tf.Variable(4, dtype=tf.int64)
    path = make_checkpoint(first, step).write(str(tmp_path / "ckpt"))
    resumed = _model(name, seed=7)  # other initial weights and seed state
    make_checkpoint(resumed, tf.Variable(0, dtype=tf.int64)).read(
            path).assert_existing_objects_matched()
    _run(resumed, batches[4:])
    for v, w in zip(resumed.variables, reference.variables):
        np.testing.assert_array_equal(v.numpy(), w.numpy(), err_msg=v.path)
    for player, optimizer in resumed.optimizers_by_name.items():
        for v, w in zip(optimizer.variables, reference.optimizers_by_name[player].variables):
            np.testing.assert_array_equal(v.numpy(), w.numpy(), err_msg=v.path)


def test_split_real_batches_is_strided():
    x = tf.reshape(tf.range(24.0), (12, 2))
    parts = split_real_batches(x, 3)
    assert len(parts) == 3
    for i, part in enumerate(parts):
        np.testing.assert_array_equal(part.numpy(), x.numpy()[i::3])
    assert split_real_batches(x, 1)[0] is x
    with pytest.raises(ValueError, match="multiple of 5"):
        split_real_batches(x, 5)


def test_unknown_compile_arguments_raise():
    model = _model("gan")
    with pytest.raises(ValueError, match="<player>_optimizer"):
        model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="players"):
        model.compile(critic_optimizer="adam")
    model.compile(discriminator_optimizer={"class_name": "SGD",
                                           "config": {"learning_rate": 0.1}})
    assert type(model.optimizers_by_name["discriminator"]).__name__ == "SGD"


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
