"""A seeded fuzzer for the Java consumer: mutates saved_model.pb and variables/variables.index of a
golden model (bit flips, truncation, field-level protobuf mutations) and loads each mutant in TF Java,
in a worker process (org.tfinterop.LoadWorker) that loads mutants one after another. When the worker
dies (a native crash) or hangs, the mutant and the signal become a finding and a new worker starts: the
harness itself never goes down. A mutant that gets an untyped error is a finding too (the library
promises typed errors).

Every mutant is a function of (seed, index) alone, so a run is reproducible from its seed, and one
finding is reproducible from its index (`tfinterop fuzz --seed S --only I`).
"""

import hashlib
import json
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tfinterop.core import paths
from tfinterop.core.errors import UsageError, WorkerCrashedError
from tfinterop.runtimes import registry
from tfinterop.runtimes.worker import LineChild
from tfinterop.savedmodel import wire as pw

DEFAULT_BASE = paths.GOLDEN / "compat-serve"
TARGETS = ("saved_model.pb", "variables/variables.index")
INTERESTING_VARINTS = (0, 1, 2, 0x7F, 0x80, 0xFFFF, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**64 - 1)


@dataclass
class Mutant:
    index: int
    file: str           # relative to the model folder
    mutation: str       # what was done, in words
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def mutant(seed: int, index: int, base: Path = DEFAULT_BASE) -> Mutant:
    rng = random.Random(f"tfinterop-fuzz:{seed}:{index}")
    file = TARGETS[0] if rng.random() < 0.7 else TARGETS[1]
    original = (base / file).read_bytes()
    kinds = ["bit-flip", "truncate", "field"] if file == "saved_model.pb" else ["bit-flip", "truncate", "splice"]
    kind = rng.choice(kinds)
    if kind == "bit-flip":
        data = bytearray(original)
        flips = rng.randint(1, 8)
        where = sorted(rng.randrange(len(data) * 8) for _ in range(flips))
        for bit in where:
            data[bit // 8] ^= 1 << (bit % 8)
        return Mutant(index, file, f"bit-flip at bits {where}", bytes(data))
    if kind == "truncate":
        keep = rng.randrange(len(original))
        return Mutant(index, file, f"truncate to {keep} of {len(original)} bytes", original[:keep])
    if kind == "splice":
        start = rng.randrange(len(original))
        length = rng.randint(1, 16)
        junk = bytes(rng.randrange(256) for _ in range(length))
        return Mutant(index, file, f"overwrite {length} bytes at {start}", original[:start] + junk + original[start + length:])
    data, what = mutate_field(original, rng)
    return Mutant(index, file, what, data)


def mutate_field(message: bytes, rng: random.Random):
    """Picks one field anywhere in the message tree (descending into length-delimited fields that parse
    as messages) and changes its value, removes it, or duplicates it."""
    candidates = []

    def walk(buf, path, depth):
        try:
            fields = pw.parse(buf)
        except pw.WireError:
            return None
        for i, f in enumerate(fields):
            candidates.append(path + (i,))
            if f.wire_type == pw.LENGTH and f.value and depth < 8:
                walk(f.value, path + (i,), depth + 1)
        return fields

    walk(message, (), 0)
    target = rng.choice(candidates)
    action = rng.choice(["value", "value", "delete", "duplicate"])

    def rebuild(buf, path):
        fields = pw.parse(buf)
        i = path[0]
        if len(path) > 1:
            f = fields[i]
            fields[i] = pw.Field(f.number, f.wire_type, rebuild(f.value, path[1:]))
            return pw.encode(fields)
        f = fields[i]
        if action == "delete":
            del fields[i]
        elif action == "duplicate":
            fields.insert(i, f)
        elif f.wire_type == pw.LENGTH:
            fields[i] = pw.Field(f.number, f.wire_type, _new_bytes(f.value, rng))
        else:
            fields[i] = pw.Field(f.number, f.wire_type, rng.choice(INTERESTING_VARINTS + (rng.getrandbits(64),)))
        return pw.encode(fields)

    return rebuild(message, target), f"field {'.'.join(map(str, target))}: {action}"


def _new_bytes(value: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return b""
    if choice == 1:
        return value * rng.randint(2, 4)
    if choice == 2:
        return value[:rng.randrange(len(value) + 1)]
    if choice == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    i = rng.randrange(len(value) + 1)
    return value[:i] + bytes([rng.randrange(256)]) + value[i + 1:]


def digest(seed: int, indices, base: Path = DEFAULT_BASE) -> str:
    """What a run's mutants_sha256 must be, computed without loading anything."""
    h = hashlib.sha256()
    for i in indices:
        h.update(mutant(seed, i, base).sha256.encode())
    return h.hexdigest()


class JavaLoadWorker:
    """org.tfinterop.LoadWorker in a JVM of its own (no Python in it); one request and one reply line per
    mutant. Its process is a worker.LineChild, as WorkerClient's is: a crash or a hang raises
    WorkerCrashedError with the signal and the end of stderr."""

    def __init__(self, scratch: Path, timeout: float):
        command = registry.DEFAULT_JAVA.command("org.tfinterop.LoadWorker", jvm=["-Xmx512m"])
        self.child = LineChild("java LoadWorker", command, dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), scratch,
                               timeout)
        self.proc = self.child.proc
        self.version = self._read("starting").split("\t")[1]

    def _read(self, what) -> str:
        return self.child.read_line(what).decode("utf-8", "replace").rstrip("\n")

    def load(self, directory: Path, tags) -> str:
        self.child.send(f"{directory}\t{','.join(tags)}\n".encode(), f"loading {directory}")
        return self._read(f"loading {directory}")

    def close(self):
        self.child.stop(timeout=20)


def classify(reply: str) -> str:
    """'ok', 'error:<kind>' for a typed error, 'untyped-error' otherwise."""
    parts = reply.split("\t")
    if parts[0] == "ok":
        return "ok"
    if parts[0] == "error" and len(parts) >= 2:
        return "error:" + parts[1]
    return "untyped-error"


def run(seed: int, count: int, base: Path = DEFAULT_BASE, tags=("serve",), timeout: float = 60.0, only=None,
        keep_dir: Path | None = None, log=None, on_mutant=None) -> dict:
    """Runs the mutants and returns the findings document. on_mutant(index, worker) is called before each
    load (tests use it to kill a worker and check that the harness survives)."""
    base = Path(base)
    if not (base / "saved_model.pb").is_file():
        raise UsageError(f"--base {base}: not a SavedModel directory (no saved_model.pb)")
    indices = list(only) if only is not None else list(range(count))
    outcomes, findings, digest = {}, [], hashlib.sha256()
    per_mutant = []
    started = time.monotonic()
    restarts = 0
    with tempfile.TemporaryDirectory(prefix="tfinterop-fuzz-") as scratch:
        scratch = Path(scratch)
        worker = JavaLoadWorker(scratch, timeout)
        runtime = "java-tf-" + worker.version
        try:
            for n, index in enumerate(indices):
                m = mutant(seed, index, base)
                digest.update(m.sha256.encode())
                model = scratch / f"mutant-{index}"
                shutil.copytree(base, model)
                (model / m.file).write_bytes(m.data)
                if on_mutant:
                    on_mutant(index, worker)
                finding = None
                try:
                    reply = worker.load(model, tags)
                    outcome = classify(reply)
                    if outcome == "untyped-error":
                        finding = {"outcome": outcome, "reply": reply}
                except WorkerCrashedError as died:
                    outcome = "hang" if died.hung else "crash"
                    finding = {"outcome": outcome, "how": str(died).split(". stderr ends with:")[0],
                               "signal": died.signal, "stderr_tail": died.stderr_tail}
                    worker.close()
                    worker = JavaLoadWorker(scratch, timeout)
                    restarts += 1
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                per_mutant.append(outcome)
                if finding:
                    finding = {"index": index, "file": m.file, "mutation": m.mutation, "sha256": m.sha256, **finding}
                    if keep_dir:
                        keep_dir.mkdir(parents=True, exist_ok=True)
                        kept = keep_dir / f"mutant-{index}"
                        shutil.rmtree(kept, ignore_errors=True)
                        shutil.copytree(model, kept)
                        finding["kept"] = str(kept)
                    findings.append(finding)
                    if log:
                        log(f"fuzz: mutant {index} ({m.file}, {m.mutation}): {finding['outcome']} "
                            f"{finding.get('signal') or finding.get('reply', '')}")
                shutil.rmtree(model, ignore_errors=True)
                if log and (n + 1) % 100 == 0:
                    log(f"fuzz: {n + 1}/{len(indices)} mutants, {len(findings)} findings")
        finally:
            worker.close()
    return {"seed": seed, "count": len(indices), "base": str(base), "tags": list(tags), "consumer": runtime,
            "seconds": round(time.monotonic() - started, 1), "worker_restarts": restarts,
            "mutants_sha256": digest.hexdigest(), "outcomes": dict(sorted(outcomes.items())),
            "per_mutant": per_mutant, "findings": findings}


def write(doc: dict, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, path)
