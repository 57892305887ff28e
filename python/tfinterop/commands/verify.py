"""`tfinterop verify DIR...`: does a user's SavedModel load in the target runtime and give the same numbers?

Each DIR runs, by its signature, in the reference (the Python TensorFlow tfinterop runs on) and in the target
consumer (default java-tf-1.8.0; any consumer of the runtime registry), each in a worker process of its own
shared by every DIR, on the same inputs: the user's .npz, or inputs synthesized from the signature's dtypes
and shapes (unknown dimensions = --examples, seeded). Every output is compared under the tolerance contract
(contract/tolerance.py). When the target cannot load the model, the result carries TensorFlow's message and, where the
target's registry is dumped (compat/op_registries/), `check`'s findings for it: the why and the fix.
"""

import sys
from dataclasses import asdict, dataclass, field

import numpy as np

from tfinterop.compat import targets
from tfinterop.contract import signatures
from tfinterop.contract.signatures import Inputs
from tfinterop.contract.tolerance import compare_outputs
from tfinterop.core import defaults
from tfinterop.core.errors import DataIntegrityError, JarsUnavailableError, TfInteropError, UsageError
from tfinterop.runtimes import environments, registry
from tfinterop.runtimes.worker import WorkerClient
from tfinterop.savedmodel import reader as savedmodel

DEFAULT_TARGET = defaults.TARGET
REFERENCE = environments.DEFAULT.consumer


@dataclass
class OutputResult:
    key: str
    dtype: str
    shape: list
    agree: bool
    reason: str = ""
    max_abs_error: float | None = None
    max_abs_at: list | None = None
    max_rel_error: float | None = None
    max_rel_at: list | None = None


@dataclass
class ModelResult:
    dir: str
    tags: list
    signature: str | None = None
    inputs: str = ""                       # where the inputs came from
    loaded: bool = False                   # in the target
    error: str = ""                        # why it could not be compared, if it could not
    runtime_message: str | None = None     # TensorFlow's own words for that
    findings: list = field(default_factory=list)   # check's, when the target does not load it
    outputs: list = field(default_factory=list)
    status: str = "fail"                   # "agree", "differ", "target-failed", "unusable"
    reference: str = REFERENCE             # what the target was held to: the reference runtime, or a golden file

    @property
    def agree(self) -> bool:
        return self.status == "agree"


def choose_tags(model, wanted) -> list:
    if wanted:
        return list(wanted)
    tag_sets = savedmodel.tag_sets(model)
    if any(sorted(t) == ["serve"] for t in tag_sets):
        return ["serve"]
    if len(tag_sets) == 1:
        return tag_sets[0]
    raise UsageError("the model has several tag-sets and none is [serve]; name one with --tag: "
                     + " ".join("[" + ", ".join(t) + "]" for t in tag_sets))


@dataclass
class Plan:
    """One model's call, settled and checked before any runtime starts: the tag-set, the signature, and the
    arrays that fit it (given, or synthesized from it) with where they came from."""
    directory: str
    tags: list
    key: str
    arrays: dict
    inputs: Inputs


def plan(directory, tags=None, signature=None, inputs: Inputs = Inputs(), its_keys_only=False) -> Plan:
    """Raises the reader's typed errors for an unreadable model, and signatures' for inputs that do not fit the
    signature (the same words `predict` gives), with no runtime started."""
    model = savedmodel.read(directory)
    tags = choose_tags(model, tags)
    mg = signatures.meta_graph(model, tags)
    key = signatures.choose_signature(mg.signature_def, signature, tags)
    inputs = inputs.for_key(key)
    return Plan(str(directory), tags, key, inputs.for_signature(mg.signature_def[key], key, its_keys_only,
                                                                mg.graph_def), inputs)


def batch_hint(inputs: dict) -> str:
    """When a run fails and the inputs disagree on their first dimension, the likely cause, in words."""
    firsts = {k: v.shape[0] for k, v in inputs.items() if getattr(v, "ndim", 0) >= 1}
    if len(set(firsts.values())) <= 1:
        return ""
    return ("; the inputs differ in their first (batch) dimension: "
            + ", ".join(f"{k} {n}" for k, n in sorted(firsts.items())) + ": give every input the same number of examples")


