"""Composed forms: an op, or a use of an op, that a TF 1.x target cannot run, computed by a small subgraph of ops it
can. Each form is written as TensorFlow code over the node's inputs (legacy_forms.compose builds it in a scratch
graph and splices its nodes in place of the node) and each is exact: the same arithmetic on the same values, in
the order the op's own kernel does it, so any difference is float rounding, held to the contract when `fix`
runs the result against the original.

    SelectV2(c, t, e) -> Select(c, t', e')
        TF 1.x's Select does not broadcast: t and e must have the output's shape, c that shape or be a
        scalar. A scalar arm is broadcast with Fill(Shape(other), arm); where the shapes are otherwise or
        unknown before it runs, each input is broadcast to BroadcastArgs of their shapes as BroadcastTo's form
        does (numbers and bools).
    LeakyRelu(x; alpha) -> Maximum(x, Mul(x, alpha))          for 0 <= alpha <= 1
                        -> Select(Greater(x, 0), x, Mul(x, alpha))   for any other alpha
        the kernel computes x > 0 ? x : x * alpha; for alpha in [0, 1], x * alpha <= x exactly when x >= 0, so
        the larger of the two is that (the same product, so the same float: -0.0, infinities and NaN included).
        Any other alpha takes the kernel's own select.
    BatchMatMulV2(x, y) -> BatchMatMul(x', y')
        TF 1.x's BatchMatMul does not broadcast: x and y need the same rank and the same batch dimensions.
        Where one has a known 1 and the other n, known or only known at run time, that input is tiled n
        times along it (Tile: the same values, repeated; a size known at run time is read with Shape).
        An input of lower rank whose shape is known is first reshaped with leading 1s (Reshape: the same
        values). Unknown batch dimensions on both sides are taken as they come: where they differ at run
        time, BatchMatMul refuses to run (loudly, never silently differently; `fix` runs it to prove which).
        A lower-rank input of unknown shape has no form yet. grad_x/grad_y (set only in gradients) must hold
        their default.
    Einsum(a[, b]; equation)
        -> Sum over the labels only one operand has, Transpose to [batch, free, contracted], Reshape to 3-D,
           BatchMatMul (MatMul without batch labels), Reshape and Transpose to the output's labels: what TF's own
           Einsum kernel does (einsum_op_impl.h), with its steps as ops. Ellipses and implicit outputs are
           expanded to labels first; sizes unknown until run time are read with Shape. A batch label of size 1
           (statically) on one side and n on the other is squeezed out of the first (a broadcast). A label
           repeated within one operand (a diagonal) and more than two operands have no form here.
    AddV2(x, y) -> Add(x, y)
        AddV2 (what `+` is in graphs from TF 1.13 on) is Add without strings: TensorFlow registers both with the
        same kernel (the elementwise sum, broadcasting alike) for every number type. TF 1.4 has Add only.
    BroadcastTo(x, shape) -> Mul(x, Fill(shape, 1))      (LogicalAnd with true for bool)
        multiplying by one is exact for every value (-0.0, infinities and NaN included), and the product
        broadcasts as BroadcastTo does, failing where it fails.
    Conv2D with fewer filter input channels than the input has (a grouped convolution; TF 1.x's CPU kernel
    takes the filter's depth to equal the input's)
        -> DepthwiseConv2dNative with the filter reshaped to [h, w, channels, multiplier], where each group is one
           channel (groups == channels, NHWC, no dilation: ConvNeXt's, MobileNet-style),
        -> else Split the input (channels) and the filter (output channels) into the groups, Conv2D each, and
           ConcatV2 the results: a grouped convolution is exactly that.
    FusedBatchNorm[V3] in NCHW (TF 1.x's CPU kernel: "only supports NHWC tensor format"), where only y is used
        -> Transpose to NHWC, FusedBatchNorm, Transpose back: per-channel arithmetic does not depend on layout
           (in inference with the given statistics, in training mode with the batch's: Keras 2's
           LayerNormalization normalises so).
    ResizeBilinear with half_pixel_centers (TF 2.x's default; TF 1.8's op has no such attr)
        -> GatherV2 of the rows and columns the kernel interpolates between, and its lerp
           (top + (bottom - top) * y_lerp of the two x-lerps), with the indices and weights computed here from
           the static sizes as the kernel computes them in float32 (HalfPixelScaler: (i + 0.5) * scale - 0.5). The
           sizes must be known statically (the output's, where shape inference worked them out of the size input).
    ResizeNearestNeighbor with half_pixel_centers
        -> GatherV2 of rows and columns min(floor((i + 0.5) * scale), size - 1): the kernel's choice, so a
           selection of the same values.
    ParseExampleV2(serialized, names, sparse_keys, dense_keys, ragged_keys, dense_defaults)
        -> ParseExample(serialized, names, sparse_keys..., dense_keys..., dense_defaults): the same parser, its keys
           given one scalar each; where no ragged feature is parsed, the outputs are the same, in the same order.
    TensorListReserve(element_shape, n) -> TensorListFromTensor(Fill([n] + element_shape, 0), element_shape)
        TF 1.8's kernel makes a list of no elements, whatever n is ("Trying to modify element 0 in a list with 0
        elements", measured in TF 1.8 outside any loop: every Keras RNN's loop fails so). The form's list has n
        elements, zeros, each of the element shape with its unknown dimensions 0: a list whose elements are
        all written before they are read (a Keras RNN writes step t at step t) gives the same values; an element
        read unwritten is zeros where TF 2.x reads zeros (a known shape), and an empty tensor where TF 2.x
        refuses (an unknown one). Given to every TF 1.x target: TF 1.15's kernel fills the list, and the form is
        exact there too; which release first did is not measured.
    TensorListStack(list) of a list whose length k is known before it runs (its static shape, or the constant
    length of the TensorListReserve it came from out of its loop, where no op of the graph changes a list's
    length: Keras 2's RNNs), for a target whose TensorListStack
    takes no element_shape (TF 1.8: "Tried to stack elements from a list with non-fully-defined shape", the
    shape of a list a Keras RNN makes for a batch of any size)
        -> Pack(TensorListGetItem(list, 0), ..., TensorListGetItem(list, k - 1)): stacking is exactly that.
    Softmax, LogSoftmax of rank other than 2 (TF 1.x's kernels: "logits must be 2-dimensional")
        -> Reshape to [-1, d], the op, Reshape back: both normalise along the last axis.
    DivNoNan(x, y), MulNoNan(x, y) -> Select(Equal(y', 0), ZerosLike(v), v)   v = Div(x, y), Mul(x, y)
    Xlogy(x, y), Xlog1py(x, y)     -> Select(Equal(x', 0), ZerosLike(v), v)   v = Mul(x, Log(y)), Mul(x, Log1p(y))
        each kernel is one select per element: y != 0 ? x / y : 0 (x * y for MulNoNan), x == 0 ? 0 : x * log(y)
        (log1p(y) for Xlog1py); ZerosLike's zero is its T(0), +0.0. The form computes v by the same broadcasting
        op and tests the operand the kernel tests, broadcast to v's shape by multiplying by one (exact: -0.0
        equals 0 there as in the kernel; NaN and the infinities are not 0, so v is taken, with its NaN or
        infinity). TF 1.8 lacks all four (ActivityRegularization's Keras 3 export holds a DivNoNan); TF 1.15 has
        all but Xlog1py.
    DenseBincount(input, size, weights; binary_output) with no weights, input of rank 1 or 2
        -> Sum(OneHot(input, size), the input's last axis)      (counts; then Minimum with 1 for binary_output)
        a count of each value below size along the last axis (per row for rank 2) is a sum of ones over its
        occurrences: exact, in integers and in floats up to 2^24 occurrences. OneHot ignores a value at or
        above size, as the kernel does; a negative value, which the kernel refuses to count (an error), counts
        nothing in the form. Keras' CategoryEncoding (multi_hot, count) emits it; with weights, no form here.
    Equal, NotEqual with incompatible_shape_error=False (Keras 3's ops.equal; TF 1.x's op has no such attr)
        -> Equal, NotEqual: where the shapes broadcast, the attr changes nothing; where they do not, TF 2.x
           answers a scalar false (true) and TF 1.x's kernel refuses to run (loudly, never silently otherwise).
           Shapes known to be incompatible before it runs have no form.
    StaticRegexReplace(input; pattern, rewrite, replace_global) -> RegexReplace(input, pattern, rewrite)
        the same RE2 replacement, its pattern and rewrite given as constant inputs.

Ops found missing that have no form here, each refused with its reason (NO_FORM below; COMPATIBILITY.md's layer
survey lists the layers that emit them).

A form that does not fit a node raises Misfit with the reason, which becomes fix's refusal.
"""

