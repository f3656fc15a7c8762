"""Exact, differentiable sorting along the last axis: the cost centre of 1-D OT on CPU.

Every sliced distance sorts L rows of n projected values; the matmul is cheap, the sort
is not (see /work/shared/notes/perf-findings.md). Two facts shape this module:

* Under XLA, `tf.sort` / `tf.argsort` lower to XLA's TopK, a two-operand sort with a
  float comparator (~50-110 ns per element on an idle 2-core CPU here). A plain XLA
  sort (`XlaSort`) of *integer keys* is 2-4x faster (measured in
  benchmarks/ot_bench.py with `--sorts=int_keys,float`). Floats are mapped to integers
  whose order is the float order: bitcast float32 -> int32 and, for negative numbers
  (sign bit set), flip the 31 non-sign bits; the map is its own inverse, so the sorted
  floats are recovered bit-exactly (values are identical to `tf.sort`).
* The gradient of a sort is a scatter through the sorting permutation. To get the
  permutation from the same single sort, the int32 key and the column index are packed
  into one int64 (key << 32 | index): sorting the packed keys orders by key, then by
  index (a stable sort), and both halves are unpacked afterwards.

Outside XLA (eager and plain `tf.function`), TensorFlow's own CPU sort is `TopKV2` (an
indirect sort of indices: 15-25% more CPU time than XLA's sort of the same integer keys,
which is `std::sort` with `std::less`, at L = 1000, n = 1024). Large sorts of statically
known shape are therefore compiled with XLA there too, as one small XLA computation per
chunk of rows: XLA runs one computation on one thread (two sorts inside one XLA program
did not overlap), but separate computations are separate TensorFlow ops, which the
executor runs concurrently on its inter-op threads. Small or dynamically shaped sorts
keep `TopKV2` on the same integer keys (bitwise NOT turns its descending order into
ascending without integer overflow): each XLA launch has a fixed cost and each new shape
a compilation. The old TopKV2-only path stays selectable as "int_keys_topk". Every path
returns the same bits (integer order is total and packed keys are unique).

The "numpy" implementation (selectable, not the default) sorts the same int32 keys, or
the same packed int64 keys, with `np.sort` inside `tf.numpy_function` outside XLA.
NumPy (2.4 here) sorts integers with AVX-512 (x86-simd-sort) where the CPU has it, and
XLA's CPU sort is a single-threaded `std::sort`: for [1000, 1024] float32 values in a
plain `tf.function` (medians, a training on the other core), the sort with permutation
took 7.8 ms instead of 34 ms and the keys-only sort 3.9 ms instead of 33 ms. The sorted
floats come back through the same key map and the permutation from the same low 32
bits, so the bits equal "int_keys". It does not apply, and the "int_keys" path is taken
instead, inside an XLA context (XLA cannot compile a `numpy_function`; the backward
pass of a compiled function is compiled too) and for the float64 permutation (no
packed key; the keys-only float64 sort does use np.sort on int64 keys). A graph that
holds a `numpy_function` runs only in the Python process that traced it: a SavedModel
signature that sorts must be traced with another implementation.

When a gradient tape watches the values at trace time (a tape inside the compiled
function, as in a Keras `train_step`, or eager execution), the forward pass keeps the
permutation for the backward pass. Otherwise (no tape, or a tape outside the compiled
function, or a tensor that needs no gradient, such as the data side of a generator
loss) the forward pass sorts keys only, which is cheaper, and the backward pass, if it
is ever requested, recomputes the permutation.

float64 inputs use the same integer trick for values (int64 keys) but `tf.argsort` for
the permutation (an int64 key leaves no room for the index); float64 is for tests and
oracles, not for speed. `float16`/`bfloat16` are upcast to float32 for sorting.

This module reaches into TensorFlow internals (the tf2xla `XlaSort` wrapper, the eager
`record` module, `control_flow_util`); they are pinned by requirements.lock. If they
move in a future TensorFlow, the import falls back to plain `tf.sort` (same values,
slower) instead of breaking every sliced distance.
"""

import contextlib
import os

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import ops

try:
    from tensorflow.compiler.tf2xla.python import xla
    from tensorflow.python.eager import record
    from tensorflow.python.ops import control_flow_util
    _INTERNALS = True
