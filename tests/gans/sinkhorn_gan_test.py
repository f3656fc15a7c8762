"""Tests of `sinkhorn_gan`, the Sinkhorn generative model with a learned cost (Genevay,
Peyré & Cuturi 2018).

Oracles: a NumPy log-domain Sinkhorn of exactly L iterations (same update order as
`otzoo.ot.sinkhorn`), POT's `ot.sinkhorn2` at convergence, exact W_2 by `ot.emd2` for
the toy problem.
"""

from otzoo import testing

testing.split_cpu_into_logical_devices(2)  # tests/conftest.py did it; this checks it

import keras  # noqa: E402
import numpy as np  # noqa: E402
import ot  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from scipy.special import logsumexp  # noqa: E402

from otzoo.models import MODELS  # noqa: E402
from otzoo.models.priors import seed_from_generator  # noqa: E402
from otzoo.models.sinkhorn_gan import SinkhornGAN, sinkhorn_loss  # noqa: E402
from otzoo.networks import conv_decoder, conv_encoder, mlp  # noqa: E402
from tests.gans import toy  # noqa: E402
from zoo_configs import sinkhorn_gan as sinkhorn_gan_config  # noqa: E402

PLAYERS = ("generator", "critic")


def _model(lr=1e-2, features=4, hidden=(8,), **kwargs):
    """A compiled model with MLPs; the critic outputs `features` features."""
    keras.utils.set_random_seed(0)
    options = {"epsilon": 0.5, "num_iters": 5, "clip_value": None, **kwargs}
    lrs = lr if isinstance(lr, dict) else {p: lr for p in PLAYERS}
    model = MODELS.get("sinkhorn_gan")(
            mlp(toy.LATENT_DIM, 2, hidden, name="generator"),
            mlp(2, features, hidden, name="critic"), seed=0, **options)
    model.compile(**{f"{p}_optimizer": toy.adam(lrs[p]) for p in PLAYERS})
    return model


def numpy_transport(x, y, epsilon, num_iters, p=1):
    """<P, C> after exactly L log-domain iterations: g = 0, L x (f, g), a last f."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    cost = np.linalg.norm(x[:, None] - y[None], axis=-1) ** p
    log_a, log_b = -np.log(len(x)), -np.log(len(y))
    g = np.zeros(len(y))
    for _ in range(num_iters):
        f = -epsilon * logsumexp(log_b + (g[None] - cost) / epsilon, axis=1)
        g = -epsilon * logsumexp(log_a + (f[:, None] - cost) / epsilon, axis=0)
    f = -epsilon * logsumexp(log_b + (g[None] - cost) / epsilon, axis=1)
    plan = np.exp(log_a + log_b + (f[:, None] + g[None] - cost) / epsilon)
    return float(np.sum(plan * cost))


def numpy_loss(x, y, epsilon, num_iters, p=1):
    w = lambda u, v: numpy_transport(u, v, epsilon, num_iters, p)
    return 2 * w(x, y) - w(x, x) - w(y, y)


def exact_w2(model, n=500, seed=123):
    """W_2 (POT's exact OT, float64) between n generated points and n toy data points."""
    fake = np.asarray(model.sample(model.sample_prior_stateless(n, [seed, 0])), np.float64)
    real = toy.eight_gaussians(n, np.random.default_rng(seed)).astype(np.float64)
    return float(np.sqrt(ot.emd2([], [], ot.dist(fake, real))))


def test_generator_loss_is_the_sinkhorn_loss_of_the_features():
    # Both networks frozen (learning rate 0), so the features can be recomputed after
    # the step: the generator's loss is S on them and the critic's is -S.
    model = _model(lr=0.0)
    replay = keras.random.SeedGenerator(0)
    replay.state.assign(model.seed_generator.state)
    x = toy.eight_gaussians(16, np.random.default_rng(0))
    metrics = tf.function(model.train_step)(tf.constant(x))
    z = model.prior.sample(16, seed_from_generator(replay))
    real, fake = model.features(x), model.features(model.generator(z))
    expected = numpy_loss(real, fake, 0.5, 5)
    np.testing.assert_allclose(float(metrics["sinkhorn_loss"]), expected, rtol=1e-4)
    np.testing.assert_allclose(float(metrics["critic_loss"]), -expected, rtol=1e-4)
    assert expected > 1e-3


def test_loss_converges_to_pot_sinkhorn():
    # With L large, 2 W(x, y) - W(x, x) - W(y, y) equals POT's sinkhorn2 (transport
    # cost of the entropic plan, Euclidean cost) to solver precision.
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(15, 3)) + 0.5
    eps = 0.5

    def w(u, v):
        return ot.sinkhorn2(ot.unif(len(u)), ot.unif(len(v)), ot.dist(u, v, "euclidean"),
                            eps, method="sinkhorn_log", stopThr=1e-12, numItermax=100_000)

    expected = 2 * w(x, y) - w(x, x) - w(y, y)
    got = float(sinkhorn_loss(tf.constant(x), tf.constant(y), eps, 2000))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert float(sinkhorn_loss(tf.constant(x), tf.constant(x), eps, 10)) == 0.0