import numpy as np


class Misfit(Exception):
    """The form does not fit this node: the message says why."""


# ---- ops TF 1.8 lacks

def _same(a, b) -> bool:
    return a.rank is not None and b.rank is not None and a.as_list() == b.as_list()


def select_v2(op, target):
    cond, t, e = op.inputs
    out = op.outputs[0].shape
    full = [i for i, x in ((1, t), (2, e), (0, cond)) if _same(x.shape, out)]
    scalar = [i for i, arm in ((1, t), (2, e)) if not _same(arm.shape, out)]
    if full and (cond.shape.rank == 0 or _same(cond.shape, out)) and all(op.inputs[i].shape.rank == 0
                                                                         for i in scalar):
        def build(tf, *inputs):
            inputs = list(inputs)
            for i in scalar:
                inputs[i] = tf.raw_ops.Fill(dims=tf.raw_ops.Shape(input=inputs[full[0]]), value=inputs[i])
            return [tf.raw_ops.Select(condition=inputs[0], x=inputs[1], y=inputs[2])]
        return "Select", build
    dtype = t.dtype
    if not (dtype.is_floating or dtype.is_integer or dtype.is_complex or dtype.is_bool):
        raise Misfit(f"its shapes (condition {cond.shape}, arms {t.shape} and {e.shape}, output {out}) need a "
                     f"broadcast, which the form makes by multiplying by one: not for {dtype.name}")

    def broadcast(tf, *inputs):
        """Each input broadcast to the output's shape as BroadcastTo's form does (exact), then Select."""
        shapes = [tf.raw_ops.Shape(input=x) for x in inputs]
        shape = tf.raw_ops.BroadcastArgs(s0=tf.raw_ops.BroadcastArgs(s0=shapes[0], s1=shapes[1]), s1=shapes[2])
        c, x, y = (_times_one(tf, v, shape) for v in inputs)
        return [tf.raw_ops.Select(condition=c, x=x, y=y)]
    return "Select of broadcast inputs", broadcast


