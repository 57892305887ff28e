"""The matrix's results, rendered for people and programs: a Markdown table (a CI job summary and
COMPATIBILITY.md), a self-contained HTML grid (a colour per outcome, each message on hover and listed below),
JSON, and `tfinterop run`'s plain-text table (one row per model, variant and tag-set, a column per consumer:
`run` is the matrix's default slice, and this is only how that slice is printed).

Rows are producer x model x variant [tag-set], columns are consumers. A cell shows its outcome; a failure
or crash points to a numbered note with TensorFlow's message, and, when the known-incompatibilities list
expects it, the list line and its reason.
"""

import html
import json

from tfinterop.core import paths
from tfinterop.harness import expectations
from tfinterop.harness.matrix import CRASH, FAIL, MatrixResult, PASS, SKIP

COLOURS = {PASS: "#c8e6c9", "known": "#fff3b0", FAIL: "#ef9a9a", CRASH: "#b39ddb", SKIP: "#e0e0e0"}
WORDS = {PASS: "pass", FAIL: "fail", CRASH: "crash", SKIP: "skip"}


def outcome(cell) -> str:
    """pass / known (an expected failure) / fail / crash / skip, plus '!' when the verdict is unexpected."""
    if cell.status in (FAIL, CRASH) and cell.expected:
        return "known"
    return cell.status


def _notes(result: MatrixResult):
    """Numbered notes, one per distinct (message, list line); cell -> note number."""
    notes, numbers, of_cell = [], {}, {}
    for i, cell in enumerate(result.cells):
        if cell.status == PASS and cell.expected:
            continue
        text = cell.message if cell.status != PASS else cell.verdict
        key = (text if cell.status == SKIP else _short(cell.observed_message if cell.status != PASS else text),
               cell.known_line, cell.expected)
        if key not in numbers:
            numbers[key] = len(notes) + 1
            notes.append((key, cell))
        of_cell[i] = numbers[key]
    return notes, of_cell


def _note_parts(note, reasons):
    """What a note says, for either rendering: (label, message, the list line's reason or None, verdict or None)."""
    (text, line, expected), cell = note
    entry = reasons.get(line)
    known = (f"known-incompatibilities.txt line {line}: {entry.reason}"
             if entry is not None and cell.status != SKIP else None)
    return (outcome(cell) if expected else "unexpected " + cell.status, text, known,
            None if expected else cell.verdict)


def _short(message: str) -> str:
    return message.strip().splitlines()[0][:300] if message.strip() else ""


def _reasons():
    try:
        return {e.line: e for e in expectations.load(paths.KNOWN_INCOMPATIBILITIES)}
    except Exception:    # noqa: BLE001 -- a broken list is reported by the run itself
        return {}


def _rows(result: MatrixResult):
    rows = {}
    for i, cell in enumerate(result.cells):
        rows.setdefault((cell.producer, cell.model, cell.variant, tuple(cell.tags)), {})[cell.consumer] = (i, cell)
    return rows


def summary_line(result: MatrixResult) -> str:
    n = result.counts()
    return (f"{n['cells']} cells: {n[PASS]} pass, {n[FAIL]} fail, {n[CRASH]} crash, {n[SKIP]} skip; "
            f"{n['known']} of the failures are known incompatibilities, {n['unexpected']} unexpected"
            + (f"; {len(result.problems)} problem(s) with the list" if result.problems else ""))


