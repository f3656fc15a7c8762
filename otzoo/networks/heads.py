"""Splitting a critic into its feature extractor and its last linear layer.

A critic / discriminator D(x) = w^T h(x) + b (every `otzoo.networks` builder with
output_dim=1 has this form: a linear Dense "head" on top of features h). SWGAN-D and
max-SWGAN need h(x) (the penultimate features) and w (the head's kernel):

    features, head = features_and_head(critic)
    h = features(x)            # [n, feature_dim]
    score = head(h)            # == critic(x), same weights
    w = head.kernel            # [feature_dim, 1]

The feature model shares its layers (and so its weights) with `critic`.
"""

import keras


def features_and_head(model):
    """Returns (feature_model, head_layer) of a functional model ending in a linear Dense.

    Args:
      model: a functional `keras.Model` with one input whose last layer is a
        `keras.layers.Dense` with a linear activation (e.g. `mlp(..., output_dim=1)` or
        `conv_encoder(..., output_dim=1)`).

    Returns:
      feature_model: `keras.Model` mapping the input to the head's input [n, feature_dim].
      head_layer: the final `keras.layers.Dense` (kernel [feature_dim, output_dim]).

    Raises:
      ValueError: if the model does not end in a linear Dense layer.
    """
    if not isinstance(model, keras.Model) or not model.layers:
        raise ValueError(f"expected a functional keras.Model, got {model!r}")
    head = model.layers[-1]
    if not isinstance(head, keras.layers.Dense):
        raise ValueError(f"the last layer of {model.name!r} must be a Dense layer (the "
                         f"linear head), got {type(head).__name__}")
    if head.activation not in (None, keras.activations.linear):
        raise ValueError(f"the head of {model.name!r} must be linear (activation None), "
                         f"got {head.activation}")
    try:
        features_out = head.input
    except (AttributeError, ValueError) as e:
        raise ValueError(f"{model.name!r} is not a functional model with a single path "
                         f"into its head: {e}") from None
    feature_model = keras.Model(model.inputs, features_out, name=f"{model.name}_features")
    return feature_model, head