def add_v2(op, target):
    dtype = op.get_attr("T")
    if dtype.name == "string":
        raise Misfit("AddV2 of strings (Add's string concatenation is another kernel)")
    return "Add", lambda tf, x, y: [tf.raw_ops.Add(x=x, y=y)]


def leaky_relu(op, target):
    dtype = op.get_attr("T")
    if not dtype.is_floating:
        raise Misfit(f"its dtype {dtype.name} (the form is for floats)")
    alpha = float(op.get_attr("alpha"))
    form = "Maximum" if 0.0 <= alpha <= 1.0 else "Select"

    def build(tf, x):
        scaled = tf.raw_ops.Mul(x=x, y=tf.constant(alpha, dtype))
        if form == "Maximum":
            return [tf.raw_ops.Maximum(x=x, y=scaled)]
        return [tf.raw_ops.Select(condition=tf.raw_ops.Greater(x=x, y=tf.constant(0, dtype)), x=x, y=scaled)]
    return form, build


def batch_matmul(op, target):
    x, y = op.inputs
    for attr in ("grad_x", "grad_y"):
        if attr in op.node_def.attr and op.get_attr(attr):
            raise Misfit(f"{attr} is true (set only in gradients)")
    misfit = f"its shapes {x.shape} and {y.shape}"
    if x.shape.rank is None or y.shape.rank is None or min(x.shape.rank, y.shape.rank) < 2:
        raise Misfit(misfit + " (BatchMatMul takes inputs of known rank, 2 or more)")
    rank = max(x.shape.rank, y.shape.rank)
    shapes, reshape = [x.shape.as_list(), y.shape.as_list()], {}
    for i, shape in enumerate(shapes):
        if len(shape) < rank:
            if None in shape:
                raise Misfit(misfit + " (the input of lower rank has a shape known only at run time)")
            shapes[i] = reshape[i] = [1] * (rank - len(shape)) + shape
    tile = {}         # input index -> multiples, one per dimension (None: the other input's size there, at run time)
    for d, (a, b) in enumerate(zip(shapes[0][:-2], shapes[1][:-2])):
        if a == b or (a != 1 and b is None) or (b != 1 and a is None):
            continue                         # the same, or (unknown) the same or refused at run time
        if a == 1:
            tile.setdefault(0, [1] * rank)[d] = b
        elif b == 1:
            tile.setdefault(1, [1] * rank)[d] = a
        else:
            raise Misfit(misfit + f" (batch dimension {d}: {a} against {b})")
    adjoint = dict(adj_x=op.get_attr("adj_x"), adj_y=op.get_attr("adj_y"))

    def build(tf, *xy):
        xy = list(xy)
        for i, shape in reshape.items():
            xy[i] = tf.raw_ops.Reshape(tensor=xy[i], shape=shape)
        for i, multiples in tile.items():
            if None in multiples:
                other = tf.raw_ops.Shape(input=xy[1 - i])
                multiples = tf.raw_ops.Pack(values=[
                    tf.constant(m) if m is not None else
                    tf.raw_ops.StridedSlice(input=other, begin=[d], end=[d + 1], strides=[1], shrink_axis_mask=1)
                    for d, m in enumerate(multiples)], axis=0)
            xy[i] = tf.raw_ops.Tile(input=xy[i], multiples=multiples)
        return [tf.raw_ops.BatchMatMul(x=xy[0], y=xy[1], **adjoint)]
    return "BatchMatMul", build


