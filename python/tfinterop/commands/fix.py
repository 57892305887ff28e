"""`tfinterop fix DIR --target NAME --out OUT`: rewrite a SavedModel into one the target runtime loads, and
keep it only when the target gives the reference's outputs.

  read     DIR with the SavedModel reader: its tag-sets and signatures, `check`'s findings for the target,
           and the untrusted-op scan (a model with such ops is refused unless allow_untrusted)
  lower    each signature in the reference Python TensorFlow (tf.saved_model.load, which reads TF1 graph
           exports, tf.saved_model.save exports and Keras exports alike): its function frozen with
           convert_variables_to_constants_v2(lower_control_flow=True), which inlines every call
           (StatefulPartitionedCall, PartitionedCall) and lowers While/If into TF1 control flow, so the graph
           is one plain GraphDef; the constants it made from variables are known by their captures
  build    one TF1 graph per tag-set: every signature's GraphDef (the first under its own node names, the
           others under KEY/), the variables once each, as ref variables (VariableV2, read through
           NAME/read) behind a non-sharded Saver, or with freeze=True as constants; the legacy forms of ops
           the target lacks (legacy_forms.py, the table `export --target` uses too); written by
           SavedModelBuilder with strip_default_attrs=True, the original signature keys, TensorInfo dtypes
           and shapes, method names, assets and assets.extra
  check    the staged model with `check` against the target: anything left (an op without a legacy form,
           an attr the target lacks that does not hold its default) is a refusal naming node, op and why
  verify   every signature written, staged model in the target against DIR in the reference (verify.py's
           Verifier: the same workers, contract and report as `tfinterop verify`)
  commit   the staged folder renamed to OUT only then; on any refusal nothing is written

One staging folder beside OUT holds everything (outputs.py's staging: named after its owner, so a killed fix
leaves nothing at OUT and the next run removes what it left).
"""

import contextlib
import os
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tfinterop.commands import outputs
from tfinterop.commands.verify import human as verify_human, plan, Verifier
from tfinterop.contract.signatures import Inputs
from tfinterop.compat import check, legacy_forms, untrusted
from tfinterop.runtimes import registry
from tfinterop.core import interrupts
from tfinterop.core.errors import (ModelLoadError, SignatureNotFoundError, TagSetNotFoundError,
                                   TargetIncompatibleError, UntrustedModelError, UsageError)
from tfinterop.core.tf_import import tensorflow
from tfinterop.savedmodel import reader as savedmodel

# Ops that call into the graph's function library, and TF2 control flow; the freezing step removes both.
CALL_OPS = {"StatefulPartitionedCall", "PartitionedCall"}
CONTROL_FLOW_V2_OPS = check.FIXED_BY_FREEZING - CALL_OPS - {"DisableCopyOnRead"}
# The node names of the ops that set the variables' values before SavedModelBuilder saves them; they are
# removed from the written graphs (a loader restores the values from variables/, as in any TF1 export).
VALUE_SCOPE = "tfinterop_fix_values"


@dataclass
class SignatureFix:
    tags: list
    key: str
    rewrites: dict = field(default_factory=dict)     # kind -> count
    verification: dict | None = None                 # verify.ModelResult as a dict


@dataclass
class FixReport:
    directory: str
    target: str
    out: str
    written: bool = False
    freeze: bool = False
    error: str = ""                                  # why nothing was written
    findings_before: list = field(default_factory=list)
    findings_after: list = field(default_factory=list)
    signatures: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class FixRefusedError(TargetIncompatibleError):
    """The model cannot be rewritten into one the target runs with the same outputs; nothing was written."""

    kind = "fix-refused"


@dataclass
class _Variable:
    name: str          # its node name in the fixed graphs (and its key in variables/)
    value: object      # numpy array


