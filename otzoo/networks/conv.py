"""DCGAN-style convolutional builders, sized for CPU training.

Generator (Radford et al. 2016, "DCGAN"): Dense -> reshape to (H/2^k, W/2^k, 2^(k-1) F)
-> k stride-2 transposed convolutions (4x4 kernels) halving the channels each time, the
last one to C channels; batch norm + ReLU after every layer but the last (DCGAN), tanh out.

Encoder / critic / discriminator: k stride-2 4x4 convolutions with F, 2F, ... channels and
LeakyReLU(0.2) (DCGAN), flatten, one linear Dense. No normalization by default because
the WGAN-GP critic must have none; "layer" norm (per sample) or "batch" can be asked for
(never on the first layer, as in DCGAN).

k = 2 for images up to 32x32 (28x28x1, 32x32x3) and 3 for 64x64 and larger.

Deviation from DCGAN: filters default to F=32 (DCGAN used 128..1024) and kernels are 4x4
(DCGAN: 5x5) so that a model trains in minutes on 2 CPU cores; raise `base_filters` in a
config for larger variants.

References:
  Radford, Metz, Chintala. Unsupervised Representation Learning with Deep Convolutional
  Generative Adversarial Networks. ICLR 2016. https://arxiv.org/abs/1511.06434
"""

import keras

from otzoo.networks._layers import (check_normalization, check_positive_int,
                                    normalization_layer)


def _check_image_shape(image_shape):
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape!r}")
    return tuple(check_positive_int(s, "image_shape entries") for s in image_shape)


def default_num_blocks(image_shape):
    """Number of stride-2 blocks: 2 below 64 pixels (28, 32), 3 from 64 on."""
    return 3 if min(image_shape[0], image_shape[1]) >= 64 else 2


def _check_divisible(image_shape, num_blocks):
    factor = 2 ** num_blocks
    if image_shape[0] % factor or image_shape[1] % factor:
        raise ValueError(
                f"image height and width must be divisible by {factor} for {num_blocks} "
                f"stride-2 blocks, got image_shape={image_shape}")


def check_image_shape(image_shape, num_blocks=None):
    """Raises ValueError unless `conv_decoder` can produce `image_shape` (H, W, C).

    With the default depth, H and W must be multiples of 4 below 64 pixels (2 blocks:
    28, 32, 48) and of 8 from 64 on (3 blocks: 64, 96, 128).
    """
    image_shape = _check_image_shape(image_shape)
    k = default_num_blocks(image_shape) if num_blocks is None else check_positive_int(
            num_blocks, "num_blocks")
    _check_divisible(image_shape, k)
    return image_shape


def conv_decoder(latent_dim, image_shape=(28, 28, 1), base_filters=32,
                 output_activation="tanh", normalization="batch", num_blocks=None,
                 name="decoder"):
    """Builds a DCGAN-style generator / decoder z -> image.

    Args:
      latent_dim: size of the latent code z.
      image_shape: (H, W, C) of the output; H and W divisible by 2^num_blocks.
      base_filters: F, the channels of the last hidden layer (the first has 2^(k-1) F).
      output_activation: "tanh" for data in [-1, 1] (the zoo's convention), "sigmoid"
        for [0, 1], None for logits / unbounded outputs.
      normalization: "batch" (DCGAN, default), "layer" or None.
      num_blocks: number of stride-2 upsamplings k (default: `default_num_blocks`).
      name: model name.

    Returns:
      A built `keras.Model` mapping [n, latent_dim] -> [n, H, W, C].
    """
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    image_shape = check_image_shape(image_shape, num_blocks)
    base_filters = check_positive_int(base_filters, "base_filters")
    check_normalization(normalization)
    k = default_num_blocks(image_shape) if num_blocks is None else int(num_blocks)
    height, width, channels = image_shape
    h0, w0, f0 = height // 2 ** k, width // 2 ** k, base_filters * 2 ** (k - 1)

    z = keras.Input((latent_dim,), name=f"{name}_input")
    h = keras.layers.Dense(h0 * w0 * f0, name="project")(z)
    h = keras.layers.Reshape((h0, w0, f0), name="reshape")(h)
    norm = normalization_layer(normalization, "norm_project")
    if norm is not None:
        h = norm(h)
    h = keras.layers.ReLU(name="relu_project")(h)
    for i in range(k - 1):
        filters = base_filters * 2 ** (k - 2 - i)
        h = keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same",
                                         name=f"upconv_{i}")(h)
        norm = normalization_layer(normalization, f"norm_{i}")
        if norm is not None:
            h = norm(h)
        h = keras.layers.ReLU(name=f"relu_{i}")(h)
    outputs = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                           activation=output_activation, name="to_image")(h)
    return keras.Model(z, outputs, name=name)


dcgan_generator = conv_decoder


def conv_encoder(image_shape, output_dim, base_filters=32, normalization=None,
                 num_blocks=None, name="encoder"):
    """Builds a DCGAN-style encoder / critic / discriminator image -> R^output_dim.

    Args:
      image_shape: (H, W, C) of the input.
      output_dim: 1 for a critic / discriminator (a logit or score), latent_dim or
        2 * latent_dim (mean, log-variance) for an encoder.
      base_filters: F, the channels of the first convolution (then 2F, 4F, ...).
      normalization: None (default; required for a WGAN-GP critic), "layer" or "batch",
        applied after every convolution but the first.
      num_blocks: number of stride-2 convolutions (default: `default_num_blocks`).
      name: model name.

    Returns:
      A built `keras.Model` mapping [n, H, W, C] -> [n, output_dim]. Its last layer is
      the linear Dense named "head" and the flattened convolution features feed it
      (see `features_and_head`).
    """
    image_shape = _check_image_shape(image_shape)
    output_dim = check_positive_int(output_dim, "output_dim")
    base_filters = check_positive_int(base_filters, "base_filters")
    check_normalization(normalization)
    k = default_num_blocks(image_shape) if num_blocks is None else check_positive_int(
            num_blocks, "num_blocks")
    x = keras.Input(image_shape, name=f"{name}_input")
    h = x
    for i in range(k):
        h = keras.layers.Conv2D(base_filters * 2 ** i, 4, strides=2, padding="same",
                                name=f"conv_{i}")(h)
        norm = normalization_layer(normalization, f"norm_{i}") if i > 0 else None
        if norm is not None:
            h = norm(h)
        h = keras.layers.LeakyReLU(0.2, name=f"lrelu_{i}")(h)
    h = keras.layers.Flatten(name="features")(h)
    outputs = keras.layers.Dense(output_dim, name="head")(h)
    return keras.Model(x, outputs, name=name)