def parse_example_v2(op, target):
    """ParseExampleV2 -> ParseExample: the same parser with its keys as scalars, where it parses no ragged feature
    (the outputs then line up: sparse indices, values and shapes, then dense values)."""
    from tensorflow.python.framework import tensor_util
    sparse, dense, ragged = (tensor_util.constant_value(op.inputs[i]) for i in (2, 3, 4))
    if sparse is None or dense is None or ragged is None:
        raise Misfit("its feature keys are computed at run time")
    if ragged.size:
        raise Misfit(f"it parses ragged features ({', '.join(k.decode() for k in ragged.ravel())}), which "
                     f"ParseExample cannot")
    attrs = dict(sparse_types=op.get_attr("sparse_types"), dense_shapes=op.get_attr("dense_shapes"))

    def build(tf, serialized, names, sparse_keys, dense_keys, ragged_keys, *dense_defaults):
        parsed = tf.raw_ops.ParseExample(serialized=serialized, names=names,
                                         sparse_keys=[tf.constant(k) for k in sparse.ravel()],
                                         dense_keys=[tf.constant(k) for k in dense.ravel()],
                                         dense_defaults=list(dense_defaults), **attrs)
        return [t for group in parsed for t in group]
    return "ParseExample", build


# ---- Einsum

def einsum(op, target):
    equation = op.get_attr("equation").decode()
    ranks = [x.shape.rank for x in op.inputs]
    if None in ranks:
        raise Misfit(f"its operands' ranks are not all known ({equation!r})")
    if len(ranks) > 2:
        raise Misfit(f"it has {len(ranks)} operands (the form takes one or two)")
    terms, out = _einsum_labels(equation, ranks)

    def build(tf, *operands):
        return [_einsum(tf, list(operands), terms, out)]
    return f"Einsum ({len(ranks)} operand{'s' if len(ranks) > 1 else ''})", build


def _einsum_labels(equation, ranks) -> tuple:
    """The equation's terms and output as strings of one label per dimension: an ellipsis becomes labels of its
    own (right-aligned across the operands, as it broadcasts), an implicit output the labels used once, sorted."""
    lhs, arrow, out = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ranks):
        raise Misfit(f"its equation {equation!r} has {len(terms)} terms for {len(ranks)} operands")
    spans = [rank - (len(t) - 3) for t, rank in zip(terms, ranks) if "..." in t]
    width = max(spans, default=0)
    ellipsis = [chr(0x100 + i) for i in range(width)]        # labels no equation uses
    expanded = []
    for term, rank in zip(terms, ranks):
        if "..." in term:
            n = rank - (len(term) - 3)
            term = term.replace("...", "".join(ellipsis[width - n:]))
        if len(term) != rank:
            raise Misfit(f"its equation {equation!r} does not match its operands' ranks {ranks}")
        if len(set(term)) != len(term):
            raise Misfit(f"its equation {equation!r} repeats a label within an operand (a diagonal)")
        expanded.append(term)
    if arrow:
        out = out.replace("...", "".join(ellipsis))
    else:
        counts = {}
        for label in "".join(expanded):
            counts[label] = counts.get(label, 0) + 1
        out = "".join(ellipsis) + "".join(sorted(l for l, n in counts.items() if n == 1 and l not in ellipsis))
    return expanded, out


class _Sized:
    """A tensor with the labels of its dimensions, whose sizes are ints where known statically, else scalars read
    with Shape at run time."""

    def __init__(self, tf, tensor, labels):
        self.tf, self.tensor, self.labels, self._shape = tf, tensor, labels, None

    def size(self, label):
        tf, i = self.tf, self.labels.index(label)
        known = self.tensor.shape[i]
        if known is not None:
            return int(known)
        if self._shape is None:
            self._shape = tf.raw_ops.Shape(input=self.tensor)
        return tf.raw_ops.StridedSlice(input=self._shape, begin=[i], end=[i + 1], strides=[1], shrink_axis_mask=1)


def _product(tf, sizes):
    """The product of sizes: an int where all are known, else a scalar computed at run time."""
    known = int(np.prod([s for s in sizes if isinstance(s, int)], dtype=np.int64))
    unknown = [s for s in sizes if not isinstance(s, int)]
    if not unknown:
        return known
    result = unknown[0]
    for s in unknown[1:]:
        result = tf.raw_ops.Mul(x=result, y=s)
    return result if known == 1 else tf.raw_ops.Mul(x=result, y=tf.constant(known))


def _shape(tf, sizes):
    if all(isinstance(s, int) for s in sizes):
        return tf.constant(sizes, tf.int32)
    return tf.raw_ops.Pack(values=[s if not isinstance(s, int) else tf.constant(s) for s in sizes], axis=0)


def _transposed(tf, x: _Sized, labels) -> _Sized:
    if list(labels) == list(x.labels):
        return x
    perm = [x.labels.index(label) for label in labels]
    return _Sized(tf, tf.raw_ops.Transpose(x=x.tensor, perm=perm), "".join(labels))


def _summed(tf, x: _Sized, keep) -> _Sized:
    gone = [i for i, label in enumerate(x.labels) if label not in keep]
    if not gone:
        return x
    return _Sized(tf, tf.raw_ops.Sum(input=x.tensor, axis=gone, keep_dims=False),
                  "".join(label for label in x.labels if label in keep))


