"""The fuzzer: mutants are a function of the seed, the run survives consumer crashes, and a run of
500 mutants (`make test-faults`; 100 in `make test`) completes with its findings written. It asserts
the harness, not that TF never crashes: what TF Java 1.8 does with each mutant is the finding."""

import json
import os
import signal

from conftest import cli
from tfinterop.tools import fuzz


def test_mutants_are_reproducible_from_the_seed():
    first = [fuzz.mutant(7, i) for i in range(500)]
    again = [fuzz.mutant(7, i) for i in range(500)]
    assert [m.sha256 for m in first] == [m.sha256 for m in again]
    assert [m.mutation for m in first] == [m.mutation for m in again]
    other = [fuzz.mutant(8, i).sha256 for i in range(500)]
    assert len(set(other) & {m.sha256 for m in first}) < 50      # another seed, other mutants
    kinds = {(m.file, m.mutation.split()[0]) for m in first}
    assert {("saved_model.pb", "bit-flip"), ("saved_model.pb", "truncate"), ("saved_model.pb", "field"),
            ("variables/variables.index", "bit-flip"), ("variables/variables.index", "truncate")} <= kinds
    original = (fuzz.DEFAULT_BASE / "saved_model.pb").read_bytes()
    assert all(m.data != original for m in first if m.file == "saved_model.pb" and "truncate" in m.mutation)


def test_a_crashing_worker_becomes_a_finding_and_the_run_goes_on(java_built):
    """Kill the consumer while it is loading mutant 3: the run records it with its signal, starts a new
    worker and finishes. (SIGKILL: the JVM handles SIGSEGV itself, so a sent one is no stand-in for a
    native crash, which the JVM turns into an abort.)"""
    def kill_at_3(index, worker):
        if index == 3:
            os.kill(worker.proc.pid, signal.SIGKILL)

    doc = fuzz.run(seed=5, count=8, on_mutant=kill_at_3)
    assert doc["count"] == 8 and sum(doc["outcomes"].values()) == 8
    crash, = [f for f in doc["findings"] if f["index"] == 3]
    assert crash["outcome"] == "crash" and crash["signal"] == "SIGKILL"
    assert doc["worker_restarts"] >= 1
    assert doc["per_mutant"][4:] and all(o != "crash" for o in doc["per_mutant"][4:])


# The full run's count; `make test` runs a fifth of it (same code paths, about 10 s less).
FULL_RUN = 500 if os.environ.get("TFINTEROP_FULL_FAULTS") == "1" else 100


def test_a_full_fuzz_run(tmp_path, java_built):
    out = tmp_path / "findings.json"
    r = cli("fuzz", "--seed", 1, "--count", FULL_RUN, "--out", out, "--keep", tmp_path / "kept")
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["count"] == FULL_RUN and sum(doc["outcomes"].values()) == FULL_RUN
    assert len(doc["per_mutant"]) == FULL_RUN
    assert doc["consumer"].startswith("java-tf-")
    for f in doc["findings"]:
        assert f["outcome"] in ("crash", "hang", "untyped-error") and f["sha256"] and f["mutation"]
        assert os.path.isdir(f["kept"])
    # Reproducible: the same seed gives the same mutants and, rerun, the same outcomes.
    assert doc["mutants_sha256"] == fuzz.digest(seed=1, indices=range(FULL_RUN))
    assert doc["mutants_sha256"] != fuzz.digest(seed=2, indices=range(FULL_RUN))
    sample = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] + [f["index"] for f in doc["findings"]][:5]
    rerun = fuzz.run(seed=1, count=FULL_RUN, only=sample)
    assert rerun["per_mutant"] == [doc["per_mutant"][i] for i in sample]