def markdown(result: MatrixResult, title="Compatibility matrix") -> str:
    notes, of_cell = _notes(result)
    reasons = _reasons()
    out = [f"## {title}", "", summary_line(result) + ("" if result.ok else "  **— the run FAILED**"), "",
           f"Made by `tfinterop matrix` (`make matrix` regenerates COMPATIBILITY.md). Each cell: the producer "
           f"(Python TensorFlow) exports the model as the variant; the consumer loads the tag-set and runs "
           f"{result.images} MNIST test images; outputs are held to the producer's own loader under the tolerance "
           "contract. Consumers: `java-tf-X` is TF Java running TensorFlow X (`java-tf-2.18.0` is the current TF "
           "Java, `org.tensorflow:tensorflow-core-api` 1.1.0); `python-tf-X` is Python TensorFlow X's loader; "
           "`js-tfjs-X` is TensorFlow.js X in Node.js (each signature converted by its converter; a cell whose "
           "signature has outputs it cannot fetch compares the others and fails naming those). "
           "`known` = fails as fixtures/known-incompatibilities.txt says; `FAIL!`/`CRASH!`/`PASS!` = not as "
           "expected.", ""]
    out.append("| producer | model | variant [tags] | " + " | ".join(result.consumers) + " |")
    out.append("|---|---|---|" + "---|" * len(result.consumers))
    for (producer, model, variant, tags), by_consumer in _rows(result).items():
        shown = []
        for consumer in result.consumers:
            i, cell = by_consumer[consumer]
            word = "known" if outcome(cell) == "known" else WORDS[cell.status]
            if not cell.expected:
                word = word.upper() + "!"
            shown.append(word + (f" [{of_cell[i]}]" if i in of_cell else ""))
        out.append(f"| {producer} | {model} | {variant} [{', '.join(tags)}] | " + " | ".join(shown) + " |")
    for producer, variants, why in result.not_made:
        out += ["", f"Not cells: {producer} makes no {', '.join(variants)} export ({why})."]
    if notes:
        out += ["", "### Notes", ""]
        for number, note in enumerate(notes, start=1):
            label, text, known, verdict = _note_parts(note, reasons)
            out.append(f"{number}. **{label}**: {_md(text)}" + (f" — {_md(known)}" if known else "")
                       + (f" — {_md(verdict)}" if verdict else ""))
    if result.problems:
        out += ["", "### Problems with the list", ""] + [f"- {_md(p)}" for p in result.problems]
    if result.timings:
        out += ["", "### Time", "", "| step | seconds |", "|---|---|"]
        out += [f"| {step} | {seconds:.1f} |" for step, seconds in result.timings.items()]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def html_page(result: MatrixResult, title="tfinterop compatibility matrix") -> str:
    notes, of_cell = _notes(result)
    reasons = _reasons()
    e = html.escape
    css = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{border:1px solid #999;padding:4px 8px;font-size:13px}th{background:#f5f5f5}"
           "td.cell{text-align:center;cursor:help}.bad{outline:3px solid #b71c1c;font-weight:bold}"
           "ol li{margin-bottom:.5em;font-size:13px}.legend span{padding:2px 8px;margin-right:6px}"
           + "".join(f".{k}{{background:{v}}}" for k, v in COLOURS.items()))
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>{css}</style></head><body>",
           f"<h1>{e(title)}</h1><p>{e(summary_line(result))}{'' if result.ok else ' — <b>the run FAILED</b>'}</p>",
           "<p class='legend'>" + "".join(f"<span class='{k}'>{k}</span>" for k in COLOURS)
           + " <span class='bad'>not as expected</span> — hover a cell for its message.</p>",
           "<table><tr><th>producer</th><th>model</th><th>variant [tags]</th>"
           + "".join(f"<th>{e(c)}</th>" for c in result.consumers) + "</tr>"]
    for (producer, model, variant, tags), by_consumer in _rows(result).items():
        tds = []
        for consumer in result.consumers:
            i, cell = by_consumer[consumer]
            kind = outcome(cell)
            hover = cell.message or cell.verdict
            if not cell.expected:
                hover = f"{cell.verdict}\n{hover}"
            accuracy = "" if cell.accuracy is None else f", accuracy {cell.accuracy:.4f}"   # corpus rows have none
            if cell.status == PASS and cell.max_abs_error is not None:
                hover = f"max abs diff {cell.max_abs_error:.2e} from the producer's own loader{accuracy}"
            elif cell.status == PASS and cell.accuracy is not None:
                hover = f"the producer's own loader (the reference){accuracy}"
            label = kind + (f" [{of_cell[i]}]" if i in of_cell else "")
            tds.append(f"<td class='cell {kind}{'' if cell.expected else ' bad'}' title='{e(hover, quote=True)}'>"
                       f"{e(label)}</td>")
        out.append(f"<tr><td>{e(producer)}</td><td>{e(model)}</td><td>{e(variant)} [{e(', '.join(tags))}]</td>"
                   + "".join(tds) + "</tr>")
    out.append("</table>")
    if notes:
        out.append("<h2>Messages</h2><ol>")
        for note in notes:
            label, text, known, verdict = _note_parts(note, reasons)
            out.append(f"<li><b>{e(label)}</b>: <code>{e(text)}</code>" + (f"<br>{e(known)}" if known else "")
                       + (f"<br><b>{e(verdict)}</b>" if verdict else "") + "</li>")
        out.append("</ol>")
    if result.problems:
        out.append("<h2>Problems with the list</h2><ul>" + "".join(f"<li>{e(p)}</li>" for p in result.problems) + "</ul>")
    if result.timings:
        out.append("<h2>Time</h2><table><tr><th>step</th><th>seconds</th></tr>"
                   + "".join(f"<tr><td>{e(k)}</td><td>{v:.1f}</td></tr>" for k, v in result.timings.items()) + "</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def json_text(result: MatrixResult, **extra) -> str:
    """The result as JSON; `extra` adds top-level keys (`run` adds the data source)."""
    return json.dumps({**result.to_json(), **extra}, indent=2) + "\n"


# ---- `tfinterop run`'s table


def _fmt(value, spec, empty="-"):
    return empty if value is None else format(value, spec)


def table(result: MatrixResult) -> str:
    """Rows: model, variant, tag-set; 'loads in' per consumer; the largest difference from the producer's own
    loader and the argmax agreement over the other consumers; each consumer's accuracy; the verdict."""
    cells = result.cells
    consumers = list(result.consumers)
    rows = {}
    for c in cells:
        rows.setdefault((c.model, c.variant, tuple(c.tags)), {})[c.consumer] = c
    header = ["model", "variant", "tags", *[f"loads in {name}" for name in consumers],
              "max abs diff", "argmax agree", "accuracy (" + " / ".join(consumers) + ")", "result"]
    lines = []
    for (model, variant, tags), by_consumer in rows.items():
        diffs = [c.max_abs_error for c in by_consumer.values() if c.max_abs_error is not None]
        agree = [c.argmax_agreement for c in by_consumer.values() if c.argmax_agreement is not None]
        verdicts = []
        for name in consumers:
            c = by_consumer.get(name)
            if c is None or (c.status == PASS and c.expected):
                continue
            if c.known_failure:
                verdicts.append(f"{name}: expected failure, {c.known.message_prefix} (list line {c.known.line})")
            else:
                said = c.runtime_message or c.message or ""
                verdicts.append(f"{name}: {c.status.upper()} - {(said.splitlines() or [''])[0][:110]}"
                                + (f" ({c.verdict})" if c.verdict.startswith(("unexpected pass", "different")) else ""))
        lines.append([model, variant, ",".join(tags),
                      *[("yes" if by_consumer[n].loaded else "no") if n in by_consumer else "-" for n in consumers],
                      _fmt(max(diffs) if diffs else None, ".2e"),
                      _fmt(min(agree) if agree else None, ".2%"),
                      " / ".join(_fmt(by_consumer[n].accuracy if n in by_consumer else None, ".4f") for n in consumers),
                      "; ".join(verdicts) or "pass"])
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header) - 1)]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)) + "  " + str(r[-1]) for r in [header, *lines]]
    n = result.counts()
    out.append("")
    out.append(f"{n['cells']} cells: {n[PASS] - n['unexpected pass']} pass, {n['known']} expected failures "
               f"(known-incompatibilities.txt), {n['unexpected'] - n['unexpected crash']} unexpected failures, "
               f"{n['unexpected crash']} crashes")
    seen = {c.known.line: c.known for c in cells if c.known_failure}
    for line, known in sorted(seen.items()):
        out.append(f"  expected, known-incompatibilities.txt line {line}: {known.message_prefix}")
        out.append(f"    why and the fix: {known.reason}")
    for c in cells:
        if not c.expected:
            out.append(f"  {c.status.upper()} {c.consumer} {c.model} {c.variant} [{', '.join(c.tags)}]: {c.verdict}"
                       + (f": {c.message}" if c.message else ""))
    out += [f"  problem: {p}" for p in result.problems]
    return "\n".join(out)


