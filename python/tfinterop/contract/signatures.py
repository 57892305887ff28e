"""Calls by signature, checked before any runtime sees them, with one set of errors for every adapter and the
same rules and error kinds as the Java library (org.tfinterop.SignatureInfo): a SignatureDef (read with the
SavedModel reader, no TensorFlow) picks the inputs, their dtypes and shapes, and the outputs.

    meta_graph(model, tags)          the MetaGraphDef with that tag-set
    choose_signature(keys, wanted)   the key to call: `wanted`, else serving_default, else the only one
    check_inputs(signature, inputs)  {tensor name: array}, every key present, no extra, dtype and shape right
    output_tensors(signature, keys)  {output key: tensor name} for the requested keys (None: all)
    prepare_call(meta_graph, ...)    all three, as every adapter's run() starts
    resolve(signatures, key, ...)    one input and one output key of a signature, resolved to tensor names
                                     (a key may be left out when the signature has only one)
    Inputs                           what a call is made with, as one value: given arrays and where they came
                                     from, or how to synthesize them from the signature (synthesize())

Integers of another width are accepted only when every value fits (no silent wrap-around); every other
dtype must be the signature's exactly. Strings are numpy bytes arrays (dtype 'S'), since an .npz cannot
hold Python objects without pickle.
"""

from dataclasses import dataclass

import numpy as np

from tfinterop.contract import gather_bounds, tf_examples
from tfinterop.core import defaults
from tfinterop.core.errors import (InvalidInputError, SignatureKeyNotFoundError, SignatureNotFoundError,
                                   TagSetNotFoundError, UnsupportedDataTypeError)
from tfinterop.savedmodel import reader as savedmodel

DEFAULT_SIGNATURE = "serving_default"
# DataType -> numpy dtype, for the dtypes every consumer is meant to speak (strings are bytes, 'S').
NUMPY = {"DT_FLOAT": np.float32, "DT_DOUBLE": np.float64, "DT_INT32": np.int32, "DT_INT64": np.int64,
         "DT_UINT8": np.uint8, "DT_BOOL": np.bool_, "DT_INT8": np.int8, "DT_INT16": np.int16,
         "DT_UINT16": np.uint16, "DT_HALF": np.float16, "DT_STRING": np.bytes_}


def choose_signature(keys, wanted=None, tags=()) -> str:
    keys = sorted(keys)
    where = f"the MetaGraphDef with tag-set [{', '.join(tags)}]"
    if wanted is not None:
        if wanted not in keys:
            raise SignatureNotFoundError(f"{where} has no signature {wanted!r}; its signatures: "
                                         f"{', '.join(keys) or '(none)'}")
        return wanted
    callable_keys = [k for k in keys if not k.startswith("__")]     # __saved_model_init_op is not a model call
    if DEFAULT_SIGNATURE in callable_keys:
        return DEFAULT_SIGNATURE
    if len(callable_keys) == 1:
        return callable_keys[0]
    raise SignatureNotFoundError(f"{where} has {len(callable_keys)} signatures and none is {DEFAULT_SIGNATURE!r}; "
                                 f"name one with --signature: {', '.join(callable_keys) or '(none)'}")


def numpy_dtype(info):
    name = savedmodel.dtype_name(info.dtype)
    if name not in NUMPY:
        raise UnsupportedDataTypeError(f"tensor {info.name!r} is {name}; supported: {', '.join(sorted(NUMPY))}")
    return np.dtype(NUMPY[name])


def dtype_label(info) -> str:
    """A signature tensor's dtype as the runtimes' capability lists name it: numpy's name ("bytes" for strings), or
    the DataType's own for one no runtime crosses ("DT_VARIANT")."""
    name = savedmodel.dtype_name(info.dtype)
    return np.dtype(NUMPY[name]).name if name in NUMPY else name


def check_inputs(signature, inputs: dict, key: str) -> dict:
    """{tensor name: array} for the signature's inputs; raises InvalidInputError saying what was expected."""
    want, given = sorted(signature.inputs), sorted(inputs)
    missing, extra = [k for k in want if k not in inputs], [k for k in given if k not in signature.inputs]
    if missing or extra:
        said = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown {', '.join(extra)}"] if extra else [])
        raise InvalidInputError(f"signature {key!r} takes the inputs {', '.join(want)}; {'; '.join(said)}")
    feeds = {}
    for k in want:
        info = signature.inputs[k]
        if not info.name:
            raise InvalidInputError(f"signature {key!r} input {k!r} is a composite tensor (no single tensor name); "
                                    f"only dense tensors are supported")
        feeds[info.name] = _conform(k, inputs[k], numpy_dtype(info), savedmodel.shape_of(info.tensor_shape))
    return feeds


