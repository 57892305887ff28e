"""Legacy forms of ops, for exports to a target that lacks the op today's TensorFlow emits.

A rewrite is planned on the live tf.Graph (where static shapes are known) before anything is written,
and applied to the written MetaGraphDefs (saved_model.pb) before the export is moved into place:

    SelectV2(c, t, e) -> Select(c, t', e')   TF 1.x's Select does not broadcast: t and e must have the
                                             output's shape, c that shape or be a scalar. A scalar arm is
                                             broadcast with Fill(Shape(other), arm); any other shape
                                             mismatch has no legacy form.

An op the target lacks that has no legacy form stops the export (NoLegacyFormError names the node).
"""

from dataclasses import dataclass

from tfinterop.errors import TargetIncompatibleError

LEGACY_FORMS = {"SelectV2": "Select"}


@dataclass
class SelectRewrite:
    node: str
    fill: dict          # input index (1 or 2) -> name of a tensor with the output's shape, to Fill the scalar arm
    dtype: int          # DataType of t and e


def plan(graph, target) -> list:
    """The rewrites `graph` needs for `target`; raises when an op the target lacks has no legacy form."""
    rewrites, missing = [], []
    for op in graph.get_operations():
        if target.has_op(op.type) or graph._is_function(op.type):   # noqa: SLF001 -- functions aren't ops
            continue
        rewrite = _plan_select(op) if op.type == "SelectV2" and target.has_op("Select") else None
        if rewrite is None:
            missing.append(op)
        else:
            rewrites.append(rewrite)
    if missing:
        listed = "; ".join(f"node {op.name!r} (op {op.type!r}"
                           + (f", whose legacy form {LEGACY_FORMS[op.type]!r} does not fit its shapes"
                              if op.type in LEGACY_FORMS else ", no legacy form known") + ")" for op in missing)
        raise TargetIncompatibleError(f"{target.name} cannot run this graph: {listed}. Nothing was written; "
                                      f"build the graph from ops {target.name} registers")
    return rewrites


def _same(a, b) -> bool:
    return a.rank is not None and b.rank is not None and a.as_list() == b.as_list()


def _plan_select(op):
    cond, t, e = op.inputs
    out = op.outputs[0].shape
    full = [x for x in (t, e, cond) if _same(x.shape, out)]
    if not full or not (cond.shape.rank == 0 or _same(cond.shape, out)):
        return None
    fill = {}
    for index, arm in ((1, t), (2, e)):
        if _same(arm.shape, out):
            continue
        if arm.shape.rank != 0:
            return None
        fill[index] = full[0].name
    return SelectRewrite(op.name, fill, t.dtype.as_datatype_enum)


def apply(meta_graph, rewrites, target) -> None:
    """Rewrites one MetaGraphDef in place, and records the ops it now uses in its stripped_op_list."""
    from tensorflow.core.framework import attr_value_pb2, node_def_pb2, types_pb2
    from tensorflow.python.framework import op_def_registry

    nodes = {n.name: n for n in meta_graph.graph_def.node}
    for rw in rewrites:
        node = nodes[rw.node]
        for index, source in rw.fill.items():
            shape = node_def_pb2.NodeDef(name=f"{rw.node}/legacy_shape_{index}", op="Shape", input=[source],
                                         device=node.device)
            shape.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=rw.dtype))
            fill = node_def_pb2.NodeDef(name=f"{rw.node}/legacy_fill_{index}", op="Fill",
                                        input=[shape.name, node.input[index]], device=node.device)
            fill.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=rw.dtype))
            # out_type/index_type default to int32 in the target as in today's TF: left unset, as stripped.
            assert _default(target, "Shape", "out_type") == types_pb2.DT_INT32
            assert _default(target, "Fill", "index_type") in (None, types_pb2.DT_INT32)
            meta_graph.graph_def.node.extend([shape, fill])
            node.input[index] = fill.name
        node.op = LEGACY_FORMS["SelectV2"]
    used = {n.op for n in meta_graph.graph_def.node}
    ops = meta_graph.meta_info_def.stripped_op_list
    kept = [o for o in ops.op if o.name in used]
    have = {o.name for o in kept}
    kept += [op_def_registry.get(name) for name in sorted(used - have) if op_def_registry.get(name) is not None]
    del ops.op[:]
    ops.op.extend(sorted(kept, key=lambda o: o.name))


def _default(target, op, attr):
    for a in target.op_def(op).attr:
        if a.name == attr:
            return a.default_value.type if a.has("default_value") else None
    return None
