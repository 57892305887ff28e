"""Untrusted models: ops that reach outside the computation (file reads and writes, readers, summary
writers, Python callbacks, remote calls, save/restore outside the model's own saver).

Loading a SavedModel runs its graph (restore, main_op / legacy_init_op), so this reads saved_model.pb
with the SavedModel reader (savedmodel/reader.py), without TensorFlow, before anything is loaded. The op list is
untrusted-ops.txt beside this file; the Java library (org.tfinterop.UntrustedOps) ships the same file
and refuses such models unless LoadOptions.allowUntrusted() / --allow-untrusted.

Findings are shaped like `tfinterop check`'s: {"tags", "node", "op", "kind", "message", "fix"}, so
`tfinterop check --untrusted` appends scan(dir) to the target's findings.
"""

from functools import lru_cache

from tfinterop.core import paths
from tfinterop.core.errors import UntrustedModelError
from tfinterop.savedmodel import reader as savedmodel

OPS_FILE = paths.UNTRUSTED_OPS
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


def scan(directory, model=None) -> list:
    """Findings for every MetaGraphDef of DIR/saved_model.pb (`model`: it, read already); raises the reader's
    typed errors if it is unreadable."""
    if model is None:
        model = savedmodel.read(directory)
    savers = [mg.saver_def for mg in model.meta_graphs]
    return [f for mg in model.meta_graphs for f in scan_meta_graph(mg, savers)]


def scan_meta_graph(mg, savers) -> list:
    """Save/restore ops are allowed inside a saver of the SavedModel: the nodes the restore op or save
    tensor of any MetaGraphDef's saver_def depends on (SavedModelBuilder leaves the first MetaGraphDef's
    saver in the graphs of the later ones)."""
    ops = op_list()
    tags = list(mg.meta_info_def.tags)
    nodes = mg.graph_def.node
    saver = saver_nodes(nodes, savers)
    found = [finding(tags, node.name, node.op) for node in nodes
             if node.op in ops and not (ops[node.op][0] == SAVER_CATEGORY and node.name in saver)]
    functions = {f.signature.name: f.node_def for f in mg.graph_def.library.function}
    saver_fns = saver_functions(nodes, saver, functions)
    for fname, body in functions.items():
        for node in body:
            if node.op in ops and not (ops[node.op][0] == SAVER_CATEGORY and fname in saver_fns):
                found.append(finding(tags, f"{fname}/{node.name}", node.op))
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
    by_name = {n.name: n for n in nodes}
    todo = [node_of(name) for s in savers for name in (s.restore_op_name, s.save_tensor_name) if name]
    return _reachable(todo, by_name, lambda node: [node_of(i) for i in node.input])


def called_functions(node) -> list:
    """Functions a NodeDef calls through its attrs (StatefulPartitionedCall's f, and lists of functions)."""
    names = []
    for value in node.attr.values():
        if value.has("func"):
            names.append(value.func.name)
        if value.has("list"):
            names += [f.name for f in value.list.func]
    return names


def saver_functions(nodes, saver, functions) -> set:
    """The functions the saver's nodes call, transitively: a TF2 SavedModel's saver saves and restores in
    __inference__traced_save_* / __inference__traced_restore_*, called from the saver_def's nodes."""
    todo = [f for n in nodes if n.name in saver for f in called_functions(n)]
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


def refuse_if_untrusted(directory, tags, model=None) -> None:
    """What the consumers call before loading, unless the caller allows untrusted models."""
    wanted = sorted(set(tags))
    found = [f for f in scan(directory, model) if sorted(set(f["tags"])) == wanted]
    if found:
        listed = "; ".join(f["message"] for f in found[:10]) + (f"; ... and {len(found) - 10} more" if len(found) > 10 else "")
        raise UntrustedModelError(f"refusing to load {directory} [{', '.join(tags)}]: its graph has {len(found)} op(s) "
                                  f"that reach outside the computation, and loading runs the graph's init and "
                                  f"restore ops; pass --allow-untrusted if you trust where it came from. {listed}")

