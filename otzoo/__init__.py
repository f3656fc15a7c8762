"""otzoo: optimal-transport generative models for TensorFlow/Keras.

Subpackages (one concern each):
  otzoo.ot        OT distances as differentiable (XLA-compilable) TF functions.
  otzoo.losses    thin `keras.losses.Loss` wrappers over otzoo.ot.
  otzoo.data      datasets (Fashion-MNIST, MNIST-format folders, image folders, 2-D toys).
  otzoo.networks  functional network builders (MLPs, DCGAN-style conv nets).
  otzoo.models    one trainer (keras.Model with a custom train_step) per zoo entry.
  otzoo.training  the training library behind //otzoo:train.
  otzoo.export    SavedModel export for TF Serving.
"""

__version__ = "0.1.0"
