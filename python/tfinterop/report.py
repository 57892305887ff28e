"""`tfinterop run`'s report: a plain-text table for people, one row per model, variant and tag-set with a
column per consumer. The cells, their verdicts and the JSON are the matrix's (matrix.py, matrix_report.py):
`run` is the matrix's default slice, and this is only how that slice is printed."""

from tfinterop.matrix import CRASH, PASS, MatrixResult


def _fmt(value, spec, empty="-"):
    return empty if value is None else format(value, spec)


def summary(result: MatrixResult) -> dict:
    cells = result.cells
    return {"cells": len(cells), "pass": sum(c.status == PASS and c.expected for c in cells),
            "expected": sum(c.known_failure for c in cells),
            "fail": sum(not c.expected and c.status != CRASH for c in cells),
            "crash": sum(not c.expected and c.status == CRASH for c in cells), "ok": result.ok}


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
    s = summary(result)
    out.append("")
    out.append(f"{s['cells']} cells: {s['pass']} pass, {s['expected']} expected failures (known-incompatibilities.txt), "
               f"{s['fail']} unexpected failures, {s['crash']} crashes")
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
