"""fix's lower stage: each signature in the reference Python TensorFlow, its function frozen into one plain
GraphDef (every call inlined, While/If lowered into TF1 control flow; inline.py inlines what freezing leaves),
its lookup tables rebuilt as TF1 tables; the constants the freezing made from
variables are known by their captures, and their values kept out of the GraphDef (protobuf's 2 GB limit)."""

import gc
from collections import Counter
from dataclasses import dataclass

from tfinterop.runtimes import object_based
from tfinterop.commands.fix.inline import CALL_OPS, inline_calls
from tfinterop.commands.fix.report import FixRefusedError
from tfinterop.compat import check
from tfinterop.core.errors import ModelLoadError
from tfinterop.core.tf_import import tensorflow
from tfinterop.savedmodel import reader as savedmodel

# TF2 control flow, which the freezing step lowers (and calls into the graph's function library, which it and
# inline.py inline).
CONTROL_FLOW_V2_OPS = check.FIXED_BY_FREEZING - CALL_OPS - {"DisableCopyOnRead"}


@dataclass
class Variable:
    name: str          # its node name in the fixed graphs (and its key in variables/)
    value: object      # a numpy array, or object_based.StoredValue: read from the checkpoint when it is written

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def shape(self) -> tuple:
        return tuple(self.value.shape)

    @property
    def nbytes(self) -> int:
        import numpy as np
        return np.dtype(self.dtype).itemsize * int(np.prod(self.shape))

    def array(self):
        return self.value.read() if isinstance(self.value, object_based.StoredValue) else self.value


@dataclass
class LoweredSignature:
    tags: list
    key: str
    graph_def: object                 # the frozen GraphDef
    variable_nodes: dict              # Const node made from a variable -> Variable
    inputs: dict                      # signature input key -> tensor name in graph_def
    outputs: dict                     # signature output key -> tensor name in graph_def
    signature_def: object             # the original SignatureDef (tensorflow's message)
    rewrites: Counter
    renamed: object = None            # tensor name in graph_def -> its name in the fixed graph (set by _merge)