@dataclass
class _LoweredSignature:
    tags: list
    key: str
    graph_def: object                 # the frozen GraphDef
    variable_nodes: dict              # Const node made from a variable -> _Variable
    inputs: dict                      # signature input key -> tensor name in graph_def
    outputs: dict                     # signature output key -> tensor name in graph_def
    signature_def: object             # the original SignatureDef (tensorflow's message)
    rewrites: Counter
    renamed: object = None            # tensor name in graph_def -> its name in the fixed graph (set by _merge)


def fix(directory, target_name, out, *, tags=None, signatures=(), inputs: Inputs = Inputs(), freeze=False,
        overwrite=False, allow_untrusted=False, verifier: Verifier | None = None, log=print) -> FixReport:
    """Writes OUT and returns the report, or raises: a usage or unreadable-model error (the CLI's exit 2), or
    FixRefusedError / UntrustedModelError (exit 1; nothing written). A refusal's report is on the error
    (`.report`)."""
    directory, out = Path(directory), Path(out)
    savedmodel.saved_model_pb(directory)             # no model: its error before anything about OUT
    outputs.check_output_folder(out, overwrite, avoid={directory: "the model being fixed"})
    target = registry.dumped_target(target_name)     # unknown target: usage error, before any work
    model = savedmodel.read(directory)
    chosen = _choose(model, tags, signatures)
    report = FixReport(str(directory), target.name, str(out), freeze=freeze)
    report.findings_before = [asdict(f) for f in check.check(directory, target, model).findings]
    if not allow_untrusted:
        found = [f for f in untrusted.scan(directory, model) if sorted(f["tags"]) in [sorted(t) for t in chosen]]
        if found:
            raise UntrustedModelError(f"refusing to fix {directory}: its graph has {len(found)} op(s) that reach "
                                      f"outside the computation ({'; '.join(f['message'] for f in found[:5])}); "
                                      f"pass --allow-untrusted if you trust where it came from")
    if verifier is not None and verifier.target != target.name:
        raise UsageError(f"the verifier given runs {verifier.target}, not the target {target.name}")
    own_verifier = verifier is None
    # The reference runs in this process, which imports TensorFlow to rewrite the model (Verifier._start).
    verifier = verifier or Verifier(target.name, log=log)
    verifier.start_soon(verifier.target)             # the JVM starts while TensorFlow lowers the model
    try:
        with outputs.staging_folder(out) as staging:
            staged = staging / "model"
            lowered = lower(directory, chosen, freeze, log)
            interrupts.check()
            build(staged, directory, model, lowered, target, freeze, log)
            interrupts.check()
            report.findings_after = [asdict(f) for f in check.check(staged, target).findings]
            if report.findings_after:
                raise _refusal(report, "the rewritten model still has what the target rejects: " + "; ".join(
                    f"[{', '.join(f['tags'])}] {f['message']}" for f in report.findings_after))
            for sig in lowered:
                result = verifier.verify_plan(plan(staged, sig.tags, sig.key, inputs, its_keys_only=True),
                                              reference_directory=directory)
                interrupts.check()        # a failure caused by the interrupt is not the model's
                _name_the_staged_model(result, staged, out)
                log(verify_human(result, verifier.target))
                report.signatures.append(SignatureFix(sig.tags, sig.key, dict(sig.rewrites), asdict(result)))
                if result.status == "unusable":
                    raise _refusal(report, f"[{', '.join(sig.tags)}] signature {sig.key!r} cannot be verified: "
                                           f"{result.error}")
                if not result.agree:
                    raise _refusal(report, f"[{', '.join(sig.tags)}] signature {sig.key!r}: the rewritten model "
                                           f"does not give the reference's outputs in {verifier.target} "
                                           f"({result.status}: {_why(result)})")
            outputs.commit(staged, out)
            report.written = True
            return report
    except FixRefusedError as e:
        if not hasattr(e, "report"):
            report.error = str(e)
            e.report = report
        raise
    except TargetIncompatibleError as e:            # legacy_forms: an op without a legacy form that fits
        raise _refusal(report, str(e).replace(" Nothing was written; ", " ")) from None
    finally:
        if own_verifier:
            verifier.close()


