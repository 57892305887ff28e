"""Reports: a plain-text table for people, JSON for machines. Same facts in both."""

import json
from collections import Counter
from dataclasses import asdict

from tfinterop.harness import CRASH, EXPECTED, FAIL, PASS
from tfinterop.tolerance import contract


def summary(cells) -> dict:
    counts = Counter(c.status for c in cells)
    return {"cells": len(cells), **{s: counts.get(s, 0) for s in (PASS, EXPECTED, FAIL, CRASH)},
            "ok": all(c.ok for c in cells)}


def to_json(cells, extra=None) -> str:
    doc = {**(extra or {}), "tolerance": asdict(contract()), "summary": summary(cells),
           "cells": [c.to_json() for c in cells]}
    return json.dumps(doc, indent=2) + "\n"


def _fmt(value, spec, empty="-"):
    return empty if value is None else format(value, spec)


def table(cells, reference_prefix="python-tf-") -> str:
    """One row per model, variant and tag-set; one 'loads' column per consumer."""
    consumers = list(dict.fromkeys(c.consumer for c in cells))
    rows = {}
    for c in cells:
        rows.setdefault((c.model, c.variant, tuple(c.tags)), {})[c.consumer] = c
    header = ["model", "variant", "tags", *[f"loads in {name}" for name in consumers],
              "max abs diff", "argmax agree", "accuracy (" + " / ".join(consumers) + ")", "result"]
    lines = []
    for (model, variant, tags), by_consumer in rows.items():
        others = [c for name, c in by_consumer.items() if not name.startswith(reference_prefix)]
        diffs = [c.max_abs_error for c in others if c.max_abs_error is not None]
        agree = [c.argmax_agreement for c in others if c.argmax_agreement is not None]
        verdicts = []
        for name in consumers:
            c = by_consumer.get(name)
            if c is None or c.status == PASS:
                continue
            if c.status == EXPECTED:
                known = c.expected_failure
                verdicts.append(f"{name}: expected failure, {known['message_prefix']} (list line {known['line']})")
            else:
                reason = (c.runtime_message or c.message or "").splitlines()[0] if (c.runtime_message or c.message) else ""
                verdicts.append(f"{name}: {c.status.upper()} - {reason[:110]}")
        lines.append([model, variant, ",".join(tags),
                      *[("yes" if by_consumer[n].loaded else "no") if n in by_consumer else "-" for n in consumers],
                      _fmt(max(diffs) if diffs else None, ".2e"),
                      _fmt(min(agree) if agree else None, ".2%"),
                      " / ".join(_fmt(by_consumer[n].accuracy if n in by_consumer else None, ".4f") for n in consumers),
                      "; ".join(verdicts) or "pass"])
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header) - 1)]
    out = []
    for r in [header, *lines]:
        out.append("  ".join(str(v).ljust(w) for v, w in zip(r, widths)) + "  " + str(r[-1]))
    s = summary(cells)
    out.append("")
    out.append(f"{s['cells']} cells: {s[PASS]} pass, {s[EXPECTED]} expected failures (known-incompatibilities.txt), "
               f"{s[FAIL]} unexpected failures, {s[CRASH]} crashes")
    seen = {c.expected_failure["line"]: c.expected_failure for c in cells if c.status == EXPECTED}
    for line, known in sorted(seen.items()):
        out.append(f"  expected, known-incompatibilities.txt line {line}: {known['message_prefix']}")
        out.append(f"    why and the fix: {known['reason']}")
    for c in cells:
        if not c.ok:
            out.append(f"  {c.status.upper()} {c.consumer} {c.variant} [{', '.join(c.tags)}]: {c.message}")
    return "\n".join(out)
