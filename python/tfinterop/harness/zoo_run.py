"""`make corpus`: the models no one here wrote (zoo.py), built by each TF 2.x producer with its own Keras, fixed by
`tfinterop fix` for every TF Java 1.x target and verified there; the results in COMPATIBILITY.md's section
"Models no one here wrote" (per model and target: fixed and agrees, with its largest error, or refused and why)
and in JSON. Builds and fixes are cached by content, as the matrix's are: a second run redoes only what changed.
`make corpus-js` (--javascript): the same models held to TensorFlow.js as they are (no fix is made for it), by
`verify --target js-tfjs-4.22.0`, beside what `check --target js-tfjs-4.22.0` predicted for each.

    python -m tfinterop.harness.zoo_run [--producers tf-2.21.0,tf-2.12.0] [--targets ...] [--models ...]
                                        [--javascript] [--markdown COMPATIBILITY.md] [--json FILE] [--from-json FILE]
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from tfinterop.commands import outputs
from tfinterop.compat import check, composed_forms, legacy_forms
from tfinterop.core import paths
from tfinterop.core.errors import TfInteropError, UsageError
from tfinterop.harness import layer_survey, reports, zoo
from tfinterop.harness.matrix import fix_targets, run_fix_jobs
from tfinterop.runtimes import environments, registry

PRODUCERS = ["tf-2.21.0", "tf-2.12.0"]       # Keras 3 and Keras 2
# The TF Java 1.x targets the corpus is fixed for by default (COMPATIBILITY.md's section): the oldest and newest
# releases it was measured on; --targets names any other 1.x release (every one is a fix target).
DEFAULT_TARGETS = ("java-tf-1.8.0", "java-tf-1.15.0")
SECTION = "corpus"
LAYERS_SECTION = "layers"
JS_SECTION = "corpus-js"
LAYERS_JS_SECTION = "layers-js"
JS_TARGET = "js-tfjs-4.22.0"      # the JavaScript consumer --javascript holds the corpus to


def build_zoo(producer: str, names, log, builder=zoo) -> tuple:
    """({name: its SavedModel folder} for those built, zoo.json's record), built by the producer in a process of its
    own (`python -m` the builder: zoo.py, or layer_survey.py) and cached by content (the builder, zoo.py, the
    producer). `names` None: every model the builder makes with the producer's Keras."""
    env = registry.producer(producer)
    python = environments.python_for(env, log=log)
    code = b"".join(Path(m.__file__).read_bytes() for m in dict.fromkeys([zoo, builder]))
    out = paths.cache_dir() / builder.__name__.rsplit(".", 1)[-1] / producer / paths.content_digest(code, producer)
    record_file = out / "zoo.json"
    known = json.loads(record_file.read_text())["models"] if record_file.is_file() else {}
    todo = [n for n in names if n not in known] if names is not None else [] if known else None
    if todo != []:
        log(f"corpus: {producer} builds " + (f"{len(todo)} model(s): {', '.join(todo)}" if todo else "every model"))
        proc = subprocess.Popen([python, "-m", builder.__name__, "--out", str(out / "new"), *(todo or [])],
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                env=environments.package_env(env))
        said = []
        for line in proc.stderr:                     # each model's line as it is built: progress
            said.append(line)
            if line.startswith("zoo: "):
                log(f"corpus: {producer}: {line[5:].rstrip()}")
        if proc.wait() != 0:
            raise TfInteropError(f"building the corpus with {producer} failed (exit status {proc.returncode}): "
                                 f"{''.join(said).strip()[-2000:]}")
        built = json.loads((out / "new" / "zoo.json").read_text())
        for name in built["models"]:
            if built["models"][name]["built"]:
                (out / "new" / name).rename(out / name)
                if (out / "new" / f"{name}.inputs.npz").is_file():
                    (out / "new" / f"{name}.inputs.npz").rename(out / f"{name}.inputs.npz")
        known.update(built["models"])
        record_file.write_text(json.dumps({"keras": built["keras"], "models": known}, indent=1) + "\n")
        (out / "new" / "zoo.json").unlink()
        (out / "new").rmdir()
    record = json.loads(record_file.read_text())
    names = list(record["models"]) if names is None else names
    return {n: out / n for n in names if record["models"][n]["built"]}, record


def _built_or_recorded(producer, names, log, builder, result) -> tuple:
    """build_zoo's (built, record); or (None, None) with the failure recorded as the producer's result."""
    try:
        return build_zoo(producer, names, log, builder)
    except TfInteropError as e:
        result["producers"][producer] = {"error": str(e)}
        log(f"corpus: {producer}: {e}")
        return None, None


def run(producers, targets, names, log, builder=zoo) -> dict:
    """{"producers": {producer: {"keras": version, "models": {name: {"parameters", "why", "targets": {target:
    fix_jobs' reply}}}}}}; `names` None: every model the builder makes with each producer's Keras."""
    code = b"".join(p.read_bytes() for p in sorted((paths.PACKAGE / "commands" / "fix").glob("*.py")))
    code += b"".join((paths.PACKAGE / "compat" / f).read_bytes() for f in ("legacy_forms.py", "composed_forms.py"))
    result, jobs, where = {"producers": {}}, [], {}
    for producer in producers:
        built, record = _built_or_recorded(producer, names, log, builder, result)
        if built is None:
            continue
        models = {n: {**record["models"][n], "targets": {}} for n in (names or record["models"])}
        result["producers"][producer] = {"keras": record["keras"], "models": models}
        for name, folder in built.items():
            for target in targets:
                out = paths.cache_dir() / "zoo-fixed" / target / producer / \
                    f"{name}-{paths.content_digest(folder, code)}"
                where[str(out)] = (producer, name, target)
                given = folder.parent / f"{name}.inputs.npz"
                jobs.append({"dir": str(folder), "target": target, "out": str(out),
                             **({"inputs": str(given)} if given.is_file() else {})})
    started = time.perf_counter()
    replies = run_fix_jobs(jobs, log)
    for out, (producer, name, target) in where.items():
        result["producers"][producer]["models"][name]["targets"][target] = replies[out]
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def run_javascript(producers, names, log, builder=zoo, target=JS_TARGET) -> dict:
    """{"target", "producers": {producer: {"keras", "models": {name: {"built", "why", "parameters", "js": {...}}}}}}:
    each built model verified in `target` as `tfinterop verify --target` does (one Verifier, its workers shared by
    every model; the model's own inputs where the zoo gave some, else synthesized), with `check`'s prediction from
    the target's dumped op list (made afresh each run: no TensorFlow, a fraction of a second a model). Each verify
    result is cached by the model's folder (content-addressed) and the code that judged it."""
    from tfinterop.commands import verify
    from tfinterop.compat import targets as dumped
    from tfinterop.contract.signatures import Inputs
    from tfinterop.runtimes import tfjs, tfjs_convert
    code = b"".join(Path(f).read_bytes() for f in (tfjs.WORKER, tfjs_convert.__file__, verify.__file__))
    registry_of_target = dumped.load(target)
    result = {"target": target, "producers": {}}
    verifier = verify.Verifier(target, log=log)
    try:
        for producer in producers:
            built, record = _built_or_recorded(producer, names, log, builder, result)
            if built is None:
                continue
            models = {n: dict(record["models"][n]) for n in (names or record["models"])}
            result["producers"][producer] = {"keras": record["keras"], "models": models}
            for i, (name, folder) in enumerate(built.items(), 1):
                findings = check.check(folder, registry_of_target).findings
                predicted = sorted({f.op if f.kind == "op-not-registered" else f.kind for f in findings})
                cached = paths.cache_dir() / "zoo-js" / target / producer / f"{name}-{paths.content_digest(folder, code)}.json"
                if cached.is_file():
                    models[name]["js"] = {**json.loads(cached.read_text()), "predicted": predicted}
                    continue
                started = time.perf_counter()
                given = folder.parent / f"{name}.inputs.npz"
                r = verifier.verify(folder, inputs=Inputs.read(given) if given.is_file() else Inputs())
                errors = [o.max_abs_error for o in r.outputs if o.max_abs_error is not None]
                differ = "; ".join(f"{o.key}: {o.reason}" for o in r.outputs if not o.agree)
                entry = {"status": r.status, "error": r.error or differ, "runtime_message": r.runtime_message,
                         "largest_abs_error": max(errors) if errors else None,
                         "seconds": round(time.perf_counter() - started, 1)}
                cached.parent.mkdir(parents=True, exist_ok=True)
                outputs.write_text(cached, json.dumps(entry) + "\n")
                entry["predicted"] = predicted
                models[name]["js"] = entry
                log(f"corpus: {target}: {producer} {i}/{len(built)}: {name}: {r.status}"
                    + (f" ({entry['largest_abs_error']:.2g})" if entry["largest_abs_error"] is not None else "")
                    + (f"; check predicted {', '.join(entry['predicted'])}" if entry["predicted"] else ""))
    finally:
        verifier.close()
    return result


def javascript_markdown(result, targets=None, section=JS_SECTION) -> str:
    """COMPATIBILITY.md's section on the corpus (or, section LAYERS_JS_SECTION, the layer survey) in TensorFlow.js:
    per model, what verify found (agrees, with its largest error; or refused, in the converter's or tfjs's words)
    beside what check predicted, and how often the prediction was right."""
    target = result["target"]
    title, made, flags, which = (("Every Keras layer, in TensorFlow.js", "make layers-js", "--javascript --layers",
                                  "the layer survey's models (one per class of keras.layers)")
                                 if section == LAYERS_JS_SECTION else
                                 ("Models no one here wrote, in TensorFlow.js", "make corpus-js", "--javascript",
                                  "the models of the section above"))
    lines = [reports.section_begin(section), f"## {title}", "",
             f"Made by `{made}` (harness/zoo_run.py {flags}): {which}, built the "
             f"same way, held as they are to {target} by `tfinterop verify --target {target}` (each signature "
             f"converted by the real converter and run by tfjs's CPU backend in Node.js, on the model's own inputs "
             f"or synthesized ones, against TF 2.21), beside `check --target {target}`'s prediction (the ops the "
             f"converter lacks, or the dtypes tfjs lacks). No fix is made for TensorFlow.js.", ""]
    reasons, tally = [], {"models": 0, "agree": 0, "right": 0, "missed": [], "false_alarm": []}
    for producer, entry in result["producers"].items():
        if "error" in entry:
            lines += [f"### {producer}", "", f"not built: {' '.join(entry['error'].split())[:300]}", ""]
            continue
        lines += [f"### {producer} (Keras {entry['keras']})", "", f"| model | {target} | check predicted |", "|---|---|---|"]
        for name, model in entry["models"].items():
            if not model.get("built"):
                lines.append(f"| {name} | not built: {model.get('why', '')} | |")
                continue
            js = model.get("js")
            if js is None:
                continue
            tally["models"] += 1
            predicted_ok = not js["predicted"]
            if js["status"] == "agree":
                tally["agree"] += 1
                worst = js["largest_abs_error"]
                cell = "agrees" + (f" (≤ {worst:.2g})" if worst is not None else "")
            else:
                said = " ".join((js["error"] or js["status"]).split())
                reasons.append(f"{producer} {name}: {said[:500]}" + ("…" if len(said) > 500 else ""))
                cell = f"{js['status']} [{len(reasons)}]"
            agreed = js["status"] == "agree"
            if predicted_ok == agreed:
                tally["right"] += 1
            elif predicted_ok:
                tally["missed"].append(f"{name} ({producer})")
            else:
                tally["false_alarm"].append(f"{name} ({producer})")
            lines.append(f"| {name} | {cell} | {'loadable' if predicted_ok else ', '.join(js['predicted'])} |")
        lines.append("")
    if tally["models"]:
        lines += [f"{tally['agree']} of {tally['models']} models agree in {target}. check's prediction (no finding: "
                  f"it will agree; a finding: it will not) matched what happened for {tally['right']} of "
                  f"{tally['models']}"
                  + (f"; it found nothing, but the converter or tfjs refused, or the numbers differed: "
                     f"{', '.join(tally['missed'])}" if tally["missed"] else "")
                  + (f"; it found something in models that agree: {', '.join(tally['false_alarm'])}"
                     if tally["false_alarm"] else "") + ".", ""]
    if reasons:
        lines += ["What the converter or tfjs said:", ""] + [f"{i}. {r}" for i, r in enumerate(reasons, 1)] + [""]
    lines.append(reports.section_end(section))
    return "\n".join(lines) + "\n"


def markdown(result, targets) -> str:
    lines = [reports.section_begin(SECTION), "## Models no one here wrote", "",
             "Made by `make corpus` (harness/zoo_run.py): every family of `keras.applications` (weights=None, small "
             "inputs, 10 classes) and models composed from Keras' own layers, built and exported by each TF 2.x "
             "producer with its own Keras, then `tfinterop fix --target` each TF Java 1.x and verified in it on "
             "synthesized inputs. A cell: fixed and agrees, with the largest absolute error over every output; or "
             "refused, and why (the reasons follow the table).", ""]
    reasons = []
    for producer, entry in result["producers"].items():
        if "error" in entry:             # its last line: the exception (the whole of it is in the JSON)
            said = [line.strip() for line in entry["error"].splitlines() if line.strip()]
            lines += [f"### {producer}", "", f"not built: {said[0]} ... {said[-1]}" if len(said) > 1 else
                      f"not built: {said[0] if said else 'no message'}", ""]
            continue
        lines += [f"### {producer} (Keras {entry['keras']})", "",
                  "| model | parameters | " + " | ".join(targets) + " |",
                  "|---|---:|" + "---|" * len(targets)]
        for name, model in entry["models"].items():
            params = f"{model['parameters']:,}" if model.get("parameters") else ""
            if not model["built"]:
                lines.append(f"| {name} | {params} | " + " | ".join([f"not built: {model['why']}"] * len(targets)) + " |")
                continue
            cells = [_fix_cell(model["targets"].get(target), reasons, f"{producer} {name}, {target}")
                     for target in targets]
            lines.append(f"| {name} | {params} | " + " | ".join(cells) + " |")
        lines.append("")
    if reasons:
        lines += ["Refusals, in `fix`'s words:", ""] + [f"{i}. {r}" for i, r in enumerate(reasons, 1)] + [""]
    lines += _largest_error(result) + _forms_used(result, targets)
    lines.append(reports.section_end(SECTION))
    return "\n".join(lines) + "\n"


def _fix_cell(reply, reasons: list, where: str) -> str:
    """A table cell of fix's reply: fixed (or loads as it is) and agrees, with the largest error; or refused, its
    reason numbered in `reasons`."""
    if reply is None:
        return ""
    if reply["written"]:
        worst = reply.get("largest_abs_error")
        return (("loads as it is, agrees" if reply.get("unchanged") else "fixed, agrees")
                + (f" (≤ {worst:.2g})" if worst is not None else ""))
    said = " ".join(reply["error"].split())          # TensorFlow's messages span lines
    reasons.append(f"{where}: {said[:600]}" + ("…" if len(said) > 600 else ""))
    return f"refused [{len(reasons)}]"


def _largest_error(result) -> list:
    """The contract on deep nets: the largest error any fixed model showed, and where."""
    from tfinterop.contract.tolerance import contract
    worst = max(((r["largest_abs_error"], f"{name} from {producer}, in {target}")
                 for producer, entry in result["producers"].items() for name, model in entry.get("models", {}).items()
                 for target, r in model.get("targets", {}).items()
                 if r.get("written") and r.get("largest_abs_error") is not None), default=None)
    if worst is None:
        return []
    c = contract("float32")
    numbers = sum("values differ beyond" in (r.get("error") or "") for entry in result["producers"].values()
                  for model in entry.get("models", {}).values() for r in model.get("targets", {}).values())
    return [f"The largest absolute error of any fixed model: {worst[0]:.2g} ({worst[1]}), under the float32 "
            f"contract (rtol {c.rtol:g}, atol {c.atol:g}; shared/tolerance.json); "
            + (f"{numbers} fix(es) refused because the numbers differed beyond it." if numbers else
               "no model was refused for its numbers."), ""]


def _forms_used(result, targets) -> list:
    """What the corpus needed: per form of legacy_forms.py / composed_forms.py, how many models (of every
    producer) each target's fix used it in."""
    used = {}
    for entry in result["producers"].values():
        for model in entry.get("models", {}).values():
            for target, r in model.get("targets", {}).items():
                for kind in (r.get("rewrites") or {}):
                    if kind.startswith("legacy-form ") or kind == "inlined-calls" or kind.startswith("tables"):
                        used.setdefault(kind.removeprefix("legacy-form "), {}).setdefault(target, 0)
                        used[kind.removeprefix("legacy-form ")][target] += 1
    if not used:
        return []
    lines = ["The rewrites the corpus needed (models whose fix used each; `compat/composed_forms.py` argues each "
             "form):", "", "| rewrite | " + " | ".join(targets) + " |", "|---|" + "---:|" * len(targets)]
    for kind in sorted(used):
        lines.append(f"| {kind} | " + " | ".join(str(used[kind].get(t, 0)) for t in targets) + " |")
    return lines + [""]


# ---- the layer survey's section

def layers_markdown(result, targets) -> str:
    """COMPATIBILITY.md's section: per Keras and layer, what check found each target lacking and what fix made of
    it; then every op found lacking, with its composed form or the reason there is none."""
    lines = [reports.section_begin(LAYERS_SECTION), "## Every Keras layer", "",
             "Made by `make layers` (harness/layer_survey.py, zoo_run.py --layers): one small model per public "
             "class of `keras.layers`, built and exported by each TF 2.x producer with its own Keras as a user "
             "exports it (Keras 3 `model.export()`, Keras 2 `model.save(save_format=\"tf\")`), held to `tfinterop "
             "check --target` each TF Java 1.x, then `tfinterop fix` for it and verified in it. Per target: "
             "**lacks**, the ops `check` found the target lacking (its function library too; not the function calls "
             "and saver ops every Keras export has, which fix removes by freezing); **fix**, fixed and agrees (the "
             "largest absolute error over every output), loads as it is, or refused (the reasons follow the table).",
             ""]
    reasons = []
    for producer, entry in result["producers"].items():
        if "error" in entry:
            said = [line.strip() for line in entry["error"].splitlines() if line.strip()]
            lines += [f"### {producer}", "", f"not built: {said[-1] if said else 'no message'}", ""]
            continue
        models = entry["models"]
        others = {n: m["why"] for n, m in models.items() if m["why"].startswith(("another name of", "not a layer"))}
        surveyed = {n: m for n, m in models.items() if n not in others}
        built = [n for n, m in surveyed.items() if m["built"]]
        lines += [f"### {producer} (Keras {entry['keras']})", "",
                  f"{len(models)} public classes: {len(built)} built, {len(surveyed) - len(built)} not (why, in the "
                  f"table), {len(others)} other names of a class or not layers (below the table). "
                  + "; ".join(f"{t}: {_count(surveyed, t)}" for t in targets) + ".", "",
                  "| layer | " + " | ".join(f"{t} lacks | {t} fix" for t in targets) + " |",
                  "|---|" + "---|---|" * len(targets)]
        for name, model in surveyed.items():
            if not model["built"]:
                lines.append(f"| {name} | not built: {_escaped(model['why'])} |" + " |" * (2 * len(targets) - 1))
                continue
            cells = []
            for target in targets:
                r = model["targets"].get(target) or {}
                cells += [", ".join(sorted(_lacking(r))) or "nothing",
                          _fix_cell(r or None, reasons, f"{producer} {name}, {target}")]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        aliases = {n: w.split()[3] for n, w in others.items() if w.startswith("another name of ")}
        lines += ["", "Other names of a class surveyed: " + ", ".join(f"{n} ({c})" for n, c in aliases.items())
                  + "; not layers: " + ", ".join(f"{n} ({w})" for n, w in others.items() if n not in aliases) + ".",
                  ""]
    if reasons:
        lines += ["Refusals, in `fix`'s words:", ""] + [f"{i}. {r}" for i, r in enumerate(reasons, 1)] + [""]
    lines += _largest_error(result) + _ops_found(result, targets)
    lines.append(reports.section_end(LAYERS_SECTION))
    return "\n".join(lines) + "\n"


def _escaped(text) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _count(models, target) -> str:
    results = [m["targets"][target] for m in models.values() if m["built"] and target in m["targets"]]
    fixed = sum(r["written"] and not r.get("unchanged") for r in results)
    as_is = sum(bool(r["written"] and r.get("unchanged")) for r in results)
    return f"{fixed} fixed and agree, {as_is} load as they are, {len(results) - fixed - as_is} refused"


def _lacking(reply) -> dict:
    """The ops check found the target lacking, but for those every Keras export has (function calls, control
    flow v2, the sharded saver's), which fix removes by freezing and rewriting the saver."""
    structural = check.FIXED_BY_FREEZING | check.SHARDED_SAVER_OPS
    return {op: n for op, n in (reply.get("lacking") or {}).items() if op not in structural}


REFUSED_NODE = re.compile(r"node '([^']+)' \(op '([^']+)': (.*?)\)(?=; node '|\. |$)")


def _ops_found(result, targets) -> list:
    """Every op check found a target lacking in a layer's model, or fix found it could not run after freezing,
    and what fix made of it: the composed form it used (composed_forms.py argues each), its refusal, or nothing to
    do (the op was only in functions the frozen serving graph does not run)."""
    found = {}     # op -> {"targets": {target: {layers}}, "forms", "refusals": reasons, "absent", "refused_first"}
    for producer, entry in result["producers"].items():
        for name, model in entry.get("models", {}).items():
            for target, r in model.get("targets", {}).items():
                where = (entry["keras"], name)
                said = " ".join((r.get("error") or "").split())
                named = {op: why for _, op, why in REFUSED_NODE.findall(said)}
                for op in {**_lacking(r), **named}:
                    f = found.setdefault(op, {"targets": {}, "forms": set(), "refusals": set(), "absent": set(),
                                              "refused_first": set()})
                    f["targets"].setdefault(target, set()).add(where)
                    forms = {kind.removeprefix(f"legacy-form {op}->") for kind in r.get("rewrites") or {}
                             if kind.startswith(f"legacy-form {op}->")}
                    f["forms"] |= {f"{op} → {form}" for form in forms}
                    if op in named:
                        f["refusals"].add(named[op])
                    elif r.get("written") and not forms:
                        f["absent"].add(where)
                    elif not r.get("written"):
                        f["refused_first"].add(where)
    if not found:
        return ["No layer's model uses an op a TF Java 1.x target lacks.", ""]
    lines = ["Every op the survey found a target lacking (`check`, in the model as exported, its function library "
             "too; or `fix`, in the graph it froze), the layers whose models have it, and what `fix` does with it: "
             "its exact composed form (`compat/composed_forms.py` argues each), its refusal and why "
             "(`composed_forms.NO_FORM`), or nothing, where the op is only in functions the frozen serving graph "
             "does not run.", "",
             "| op | " + " | ".join(targets) + " | what fix does |", "|---|" + "---|" * len(targets) + "---|"]
    for op in sorted(found):
        f = found[op]
        does = sorted(f["forms"]) + [f"refused: {why}" for why in sorted(f["refusals"])]
        if f["absent"]:
            does.append(f"not in the frozen serving graph of {len(f['absent'])} fixed model(s)")
        if f["refused_first"]:
            does.append(f"{len(f['refused_first'])} model(s) refused for another reason first")
        if not f["forms"] and op in legacy_forms.COMPOSED_FORMS:
            does.append(f"its composed form (composed_forms.{legacy_forms.COMPOSED_FORMS[op].__name__}, proven in "
                        f"tests/commands/test_fix_composed_forms.py) is not used in these fixes")
        if not f["forms"] and not f["refusals"] and op in composed_forms.NO_FORM:
            does.append(f"no form: {composed_forms.NO_FORM[op]}")
        cells = [_by_keras(f["targets"].get(t, ())) or "has it" for t in targets]
        lines.append(f"| {op} | " + " | ".join(_escaped(c) for c in cells) + f" | {_escaped('; '.join(does))} |")
    return lines + [""]


def _by_keras(layers) -> str:
    """(keras, layer) pairs as 'Keras 3.15.1: A, B; Keras 2.12.0: C'."""
    by = {}
    for keras, name in sorted(layers, key=lambda kn: (-int(kn[0].split(".")[0]), kn[1])):
        by.setdefault(keras, []).append(name)
    return "; ".join(f"Keras {keras}: {', '.join(names)}" for keras, names in by.items())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfinterop.harness.zoo_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--producers", default=",".join(PRODUCERS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--targets", help="comma-separated TF Java 1.x targets (default: java-tf-1.8.0,java-tf-1.15.0; any of "
                             "`tfinterop targets`' 1.x releases)")
    parser.add_argument("--models", help=f"comma-separated (default: all of zoo.py's: {', '.join(zoo.NAMES)}; "
                                         f"with --layers, every public layer class of each producer's Keras)")
    parser.add_argument("--layers", action="store_true",
                        help="the layer survey (layer_survey.py) instead: one model per class of keras.layers, and "
                             "COMPATIBILITY.md's section on them")
    parser.add_argument("--javascript", action="store_true",
                        help=f"hold the corpus to TensorFlow.js ({JS_TARGET}) as it is, by verify, beside check's "
                             f"prediction, and write COMPATIBILITY.md's section on it")
    parser.add_argument("--markdown", type=Path, help="the file whose corpus section to write (COMPATIBILITY.md)")
    parser.add_argument("--json", type=Path, help="every result, as JSON")
    parser.add_argument("--from-json", type=Path, metavar="FILE",
                        help="run nothing: write the Markdown of an earlier run's --json")
    args = parser.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    producers = args.producers.split(",")
    targets = args.targets.split(",") if args.targets else list(DEFAULT_TARGETS)
    names = args.models.split(",") if args.models else None if args.layers else zoo.NAMES
    # The layer survey's names are the producers' Keras' classes: a name one lacks is a row that says so.
    builder, section, write = (layer_survey, LAYERS_SECTION, layers_markdown) if args.layers else \
        (zoo, JS_SECTION, javascript_markdown) if args.javascript else (zoo, SECTION, markdown)
    if args.javascript and args.layers:
        builder, section = layer_survey, LAYERS_JS_SECTION
        write = lambda result, targets: javascript_markdown(result, targets, LAYERS_JS_SECTION)  # noqa: E731
    try:
        if args.javascript and args.targets:
            raise UsageError("--javascript holds the models to TensorFlow.js as they are (no fix): no --targets")
        for what, given, known in (("producer", producers, registry.PRODUCERS), ("target", targets,
                                   fix_targets(registry.CONSUMERS)),
                                   *([] if args.layers else [("model", names, zoo.NAMES)])):
            unknown = [g for g in given if g not in known]
            if unknown:
                raise UsageError(f"unknown {what}(s) {', '.join(unknown)}; they are: {', '.join(known)}")
        for path in (args.markdown, args.json):
            if path:
                outputs.check_output_file(path, overwrite=True)
        if args.from_json:
            try:
                result = json.loads(args.from_json.read_text())
            except (OSError, ValueError) as e:
                raise UsageError(f"--from-json {args.from_json}: not an earlier run's JSON ({e})") from None
        elif args.javascript:
            result = run_javascript(producers, names, log, builder)
        else:
            result = run(producers, targets, names, log, builder)
    except TfInteropError as e:
        log(f"error: {e}")
        return 2 if isinstance(e, UsageError) else 1
    if args.json:                          # first: a run's results outlive a report that fails to write
        outputs.write_text(args.json, json.dumps(result, indent=1) + "\n")
    text = write(result, targets)
    if args.markdown:
        outputs.write_text(args.markdown, reports.replace_section(
            args.markdown.read_text() if args.markdown.is_file() else "", section, text))
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
