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

    LeakyRelu(x; alpha) -> Maximum(x, Mul(x, alpha))          for 0 <= alpha <= 1
                        -> Select(Greater(x, 0), x, Mul(x, alpha))   for any other alpha
        the kernel computes x > 0 ? x : x * alpha; for alpha in [0, 1], x * alpha <= x exactly when x >= 0, so
        the larger of the two is that (the same product, so the same float: -0.0, infinities and NaN included).
        Any other alpha takes the kernel's own select. The alpha is kept in the plan: the writer strips it
        from the node when it holds its default (0.2).
    BatchMatMulV2(x, y) -> BatchMatMul(x', y')
        TF 1.x's BatchMatMul does not broadcast: x and y need the same rank and the same batch dimensions.
        Where one has a known 1 and the other n, known or only known at run time, that input is tiled n
        times along it (Tile: the same values, repeated; a size known at run time is read with Shape).
        An input of lower rank whose shape is known is first reshaped with leading 1s (Reshape: the same
        values). Unknown batch dimensions on both sides are taken as they come: where they differ at run
        time, BatchMatMul refuses to run (loudly, never silently differently; `fix` runs it to prove which).
        A lower-rank input of unknown shape has no legacy form yet. grad_x/grad_y (set only in gradients)
        must hold their default.


Composed forms (composed_forms.py: Einsum, BroadcastTo, and for TF 1.x targets the uses of ops they register
but whose kernels cannot run them: grouped Conv2D, NCHW FusedBatchNorm, half-pixel resizes, Softmax of rank
other than 2) replace a node by a subgraph built with TensorFlow's own ops in a scratch graph: the node keeps its
name as the Identity (IdentityN) of the form's results, so its consumers read the same tensors.

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

LEGACY_FORMS = {"SelectV2": "Select", "FusedBatchNormV3": "FusedBatchNorm", "LeakyRelu": "Maximum",
                "BatchMatMulV2": "BatchMatMul"}
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
    form: str = ""                             # the legacy op, where it is not LEGACY_FORMS' (LeakyRelu -> Select)
    alpha: float | None = None                 # LeakyRelu's alpha
    tile: dict = field(default_factory=dict)   # BatchMatMulV2: input index (0 or 1) -> multiples, one per
    #                                            dimension (None: the other input's size there, at run time)
    reshape: dict = field(default_factory=dict)  # BatchMatMulV2: input index -> its shape with leading 1s
    subgraph: list = field(default_factory=list)  # composed forms: the NodeDefs that compute the node's outputs
    results: list = field(default_factory=list)   # composed forms: the tensors that are its outputs, in order

    @property
    def legacy_op(self) -> str:
        return self.form or LEGACY_FORMS.get(self.op, self.op)

    @property
    def kind(self) -> str:
        if self.drop_input is not None:
            return f"{self.op} without {OLDER_SIGNATURES[self.op][1]}"
        return f"{self.op}->{self.legacy_op}"


# Ops a TF 1.x target registers whose kernels cannot run some uses of them: op -> the composed form of such a use
# (None where the node's use is fine).
KERNEL_FITS = {"Softmax": composed_forms.two_d, "LogSoftmax": composed_forms.two_d,
               "Conv2D": composed_forms.grouped_conv, "FusedBatchNorm": composed_forms.nchw_batch_norm,
               "FusedBatchNormV3": composed_forms.nchw_batch_norm}
# Ops whose attr the target's op lacks, holding a value other than its default: op -> the composed form.
ATTR_FITS = {"ResizeBilinear": composed_forms.half_pixel_resize,
             "ResizeNearestNeighbor": composed_forms.half_pixel_resize}
# Ops a target lacks with a composed form.
COMPOSED_FORMS = {"Einsum": composed_forms.einsum, "BroadcastTo": composed_forms.broadcast_to}


def plan(graph, target) -> list:
    """The rewrites `graph` needs for `target`; raises when an op the target lacks has no legacy form that fits."""
    rewrites, missing = [], []
    tf1 = target.tensorflow_version.startswith("1.")
    for op in graph.get_operations():
        if graph._is_function(op.type):            # noqa: SLF001 -- functions aren't ops
            continue
        fit = None
        try:
            if tf1 and op.type in KERNEL_FITS:
                fit = KERNEL_FITS[op.type](op)
            elif op.type in ATTR_FITS and target.has_op(op.type):
                fit = ATTR_FITS[op.type](op, target)
            elif op.type in COMPOSED_FORMS and not target.has_op(op.type):
                fit = COMPOSED_FORMS[op.type](op)
            if fit is not None:
                rewrites.append(compose(op, *fit, target))
                continue
        except composed_forms.Misfit as e:
            missing.append((op, f"its composed form does not fit: {e}"))
            continue
        if op.type in OLDER_SIGNATURES and target.has_op(op.type):
            rewrite, why_not = _plan_older_signature(op, target)
            if rewrite is not None:
                rewrites.append(rewrite)
            elif why_not:
                missing.append((op, why_not))
            continue
        if target.has_op(op.type):
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
        theirs = {a.name for a in target.op_def(node.op).attr}
        defaults = {a.name: a.default_value for a in op_def_registry.get(node.op).attr if a.HasField("default_value")}
        for name in [n for n in node.attr if n not in theirs]:
            if defaults.get(name) != node.attr[name]:
                raise composed_forms.Misfit(f"its form's {node.op!r} needs attr {name!r}, which {target.name} lacks")
            del node.attr[name]
        node.ClearField("experimental_type")
        node.name, node.device = f"{prefix}/{node.name}", op.device
        node.input[:] = [renamed(i) for i in node.input]
        nodes.append(node)
    return Rewrite(op.name, op.type, form=form, subgraph=nodes, results=[renamed(t.name) for t in results],
                   dtype=results[0].dtype.as_datatype_enum)


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