except ImportError:  # pragma: no cover - only on an unexpected TensorFlow layout
    _INTERNALS = False

# "int_keys" (default), "int_keys_topk" (int_keys without the XLA chunks outside XLA),
# "numpy" (int_keys with np.sort outside XLA) or "float" (tf.sort / tf.argsort on the
# floats directly); the alternatives are kept for benchmarks and for tests that all
# give identical values.
IMPLEMENTATIONS = ("int_keys", "int_keys_topk", "numpy", "float")
_IMPLEMENTATION = ["int_keys" if _INTERNALS else "float"]

# Outside XLA, sorts of at least this many elements go through XLA chunks (below it
# the launch overhead, ~0.1 ms, exceeds the saving).
_XLA_CHUNKS_MIN_ELEMENTS = 1 << 15
# One chunk per core, but no chunk smaller than this many elements.
_XLA_CHUNK_MIN_ELEMENTS = 1 << 14
# The same for np.sort ("numpy"); None: one np.sort call. np.sort releases the GIL and
# two chunks did run concurrently, but with a training on the other core they were
# not faster (L = 1000, n = 1024: 8.5 ms against 7.8 ms with permutation, 3.9 ms
# either way without), so chunking is off until a quiet benchmark says otherwise.
# Chunks are no smaller than _XLA_CHUNK_MIN_ELEMENTS.
_NUMPY_CHUNKS_MIN_ELEMENTS = None


@contextlib.contextmanager
def implementation(name):
    """Temporarily selects the sort implementation (one of `IMPLEMENTATIONS`).

    The choice is read at trace time: re-trace (a new `tf.function`) after switching.
    """
    if name not in IMPLEMENTATIONS:
        raise ValueError(f"unknown sort implementation {name!r}; expected one of "
                         f"{', '.join(IMPLEMENTATIONS)}")
    if name != "float" and not _INTERNALS:
        raise ValueError(f"the {name!r} sort needs TensorFlow internals that this "
                         "TensorFlow version does not provide")
    previous = _IMPLEMENTATION[0]
    _IMPLEMENTATION[0] = name
    try:
        yield
    finally:
        _IMPLEMENTATION[0] = previous


def in_xla_context():
    """True while tracing for XLA (`tf.function(jit_compile=True)`, Keras jit)."""
    if tf.executing_eagerly() or not _INTERNALS:
        return False
    return control_flow_util.GraphOrParentsInXlaContext(ops.get_default_graph())


def _flip(keys, sign_shift, magnitude_mask):
    """The involution that maps IEEE float bits to order-preserving signed ints."""
    negative_mask = tf.bitwise.bitwise_and(tf.bitwise.right_shift(keys, sign_shift),
                                           magnitude_mask)
    return tf.bitwise.bitwise_xor(keys, negative_mask)


def _to_keys(values):
    if values.dtype == tf.float32:
        return _flip(tf.bitcast(values, tf.int32), 31, 0x7FFFFFFF)
    if values.dtype == tf.float64:
        return _flip(tf.bitcast(values, tf.int64), 63, 0x7FFFFFFFFFFFFFFF)
    raise TypeError(f"unsupported dtype {values.dtype}")


def _from_keys(keys):
    if keys.dtype == tf.int32:
        return tf.bitcast(_flip(keys, 31, 0x7FFFFFFF), tf.float32)
    return tf.bitcast(_flip(keys, 63, 0x7FFFFFFFFFFFFFFF), tf.float64)


def _pack(keys):
    """int32 keys [..., n] -> unique int64 keys (key << 32 | column index)."""
    index = tf.range(tf.shape(keys)[-1], dtype=tf.int64)
    return tf.bitwise.bitwise_or(tf.bitwise.left_shift(tf.cast(keys, tf.int64), 32),
                                 index)


def _unpack(packed):
    """Sorted packed keys -> (sorted int32 keys, int32 permutation)."""
    return (tf.cast(tf.bitwise.right_shift(packed, 32), tf.int32),
            tf.cast(tf.bitwise.bitwise_and(packed, 0xFFFFFFFF), tf.int32))


def _xla_argsort_int32(keys):
    """XLA: (sorted keys, permutation) of int32 keys from one int64 sort."""
    return _unpack(xla.sort(_pack(keys)))


def _np_sort_rows(keys):
    return np.sort(keys, axis=-1)


