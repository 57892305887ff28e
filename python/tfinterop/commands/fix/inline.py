"""fix's inlining of the calls freezing leaves: TensorFlow's converter inlines a signature's calls through grappler,
which keeps a function marked `_noinline` (Keras 3 marks its XLA-compiled helpers so: a grouped convolution's
`_conv_xla`, nested inside ConvNeXt's layers). TF 1.x has no call ops, so each remaining call, at every depth, is
replaced here by its function's body.

    call = StatefulPartitionedCall(a, b; f=F)   ->   call/inlined/<F's nodes>, with F's arguments read from a and b
                                                     call = IdentityN(F's results)
The call node keeps its name (its consumers' `call:i` and `^call` still mean the same tensors), its control
inputs hold back the body's first nodes, and F's control outputs hold back the IdentityN (a NoOp where F
returns nothing). The values are the same: the same nodes run on the same tensors; only the function boundary
is gone."""

from tfinterop.core.errors import TargetIncompatibleError

CALL_OPS = {"StatefulPartitionedCall", "PartitionedCall"}


def inline_calls(graph_def) -> int:
    """Inlines every call to a function of graph_def's library, nested ones too, in place; drops the functions
    no node calls any more. Returns how many calls were inlined."""
    functions = {f.signature.name: f for f in graph_def.library.function}
    inlined = 0
    while True:
        calls = [n for n in graph_def.node if n.op in CALL_OPS]
        if not calls:
            break
        for call in calls:
            name = call.attr["f"].func.name
            if name not in functions:
                raise TargetIncompatibleError(f"node {call.name!r} calls {name!r}, which is not in the graph's "
                                              f"function library")
            graph_def.node.extend(_body(call, functions[name]))
            inlined += 1
    called = {n.op for n in graph_def.node} | {a.func.name for n in graph_def.node for a in n.attr.values()
                                               if a.HasField("func")}
    kept = [f for f in graph_def.library.function if f.signature.name in called]
    del graph_def.library.function[:]
    graph_def.library.function.extend(kept)
    return inlined


def _body(call, fdef) -> list:
    """The nodes of fdef's body, named under `call.name/inlined/`, fed by the call's inputs; turns `call` itself
    into the IdentityN of the body's results (in place)."""
    from tensorflow.core.framework import attr_value_pb2
    from tensorflow.python.framework import function_def_to_graph

    body, flat = function_def_to_graph.function_def_to_graph_def(fdef)
    prefix = f"{call.name}/inlined"
    data = [i for i in call.input if not i.startswith("^")]
    controls = [i for i in call.input if i.startswith("^")]
    args = {a.name: data[i] for i, a in enumerate(fdef.signature.input_arg)}

    def renamed(ref):
        control = ref.startswith("^")
        node, _, port = ref.lstrip("^").partition(":")
        if node in args:                                 # an argument: the call's input (a tensor, or its node)
            return "^" + args[node].split(":")[0] if control else args[node]
        return ("^" if control else "") + f"{prefix}/{node}" + (f":{port}" if port else "")

    nodes = []
    for node in body.node:
        if node.name in args:
            continue
        node.name = f"{prefix}/{node.name}"
        reads_body = any(not i.startswith("^") and i.split(":")[0] not in args for i in node.input)
        node.input[:] = [renamed(i) for i in node.input]
        if not reads_body:          # the body's first nodes (its reads of the arguments, its constants) wait as the
            node.input.extend(controls)     # call did
        nodes.append(node)
    results = [renamed(flat[fdef.ret[a.name]]) for a in fdef.signature.output_arg]
    waits = ["^" + renamed(fdef.control_ret[a]).lstrip("^") for a in fdef.signature.control_output]
    types = list(call.attr["Tout"].list.type)
    name, device = call.name, call.device
    call.Clear()
    call.name, call.device = name, device
    call.op = "IdentityN" if results else "NoOp"
    call.input.extend(results + waits)
    if results:
        call.attr["T"].CopyFrom(attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(type=types)))
    return nodes