def output_tensors(signature, output_keys, key: str) -> dict:
    have = sorted(signature.outputs)
    keys = have if output_keys is None else list(output_keys)
    unknown = [k for k in keys if k not in signature.outputs]
    if unknown:
        raise SignatureKeyNotFoundError(f"signature {key!r} has no output {', '.join(map(repr, unknown))}; its output "
                                        f"keys: {', '.join(have) or '(none)'}")
    return {k: signature.outputs[k].name for k in keys}


def _conform(key, x, dtype, shape):
    what = f"input {key!r} expects {dtype.name if dtype.kind != 'S' else 'bytes (string)'} {_shape(shape)}"
    if not isinstance(x, np.ndarray) or x.dtype.hasobject:
        raise InvalidInputError(f"{what}; got {type(x).__name__ if not isinstance(x, np.ndarray) else 'an object array'}")
    if dtype.kind == "S":
        if x.dtype.kind != "S":
            raise InvalidInputError(f"{what}; got {x.dtype} (strings travel as numpy bytes, dtype 'S')")
    elif dtype.kind in "iu" and x.dtype.kind in "iu" and x.dtype != dtype:
        info = np.iinfo(dtype)
        bad = np.flatnonzero((x < info.min) | (x > info.max)) if x.size else []
        if len(bad):
            at = tuple(int(i) for i in np.unravel_index(bad[0], x.shape))
            raise InvalidInputError(f"{what}; got {x.dtype} with {len(bad)} value(s) outside {dtype.name}'s range, "
                                    f"the first {x[at]} at {list(at)}")
        x = x.astype(dtype)
    elif x.dtype != dtype:
        got = f"string ({x.dtype})" if x.dtype.kind in "US" else str(x.dtype)
        raise InvalidInputError(f"{what}; got {got}")
    if shape is not None and (len(shape) != x.ndim or any(d >= 0 and d != n for d, n in zip(shape, x.shape))):
        raise InvalidInputError(f"{what}; got shape {list(x.shape)}")
    return x if x.flags.c_contiguous else x.copy(order="C")   # np.ascontiguousarray makes a scalar [1]


def _shape(shape) -> str:
    return "<unknown rank>" if shape is None else "[" + ", ".join("?" if d < 0 else str(d) for d in shape) + "]"


def prepare_call(meta_graph, signature_key, inputs: dict, output_keys, tags):
    """What every adapter's run() does first: (key, SignatureDef, {tensor name: array}, {output key: tensor
    name}) for a call of `meta_graph`'s signature, everything checked before a runtime sees it."""
    key = choose_signature(meta_graph.signature_def, signature_key, tags)
    signature = meta_graph.signature_def[key]
    return key, signature, check_inputs(signature, inputs, key), output_tensors(signature, output_keys, key)


def meta_graph(model, tags):
    """The MetaGraphDef of a read SavedModel with exactly this tag-set (as a set)."""
    for mg in model.meta_graphs:
        if sorted(set(mg.meta_info_def.tags)) == sorted(set(tags)):
            return mg
    raise TagSetNotFoundError(f"no MetaGraphDef with tag-set [{', '.join(tags)}]; the tag-sets it has: "
                              + " ".join("[" + ", ".join(t) + "]" for t in savedmodel.tag_sets(model)))


def signature_tensors(meta_graph_def):
    """{signature key: ({input key: tensor name}, {output key: tensor name})} of a MetaGraphDef protobuf."""
    return {key: ({k: t.name for k, t in sig.inputs.items()}, {k: t.name for k, t in sig.outputs.items()})
            for key, sig in meta_graph_def.signature_def.items()}


def resolve(signatures, key, input_key, output_key, tags):
    """(input tensor name, output tensor name) for signature `key`; input_key/output_key None = the only one."""
    input_key, output_key = resolve_keys(signatures, key, input_key, output_key, tags)
    inputs, outputs = signatures[key]
    return _dense(key, "input", inputs, input_key), _dense(key, "output", outputs, output_key)