def _refusal(report, message):
    report.error = message + "; nothing was written"
    error = FixRefusedError(report.error)
    error.report = report
    return error


def _name_the_staged_model(result, staged, out):
    """The staging folder's name means nothing to the user, and is gone when fix returns."""
    result.dir = f"{out} (staged)"
    for attr in ("error", "runtime_message"):
        if getattr(result, attr):
            setattr(result, attr, getattr(result, attr).replace(str(staged), "the rewritten model"))


def _why(result) -> str:
    if result.error:
        return result.error
    return "; ".join(f"{o.key}: {o.reason}" for o in result.outputs if not o.agree)


def _choose(model, tags, signatures) -> dict:
    """{tag-set (sorted tuple): [signature keys]} to write: every tag-set (or the one `tags` names) and every
    callable signature (or those named, each of which must exist)."""
    tag_sets = [sorted(t) for t in savedmodel.tag_sets(model)]
    if tags:
        if sorted(set(tags)) not in tag_sets:
            raise TagSetNotFoundError(f"the model has no MetaGraphDef with tag-set [{', '.join(tags)}]; its "
                                      f"tag-sets: " + " ".join("[" + ", ".join(t) + "]" for t in tag_sets))
        tag_sets = [sorted(set(tags))]
    chosen, found = {}, set()
    for mg in model.meta_graphs:
        t = sorted(mg.meta_info_def.tags)
        if t not in tag_sets:
            continue
        keys = [k for k in sorted(mg.signature_def) if not k.startswith("__")
                and (not signatures or k in signatures)]
        found.update(keys)
        if keys:
            chosen[tuple(t)] = keys
    missing = [k for k in signatures if k not in found]
    if missing:
        raise SignatureNotFoundError(f"no signature {', '.join(map(repr, missing))} in the tag-set(s) chosen")
    if not chosen:
        raise SignatureNotFoundError("the model has no signature to fix (no SignatureDef but __saved_model_init_op)")
    return chosen


# --- lower: each signature as one plain GraphDef ----------------------------------------------------------

