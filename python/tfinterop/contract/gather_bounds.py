"""How many rows the tables an integer input indexes have: the bound synthesized ids must stay under, read from the
graph (the SavedModel reader's GraphDef, no TensorFlow). An id feeds a Gather, GatherV2 or ResourceGather (an
embedding, tf.gather of a variable or constant) through ops that keep its values (Identity, Cast, Reshape, ...) and
through function calls (an object-based export's serving graph is one call), and selects; the table's rows are the first
dimension (GatherV2: the axis's) of the gathered variable's or constant's shape.

    bound(graph_def, tensor_name)  the smallest such size over every gather the input reaches, or None
"""

CALL_OPS = {"StatefulPartitionedCall", "PartitionedCall"}
# op -> the inputs whose values its output holds (a select's arms: Keras 3 wraps negative ids with one)
KEEPS_VALUES = {"Identity": {0}, "Cast": {0}, "Reshape": {0}, "ExpandDims": {0}, "Squeeze": {0},
                "StopGradient": {0}, "Select": {1, 2}, "SelectV2": {1, 2}}
GATHERS = {"Gather": 1, "GatherV2": 1, "ResourceGather": 1}      # op -> its indices input
READS = {"Identity", "ReadVariableOp"}                            # what a gathered table passes through


class _Scope:
    """The main graph or one function's body: its nodes, who reads each, and its arguments."""

    def __init__(self, nodes, args=()):
        self.nodes = {n.name: n for n in nodes}
        self.args = list(args)
        self.readers = {}
        for n in nodes:
            data = [i for i in n.input if not i.startswith("^")]
            for index, ref in enumerate(data):
                self.readers.setdefault(ref.split(":")[0], []).append((n, index))


def bound(graph_def, tensor_name: str):
    functions = {f.signature.name: f for f in graph_def.library.function}
    scopes = {"": _Scope(graph_def.node)}

    def scope(name):
        if name not in scopes:
            f = functions[name]
            scopes[name] = _Scope(f.node_def, [a.name for a in f.signature.input_arg])
        return scopes[name]

    sizes, seen = [], set()
    frontier = [("", tensor_name.split(":")[0], ())]          # (scope, node or argument name, calls entered)
    while frontier:
        where, name, calls = frontier.pop()
        if (where, name) in seen:
            continue
        seen.add((where, name))
        for node, index in scope(where).readers.get(name, []):
            if index in KEEPS_VALUES.get(node.op, ()):
                frontier.append((where, node.name, calls))
            elif node.op in GATHERS and index == GATHERS[node.op]:
                axis = _axis(scope(where), node)
                size = _rows(scope, where, node.input[0], calls, axis)
                if size:
                    sizes.append(size)
            elif node.op in CALL_OPS and node.attr["f"].func.name in functions:
                callee = node.attr["f"].func.name
                frontier.append((callee, scope(callee).args[index], calls + ((where, node),)))
    return min(sizes) if sizes else None


def _axis(scope, node) -> int:
    if node.op != "GatherV2":
        return 0
    axis = scope.nodes.get(node.input[2].split(":")[0])
    if axis is None or axis.op != "Const":
        return -1                                             # unknown: no bound from it
    values = list(axis.attr["value"].tensor.int_val) or list(axis.attr["value"].tensor.int64_val) or [0]
    return values[0]


def _rows(scope, where, ref, calls, axis):
    """The size along `axis` of the table `ref` names, followed back through reads and out of the calls entered."""
    if axis < 0:
        return None
    name = ref.split(":")[0]
    while True:
        current = scope(where)
        if name in current.args:                              # an argument: the caller's input
            if not calls:
                return None
            (where, call), calls = calls[-1], calls[:-1]
            data = [i for i in call.input if not i.startswith("^")]
            name = data[current.args.index(name)].split(":")[0]
            continue
        node = current.nodes.get(name)
        if node is None:
            return None
        if node.op in READS:
            name = node.input[0].split(":")[0]
            continue
        dims = (list(node.attr["shape"].shape.dim) if node.op in ("VarHandleOp", "VariableV2") else
                list(node.attr["value"].tensor.tensor_shape.dim) if node.op == "Const" else [])
        return dims[axis].size if axis < len(dims) and dims[axis].size > 0 else None
