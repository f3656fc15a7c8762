"""Test helpers shared by the model tests: logical CPUs, one-vs-N-replica comparisons.

The distribution check every zoo model must pass: N replicas of `MirroredStrategy` (on
N logical CPU devices) produce the same losses and the same updated weights as one
device fed the same global batch, to float tolerance.

    # at the very top of the test file, before any TensorFlow op:
    from otzoo import testing
    testing.split_cpu_into_logical_devices(2)
    ...
    def make_model():                      # called once per strategy, inside its scope
        model = WGANGP(generator=mlp(...), critic=mlp(...), seed=0)
        model.build_networks((2,))
        model.compile()
        return model

    testing.assert_replicas_agree(make_model, [batch_1, batch_2])

`make_model` runs under the default strategy (one device) and then inside the scope of
a `MirroredStrategy` over N logical CPUs; the N-replica model starts from the one-device
model's weights (copied), so differences can only come from the train step. Global
batches are split into contiguous per-replica slices, as `otzoo.data.make_input_pipeline`
and Keras' `fit` do on one worker.
"""

import numpy as np
import tensorflow as tf


def split_cpu_into_logical_devices(n=2):
    """Splits the first physical CPU into `n` logical devices; returns their names.

    Must run before TensorFlow initialises its devices (i.e. before any op), so call it
    at the top of a test file. Calling it again with the same `n` is harmless.

    Raises:
      RuntimeError: if TensorFlow was initialised earlier with fewer logical CPUs.
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
    except RuntimeError:  # devices already initialised; check what we got below
        pass
    logical = tf.config.list_logical_devices("CPU")
    if len(logical) < n:
        raise RuntimeError(
                f"{len(logical)} logical CPU device(s) exist but {n} are needed: call "
                f"split_cpu_into_logical_devices({n}) at the top of the test file, before "
                "any TensorFlow op")
    return [d.name for d in logical[:n]]


_STRATEGIES = {}


def mirrored_strategy(num_replicas=2):
    """The process's `MirroredStrategy` over the first `num_replicas` logical CPUs.

    One strategy per device set and process, created on first use: a second
    MirroredStrategy over the same devices reuses collective group and instance keys,
    and the runtime then mixes up the all-reduces of two different models ("Shape
    mismatch in the collective instance ...").
    """
    if num_replicas not in _STRATEGIES:
        devices = split_cpu_into_logical_devices(num_replicas)
        _STRATEGIES[num_replicas] = tf.distribute.MirroredStrategy(devices)
    return _STRATEGIES[num_replicas]


def distribute_batch(strategy, batch):
    """Splits a (nested) global batch into contiguous per-replica slices along axis 0."""
    replicas = strategy.num_replicas_in_sync
    sizes = {int(t.shape[0]) for t in tf.nest.flatten(batch)}
    if len(sizes) != 1 or next(iter(sizes)) % replicas:
        raise ValueError(f"every tensor of the global batch must have the same leading "
                         f"size, divisible by {replicas} replicas; got sizes {sorted(sizes)}")
    local = next(iter(sizes)) // replicas
    batch = tf.nest.map_structure(tf.convert_to_tensor, batch)

    def value_fn(context):
        start = context.replica_id_in_sync_group * local
        return tf.nest.map_structure(lambda t: t[start:start + local], batch)

    return strategy.experimental_distribute_values_from_function(value_fn)


def metric_values(model):
    """{name: float} of the model's metric trackers (aggregated over replicas)."""
    return {m.name: float(m.result()) for m in model.metrics}


def train_steps(model, batches, strategy=None, via_fit=False):
    """Runs one train step per global batch; returns the metrics after each step.

    Args:
      model: a compiled model (built inside `strategy.scope()` when a strategy is given).
      batches: list of global batches (tensors or nested structures).
      strategy: None for the default (one-device) strategy, else the model's strategy.
      via_fit: run the steps through `model.fit` (one step per epoch) instead of calling
        `train_step` under `strategy.run` in a `tf.function`.

    Returns:
      List (one per step) of {metric_name: float}.
    """
    history = []
    if via_fit:
        dataset = tf.data.Dataset.from_tensor_slices(
                tf.nest.map_structure(lambda *t: tf.stack(t), *batches)
                if len(batches) > 1 else tf.nest.map_structure(lambda t: t[None],
                                                                batches[0]))

        for i in range(len(batches)):  # fit resets the trackers at every epoch start
            model.fit(dataset.skip(i).take(1), epochs=1, verbose=0)
            history.append(metric_values(model))
        return history

    if strategy is None:
        step = tf.function(model.train_step)
        for batch in batches:
            for m in model.metrics:
                m.reset_state()
            step(batch)
            history.append(metric_values(model))
        return history

    @tf.function
    def distributed_step(batch):
        strategy.run(model.train_step, args=(batch,))

    for batch in batches:
        for m in model.metrics:
            m.reset_state()
        distributed_step(distribute_batch(strategy, batch))
        history.append(metric_values(model))
    return history


def model_state(model):
    """{label: np.ndarray}: every model weight, optimizer variable and the seed state."""
    state = {}
    for i, v in enumerate(model.weights):
        state[f"weight/{i}/{v.path}"] = np.array(v.numpy())
    optimizers = getattr(model, "optimizers_by_name", None) or {"optimizer": model.optimizer}
    for name, optimizer in optimizers.items():
        for i, v in enumerate(optimizer.variables):
            state[f"{name}/{i}/{v.path}"] = np.array(v.numpy())
    seed_generator = getattr(model, "seed_generator", None)
    if seed_generator is not None:
        state["seed_generator/state"] = np.array(seed_generator.state.numpy())
    return state


def copy_weights(source, target):
    """Copies every model weight and the seed-generator state from source to target."""
    if len(source.weights) != len(target.weights):
        raise ValueError(f"models differ: {len(source.weights)} vs {len(target.weights)} "
                         "weights")
    for s, t in zip(source.weights, target.weights):
        t.assign(s.numpy())
    if getattr(source, "seed_generator", None) is not None:
        target.seed_generator.state.assign(source.seed_generator.state.numpy())


def assert_replicas_agree(make_model, batches, num_replicas=2, rtol=1e-5, atol=1e-6,
                          via_fit=False):
    """Asserts that N replicas match one device on the same global batches.

    Args:
      make_model: zero-argument callable returning a built, compiled model; called once
        under the default strategy and once inside the N-replica strategy's scope.
      batches: list of global batches, one per train step.
      num_replicas: N (logical CPU devices; see `split_cpu_into_logical_devices`).
      rtol, atol: tolerances of `np.testing.assert_allclose`.
      via_fit: drive both runs through `model.fit` instead of `train_step` directly.

    Returns:
      dict with "single" and "multi": (metrics per step, final `model_state`) each.
    """
    single = make_model()
    strategy = mirrored_strategy(num_replicas)
    with strategy.scope():
        multi = make_model()
    copy_weights(single, multi)

    metrics_single = train_steps(single, batches, via_fit=via_fit)
    metrics_multi = train_steps(multi, batches, strategy=strategy, via_fit=via_fit)
    for step, (a, b) in enumerate(zip(metrics_single, metrics_multi)):
        if set(a) != set(b):
            raise AssertionError(f"step {step}: metric keys differ: {sorted(a)} vs {sorted(b)}")
        for key in a:
            np.testing.assert_allclose(b[key], a[key], rtol=rtol, atol=atol,
                                       err_msg=f"metric {key!r} at step {step}")
    state_single, state_multi = model_state(single), model_state(multi)
    if len(state_single) != len(state_multi):
        raise AssertionError(f"state sizes differ: {len(state_single)} vs {len(state_multi)}")
    for (ka, a), (kb, b) in zip(state_single.items(), state_multi.items()):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol,
                                   err_msg=f"{ka} (N replicas: {kb})")
    return {"single": (metrics_single, state_single), "multi": (metrics_multi, state_multi)}