@pytest.mark.parametrize("frozen", PLAYERS)
def test_each_player_updates_only_its_network(frozen):
    # With one player's learning rate at 0 its network stays bit for bit, while the
    # other one's moves.
    model = _model(lr={p: 0.0 if p == frozen else 1e-2 for p in PLAYERS})
    networks = {"generator": model.generator, "critic": model.critic}
    before = {p: [w.copy() for w in networks[p].get_weights()] for p in PLAYERS}
    toy.train(model, 2, batch_size=8)
    for player in PLAYERS:
        after = networks[player].get_weights()
        unchanged = all(np.array_equal(a, b) for a, b in zip(before[player], after))
        assert unchanged == (player == frozen), player
        assert int(model.optimizers_by_name[player].iterations) == 2


def test_critic_ascends_the_loss_on_a_fixed_batch():
    model = _model(lr={"generator": 0.0, "critic": 1e-2})
    rng = np.random.default_rng(1)
    real = tf.constant(toy.eight_gaussians(32, rng))
    fake = model.generator(model.prior.sample(32, tf.constant([5, 6], tf.int32)))

    def loss():
        return float(model.feature_loss(model.features(real), model.features(fake)))

    before = loss()
    steps = tf.function(model.critic_step)
    values = [float(steps(real, fake)) for _ in range(5)]
    # Each step raised S on this batch (its reported -S fell), 2.02 -> 2.91 here.
    assert all(b < a for a, b in zip(values, values[1:])), values
    assert loss() > 1.2 * before, (before, loss(), values)
    np.testing.assert_allclose(values[0], -before, rtol=1e-5)  # the step reports -S


def test_critic_weights_are_clipped_after_each_update():
    model = _model(clip_value=0.05)
    toy.train(model, 1, batch_size=8)
    largest = max(np.abs(w).max() for w in model.critic.get_weights())
    assert largest == pytest.approx(0.05)  # clipped, and the box was reached


def test_learns_eight_gaussians():
    model = _model(lr=1e-3, features=8, hidden=(64, 64), epsilon=0.1, num_iters=10,
                   clip_value=0.1)
    before = exact_w2(model)
    metrics = toy.train(model, 200, batch_size=128)
    after = exact_w2(model)
    print(f"sinkhorn_gan: W_2(samples, data) {before:.3f} -> {after:.3f}")  # (-s)
    assert before > 1.5 and after < 0.6 * before, (before, after)
    assert all(np.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize("jit", [False, True])
def test_two_runs_are_bit_identical(jit):
    runs = []
    for _ in range(2):
        model = _model(jit_penalties=jit, clip_value=0.1)
        metrics = toy.train(model, 3, batch_size=8)
        runs.append((metrics, [v.numpy() for v in model.weights]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_two_replicas_equal_one_device_with_compiled_penalties():
    # SGD: the cost ||f(x) - f(y)|| ignores the critic's head bias, whose gradient is
    # rounding noise (~1e-9) that Adam and RMSProp would scale up to ~lr per step.
    def make_model():
        model = _model(hidden=(16,), jit_penalties=True, clip_value=0.1)
        model.compile(**{f"{p}_optimizer": keras.optimizers.SGD(0.05) for p in PLAYERS})
        return model

    rng = np.random.default_rng(0)
    batches = [toy.eight_gaussians(8, rng) for _ in range(2)]
    testing.assert_replicas_agree(make_model, batches, rtol=1e-4, atol=1e-6)


def test_defaults_follow_the_authors_code():
    image = (28, 28, 1)
    model = SinkhornGAN(conv_decoder(8, image, base_filters=4),
                        conv_encoder(image, 16, base_filters=4), seed=0)
    assert (model.epsilon, model.num_iters, model.p, model.clip_value) == (100.0, 10, 1, 0.01)
    assert model.prior.name == "normal"
    model.compile()
    for optimizer in model.optimizers_by_name.values():
        assert type(optimizer).__name__ == "RMSprop"
        assert float(optimizer.learning_rate) == pytest.approx(5e-5)
    metrics = model.train_step(tf.random.uniform((4,) + image, -1, 1))
    assert all(np.isfinite(float(v)) for v in metrics.values())


def test_configs():
    default, paper = sinkhorn_gan_config.get_config(), sinkhorn_gan_config.get_config("paper")
    assert default.model_kwargs.jit_penalties and paper.model_kwargs.jit_penalties
    assert default.networks.critic.kwargs.output_dim == 100
    assert (paper.batch_size, paper.model_kwargs.epsilon, paper.model_kwargs.num_iters,
            paper.compile.critic_optimizer["config"]["learning_rate"]) == (100, 100.0, 10, 5e-5)
    assert sinkhorn_gan_config.get_config("smoke").steps == 2


def test_bad_arguments_raise():
    for bad in (dict(epsilon=0.0), dict(num_iters=0), dict(clip_value=-1.0), dict(p=0.5)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            _model(**bad)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
