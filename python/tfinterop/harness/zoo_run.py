"""`make corpus`: the models no one here wrote (zoo.py), built by each TF 2.x producer with its own Keras, fixed by
`tfinterop fix` for every TF Java 1.x target and verified there; the results in COMPATIBILITY.md's section
"Models no one here wrote" (per model and target: fixed and agrees, with its largest error, or refused and why)
and in JSON. Builds and fixes are cached by content, as the matrix's are: a second run redoes only what changed.

    python -m tfinterop.harness.zoo_run [--producers tf-2.21.0,tf-2.12.0] [--targets ...] [--models ...]
                                        [--markdown COMPATIBILITY.md] [--json FILE] [--from-json FILE]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from tfinterop.commands import outputs
from tfinterop.core import paths
from tfinterop.core.errors import TfInteropError, UsageError
from tfinterop.harness import reports, zoo
from tfinterop.harness.matrix import fix_targets, run_fix_jobs
from tfinterop.runtimes import environments, registry

PRODUCERS = ["tf-2.21.0", "tf-2.12.0"]       # Keras 3 and Keras 2
# The TF Java 1.x targets the corpus is fixed for by default (COMPATIBILITY.md's section): the oldest and newest
# releases it was measured on; --targets names any other 1.x release (every one is a fix target).
DEFAULT_TARGETS = ("java-tf-1.8.0", "java-tf-1.15.0")
SECTION = "corpus"


def build_zoo(producer: str, names, log) -> tuple:
    """({name: its SavedModel folder} for those built, zoo.json's record), built by the producer in a process of its
    own and cached by content (zoo.py, the producer)."""
    env = registry.producer(producer)
    python = environments.python_for(env, log=log)
    out = paths.cache_dir() / "zoo" / producer / paths.content_digest(Path(zoo.__file__).read_bytes(), producer)
    record_file = out / "zoo.json"
    known = json.loads(record_file.read_text())["models"] if record_file.is_file() else {}
    todo = [n for n in names if n not in known]
    if todo:
        log(f"corpus: {producer} builds {len(todo)} model(s): {', '.join(todo)}")
        proc = subprocess.Popen([python, "-m", "tfinterop.harness.zoo", "--out", str(out / "new"), *todo],
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
        for name in todo:
            if built["models"][name]["built"]:
                (out / "new" / name).rename(out / name)
                if (out / "new" / f"{name}.inputs.npz").is_file():
                    (out / "new" / f"{name}.inputs.npz").rename(out / f"{name}.inputs.npz")
        known.update(built["models"])
        record_file.write_text(json.dumps({"keras": built["keras"], "models": known}, indent=1) + "\n")
        (out / "new" / "zoo.json").unlink()
        (out / "new").rmdir()
    record = json.loads(record_file.read_text())
    return {n: out / n for n in names if record["models"][n]["built"]}, record


def run(producers, targets, names, log) -> dict:
    """{"producers": {producer: {"keras": version, "models": {name: {"parameters", "why", "targets": {target:
    fix_jobs' reply}}}}}}."""
    code = b"".join(p.read_bytes() for p in sorted((paths.PACKAGE / "commands" / "fix").glob("*.py")))
    code += b"".join((paths.PACKAGE / "compat" / f).read_bytes() for f in ("legacy_forms.py", "composed_forms.py"))
    result, jobs, where = {"producers": {}}, [], {}
    for producer in producers:
        try:
            built, record = build_zoo(producer, names, log)
        except TfInteropError as e:
            result["producers"][producer] = {"error": str(e)}
            log(f"corpus: {producer}: {e}")
            continue
        models = {n: {**record["models"][n], "targets": {}} for n in names}
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
            cells = []
            for target in targets:
                r = model["targets"].get(target)
                if r is None:
                    cells.append("")
                elif r["written"]:
                    worst = r.get("largest_abs_error")
                    cells.append("fixed, agrees" + (f" (≤ {worst:.2g})" if worst is not None else ""))
                else:
                    said = " ".join(r["error"].split())          # TensorFlow's messages span lines
                    reasons.append(f"{producer} {name}, {target}: {said[:600]}" + ("…" if len(said) > 600 else ""))
                    cells.append(f"refused [{len(reasons)}]")
            lines.append(f"| {name} | {params} | " + " | ".join(cells) + " |")
        lines.append("")
    if reasons:
        lines += ["Refusals, in `fix`'s words:", ""] + [f"{i}. {r}" for i, r in enumerate(reasons, 1)] + [""]
    lines += _largest_error(result) + _forms_used(result, targets)
    lines.append(reports.section_end(SECTION))
    return "\n".join(lines) + "\n"


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfinterop.harness.zoo_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--producers", default=",".join(PRODUCERS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--targets", help="comma-separated TF Java 1.x targets (default: java-tf-1.8.0,java-tf-1.15.0; any of "
                             "`tfinterop targets`' 1.x releases)")
    parser.add_argument("--models", help=f"comma-separated (default: all of zoo.py's: {', '.join(zoo.NAMES)})")
    parser.add_argument("--markdown", type=Path, help="the file whose corpus section to write (COMPATIBILITY.md)")
    parser.add_argument("--json", type=Path, help="every result, as JSON")
    parser.add_argument("--from-json", type=Path, metavar="FILE",
                        help="run nothing: write the Markdown of an earlier run's --json")
    args = parser.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    producers = args.producers.split(",")
    targets = args.targets.split(",") if args.targets else list(DEFAULT_TARGETS)
    names = args.models.split(",") if args.models else zoo.NAMES
    try:
        for what, given, known in (("producer", producers, registry.PRODUCERS), ("target", targets,
                                   fix_targets(registry.CONSUMERS)), ("model", names, zoo.NAMES)):
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
        else:
            result = run(producers, targets, names, log)
    except TfInteropError as e:
        log(f"error: {e}")
        return 2 if isinstance(e, UsageError) else 1
    text = markdown(result, targets)
    if args.json:
        outputs.write_text(args.json, json.dumps(result, indent=1) + "\n")
    if args.markdown:
        outputs.write_text(args.markdown, reports.replace_section(
            args.markdown.read_text() if args.markdown.is_file() else "", SECTION, text))
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