# ---- sections other commands keep in the matrix's Markdown file (make corpus writes "corpus" into COMPATIBILITY.md)

def section_begin(name) -> str:
    return f"<!-- {name}: begin (written by its own command; the matrix keeps it) -->"


def section_end(name) -> str:
    return f"<!-- {name}: end -->"


def _section_span(text, name):
    begin, end = text.find(section_begin(name)), text.find(section_end(name))
    return (begin, end + len(section_end(name))) if 0 <= begin < end else None


def replace_section(text: str, name: str, section: str) -> str:
    """`text` with section `name` replaced by `section` (which holds its markers), or with it appended."""
    span = _section_span(text, name)
    if span is None:
        return text.rstrip("\n") + ("\n\n" if text.strip() else "") + section
    return text[:span[0]] + section.rstrip("\n") + text[span[1]:]


def kept_sections(old_text: str, new_text: str, names=None) -> str:
    """The matrix's new Markdown with the sections other commands wrote into the old file carried over: every one
    between its markers (make corpus, layers, corpus-js, layers-js), in the order they were."""
    import re
    if names is None:
        names = re.findall(re.escape(section_begin("NAME")).replace("NAME", r"([\w-]+)"), old_text)
    for name in names:
        span = _section_span(old_text, name)
        if span is not None:
            new_text = replace_section(new_text, name, old_text[span[0]:span[1]] + "\n")
    return new_text