def resolve_keys(signatures, key, input_key, output_key, tags):
    """(input key, output key) of signature `key`; input_key/output_key None = the only one."""
    if key not in signatures:
        have = sorted(signatures)
        raise SignatureNotFoundError(f"the MetaGraphDef with tag-set [{', '.join(tags)}] has no signature {key!r}; "
                                     f"its signatures: {', '.join(have) or '(none)'}")
    inputs, outputs = signatures[key]
    return _one(key, "input", inputs, input_key), _one(key, "output", outputs, output_key)


def _one(key, role, tensors, wanted):
    have = sorted(tensors)
    listed = ", ".join(have) or "(none)"
    if wanted is None:
        if len(have) != 1:
            raise SignatureKeyNotFoundError(f"signature {key!r} has {len(have)} {role}s, so name one with its {role} "
                                            f"key; its {role} keys: {listed}")
        wanted = have[0]
    if wanted not in tensors:
        raise SignatureKeyNotFoundError(f"signature {key!r} has no {role} {wanted!r}; its {role} keys: {listed}")
    return wanted


def _dense(key, role, tensors, wanted):
    if not tensors[wanted]:
        raise InvalidInputError(f"signature {key!r} {role} {wanted!r} is a composite tensor (no single tensor name); "
                                f"only dense tensors are supported")
    return tensors[wanted]


@dataclass(frozen=True)
class Inputs:
    """What a model is called with, as one value: the arrays a user gave ({input key: array}) and where they came
    from, or, when none were given, how to synthesize them from each signature (unknown dimensions = examples,
    values from seed)."""
    arrays: dict | None = None
    source: str = ""
    examples: int = defaults.EXAMPLES
    seed: int = defaults.SEED
    by_signature: tuple = ()          # ((signature key, Inputs), ...): what the named signatures are called with

    def for_key(self, key: str) -> "Inputs":
        """The inputs signature `key` is called with: its own, where given, else these."""
        return dict(self.by_signature).get(key, self)

    @classmethod
    def read(cls, path, what="--inputs") -> "Inputs":
        """The arrays of an .npz, by input key, with the file as their source."""
        from tfinterop.contract.arrays import read_npz
        return cls(read_npz(path, what), str(path))

    @property
    def synthesized(self) -> bool:
        return self.arrays is None

    def describe(self) -> str:
        if self.synthesized:
            return f"synthesized from the signature: {self.examples} example(s), seed {self.seed}"
        return self.source or "the inputs given"

    def for_signature(self, signature, key: str, its_keys_only: bool = False, graph_def=None) -> dict:
        """The arrays for a call of `signature`: synthesized (from its graph too, where given), or the given ones
        checked against it (with the words `predict` gives). its_keys_only: leave out given arrays it does not
        take (one .npz for several signatures, as `fix` verifies every signature of a model with one file)."""
        if self.synthesized:
            return synthesize(signature, self.examples, self.seed, graph_def)
        given = {k: v for k, v in self.arrays.items() if k in signature.inputs} if its_keys_only else self.arrays
        check_inputs(signature, given, key)
        return given


def synthesize(signature, examples: int, seed: int, graph_def=None) -> dict:
    """Inputs for every key of the signature: its dtype, its shape with unknown dimensions = examples;
    floats in [0, 1), integers in [0, 10) (ids and counts are small and non-negative), bools and bytes. Where the
    graph (`graph_def`) is given: integers that index a table are under its rows, and strings it parses as
    tf.Example are Examples with every feature it reads."""
    rng = np.random.RandomState(seed)
    out = {}
    for key in sorted(signature.inputs):
        info = signature.inputs[key]
        dtype = numpy_dtype(info)
        dims = savedmodel.shape_of(info.tensor_shape)
        shape = [examples] if dims is None else [examples if d < 0 else d for d in dims]
        if dtype.kind == "f":
            out[key] = rng.rand(*shape).astype(dtype)
        elif dtype.kind in "iu":
            # Ids that index a table stay under its rows (an embedding of 5 rows takes 0-4).
            rows = gather_bounds.bound(graph_def, info.name) if graph_def is not None else None
            out[key] = rng.randint(0, min(10, rows or 10), size=shape).astype(dtype)
        elif dtype.kind == "b":
            out[key] = rng.rand(*shape) < 0.5
        else:
            spec = tf_examples.feature_spec(graph_def, info.name) if graph_def is not None else None
            if spec is not None:
                out[key] = tf_examples.serialized_examples(spec, int(np.prod(shape)), rng).reshape(shape)
            else:
                out[key] = np.array([b"x%d" % i for i in rng.randint(0, 100, size=shape).reshape(-1)],
                                    dtype=np.bytes_).reshape(shape)
    return out
