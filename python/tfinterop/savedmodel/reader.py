"""The one reader of SavedModels in Python, without TensorFlow: saved_model.pb decoded from the protobuf
wire format (wire.py) into plain objects whose attributes are named as TensorFlow's protobuf classes
name them (`model.meta_graphs[0].meta_info_def.tags`, `node.attr["T"].type`, ...), with proto3's
defaults for fields that are not on the wire. `inspect`, `check`, the Python runtime and the untrusted
scan all read models through `read(dir)`, and so all fail the same way: ModelNotFoundError for a missing
folder or saved_model.pb, NotASavedModelError for bytes that are not a SavedModel.

Only the messages and fields those readers need are declared (field numbers from tensorflow/core/
protobuf/{saved_model,meta_graph,saver}.proto and core/framework/{graph,node_def,function,op_def,
attr_value,tensor,tensor_shape,types,versions}.proto); any other field is skipped, as protobuf skips
unknown fields. Reading takes no TensorFlow import, so `check` runs in a fraction of a second.
"""

import struct

from pathlib import Path

from tfinterop.core.errors import ModelNotFoundError, NotASavedModelError
from tfinterop.savedmodel import wire as pw

# tensorflow/core/framework/types.proto; n + 100 is the reference type of n (DT_FLOAT_REF = 101).
DTYPES = {0: "DT_INVALID", 1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 4: "DT_UINT8", 5: "DT_INT16",
          6: "DT_INT8", 7: "DT_STRING", 8: "DT_COMPLEX64", 9: "DT_INT64", 10: "DT_BOOL", 11: "DT_QINT8",
          12: "DT_QUINT8", 13: "DT_QINT32", 14: "DT_BFLOAT16", 15: "DT_QINT16", 16: "DT_QUINT16", 17: "DT_UINT16",
          18: "DT_COMPLEX128", 19: "DT_HALF", 20: "DT_RESOURCE", 21: "DT_VARIANT", 22: "DT_UINT32", 23: "DT_UINT64",
          24: "DT_FLOAT8_E5M2", 25: "DT_FLOAT8_E4M3FN", 26: "DT_FLOAT8_E4M3FNUZ", 27: "DT_FLOAT8_E4M3B11FNUZ",
          28: "DT_FLOAT8_E5M2FNUZ", 29: "DT_INT4", 30: "DT_UINT4", 31: "DT_INT2", 32: "DT_UINT2",
          33: "DT_FLOAT4_E2M1FN"}
DTYPE_NUMBERS = {name: number for number, name in DTYPES.items()}
DTYPE_NUMBERS.update({name + "_REF": number + 100 for number, name in DTYPES.items() if number})


def dtype_name(number: int, unknown="DataType {}") -> str:
    if number in DTYPES:
        return DTYPES[number]
    if number > 100 and number - 100 in DTYPES:
        return DTYPES[number - 100] + "_REF"
    return unknown.format(number)


# ---------------------------------------------------------------- decoding

_VARINT_KINDS = {"int", "uint", "bool", "enum"}
_DEFAULTS = {"string": "", "bytes": b"", "int": 0, "uint": 0, "bool": False, "enum": 0, "float": 0.0, "double": 0.0}


class Message:
    """A decoded message. FIELDS: number -> (name, kind, label); kind is a scalar kind or a Message class,
    label is "one", "rep" or ("map", key kind). Equal when of one type with equal fields."""
    FIELDS: dict = {}

    def __init__(self):
        self._present = set()
        self._order = []
        for name, kind, label in self.FIELDS.values():
            if label != "one":
                setattr(self, name, [] if label == "rep" else {})
            elif isinstance(kind, str):
                setattr(self, name, _DEFAULTS[kind])
            # a sub-message that is not on the wire is made empty on first read (__getattr__)

    def __getattr__(self, name):
        kind = type(self)._SUBMESSAGES.get(name)
        if kind is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        value = kind()
        setattr(self, name, value)
        return value

    def has(self, name) -> bool:
        """Whether the field was on the wire (protobuf's HasField, for sub-messages and oneof members)."""
        return name in self._present

    def which(self, *names):
        """The member of a oneof that was set last on the wire, or None."""
        present = [n for n in self._order if n in names]
        return present[-1] if present else None

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n, _, _ in self.FIELDS.values())

    def __repr__(self):
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n, _, _ in self.FIELDS.values() if n in self._present)
        return f"{type(self).__name__}({shown})"


