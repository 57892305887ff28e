"""`tfinterop check DIR --target NAME`: everything a target runtime will reject in a SavedModel, before
anyone tries to load it, each with the fix in words.

The target is a dumped runtime (targets.py, op_registries/): its registered ops with their attrs,
the GraphDef versions it accepts and the data types it knows. Every MetaGraphDef is read with the
SavedModel reader (savedmodel/reader.py: no TensorFlow is imported, so a check takes a fraction of a second),
and every node of its graph and of its function library is held against the target:

  op-not-registered   the target has no such op (and no function of the graph's library has that name)
  sharded-saver       the same, for the op the sharded saver adds (StaticRegexFullMatch)
  resource-variable   a resource-variable op carries attrs the target's op lacks (debug_name, allowed_devices)
  unknown-attr        a NodeDef attr the target's op does not have. The C API loader (TF Java) rejects
                      every one, default-valued or not; the Python loader drops those whose value is the
                      producer's default (from the MetaGraphDef's stripped_op_list)
  missing-attr        an attr the target's op requires (no default) that the NodeDef lacks
  op-signature        the target's op of that name takes other inputs (TF 1.8's TensorList ops)
  attr-value          a type attr whose value the target's op does not allow
  dtype               a data type the target does not know
  graph-version       the GraphDef's versions are outside what the target accepts
  duplicate-asset     an asset listed twice in saved_model_assets: TF 1.8's C++ loader feeds each entry
                      and fails with 'Endpoint "..." fed more than once' (C API loader only)

The loader-dependent rules were measured on these machines (COMPATIBILITY.md, docs/harness.md):
the dumps say what exists; the loader says how strictly it is held.

A TensorFlow.js target (the tfjs-converter loader: an op list, not OpDefs) is held to other rules, those of its
converter and of what the JavaScript consumer crosses (_check_for_converter): op-not-registered (an op of a
signature's computation its converter does not map, or _FusedBatchNormEx, which its grappler pass makes), dtype (a
signature dtype the consumer cannot feed or fetch) and attr-ignored (a batch norm's is_training, which tfjs drops).
"""

import json
from collections import Counter
from dataclasses import asdict, dataclass

from tfinterop.compat.targets import Target
from tfinterop.savedmodel import reader as savedmodel

# Ops of resource variables; their TF 2.x attrs have no TF 1.x counterpart, ref variables avoid them.
RESOURCE_VARIABLE_OPS = {"VarHandleOp", "ReadVariableOp", "AssignVariableOp", "VarIsInitializedOp",
                         "AssignAddVariableOp", "AssignSubVariableOp", "ResourceGather", "DestroyResourceOp"}
# Ops the sharded saver of TF >= 1.14 adds to name its temporary files.
SHARDED_SAVER_OPS = {"StaticRegexFullMatch"}
# Function calls and control flow v2, which `tfinterop fix` removes by freezing each signature.
FIXED_BY_FREEZING = {"StatefulPartitionedCall", "PartitionedCall", "While", "StatelessWhile", "If", "StatelessIf",
                     "Case", "StatelessCase", "DisableCopyOnRead"}
# Legacy and composed forms that `tfinterop fix` (and `export --target`) rewrite to: named here for the fix.
from tfinterop.compat.legacy_forms import ATTR_FITS, COMPOSED_FORMS, LEGACY_FORMS, OLDER_SIGNATURES  # noqa: E402
from tfinterop.compat.composed_forms import NO_FORM  # noqa: E402 -- why an op found lacking has no form


@dataclass
class Finding:
    tags: list
    node: str
    op: str
    kind: str
    message: str
    fix: str


