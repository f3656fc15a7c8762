"""Tests of otzoo.networks: shapes, the DCGAN layout, the critic split, bad input."""

import keras
import numpy as np
import pytest

from otzoo import networks


@pytest.mark.parametrize("image_shape, blocks", [((28, 28, 1), 2), ((32, 32, 3), 2),
                                                 ((64, 64, 3), 3)])
def test_conv_decoder_and_encoder_shapes(image_shape, blocks):
    decoder = networks.conv_decoder(16, image_shape, base_filters=4)
    encoder = networks.conv_encoder(image_shape, 5, base_filters=4)
    assert decoder.output_shape == (None,) + image_shape
    assert encoder.output_shape == (None, 5)
    upconvs = [layer for layer in decoder.layers if isinstance(layer, keras.layers.Conv2DTranspose)]
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(upconvs) == blocks and len(convs) == blocks
    # DCGAN: first feature map H/2^k x W/2^k with 2^(k-1) F channels, 4x4 stride-2 kernels.
    reshape = decoder.get_layer("reshape")
    assert reshape.output.shape[1:] == (image_shape[0] // 2 ** blocks,
                                        image_shape[1] // 2 ** blocks, 4 * 2 ** (blocks - 1))
    assert all(layer.kernel_size == (4, 4) and layer.strides == (2, 2) for layer in upconvs + convs)
    z = np.random.default_rng(0).normal(size=(3, 16)).astype("float32")
    x = np.asarray(decoder(z))
    assert x.shape == (3,) + image_shape and np.all(np.abs(x) <= 1.0)  # tanh output
    assert np.asarray(encoder(x)).shape == (3, 5)


def test_decoder_batch_norm_is_optional_and_synchronized():
    with_bn = networks.conv_decoder(8, base_filters=4)
    bns = [layer for layer in with_bn.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bns) == 2 and all(layer.synchronized for layer in bns)  # after Dense and upconv_0
    without = networks.conv_decoder(8, base_filters=4, normalization=None)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in without.layers)


def test_encoder_has_no_normalization_by_default():
    # The WGAN-GP critic must have neither batch norm nor dropout.
    encoder = networks.conv_encoder((28, 28, 1), 1, base_filters=4)
    assert not any(isinstance(layer, (keras.layers.BatchNormalization, keras.layers.Dropout,
                                  keras.layers.LayerNormalization)) for layer in encoder.layers)
    layer_norm = networks.conv_encoder((28, 28, 1), 1, base_filters=4, normalization="layer")
    assert sum(isinstance(layer, keras.layers.LayerNormalization)
               for layer in layer_norm.layers) == 1


def test_mlp():
    model = networks.mlp(3, 2, hidden_units=(5, 7), normalization="layer")
    assert model.output_shape == (None, 2)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [5, 7, 2]
    linear = networks.mlp(3, 1, hidden_units=())
    x = np.ones((2, 3), "float32")
    w, b = linear.get_layer("head").get_weights()
    np.testing.assert_allclose(np.asarray(linear(x)), x @ w + b, rtol=1e-6)


@pytest.mark.parametrize("build", [
    lambda: networks.mlp(2, 1, (8,), name="critic"),
    lambda: networks.conv_encoder((28, 28, 1), 1, base_filters=4, name="critic"),
])
def test_features_and_head_share_weights(build):
    critic = build()
    features, head = networks.features_and_head(critic)
    x = np.random.default_rng(1).normal(size=(4,) + critic.input_shape[1:]).astype("float32")
    h = features(x)
    np.testing.assert_allclose(np.asarray(head(h)), np.asarray(critic(x)), rtol=1e-5,
                               atol=1e-6)
    # Same variables, not copies: changing the critic changes the features.
    first = critic.trainable_variables[0]
    first.assign(first * 2.0)
    assert not np.allclose(np.asarray(features(x)), np.asarray(h))
    assert head.kernel.shape == (h.shape[-1], 1)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="divisible by 4"):
        networks.conv_decoder(8, (30, 30, 1))
    with pytest.raises(ValueError, match="height, width, channels"):
        networks.conv_encoder((28, 28), 1)
    with pytest.raises(ValueError, match="normalization"):
        networks.conv_encoder((28, 28, 1), 1, normalization="instance")
    with pytest.raises(ValueError, match="output_dim"):
        networks.mlp(2, 0)
    with pytest.raises(ValueError, match="linear"):
        networks.features_and_head(networks.mlp(2, 1, output_activation="sigmoid"))


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