MODES = ("eager", "graph", "xla")


def run_in_mode(fn, mode, *args):
    """`fn(*args)` eagerly, in a `tf.function` ("graph"), or compiled by XLA ("xla")."""
    if mode == "eager":
        return fn(*args)
    return tf.function(fn, jit_compile=(mode == "xla"))(*args)


def assert_modes_agree(fn, args, rtol, dtype=None):
    """`fn(*args)` (a tuple of tensors) gives the same values in every mode of `MODES`.

    With `dtype`, every output must also have that dtype. Returns the eager outputs.
    """
    results = [run_in_mode(fn, mode, *args) for mode in MODES]
    for mode, result in zip(MODES[1:], results[1:]):
        for got, expected in zip(result, results[0]):
            if dtype is not None:
                assert got.dtype == tf.as_dtype(dtype), (mode, got.dtype)
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol,
                                       err_msg=mode)
    return results[0]


def numpy_sliced_w2_squared(x, y, theta):
    """Per-direction W_2² [L] between equal-size clouds x, y [n, d] along the columns of
    theta [d, L]: the mean of squared differences of the sorted projections (float64
    oracle of the SW generators' loss)."""
    return np.mean((np.sort(x @ theta, axis=0) - np.sort(y @ theta, axis=0)) ** 2, axis=0)


def numpy_control_variate_sw2(x, y, theta, control_variate):
    """CV-SW_2² = W_bar - gamma (G_bar - E G) along theta, the Gaussian control variate of
    Nguyen & Ho (ICLR 2024): "lower" G = <m_x - m_y, theta>², "upper" adds both clouds'
    projected covariances; gamma is the regression slope of W on G over the L
    directions."""
    w = numpy_sliced_w2_squared(x, y, theta)
    d = x.shape[1]
    gap = x.mean(0) - y.mean(0)
    g, mean_g = (gap @ theta) ** 2, gap @ gap / d
    if control_variate == "upper":
        for cov in (np.cov(x, rowvar=False, bias=True), np.cov(y, rowvar=False, bias=True)):
            g = g + np.einsum("il,ij,jl->l", theta, cov, theta)
            mean_g = mean_g + np.trace(cov) / d
    centred = g - mean_g
    gamma = np.mean((w - w.mean()) * centred) / np.mean(centred ** 2)
    return w.mean() - gamma * centred.mean()


def numpy_slicing_estimate(slicing, x, y, theta):
    """The SW_2² estimate that `slicing` (otzoo.models.swgan.SLICINGS) computes on the
    directions theta: the control variates for "control_variate_*", else the mean."""
    if slicing.startswith("control_variate"):
        return numpy_control_variate_sw2(x, y, theta, slicing.rsplit("_", 1)[1])
    return numpy_sliced_w2_squared(x, y, theta).mean()