def decode(cls, data: bytes):
    msg = cls()
    for f in pw.parse(data):
        spec = cls.FIELDS.get(f.number)
        if spec is None:
            continue
        name, kind, label = spec
        if isinstance(label, tuple):                       # map<key, value>: entries of key 1, value 2
            entry = pw.parse(_length(f))
            key = _scalar(label[1], _last(entry, 1), default=_DEFAULTS[label[1]])
            value_field = _last(entry, 2)
            if isinstance(kind, type):
                value = decode(kind, value_field.value if value_field else b"")
            else:
                value = _scalar(kind, value_field, default=_DEFAULTS[kind])
            getattr(msg, name)[key] = value
        elif label == "rep":
            if isinstance(kind, type):
                getattr(msg, name).append(decode(kind, _length(f)))
            elif f.wire_type == pw.LENGTH and kind not in ("string", "bytes"):
                getattr(msg, name).extend(_packed(kind, f.value))
            else:
                getattr(msg, name).append(_scalar(kind, f))
        else:
            value = decode(kind, _length(f)) if isinstance(kind, type) else _scalar(kind, f)
            setattr(msg, name, value)
        msg._present.add(name)
        msg._order.append(name)
    return msg


def from_json(cls, doc: dict):
    """A message from protobuf's JSON form (json_format.MessageToDict with preserving_proto_field_name, as
    the dumped targets store their op registries): enums by name (every enum here is a DataType),
    64-bit integers as strings, bytes as base64."""
    import base64
    by_name = {name: (kind, label) for name, kind, label in cls.FIELDS.values()}
    msg = cls()
    for name, value in doc.items():
        if name not in by_name:
            continue
        kind, label = by_name[name]

        def one(v, kind=kind):
            if isinstance(kind, type):
                return from_json(kind, v)
            if kind == "enum":
                return DTYPE_NUMBERS[v] if isinstance(v, str) else int(v)
            if kind in ("int", "uint"):
                return int(v)
            if kind in ("float", "double"):
                return float(v)
            if kind == "bytes":
                return base64.b64decode(v)
            return v
        if label == "rep":
            value = [one(v) for v in value]
        elif isinstance(label, tuple):
            value = {k: one(v) for k, v in value.items()}
        else:
            value = one(value)
        setattr(msg, name, value)
        msg._present.add(name)
        msg._order.append(name)
    return msg


def field_number(cls, name: str) -> int:
    """The field number of `cls.name`, for code that writes messages with protowire (tests, the fuzzer)."""
    return next(number for number, (field, _, _) in cls.FIELDS.items() if field == name)


def _last(fields, number):
    found = [f for f in fields if f.number == number]
    return found[-1] if found else None


def _length(f) -> bytes:
    if f.wire_type != pw.LENGTH:
        raise pw.WireError(f"field {f.number}: a message where wire type {f.wire_type} was found")
    return f.value


def _scalar(kind, f, default=None):
    if f is None:
        return default
    wire = f.wire_type
    if kind in _VARINT_KINDS and wire == pw.VARINT:
        v = f.value
        if kind == "bool":
            return v != 0
        if kind in ("int", "enum") and v >= 1 << 63:
            v -= 1 << 64                                    # int32/int64/enum are two's complement
        return v
    if kind == "float" and wire == pw.FIXED32:
        return struct.unpack("<f", f.value.to_bytes(4, "little"))[0]
    if kind == "double" and wire == pw.FIXED64:
        return struct.unpack("<d", f.value.to_bytes(8, "little"))[0]
    if kind == "bytes" and wire == pw.LENGTH:
        return f.value
    if kind == "string" and wire == pw.LENGTH:
        try:
            return f.value.decode("utf-8")
        except UnicodeDecodeError:
            raise pw.WireError(f"field {f.number}: a string that is not UTF-8") from None
    raise pw.WireError(f"field {f.number}: wire type {wire} for a {kind} field")


def _packed(kind, data: bytes) -> list:
    if kind == "float":
        return list(struct.unpack(f"<{len(data) // 4}f", data[:len(data) - len(data) % 4]))
    if kind == "double":
        return list(struct.unpack(f"<{len(data) // 8}d", data[:len(data) - len(data) % 8]))
    out, pos = [], 0
    while pos < len(data):
        v, pos = pw.read_varint(data, pos)
        out.append(_scalar(kind, pw.Field(0, pw.VARINT, v)))
    return out


def _message(name, fields):
    return type(name, (Message,), {"FIELDS": fields})


# ---------------------------------------------------------------- the messages