def _np_pack_and_sort_rows(keys):
    # The same packed keys as `_pack`, built in NumPy: the int64 array is then a fresh
    # one that can be sorted in place (np.sort would copy it once more); ~1 ms less
    # than packing in TensorFlow at L = 1000, n = 1024.
    packed = keys.astype(np.int64)
    packed <<= 32
    packed |= np.arange(keys.shape[-1], dtype=np.int64)
    packed.sort(axis=-1)
    return packed


def _numpy_op(fn, keys, dtype):
    # Stateless: equal inputs give equal outputs, so TensorFlow may reuse or prune it.
    result = tf.numpy_function(fn, [keys], dtype, stateful=False, name="numpy_sort")
    result.set_shape(keys.shape)  # numpy_function forgets every static dimension
    return result


def _numpy_sort(keys):
    """np.sort of integer keys along the last axis, as a TensorFlow op (not in XLA)."""
    return _numpy_op(_np_sort_rows, keys, keys.dtype)


def _numpy_argsort_int32(keys):
    """(sorted keys, permutation) of int32 keys from one np.sort of packed keys."""
    return _unpack(_numpy_op(_np_pack_and_sort_rows, keys, tf.int64))


if _INTERNALS:
    # Traced once per chunk shape and dtype; compiled on first use.
    _xla_sort_fn = tf.function(xla.sort, jit_compile=True, autograph=False)
    _xla_argsort_fn = tf.function(_xla_argsort_int32, jit_compile=True,
                                  autograph=False)


