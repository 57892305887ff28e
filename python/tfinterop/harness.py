"""The cross-language run: produce (export, in a TensorFlow process) -> consume (each runtime in a worker
process) -> compare (against the producer's own loader, under the tolerance contract) -> judge (against
the known-incompatibilities list).

A cell is one (producer, model, variant, tag-set, consumer). Its status is one of
    pass       loaded, and the outputs agree with the producer's
    expected   failed as the known-incompatibilities list says, with the listed message
    fail       anything else: an unexpected load failure, outputs that disagree, an unexpected pass,
               a different message than the list expects
    crash      the consumer process died; the run goes on
"""

import json
import subprocess
import sys
from dataclasses import dataclass, field, asdict
from pathlib import Path

import numpy as np

from tfinterop import expectations
from tfinterop.errors import TfInteropError, WorkerCrashedError
from tfinterop.runtimes.worker import WorkerClient
from tfinterop.tolerance import accuracy, compare

PASS, EXPECTED, FAIL, CRASH = "pass", "expected", "fail", "crash"


@dataclass
class Cell:
    producer: str
    model: str
    variant: str
    tags: list
    consumer: str
    status: str = FAIL
    loaded: bool = False
    message: str = ""                 # why it failed (empty on pass)
    runtime_message: str | None = None
    accuracy: float | None = None
    max_abs_error: float | None = None
    argmax_agreement: float | None = None
    expected_failure: dict | None = None  # the known-incompatibilities line that covers this cell, if any
    output: np.ndarray | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status in (PASS, EXPECTED)

    def to_json(self):
        d = asdict(self)
        d.pop("output")
        return d


def produce(out_dir: Path, data_dir=None, steps=None, python=sys.executable, log=print, model="softmax",
            variants=None) -> dict:
    """Export `model` (every default variant, or `variants`) with the producer's TensorFlow, in a process of
    its own; returns the manifest."""
    manifest = out_dir / "manifest.json"
    cmd = [python, "-m", "tfinterop", "export", "--out", str(out_dir), "--overwrite", "--manifest", str(manifest),
           "--model", model]
    for v in variants or []:
        cmd += ["--variant", v]
    if data_dir is not None:
        cmd += ["--data", str(data_dir)]
    if steps is not None:
        cmd += ["--steps", str(steps)]
    log(f"export: {' '.join(cmd[1:])}")
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        raise TfInteropError(f"the export failed (exit status {proc.returncode}); see its messages above")
    return json.loads(manifest.read_text())


def consume(runtime: str, manifests: list, images: np.ndarray, labels: np.ndarray, log=print) -> list[Cell]:
    """Load every model and tag-set of the manifests in one new worker of `runtime`, predict `images`."""
    try:
        worker = WorkerClient(runtime)
    except (WorkerCrashedError, TfInteropError) as e:
        status = CRASH if isinstance(e, WorkerCrashedError) else FAIL
        return [_cell(manifest, m, s, f"{runtime}-worker", status, str(e))
                for manifest in manifests for m in manifest["models"] for s in m["signatures"]]
    cells = []
    with worker:
        for manifest in manifests:
            cells += consume_with(worker, manifest, images, labels, log)
            if not worker.alive:
                break
    return cells


def consume_with(worker, manifest: dict, images: np.ndarray, labels: np.ndarray, log=print) -> list[Cell]:
    cells = []
    for model in manifest["models"]:
        for signature in model["signatures"]:
            cell = _cell(manifest, model, signature, worker.name, FAIL, "")
            cells.append(cell)
            log(f"{worker.name}: {model['variant']} [{', '.join(signature['tags'])}]")
            try:
                handle = worker.load(model["dir"], signature["tags"])
                cell.loaded = True
                try:
                    cell.output = worker.predict(handle, manifest["input_name"], manifest["output_name"], images)
                finally:
                    if worker.alive:     # after a crash, report the crash, not the failed close
                        worker.close(handle)
                cell.accuracy = accuracy(cell.output, labels)
            except WorkerCrashedError as e:
                cell.status, cell.message = CRASH, str(e)
                return cells + _rest(manifest, model, signature, worker.name, e)
            except TfInteropError as e:
                cell.message, cell.runtime_message = str(e), e.runtime_message
    return cells


def _cell(manifest, model, signature, consumer, status, message):
    return Cell(manifest["producer"], manifest["model"], model["variant"], list(signature["tags"]), consumer,
                status=status, message=message)


def _rest(manifest, failed_model, failed_signature, consumer, error):
    """After a crash the worker is gone: the remaining cells are not run, and say so."""
    rest, after = [], False
    for model in manifest["models"]:
        for signature in model["signatures"]:
            if after:
                rest.append(_cell(manifest, model, signature, consumer, CRASH, f"not run: the worker crashed earlier ({error})"))
            after = after or (model is failed_model and signature is failed_signature)
    return rest


def judge(cells: list[Cell], reference_consumer_prefix: str = "python-tf-", known=None) -> list[Cell]:
    """Compare every cell with the producer's own loader, then hold it against the known-incompatibilities list."""
    known = expectations.load() if known is None else known
    reference = {(c.model, c.variant, tuple(c.tags)): c for c in cells
                 if c.consumer.startswith(reference_consumer_prefix) and c.output is not None}
    for cell in cells:
        if cell.status == CRASH:
            continue
        entry = expectations.lookup(known, cell.producer, cell.model, cell.variant, cell.consumer, cell.tags)
        if entry is not None:
            cell.expected_failure = {"line": entry.line, "message_prefix": entry.message_prefix, "reason": entry.reason}
        if not cell.loaded or cell.output is None:
            if entry is None:
                cell.status = FAIL
            elif (cell.runtime_message or "").startswith(entry.message_prefix):
                cell.status = EXPECTED
            else:
                cell.status = FAIL
                cell.message = (f"failed with a different message than known-incompatibilities.txt line {entry.line} "
                                f"expects ({entry.message_prefix!r}): {cell.message}")
            continue
        ref = reference.get((cell.model, cell.variant, tuple(cell.tags)))
        if ref is None:
            cell.status, cell.message = FAIL, "no reference output: the producer's own loader failed on this model"
            continue
        result = compare(ref.output, cell.output)
        cell.max_abs_error, cell.argmax_agreement = result.max_abs_error, result.argmax_agreement
        if not result.agree:
            cell.status, cell.message = FAIL, "outputs differ from the producer's: " + result.reason
        elif entry is not None:
            cell.status = FAIL
            cell.message = (f"unexpected pass: known-incompatibilities.txt line {entry.line} says this fails with "
                            f"{entry.message_prefix!r}; remove or narrow that line")
        else:
            cell.status, cell.message = PASS, ""
    return cells
