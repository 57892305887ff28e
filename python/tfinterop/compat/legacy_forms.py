"""Legacy forms of ops, for a target that lacks the op today's TensorFlow emits: the one table of rewrites
that `tfinterop export --target` and `tfinterop fix` share.

A rewrite is planned on the live tf.Graph (where static shapes and attrs are known) before anything is
written, and applied to the written MetaGraphDefs (saved_model.pb) before the model is moved into place.
Each is exact: it computes the same values, or it is not planned.

    SelectV2(c, t, e) -> Select(c, t', e')
        TF 1.x's Select does not broadcast: t and e must have the output's shape, c that shape or be a
        scalar. A scalar arm is broadcast with Fill(Shape(other), arm); any other shape mismatch has no
        legacy form.
    FusedBatchNormV3(x, scale, offset, mean, variance) -> FusedBatchNorm(...)
        in inference (is_training=false) both normalise x with the given mean and variance; V3 adds the
        attr U (the dtype of scale, offset, mean and variance) and a sixth output (reserve_space_3).
        Exact when T and U are float32 (all FusedBatchNorm takes), the sixth output is unused and
        exponential_avg_factor holds its default (it only matters in training).

    TensorListGetItem(handle, index, element_shape) -> TensorListGetItem(handle, index)
    TensorListStack(handle, element_shape) -> TensorListStack(handle)
        TF 1.8's TensorList ops are the same ops without the element_shape input (and GetItem's Tshape attr).
        element_shape only shapes what an unset element reads as; TF 1.8 refuses to read or stack an unset
        element at run time instead. So the older form gives the same values or fails loudly, never
        silently differently (and `fix` runs the result to prove which).

An op the target lacks that has no legacy form, or whose legacy form does not fit, stops the caller
(TargetIncompatibleError names the node and why).
"""

from dataclasses import dataclass, field

from tfinterop.core.errors import TargetIncompatibleError

LEGACY_FORMS = {"SelectV2": "Select", "FusedBatchNormV3": "FusedBatchNorm"}
# Ops the target has under the same name with an input fewer: op -> (the input's index, its name, the type attr
# that only that input uses, if any).
OLDER_SIGNATURES = {"TensorListGetItem": (2, "element_shape", "Tshape"),
                    "TensorListStack": (1, "element_shape", None)}


@dataclass
class Rewrite:
    node: str
    op: str                                    # the op it replaces
    fill: dict = field(default_factory=dict)   # SelectV2: input index (1 or 2) -> a tensor with the output's shape
    dtype: int = 0                             # SelectV2: DataType of t and e
    drop_input: int | None = None              # OLDER_SIGNATURES: the input the target's op lacks
    drop_attrs: tuple = ()                     # attrs the legacy form lacks, whatever they hold

    @property
    def kind(self) -> str:
        if self.drop_input is not None:
            return f"{self.op} without {OLDER_SIGNATURES[self.op][1]}"
        return f"{self.op}->{LEGACY_FORMS[self.op]}"


def plan(graph, target) -> list:
    """The rewrites `graph` needs for `target`; raises when an op the target lacks has no legacy form that fits."""
    rewrites, missing = [], []
    for op in graph.get_operations():
        if op.type in OLDER_SIGNATURES and target.has_op(op.type):
            rewrite, why_not = _plan_older_signature(op, target)
            if rewrite is not None:
                rewrites.append(rewrite)
            elif why_not:
                missing.append((op, why_not))
            continue
        if target.has_op(op.type) or graph._is_function(op.type):   # noqa: SLF001 -- functions aren't ops
            continue
        legacy = LEGACY_FORMS.get(op.type)
        why_not = None
        if legacy is None:
            why_not = "no legacy form known"
        elif not target.has_op(legacy):
            why_not = f"{target.name} lacks its legacy form {legacy!r} too"
        else:
            rewrite, why_not = PLANNERS[op.type](op)
            if rewrite is not None:
                rewrites.append(rewrite)
                continue
        missing.append((op, why_not))
    if missing:
        listed = "; ".join(f"node {op.name!r} (op {op.type!r}: {why})" for op, why in missing)
        raise TargetIncompatibleError(f"{target.name} cannot run this graph: {listed}. Nothing was written; "
                                      f"build the graph from ops {target.name} registers")
    return rewrites


