"""fix's build stage: one TF1 graph per tag-set (every signature's lowered GraphDef, the first under its own node
names, the others under KEY/), the variables once each as ref variables behind a non-sharded Saver (or constants),
attrs the target lacks dropped where they hold their default, the legacy forms of ops it lacks, written by
SavedModelBuilder with the original signatures, assets and assets.extra."""

import contextlib
import os
import shutil
from collections import Counter
from pathlib import Path

from tfinterop.commands.fix.lower import Variable
from tfinterop.commands.fix.report import FixRefusedError
from tfinterop.compat import legacy_forms
from tfinterop.core.tf_import import tensorflow
from tfinterop.savedmodel import reader as savedmodel

# The node names of the ops that set the variables' values before SavedModelBuilder saves them; they are
# removed from the written graphs (a loader restores the values from variables/, as in any TF1 export).
VALUE_SCOPE = "tfinterop_fix_values"
VALUES_PER_RUN = 32 << 20         # bytes of variables' values fed to one Session.run while setting them


def build(staged: Path, directory: Path, model, lowered: list, target, freeze: bool, log) -> None:
    """`model`: DIR as savedmodel.read read it (for its assets)."""
    tf = tensorflow()
    variables = _name_variables(lowered)
    builder = tf.compat.v1.saved_model.Builder(str(staged))
    asset_files = _asset_files(model)
    by_tag_set = {}
    for sig in lowered:
        by_tag_set.setdefault(tuple(sig.tags), []).append(sig)
    first = True
    plans = {}
    for tag_set, sigs in by_tag_set.items():
        graph = tf.Graph()
        with graph.as_default():
            tf.graph_util.import_graph_def(_merge(sigs, variables, freeze, tf), name="")
            plans[tag_set] = legacy_forms.plan(graph, target)
            for kind, count in (Counter(f"legacy-form {rw.kind}" for rw in plans[tag_set])
                                + _drop_unknown_default_attrs(graph, target, plans[tag_set])).items():
                for sig in sigs:          # what was done to the tag-set's graph, which its signatures share
                    sig.rewrites[kind] = count
            signature_map = {sig.key: _signature_def(sig, graph) for sig in sigs}
            assets = _register_assets(tf, asset_files.get(tag_set, []))
            refs = {v.name: graph.get_tensor_by_name(v.name + ":0") for v in variables.values()} if not freeze else {}
            saver = tf.compat.v1.train.Saver(var_list=refs, sharded=False, allow_empty=True) if refs else None
            # lower.py's tables, filled when the model loads: every TF1 loader runs the main op.
            inits = [op for op in graph.get_operations() if op.type == "InitializeTableV2"]
            main_op = tf.group(*inits, name="tfinterop_fix_table_init") if inits else None
            with tf.compat.v1.Session(graph=graph) as sess:
                _set_values(tf, sess, refs, variables)
                with contextlib.chdir(directory / "assets") if assets else contextlib.nullcontext():
                    if first:
                        builder.add_meta_graph_and_variables(sess, list(tag_set), signature_def_map=signature_map,
                                                             assets_collection=assets, saver=saver,
                                                             strip_default_attrs=True, main_op=main_op)
                    else:
                        builder.add_meta_graph(list(tag_set), signature_def_map=signature_map,
                                               assets_collection=assets, saver=saver, strip_default_attrs=True,
                                               main_op=main_op)
            first = False
    builder.save()
    _finish(staged, plans)
    distinct = len({id(v) for v in variables.values()})
    if (directory / "assets.extra").is_dir():
        shutil.copytree(directory / "assets.extra", staged / "assets.extra")
    log(f"fix: staged {len(lowered)} signature(s) in {len(by_tag_set)} MetaGraphDef(s), "
        + (f"{distinct} variable(s) frozen into constants" if freeze else f"{distinct} ref variable(s) in variables/"))


