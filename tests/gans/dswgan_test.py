"""Tests of `dswgan`, the distributional sliced Wasserstein GAN (Nguyen et al. 2021).

Oracles: `otzoo.ot.distributional_sliced_wasserstein` with a twin `DistributionalSlicer`
on features computed apart from the train step, a NumPy sort along the twin's
directions, exact W_2 by POT's `ot.emd2` for the toy problem.
"""

from otzoo import testing

testing.split_cpu_into_logical_devices(2)  # tests/conftest.py did it; this checks it

import keras  # noqa: E402
import numpy as np  # noqa: E402
import ot  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

import otzoo.ot  # noqa: E402
from otzoo.models.dswgan import DSWGAN  # noqa: E402
from otzoo.models.priors import seed_from_generator  # noqa: E402
from otzoo.networks import conv_decoder, conv_encoder, mlp  # noqa: E402
from otzoo.ot.distributional_sliced import DistributionalSlicer  # noqa: E402
from tests.gans import toy  # noqa: E402
from zoo_configs import dswgan as dswgan_config  # noqa: E402

PLAYERS = ("generator", "discriminator")


def _model(lr=1e-2, hidden=(8,), **kwargs):
    options = {"num_projections": 32, "num_steps": 3, "slicer_learning_rate": 0.05,
               **kwargs}
    lrs = lr if isinstance(lr, dict) else {p: lr for p in PLAYERS}
    return toy.make_model("dswgan", hidden=hidden, compile_kwargs={
            f"{p}_optimizer": toy.adam(lrs[p]) for p in PLAYERS}, **options)


def _slicer_state(model):
    return [v.numpy().copy() for v in model.slicer.weights]


def _sorted_w2_squared(x, y, directions):
    px, py = np.sort(x @ directions, axis=0), np.sort(y @ directions, axis=0)
    return np.mean((px - py) ** 2)


def exact_w2(model, n=500, seed=123):
    """W_2 (POT's exact OT, float64) between n generated points and n toy data points."""
    fake = np.asarray(model.sample(model.sample_prior_stateless(n, [seed, 0])), np.float64)
    real = toy.eight_gaussians(n, np.random.default_rng(seed)).astype(np.float64)
    return float(np.sqrt(ot.emd2([], [], ot.dist(fake, real))))


def test_generator_loss_is_otzoo_dsw_on_the_updated_features():
    # Both networks frozen (learning rate 0), so the features can be recomputed after
    # the step; f still takes its T ascent steps. The step's loss must be DSW_2² of
    # otzoo.ot with a twin slicer (same initial f) on the step's theta0.
    model = _model(lr=0.0)
    twin = DistributionalSlicer(model.feature_dim, num_projections=32, num_steps=3,
                                learning_rate=0.05, seed=model.seed)
    for a, b in zip(_slicer_state(model), twin.weights):
        np.testing.assert_array_equal(a, b.numpy())
    # The step's draws, replayed on a copy of the seed generator: z, then theta0's seed.
    replay = keras.random.SeedGenerator(0)
    replay.state.assign(model.seed_generator.state)
    x = toy.eight_gaussians(16, np.random.default_rng(0))
    z = model.prior.sample(16, seed_from_generator(replay))
    step_seed = seed_from_generator(replay)

    loss = float(tf.function(model.train_step)(tf.constant(x))["dsw_loss"])

    real = model.discriminator_features(x)
    fake = model.discriminator_features(model.generator(z))
    expected = float(otzoo.ot.distributional_sliced_wasserstein(
            real, fake, slicer=twin, seed=step_seed, return_power=True))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    # f ended where the twin's ascent ended, and the loss is W_2² along its directions.
    for a, b in zip(_slicer_state(model), twin.weights):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)
    directions = np.asarray(twin.directions(model.theta0(step_seed)))
    np.testing.assert_allclose(loss, _sorted_w2_squared(np.asarray(real), np.asarray(fake),
                                                        directions), rtol=1e-4)
    assert loss > 0


@pytest.mark.parametrize("frozen", PLAYERS)
def test_each_player_updates_only_its_network(frozen):
    # With one player's learning rate at 0 its network stays bit for bit, while the
    # other one's moves; the direction map f (its own Adam) moves in both cases.
    model = _model(lr={p: 0.0 if p == frozen else 1e-2 for p in PLAYERS})
    networks = {"generator": model.generator, "discriminator": model.discriminator}
    before = {p: [w.copy() for w in networks[p].get_weights()] for p in PLAYERS}
    slicer_before = _slicer_state(model)
    toy.train(model, 2, batch_size=8)
    for player in PLAYERS:
        after = networks[player].get_weights()
        unchanged = all(np.array_equal(a, b) for a, b in zip(before[player], after))
        assert unchanged == (player == frozen), player
    assert not np.array_equal(slicer_before[0], model.slicer.kernel.numpy())
    assert int(model.slicer.adam_state[-1].numpy()) == 2 * 3  # T = 3 steps per step
    for player in PLAYERS:
        assert int(model.optimizers_by_name[player].iterations) == 2


