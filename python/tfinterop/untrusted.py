"""Untrusted models: ops that reach outside the computation (file reads and writes, readers, summary
writers, Python callbacks, remote calls, save/restore outside the model's own saver).

Loading a SavedModel runs its graph (restore, main_op / legacy_init_op), so this reads saved_model.pb
with the wire-format reader, without TensorFlow, before anything is loaded. The op list is
untrusted-ops.txt beside this file; the Java library (org.tfinterop.UntrustedOps) ships the same file
and refuses such models unless LoadOptions.allowUntrusted() / --allow-untrusted.

Findings are shaped like `tfinterop check`'s: {"tags", "node", "op", "kind", "message", "fix"}, so
`tfinterop check --untrusted` appends scan(dir) to the target's findings.
"""

from functools import lru_cache
from pathlib import Path

from tfinterop import protowire as pw
from tfinterop.errors import NotASavedModelError, UntrustedModelError

OPS_FILE = Path(__file__).resolve().parent / "untrusted-ops.txt"
SAVER_CATEGORY = "save-restore"
KIND = "untrusted-op"


@lru_cache(maxsize=1)
def op_list() -> dict:
    """op name -> (category, why)."""
    ops = {}
    for line in OPS_FILE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        category, op, why = (part.strip() for part in line.split("|", 2))
        ops[op] = (category, why)
    return ops


def scan(directory) -> list:
    """Findings for every MetaGraphDef of DIR/saved_model.pb; raises NotASavedModelError if unreadable."""
    pb = Path(directory) / "saved_model.pb"
    try:
        data = pb.read_bytes()
    except OSError as e:
        raise NotASavedModelError(f"{pb} cannot be read: {e}") from None
    return scan_bytes(data, source=str(pb))


def scan_bytes(data: bytes, source="saved_model.pb") -> list:
    try:
        meta_graphs = [pw.parse(m) for m in pw.values(pw.parse(data), pw.SavedModelF.META_GRAPHS)]
        savers = [pw.parse(pw.first(mg, pw.MetaGraphF.SAVER_DEF)) for mg in meta_graphs]
        findings = []
        for mg in meta_graphs:
            findings += scan_meta_graph(mg, savers)
        return findings
    except pw.WireError as e:
        raise NotASavedModelError(f"{source} cannot be parsed as a SavedModel protobuf ({e})") from None


def tags_of(meta_graph_fields) -> list:
    return pw.strings(pw.parse(pw.first(meta_graph_fields, pw.MetaGraphF.META_INFO_DEF)), pw.MetaInfoF.TAGS)


def scan_meta_graph(mg, savers) -> list:
    """Save/restore ops are allowed inside a saver of the SavedModel: the nodes the restore op or save
    tensor of any MetaGraphDef's saver_def depends on (SavedModelBuilder leaves the first MetaGraphDef's
    saver in the graphs of the later ones)."""
    ops = op_list()
    tags = tags_of(mg)
    graph = pw.parse(pw.first(mg, pw.MetaGraphF.GRAPH_DEF))
    nodes = [pw.parse(n) for n in pw.values(graph, pw.GraphF.NODE)]
    saver = saver_nodes(nodes, savers)
    found = []
    for node in nodes:
        name, op = _str(node, pw.NodeF.NAME), _str(node, pw.NodeF.OP)
        if op in ops and not (ops[op][0] == SAVER_CATEGORY and name in saver):
            found.append(finding(tags, name, op))
    library = pw.parse(pw.first(graph, pw.GraphF.LIBRARY))
    functions = {}
    for function in (pw.parse(f) for f in pw.values(library, pw.LibraryF.FUNCTION)):
        fname = _str(pw.parse(pw.first(function, pw.FunctionF.SIGNATURE)), pw.OpDefF.NAME)
        functions[fname] = [pw.parse(n) for n in pw.values(function, pw.FunctionF.NODE_DEF)]
    saver_fns = saver_functions(nodes, saver, functions)
    for fname, body in functions.items():
        for node in body:
            op = _str(node, pw.NodeF.OP)
            if op in ops and not (ops[op][0] == SAVER_CATEGORY and fname in saver_fns):
                found.append(finding(tags, f"{fname}/{_str(node, pw.NodeF.NAME)}", op))
    return found


def finding(tags, node, op) -> dict:
    category, why = op_list()[op]
    saver_note = " outside the model's own saver" if category == SAVER_CATEGORY else ""
    return {"tags": list(tags), "node": node, "op": op, "kind": KIND,
            "message": f"node {node!r} runs {op} ({category}{saver_note}): {why}",
            "fix": "load only if you trust where the model came from (Java: LoadOptions.allowUntrusted(), "
                   "CLI: --allow-untrusted); otherwise re-export without this op"}


def saver_nodes(nodes, savers) -> set:
    """Names of the nodes the savers' restore ops and save tensors depend on (data and control inputs)."""
    by_name = {_str(n, pw.NodeF.NAME): n for n in nodes}
    todo = [node_of(_str(s, number)) for s in savers for number in (pw.SaverF.RESTORE_OP_NAME, pw.SaverF.SAVE_TENSOR_NAME)
            if _str(s, number)]
    return _reachable(todo, by_name, lambda node: [node_of(i) for i in pw.strings(node, pw.NodeF.INPUT)])


def called_functions(node) -> list:
    """Functions a NodeDef calls through its attrs (StatefulPartitionedCall's f, and lists of functions).
    NodeDef attr 5 (map entry: key 1, value 2); AttrValue list 1, func 10; ListValue func 9; NameAttrList name 1."""
    names = []
    for entry in pw.values(node, 5):
        value = pw.parse(pw.first(pw.parse(entry), 2))
        funcs = pw.values(value, 10) + [f for lst in pw.values(value, 1) for f in pw.values(pw.parse(lst), 9)]
        names += [pw.first(pw.parse(f), 1).decode("utf-8", "replace") for f in funcs]
    return names


def saver_functions(nodes, saver, functions) -> set:
    """The functions the saver's nodes call, transitively: a TF2 SavedModel's saver saves and restores in
    __inference__traced_save_* / __inference__traced_restore_*, called from the saver_def's nodes."""
    todo = [f for n in nodes if _str(n, pw.NodeF.NAME) in saver for f in called_functions(n)]
    return _reachable(todo, functions, lambda body: [f for n in body for f in called_functions(n)])


def _reachable(start, known: dict, neighbours) -> set:
    """Names reachable from `start` through `neighbours(known[name])`; names not in `known` are skipped."""
    todo, seen = list(start), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in known:
            continue
        seen.add(name)
        todo += neighbours(known[name])
    return seen


def node_of(tensor_or_input: str) -> str:
    return tensor_or_input.lstrip("^").split(":", 1)[0]


def refuse_if_untrusted(directory, tags) -> None:
    """What the consumers call before loading, unless the caller allows untrusted models."""
    wanted = sorted(set(tags))
    found = [f for f in scan(directory) if sorted(set(f["tags"])) == wanted]
    if found:
        listed = "; ".join(f["message"] for f in found[:10]) + (f"; ... and {len(found) - 10} more" if len(found) > 10 else "")
        raise UntrustedModelError(f"refusing to load {directory} [{', '.join(tags)}]: its graph has {len(found)} op(s) "
                                  f"that reach outside the computation, and loading runs the graph's init and "
                                  f"restore ops; pass --allow-untrusted if you trust where it came from. {listed}")


def _str(fields, number) -> str:
    return pw.first(fields, number).decode("utf-8", "replace")
