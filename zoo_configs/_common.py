"""Fields every zoo config shares; each `zoo_configs/<name>.py` fills in its model.

Schema (every field can be overridden with `--config.<key>=<value>`):

  model            registry key of the trainer (`otzoo.models.MODELS`), = file stem
  seed             seeds the model's SeedGenerator, the data shuffle, Keras
  data.name        the data: fashion_mnist (default), mnist (any MNIST-format folder),
                   image_folder, or tfds:NAME[:SPLIT] (a prepared TFDS dataset)
  data.path        its folder (for tfds: the TFDS data_dir); "" = the default
  data.shape       the example shape (H, W, C); every network's image_shape refers to it,
                   so the networks and the exported signatures follow it
  data.options     options of `otzoo.data.load` (value_range, ...); the command line adds
                   the ones data.name/path/shape imply (otzoo.data.sources)
  batch_size       global batch size (split across replicas)
  steps            total training steps (one generator step for the GAN family)
  steps_per_epoch  checkpoint / log / sample-grid interval, in steps
  networks.<role>  {builder: an `otzoo.networks` function, kwargs: its arguments}
  model_kwargs     the model's hyperparameters (constructor keyword arguments), and
                   ema_decay: β of an exponential moving average of the generator's /
                   decoder's weights that sampling and the export then use (every model;
                   unset/None = off, the default everywhere; ProGAN used 0.999:
                   `--config.model_kwargs.ema_decay=0.999`; otzoo.models.averaging)
  compile          optimizer overrides, e.g. generator_optimizer={...} (unset: the
                   model's own default optimizers)
  export           max_samples: cap of the `sample_n` signature

Variants (`get_config(arg)`, `--variant=`): "default" (sized for a 2-core CPU, every
difference from the paper named in the config's docstring), "smoke" (seconds, for tests)
and "paper" (the published recipe, as far as the zoo's builders express it; every value
cites its source). Each config passes its `paper` function to `select`.
"""

import ml_collections

IMAGE_SHAPE = (28, 28, 1)
VARIANTS = ("default", "smoke", "paper")


def base_config(model, value_range, steps, batch_size=64, steps_per_epoch=250):
    """The shared skeleton, training on Fashion-MNIST (the embedded default dataset)."""
    config = ml_collections.ConfigDict()
    config.model = model
    config.seed = 0
    config.data = ml_collections.ConfigDict({
        "name": "fashion_mnist",
        "path": "",
        "shape": IMAGE_SHAPE,
        "options": {"value_range": tuple(float(v) for v in value_range)},
    })
    config.batch_size = batch_size
    config.steps = steps
    config.steps_per_epoch = steps_per_epoch
    config.networks = ml_collections.ConfigDict()
    # A typed placeholder (None = off) so that `--config.model_kwargs.ema_decay=` exists.
    config.model_kwargs = ml_collections.ConfigDict(
        {"ema_decay": ml_collections.config_dict.placeholder(float)})
    # The design card: penalties and OT losses are XLA-compiled tf.functions, in every
    # config and variant but wgan_gp's, whose docstring says why
    # (`--config.model_kwargs.jit_penalties=False` to debug).
    config.model_kwargs.jit_penalties = True
    config.compile = ml_collections.ConfigDict()
    config.export = ml_collections.ConfigDict({"max_samples": 4096})
    config.deterministic_ops = False
    config.sample_grids = True
    return config


def network(builder, **kwargs):
    return ml_collections.ConfigDict({"builder": builder, "kwargs": kwargs})


def conv_decoder(config, latent_dim, output_activation, base_filters=32):
    """The DCGAN-style generator / decoder spec: latent codes to `config.data.shape`."""
    return network("conv_decoder", latent_dim=latent_dim, image_shape=data_shape(config),
                   base_filters=base_filters, output_activation=output_activation)


def conv_encoder(config, output_dim, base_filters=32):
    """The DCGAN-style critic / discriminator / encoder spec on `config.data.shape`."""
    return network("conv_encoder", image_shape=data_shape(config), output_dim=output_dim,
                   base_filters=base_filters)


def data_shape(config):
    """A reference to `config.data.shape`, for a network's `image_shape`.

    Setting data.shape (`--image_shape=64,64,3`, `--config.data.shape=64,64,3`) then
    reshapes every network that refers to it; the builders pick the depth per size.
    """
    return config.data.get_ref("shape")


def smoke(config, base_filters=4):
    """Shrinks a config to a test that trains and exports in seconds.

    Same data, shapes and code paths; tiny networks, batch 8, 2 steps. Models with several
    real batches per step and warm-up schedules are shortened by their own configs.
    """
    config.batch_size = 8
    config.steps = 2
    config.steps_per_epoch = 2
    for spec in config.networks.values():
        if "base_filters" in spec.kwargs:
            spec.kwargs.base_filters = base_filters
        if "hidden_units" in spec.kwargs:
            spec.kwargs.hidden_units = (16,)
    if "num_projections" in config.model_kwargs:
        config.model_kwargs.num_projections = 16
    return config


def optimizer(class_name, **kwargs):
    """A Keras optimizer config, as `config.compile.<player>_optimizer` takes it."""
    return {"class_name": class_name, "config": kwargs}