def lower(directory, chosen: dict, freeze: bool, log) -> list:
    tf = tensorflow()
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow.python.framework import convert_to_constants

    original = saved_model_pb2.SavedModel()
    original.ParseFromString(savedmodel.saved_model_pb(directory).read_bytes())
    lowered = []
    for tag_set, keys in chosen.items():
        tags = list(tag_set)
        mg = next(m for m in original.meta_graphs if sorted(m.meta_info_def.tags) == tags)
        before = _counts(mg)
        log(f"fix: loading {directory} [{', '.join(tags)}] in TensorFlow {tf.__version__}")
        try:
            # The private converter can read an object-based export's captured weights from its checkpoint; TF1
            # exports (their weights stored once) and the public call take them restored.
            lean = mg.HasField("object_graph_def") and hasattr(convert_to_constants, "_FunctionConverterDataInEager")
            loaded, checkpoint = object_based.load_for_freezing(tf, directory, tags, keys, log) if lean else \
                (tf.saved_model.load(str(directory), tags=tags), None)
        except Exception as e:  # noqa: BLE001 -- whatever TF raises, the reference cannot read the model
            raise ModelLoadError(f"the reference TensorFlow {tf.__version__} cannot load {directory} "
                                 f"[{', '.join(tags)}]: {type(e).__name__}: {str(e).splitlines()[0]}") from None
        shared = {}              # id of a variable's handle -> its Variable: signatures of one model share its weights
        frozen = {}              # a signature function's graph -> its freezing (Keras 3: serve and serving_default)
        for key in keys:
            fn = loaded.signatures[key]
            names = {id(v.handle): v.name.split(":")[0] for v in fn.variables}
            handles = {inner.op.name: id(ext) for ext, inner in fn.graph.captures if ext.dtype == tf.resource}
            captured = {inner.op.name: names.get(id(ext)) for ext, inner in fn.graph.captures
                        if ext.dtype == tf.resource}
            same = _function_identity(fn)
            if same not in frozen:
                try:
                    graph_def, values = _freeze(tf, convert_to_constants, fn, captured, checkpoint)
                except Exception as e:  # noqa: BLE001 -- the converter's own words, for the refusal
                    raise FixRefusedError(f"[{', '.join(tags)}] signature {key!r}: TensorFlow cannot freeze its "
                                          f"function: {type(e).__name__}: {str(e).splitlines()[0]}; nothing was "
                                          f"written") from None
                inline_calls(graph_def)
                frozen[same] = (graph_def, values)
            else:                # the same graph, captures and all: its freezing again (copied: build renames)
                graph_def, values = type(frozen[same][0])(), frozen[same][1]
                graph_def.CopyFrom(frozen[same][0])
            variable_nodes = {}
            for node in graph_def.node:
                if node.op == "Const" and node.name in captured:
                    if handles[node.name] not in shared:       # else this signature's copy of its value is dropped
                        value = values[node.name] if node.name in values else \
                            tf.make_ndarray(node.attr["value"].tensor)
                        shared[handles[node.name]] = Variable(captured[node.name] or node.name, value)
                    variable_nodes[node.name] = shared[handles[node.name]]
            tables = _rebuild_tables(tf, graph_def, {inner.op.name: ext for ext, inner in fn.graph.captures})
            leftover = [n.name for n in graph_def.node if n.op == "Placeholder" and n.attr["dtype"].type ==
                        tf.resource.as_datatype_enum]
            if leftover:
                raise FixRefusedError(f"[{', '.join(tags)}] signature {key!r}: the function captures resources that "
                                      f"are neither variables nor lookup tables ({', '.join(leftover)}: an iterator, "
                                      f"a mutable table?), which have no TF1 graph form here; nothing was written")
            arg_keys = list(fn._arg_keywords)        # noqa: SLF001 -- the signature's keys, in fn.inputs order
            inputs = {k: t.name for k, t in zip(arg_keys, fn.inputs)}
            # A signature's results are a flat dict, which tf.nest flattens in sorted key order (fn.outputs').
            out_keys = sorted(fn.structured_outputs) if isinstance(fn.structured_outputs, dict) else []
            outputs = dict(zip(out_keys, (t.name for t in fn.outputs)))
            sig = mg.signature_def[key]
            if sorted(inputs) != sorted(sig.inputs) or sorted(outputs) != sorted(sig.outputs):
                raise FixRefusedError(f"[{', '.join(tags)}] signature {key!r}: its function's arguments "
                                      f"({', '.join(sorted(inputs))}) and results ({', '.join(sorted(outputs))}) "
                                      f"are not the SignatureDef's keys; nothing was written")
            rewrites = Counter({k: v for k, v in before.items() if v})
            rewrites["frozen-variables" if freeze else "ref-variables"] = len(variable_nodes)
            if tables:
                rewrites["tables-initialised-by-main-op"] = tables
            lowered.append(LoweredSignature(tags, key, graph_def, variable_nodes, inputs, outputs, sig, rewrites))
            log(f"fix: [{', '.join(tags)}] {key}: {len(graph_def.node)} nodes, {len(variable_nodes)} variable(s)"
                + "".join(f", {n} {kind}" for kind, n in sorted(before.items()) if n))
        del loaded, checkpoint, fn, frozen, values
        gc.collect()             # the loaded model's objects hold cycles: its weights go now, not at exit
    return lowered


def _function_identity(fn) -> tuple:
    """Equal for two signature functions that compute the same from the same captures: their graphs (but for the
    names each capture's placeholder was given) and what each placeholder captures."""
    graph_def = fn.graph.as_graph_def()
    for node in graph_def.node:
        node.attr.pop("_user_specified_name", None)
    captures = sorted((inner.op.name, id(ext)) for ext, inner in fn.graph.captures)
    return graph_def.SerializeToString(deterministic=True), tuple(captures)


