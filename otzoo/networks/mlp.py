"""Multi-layer perceptron builder (toy generators / critics / encoders).

    h_0 = x,   h_k = act(norm(W_k h_{k-1} + b_k)),   y = out_act(W_out h_K + b_out)
"""

import keras

from otzoo.networks._layers import (check_normalization, check_positive_int,
                                    normalization_layer)


def mlp(input_dim, output_dim, hidden_units=(128, 128), activation="relu",
        output_activation=None, normalization=None, name="mlp"):
    """Builds a functional MLP.

    Args:
      input_dim: size of the input vector.
      output_dim: size of the output vector.
      hidden_units: widths of the hidden Dense layers (may be empty: a linear map).
      activation: hidden activation (any Keras activation name or callable).
      output_activation: activation of the last layer (None: linear).
      normalization: None, "batch" or "layer", applied after each hidden Dense
        (before the activation). Do not use "batch" in a WGAN-GP critic.
      name: model name.

    Returns:
      A built `keras.Model` mapping [n, input_dim] -> [n, output_dim]. Its last layer is
      the Dense named "head" (see `features_and_head`).
    """
    input_dim = check_positive_int(input_dim, "input_dim")
    output_dim = check_positive_int(output_dim, "output_dim")
    hidden_units = tuple(check_positive_int(u, "hidden_units entries") for u in hidden_units)
    check_normalization(normalization)
    inputs = keras.Input((input_dim,), name=f"{name}_input")
    h = inputs
    for i, units in enumerate(hidden_units):
        h = keras.layers.Dense(units, name=f"dense_{i}")(h)
        norm = normalization_layer(normalization, f"norm_{i}")
        if norm is not None:
            h = norm(h)
        h = keras.layers.Activation(activation, name=f"act_{i}")(h)
    outputs = keras.layers.Dense(output_dim, activation=output_activation, name="head")(h)
    return keras.Model(inputs, outputs, name=name)
