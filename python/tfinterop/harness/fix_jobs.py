"""The matrix's fix rows: many `tfinterop fix` runs in one process (one reference, and one worker per target,
for all of them), speaking the jobs protocol of the producer workers (producer_worker.py)."""

import json
import sys
import time
from collections import Counter

from tfinterop.commands.fix import fix
from tfinterop.commands.verify import Verifier
from tfinterop.contract.signatures import Inputs
from tfinterop.core.errors import TfInteropError
from tfinterop.core.tf_import import tensorflow
from tfinterop.runtimes.worker import reply_channel


def serve_jobs() -> int:
    """`python -m tfinterop.harness.fix_jobs < jobs.json`: {"jobs": [{"dir", "target", "out", "inputs"}, ...]},
    each fixed in this process; one line of JSON per job on stdout: {"out", "written", "error", "kind",
    "runtime_message", "largest_abs_error" (over every output of every signature verified), "rewrites" (kind ->
    count, summed over the signatures), "unchanged" (it loads as it is), "check" (check's findings of the model given,
    kind -> count), "lacking" (op -> count of its op-not-registered findings), "seconds"}. Progress goes to stderr."""
    replies = reply_channel()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    tensorflow()                   # imported first, so every Verifier runs the reference here (Verifier._start)
    workers, verifiers = {}, {}     # the verifiers (one per target) share the reference
    try:
        for job in json.loads(sys.stdin.read())["jobs"]:
            reply = {"out": job["out"], "written": False, "error": "", "kind": "", "runtime_message": None}
            started, report = time.perf_counter(), None
            try:
                verifier = verifiers.setdefault(job["target"], Verifier(job["target"], log=log, workers=workers))
                inputs = Inputs.read(job["inputs"]) if job.get("inputs") else Inputs()
                report = fix(job["dir"], job["target"], job["out"], inputs=inputs, overwrite=True, verifier=verifier,
                             log=log)
                reply["written"] = True
            except TfInteropError as e:
                reply["error"], reply["kind"] = str(e), e.kind
                report = getattr(e, "report", None)      # TensorFlow's own words, where the target gave them
                said = [s.verification.get("runtime_message") for s in report.signatures if s.verification] \
                    if report else []
                reply["runtime_message"] = next((m for m in said if m), e.runtime_message)
            except Exception as e:  # noqa: BLE001 -- one job's failure is its result, not the end of the others
                reply["error"], reply["kind"] = f"{type(e).__name__}: {e}", "error"
            reply.update(_measured(report), seconds=round(time.perf_counter() - started, 2))
            replies.write(json.dumps(reply) + "\n")
    finally:
        for verifier in verifiers.values():
            verifier.close()
    return 0


def _measured(report) -> dict:
    errors = [o["max_abs_error"] for s in (report.signatures if report else []) if s.verification
              for o in s.verification["outputs"] if o.get("max_abs_error") is not None]
    rewrites = Counter()
    for s in report.signatures if report else []:
        rewrites.update(s.rewrites)
    # What `check` found in the model as it was (its function library too): the findings by kind, and the ops the
    # target lacks by op (the layer survey lists them).
    before = report.findings_before if report else []
    lacking = Counter(f["op"] for f in before if f["kind"] in ("op-not-registered", "sharded-saver"))
    return {"largest_abs_error": max(errors, default=None), "rewrites": dict(rewrites),
            "unchanged": bool(report and report.unchanged), "check": dict(Counter(f["kind"] for f in before)),
            "lacking": dict(lacking)}


if __name__ == "__main__":
    raise SystemExit(serve_jobs())
