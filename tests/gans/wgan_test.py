"""Tests of WGAN with weight clipping (otzoo.models.wgan).

Clipping: every critic weight lies in [-c, c] after every step, and the bound is active
(weights sit at +-c, so the check can fail). The 100/5 critic schedule is checked
against a brute-force Python simulation on the optimizers' iteration counters, the
closed-form C(g) against a cumulative sum, and the signs of the critic's estimate and of
the generator update on two 1-D distributions a known distance apart.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.models.wgan import WGAN, critic_steps_before, critic_steps_for
from otzoo.networks import mlp
from tests.gans import toy


def _n(g, critic_steps=5, warmup_critic_steps=100, warmup_generator_steps=25,
       warmup_every=500):
    warm = g < warmup_generator_steps or (warmup_every and g % warmup_every == 0)
    return warmup_critic_steps if warm else critic_steps


def test_closed_form_schedule_matches_cumulative_sum():
    g = np.arange(0, 3001)
    expected_n = np.array([_n(i) for i in g])
    expected_c = np.concatenate([[0], np.cumsum(expected_n)[:-1]])
    np.testing.assert_array_equal(np.asarray(critic_steps_for(g)), expected_n)
    np.testing.assert_array_equal(np.asarray(critic_steps_before(g)), expected_c)
    assert expected_n[0] == expected_n[24] == 100 and expected_n[25] == 5
    assert expected_n[500] == expected_n[1000] == 100 and expected_n[501] == 5
    schedule = dict(critic_steps=2, warmup_critic_steps=7, warmup_generator_steps=3,
                    warmup_every=4)
    small = np.array([_n(i, **schedule) for i in g[:50]])
    np.testing.assert_array_equal(np.asarray(critic_steps_before(g[:50], **schedule)),
                                  np.concatenate([[0], np.cumsum(small)[:-1]]))


@pytest.mark.parametrize("schedule, per_call, steps", [
    (dict(critic_steps=5, warmup_critic_steps=10, warmup_generator_steps=2,
          warmup_every=4), 5, 14),
    (dict(critic_steps=2, warmup_critic_steps=6, warmup_generator_steps=1,
          warmup_every=3), 1, 20),
    (dict(), 5, 21),  # the paper's schedule: the first generator update after step 20
])
def test_schedule_counts_match_simulation(schedule, per_call, steps):
    model = toy.make_model("wgan", hidden=(4,), critic_steps_per_call=per_call, **schedule)
    assert model.real_batches_per_step == per_call
    step = tf.function(model.train_step)
    critic, generator = 0, 0
    rng = np.random.default_rng(0)
    for i in range(steps):
        metrics = step(tf.constant(rng.normal(size=(4 * per_call, 2)), tf.float32))
        critic += per_call
        due = critic - sum(_n(i, **schedule) for i in range(generator)) >= _n(generator,
                                                                             **schedule)
        generator += int(due)
        optimizers = model.optimizers_by_name
        assert int(optimizers["critic"].iterations) == critic
        assert int(optimizers["generator"].iterations) == generator
        # A running mean over the steps (Keras resets metrics once per epoch).
        assert float(metrics["generator_updated"]) == pytest.approx(generator / (i + 1))
    if not schedule:
        assert generator == 1  # 100 critic updates = 20 steps of 5, then one G update


def test_undone_generator_update_is_exact():
    model = toy.make_model("wgan", hidden=(4,))
    before = [v.numpy() for v in model.generator.variables]
    slots = [v.numpy() for v in model.optimizers_by_name["generator"].variables]
    model.train_step(tf.random.normal((10, 2)))  # not due: 5 of the 100 warm-up updates
    for b, v in zip(before, model.generator.variables):
        np.testing.assert_array_equal(v.numpy(), b)
    for b, v in zip(slots, model.optimizers_by_name["generator"].variables):
        np.testing.assert_array_equal(v.numpy(), b)


def test_weights_clipped_after_every_step():
    c = 0.01
    model = toy.make_model("wgan", hidden=(16,), clip_value=c, warmup_generator_steps=0,
                           warmup_every=None, compile_kwargs=dict(
                                   critic_optimizer=keras.optimizers.RMSprop(0.05)))
    rng = np.random.default_rng(0)
    step = tf.function(model.train_step)
    for _ in range(3):
        step(tf.constant(toy.eight_gaussians(4 * 5, rng)))
        weights = np.concatenate([v.numpy().ravel() for v in model.critic.trainable_variables])
        assert np.all(np.abs(weights) <= c + 1e-9)
        assert np.mean(np.isclose(np.abs(weights), c)) > 0.2  # clipping is active


def test_critic_estimate_and_generator_signs():
    # Real ~ N(0, 1), generated x = z + 2: the clipped critic estimates K * W1 > 0 and
    # the generator update moves the generated mean towards the data.
    keras.utils.set_random_seed(0)
    generator = mlp(1, 1, hidden_units=(), name="generator")
    generator.get_layer("head").set_weights([np.ones((1, 1), "float32"),
                                             np.full((1,), 2.0, "float32")])
    model = WGAN(generator, mlp(1, 1, (16,), name="critic"), seed=0)
    model.compile(critic_optimizer=keras.optimizers.RMSprop(5e-3))
    rng = np.random.default_rng(0)
    critic_step = tf.function(model.critic_step)
    losses = [float(critic_step(tf.constant(rng.normal(size=(256, 1)), tf.float32)))
              for _ in range(100)]
    # losses[0] comes from the unclipped initial critic; from then on weights are clipped.
    assert np.mean(losses[-10:]) < 0 and np.mean(losses[-10:]) < np.mean(losses[1:4])
    model.generator_step(256, tf.constant(True))
    assert float(generator.get_layer("head").bias[0]) < 2.0
    kept = float(generator.get_layer("head").bias[0])
    model.generator_step(256, tf.constant(False))  # not due: no change at all
    assert float(generator.get_layer("head").bias[0]) == kept


def test_default_recipe():
    model = toy.make_model("wgan")
    assert model.clip_value == 0.01 and model.real_batches_per_step == 5
    assert model.schedule == dict(critic_steps=5, warmup_critic_steps=100,
                                  warmup_generator_steps=25, warmup_every=500)
    for optimizer in model.optimizers_by_name.values():
        assert isinstance(optimizer, keras.optimizers.RMSprop)
        assert optimizer.get_config()["learning_rate"] == pytest.approx(5e-5)


def test_learns_eight_gaussians():
    # Toy settings (named): no warm-up, c = 0.1 and larger learning rates, so that a
    # few hundred steps suffice; the algorithm is unchanged.
    model = toy.make_model("wgan", clip_value=0.1, warmup_generator_steps=0,
                           warmup_every=None, compile_kwargs=dict(
                                   generator_optimizer=keras.optimizers.RMSprop(5e-4),
                                   critic_optimizer=keras.optimizers.RMSprop(1e-3)))
    before = toy.sw2_to_data(model)
    metrics = toy.train(model, 400)
    after = toy.sw2_to_data(model)
    print(f"wgan: SW_2(samples, data) {before:.3f} -> {after:.3f}")  # (-s)
    assert before > 1.1 and after < 0.7, (before, after)
    assert metrics["wasserstein_estimate"] > 0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="clip_value"):
        toy.make_model("wgan", clip_value=0)
    with pytest.raises(ValueError, match="critic_steps_per_call"):
        toy.make_model("wgan", critic_steps_per_call=3)
    with pytest.raises(ValueError, match="unknown optimizer override"):
        toy.make_model("wgan", compile_kwargs=dict(discriminator_optimizer="adam"))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
