"""Weight averaging (`ema_decay`): the right average, batch norm recomputed, exported,
checkpointed and resumed bit for bit, and invisible to training.

The 1-vs-2-replica checks are in tests/gans/distribution_test.py and
tests/autoencoders/distribution_test.py.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from otzoo.export import writer
from otzoo.export.signatures import ServingModule
from otzoo.models import MODELS
from otzoo.networks import conv_decoder, mlp
from otzoo.training import callbacks, strategies, trainer
from tests.gans import toy
from tests.training import common

DATA_DIM, LATENT_DIM, BATCH = 3, 2, 8


def _autoencoder(name, **options):
    keras.utils.set_random_seed(1)
    cls = MODELS.get(name)
    gaussian = cls.requires_gaussian_encoder
    encoder = mlp(DATA_DIM, 2 * LATENT_DIM if gaussian else LATENT_DIM, (8,), name="encoder")
    decoder = mlp(LATENT_DIM, DATA_DIM, (8,), name="decoder")
    others = {role: mlp(LATENT_DIM, 1, (8,), name=role) for role in cls.network_roles}
    model = cls(encoder, decoder, **others, seed=3, **{**cls.test_options, **options})
    model.compile(**{f"{player}_optimizer": keras.optimizers.SGD(0.1)
                     for player in model.default_optimizers()})
    return model


def _make(name, **options):
    """A tiny compiled zoo model: MLPs, on 2-D (GANs) or 3-D (autoencoders) data."""
    if name in toy.GAN_FAMILY:
        return toy.make_model(name, hidden=(8,), **{**toy.GAN_FAMILY[name].test_options,
                                                     **options})
    return _autoencoder(name, **options)


def _batches(model, steps, seed=0):
    rng = np.random.default_rng(seed)
    k = getattr(model, "real_batches_per_step", 1)
    dim = 2 if model.averaged_role == "generator" else DATA_DIM
    return [tf.constant(rng.normal(size=(BATCH * k, dim)).astype("float32"))
            for _ in range(steps)]


def _values(variables):
    return [np.array(v.numpy()) for v in variables]


# swgan: the generator alone; wgan: generator steps that are undone when not due;
# wae_gan: the autoencoder player (encoder + decoder, only the decoder averaged) next to
# a discriminator; vae: its own decode.
@pytest.mark.parametrize("name", ["swgan", "wgan", "wae_gan", "vae"])
def test_average_follows_the_numpy_recurrence(name):
    decay = 0.8
    model = _make(name, ema_decay=decay)
    network = model.averaged_network
    optimizer = model.optimizer_for(model.averaged_player)
    assert len(model.ema_variables) == len(network.trainable_variables) > 0
    expected = _values(network.trainable_variables)  # θ_EMA = θ⁰
    for got, want in zip(_values(model.ema_variables), expected):
        np.testing.assert_array_equal(got, want)
    step = tf.function(model.train_step)
    updates = 0
    for batch in _batches(model, 6):
        before = int(optimizer.iterations.numpy())
        step(batch)
        if int(optimizer.iterations.numpy()) > before:  # WGAN skips some steps
            updates += 1
            live = _values(network.trainable_variables)
            expected = [np.float32(decay) * e + np.float32(1 - decay) * w
                        for e, w in zip(expected, live)]
        for got, want, w in zip(_values(model.ema_variables), expected,
                                network.trainable_variables):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=w.path)
    assert 0 < updates
    if name == "wgan":
        assert updates < 6  # the schedule skipped generator updates: the check above ran
    # Not vacuous: the average lags the live weights.
    gap = max(np.abs(e - w).max() for e, w in
              zip(_values(model.ema_variables), _values(network.trainable_variables)))
    assert gap > 1e-4


@pytest.mark.parametrize("name", ["wgan", "wae_gan"])
def test_training_is_the_same_with_and_without_averaging(name):
    """The averages never feed back: live weights, optimizer state and seed agree bit for
    bit with a model trained without them."""
    plain, averaged = _make(name), _make(name, ema_decay=0.9)
    assert plain.ema_variables == [] and len(averaged.ema_variables) > 0
    for model in (plain, averaged):
        step = tf.function(model.train_step)
        for batch in _batches(model, 4):
            step(batch)
    ema = {id(v) for v in averaged.ema_variables}
    live = [v for v in averaged.variables if id(v) not in ema]
    assert [v.path for v in plain.variables] == [v.path for v in live]
    for a, b in zip(plain.variables, live):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    for player, optimizer in plain.optimizers_by_name.items():
        for a, b in zip(optimizer.variables, averaged.optimizer_for(player).variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"{player} {a.path}")


@pytest.mark.parametrize("decay", [None, 0, 0.0])
def test_off_adds_nothing(decay):
    model = _make("swgan", ema_decay=decay)
    reference = _make("swgan")
    assert model.ema_decay is None and model.ema_variables == []
    assert [v.path for v in model.variables] == [v.path for v in reference.variables]
    with model.averaged() as weights:
        assert weights is None
    with pytest.raises(ValueError, match="ema_decay is off"):
        model.averaged_weights()


@pytest.mark.parametrize("decay", [1, 1.0, 1.5, -0.1, "x", True])
def test_bad_decay_is_refused(decay):
    with pytest.raises(ValueError, match="ema_decay"):
        _make("swgan", ema_decay=decay)


def _bn_generator_model(ema_decay=0.5, bn_batches=3, bn_batch_size=16):
    """SWGAN with an MLP generator z -> Dense -> BN -> ReLU -> Dense -> BN -> ReLU -> x."""
    keras.utils.set_random_seed(2)
    generator = mlp(LATENT_DIM, 2, (5, 4), normalization="batch", name="generator")
    model = MODELS.get("swgan")(generator, num_projections=8, prior="normal", seed=4,
                                ema_decay=ema_decay, ema_bn_batches=bn_batches,
                                ema_bn_batch_size=bn_batch_size)
    model.compile(generator_optimizer=keras.optimizers.SGD(0.5))
    return model


def test_batch_norm_statistics_are_the_exact_average_over_prior_batches():
    model = _bn_generator_model()
    step = tf.function(model.train_step)
    for batch in _batches(model, 3):
        step(batch)
    net = model.averaged_network
    live_stats = _values(net.non_trainable_variables)
    weights = model.averaged_weights()
    assert (weights.bn_batches, weights.bn_batch_size) == (3, 16)
    # Nothing of the live network moved, momentum included.
    for got, want in zip(_values(net.non_trainable_variables), live_stats):
        np.testing.assert_array_equal(got, want)
    assert all(layer.momentum == 0.99 for layer in net.layers if hasattr(layer, "momentum"))

    # NumPy oracle: the training-mode forward pass with the averaged weights.
    ema = {w.path: a.numpy() for w, a in zip(net.trainable_variables, weights.trainable)}
    eps = net.get_layer("norm_0").epsilon
    sums = {name: [0.0, 0.0] for name in ("norm_0", "norm_1")}
    for k in range(3):
        h = np.asarray(model.sample_prior_stateless(16, [k, -1 - model.seed]), np.float64)
        for i in (0, 1):
            h = h @ ema[f"dense_{i}/kernel"] + ema[f"dense_{i}/bias"]
            mean, var = h.mean(0), h.var(0)  # Keras' batch variance is the biased one
            sums[f"norm_{i}"][0] += mean
            sums[f"norm_{i}"][1] += var
            h = (h - mean) / np.sqrt(var + eps) * ema[f"norm_{i}/gamma"] + ema[f"norm_{i}/beta"]
            h = np.maximum(h, 0)
    got = dict(zip([v.path for v in net.non_trainable_variables], weights.non_trainable))
    for name, (mean_sum, var_sum) in sums.items():
        np.testing.assert_allclose(got[f"{name}/moving_mean"], mean_sum / 3, rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(got[f"{name}/moving_variance"], var_sum / 3, rtol=1e-5,
                                   atol=1e-6)
        # Not the live statistics (those describe the live weights).
        assert np.abs(got[f"{name}/moving_mean"] - net.get_layer(name).moving_mean.numpy()
                      ).max() > 1e-3


def _conv_swgan(ema_decay):
    keras.utils.set_random_seed(0)
    model = MODELS.get("swgan")(conv_decoder(4, (8, 8, 1), base_filters=2),
                                num_projections=8, ema_decay=ema_decay, ema_bn_batches=2,
                                ema_bn_batch_size=8)
    model.compile()
    step = tf.function(model.train_step)
    rng = np.random.default_rng(0)
    for _ in range(2):
        step(tf.constant(rng.uniform(-1, 1, (8, 8, 8, 1)).astype("float32")))
    return model


def _save_and_load(module, path):
    tf.saved_model.save(module, str(path), signatures=module.signatures())
    return tf.saved_model.load(str(path)).signatures


def test_export_samples_with_the_averaged_generator(tmp_path):
    model = _conv_swgan(ema_decay=0.5)
    module = ServingModule(model, (8, 8, 1))
    signatures = _save_and_load(module, tmp_path / "saved")
    z = model.sample_prior_stateless(5, [7, 0])
    with model.averaged():
        averaged = model.sample(z).numpy()
    live = model.sample(z).numpy()
    assert np.abs(averaged - live).max() > 1e-3
    np.testing.assert_allclose(signatures["sample"](z=z)["images"], averaged, atol=1e-6)
    out = signatures["sample_n"](num_samples=tf.constant(4), seed=tf.constant(3, tf.int64))
    with model.averaged():
        np.testing.assert_allclose(out["images"], model.sample(out["z"]), atol=1e-6)
    # As TF Serving loads it: a TF1 session, SignatureDefs run by tensor name.
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"],
                                                    str(tmp_path / "saved"))
        signature = meta.signature_def["sample"]
        images = session.run(signature.outputs["images"].name,
                             {signature.inputs["z"].name: z.numpy()})
    np.testing.assert_allclose(images, averaged, atol=1e-6)
    # The saved variables: the averaged generator, not the live one nor the raw averages.
    saved = [name for name, _ in tf.train.list_variables(str(tmp_path / "saved" / "variables"
                                                              / "variables"))]
    assert any(name.startswith("averaged_trainable/") for name in saved)
    assert len([n for n in saved if n.startswith("model_variables/")]) == 1  # the seed state

    config = common.smoke_config("swgan")
    card = writer.model_card("swgan", 1, config, module, {})
    assert card["weights"] == ("exponential moving average of the generator's weights, "
                               "decay 0.5, batch-norm statistics recomputed on 2 prior "
                               "batches of 8")
    assert "Weights: exponential moving average" in writer._card_markdown(card)


def test_export_without_averaging_is_unchanged(tmp_path):
    model = _conv_swgan(ema_decay=None)
    module = ServingModule(model, (8, 8, 1))
    assert module.weights_note is None and not hasattr(module, "averaged_trainable")
    signatures = _save_and_load(module, tmp_path / "saved")
    z = model.sample_prior_stateless(3, [7, 0])
    np.testing.assert_array_equal(signatures["sample"](z=z)["images"], model.sample(z))
    card = writer.model_card("swgan", 1, common.smoke_config("swgan"), module, {})
    assert "weights" not in card and "Weights:" not in writer._card_markdown(card)


def test_autoencoder_export_decodes_with_the_averaged_decoder(tmp_path):
    model = _make("wae_gan", ema_decay=0.5)
    step = tf.function(model.train_step)
    for batch in _batches(model, 3):
        step(batch)
    module = ServingModule(model, (DATA_DIM,))
    signatures = _save_and_load(module, tmp_path / "saved")
    x = _batches(model, 1, seed=5)[0]
    z = model.encode(x)
    with model.averaged():
        decoded, reconstructed = model.decode(z).numpy(), model(x).numpy()
    assert np.abs(decoded - model.decode(z).numpy()).max() > 1e-3
    np.testing.assert_allclose(signatures["decode"](z=z)["images"], decoded, atol=1e-6)
    np.testing.assert_allclose(signatures["reconstruct"](images=x)["reconstructions"],
                               reconstructed, atol=1e-6)
    # encode keeps the trained encoder.
    np.testing.assert_allclose(signatures["encode"](images=x)["z"], z, atol=1e-6)


def test_sample_grid_shows_the_averaged_generator(tmp_path, monkeypatch):
    model = _conv_swgan(ema_decay=0.5)
    shown = {}
    monkeypatch.setattr(callbacks.images, "make_grid",
                        lambda batch, value_range: shown.setdefault("samples", batch))
    monkeypatch.setattr(callbacks.images, "save_png", lambda grid, path: None)
    grid = callbacks.SampleGrid(str(tmp_path), (-1, 1), num_samples=4)
    grid.set_model(model)
    grid.params = {"steps": 1}
    grid.on_epoch_end(0)
    with model.averaged():
        np.testing.assert_allclose(shown["samples"], model.sample(grid._latent()), atol=1e-6)


def _checkpoint(workdir):
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(
            os.path.join(workdir, "checkpoints")))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if not name.startswith(("_CHECKPOINTABLE_OBJECT_GRAPH", "wall_time_s"))}


def test_resume_equals_uninterrupted_averages_included(tmp_path):
    config = common.smoke_config("swgan", steps_per_epoch=1, deterministic_ops=True,
                                 sample_grids=False, **{"model_kwargs.ema_decay": 0.9})
    one_device = strategies.make_strategy("one_device")
    model, _ = trainer.train(config, str(tmp_path / "straight"), one_device, steps=2,
                             verbose=0)
    trainer.train(config, str(tmp_path / "resumed"), one_device, steps=1, verbose=0)
    resumed, summary = trainer.train(config, str(tmp_path / "resumed"), one_device, steps=2,
                                     verbose=0)
    assert summary["resumed_from_step"] == 1
    a, b = _checkpoint(tmp_path / "straight"), _checkpoint(tmp_path / "resumed")
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)

    for straight, again in zip(model.ema_variables, resumed.ema_variables):
        np.testing.assert_array_equal(straight.numpy(), again.numpy(), err_msg=straight.path)
    # The averages are checkpointed (and named by the NaN guard's labels) ...
    labels = [label for label, _ in trainer.checkpoint_variables(model)]
    assert sum(label.startswith("generator EMA/") for label in labels) == len(
            model.ema_variables) > 0
    position = {id(v): i for i, v in enumerate(resumed.variables)}
    for average in resumed.ema_variables:
        saved = b[f"model_variables/{position[id(average)]}/.ATTRIBUTES/VARIABLE_VALUE"]
        np.testing.assert_array_equal(saved, average.numpy())
    # ... and are averages, not copies of the weights.
    gaps = [np.abs(e.numpy() - w.numpy()).max() for e, w in
            zip(resumed.ema_variables, resumed.generator.trainable_variables)]
    assert max(gaps) > 1e-5


def test_command_line_turns_averaging_on_and_the_card_says_so(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in sys.path),
               TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
            [sys.executable, "-m", "otzoo.train", "--model=wae_mmd", "--variant=smoke",
             f"--workdir={tmp_path / 'w'}", f"--export_dir={tmp_path / 'exp'}",
             "--config.model_kwargs.ema_decay=0.999", "--config.sample_grids=false",
             "--verbose=2"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    config = json.loads((tmp_path / "w" / "config.json").read_text())
    assert config["model_kwargs"]["ema_decay"] == 0.999
    card = json.loads((tmp_path / "exp" / "wae_mmd" / "1" / "model_card.json").read_text())
    batch = config["batch_size"]
    assert card["weights"] == (f"exponential moving average of the decoder's weights, "
                               f"decay 0.999, batch-norm statistics recomputed on 32 prior "
                               f"batches of {batch}")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