def _squeezed(tf, x: _Sized, labels) -> _Sized:
    if not labels:
        return x
    axes = [x.labels.index(label) for label in labels]
    return _Sized(tf, tf.raw_ops.Squeeze(input=x.tensor, axis=axes),
                  "".join(label for label in x.labels if label not in labels))


def _einsum(tf, operands, terms, out):
    xs = [_Sized(tf, t, term) for t, term in zip(operands, terms)]
    if len(xs) == 1:
        return _transposed(tf, _summed(tf, xs[0], out), out).tensor
    a, b = xs
    a = _summed(tf, a, set(b.labels) | set(out))
    b = _summed(tf, b, set(a.labels) | set(out))
    # A label in both whose size is a static 1 on one side only is a broadcast: that side has no such dimension.
    shared = [label for label in a.labels if label in b.labels]
    ones_a = [l for l in shared if a.tensor.shape[a.labels.index(l)] == 1 and b.tensor.shape[b.labels.index(l)] != 1]
    ones_b = [l for l in shared if b.tensor.shape[b.labels.index(l)] == 1 and l not in ones_a
              and a.tensor.shape[a.labels.index(l)] != 1]
    if any(label not in out for label in ones_a + ones_b):
        raise Misfit("a contracted label has size 1 on one side only")
    a, b = _squeezed(tf, a, ones_a), _squeezed(tf, b, ones_b)
    batch = [label for label in out if label in a.labels and label in b.labels]
    contracted = [label for label in a.labels if label in b.labels and label not in out]
    free_a = [label for label in a.labels if label not in b.labels]
    free_b = [label for label in b.labels if label not in a.labels]
    a = _transposed(tf, a, batch + free_a + contracted)
    b = _transposed(tf, b, batch + contracted + free_b)
    m, k, n = (_product(tf, [x.size(l) for l in labels])
               for x, labels in ((a, free_a), (a, contracted), (b, free_b)))
    if batch:
        nb = _product(tf, [a.size(l) for l in batch])
        product = tf.raw_ops.BatchMatMul(x=tf.raw_ops.Reshape(tensor=a.tensor, shape=_shape(tf, [nb, m, k])),
                                         y=tf.raw_ops.Reshape(tensor=b.tensor, shape=_shape(tf, [nb, k, n])))
    else:
        product = tf.raw_ops.MatMul(a=tf.raw_ops.Reshape(tensor=a.tensor, shape=_shape(tf, [m, k])),
                                    b=tf.raw_ops.Reshape(tensor=b.tensor, shape=_shape(tf, [k, n])))
    sizes = [a.size(l) for l in batch + free_a] + [b.size(l) for l in free_b]
    result = _Sized(tf, tf.raw_ops.Reshape(tensor=product, shape=_shape(tf, sizes)), "".join(batch + free_a + free_b))
    return _transposed(tf, result, out).tensor


# ---- BroadcastTo

def broadcast_to(op, target):
    dtype = op.inputs[0].dtype
    if not (dtype.is_floating or dtype.is_integer or dtype.is_complex or dtype.is_bool):
        raise Misfit(f"its dtype {dtype.name} has no exact product with one")

    def build(tf, x, shape):
        return [_times_one(tf, x, shape)]
    return "Mul by ones", build


def _times_one(tf, x, shape):
    """x broadcast to `shape`: x * ones (LogicalAnd with true for bool), exact for every value."""
    if x.dtype.is_bool:
        return tf.raw_ops.LogicalAnd(x=x, y=tf.raw_ops.Fill(dims=shape, value=tf.constant(True)))
    return tf.raw_ops.Mul(x=x, y=tf.raw_ops.Fill(dims=shape, value=tf.constant(1, x.dtype)))


# ---- arithmetic that keeps NaN out: DivNoNan, MulNoNan, Xlogy, Xlog1py

# op -> (which operand the kernel tests for zero, what it computes where that is not zero)
NO_NAN = {"DivNoNan": (1, lambda tf, x, y: tf.raw_ops.Div(x=x, y=y)),
          "MulNoNan": (1, lambda tf, x, y: tf.raw_ops.Mul(x=x, y=y)),
          "Xlogy": (0, lambda tf, x, y: tf.raw_ops.Mul(x=x, y=tf.raw_ops.Log(x=y))),
          "Xlog1py": (0, lambda tf, x, y: tf.raw_ops.Mul(x=x, y=tf.raw_ops.Log1p(x=y)))}


def zero_where_zero(op, target):
    dtype = op.get_attr("T")
    if not dtype.is_floating:
        raise Misfit(f"its dtype {dtype.name} (the form is for floats)")
    tested, compute = NO_NAN[op.type]

    def build(tf, x, y):
        value = compute(tf, x, y)
        zero = tf.raw_ops.Equal(x=_times_one(tf, (x, y)[tested], tf.raw_ops.Shape(input=value)),
                                y=tf.constant(0, dtype))
        return [tf.raw_ops.Select(condition=zero, x=tf.raw_ops.ZerosLike(x=value), y=value)]
    return "Select of zeros where " + ("y" if tested else "x") + " is 0", build