def swg_code_recipe(config, discriminator):
    """The SWG authors' code, github.com/ishansd/swg (swg.py, utils/flags_wrapper.py,
    generator_models/dcgan.py, discriminator_models/d_dcgan.py), shared by the paper
    variants of swgan, swgan_d (`discriminator=True`, swg.py --use_discriminator) and
    max_swgan. The SWGAN paper's experiment section (arXiv:1803.11188, Sec. 5) was not
    available to check, so none of these values is labelled as the paper's."""
    latent_dim = 100  # flags_wrapper.py latent_dim = 100
    config.batch_size = 64  # swg.py --batch_size 64
    config.steps = 10_000  # swg.py --max_iters 10000
    config.steps_per_epoch = 500
    # generator_models/dcgan.py: batch norm, last hidden layer 128 channels.
    config.networks.generator = conv_decoder(
        config, latent_dim, output_activation="tanh", base_filters=128)
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.prior = "uniform"  # swg.py: np.random.uniform(-1, 1)
    players = ["generator"]
    if discriminator:
        # d_dcgan.py: 4x4 stride-2 convolutions of 64, 128, ... channels with batch norm
        # (the builder's "batch" leaves the first one without).
        config.networks.discriminator = conv_encoder(config, output_dim=1, base_filters=64)
        config.networks.discriminator.kwargs.normalization = "batch"
        players.append("discriminator")
    # swg.py: tf.train.AdamOptimizer(1e-4, beta1=0.5) for every player (one
    # discriminator update per generator update: dfreq = diter = 1); beta_2 and epsilon
    # are TF1's defaults (0.999, 1e-8).
    for player in players:
        config.compile[f"{player}_optimizer"] = optimizer(
            "Adam", learning_rate=1e-4, beta_1=0.5, beta_2=0.999, epsilon=1e-8)
    return config


def wae_mnist_paper(config):
    """The WAE paper's MNIST recipe shared by wae_mmd and wae_gan: Tolstikhin, Bousquet,
    Gelly, Schoelkopf, Wasserstein Auto-Encoders, ICLR 2018, arXiv:1711.01558, Sec. 4 and
    App. C.1 (the same values are in the authors' github.com/tolstikhin/wae configs.py,
    config_mnist, "MNIST config from ICLR paper"). Each entry adds its own penalty.

    Networks, as far as the conv builders make them: encoder Conv128-Conv256-Conv512-
    Conv1024 (4x4, stride 2, batch norm) -> FC d_z; decoder FC 7x7x1024 -> FSConv512 ->
    ... -> FSConv1. Not expressed: ReLU (the builders use LeakyReLU(0.2) in the encoder),
    batch norm on the encoder's first convolution, and the decoder's FSConv256 (the
    builder has one transposed convolution per upsampling: 7 -> 14 -> 28). Not done: the
    authors' code's encoder pre-training (the paper does not describe it).
    """
    latent_dim = 8  # Sec. 4 / App. C.1: d_z = 8 for MNIST
    config.batch_size = 100  # App. C.1: mini-batches of size 100
    config.steps = 60_000  # App. C.1: 100 epochs of 60,000 images
    config.steps_per_epoch = 600  # one epoch
    encoder = conv_encoder(config, output_dim=latent_dim, base_filters=128)
    encoder.kwargs.num_blocks = 4
    encoder.kwargs.normalization = "batch"
    config.networks.encoder = encoder
    config.networks.decoder = conv_decoder(config, latent_dim, output_activation="sigmoid",
                                           base_filters=512)
    config.model_kwargs.latent_dim = latent_dim
    config.model_kwargs.penalty_weight = 10.0  # App. C.1: lambda = 10
    config.model_kwargs.prior = "normal"  # Sec. 4: P_Z = N(0, sigma_z^2 I), App. C.1: 1
    config.compile.autoencoder_optimizer = wae_mnist_adam(1e-3)  # App. C.1
    return config


def wae_mnist_adam(rate):
    """The WAE paper's optimizer: Adam with beta_1 = 0.5, beta_2 = 0.999 (Sec. 4); the
    rate halved after 30 epochs and divided by 5 more after 50 (App. C.1). epsilon: not
    stated; 1e-8 is TF1's AdamOptimizer default, which the authors' code leaves unchanged.
    """
    return optimizer("Adam", learning_rate=piecewise_constant(
        [18_000, 30_000], [rate, rate / 2, rate / 10]), beta_1=0.5, beta_2=0.999, epsilon=1e-8)


def piecewise_constant(boundaries, values):
    """A Keras PiecewiseConstantDecay learning rate, as an optimizer config takes it."""
    return {"module": "keras.optimizers.schedules", "class_name": "PiecewiseConstantDecay",
            "config": {"boundaries": list(boundaries), "values": list(values)},
            "registered_name": None}


def select(config, arg, paper):
    """Applies the variant named by the `get_config` argument.

    Args:
      config: the default config.
      arg: None, "" or "default" (the config as is), "smoke" or "paper".
      paper: the entry's function config -> config giving the published recipe;
        required, so that no entry lacks a paper variant.
    """
    if not callable(paper):
        raise TypeError(f"select() needs the entry's paper function config -> config, "
                        f"got {paper!r}")
    variants = {None: lambda c: c, "": lambda c: c, "default": lambda c: c,
                "smoke": smoke, "paper": paper}
    if arg not in variants:
        raise ValueError(f"unknown config variant {arg!r}; known: {', '.join(VARIANTS)}")
    return variants[arg](config)