def _same(a, b) -> bool:
    return a.rank is not None and b.rank is not None and a.as_list() == b.as_list()


def _plan_select(op):
    cond, t, e = op.inputs
    out = op.outputs[0].shape
    misfit = (None, f"its legacy form 'Select' does not fit its shapes (condition {cond.shape}, arms {t.shape} and "
                    f"{e.shape}, output {out})")
    full = [x for x in (t, e, cond) if _same(x.shape, out)]
    if not full or not (cond.shape.rank == 0 or _same(cond.shape, out)):
        return misfit
    fill = {}
    for index, arm in ((1, t), (2, e)):
        if _same(arm.shape, out):
            continue
        if arm.shape.rank != 0:
            return misfit
        fill[index] = full[0].name
    return Rewrite(op.name, "SelectV2", fill, t.dtype.as_datatype_enum), None


def _plan_batch_norm(op):
    from tfinterop.core.tf_import import tensorflow
    tf = tensorflow()
    problems = []
    if op.get_attr("is_training"):
        problems.append("is_training is true (only inference has a legacy form)")
    if op.get_attr("T") != tf.float32 or op.get_attr("U") != tf.float32:
        problems.append(f"T={op.get_attr('T').name}, U={op.get_attr('U').name} (FusedBatchNorm takes float32 only)")
    if op.get_attr("exponential_avg_factor") != 1.0:
        problems.append(f"exponential_avg_factor={op.get_attr('exponential_avg_factor')} (not its default 1.0)")
    if op.outputs[5].consumers():
        problems.append("its output reserve_space_3, which FusedBatchNorm lacks, is used")
    if problems:
        return None, "its legacy form 'FusedBatchNorm' does not fit: " + "; ".join(problems)
    return Rewrite(op.name, "FusedBatchNormV3", drop_attrs=("U", "exponential_avg_factor")), None


def _plan_older_signature(op, target):
    """(None, None) when the target's op takes this node as it is."""
    index, name, type_attr = OLDER_SIGNATURES[op.type]
    theirs = [a.name for a in target.op_def(op.type).input_arg]
    ours = [a.name for a in op.op_def.input_arg]
    if theirs == ours:
        return None, None
    if theirs != ours[:index] + ours[index + 1:] or ours[index] != name:
        return None, f"{target.name}'s {op.type!r} takes ({', '.join(theirs)}), no older form of ({', '.join(ours)})"
    return Rewrite(op.name, op.type, drop_input=index, drop_attrs=(type_attr,) if type_attr else ()), None


PLANNERS = {"SelectV2": _plan_select, "FusedBatchNormV3": _plan_batch_norm}


def apply(meta_graph, rewrites, target) -> None:
    """Rewrites one MetaGraphDef in place, and records the ops it now uses in its stripped_op_list."""
    nodes = {n.name: n for n in meta_graph.graph_def.node}
    for rw in rewrites:
        node = nodes[rw.node]
        if rw.op == "SelectV2":
            _apply_select(meta_graph, node, rw, target)
        if rw.drop_input is not None:
            data = [x for x in node.input if not x.startswith("^")]
            del node.input[list(node.input).index(data[rw.drop_input])]
        for attr in rw.drop_attrs:          # the plan made sure they say nothing the legacy form does not
            if attr in node.attr:
                del node.attr[attr]
        node.op = LEGACY_FORMS.get(rw.op, rw.op)
    record_used_ops(meta_graph)


def _apply_select(meta_graph, node, rw, target):
    from tensorflow.core.framework import attr_value_pb2, node_def_pb2, types_pb2
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


def record_used_ops(meta_graph) -> None:
    """The MetaGraphDef's stripped_op_list: the OpDefs of exactly the ops its graph uses."""
    from tensorflow.python.framework import op_def_registry
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