def dense_bincount(op, target):
    x, size, weights = op.inputs
    if weights.shape.rank != 1 or weights.shape[0] != 0:
        raise Misfit(f"it is given weights ({weights.shape}; the form counts without)")
    if x.shape.rank not in (1, 2):
        raise Misfit(f"its input's rank is {x.shape.rank} (the kernel takes 1 or 2)")
    dtype, binary = op.get_attr("T"), op.get_attr("binary_output")

    def build(tf, x, size, weights):
        depth = size if size.dtype == tf.int32 else tf.raw_ops.Cast(x=size, DstT=tf.int32)
        hot = tf.raw_ops.OneHot(indices=x, depth=depth, on_value=tf.constant(1, dtype), off_value=tf.constant(0, dtype))
        counts = tf.raw_ops.Sum(input=hot, axis=x.shape.rank - 1)
        return [tf.raw_ops.Minimum(x=counts, y=tf.constant(1, dtype)) if binary else counts]
    return "Sum of OneHot" + (", at most 1" if binary else ""), build


def equal_shapes_broadcast(op, target):
    """None where the node holds the attr's default (true), or the target's op has it."""
    if op.get_attr("incompatible_shape_error") or any(a.name == "incompatible_shape_error"
                                                      for a in target.op_def(op.type).attr):
        return None
    a, b = (x.shape for x in op.inputs)
    if a.rank is not None and b.rank is not None:
        for m, n in zip(reversed(a.as_list()), reversed(b.as_list())):
            if m is not None and n is not None and m != n and 1 not in (m, n):
                raise Misfit(f"its shapes {a} and {b} do not broadcast (TF 2.x answers a scalar there)")
    kernel = op.type

    def build(tf, x, y):
        return [getattr(tf.raw_ops, kernel)(x=x, y=y)]
    return kernel, build


def static_regex_replace(op, target):
    pattern, rewrite = op.get_attr("pattern"), op.get_attr("rewrite")
    replace_global = op.get_attr("replace_global")

    def build(tf, x):
        return [tf.raw_ops.RegexReplace(input=x, pattern=tf.constant(pattern), rewrite=tf.constant(rewrite),
                                        replace_global=replace_global)]
    return "RegexReplace", build


# Ops the layer survey found a TF 1.x target lacking that have no form: why, in fix's refusal.
_RANDOM = ("a draw of random numbers: TF 1.x's random ops draw other streams from a seed (they have no key and "
           "counter of the V2 ops' Philox), so no form gives the same numbers; Keras' augmentation layers emit it")
NO_FORM = {
    **{op: _RANDOM for op in ("StatelessRandomGetKeyCounter", "StatelessRandomUniformV2", "StatelessRandomNormalV2",
                              "StatelessRandomUniformIntV2", "StatelessRandomUniformFullIntV2",
                              "StatelessRandomGammaV3", "RngReadAndSkip")},
    "ImageProjectiveTransformV3": "TF 1.x's runtime has no image transform (TF 1.x's was tf.contrib's, outside the "
                                  "op registry); a form of gathers and lerps per output pixel would re-derive the "
                                  "kernel's interpolation and fill modes: not written",
    "EnsureShape": "Identity computes the same values but would not refuse a tensor of another shape at run time, "
                   "as EnsureShape does",
    "StringLower": "TF 1.8 has no op that maps a string's bytes (no case mapping, no byte table), so no form of its "
                   "ops computes it (TextVectorization's default standardize emits it)",
    "StringSplitV2": "StringSplit (TF 1.8) splits the same way but answers a SparseTensor; its row splits would be a "
                     "count and cumulative sum of its indices: not written, since TextVectorization, its user here, "
                     "needs StringLower too, which has no form",
    "RaggedTensorToTensor": "the ragged-to-dense conversion would be a scatter of the values at positions computed "
                            "from the row partition: not written (TextVectorization, its user here, needs "
                            "StringLower too, which has no form)",
}


# ---- kernels a TF 1.x target has but cannot run as used