def _plan_leaky_relu(op):
    dtype = op.get_attr("T")
    if not dtype.is_floating:
        return None, f"its legacy form does not fit its dtype {dtype.name}"
    alpha = float(op.get_attr("alpha"))
    form = "Maximum" if 0.0 <= alpha <= 1.0 else "Select"
    return Rewrite(op.name, "LeakyRelu", dtype=dtype.as_datatype_enum, drop_attrs=("alpha",), form=form,
                   alpha=alpha), None


def _plan_batch_matmul(op):
    x, y = op.inputs
    for attr in ("grad_x", "grad_y"):
        if attr in op.node_def.attr and op.get_attr(attr):
            return None, f"its legacy form 'BatchMatMul' does not fit: {attr} is true (set only in gradients)"
    misfit = f"its legacy form 'BatchMatMul' does not fit its shapes {x.shape} and {y.shape}"
    if x.shape.rank is None or y.shape.rank is None or min(x.shape.rank, y.shape.rank) < 2:
        return None, misfit + " (BatchMatMul takes inputs of known rank, 2 or more)"
    rank = max(x.shape.rank, y.shape.rank)
    shapes, reshape = [x.shape.as_list(), y.shape.as_list()], {}
    for index, shape in enumerate(shapes):
        if len(shape) < rank:
            if None in shape:
                return None, misfit + " (the input of lower rank has a shape known only at run time)"
            shapes[index] = reshape[index] = [1] * (rank - len(shape)) + shape
    tile = {}
    for i, (a, b) in enumerate(zip(shapes[0][:-2], shapes[1][:-2])):
        if a == b or (a != 1 and b is None) or (b != 1 and a is None):
            continue                         # the same, or (unknown) the same or refused at run time
        if a == 1:
            tile.setdefault(0, [1] * rank)[i] = b       # b, or None: y's size at run time
        elif b == 1:
            tile.setdefault(1, [1] * rank)[i] = a
        else:
            return None, misfit + f" (batch dimension {i}: {a} against {b})"
    return Rewrite(op.name, "BatchMatMulV2", dtype=x.dtype.as_datatype_enum, drop_attrs=("grad_x", "grad_y"),
                   tile=tile, reshape=reshape), None


PLANNERS = {"SelectV2": _plan_select, "FusedBatchNormV3": _plan_batch_norm, "LeakyRelu": _plan_leaky_relu,
            "BatchMatMulV2": _plan_batch_matmul}


def apply(meta_graph, rewrites, target) -> None:
    """Rewrites one MetaGraphDef in place, and records the ops it now uses in its stripped_op_list."""
    nodes = {n.name: n for n in meta_graph.graph_def.node}
    for rw in rewrites:
        node = nodes[rw.node]
        if rw.op == "SelectV2":
            _apply_select(meta_graph, node, rw, target)
        if rw.op == "LeakyRelu":
            _apply_leaky_relu(meta_graph, node, rw)
        if rw.subgraph:
            _apply_composed(meta_graph, node, rw)
            continue
        if rw.reshape:
            _apply_reshape(meta_graph, node, rw)
        if rw.tile:
            _apply_tile(meta_graph, node, rw)
        if rw.drop_input is not None:
            data = [x for x in node.input if not x.startswith("^")]
            del node.input[list(node.input).index(data[rw.drop_input])]
        for attr in rw.drop_attrs:          # the plan made sure they say nothing the legacy form does not
            if attr in node.attr:
                del node.attr[attr]
        node.op = rw.legacy_op
    record_used_ops(meta_graph)


def _apply_select(meta_graph, node, rw, target):
    from tensorflow.core.framework import types_pb2
    for index, source in rw.fill.items():
        shape = _node(f"{rw.node}/legacy_shape_{index}", "Shape", [source], node.device, rw.dtype)
        fill = _node(f"{rw.node}/legacy_fill_{index}", "Fill", [shape.name, node.input[index]], node.device, rw.dtype)
        # out_type/index_type default to int32 in the target as in today's TF: left unset, as stripped.
        assert _default(target, "Shape", "out_type") == types_pb2.DT_INT32
        assert _default(target, "Fill", "index_type") in (None, types_pb2.DT_INT32)
        meta_graph.graph_def.node.extend([shape, fill])
        node.input[index] = fill.name