def _name_variables(lowered) -> dict:
    """(tags, key, const node) -> Variable, one per distinct variable: the same name and value in several
    signatures or tag-sets is one variable (TF1 exports share theirs); names are made unique otherwise,
    and never clash with a node of any signature's graph."""
    import numpy as np
    taken = {n.name for sig in lowered for n in sig.graph_def.node if n.name not in sig.variable_nodes}
    by_name, out = {}, {}
    for sig in lowered:
        for const, var in sig.variable_nodes.items():
            same = next((v for v in by_name.get(var.name, []) if v.dtype == var.dtype and v.shape == var.shape
                         and (v.value is var.value or np.array_equal(v.array(), var.array()))), None)
            if same is None:
                name, n = var.name, 0
                while name in taken or name + "/read" in taken:
                    n += 1
                    name = f"{var.name}_{n}"
                taken.update({name, name + "/read"})
                same = Variable(name, var.value)
                by_name.setdefault(var.name, []).append(same)
            out[(tuple(sig.tags), sig.key, const)] = same
    return out


def _merge(sigs, variables, freeze, tf):
    """One GraphDef of a tag-set: the variables (or constants), then each signature's nodes with the constants
    made from variables replaced by reads of them."""
    from tensorflow.core.framework import graph_pb2
    merged = graph_pb2.GraphDef()
    merged.versions.CopyFrom(sigs[0].graph_def.versions)
    done = set()
    for var in {id(v): v for v in variables.values()}.values():
        if var.name in done:
            continue
        done.add(var.name)
        dtype = tf.as_dtype(var.dtype).as_datatype_enum
        if freeze:
            node = merged.node.add(name=var.name, op="Const")
            node.attr["dtype"].type = dtype
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(var.array()))
        else:
            node = merged.node.add(name=var.name, op="VariableV2")
            node.attr["dtype"].type = dtype
            node.attr["shape"].shape.CopyFrom(tf.TensorShape(var.shape).as_proto())
            read = merged.node.add(name=var.name + "/read", op="Identity", input=[var.name])
            read.attr["T"].type = dtype
            read.attr["_class"].list.s.append(f"loc:@{var.name}".encode())
    for i, sig in enumerate(sigs):
        prefix = "" if i == 0 else sig.key + "/"
        reads = {const: variables[(tuple(sig.tags), sig.key, const)].name + ("" if freeze else "/read")
                 for const in sig.variable_nodes}

        def renamed(name, reads=reads, prefix=prefix):
            control, name = (name.startswith("^"), name.lstrip("^"))
            node, _, port = name.partition(":")
            new = reads.get(node, prefix + node)
            return ("^" if control else "") + new + (":" + port if port else "")

        for node in sig.graph_def.node:
            if node.name in sig.variable_nodes:
                continue
            copy = merged.node.add()
            copy.CopyFrom(node)
            copy.name = prefix + node.name
            del copy.input[:]
            copy.input.extend(renamed(x) for x in node.input)
            if "_class" in copy.attr:        # colocation with a node of the same signature: renamed with it
                copy.attr["_class"].list.s[:] = [b"loc:@" + renamed(s.decode()[5:]).encode()
                                                 for s in node.attr["_class"].list.s]
        sig.renamed = renamed
        merged.library.MergeFrom(sig.graph_def.library)
    return merged


def _signature_def(sig, graph):
    """The original SignatureDef, its tensors renamed to the fixed graph's (dtypes, shapes, keys and method
    name kept as they were)."""
    from tensorflow.core.protobuf import meta_graph_pb2
    out = meta_graph_pb2.SignatureDef()
    out.CopyFrom(sig.signature_def)
    for infos, names in ((out.inputs, sig.inputs), (out.outputs, sig.outputs)):
        for k, info in infos.items():
            name = sig.renamed(names[k])
            graph.get_tensor_by_name(name)                     # the tensor is in the graph, or this raises
            info.ClearField("coo_sparse")
            info.ClearField("composite_tensor")
            info.name = name
    return out