def lower(directory, chosen: dict, freeze: bool, log) -> list:
    tf = tensorflow()
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow.python.framework import convert_to_constants

    original = saved_model_pb2.SavedModel()
    original.ParseFromString(savedmodel.saved_model_pb(directory).read_bytes())
    lowered = []
    for tag_set, keys in chosen.items():
        tags = list(tag_set)
        mg = next(m for m in original.meta_graphs if sorted(m.meta_info_def.tags) == tags)
        before = _counts(mg)
        log(f"fix: loading {directory} [{', '.join(tags)}] in TensorFlow {tf.__version__}")
        try:
            loaded = tf.saved_model.load(str(directory), tags=tags)
        except Exception as e:  # noqa: BLE001 -- whatever TF raises, the reference cannot read the model
            raise ModelLoadError(f"the reference TensorFlow {tf.__version__} cannot load {directory} "
                                 f"[{', '.join(tags)}]: {type(e).__name__}: {str(e).splitlines()[0]}") from None
        for key in keys:
            fn = loaded.signatures[key]
            names = {id(v.handle): v.name.split(":")[0] for v in fn.variables}
            captured = {inner.op.name: names.get(id(ext)) for ext, inner in fn.graph.captures
                        if ext.dtype == tf.resource}
            try:
                graph_def, values = _freeze(tf, convert_to_constants, fn, captured)
            except Exception as e:  # noqa: BLE001 -- the converter's own words, for the refusal
                raise FixRefusedError(f"[{', '.join(tags)}] signature {key!r}: TensorFlow cannot freeze its "
                                      f"function: {type(e).__name__}: {str(e).splitlines()[0]}; nothing was "
                                      f"written") from None
            variable_nodes = {}
            for node in graph_def.node:
                if node.op == "Const" and node.name in captured:
                    value = values[node.name] if node.name in values else tf.make_ndarray(node.attr["value"].tensor)
                    variable_nodes[node.name] = _Variable(captured[node.name] or node.name, value)
            leftover = [n.name for n in graph_def.node if n.op == "Placeholder" and n.attr["dtype"].type ==
                        tf.resource.as_datatype_enum]
            if leftover:
                raise FixRefusedError(f"[{', '.join(tags)}] signature {key!r}: the function captures resources that "
                                      f"are not variables ({', '.join(leftover)}: a lookup table, an iterator?), "
                                      f"which have no TF1 graph form here; nothing was written")
            arg_keys = list(fn._arg_keywords)        # noqa: SLF001 -- the signature's keys, in fn.inputs order
            inputs = {k: t.name for k, t in zip(arg_keys, fn.inputs)}
            # A signature's results are a flat dict, which tf.nest flattens in sorted key order (fn.outputs').
            out_keys = sorted(fn.structured_outputs) if isinstance(fn.structured_outputs, dict) else []
            outputs = dict(zip(out_keys, (t.name for t in fn.outputs)))
            sig = mg.signature_def[key]
            if sorted(inputs) != sorted(sig.inputs) or sorted(outputs) != sorted(sig.outputs):
                raise FixRefusedError(f"[{', '.join(tags)}] signature {key!r}: its function's arguments "
                                      f"({', '.join(sorted(inputs))}) and results ({', '.join(sorted(outputs))}) "
                                      f"are not the SignatureDef's keys; nothing was written")
            rewrites = Counter({k: v for k, v in before.items() if v})
            rewrites["frozen-variables" if freeze else "ref-variables"] = len(variable_nodes)
            lowered.append(_LoweredSignature(tags, key, graph_def, variable_nodes, inputs, outputs, sig, rewrites))
            log(f"fix: [{', '.join(tags)}] {key}: {len(graph_def.node)} nodes, {len(variable_nodes)} variable(s)"
                + "".join(f", {n} {kind}" for kind, n in sorted(before.items()) if n))
    return lowered


def _freeze(tf, convert_to_constants, fn, captured) -> tuple:
    """(the function frozen into one GraphDef, {constant made from a variable: its value}), as
    convert_variables_to_constants_v2 makes it, but with each variable's constant a one-value splat of its
    shape and dtype while the function is rebuilt from the GraphDef, and its value kept aside for variables/:
    the public call puts every weight in the GraphDef, which protobuf's 2 GB limit forbids for a bigger model.
    The converter's classes are private, the pinned reference TensorFlow's; without them, the public call."""
    import numpy as np
    try:
        data = convert_to_constants._FunctionConverterDataInEager(       # noqa: SLF001
            func=fn, lower_control_flow=True, aggressive_inlining=False)
        replace = convert_to_constants._replace_variables_by_constants    # noqa: SLF001
        construct = convert_to_constants._construct_concrete_function     # noqa: SLF001
    except AttributeError:
        frozen = convert_to_constants.convert_variables_to_constants_v2(fn, lower_control_flow=True)
        return frozen.graph.as_graph_def(), {}
    values = {}
    for name, tensor in list(data.tensor_data.items()):
        if name in captured:
            values[name] = tensor.numpy
            data.tensor_data[name] = tensor._replace(numpy=np.zeros((), tensor.numpy.dtype))
    graph_def, converted = replace(converter_data=data)
    for node in graph_def.node:
        if node.op == "Const" and node.name in values:
            value = values[node.name]
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.zeros((), value.dtype), shape=value.shape))
    return construct(fn, graph_def, converted).graph.as_graph_def(), values


def _counts(meta_graph) -> Counter:
    nodes = list(meta_graph.graph_def.node) + [n for f in meta_graph.graph_def.library.function for n in f.node_def]
    return Counter({"inlined-calls": sum(n.op in CALL_OPS for n in nodes),
                    "lowered-control-flow": sum(n.op in CONTROL_FLOW_V2_OPS for n in nodes),
                    "non-sharded-saver": int(any(n.op in check.SHARDED_SAVER_OPS for n in nodes))})