@dataclass
class Report:
    directory: str
    target: str
    findings: list

    @property
    def loadable(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        return {"directory": self.directory, "target": self.target, "loadable": self.loadable,
                "findings": [asdict(f) for f in self.findings]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


def check(directory, target: Target, model=None) -> Report:
    """`model`: DIR as savedmodel.read read it already, if the caller has (fix has)."""
    model = savedmodel.read(directory) if model is None else model
    findings = []
    for meta_graph in model.meta_graphs:
        findings += check_meta_graph(meta_graph, target)
    return Report(str(directory), target.name, findings)


def check_meta_graph(meta_graph, target: Target) -> list:
    if target.loader == "tfjs-converter":
        return _check_for_converter(meta_graph, target)
    tags = list(meta_graph.meta_info_def.tags)
    graph_def = meta_graph.graph_def
    producer_ops = {op.name: op for op in meta_graph.meta_info_def.stripped_op_list.op}
    functions = {f.signature.name for f in graph_def.library.function}
    findings = _check_versions(tags, graph_def.versions, target)
    nodes = [(node, None) for node in graph_def.node]
    nodes += [(node, f.signature.name) for f in graph_def.library.function for node in f.node_def]
    for node, function in nodes:
        findings += _check_node(tags, node, function, functions, producer_ops, target)
    if target.loader == "c-api":
        findings += _check_assets(tags, meta_graph)
    return findings


def _check_versions(tags, versions, target):
    problems = []
    if versions.producer < target.min_producer:
        problems.append(f"its producer version {versions.producer} is older than the oldest {target.name} "
                        f"accepts ({target.min_producer})")
    if versions.min_consumer > target.consumer:
        problems.append(f"it requires consumers of version {versions.min_consumer} or newer; {target.name} is "
                        f"version {target.consumer}")
    if target.consumer in versions.bad_consumers:
        problems.append(f"it lists {target.name}'s version {target.consumer} among its bad consumers")
    return [Finding(tags, "", "", "graph-version", f"GraphDef versions (producer {versions.producer}, min_consumer "
                    f"{versions.min_consumer}): {p}", "export with a TensorFlow whose GraphDef versions the target "
                    "accepts, or with ops old enough not to raise min_consumer") for p in problems]


def _where(node, function):
    return f"node {node.name!r}" + (f" in function {function!r}" if function else "")


def _check_node(tags, node, function, functions, producer_ops, target):
    where = _where(node, function)
    findings = _check_dtypes(tags, node, where, target)
    if node.op in functions:
        return findings
    if not target.has_op(node.op):
        if node.op in SHARDED_SAVER_OPS:
            return findings + [Finding(tags, node.name, node.op, "sharded-saver",
                                       f"{where}: op {node.op!r} is not registered in {target.name}; the sharded "
                                       f"saver of TensorFlow >= 1.14 adds it to name its temporary files",
                                       f"`tfinterop fix --target {target.name}` rewrites the model with a "
                                       "non-sharded saver; at export time, pass tf.compat.v1.train.Saver("
                                       "sharded=False) to SavedModelBuilder (simple_save cannot)")]
        legacy = LEGACY_FORMS.get(node.op)
        if legacy and target.has_op(legacy):
            fix = (f"use the legacy form {legacy!r}, which {target.name} has (`tfinterop fix --target "
                   f"{target.name}` rewrites it where that is exact)")
        elif node.op in COMPOSED_FORMS:
            fix = (f"`tfinterop fix --target {target.name}` computes it with ops {target.name} has (an exact "
                   f"composed form) and proves the outputs equal")
        elif node.op in FIXED_BY_FREEZING:
            fix = (f"`tfinterop fix --target {target.name}` inlines the function calls and lowers the control "
                   f"flow (it freezes each signature into one plain graph) and proves the outputs equal")
        elif node.op in NO_FORM:
            fix = f"{target.name} has no op of that name, and no exact form of it: {NO_FORM[node.op]}"
        else:
            fix = (f"{target.name} has no op of that name and tfinterop knows no legacy form of it: build the graph "
                   f"from ops the target has")
        return findings + [Finding(tags, node.name, node.op, "op-not-registered",
                                   f"{where}: op {node.op!r} is not registered in {target.name}", fix)]
    op_def = target.op_def(node.op)
    findings += _check_inputs(tags, node, where, op_def, producer_ops, target)
    known = {a.name: a for a in op_def.attr}
    for name in sorted(node.attr):
        if name.startswith("_") or name in known:    # "_"-attrs are internal (e.g. _class) and always allowed
            continue
        producer_attr = next((a for a in producer_ops[node.op].attr if a.name == name), None) \
            if node.op in producer_ops else None
        default_valued = producer_attr is not None and producer_attr.has("default_value") \
            and producer_attr.default_value == node.attr[name]
        if target.loader != "c-api" and default_valued:
            continue      # the Python loader drops unknown attrs that hold the producer's default
        message = (f"{where}: attr {name!r} is not in {target.name}'s op {node.op!r}"
                   + (" (it holds the producer's default value" if default_valued else " (not default-valued")
                   + ("; this loader rejects every unknown attr)" if target.loader == "c-api" else ")"))
        if node.op in RESOURCE_VARIABLE_OPS:
            kind, fix = "resource-variable", (f"`tfinterop fix --target {target.name}` turns them into ref variables; "
                                              "at export time, use tf.compat.v1.Variable(..., use_resource=False) "
                                              "or tf.compat.v1.disable_resource_variables(): their ops have no "
                                              "such attrs")
        elif default_valued:
            kind, fix = "unknown-attr", (f"`tfinterop fix --target {target.name}` drops it; at export time, "
                                         "strip_default_attrs=True drops default-valued attrs")
        elif node.op in ATTR_FITS:
            kind, fix = "unknown-attr", (f"`tfinterop fix --target {target.name}` computes the node with ops "
                                         f"{target.name} has (an exact composed form) and proves the outputs equal")
        else:
            kind, fix = "unknown-attr", (f"no export setting drops a non-default attr: build {node.name!r} with "
                                         f"options the target's {node.op!r} has")
        findings.append(Finding(tags, node.name, node.op, kind, message, fix))
    for attr in op_def.attr:
        if attr.name not in node.attr and not attr.has("default_value"):
            findings.append(Finding(tags, node.name, node.op, "missing-attr",
                                    f"{where}: attr {attr.name!r}, which {target.name}'s op {node.op!r} requires, "
                                    f"is missing", f"set {attr.name!r} on the node (do not strip it)"))
        elif attr.name in node.attr and attr.type in ("type", "list(type)") and attr.allowed_values.list.type:
            allowed = set(attr.allowed_values.list.type)
            value = node.attr[attr.name]
            used = [value.type] if attr.type == "type" else list(value.list.type)
            bad = [t for t in used if t not in allowed]
            if bad:
                names = ", ".join(target.data_types.get(t, str(t)) for t in bad)
                findings.append(Finding(tags, node.name, node.op, "attr-value",
                                        f"{where}: attr {attr.name!r} is {names}, which {target.name}'s op "
                                        f"{node.op!r} does not allow", "use a data type the target's op allows "
                                        "(cast before and after this op)"))
    return findings


def _input_count(op_def, node):
    """How many data inputs `op_def` takes, given the node's attrs (None when its attrs do not say)."""
    count = 0
    for arg in op_def.input_arg:
        if arg.number_attr:
            if arg.number_attr not in node.attr:
                return None
            count += node.attr[arg.number_attr].i
        elif arg.type_list_attr:
            if arg.type_list_attr not in node.attr:
                return None
            count += len(node.attr[arg.type_list_attr].list.type)
        else:
            count += 1
    return count


def _check_inputs(tags, node, where, op_def, producer_ops, target):
    """An op the target has under the same name but with other inputs (TF 1.8's TensorListStack has no
    element_shape): the C API refuses the node at load, naming the input and 'expected INVALID'."""
    given = sum(1 for x in node.input if not x.startswith("^"))
    wanted = _input_count(op_def, node)
    if wanted is None or wanted == given:
        return []
    ours = producer_ops.get(node.op)
    names = ", ".join(a.name for a in op_def.input_arg)
    legacy = node.op in OLDER_SIGNATURES
    return [Finding(tags, node.name, node.op, "op-signature",
                    f"{where}: it has {given} input(s); {target.name}'s op {node.op!r} takes {wanted} ({names})"
                    + (f", the producer's {len(ours.input_arg)} ({', '.join(a.name for a in ours.input_arg)})"
                       if ours is not None else ""),
                    f"`tfinterop fix --target {target.name}` rewrites it to the older form" if legacy else
                    f"{target.name} has no form of {node.op!r} with these inputs: build the graph from ops the "
                    f"target has")]


def _check_dtypes(tags, node, where, target):
    used = set()
    for value in node.attr.values():
        which = value.which(*savedmodel.ATTR_VALUE_ONEOF)
        if which == "type":
            used.add(value.type)
        elif which == "list":
            used.update(value.list.type)
        elif which == "tensor":
            used.add(value.tensor.dtype)
    used = {t % 100 for t in used if t}     # reference types (100+) share their value type's support
    missing = sorted(t for t in used if t not in target.data_types)
    return [Finding(tags, node.name, node.op, "dtype", f"{where}: data type {savedmodel.dtype_name(t)} is unknown "
                    f"to {target.name}", f"cast to a data type the target knows before export") for t in missing]


def _check_assets(tags, meta_graph):
    names = [asset.tensor_info.name for asset in savedmodel.collection_assets(meta_graph)]
    return [Finding(tags, name.split(":")[0], "", "duplicate-asset",
                    f"the saved_model_assets collection lists tensor {name!r} {count} times; the C API loader feeds "
                    f"each entry and fails with 'Endpoint \"{name}\" fed more than once'",
                    "clear the saved_model_assets collection before each further add_meta_graph (SavedModelBuilder "
                    "appends the assets again for every MetaGraphDef)")
            for name, count in Counter(names).items() if count > 1]


# Ops the TensorFlow.js converter never meets, though a SavedModel holds them: it freezes each signature
# (convert_variables_to_constants_v2, lowering control flow), so variables and their reads become constants and
# function calls are inlined, and it converts nothing but what the signature computes.
FROZEN_BY_THE_CONVERTER = {"VarHandleOp", "ReadVariableOp", "VariableV2", "Variable", "ResourceGather",
                           "StatefulPartitionedCall", "PartitionedCall", "Case", "StatelessCase"}
# What tfjs narrows without a word (docs/tfjs-research.md, 2f): the JavaScript consumer feeds such an input only when
# every value is exactly of the narrower dtype, and never fetches such an output.
TFJS_NARROWS = {"DT_INT64": "int32", "DT_DOUBLE": "float32"}


def _check_for_converter(meta_graph, target: Target) -> list:
    """The converter's own check, predicted: each callable signature's computation (the graph walked back from its
    outputs, and every function its nodes call) held to the ops the converter maps, by name, as its validate() does
    (it has no OpDefs: attrs and inputs are its own mappings' business); and the signature's dtypes held to those the
    JavaScript consumer crosses (the target's data types; an input tfjs narrows is fed when exact)."""
    tags = list(meta_graph.meta_info_def.tags)
    graph = meta_graph.graph_def
    nodes = {n.name: n for n in graph.node}
    functions = {f.signature.name: f for f in graph.library.function}
    scopes = {None: nodes, **{name: {n.name: n for n in f.node_def} for name, f in functions.items()}}
    findings, seen_ops = [], set()
    for key in sorted(meta_graph.signature_def):
        if key.startswith("__"):
            continue
        signature = meta_graph.signature_def[key]
        for role, group in (("input", signature.inputs), ("output", signature.outputs)):
            for k in sorted(group):
                name = savedmodel.dtype_name(group[k].dtype)
                if group[k].dtype in target.data_types or (role == "input" and name in TFJS_NARROWS):
                    continue
                narrowed = TFJS_NARROWS.get(name)
                findings.append(Finding(tags, group[k].name.split(":")[0], "", "dtype",
                                        f"signature {key!r} {role} {k!r} is {name}, which {target.name} cannot "
                                        f"{'feed' if role == 'input' else 'fetch'}"
                                        + (f": its converter narrows it to {narrowed} without a word" if narrowed
                                           else ""),
                                        f"cast {role} {k!r} to a dtype it crosses "
                                        f"({', '.join(target.data_types.values())}) inside the model's signature"))
        computation = _computation(signature, nodes, functions)
        findings += _batch_norms_tfjs_mistakes(tags, key, computation, scopes, target)
        for node, function in computation:
            if node.op in functions or node.op in FROZEN_BY_THE_CONVERTER or target.has_op(node.op):
                continue
            if (node.op, function) in seen_ops:
                continue
            seen_ops.add((node.op, function))
            findings.append(Finding(tags, node.name, node.op, "op-not-registered",
                                    f"{_where(node, function)}: op {node.op!r} is not in the ops {target.name}'s "
                                    f"converter maps (signature {key!r})",
                                    f"{target.name} has no op of that name: build the signature from ops TensorFlow.js "
                                    f"has (its converter's op list)"))
    return findings


FUSED_BATCH_NORMS = {"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"}
# What the converter folds a batch norm that follows into (fold_batch_norms): then no FusedBatchNorm is left to fuse.
FOLDED_INTO = {"Conv2D", "DepthwiseConv2dNative", "BiasAdd", "MatMul"}


def _batch_norms_tfjs_mistakes(tags, key, computation, scopes, target) -> list:
    """Two ways a FusedBatchNorm goes wrong in TensorFlow.js that its op list cannot show (measured on the corpus:
    COMPATIBILITY.md, "Models no one here wrote, in TensorFlow.js"):
      - is_training=True (Keras 2's LayerNormalization normalizes by the statistics the op computes itself): tfjs's
        mapping of the op has no is_training and normalizes by the mean and variance inputs as given, which are empty
        there: every output is NaN;
      - one that does not follow a convolution and whose only consumer is a Relu (Keras 2's pre-activation DenseNet
        and ResNet V2): the converter's grappler pass fuses the two into _FusedBatchNormEx, which tfjs does not map,
        and the converter refuses the model after optimization.
    `scopes`: {function name, or None for the top graph: {node name: node}}."""
    consumers = {}
    for node, function in computation:
        for x in node.input:
            if not x.startswith("^"):
                consumers.setdefault((function, x.split(":")[0]), []).append(node)
    findings = []
    for node, function in computation:
        if node.op not in FUSED_BATCH_NORMS:
            continue
        where = f"{_where(node, function)} (signature {key!r})"
        training = node.attr["is_training"].b if "is_training" in node.attr else True   # the OpDef's default
        if training:
            findings.append(Finding(tags, node.name, node.op, "attr-ignored",
                                    f"{where}: {node.op} with is_training=True normalizes by the statistics it "
                                    f"computes; {target.name}'s mapping of it has no is_training and normalizes by the "
                                    f"mean and variance inputs as given, so its outputs will not be TensorFlow's "
                                    f"(NaN, for Keras 2's LayerNormalization)",
                                    "compute the normalization with ops (Keras 3's LayerNormalization does: moments, "
                                    "then arithmetic), or use is_training=False with the statistics as inputs"))
            continue
        producer = scopes.get(function, {}).get(node.input[0].lstrip("^").split(":")[0]) if node.input else None
        after = consumers.get((function, node.name), [])
        if (producer is None or producer.op not in FOLDED_INTO) and len(after) == 1 and after[0].op == "Relu" \
                and not target.has_op("_FusedBatchNormEx"):
            findings.append(Finding(tags, node.name, "_FusedBatchNormEx", "op-not-registered",
                                    f"{where}: the converter's grappler pass fuses this {node.op} and the Relu after "
                                    f"it into _FusedBatchNormEx, which is not in the ops {target.name}'s converter "
                                    f"maps ('Unsupported Ops in the model after optimization')",
                                    f"{target.name} has no op of that name: put something between the batch norm and "
                                    f"the Relu, or let the batch norm follow a convolution (the converter folds it "
                                    f"into the convolution's weights)"))
    return findings


def _computation(signature, nodes, functions):
    """(node, function name or None) of everything a signature computes: the top graph walked back from its outputs
    (data and control inputs), then the whole body of each function those nodes call, and of those theirs."""
    stack = [t.name.split(":")[0] for t in signature.outputs.values() if t.name]
    seen, called, out = set(), [], []
    while stack:
        name = stack.pop()
        if name in seen or name not in nodes:
            continue
        seen.add(name)
        node = nodes[name]
        out.append((node, None))
        called += _called_functions(node)
        stack += [i.lstrip("^").split(":")[0] for i in node.input]
    done = set()
    while called:
        fname = called.pop()
        if fname in done or fname not in functions:
            continue
        done.add(fname)
        for node in functions[fname].node_def:
            out.append((node, fname))
            called += _called_functions(node)
    return out


def _called_functions(node) -> list:
    names = []
    for value in node.attr.values():
        which = value.which(*savedmodel.ATTR_VALUE_ONEOF)
        if which == "func":
            names.append(value.func.name)
        elif which == "list":
            names += [f.name for f in value.list.func]
    return names


def fold(findings) -> list:
    """[[finding as a dict, ...], ...]: findings of one kind (and one op, for an op the target lacks) together,
    in the order they were found. `check` and `verify` print one line of each group unless asked for all."""
    groups = {}
    for f in findings:
        d = f if isinstance(f, dict) else asdict(f)
        groups.setdefault((d["kind"], d["op"] if d["kind"] == "op-not-registered" else ""), []).append(d)
    return list(groups.values())


def group_title(group: list) -> str:
    """What a group is, as `check` and `verify` head it: its kind (and op), and how many findings."""
    kind = group[0]["kind"]
    return f"{kind}{': ' + group[0]['op'] if kind == 'op-not-registered' else ''} ({len(group)})"


def folded_lines(group: list, verbose: bool, indent: str) -> list:
    """A group's messages: every one (verbose), or the first with the count of the others."""
    if verbose:
        return [f"{indent}[{', '.join(f['tags'])}] {f['message']}" for f in group]
    more = f" (and {len(group) - 1} more like it; --verbose lists them)" if len(group) > 1 else ""
    return [f"{indent}[{', '.join(group[0]['tags'])}] {group[0]['message']}{more}"]


def human(report: Report, target: Target, verbose: bool = False) -> str:
    head = (f"{report.directory} against {target.name} ({target.runtime_label}, "
            f"{target.language}, {target.loader} loader): ")
    if report.loadable:
        return head + "loadable, no findings"
    groups = fold(report.findings)
    lines = [head + f"NOT loadable, {len(report.findings)} finding(s) in {len(groups)} group(s)", ""]
    for i, group in enumerate(groups, start=1):
        lines.append(f"{i}. {group_title(group)}")
        lines += folded_lines(group, verbose, "   ")
        fixes = list(dict.fromkeys(f["fix"] for f in group))
        lines += [f"   fix: {fix}" for fix in (fixes if verbose else fixes[:1])]
        lines.append("")
    return "\n".join(lines).rstrip()


def fix_rewrites(finding) -> bool:
    """Whether `tfinterop fix` rewrites what a finding names. check's advice names the command exactly where fix
    has a rewrite for it (ref variables, a non-sharded saver, freezing calls and control flow, dropped default
    attrs, legacy and composed forms, older op signatures); every other kind (an op or attr with no older form,
    a missing attr, a data type, GraphDef versions, assets listed twice) it cannot rewrite."""
    d = finding if isinstance(finding, dict) else asdict(finding)
    return d["fix"].startswith("`tfinterop fix --target") or " (`tfinterop fix --target " in d["fix"]


@dataclass
class Serving:
    """One release's answer to 'can it serve this model?', predicted by check from its dumped registry (no run)."""
    target: str
    tensorflow_version: str
    verdict: str            # "loads as it is", "loads after fix", "refused", "not predicted"
    findings: list          # check's findings (dicts)
    reason: str             # for "refused" and "not predicted": why, in one line

    def to_dict(self) -> dict:
        return asdict(self)


def serving(report: Report, target: Target, fixable_for: bool) -> Serving:
    """Which of the three a release is, for a report of check against it: no findings; every finding of a kind
    fix rewrites (and fix writes for this target); else refused, naming what fix cannot rewrite."""
    findings = [asdict(f) for f in report.findings]
    if not findings:
        return Serving(target.name, target.tensorflow_version, "loads as it is", findings, "")
    if not fixable_for:
        first = fold(findings)[0]
        return Serving(target.name, target.tensorflow_version, "refused", findings,
                       f"{group_title(first)}: {first[0]['message']}; fix is made and proven for TF Java 1.x, "
                       f"not for this target")
    left = [f for f in findings if not fix_rewrites(f)]
    if not left:
        return Serving(target.name, target.tensorflow_version, "loads after fix", findings, "")
    first = fold(left)[0]
    return Serving(target.name, target.tensorflow_version, "refused", findings,
                   f"{group_title(first)}: {first[0]['message']}; fix has no rewrite for it")


def serving_line(s: Serving, width: int) -> str:
    head = f"  {s.target:<{width}}  TensorFlow {s.tensorflow_version:<7}  "
    if s.verdict == "loads after fix":
        said = ", ".join(group_title(g) for g in fold(s.findings))
        return head + f"loads after fix ({said}: each of a kind `tfinterop fix --target {s.target}` rewrites)"
    if s.verdict in ("refused", "not predicted"):
        return head + f"{s.verdict}: {s.reason}"
    return head + s.verdict