def _drop_unknown_default_attrs(graph, target, rewrites) -> Counter:
    """Refuses attrs the target's op lacks that do not hold their default (their meaning would be lost);
    counts those that do (SavedModelBuilder's strip_default_attrs drops them when it writes). Attrs a legacy
    form drops are the rewrite's (legacy_forms.py says why that is exact); a node a composed form replaces
    keeps none of its attrs."""
    from tensorflow.python.framework import op_def_registry
    dropped = Counter()
    by_rewrite = {rw.node: set(rw.drop_attrs) for rw in rewrites}
    composed = {rw.node for rw in rewrites if rw.subgraph}
    for op in graph.get_operations():
        if not target.has_op(op.type) or op.name in composed:
            continue                 # a missing op is legacy_forms' (or check's) to say
        known = {a.name for a in target.op_def(op.type).attr} | by_rewrite.get(op.name, set())
        ours = {a.name: a for a in op_def_registry.get(op.type).attr}
        for name, value in op.node_def.attr.items():
            if name.startswith("_") or name in known:
                continue
            if name in ours and ours[name].HasField("default_value") and ours[name].default_value == value:
                dropped["dropped-default-attrs"] += 1
                continue
            raise FixRefusedError(f"node {op.name!r} (op {op.type!r}): attr {name!r} = {_attr_text(value)} is "
                                  f"not its default, and {target.name}'s {op.type!r} has no such attr: dropping it "
                                  f"would change what the node computes; nothing was written")
    return dropped


def _attr_text(value) -> str:
    which = value.WhichOneof("value")
    return repr(getattr(value, which)).replace("\n", " ") if which else "(unset)"


def _asset_files(model) -> dict:
    """tag-set -> the asset file names its original MetaGraphDef lists (TF1 exports' saved_model_assets)."""
    out = {}
    for mg in model.meta_graphs:
        names = [a.filename for a in savedmodel.collection_assets(mg)]
        names += [a.filename for a in mg.asset_file_def]
        out[tuple(sorted(mg.meta_info_def.tags))] = list(dict.fromkeys(names))
    return out


def _register_assets(tf, names):
    """Each asset once, as a constant holding its bare file name (the builder copies it from the working
    directory, DIR/assets: no temporary path ends up in the graph)."""
    if not names:
        return None
    tensors = [tf.constant(name, name=f"asset_{i}" if i else "asset") for i, name in enumerate(names)]
    return tensors


def _set_values(tf, sess, refs, variables):
    """The variables' values, assigned in the session through ops under VALUE_SCOPE (removed from the
    written graph by _finish), VALUES_PER_RUN bytes of them a run: the session copies what it is fed, and a value
    read from the checkpoint lives only while it is assigned (all in one run: the weights twice more; one run a
    variable: ResNet50's build 4 s -> 25 s, measured)."""
    if not refs:
        return
    by_name = {v.name: v for v in variables.values()}
    with tf.name_scope(VALUE_SCOPE):         # the graph made whole first: a run that extends it is slow
        assigns = []
        for name, ref in refs.items():
            value = tf.compat.v1.placeholder(ref.dtype.base_dtype, by_name[name].shape)
            assigns.append((tf.compat.v1.assign(ref, value).op, value, by_name[name]))
    batch, size = [], 0
    for i, (assign, value, variable) in enumerate(assigns):
        batch.append((assign, value, variable))
        size += variable.nbytes
        if size >= VALUES_PER_RUN or i == len(assigns) - 1:
            sess.run([a for a, _, _ in batch], {v: var.array() for _, v, var in batch})
            batch, size = [], 0


def _finish(staged: Path, plans: dict) -> None:
    """Applies the legacy forms planned per tag-set to the written MetaGraphDefs and removes the ops that set
    the variables' values."""
    from tensorflow.core.protobuf import saved_model_pb2
    pb = staged / "saved_model.pb"
    model = saved_model_pb2.SavedModel()
    model.ParseFromString(pb.read_bytes())
    for mg in model.meta_graphs:
        kept = [n for n in mg.graph_def.node if not n.name.startswith(VALUE_SCOPE + "/")]
        del mg.graph_def.node[:]
        mg.graph_def.node.extend(kept)
        legacy_forms.apply(mg, plans.get(tuple(sorted(mg.meta_info_def.tags)), []))
    tmp = pb.with_name(".saved_model.pb.partial")
    tmp.write_bytes(model.SerializeToString(deterministic=True))
    os.replace(tmp, pb)