# --- build: one TF1 graph per tag-set, written by SavedModelBuilder ----------------------------------------

def build(staged: Path, directory: Path, model, lowered: list, target, freeze: bool, log) -> None:
    """`model`: DIR as savedmodel.read read it (for its assets)."""
    tf = tensorflow()
    variables = _name_variables(lowered)
    builder = tf.compat.v1.saved_model.Builder(str(staged))
    asset_files = _asset_files(model)
    by_tag_set = {}
    for sig in lowered:
        by_tag_set.setdefault(tuple(sig.tags), []).append(sig)
    first = True
    plans = {}
    for tag_set, sigs in by_tag_set.items():
        graph = tf.Graph()
        with graph.as_default():
            tf.graph_util.import_graph_def(_merge(sigs, variables, freeze, tf), name="")
            plans[tag_set] = legacy_forms.plan(graph, target)
            for kind, count in (Counter(f"legacy-form {rw.kind}" for rw in plans[tag_set])
                                + _drop_unknown_default_attrs(graph, target, plans[tag_set])).items():
                for sig in sigs:          # what was done to the tag-set's graph, which its signatures share
                    sig.rewrites[kind] = count
            signature_map = {sig.key: _signature_def(sig, graph) for sig in sigs}
            assets = _register_assets(tf, asset_files.get(tag_set, []))
            refs = {v.name: graph.get_tensor_by_name(v.name + ":0") for v in variables.values()} if not freeze else {}
            saver = tf.compat.v1.train.Saver(var_list=refs, sharded=False, allow_empty=True) if refs else None
            with tf.compat.v1.Session(graph=graph) as sess:
                _set_values(tf, sess, refs, variables)
                with contextlib.chdir(directory / "assets") if assets else contextlib.nullcontext():
                    if first:
                        builder.add_meta_graph_and_variables(sess, list(tag_set), signature_def_map=signature_map,
                                                             assets_collection=assets, saver=saver,
                                                             strip_default_attrs=True)
                    else:
                        builder.add_meta_graph(list(tag_set), signature_def_map=signature_map,
                                               assets_collection=assets, saver=saver, strip_default_attrs=True)
            first = False
    builder.save()
    _finish(staged, plans, target)
    distinct = len({id(v) for v in variables.values()})
    if (directory / "assets.extra").is_dir():
        shutil.copytree(directory / "assets.extra", staged / "assets.extra")
    log(f"fix: staged {len(lowered)} signature(s) in {len(by_tag_set)} MetaGraphDef(s), "
        + (f"{distinct} variable(s) frozen into constants" if freeze else f"{distinct} ref variable(s) in variables/"))


def _name_variables(lowered) -> dict:
    """(tags, key, const node) -> _Variable, one per distinct variable: the same name and value in several
    signatures or tag-sets is one variable (TF1 exports share theirs); names are made unique otherwise,
    and never clash with a node of any signature's graph."""
    import numpy as np
    taken = {n.name for sig in lowered for n in sig.graph_def.node if n.name not in sig.variable_nodes}
    by_name, out = {}, {}
    for sig in lowered:
        for const, var in sig.variable_nodes.items():
            same = next((v for v in by_name.get(var.name, []) if v.value.dtype == var.value.dtype
                         and np.array_equal(v.value, var.value)), None)
            if same is None:
                name, n = var.name, 0
                while name in taken or name + "/read" in taken:
                    n += 1
                    name = f"{var.name}_{n}"
                taken.update({name, name + "/read"})
                same = _Variable(name, var.value)
                by_name.setdefault(var.name, []).append(same)
            out[(tuple(sig.tags), sig.key, const)] = same
    return out


