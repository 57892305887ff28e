"""`tfinterop fix DIR --target NAME --out OUT`, its stages in order (lower.py and build.py hold the two big ones): rewrite a SavedModel into one the target runtime loads, and
keep it only when the target gives the reference's outputs.

  read     DIR with the SavedModel reader: its tag-sets and signatures, `check`'s findings for the target,
           and the untrusted-op scan (a model with such ops is refused unless allow_untrusted)
  as it is where `check` finds nothing, every signature is first verified as it is: if the target runs it and
           agrees, OUT is a copy of DIR, and the report says so; if not (a kernel that cannot run a use of its
           op is not in any registry), the stages below rewrite it
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

import shutil
from dataclasses import asdict
from pathlib import Path

from tfinterop.commands import outputs
from tfinterop.commands.fix.build import build
from tfinterop.commands.fix.lower import lower
from tfinterop.commands.fix.report import FixRefusedError, FixReport, refusal, SignatureFix
from tfinterop.commands.verify import human as verify_human, plan, Verifier
from tfinterop.compat import check, untrusted
from tfinterop.contract.signatures import Inputs
from tfinterop.core import interrupts
from tfinterop.core.errors import (SignatureNotFoundError, TagSetNotFoundError, TargetIncompatibleError,
                                   UntrustedModelError, UsageError)
from tfinterop.runtimes import registry
from tfinterop.savedmodel import reader as savedmodel


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
    unused = sorted({k for k, _ in inputs.by_signature} - {k for keys in chosen.values() for k in keys})
    if unused:
        raise UsageError(f"inputs are given for signature(s) {', '.join(map(repr, unused))}, which fix does not "
                         f"write (it writes {', '.join(sorted({repr(k) for keys in chosen.values() for k in keys}))})")
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
    if verifier is not None and allow_untrusted and not verifier.allow_untrusted:
        raise UsageError("allow_untrusted: the verifier given refuses untrusted models; make it with "
                         "allow_untrusted=True too")
    own_verifier = verifier is None
    # The reference runs in this process, which imports TensorFlow to rewrite the model (Verifier._start).
    verifier = verifier or Verifier(target.name, log=log, allow_untrusted=allow_untrusted)
    verifier.start_soon(verifier.target)             # the JVM starts while TensorFlow lowers the model
    try:
        with outputs.staging_folder(out) as staging:
            staged = staging / "model"
            as_it_is = _verified_as_it_is(directory, chosen, inputs, verifier, log) \
                if not report.findings_before and not freeze else None
            if as_it_is:
                shutil.copytree(directory, staged)
                interrupts.check()
                report.signatures, report.unchanged = as_it_is, True
                outputs.commit(staged, out)
                report.written = True
                return report
            lowered = lower(directory, chosen, freeze, log)
            interrupts.check()
            build(staged, directory, model, lowered, target, freeze, log)
            for sig in lowered:                      # the weights are in variables/ now: not held while verifying
                for variable in sig.variable_nodes.values():
                    variable.value = None
            interrupts.check()
            report.findings_after = [asdict(f) for f in check.check(staged, target).findings]
            if report.findings_after:
                raise refusal(report, "the rewritten model still has what the target rejects: " + "; ".join(
                    f"[{', '.join(f['tags'])}] {f['message']}" for f in report.findings_after))
            for sig in lowered:
                result = verifier.verify_plan(plan(staged, sig.tags, sig.key, inputs, its_keys_only=True),
                                              reference_directory=directory)
                interrupts.check()        # a failure caused by the interrupt is not the model's
                _name_the_staged_model(result, staged, out)
                log(verify_human(result, verifier.target))
                report.signatures.append(SignatureFix(sig.tags, sig.key, dict(sig.rewrites), asdict(result)))
                if result.status == "unusable":
                    raise refusal(report, f"[{', '.join(sig.tags)}] signature {sig.key!r} cannot be verified: "
                                           f"{result.error}")
                if not result.agree:
                    raise refusal(report, f"[{', '.join(sig.tags)}] signature {sig.key!r}: the rewritten model "
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
        raise refusal(report, str(e).replace(" Nothing was written; ", " ")) from None
    finally:
        if own_verifier:
            verifier.close()


def _verified_as_it_is(directory, chosen, inputs, verifier, log) -> list | None:
    """Every chosen signature of DIR verified in the target as it is: their SignatureFixes if all agree, else None."""
    done = []
    for tags, keys in chosen.items():
        for key in keys:
            result = verifier.verify_plan(plan(directory, list(tags), key, inputs, its_keys_only=True))
            interrupts.check()
            log(verify_human(result, verifier.target))
            if not result.agree:
                log(f"fix: [{', '.join(tags)}] {key}: {verifier.target} loads the model as it is, but "
                    f"{result.status}: rewriting it")
                return None
            done.append(SignatureFix(list(tags), key, {}, asdict(result)))
    return done


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