class Verifier:
    """The reference and the target workers, started on first use and shared by every model verified."""

    def __init__(self, target: str = DEFAULT_TARGET, log=print, workers: dict | None = None,
                 allow_untrusted: bool = False):
        """`workers` ({runtime name: WorkerClient}) may be shared by several Verifiers (one per target): the
        pytest plugin keeps one worker per runtime for a whole session. `allow_untrusted`: both runtimes load
        models whose graphs reach outside the computation (untrusted-ops.txt), which they refuse by default."""
        registry.consumer(target)                 # an unknown target is a usage error, before any work
        self.target = target
        self.allow_untrusted = allow_untrusted
        self.log = log
        self._workers = {} if workers is None else workers
        self._starting = {}                       # name -> Future of its WorkerClient, see start_soon
        self._pool = None

    def _start(self, name: str) -> WorkerClient:
        """A worker process of the runtime; but for the reference, in a process that has imported TensorFlow
        already (`tfinterop fix`, a user's pytest session that trains with it), this process itself:
        importing it again in a worker would cost seconds and buy nothing."""
        if name == REFERENCE and "tensorflow" in sys.modules:
            from tfinterop.runtimes.python_tf import InThisProcess
            here = InThisProcess()
            if here.name == REFERENCE:
                return here
        return WorkerClient(**registry.consumer(name).prepare(self.log))

    def start_soon(self, name: str) -> None:
        """Starts a worker in a thread, so that its start overlaps another's (the reference imports Python
        TensorFlow for several seconds; the target starts a JVM meanwhile). worker() waits for it; an error
        in starting it is raised there, where it would have been raised anyway."""
        if name in self._workers or name in self._starting:
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor
            self._pool = ThreadPoolExecutor(2, thread_name_prefix="verify-start")
        self._starting[name] = self._pool.submit(self._start, name)

    def worker(self, name: str) -> WorkerClient:
        if name in self._starting:
            self._workers[name] = self._starting.pop(name).result()
        if name not in self._workers or not self._workers[name].alive:
            self._workers[name] = self._start(name)
        return self._workers[name]

    def close(self):
        for name, future in list(self._starting.items()):
            try:
                self._workers[name] = future.result()
            except Exception:  # noqa: BLE001 -- it never started, so there is nothing to close; had it been
                pass           # needed, worker() would have raised the error already
        self._starting.clear()
        for w in self._workers.values():
            w.close_worker()
        self._workers.clear()
        if self._pool is not None:
            self._pool.shutdown()

    def verify(self, directory, tags=None, signature=None, inputs: Inputs = Inputs(), expected: dict | None = None,
               expected_from="", reference_directory=None) -> ModelResult:
        """`expected` ({output key: array}, e.g. a golden file's, recorded from the reference earlier) replaces
        running the reference: the target is held to those outputs. `reference_directory` (default: the
        model itself) is what the reference runs: `fix` holds its rewritten model to the original."""
        return self.verify_plan(plan(directory, tags, signature, inputs), expected, expected_from, reference_directory)

    def verify_plan(self, plan: Plan, expected: dict | None = None, expected_from="",
                    reference_directory=None) -> ModelResult:
        directory, tags, key, inputs = plan.directory, plan.tags, plan.key, plan.arrays
        result = ModelResult(directory, tags, key, plan.inputs.describe())
        synthesized = plan.inputs.synthesized
        self.start_soon(self.target)
        if expected is not None:
            reference, error, result.reference = expected, None, expected_from or "the expected outputs given"
        else:
            reference, error, _ = self.run_in(REFERENCE, reference_directory or directory, tags, key, inputs)
        if error is not None:
            result.status = "unusable"
            result.error = (f"the reference ({REFERENCE}) could not run it: {error}" + batch_hint(inputs)
                            + ("; the inputs were synthesized: pass your own with --inputs" if synthesized else ""))
            return result
        got, error, result.loaded = self.run_in(self.target, directory, tags, key, inputs)
        if error is not None:
            result.status, result.error, result.runtime_message = "target-failed", str(error), error.runtime_message
            if not result.loaded and self.target in targets.available():
                from tfinterop.compat import check
                result.findings = [asdict(f) for f in check.check(directory, targets.load(self.target)).findings
                                   if sorted(f.tags) == sorted(tags)]
            return result
        for k, c in compare_outputs(reference, got).items():
            o = OutputResult(k, _dtype_name(reference[k].dtype), list(reference[k].shape), c.agree, c.reason)
            if c.max_abs_error is not None:
                o.max_abs_error, o.max_rel_error = c.max_abs_error, c.max_rel_error
                o.max_abs_at = list(c.max_abs_at) if c.max_abs_at else None
                o.max_rel_at = list(c.max_rel_at) if c.max_rel_at else None
            result.outputs.append(o)
        result.status = "agree" if all(o.agree for o in result.outputs) else "differ"
        return result

    def run_in(self, name, directory, tags, key, inputs):
        """Runs signature `key` of the model in runtime `name` (its shared worker): (outputs, None, True), or
        (None, the typed error, whether the model had loaded)."""
        try:
            worker = self.worker(name)
        except (JarsUnavailableError, DataIntegrityError):
            raise           # the target cannot start at all (its jars): the command's own typed error, for no model
        except TfInteropError as e:
            return None, e, False
        try:
            handle = worker.load(directory, tags, allow_untrusted=self.allow_untrusted)
        except TfInteropError as e:
            return None, e, False
        try:
            return worker.run(handle, key, inputs), None, True
        except TfInteropError as e:
            # load-failed from a call: a runtime that loads a signature on first call (TensorFlow.js converts it)
            return None, e, e.kind != "load-failed"
        finally:
            if worker.alive:
                worker.close(handle)


def _dtype_name(dtype: np.dtype) -> str:
    """numpy's name, but "bytes" for strings (whose numpy dtype carries the longest one's length, |S6)."""
    return "bytes" if dtype.kind == "S" else dtype.name


def human(result: ModelResult, target: str, verbose: bool = False) -> str:
    from tfinterop.compat.check import fold, folded_lines, group_title
    head = f"{result.dir} [{', '.join(result.tags)}] signature {result.signature!r}, {result.reference} vs {target}"
    lines = [f"{head}: {result.status.upper()}", f"  inputs: {result.inputs}"] if result.signature else \
        [f"{head}: {result.status.upper()}"]
    if result.error:
        lines.append(f"  {result.error}")
    for group in fold(result.findings):          # check's findings, one line of each kind unless verbose
        lines.append(f"  check: {group_title(group)}")
        lines += folded_lines(group, verbose, "    ")
        lines.append(f"    fix: {group[0]['fix']}")
    for o in result.outputs:
        where = "" if o.max_abs_error is None else (
            f"  max abs error {o.max_abs_error:.3g} at {o.max_abs_at}, max rel error {o.max_rel_error:.3g} "
            f"at {o.max_rel_at}")
        lines.append(f"  {o.key}: {o.dtype}{o.shape} {'agrees' if o.agree else 'DIFFERS: ' + o.reason}"
                     + (where if o.agree else ""))
    return "\n".join(lines)
