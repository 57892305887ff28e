"""Legacy forms of ops, for a target that lacks the op today's TensorFlow emits, or cannot run the way a graph uses
it: the one table of rewrites that `tfinterop export --target` and `tfinterop fix` share.

A rewrite is planned on the live tf.Graph (where static shapes and attrs are known) before anything is
written, and applied to the written MetaGraphDefs (saved_model.pb) before the model is moved into place.
Each is exact: it computes the same values, or it is not planned. Three kinds:

  Composed forms (composed_forms.py, where each is argued): the node is computed by a subgraph of ops the target
  has, built with TensorFlow's own ops in a scratch graph and spliced in; the node keeps its name as the Identity
  (IdentityN) of the form's results, so its consumers read the same tensors.
    - ops the target lacks: SelectV2, LeakyRelu, BatchMatMulV2, Einsum, BroadcastTo, ParseExampleV2, DivNoNan,
      MulNoNan, Xlogy, Xlog1py, DenseBincount, StaticRegexReplace;
    - for TF 1.x targets, uses of ops they register whose kernels cannot run them: grouped Conv2D, NCHW
      FusedBatchNorm, Softmax and LogSoftmax of rank other than 2, TensorListReserve (TF 1.8's is always empty),
      TensorListStack of lists of unknown element shapes (TF 1.8 refuses to stack them);
    - nodes with an attr the target's op lacks, holding another value than its default: half-pixel resizes,
      Equal and NotEqual with incompatible_shape_error=False.

  Renames:
    FusedBatchNormV3(x, scale, offset, mean, variance) -> FusedBatchNorm(...)
        both normalise x the same way; V3 adds the attr U (the dtype of scale, offset, mean and variance) and a
        sixth output (reserve_space_3). Exact when T and U are float32 (all FusedBatchNorm takes), the sixth
        output is unused and exponential_avg_factor holds its default (it only matters in training).

  Older signatures:
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

from tfinterop.compat import composed_forms
from tfinterop.core.errors import TargetIncompatibleError

# Ops a target lacks with a composed form.
COMPOSED_FORMS = {"SelectV2": composed_forms.select_v2, "LeakyRelu": composed_forms.leaky_relu,
                  "BatchMatMulV2": composed_forms.batch_matmul, "Einsum": composed_forms.einsum,
                  "BroadcastTo": composed_forms.broadcast_to, "ParseExampleV2": composed_forms.parse_example_v2,
                  "DenseBincount": composed_forms.dense_bincount,
                  "StaticRegexReplace": composed_forms.static_regex_replace,
                  "AddV2": composed_forms.add_v2,
                  **{op: composed_forms.zero_where_zero for op in composed_forms.NO_NAN}}
# Ops a TF 1.x target registers whose kernels cannot run some uses of them: op -> the composed form of such a use
# (None where the node's use is fine).
KERNEL_FITS = {"Softmax": composed_forms.two_d, "LogSoftmax": composed_forms.two_d,
               "Conv2D": composed_forms.grouped_conv, "FusedBatchNorm": composed_forms.nchw_batch_norm,
               "FusedBatchNormV3": composed_forms.nchw_batch_norm, "TensorListReserve": composed_forms.filled_list,
               "TensorListStack": composed_forms.stacked_items}
# Ops whose attr the target's op lacks, holding a value other than its default: op -> the composed form.
ATTR_FITS = {"ResizeBilinear": composed_forms.half_pixel_resize,
             "ResizeNearestNeighbor": composed_forms.half_pixel_resize,
             "Equal": composed_forms.equal_shapes_broadcast, "NotEqual": composed_forms.equal_shapes_broadcast}
RENAMES = {"FusedBatchNormV3": "FusedBatchNorm"}
# The op each legacy form is built on, which the target must have (check.py names it in its advice).
LEGACY_FORMS = {"SelectV2": "Select", "LeakyRelu": "Maximum", "BatchMatMulV2": "BatchMatMul", **RENAMES}
# Ops the target has under the same name with an input fewer: op -> (the input's index, its name, the type attr
# that only that input uses, if any).
OLDER_SIGNATURES = {"TensorListGetItem": (2, "element_shape", "Tshape"),
                    "TensorListStack": (1, "element_shape", None)}


@dataclass
class Rewrite:
    node: str
    op: str                                       # the op it replaces
    form: str = ""                                # what it becomes: the legacy op, or the composed form's name
    drop_input: int | None = None                 # OLDER_SIGNATURES: the input the target's op lacks
    drop_attrs: tuple = ()                        # attrs the legacy form lacks, whatever they hold
    subgraph: list = field(default_factory=list)  # composed forms: the NodeDefs that compute the node's outputs
    results: list = field(default_factory=list)   # composed forms: the tensors that are its outputs, in order
    dtypes: list = field(default_factory=list)    # composed forms: their DataTypes

    @property
    def kind(self) -> str:
        if self.drop_input is not None:
            return f"{self.op} without {OLDER_SIGNATURES[self.op][1]}"
        return f"{self.op}->{self.form}"


def plan(graph, target) -> list:
    """The rewrites `graph` needs for `target`; raises when an op the target lacks has no legacy form that fits."""
    rewrites, missing = [], []
    tf1 = target.tensorflow_version.startswith("1.")
    for op in graph.get_operations():
        if graph._is_function(op.type):            # noqa: SLF001 -- functions aren't ops
            continue
        try:
            fit = None
            if tf1 and op.type in KERNEL_FITS and (target.has_op(op.type) or op.type in RENAMES):
                # (a target without the op at all, and no older name for it: TF 1.4 has no TensorList ops)
                fit = KERNEL_FITS[op.type](op, target)
            elif op.type in ATTR_FITS and target.has_op(op.type):
                fit = ATTR_FITS[op.type](op, target)
            elif op.type in COMPOSED_FORMS and not target.has_op(op.type):
                fit = COMPOSED_FORMS[op.type](op, target)
            if fit is not None:
                rewrites.append(compose(op, *fit, target))
                continue
        except composed_forms.Misfit as e:
            missing.append((op, f"its legacy form does not fit: {e}"))
            continue
        if target.has_op(op.type):
            if op.type in OLDER_SIGNATURES:
                rewrite, why_not = _plan_older_signature(op, target)
                if rewrite is not None:
                    rewrites.append(rewrite)
                elif why_not:
                    missing.append((op, why_not))
        elif op.type in COMPOSED_FORMS:
            pass                                     # planned above
        elif op.type not in RENAMES:
            missing.append((op, f"no legacy form: {composed_forms.NO_FORM[op.type]}" if op.type in
                            composed_forms.NO_FORM else "no legacy form known"))
        elif not target.has_op(RENAMES[op.type]):
            missing.append((op, f"{target.name} lacks its legacy form {RENAMES[op.type]!r} too"))
        else:
            rewrite, why_not = _plan_batch_norm(op)
            if rewrite is not None:
                rewrites.append(rewrite)
            else:
                missing.append((op, why_not))
    if missing:
        listed = "; ".join(f"node {op.name!r} (op {op.type!r}: {why})" for op, why in missing)
        raise TargetIncompatibleError(f"{target.name} cannot run this graph: {listed}. Nothing was written; "
                                      f"build the graph from ops {target.name} registers")
    return rewrites


def compose(op, form, build, target) -> Rewrite:
    """The Rewrite that replaces `op` by what build(tf, *inputs) computes: built in a scratch graph on placeholders
    shaped as op's inputs, its nodes named under `op.name/legacy_form/` and fed by op's own inputs, each holding only
    attrs the target's op has (an attr it lacks must hold its default, which the target assumes)."""
    from tensorflow.python.framework import op_def_registry
    from tfinterop.core.tf_import import tensorflow
    tf = tensorflow()
    scratch = tf.Graph()
    with scratch.as_default():
        args = [tf.compat.v1.placeholder(x.dtype, x.shape, name=f"arg_{i}") for i, x in enumerate(op.inputs)]
        results = build(tf, *args)
    prefix = f"{op.name}/legacy_form"
    feeds = {f"arg_{i}": x.name for i, x in enumerate(op.inputs)}

    def renamed(ref):
        node, _, port = ref.lstrip("^").partition(":")
        if node in feeds:
            return feeds[node]
        return ("^" if ref.startswith("^") else "") + f"{prefix}/{node}" + (f":{port}" if port else "")

    nodes = []
    for node in scratch.as_graph_def().node:
        if node.name in feeds:
            continue
        if not target.has_op(node.op):
            raise composed_forms.Misfit(f"its form uses {node.op!r}, which {target.name} lacks")
        if node.op in OLDER_SIGNATURES:
            _fit_signature(node, target)
        theirs = {a.name for a in target.op_def(node.op).attr}
        defaults = {a.name: a.default_value for a in op_def_registry.get(node.op).attr if a.HasField("default_value")}
        for name in [n for n in node.attr if n not in theirs]:
            if defaults.get(name) != node.attr[name]:
                raise composed_forms.Misfit(f"its form's {node.op!r} needs attr {name!r}, which {target.name} lacks")
            del node.attr[name]
        if "experimental_type" in node.DESCRIPTOR.fields_by_name:     # TF 2.x's full-type info, unknown to TF 1.x
            node.ClearField("experimental_type")
        node.name, node.device = f"{prefix}/{node.name}", op.device
        node.input[:] = [renamed(i) for i in node.input]
        nodes.append(node)
    if any(out.consumers() for out in op.outputs[len(results):]):
        raise composed_forms.Misfit(f"its form computes {len(results)} of its {len(op.outputs)} outputs, and a "
                                    f"later one is used")
    return Rewrite(op.name, op.type, form=form, subgraph=nodes, results=[renamed(t.name) for t in results],
                   dtypes=[t.dtype.as_datatype_enum for t in results])


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
    return Rewrite(op.name, "FusedBatchNormV3", form="FusedBatchNorm",
                   drop_attrs=("U", "exponential_avg_factor")), None