def _freeze(tf, convert_to_constants, fn, captured, checkpoint=None) -> tuple:
    """(the function frozen into one GraphDef, {constant made from a variable: its value}), as
    convert_variables_to_constants_v2 makes it, but with each variable's constant a one-value splat of its
    shape and dtype while the function is rebuilt from the GraphDef, and its value kept aside for variables/:
    the public call puts every weight in the GraphDef, which protobuf's 2 GB limit forbids for a bigger model.
    With `checkpoint` (object_based.CheckpointValues) each variable's value is a StoredValue, read from there when
    build writes it (the converter only needs its dtype and shape: it is replaced by the splat first).
    The converter's classes are private, the pinned reference TensorFlow's; without them, the public call."""
    import numpy as np
    try:
        converter = convert_to_constants._FunctionConverterDataInEager          # noqa: SLF001
        if checkpoint is not None:
            class FromCheckpoint(converter):
                def _eval(self, tensor):      # a variable's value stays in the checkpoint until build writes it
                    return checkpoint.stored(tensor) if isinstance(tensor, tf.Variable) else super()._eval(tensor)
            converter = FromCheckpoint
        data = converter(func=fn, lower_control_flow=True, aggressive_inlining=False)
        replace = convert_to_constants._replace_variables_by_constants    # noqa: SLF001
        construct = convert_to_constants._construct_concrete_function     # noqa: SLF001
    except AttributeError:
        frozen = convert_to_constants.convert_variables_to_constants_v2(fn, lower_control_flow=True)
        return frozen.graph.as_graph_def(), {}
    values = {}
    for name, tensor in list(data.tensor_data.items()):
        if name in captured:
            values[name] = tensor.numpy
            data.tensor_data[name] = tensor._replace(numpy=np.zeros((), tensor.numpy.dtype))
    graph_def, converted = replace(converter_data=data)
    for node in graph_def.node:
        if node.op == "Const" and node.name in values:
            value = values[node.name]
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.zeros((), value.dtype), shape=value.shape))
    return construct(fn, graph_def, converted).graph.as_graph_def(), values


# Ops that read a table, and the attrs that name its key and value dtypes.
TABLE_READERS = {"LookupTableFindV2": ("Tin", "Tout"), "LookupTableSizeV2": None,
                 "LookupTableExportV2": ("Tkeys", "Tvalues")}


def _rebuild_tables(tf, graph_def, external) -> int:
    """Each captured resource that only table ops read (a StaticHashTable, the table of a StringLookup or a
    StaticVocabularyTable) becomes a TF1 table in graph_def: HashTableV2 under the placeholder's name, filled by an
    InitializeTableV2 (NAME/table_init) of its keys and values as constants, read from the live table here. build
    runs the initialisers as the model's main op, which every TF1 loader runs at load. Returns how many."""
    readers = {}
    for node in graph_def.node:
        for i in node.input:
            readers.setdefault(i.lstrip("^").split(":")[0], []).append(node)
    rebuilt = 0
    for node in list(graph_def.node):
        if node.op != "Placeholder" or node.attr["dtype"].type != tf.resource.as_datatype_enum:
            continue
        using, seen = [], [node.name]            # its readers, through the Identity nodes inlined calls leave
        while seen:
            for reader in readers.get(seen.pop(), []):
                (seen.append(reader.name) if reader.op == "Identity" else using.append(reader))
        typed = [n for n in using if TABLE_READERS.get(n.op)]
        if not typed or any(n.op not in TABLE_READERS for n in using) or node.name not in external:
            continue
        key_attr, value_attr = TABLE_READERS[typed[0].op]
        key_dtype, value_dtype = typed[0].attr[key_attr].type, typed[0].attr[value_attr].type
        keys, values = tf.raw_ops.LookupTableExportV2(table_handle=external[node.name], Tkeys=tf.as_dtype(key_dtype),
                                                      Tvalues=tf.as_dtype(value_dtype))
        name = node.name
        node.Clear()
        node.name, node.op = name, "HashTableV2"
        node.attr["key_dtype"].type, node.attr["value_dtype"].type = key_dtype, value_dtype
        node.attr["use_node_name_sharing"].b = True     # one table per node: a signature's copy is its own
        contents = []
        for what, array in (("keys", keys), ("values", values)):
            const = graph_def.node.add(name=f"{name}/{what}", op="Const")
            const.attr["dtype"].type = array.dtype.as_datatype_enum
            const.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(array.numpy()))
            contents.append(const.name)
        init = graph_def.node.add(name=f"{name}/table_init", op="InitializeTableV2", input=[name, *contents])
        init.attr["Tkey"].type, init.attr["Tval"].type = key_dtype, value_dtype
        rebuilt += 1
    return rebuilt


def _counts(meta_graph) -> Counter:
    nodes = list(meta_graph.graph_def.node) + [n for f in meta_graph.graph_def.library.function for n in f.node_def]
    return Counter({"inlined-calls": sum(n.op in CALL_OPS for n in nodes),
                    "lowered-control-flow": sum(n.op in CONTROL_FLOW_V2_OPS for n in nodes),
                    "non-sharded-saver": int(any(n.op in check.SHARDED_SAVER_OPS for n in nodes))})
