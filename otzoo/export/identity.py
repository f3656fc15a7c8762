"""Whether two SavedModel directories serve the same thing: same weights, same program.

Two versions are the same when
  * their variables hold the same tensors, byte for byte (the checkpoint bundle read
    key by key: same keys, dtypes, shapes and bytes; so -0.0 differs from 0.0 and a NaN
    equals only the same NaN), and
  * their `saved_model.pb` describe the same program once names that only count traces
    are set aside: TensorFlow numbers every traced function and some ops per process
    (`__inference_sample_594` in one export, `__inference_sample_1577` in the next of
    the same process; `generator_1/...` scopes; `_user_specified_name` argument tags), so
    the protos are compared as text with every `_<digits>` dropped and the function
    library as a sorted list. The `config_proto` attribute of function calls is left
    out too: it is the tracing process's session config (a process with two logical
    CPUs writes `device_count {CPU: 2}`), not the model's, and the server uses its own.
    Every op, other attribute, constant (the request cap, error messages), signature,
    dtype and shape still counts.
Model cards, warmup records and timestamps are not compared: they describe a version,
they are not what it serves. Across processes an identical retrain writes identical
bytes anyway; the normalisation is what makes the check hold within one process too.
"""

import os
import re

import numpy as np
import tensorflow as tf
from google.protobuf import text_format
from google.protobuf.message import DecodeError
from tensorflow.core.protobuf import saved_model_pb2

_TRACE_NUMBER = re.compile(r"_\d+")
# Names the trace counter decorates, and the tracing process's session config: not what
# the model computes (see the module docstring).
_VOLATILE_ARG_ATTRS = ("_user_specified_name",)
_VOLATILE_NODE_ATTRS = ("config_proto",)
# The checkpoint's object graph names objects by path; the SavedModel's object graph
# (compared through saved_model.pb) holds the same structure.
_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def _variables(export_dir):
    """{checkpoint key: (dtype, shape, bytes)} of a SavedModel's variables."""
    prefix = os.path.join(export_dir, "variables", "variables")
    reader = tf.train.load_checkpoint(prefix)
    tensors = {}
    for key in reader.get_variable_to_dtype_map():
        if key == _OBJECT_GRAPH_KEY:
            continue
        value = np.asarray(reader.get_tensor(key))
        tensors[key] = (str(value.dtype), value.shape,
                        value.tobytes() if value.dtype != object else repr(value.tolist()))
    return tensors


def _drop(holders, keys):
    """Deletes the attributes `keys` from every proto in `holders` (each has an `attr`)."""
    for holder in holders:
        for key in keys:
            if key in holder.attr:
                del holder.attr[key]


def program_text(export_dir):
    """`saved_model.pb` as text without trace numbering: (graph and objects, functions)."""
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    functions = []
    for meta_graph in saved_model.meta_graphs:
        library = meta_graph.graph_def.library
        _drop(meta_graph.graph_def.node, _VOLATILE_NODE_ATTRS)
        for function in library.function:
            _drop(function.arg_attr.values(), _VOLATILE_ARG_ATTRS)
            _drop(function.node_def, _VOLATILE_NODE_ATTRS)
            functions.append(_TRACE_NUMBER.sub("", text_format.MessageToString(function)))
        del library.function[:]
    return _TRACE_NUMBER.sub("", text_format.MessageToString(saved_model)), sorted(functions)


def same_export(a, b):
    """True when SavedModel directories `a` and `b` hold equal variables and programs.

    False, not an error, when either cannot be read (a damaged or foreign version is not
    one an export can repeat).
    """
    try:
        return _variables(a) == _variables(b) and program_text(a) == program_text(b)
    except (OSError, tf.errors.OpError, DecodeError):
        return False