def _row_chunks(keys, min_elements, min_chunk_elements):
    """Row chunk sizes (one per core) of a statically shaped [..., n] sort, or None."""
    if not keys.shape.is_fully_defined() or keys.shape.rank == 0:
        return None
    size = keys.shape.num_elements()
    if size < min_elements:
        return None
    rows = size // max(keys.shape[-1], 1)
    count = max(1, min(os.cpu_count() or 1, rows, size // min_chunk_elements))
    # Equal chunks where possible (one compiled shape), the remainder in the first.
    sizes = [rows // count] * count
    sizes[0] += rows - sum(sizes)
    return sizes


def _xla_chunks(keys):
    """Row chunks of a statically shaped [..., n] sort worth compiling, else None."""
    if _IMPLEMENTATION[0] != "int_keys":
        return None
    return _row_chunks(keys, _XLA_CHUNKS_MIN_ELEMENTS, _XLA_CHUNK_MIN_ELEMENTS)


def _numpy_chunks(keys):
    """Row chunks for concurrent np.sort calls, or None for a single call."""
    if _NUMPY_CHUNKS_MIN_ELEMENTS is None:
        return None
    return _row_chunks(keys, _NUMPY_CHUNKS_MIN_ELEMENTS, _XLA_CHUNK_MIN_ELEMENTS)


def _numpy_in_chunks(fn, keys):
    sizes = _numpy_chunks(keys)
    return fn(keys) if sizes is None else _in_chunks(fn, keys, sizes)


def _in_chunks(fn, keys, sizes):
    """fn applied to row chunks of keys [..., n], results concatenated back."""
    if tf.executing_eagerly():
        # Eager calls would run the chunks one after the other; one graph runs them
        # concurrently.
        return _in_chunks_graph(fn, keys, tuple(sizes))
    return _in_chunks_body(fn, keys, sizes)


def _in_chunks_body(fn, keys, sizes):
    flat = tf.reshape(keys, [-1, keys.shape[-1]])
    parts = [fn(chunk) for chunk in tf.split(flat, sizes)] if len(sizes) > 1 \
        else [fn(flat)]
    if isinstance(parts[0], tf.Tensor):
        return tf.reshape(tf.concat(parts, 0), keys.shape)
    return tuple(tf.reshape(tf.concat(list(column), 0), keys.shape)
                 for column in zip(*parts))


_in_chunks_graph = tf.function(_in_chunks_body, autograph=False)


def _sort_int_keys(keys):
    """Ascending sort of integer keys along the last axis (no permutation)."""
    if in_xla_context():
        return xla.sort(keys)
    if _IMPLEMENTATION[0] == "numpy":
        return _numpy_in_chunks(_numpy_sort, keys)
    sizes = _xla_chunks(keys)
    if sizes is not None:
        return _in_chunks(_xla_sort_fn, keys, sizes)
    # TopKV2 sorts in descending order; bitwise NOT reverses the integer order.
    size = tf.shape(keys)[-1]
    return tf.bitwise.invert(tf.math.top_k(tf.bitwise.invert(keys), k=size).values)


def _argsort_int_keys(keys):
    """(sorted keys, permutation) of integer keys along the last axis."""
    size = tf.shape(keys)[-1]
    if not in_xla_context():
        if _IMPLEMENTATION[0] == "numpy" and keys.dtype == tf.int32:
            return _numpy_in_chunks(_numpy_argsort_int32, keys)
        sizes = _xla_chunks(keys) if keys.dtype == tf.int32 else None
        if sizes is not None:
            return _in_chunks(_xla_argsort_fn, keys, sizes)
        top = tf.math.top_k(tf.bitwise.invert(keys), k=size)
        return tf.bitwise.invert(top.values), top.indices
    if keys.dtype == tf.int32:
        return _xla_argsort_int32(keys)
    permutation = tf.argsort(keys, axis=-1, stable=True)
    return tf.gather(keys, permutation, batch_dims=keys.shape.rank - 1), permutation


def _values_and_permutation(values):
    """Non-differentiable (sorted values, permutation)."""
    if _IMPLEMENTATION[0] == "float":
        permutation = tf.argsort(values, axis=-1, stable=True)
        return tf.gather(values, permutation, batch_dims=values.shape.rank - 1), \
            permutation
    keys, permutation = _argsort_int_keys(_to_keys(values))
    return _from_keys(keys), permutation


def _values_only(values):
    if _IMPLEMENTATION[0] == "float":
        return tf.sort(values, axis=-1)
    return _from_keys(_sort_int_keys(_to_keys(values)))


def _unsort(gradient, permutation):
    """Scatters a gradient w.r.t. sorted values back to the unsorted positions."""
    shape = tf.shape(gradient)
    size = shape[-1]
    rows = tf.reshape(permutation, [-1, size])
    offsets = tf.range(tf.shape(rows)[0], dtype=rows.dtype)[:, None] * size
    flat_index = tf.reshape(rows + offsets, [-1])
    # A permutation has no repeated index, so the segment sum is an assignment. On the
    # CPU it is ~5x faster than tf.scatter_nd outside XLA (and as fast inside).
    scattered = tf.math.unsorted_segment_sum(tf.reshape(gradient, [-1]), flat_index,
                                             tf.size(gradient, out_type=rows.dtype))
    return tf.reshape(scattered, shape)


@tf.custom_gradient
def _sort_and_permutation(values):
    sorted_values, permutation = _values_and_permutation(values)

    def grad(upstream, unused_upstream_permutation=None):
        return _unsort(upstream, permutation)

    return (sorted_values, permutation), grad


@tf.custom_gradient
def _sort_recompute_permutation(values):
    sorted_values = _values_only(values)

    def grad(upstream):
        _, permutation = _values_and_permutation(values)
        return _unsort(upstream, permutation)

    return sorted_values, grad


def _upcast(values):
    values = tf.convert_to_tensor(values)  # reads variables (recorded on tapes)
    if values.dtype in (tf.float32, tf.float64):
        return values, None
    return tf.cast(values, tf.float32), values.dtype


def sort(values):
    """Sorts along the last axis (ascending); exact and differentiable.

    Args:
      values: float tensor [..., n].

    Returns:
      The sorted tensor, same shape and dtype; its gradient scatters back through the
      sorting permutation.
    """
    values, original_dtype = _upcast(values)
    if not _INTERNALS or record.should_record_backprop([values]):
        result = _sort_and_permutation(values)[0]
    else:
        result = _sort_recompute_permutation(values)
    return result if original_dtype is None else tf.cast(result, original_dtype)


def sort_with_permutation(values):
    """Sorts along the last axis and also returns the permutation.

    Args:
      values: float tensor [..., n].

    Returns:
      (sorted_values, permutation): the sorted values (differentiable, as `sort`) and
      the int32 indices with `sorted_values == gather(values, permutation)` row-wise.
    """
    values, original_dtype = _upcast(values)
    result, permutation = _sort_and_permutation(values)
    result = result if original_dtype is None else tf.cast(result, original_dtype)
    return result, tf.stop_gradient(permutation)