def grouped_conv(op, target):
    """None where the filter's depth is the input's (an ordinary convolution)."""
    x, w = op.inputs
    layout = op.get_attr("data_format").decode()
    axis = 3 if layout == "NHWC" else 1
    channels, depth, outputs = x.shape[axis], w.shape[2], w.shape[3]
    if channels is None or depth is None or channels == depth:
        return None
    if channels % depth or outputs is None or outputs % (channels // depth):
        raise Misfit(f"its input has {channels} channels and its filter {w.shape}: not a grouping")
    groups = channels // depth
    attrs = dict(strides=op.get_attr("strides"), padding=op.get_attr("padding"), data_format=layout,
                 dilations=op.get_attr("dilations"))
    depthwise = (depth == 1 and layout == "NHWC" and list(attrs["dilations"]) == [1, 1, 1, 1]
                 and None not in w.shape.as_list())

    def build(tf, x, w):
        if depthwise:
            kh, kw = w.shape[0], w.shape[1]
            w = tf.raw_ops.Reshape(tensor=w, shape=[kh, kw, groups, outputs // groups])
            return [tf.raw_ops.DepthwiseConv2dNative(input=x, filter=w, **attrs)]
        xs = tf.raw_ops.Split(axis=axis, value=x, num_split=groups)
        ws = tf.raw_ops.Split(axis=3, value=w, num_split=groups)
        parts = [tf.raw_ops.Conv2D(input=xi, filter=wi, **attrs) for xi, wi in zip(xs, ws)]
        return [tf.raw_ops.ConcatV2(values=parts, axis=axis)]
    return ("DepthwiseConv2dNative" if depthwise else f"{groups} Conv2D groups"), build


def nchw_batch_norm(op, target):
    """None in NHWC."""
    if op.get_attr("data_format") != b"NCHW":
        return None
    if op.inputs[0].shape.rank != 4 or op.inputs[0].dtype.name != "float32":
        raise Misfit(f"its input is {op.inputs[0].shape} {op.inputs[0].dtype.name} (the form takes 4-D float32)")
    if any(out.consumers() for out in op.outputs[1:]):
        raise Misfit("an output other than y is used (the form computes y)")
    if "exponential_avg_factor" in op.node_def.attr and op.get_attr("exponential_avg_factor") != 1.0:
        raise Misfit(f"exponential_avg_factor={op.get_attr('exponential_avg_factor')} (not its default 1.0)")
    # Training mode normalises with the batch's own mean and variance (Keras 2's LayerNormalization is one): in
    # NHWC, the same statistics per channel.
    epsilon, training = op.get_attr("epsilon"), op.get_attr("is_training")

    def build(tf, x, scale, offset, mean, variance, *rest):
        nhwc = tf.raw_ops.Transpose(x=x, perm=[0, 2, 3, 1])
        y = tf.raw_ops.FusedBatchNorm(x=nhwc, scale=scale, offset=offset, mean=mean, variance=variance,
                                      epsilon=epsilon, data_format="NHWC", is_training=training)[0]
        return [tf.raw_ops.Transpose(x=y, perm=[0, 3, 1, 2])]
    return "FusedBatchNorm in NHWC", build


def half_pixel_resize(op, target):
    """None where the node does not use half-pixel centers, or the target's op has the attr."""
    if not op.get_attr("half_pixel_centers") or any(a.name == "half_pixel_centers"
                                                    for a in target.op_def(op.type).attr):
        return None
    x, y = op.inputs[0], op.outputs[0]
    # The output's static size is the size input's value, wherever shape inference could work it out (Keras 2
    # computes it from the input's static shape).
    if x.shape.rank != 4 or None in x.shape.as_list()[1:3] or y.shape.rank != 4 or None in y.shape.as_list()[1:3]:
        raise Misfit(f"its input's height and width ({x.shape}) and its output's ({y.shape}) must be known before "
                     f"it runs")
    (h, w), (oh, ow) = x.shape.as_list()[1:3], y.shape.as_list()[1:3]
    if op.type == "ResizeNearestNeighbor":
        rows, cols = _nearest(h, oh), _nearest(w, ow)

        def build(tf, x, size):
            return [tf.raw_ops.GatherV2(params=tf.raw_ops.GatherV2(params=x, indices=rows, axis=1), indices=cols,
                                        axis=2)]
        return "GatherV2 of the nearest rows and columns", build
    (top, bottom, y_lerp), (left, right, x_lerp) = _bilinear(h, oh), _bilinear(w, ow)

    def build(tf, x, size):
        if x.dtype != tf.float32:
            x = tf.raw_ops.Cast(x=x, DstT=tf.float32)
        gather = tf.raw_ops.GatherV2
        rows = [gather(params=x, indices=i, axis=1) for i in (top, bottom)]
        (tl, tr), (bl, br) = ([gather(params=r, indices=i, axis=2) for i in (left, right)] for r in rows)
        xl = tf.constant(x_lerp.reshape(1, 1, ow, 1))
        yl = tf.constant(y_lerp.reshape(1, oh, 1, 1))
        sub, mul, add = tf.raw_ops.Sub, tf.raw_ops.Mul, tf.raw_ops.Add
        upper = add(x=tl, y=mul(x=sub(x=tr, y=tl), y=xl))
        lower = add(x=bl, y=mul(x=sub(x=br, y=bl), y=xl))
        return [add(x=upper, y=mul(x=sub(x=lower, y=upper), y=yl))]
    return "GatherV2 and lerp", build


def _scale(size, out) -> np.float32:
    return np.float32(size) / np.float32(out)


def _bilinear(size, out) -> tuple:
    """The kernel's compute_interpolation_weights with HalfPixelScaler, in float32."""
    source = (np.arange(out, dtype=np.float32) + np.float32(0.5)) * _scale(size, out) - np.float32(0.5)
    floor = np.floor(source)
    lower = np.maximum(floor, 0).astype(np.int32)
    upper = np.minimum(np.ceil(source), size - 1).astype(np.int32)
    return lower, upper, (source - floor).astype(np.float32)


def _nearest(size, out) -> np.ndarray:
    """The kernel's nearest index with HalfPixelScalerForNN, in float32."""
    source = (np.arange(out, dtype=np.float32) + np.float32(0.5)) * _scale(size, out)
    return np.maximum(np.minimum(np.floor(source), size - 1), 0).astype(np.int32)


def filled_list(op, target):
    shape = op.inputs[0]
    if shape.shape.rank != 1:
        raise Misfit(f"its element shape {shape.shape} is not a vector (an element of unknown rank)")
    dtype = op.get_attr("element_dtype")

    def build(tf, shape, n):
        count = tf.raw_ops.Reshape(tensor=tf.raw_ops.Cast(x=n, DstT=shape.dtype) if shape.dtype != n.dtype else n,
                                   shape=[1])
        known = tf.raw_ops.Maximum(x=shape, y=tf.constant(0, shape.dtype))
        zeros = tf.raw_ops.Fill(dims=tf.raw_ops.ConcatV2(values=[count, known], axis=0), value=tf.constant(0, dtype))
        return [tf.raw_ops.TensorListFromTensor(tensor=zeros, element_shape=shape)]
    return "TensorListFromTensor of zeros", build


def stacked_items(op, target):
    """None where the target's TensorListStack takes an element_shape (it stacks lists of unknown element shapes),
    or where the list's length is known only at run time (the older signature's rewrite then stands)."""
    if any(a.name == "element_shape" for a in target.op_def(op.type).input_arg):
        return None
    k = op.get_attr("num_elements")
    if k < 0:
        k = op.outputs[0].shape[0] if op.outputs[0].shape.rank else None
    if k is None or k < 0:
        k = _reserved_length(op)
    if k is None or k < 0:
        return None
    dtype, element_shape = op.get_attr("element_dtype"), op.inputs[1]

    def build(tf, handle, shape):
        items = [tf.raw_ops.TensorListGetItem(input_handle=handle, index=i, element_shape=shape, element_dtype=dtype)
                 for i in range(k)]
        return [tf.raw_ops.Pack(values=items, axis=0)]
    return f"Pack of {k} TensorListGetItem", build


# The ops a list passes through on its way out of a lowered loop (input 0 each: a Merge's is its Enter).
LOOP_PASSAGE = {"Exit", "Switch", "Merge", "Enter", "Identity"}
# What may change a list's length; a graph with none of them keeps every list as long as it was made.
LENGTH_CHANGES = {"TensorListPushBack", "TensorListPopBack", "TensorListResize", "TensorListPushBackBatch",
                  "TensorListConcatLists", "TensorListSplit"}


def _reserved_length(op):
    """The length the list stacked by `op` was made with, followed back out of its lowered loop to the
    TensorListReserve with a static length (Keras 2's RNNs, whose stack's static shape is unknown), where no op of
    the graph changes a list's length; else None."""
    if any(o.type in LENGTH_CHANGES for o in op.graph.get_operations()):
        return None
    source = op.inputs[0].op
    while source.type in LOOP_PASSAGE and source.inputs:
        source = source.inputs[0].op
    if source.type != "TensorListReserve":
        return None
    return _static_size(source.inputs[1])


def _static_size(t):
    """A scalar's value where it is known before the graph runs: a constant, or one dimension of a Shape whose
    size there is static (Keras 2 reserves a list of x.shape[1] elements, the time steps, with a batch of any size)."""
    from tensorflow.python.framework import tensor_util
    value = tensor_util.constant_value(t)
    if value is not None:
        return int(value)
    op = t.op
    if op.type != "StridedSlice" or op.inputs[0].op.type != "Shape" or op.get_attr("shrink_axis_mask") != 1:
        return None
    begin = tensor_util.constant_value(op.inputs[1])
    shape = op.inputs[0].op.inputs[0].shape
    if begin is None or shape.rank is None or len(begin) != 1 or not -shape.rank <= int(begin[0]) < shape.rank:
        return None
    size = shape[int(begin[0])]
    return int(size) if size is not None else None


def two_d(op, target):
    """None for 2-D logits."""
    if op.inputs[0].shape.rank == 2:
        return None
    kernel = op.type

    def build(tf, x):
        shape = tf.raw_ops.Shape(input=x)
        last = tf.raw_ops.StridedSlice(input=shape, begin=[-1], end=[0], strides=[1], shrink_axis_mask=1, end_mask=1)
        flat = tf.raw_ops.Reshape(tensor=x, shape=tf.raw_ops.Pack(values=[tf.constant(-1), last], axis=0))
        return [tf.raw_ops.Reshape(tensor=getattr(tf.raw_ops, kernel)(logits=flat), shape=shape)]
    return f"{kernel} of 2-D", build