TensorShapeDim = _message("TensorShapeDim", {1: ("size", "int", "one"), 2: ("name", "string", "one")})
TensorShapeProto = _message("TensorShapeProto", {2: ("dim", TensorShapeDim, "rep"), 3: ("unknown_rank", "bool", "one")})
TensorProto = _message("TensorProto", {
    1: ("dtype", "enum", "one"), 2: ("tensor_shape", TensorShapeProto, "one"), 3: ("version_number", "int", "one"),
    4: ("tensor_content", "bytes", "one"), 5: ("float_val", "float", "rep"), 6: ("double_val", "double", "rep"),
    7: ("int_val", "int", "rep"), 8: ("string_val", "bytes", "rep"), 10: ("int64_val", "int", "rep"),
    11: ("bool_val", "bool", "rep"), 13: ("half_val", "int", "rep"), 16: ("uint32_val", "uint", "rep"),
    17: ("uint64_val", "uint", "rep")})
AttrValue = _message("AttrValue", {})
NameAttrList = _message("NameAttrList", {1: ("name", "string", "one"), 2: ("attr", AttrValue, ("map", "string"))})
ListValue = _message("ListValue", {
    2: ("s", "bytes", "rep"), 3: ("i", "int", "rep"), 4: ("f", "float", "rep"), 5: ("b", "bool", "rep"),
    6: ("type", "enum", "rep"), 7: ("shape", TensorShapeProto, "rep"), 8: ("tensor", TensorProto, "rep"),
    9: ("func", NameAttrList, "rep")})
AttrValue.FIELDS = {
    2: ("s", "bytes", "one"), 3: ("i", "int", "one"), 4: ("f", "float", "one"), 5: ("b", "bool", "one"),
    6: ("type", "enum", "one"), 7: ("shape", TensorShapeProto, "one"), 8: ("tensor", TensorProto, "one"),
    1: ("list", ListValue, "one"), 10: ("func", NameAttrList, "one"), 9: ("placeholder", "string", "one")}
ATTR_VALUE_ONEOF = ("s", "i", "f", "b", "type", "shape", "tensor", "list", "func", "placeholder")

NodeDef = _message("NodeDef", {1: ("name", "string", "one"), 2: ("op", "string", "one"), 3: ("input", "string", "rep"),
                               4: ("device", "string", "one"), 5: ("attr", AttrValue, ("map", "string"))})
ArgDef = _message("ArgDef", {1: ("name", "string", "one"), 3: ("type", "enum", "one"), 4: ("type_attr", "string", "one"),
                             5: ("number_attr", "string", "one"), 6: ("type_list_attr", "string", "one"),
                             16: ("is_ref", "bool", "one")})
AttrDef = _message("AttrDef", {1: ("name", "string", "one"), 2: ("type", "string", "one"),
                               3: ("default_value", AttrValue, "one"), 5: ("has_minimum", "bool", "one"),
                               6: ("minimum", "int", "one"), 7: ("allowed_values", AttrValue, "one")})
OpDef = _message("OpDef", {1: ("name", "string", "one"), 2: ("input_arg", ArgDef, "rep"),
                           3: ("output_arg", ArgDef, "rep"), 4: ("attr", AttrDef, "rep"),
                           17: ("is_stateful", "bool", "one")})
OpList = _message("OpList", {1: ("op", OpDef, "rep")})
FunctionDef = _message("FunctionDef", {1: ("signature", OpDef, "one"), 5: ("attr", AttrValue, ("map", "string")),
                                       3: ("node_def", NodeDef, "rep"), 4: ("ret", "string", ("map", "string")),
                                       6: ("control_ret", "string", ("map", "string"))})
FunctionDefLibrary = _message("FunctionDefLibrary", {1: ("function", FunctionDef, "rep")})
VersionDef = _message("VersionDef", {1: ("producer", "int", "one"), 2: ("min_consumer", "int", "one"),
                                     3: ("bad_consumers", "int", "rep")})
GraphDef = _message("GraphDef", {1: ("node", NodeDef, "rep"), 4: ("versions", VersionDef, "one"),
                                 2: ("library", FunctionDefLibrary, "one")})
TensorInfo = _message("TensorInfo", {1: ("name", "string", "one"), 4: ("coo_sparse", "bytes", "one"),
                                     5: ("composite_tensor", "bytes", "one"), 2: ("dtype", "enum", "one"),
                                     3: ("tensor_shape", TensorShapeProto, "one")})
SignatureDef = _message("SignatureDef", {1: ("inputs", TensorInfo, ("map", "string")),
                                         2: ("outputs", TensorInfo, ("map", "string")),
                                         3: ("method_name", "string", "one")})
SaverDef = _message("SaverDef", {1: ("filename_tensor_name", "string", "one"), 2: ("save_tensor_name", "string", "one"),
                                 3: ("restore_op_name", "string", "one"), 4: ("max_to_keep", "int", "one"),
                                 5: ("sharded", "bool", "one"), 7: ("version", "enum", "one")})
