"""Calls by signature with any inputs: a SignatureDef (read with savedmodel.py) picks the inputs, their
dtypes and shapes, and the outputs; a caller's {input key: array} is checked against it here, before any
runtime sees it, with one set of errors for every adapter.

    choose_signature(keys, wanted)   the key to call: `wanted`, else serving_default, else the only one
    check_inputs(signature, inputs)  {tensor name: array}, every key present, no extra, dtype and shape right
    output_tensors(signature, keys)  {output key: tensor name} for the requested keys (None: all)
    prepare_call(meta_graph, ...)    all three, as every adapter's run() starts
    read_npz(path), write_npz(path, arrays)   the .npz files inputs and outputs travel in

Integers of another width are accepted only when every value fits (no silent wrap-around); every other
dtype must be the signature's exactly. Strings are numpy bytes arrays (dtype 'S'), since an .npz cannot
hold Python objects without pickle.
"""

import numpy as np

from tfinterop import savedmodel
from tfinterop.errors import (InvalidInputError, NpyFormatError, SignatureKeyNotFoundError, SignatureNotFoundError,
                              TagSetNotFoundError, UnsupportedDataTypeError)

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


def write_npz(path, arrays: dict) -> None:
    """arrays as an .npz, written beside the target and renamed into place, so a reader never sees half of it."""
    from tfinterop import outputs
    outputs.write_atomically(path, lambda f: write_npz_to(f, arrays))


def write_npz_to(f, arrays: dict) -> None:
    """What numpy.savez writes (one KEY.npy per array) into an open binary file. Keys are any strings (savez's
    own parameter names would collide with theirs as keywords)."""
    import zipfile
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        for key, a in arrays.items():
            with z.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(a), allow_pickle=False)


def prepare_call(meta_graph, signature_key, inputs: dict, output_keys, tags):
    """What every adapter's run() does first: (key, SignatureDef, {tensor name: array}, {output key: tensor
    name}) for a call of `meta_graph`'s signature, everything checked before a runtime sees it."""
    key = choose_signature(meta_graph.signature_def, signature_key, tags)
    signature = meta_graph.signature_def[key]
    return key, signature, check_inputs(signature, inputs, key), output_tensors(signature, output_keys, key)


def read_npz(path, what="--inputs") -> dict:
    """{key: array} of an .npz. A file that is not one, or holds object arrays, is an NpyFormatError (kind
    npy-format, as the Java library's Npz says it); a missing file an InvalidInputError."""
    import zipfile
    try:
        z = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InvalidInputError(f"{what} {path}: no such file") from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise NpyFormatError(f"{what} {path}: not an .npz (a zip of .npy arrays): "
                             f"{_why_not_loaded(path, e)}") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise NpyFormatError(f"{what} {path}: a single .npy array, not an .npz of named arrays")
    with z:
        arrays = {}
        for k in z.files:
            try:
                arrays[k] = z[k]
            except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
                raise NpyFormatError(f"{what} {path}: holds an array {k!r} that cannot be read without pickle "
                                     f"(object or ragged arrays are not data a runtime can take): {e}") from None
        return arrays


def read_npy(path, what="--input") -> np.ndarray:
    """One array of a .npy file, with read_npz's errors: a missing file an InvalidInputError, a file that is not
    a .npy (or an .npz given where one array is expected) an NpyFormatError."""
    try:
        x = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InvalidInputError(f"{what} {path}: no such file") from None
    except (ValueError, OSError, EOFError) as e:
        raise NpyFormatError(f"{what} {path}: not a .npy array: {_why_not_loaded(path, e)}") from None
    if not isinstance(x, np.ndarray):
        x.close()
        raise NpyFormatError(f"{what} {path}: an .npz of named arrays, not a single .npy array; use --inputs")
    return x


def _why_not_loaded(path, e) -> str:
    """numpy's reason, except for a file that is neither a zip nor a .npy: numpy takes that for a pickle and
    suggests allow_pickle, which is no advice for a file of unknown bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError:
        return str(e)
    zip_or_npy = head.startswith((b"PK", b"\x93NUMPY"))
    return str(e) if zip_or_npy else "it starts with neither a zip's nor a .npy's magic bytes"


def meta_graph(model, tags):
    """The MetaGraphDef of a read SavedModel with exactly this tag-set (as a set)."""
    for mg in model.meta_graphs:
        if sorted(set(mg.meta_info_def.tags)) == sorted(set(tags)):
            return mg
    raise TagSetNotFoundError(f"no MetaGraphDef with tag-set [{', '.join(tags)}]; the tag-sets it has: "
                              + " ".join("[" + ", ".join(t) + "]" for t in savedmodel.tag_sets(model)))