def _merge(sigs, variables, freeze, tf):
    """One GraphDef of a tag-set: the variables (or constants), then each signature's nodes with the constants
    made from variables replaced by reads of them."""
    from tensorflow.core.framework import graph_pb2
    merged = graph_pb2.GraphDef()
    merged.versions.CopyFrom(sigs[0].graph_def.versions)
    done = set()
    for var in {id(v): v for v in variables.values()}.values():
        if var.name in done:
            continue
        done.add(var.name)
        dtype = tf.as_dtype(var.value.dtype).as_datatype_enum
        if freeze:
            node = merged.node.add(name=var.name, op="Const")
            node.attr["dtype"].type = dtype
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(var.value))
        else:
            node = merged.node.add(name=var.name, op="VariableV2")
            node.attr["dtype"].type = dtype
            node.attr["shape"].shape.CopyFrom(tf.TensorShape(var.value.shape).as_proto())
            read = merged.node.add(name=var.name + "/read", op="Identity", input=[var.name])
            read.attr["T"].type = dtype
            read.attr["_class"].list.s.append(f"loc:@{var.name}".encode())
    for i, sig in enumerate(sigs):
        prefix = "" if i == 0 else sig.key + "/"
        reads = {const: variables[(tuple(sig.tags), sig.key, const)].name + ("" if freeze else "/read")
                 for const in sig.variable_nodes}

        def renamed(name, reads=reads, prefix=prefix):
            control, name = (name.startswith("^"), name.lstrip("^"))
            node, _, port = name.partition(":")
            new = reads.get(node, prefix + node)
            return ("^" if control else "") + new + (":" + port if port else "")

        for node in sig.graph_def.node:
            if node.name in sig.variable_nodes:
                continue
            copy = merged.node.add()
            copy.CopyFrom(node)
            copy.name = prefix + node.name
            del copy.input[:]
            copy.input.extend(renamed(x) for x in node.input)
            if "_class" in copy.attr:        # colocation with a node of the same signature: renamed with it
                copy.attr["_class"].list.s[:] = [b"loc:@" + renamed(s.decode()[5:]).encode()
                                                 for s in node.attr["_class"].list.s]
        sig.renamed = renamed
        merged.library.MergeFrom(sig.graph_def.library)
    return merged


def _signature_def(sig, graph):
    """The original SignatureDef, its tensors renamed to the fixed graph's (dtypes, shapes, keys and method
    name kept as they were)."""
    from tensorflow.core.protobuf import meta_graph_pb2
    out = meta_graph_pb2.SignatureDef()
    out.CopyFrom(sig.signature_def)
    for infos, names in ((out.inputs, sig.inputs), (out.outputs, sig.outputs)):
        for k, info in infos.items():
            name = sig.renamed(names[k])
            graph.get_tensor_by_name(name)                     # the tensor is in the graph, or this raises
            info.ClearField("coo_sparse")
            info.ClearField("composite_tensor")
            info.name = name
    return out


def _drop_unknown_default_attrs(graph, target, rewrites) -> Counter:
    """Refuses attrs the target's op lacks that do not hold their default (their meaning would be lost);
    counts those that do (SavedModelBuilder's strip_default_attrs drops them when it writes). Attrs a legacy
    form drops are the rewrite's (legacy_forms.py says why that is exact)."""
    from tensorflow.python.framework import op_def_registry
    dropped = Counter()
    by_rewrite = {rw.node: set(rw.drop_attrs) for rw in rewrites}
    for op in graph.get_operations():
        if not target.has_op(op.type):
            continue                 # a missing op is legacy_forms' (or check's) to say
        known = {a.name for a in target.op_def(op.type).attr} | by_rewrite.get(op.name, set())
        ours = {a.name: a for a in op_def_registry.get(op.type).attr}
        for name, value in op.node_def.attr.items():
            if name.startswith("_") or name in known:
                continue
            if name in ours and ours[name].HasField("default_value") and ours[name].default_value == value:
                dropped["dropped-default-attrs"] += 1
                continue
            raise FixRefusedError(f"node {op.name!r} (op {op.type!r}): attr {name!r} = {_attr_text(value)} is "
                                  f"not its default, and {target.name}'s {op.type!r} has no such attr: dropping it "
                                  f"would change what the node computes; nothing was written")
    return dropped