def _node(name, op, inputs, device, t=None, **attrs):
    """A NodeDef for a legacy form: T = t (a DataType), and other attrs as AttrValues."""
    from tensorflow.core.framework import attr_value_pb2, node_def_pb2
    node = node_def_pb2.NodeDef(name=name, op=op, input=inputs, device=device)
    if t is not None:
        node.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=t))
    for key, value in attrs.items():
        node.attr[key].CopyFrom(value)
    return node


def _const(name, value, dtype, device):
    from tensorflow.core.framework import attr_value_pb2
    from tensorflow.python.framework import dtypes, tensor_util
    tensor = tensor_util.make_tensor_proto(value, dtype=dtypes.as_dtype(dtype))
    return _node(name, "Const", [], device, value=attr_value_pb2.AttrValue(tensor=tensor),
                 dtype=attr_value_pb2.AttrValue(type=dtype))


def _apply_leaky_relu(meta_graph, node, rw):
    """x -> Maximum(x, x * alpha), or Select(x > 0, x, x * alpha): the node keeps its name (its consumers'), and
    its T, which the writer stripped where it held LeakyRelu's default (float32) and Maximum and Select lack."""
    from tensorflow.core.framework import attr_value_pb2
    node.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=rw.dtype))
    x = node.input[0]
    alpha = _const(f"{rw.node}/legacy_alpha", rw.alpha, rw.dtype, node.device)
    scaled = _node(f"{rw.node}/legacy_scaled", "Mul", [x, alpha.name], node.device, rw.dtype)
    new = [alpha, scaled]
    if rw.legacy_op == "Maximum":
        node.input[:] = [x, scaled.name] + [i for i in node.input if i.startswith("^")]
    else:
        zero = _const(f"{rw.node}/legacy_zero", 0, rw.dtype, node.device)
        positive = _node(f"{rw.node}/legacy_positive", "Greater", [x, zero.name], node.device, rw.dtype)
        new += [zero, positive]
        node.input[:] = [positive.name, x, scaled.name] + [i for i in node.input if i.startswith("^")]
    meta_graph.graph_def.node.extend(new)


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
        node.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=rw.dtype))
    else:
        raise AssertionError("composed forms compute one output")     # none computes more, yet


def _size_at(name, shape, i, device) -> list:
    """The nodes that read dimension i (-1: the last) of the Shape node `shape` as an int32 scalar; the last of
    them (named `name`) is the size."""
    from tensorflow.core.framework import attr_value_pb2, types_pb2
    int32 = types_pb2.DT_INT32
    bounds = [_const(f"{name}/{what}", [v], int32, device)
              for what, v in (("begin", i), ("end", 0 if i == -1 else i + 1), ("stride", 1))]
    size = _node(name, "StridedSlice", [shape, *(b.name for b in bounds)], device, int32,
                 Index=attr_value_pb2.AttrValue(type=int32), shrink_axis_mask=attr_value_pb2.AttrValue(i=1),
                 end_mask=attr_value_pb2.AttrValue(i=1 if i == -1 else 0))
    return [*bounds, size]


def _apply_reshape(meta_graph, node, rw):
    """BatchMatMulV2's input of lower rank, reshaped with leading 1s to the other's rank."""
    from tensorflow.core.framework import types_pb2
    for index, shape in rw.reshape.items():
        prefix = f"{rw.node}/legacy_reshape_{index}"
        target_shape = _const(f"{prefix}/shape", shape, types_pb2.DT_INT32, node.device)
        reshaped = _node(prefix, "Reshape", [node.input[index], target_shape.name], node.device, rw.dtype)
        meta_graph.graph_def.node.extend([target_shape, reshaped])
        node.input[index] = reshaped.name


def _apply_tile(meta_graph, node, rw):
    """BatchMatMulV2's inputs with a batch dimension of 1 where the other's is n, tiled n times along it; an n
    known only at run time is read from the other input's Shape."""
    from tensorflow.core.framework import attr_value_pb2, types_pb2
    int32 = types_pb2.DT_INT32
    for index, multiples in rw.tile.items():
        prefix = f"{rw.node}/legacy_tile_{index}"
        if None not in multiples:
            m = _const(f"{prefix}/multiples", multiples, int32, node.device)
            new = [m]
        else:
            other = node.input[1 - index]
            shape = _node(f"{prefix}/other_shape", "Shape", [other], node.device, rw.dtype)
            new, parts = [shape], []
            for i, n in enumerate(multiples):
                if n is not None:
                    part = _const(f"{prefix}/multiple_{i}", n, int32, node.device)
                    new.append(part)
                else:
                    size = _size_at(f"{prefix}/multiple_{i}", shape.name, i, node.device)
                    new += size
                    part = size[-1]
                parts.append(part.name)
            m = _node(f"{prefix}/multiples", "Pack", parts, node.device, int32,
                      N=attr_value_pb2.AttrValue(i=len(parts)))
            new.append(m)
        tiled = _node(prefix, "Tile", [node.input[index], m.name], node.device, rw.dtype)
        meta_graph.graph_def.node.extend([*new, tiled])
        node.input[index] = tiled.name


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