def test_direction_map_ascends_dsw_on_a_fixed_batch():
    # T Adam steps of f on fixed features raise the DSW objective J(f) and DSW_2².
    model = _model(num_steps=20)
    rng = np.random.default_rng(1)
    real = rng.normal(size=(64, 8)).astype("float32")
    fake = (rng.normal(size=(64, 8)) * [4, 1, 1, 1, 1, 1, 1, 1]).astype("float32")
    seed = tf.constant([3, 4], tf.int32)
    theta0 = model.theta0(seed)

    def objective(directions):
        cosines = np.abs(directions.T @ directions).mean()
        return _sorted_w2_squared(real, fake, directions) - 1.0 * cosines

    start = np.asarray(model.slicer.directions(theta0))
    after = np.asarray(model.direction_ascent(tf.constant(real), tf.constant(fake), seed))
    assert objective(after) > objective(start) + 0.1, (objective(start), objective(after))
    assert _sorted_w2_squared(real, fake, after) > _sorted_w2_squared(real, fake, start)


def test_learns_eight_gaussians():
    model = _model(lr=1e-3, hidden=(64, 64), num_projections=100, num_steps=1,
                   slicer_learning_rate=5e-4)
    before = exact_w2(model)
    metrics = toy.train(model, 200, batch_size=128)
    after = exact_w2(model)
    print(f"dswgan: W_2(samples, data) {before:.3f} -> {after:.3f}")  # (-s)
    assert before > 1.5 and after < 0.7 * before, (before, after)
    assert all(np.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize("jit", [False, True])
def test_two_runs_are_bit_identical(jit):
    runs = []
    for _ in range(2):
        model = _model(jit_penalties=jit)
        metrics = toy.train(model, 3, batch_size=8)
        runs.append((metrics, [v.numpy() for v in model.weights]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_two_replicas_equal_one_device_with_compiled_penalties():
    # The slicer's ascent runs on the gathered global features on every replica.
    def make_model():
        return _model(hidden=(16,), jit_penalties=True)

    rng = np.random.default_rng(0)
    batches = [toy.eight_gaussians(8, rng) for _ in range(2)]
    result = testing.assert_replicas_agree(make_model, batches, rtol=1e-4, atol=1e-5)
    assert any("dsw_slicer" in key for key in result["multi"][1])


def test_defaults_follow_the_authors_code():
    image = (28, 28, 1)
    model = DSWGAN(conv_decoder(8, image, base_filters=4), conv_encoder(image, 1, base_filters=4),
                   seed=0)
    h = model.slicer.hyperparameters
    assert (model.num_projections, h["num_steps"], h["regularization"]) == (1000, 10, 1.0)
    assert (h["learning_rate"], h["beta_1"], h["beta_2"]) == (5e-4, 0.5, 0.999)
    assert model.slicer.dim == model.feature_dim == 7 * 7 * 8
    assert model.prior.name == "normal"
    model.compile()
    for optimizer in model.optimizers_by_name.values():
        config = optimizer.get_config()
        assert (config["learning_rate"], config["beta_1"], config["beta_2"]) == pytest.approx(
                (5e-4, 0.5, 0.999))


def test_configs():
    default, paper = dswgan_config.get_config(), dswgan_config.get_config("paper")
    assert default.model_kwargs.jit_penalties and paper.model_kwargs.jit_penalties
    assert (default.model_kwargs.num_projections, default.model_kwargs.num_steps) == (250, 1)
    assert (paper.batch_size, paper.model_kwargs.num_projections,
            paper.model_kwargs.num_steps, paper.model_kwargs.latent_dim) == (512, 1000, 1, 100)
    assert paper.networks.discriminator.kwargs.num_blocks == 4
    smoke = dswgan_config.get_config("smoke")
    assert (smoke.steps, smoke.model_kwargs.num_projections) == (2, 16)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="regularization"):
        toy.make_model("dswgan", regularization=-1.0)
    with pytest.raises(ValueError, match="num_projections"):
        toy.make_model("dswgan", num_projections=0)
    x = keras.Input((2,))
    nonlinear_head = keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(x))
    with pytest.raises(ValueError, match="linear"):
        DSWGAN(mlp(3, 2, (4,)), nonlinear_head)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))


def test_export_leaves_out_the_direction_map(tmp_path):
    """f and its Adam moments steer training only: the SavedModel does not carry them
    (at the zoo's feature size they were 118 of the export's 119 MB), and `sample`
    still reproduces the model."""
    from otzoo.export.signatures import ServingModule

    model = _model()
    toy.train(model, 2, batch_size=16)
    slicer_ids = {id(v) for v in model.slicer.variables}
    assert slicer_ids and slicer_ids <= {id(v) for v in model.variables}
    module = ServingModule(model, data_shape=(2,))
    saved_ids = {id(v) for v in module.model_variables}
    assert not saved_ids & slicer_ids
    assert len(module.model_variables) == len(model.variables) - len(slicer_ids)
    tf.saved_model.save(module, str(tmp_path), signatures=module.signatures())
    saved = tf.train.list_variables(str(tmp_path / "variables" / "variables"))
    saved_sizes = sorted(int(np.prod(shape)) for name, shape in saved
                         if name.startswith("model_variables/"))
    kept = [v for v in model.variables if id(v) not in slicer_ids]
    assert saved_sizes == sorted(int(np.prod(v.shape)) for v in kept)
    loaded = tf.saved_model.load(str(tmp_path))
    z = model.sample_prior_stateless(5, [3, 4])
    np.testing.assert_array_equal(loaded.signatures["sample"](z=z)["images"],
                                  model.sample(z))