def _attr_text(value) -> str:
    which = value.WhichOneof("value")
    return repr(getattr(value, which)).replace("\n", " ") if which else "(unset)"


def _asset_files(model) -> dict:
    """tag-set -> the asset file names its original MetaGraphDef lists (TF1 exports' saved_model_assets)."""
    out = {}
    for mg in model.meta_graphs:
        names = [a.filename for a in savedmodel.collection_assets(mg)]
        names += [a.filename for a in mg.asset_file_def]
        out[tuple(sorted(mg.meta_info_def.tags))] = list(dict.fromkeys(names))
    return out


def _register_assets(tf, names):
    """Each asset once, as a constant holding its bare file name (the builder copies it from the working
    directory, DIR/assets: no temporary path ends up in the graph)."""
    if not names:
        return None
    tensors = [tf.constant(name, name=f"asset_{i}" if i else "asset") for i, name in enumerate(names)]
    return tensors


def _set_values(tf, sess, refs, variables):
    """The variables' values, assigned in the session through ops under VALUE_SCOPE (removed from the
    written graph by _finish)."""
    if not refs:
        return
    values = {v.name: v.value for v in variables.values()}
    with tf.name_scope(VALUE_SCOPE):
        feeds, assigns = {}, []
        for name, ref in refs.items():
            value = tf.compat.v1.placeholder(ref.dtype.base_dtype, values[name].shape)
            assigns.append(tf.compat.v1.assign(ref, value))
            feeds[value] = values[name]
    sess.run(assigns, feeds)


def _finish(staged: Path, plans: dict, target) -> None:
    """Applies the legacy forms planned per tag-set to the written MetaGraphDefs and removes the ops that set
    the variables' values."""
    from tensorflow.core.protobuf import saved_model_pb2
    pb = staged / "saved_model.pb"
    model = saved_model_pb2.SavedModel()
    model.ParseFromString(pb.read_bytes())
    for mg in model.meta_graphs:
        kept = [n for n in mg.graph_def.node if not n.name.startswith(VALUE_SCOPE + "/")]
        del mg.graph_def.node[:]
        mg.graph_def.node.extend(kept)
        legacy_forms.apply(mg, plans.get(tuple(sorted(mg.meta_info_def.tags)), []), target)
    tmp = pb.with_name(".saved_model.pb.partial")
    tmp.write_bytes(model.SerializeToString(deterministic=True))
    os.replace(tmp, pb)


def human(report: FixReport, verbose: bool = False) -> str:
    """The report in words; `verbose`: what check finds after the rewrite node by node, not counted by kind."""
    lines = [f"{report.directory} -> {report.out} for {report.target}: "
             + ("FIXED and verified" if report.written else "REFUSED, nothing written")]

    def counted(findings):
        return ", ".join(f"{k} {n}" for k, n in sorted(Counter(f["kind"] for f in findings).items())) or "nothing"
    after = (", ".join(f"{f['kind']} ({f['node']})" for f in report.findings_after) or "nothing") if verbose \
        else counted(report.findings_after)
    lines.append(f"  check before: {counted(report.findings_before)}; after: {after}")
    for s in report.signatures:
        done = ", ".join(f"{kind} {n}" for kind, n in sorted(s.rewrites.items()) if n)
        v = s.verification
        worst = max((o["max_abs_error"] for o in v["outputs"] if o.get("max_abs_error") is not None), default=None)
        lines.append(f"  [{', '.join(s.tags)}] {s.key}: {v['status']}"
                     + (f", largest abs error {worst:.3g}" if worst is not None else "")
                     + (f"; rewrites: {done}" if done else ""))
    if report.error:
        lines.append(f"  {report.error}")
    return "\n".join(lines)
