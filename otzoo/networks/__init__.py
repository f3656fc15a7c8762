"""Functional network builders returning plain, built `keras.Model`s.

  mlp(input_dim, output_dim, hidden_units=(128, 128), activation="relu", ...)
  conv_decoder(latent_dim, image_shape=(28, 28, 1), base_filters=32, ...)  (= dcgan_generator)
  conv_encoder(image_shape, output_dim, base_filters=32, normalization=None, ...)
  features_and_head(model) -> (feature_model, head_layer)   penultimate features of a critic

Models receive their networks; they never build them (see STYLE.md).
"""

from otzoo.networks.conv import conv_decoder, conv_encoder, dcgan_generator
from otzoo.networks.heads import features_and_head
from otzoo.networks.mlp import mlp

__all__ = ["mlp", "conv_decoder", "dcgan_generator", "conv_encoder", "features_and_head"]
