"""What `fix` reports: per signature, the rewrites it made and the verification in the target; the findings of
`check` before and after; and, on a refusal, why nothing was written."""

from collections import Counter
from dataclasses import asdict, dataclass, field

from tfinterop.core.errors import TargetIncompatibleError


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
    unchanged: bool = False                          # the target ran DIR as it is: OUT is a copy
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


def refusal(report, message):
    report.error = message + "; nothing was written"
    error = FixRefusedError(report.error)
    error.report = report
    return error


def human(report: FixReport, verbose: bool = False) -> str:
    """The report in words; `verbose`: what check finds after the rewrite node by node, not counted by kind."""
    lines = [f"{report.directory} -> {report.out} for {report.target}: "
             + ("LOADS AS IT IS, verified and copied unchanged" if report.unchanged else
                "FIXED and verified" if report.written else "REFUSED, nothing written")]

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