Any = _message("Any", {1: ("type_url", "string", "one"), 2: ("value", "bytes", "one")})
AnyList = _message("AnyList", {1: ("value", Any, "rep")})
NodeList = _message("NodeList", {1: ("value", "string", "rep")})
BytesList = _message("BytesList", {1: ("value", "bytes", "rep")})
CollectionDef = _message("CollectionDef", {1: ("node_list", NodeList, "one"), 2: ("bytes_list", BytesList, "one"),
                                           5: ("any_list", AnyList, "one")})
AssetFileDef = _message("AssetFileDef", {1: ("tensor_info", TensorInfo, "one"), 2: ("filename", "string", "one")})
MetaInfoDef = _message("MetaInfoDef", {1: ("meta_graph_version", "string", "one"), 2: ("stripped_op_list", OpList, "one"),
                                       4: ("tags", "string", "rep"), 5: ("tensorflow_version", "string", "one"),
                                       6: ("tensorflow_git_version", "string", "one"),
                                       7: ("stripped_default_attrs", "bool", "one")})
MetaGraphDef = _message("MetaGraphDef", {1: ("meta_info_def", MetaInfoDef, "one"), 2: ("graph_def", GraphDef, "one"),
                                         3: ("saver_def", SaverDef, "one"),
                                         4: ("collection_def", CollectionDef, ("map", "string")),
                                         5: ("signature_def", SignatureDef, ("map", "string")),
                                         6: ("asset_file_def", AssetFileDef, "rep"),
                                         7: ("object_graph_def", "bytes", "one")})   # TF2: only whether it is there
SavedModel = _message("SavedModel", {1: ("saved_model_schema_version", "int", "one"),
                                     2: ("meta_graphs", MetaGraphDef, "rep")})

for _cls in Message.__subclasses__():
    _cls._SUBMESSAGES = {name: kind for name, kind, label in _cls.FIELDS.values()
                         if label == "one" and not isinstance(kind, str)}


# ---------------------------------------------------------------- reading a SavedModel

ASSETS_COLLECTION = "saved_model_assets"


def saved_model_pb(directory) -> Path:
    d = Path(directory)
    if not d.exists():
        raise ModelNotFoundError(f"{d}: no such directory; expected a SavedModel directory holding saved_model.pb")
    if not d.is_dir():
        raise ModelNotFoundError(f"{d}: not a directory; expected a SavedModel directory holding saved_model.pb")
    pb = d / "saved_model.pb"
    if not pb.is_file():
        what = "is not a regular file" if pb.exists() else "is missing"
        hint = (" (only saved_model.pbtxt is there; tfinterop reads the binary form)"
                if (d / "saved_model.pbtxt").exists() else "")
        raise NotASavedModelError(f"{d}: saved_model.pb {what}; this is not a SavedModel directory{hint}")
    return pb


def read(directory) -> SavedModel:
    """DIR/saved_model.pb decoded. Raises ModelNotFoundError (no folder, no saved_model.pb) or
    NotASavedModelError (not a SavedModel protobuf, or one without a MetaGraphDef)."""
    pb = saved_model_pb(directory)
    try:
        data = pb.read_bytes()
    except OSError as e:
        raise NotASavedModelError(f"{pb} cannot be read: {e}") from None
    return read_bytes(data, str(pb))


def read_bytes(data: bytes, source="saved_model.pb") -> SavedModel:
    try:
        model = decode(SavedModel, data)
    except (pw.WireError, struct.error) as e:
        raise NotASavedModelError(f"{source}: cannot be parsed as a SavedModel protobuf ({e})") from None
    if not model.meta_graphs:     # protobuf accepts many byte strings (an empty file, for one)
        raise NotASavedModelError(f"{source}: parses as a SavedModel protobuf but holds no MetaGraphDef")
    return model


def tag_sets(model: SavedModel) -> list:
    return [list(m.meta_info_def.tags) for m in model.meta_graphs]


def collection_assets(meta_graph) -> list:
    """The AssetFileDefs the TF1 saved_model_assets collection lists, in order, each as often as listed
    (TF 1.8's loader feeds every entry)."""
    collection = meta_graph.collection_def.get(ASSETS_COLLECTION)
    if collection is None:
        return []
    return [decode(AssetFileDef, entry.value) for entry in collection.any_list.value
            if entry.type_url.rsplit("/", 1)[-1] == "tensorflow.AssetFileDef"]


def shape_of(shape: TensorShapeProto):
    """None for an unknown rank, else the dims with -1 for unknown sizes."""
    return None if shape.unknown_rank else [d.size for d in shape.dim]