def _fit_signature(node, target):
    """A composed form's NodeDef of an op the target has with an input fewer: that input and its attr dropped."""
    index, name, type_attr = OLDER_SIGNATURES[node.op]
    if len(target.op_def(node.op).input_arg) < len([i for i in node.input if not i.startswith("^")]):
        del node.input[index]
        if type_attr in node.attr:
            del node.attr[type_attr]


def _plan_older_signature(op, target):
    """(None, None) when the target's op takes this node as it is."""
    index, name, type_attr = OLDER_SIGNATURES[op.type]
    theirs = [a.name for a in target.op_def(op.type).input_arg]
    ours = [a.name for a in op.op_def.input_arg]
    if theirs == ours:
        return None, None
    if theirs != ours[:index] + ours[index + 1:] or ours[index] != name:
        return None, f"{target.name}'s {op.type!r} takes ({', '.join(theirs)}), no older form of ({', '.join(ours)})"
    return Rewrite(op.name, op.type, form=op.type, drop_input=index, drop_attrs=(type_attr,) if type_attr else ()), None


def apply(meta_graph, rewrites) -> None:
    """Rewrites one MetaGraphDef in place, and records the ops it now uses in its stripped_op_list."""
    nodes = {n.name: n for n in meta_graph.graph_def.node}
    for rw in rewrites:
        node = nodes[rw.node]
        if rw.subgraph:
            _apply_composed(meta_graph, node, rw)
            continue
        if rw.drop_input is not None:
            data = [x for x in node.input if not x.startswith("^")]
            del node.input[list(node.input).index(data[rw.drop_input])]
        for attr in rw.drop_attrs:          # the plan made sure they say nothing the legacy form does not
            if attr in node.attr:
                del node.attr[attr]
        node.op = rw.form
    record_used_ops(meta_graph)


def _apply_composed(meta_graph, node, rw):
    """The node becomes the Identity of its composed form's result (IdentityN of several), keeping its name and
    control inputs."""
    from tensorflow.core.framework import attr_value_pb2
    meta_graph.graph_def.node.extend(rw.subgraph)
    controls = [i for i in node.input if i.startswith("^")]
    node.ClearField("attr")
    del node.input[:]
    node.input.extend(rw.results + controls)
    if len(rw.results) == 1:
        node.op = "Identity"
        node.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=rw.dtypes[0]))
    else:
        node.op = "IdentityN"
        node.attr["T"].CopyFrom(attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(type=rw.dtypes)))


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
