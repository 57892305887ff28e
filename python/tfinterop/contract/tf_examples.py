"""Serialized tf.Example strings for a signature input that the graph parses (ParseExample, ParseExampleV2: what
`classify` and `regress` signatures take, TensorFlow's half_plus_two among them), so that inputs synthesized from
the signature are ones the model can run: every feature the parse op names, of its dtype and shape, from the graph
itself (read with the SavedModel reader, no TensorFlow); the protobuf encoded here.

    feature_spec(graph_def, tensor_name)   [(key, dtype name, values per example)] or None (not parsed)
    serialized_examples(spec, n, rng)      n Examples as a numpy bytes array
"""

import struct

import numpy as np

from tfinterop.savedmodel import reader as savedmodel
from tfinterop.savedmodel.wire import encode_varint

PARSE_OPS = {"ParseExample", "ParseExampleV2"}


def feature_spec(graph_def, tensor_name: str):
    """The features a parse op reading `tensor_name` (directly or through Identity nodes) expects, or None."""
    nodes = {n.name: n for n in graph_def.node}
    frontier, parse = [tensor_name.split(":")[0]], None
    while frontier and parse is None:
        name = frontier.pop()
        for node in graph_def.node:
            if any(i.split(":")[0] == name for i in node.input if not i.startswith("^")):
                if node.op in PARSE_OPS and node.input[0].split(":")[0] == name:
                    parse = node
                    break
                if node.op == "Identity":
                    frontier.append(node.name)
    if parse is None:
        return None
    attr = parse.attr
    dense_types = list(attr["Tdense"].list.type)
    shapes = [savedmodel.shape_of(s) or [] for s in attr["dense_shapes"].list.shape]
    if parse.op == "ParseExample":
        n_sparse, n_dense = attr["Nsparse"].i, attr["Ndense"].i
        sparse_keys = [_string(nodes, i) for i in parse.input[2:2 + n_sparse]]
        dense_keys = [_string(nodes, i) for i in parse.input[2 + n_sparse:2 + n_sparse + n_dense]]
    else:                                        # ParseExampleV2: each group of keys is one string vector
        sparse_keys, dense_keys = _strings(nodes, parse.input[2]), _strings(nodes, parse.input[3])
    sparse_types = list(attr["sparse_types"].list.type)
    if None in sparse_keys + dense_keys:
        return None                              # keys computed at run time: nothing to build them from
    spec = [(k, savedmodel.dtype_name(t), int(np.prod([d if d > 0 else 1 for d in s], dtype=np.int64)))
            for k, t, s in zip(dense_keys, dense_types, shapes)]
    return spec + [(k, savedmodel.dtype_name(t), 1) for k, t in zip(sparse_keys, sparse_types)]


def _const(nodes, ref):
    node = nodes.get(ref.split(":")[0])
    while node is not None and node.op == "Identity":
        node = nodes.get(node.input[0].split(":")[0])
    return node.attr["value"].tensor if node is not None and node.op == "Const" else None


def _string(nodes, ref):
    tensor = _const(nodes, ref)
    return tensor.string_val[0].decode() if tensor is not None and tensor.string_val else None


def _strings(nodes, ref) -> list:
    tensor = _const(nodes, ref)
    return [s.decode() for s in tensor.string_val] if tensor is not None else [None]


def serialized_examples(spec, n: int, rng) -> np.ndarray:
    """n tf.Example protos with every feature of `spec`: floats in [0, 1), integers in [0, 10), short strings."""
    out = []
    for _ in range(n):
        features = b""
        for key, dtype, count in spec:
            if dtype == "DT_FLOAT":
                feature = _field(2, _field(1, struct.pack(f"<{count}f", *rng.rand(count))))
            elif dtype == "DT_INT64":
                feature = _field(3, _field(1, b"".join(encode_varint(int(v)) for v in rng.randint(0, 10, count))))
            else:
                feature = _field(1, b"".join(_field(1, b"x%d" % v) for v in rng.randint(0, 100, count)))
            features += _entry(key, feature)
        # numpy's bytes arrays drop trailing NULs (an int64 0 ends its varint with one): a last feature the parse
        # ops ignore (they read the keys they name) keeps every string ending in b"x".
        features += _entry(TAIL, _field(1, _field(1, b"x")))
        out.append(_field(1, features))                                              # Example.features
    return np.array(out, dtype=np.bytes_)


TAIL = "_tfinterop_end"


def _entry(key: str, feature: bytes) -> bytes:
    """An entry of Features.feature (a map<string, Feature>)."""
    return _field(1, _field(1, key.encode()) + _field(2, feature))


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload
