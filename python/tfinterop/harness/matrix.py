"""The compatibility matrix: every producer x model x export variant x consumer, run for real.

  producers   Python TensorFlows (runtimes/environments.py; all runtimes: runtimes/registry.py), each exporting the same trained weights as every
              variant, in a process of its own; exports are cached by content (weights, model, variant,
              producer, the exporting code).
  consumers   each Python TensorFlow's own loader, and TF Java 1.8.0, 1.15.0 and the current TF Java
              (1.1.0, TensorFlow 2.18); each consumer version loads every model in one process of its own
              (as many consumers at a time as there are cores), and a crashed process is replaced, so a
              native crash is one cell's outcome.
  outcome     pass (loads, and the outputs agree with the producer's own loader under the tolerance
              contract), fail (with the runtime's message), crash (signal and the end of stderr), skip (why).
  verdict     held against fixtures/known-incompatibilities.txt, strictly: an unexpected failure, an
              unexpected pass, another message than listed, a list line that no cell of a full run uses
              (stale) or a line still waiting for its reason, each fails the run. fix_list() rewrites the list.

The orchestrator imports neither TensorFlow nor the JVM: everything runs in worker processes.
"""

import importlib.metadata
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tfinterop.contract import signatures
from tfinterop.contract.tolerance import accuracy, compare_outputs
from tfinterop.core import paths
from tfinterop.core.errors import TfInteropError, UsageError, WorkerCrashedError
from tfinterop.core.parallel import side_by_side
from tfinterop.harness import expectations
from tfinterop.harness.models import get_model, MODELS
from tfinterop.runtimes import environments, registry
from tfinterop.runtimes.environments import EnvironmentUnavailable, PythonTensorFlow
from tfinterop.runtimes.worker import WorkerClient
from tfinterop.savedmodel import reader as savedmodel

PASS, FAIL, CRASH, SKIP = "pass", "fail", "crash", "skip"
REASON_PLACEHOLDER = "REASON NEEDED"


# ---------------------------------------------------------------- the axes

PRODUCERS = tuple(registry.PRODUCERS)
CONSUMERS = tuple(registry.CONSUMERS)      # every one may be a slice (--consumers, nox's cells)
# The full matrix (`make matrix`, COMPATIBILITY.md, the staleness check of known-incompatibilities.txt): the
# consumers whose every cell is measured and listed. The other TF Java releases are slices of their own
# (`--consumers java-tf-1.12.0`, CI's release job) until their known incompatibilities are recorded.
FULL_CONSUMERS = tuple(c for c in CONSUMERS if not c.startswith("java-tf-")
                       or c in ("java-tf-1.8.0", "java-tf-1.15.0", "java-tf-2.18.0"))
# The default slice, which `tfinterop run` is: today's Python TensorFlow exports, its own loader (the
# reference) and TF Java 1.8.0 (the runtime the seed serves from) consume.
DEFAULT_PRODUCERS = (environments.DEFAULT.producer,)
DEFAULT_CONSUMERS = (environments.DEFAULT.consumer, registry.DEFAULT_JAVA.name)


def models_and_variants(names=None):
    """The one table the matrix's rows come from: every model and every default export variant (the seed's,
    the target-aware and the object-based ones), or the variants named. The probe-* variants, each missing
    one fix on purpose, serve the check-versus-Java test and are not matrix rows."""
    from tfinterop.harness.export import DEFAULT_VARIANTS, VARIANTS
    from tfinterop.harness.models import MODELS
    return list(MODELS), [(name, [list(t) for t in VARIANTS[name].tag_sets]) for name in names or DEFAULT_VARIANTS]


# A row of the matrix may be an export rewritten by `tfinterop fix` for a Java target: its variant is
# FIXED_PREFIX + target + ":" + the export's variant (a name no glob of an export variant matches).
FIXED_PREFIX = "fixed-for-"


def fixed_variant(target: str, variant: str) -> str:
    return f"{FIXED_PREFIX}{target}:{variant}"


def base_variant(variant: str) -> str:
    return variant.split(":", 1)[1] if variant.startswith(FIXED_PREFIX) else variant


@dataclass
class Cell:
    producer: str
    model: str
    variant: str
    tags: list
    consumer: str
    status: str = SKIP
    message: str = ""
    runtime_message: str | None = None
    loaded: bool = False
    accuracy: float | None = None
    max_abs_error: float | None = None        # the largest over the float outputs
    argmax_agreement: float | None = None     # of the class probabilities
    # the verdict against the known-incompatibilities list
    expected: bool = True
    known: expectations.KnownIncompatibility | None = None   # the first list line that matches the cell
    verdict: str = ""
    outputs: dict | None = field(default=None, repr=False)     # {output key: array}, until the run ends
    unfetched: dict = field(default_factory=dict)   # {output key: dtype} the consumer cannot fetch (its `fetches`)

    @property
    def key(self):
        return (self.producer, self.model, self.variant, tuple(self.tags))

    @property
    def reference_key(self):
        """The row the outputs are held to: a fixed model's is the export it was fixed from."""
        return (self.producer, self.model, base_variant(self.variant), tuple(self.tags))

    @property
    def known_line(self) -> int | None:
        return self.known.line if self.known else None

    @property
    def known_failure(self) -> bool:
        """Failed (or crashed) as the list says it must."""
        return self.known is not None and self.expected and self.status in (FAIL, CRASH)

    @property
    def observed_message(self) -> str:
        """What the list's message prefix is matched against: TensorFlow's own words when it gave them."""
        return self.runtime_message or self.message

    def to_json(self):
        return {"producer": self.producer, "model": self.model, "variant": self.variant, "tags": self.tags,
                "consumer": self.consumer, "status": self.status, "message": self.message,
                "runtime_message": self.runtime_message, "loaded": self.loaded, "accuracy": self.accuracy,
                "max_abs_error": self.max_abs_error, "argmax_agreement": self.argmax_agreement,
                "expected": self.expected, "known_line": self.known_line,
                "known_prefix": self.known.message_prefix if self.known else None,
                "known_reason": self.known.reason if self.known else None, "verdict": self.verdict}


@dataclass(frozen=True)
class Export:
    """What became of one (producer, model, variant): exported to `folder`, or not, and why (`message`, with the
    runtime's own words where a refused fix gave them)."""
    status: str                         # "ok", or the cells' status when it is not: FAIL or SKIP
    folder: str = ""
    message: str = ""
    runtime_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class MatrixResult:
    cells: list
    producers: list
    consumers: list
    full: bool                  # every producer and consumer was selected: stale list lines are errors
    timings: dict               # "export tf-2.21.0" / "consume java-tf-1.8.0" -> seconds
    problems: list              # list-level errors: stale lines, lines without a reason
    images: int = 0
    training: dict = field(default_factory=dict)   # model -> {"test_accuracy", "weights"}
    not_made: list = field(default_factory=list)   # [(producer, [variant, ...], why)]: not cells at all

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.expected for c in self.cells)

    def counts(self) -> dict:
        """The one tally of the cells, every report's: how many of each status (pass, fail, crash, skip), how many
        failures the known-incompatibilities list expects, and how many cells are not as expected (in all and
        of each status: an unexpected pass is a cell the list says fails)."""
        out = {"cells": len(self.cells), **{s: 0 for s in (PASS, FAIL, CRASH, SKIP)}, "known": 0, "unexpected": 0,
               **{f"unexpected {s}": 0 for s in (PASS, FAIL, CRASH)}}
        for c in self.cells:
            out[c.status] += 1
            out["known"] += c.known_failure
            if not c.expected:
                out["unexpected"] += 1
                out[f"unexpected {c.status}"] += 1
        return out

    def to_json(self) -> dict:
        return {"producers": self.producers, "consumers": self.consumers, "full": self.full, "ok": self.ok,
                "images": self.images, "training": self.training, "counts": self.counts(), "timings": self.timings,
                "problems": self.problems, "not_made": self.not_made, "cells": [c.to_json() for c in self.cells]}


def select(names, known, what):
    if not names:
        return None
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown {what} {', '.join(unknown)}; the {what}s are: {', '.join(known)}")
    return list(dict.fromkeys(names))


# ---------------------------------------------------------------- weights and exports

def train_weights(outs: dict, data=None, steps=None, log=print) -> dict:
    """Train once with the default TensorFlow (in one process of its own) and write each model's weights
    .npz: outs is {model: path}; returns it. When every model's training is cached for the installed
    TensorFlow, the cached weights are copied without starting TensorFlow at all."""
    if _reuse_cached_training(outs, data, steps, log):
        return outs
    cmd = [sys.executable, "-m", "tfinterop.harness.producer_worker"]
    for model, out in outs.items():
        cmd += ["--train", model, "--out", str(out)]
    if data is not None:
        cmd += ["--data", str(data)]
    if steps is not None:
        cmd += ["--steps", str(steps)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=environments.package_env(environments.DEFAULT))
    if proc.returncode != 0:
        raise TfInteropError(f"training {', '.join(outs)} failed (exit status {proc.returncode}): "
                             f"{proc.stderr.strip()[-2000:]}")
    for line in proc.stderr.splitlines():
        if line.startswith("train:"):
            log(line)
    return outs


def _reuse_cached_training(outs: dict, data, steps, log) -> bool:
    """Copies each model's cached training (train.cache_path: the file the training process would reuse)
    to its weights path, if every one is cached for the TensorFlow this environment has installed."""
    from tfinterop.harness.data import load_mnist
    from tfinterop.harness.train import cache_path, TrainingConfig
    version = installed_tensorflow_version()
    if version is None:
        return False
    mnist = load_mnist(data, log=lambda message: None)
    cached = {model: cache_path(mnist, TrainingConfig.for_model(model, steps=steps), version) for model in outs}
    if not all(p.is_file() for p in cached.values()):
        return False
    for model, path in cached.items():
        outs[model].parent.mkdir(parents=True, exist_ok=True)
        partial = outs[model].with_name(f".{outs[model].name}.partial")
        shutil.copyfile(path, partial)
        os.replace(partial, outs[model])
        log(f"train: reusing cached {model} model {path} (TensorFlow {version}; no training process needed)")
    return True


def installed_tensorflow_version() -> str | None:
    """The default environment's TensorFlow version, from its package metadata (no import)."""
    for distribution in ("tensorflow-cpu", "tensorflow"):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def export_all(env: PythonTensorFlow, python: str, jobs: list, log=print) -> dict:
    """Runs one producer process over the jobs not already in the cache. Returns out -> result."""
    results, todo = {}, []
    for job in jobs:
        if Path(job["out"], "saved_model.pb").is_file():
            results[job["out"]] = {"ok": True, "cached": True}
        else:
            todo.append(job)
    if not todo:
        return results
    log(f"export: {env.producer}: {len(todo)} export(s), {len(jobs) - len(todo)} cached")
    lines, unanswered = run_job_process(env.producer_command(python), env, todo, f"the {env.producer} producer",
                                        "export")
    hello = lines[0] if lines and "version" in lines[0] else {}
    if hello.get("version") and "tf-" + hello["version"] != env.producer:
        raise TfInteropError(f"the {env.producer} environment runs TensorFlow {hello['version']}")
    for line in lines[1:]:
        results[line["out"]] = line
    for job in todo:
        if job["out"] not in results:
            results[job["out"]] = {"ok": False, "unsupported": False, "message": unanswered}
    return results


def run_job_process(command, env, todo: list, what: str, job: str, on_reply=None) -> tuple:
    """One process of the jobs protocol (producer_worker.py's, which `python -m tfinterop.harness.fix_jobs` speaks too):
    {"jobs": [...]} on its stdin, one JSON line per job on its stdout, each handed to on_reply as it comes (progress
    on a long run). Returns (its lines, what to say of a job it did not answer)."""
    import tempfile
    with tempfile.TemporaryFile("w+") as err:        # a file, not a pipe: stderr never blocks the process
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                                env=environments.package_env(env))
        proc.stdin.write(json.dumps({"jobs": todo}))  # read whole before the first job runs (the protocol)
        proc.stdin.close()
        lines = []
        for line in proc.stdout:
            if line.strip():
                lines.append(json.loads(line))
                if on_reply:
                    on_reply(lines[-1])
        proc.wait()
        err.seek(0)
        tail = "\n".join(err.read().strip().splitlines()[-15:])
    return lines, f"{what} exited with status {proc.returncode} before this {job}. stderr ends with:\n{tail}"


# ---------------------------------------------------------------- consumers

class ConsumerProcess:
    """A consumer's worker, started on first use and started again after a crash."""

    def __init__(self, name, log=print):
        self.name = name
        self.log = log
        self.worker = None
        self.starts = 0
        self._spec = None

    def prepare(self):
        """Raises EnvironmentUnavailable (the cells are skips) or TfInteropError (they fail)."""
        self._spec = registry.consumer(self.name).prepare(self.log)

    def get(self) -> WorkerClient:
        if self.worker is None or not self.worker.alive:
            if self.worker is not None:
                self.worker.close_worker()
            self.starts += 1
            self.worker = WorkerClient(**self._spec)
            if self.worker.name != self.name:
                name = self.worker.name
                self.close()
                raise TfInteropError(f"the {self.name} consumer reports itself as {name}")
        return self.worker

    def close(self):
        if self.worker is not None:
            self.worker.close_worker()
            self.worker = None


def signature_key(variant: str, tags) -> str:
    """The SignatureDef the export variant wrote for this tag-set (export.py's table, which the legacy
    producer follows: tests/harness/test_matrix.py holds the two to each other)."""
    from tfinterop.harness.export import VARIANTS
    return VARIANTS[base_variant(variant)].signatures[tuple(tags)]


def consume_cell(process: ConsumerProcess, cell: Cell, model_dir: str, inputs: dict, labels):
    """Loads the cell's export and calls it by the signature its variant declares, with the model's example
    inputs (every input key, every dtype), keeping every output for the comparison with the reference."""
    try:
        worker = process.get()
        handle = worker.load(model_dir, cell.tags)
        cell.loaded = True
        try:
            key = signature_key(cell.variant, cell.tags)
            output_keys, cell.unfetched = fetchable_outputs(process.name, model_dir, cell.tags, key)
            cell.outputs = worker.run(handle, key, inputs, output_keys)
        finally:
            if worker.alive:
                worker.close(handle)
        cell.status = PASS
        probabilities = cell.outputs.get(MODELS[cell.model].probabilities_key) if cell.model in MODELS else None
        cell.accuracy = None if probabilities is None or labels is None else accuracy(probabilities, labels)
    except WorkerCrashedError as e:
        cell.status, cell.message = CRASH, str(e)
    except TfInteropError as e:
        cell.status, cell.message, cell.runtime_message = FAIL, str(e), e.runtime_message


def fetchable_outputs(consumer: str, model_dir, tags, key) -> tuple:
    """(the output keys to fetch, None for every one; {output key: dtype} of those the consumer cannot fetch): by its
    capability flag `fetches`. A cell fetches the others, holds them to the reference, and fails saying which it could
    not (compare_with_reference)."""
    fetches = getattr(registry.CONSUMERS.get(consumer), "fetches", None)
    if fetches is None:
        return None, {}
    try:
        outputs = signatures.meta_graph(savedmodel.read(model_dir), tags).signature_def[key].outputs
    except (TfInteropError, KeyError):
        return None, {}          # the consumer's own call says what is wrong with the model
    dtypes = {k: signatures.dtype_label(info) for k, info in outputs.items()}
    unfetched = {k: d for k, d in sorted(dtypes.items()) if d not in fetches}
    return (sorted(k for k in dtypes if k not in unfetched) if unfetched else None), unfetched


# ---------------------------------------------------------------- the run

def build_corpus(env, python: str, cache: Path, log) -> dict:
    """corpus.py's models (Keras and tf.Module shapes users bring), built by one TF 2.x producer in a process of
    its own and cached by content (corpus.py, the producer): {corpus model: its SavedModel folder}."""
    from tfinterop.harness import corpus
    out = cache / "corpus" / env.producer / paths.content_digest(Path(corpus.__file__).read_bytes(), env.producer)
    if not all((out / name / "saved_model.pb").is_file() for name in corpus.MATRIX_ROWS):
        log(f"corpus: {env.producer} builds {', '.join(corpus.MATRIX_ROWS)}")
        proc = subprocess.run([python, "-m", "tfinterop.harness.corpus", "--out", str(out), *corpus.MATRIX_ROWS],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=environments.package_env(env))
        if proc.returncode != 0:
            raise TfInteropError(f"building the corpus with {env.producer} failed (exit status {proc.returncode}): "
                                 f"{proc.stderr.strip()[-2000:]}")
    return {name: out / name for name in corpus.MATRIX_ROWS}


def run(*, producers=None, consumers=None, data=None, steps=None, images=None, labels=None, known_path=None,
        models=None, exports_dir=None, variants=None, fix_failures=True, corpus=None, log=print) -> MatrixResult:
    """Every selected producer x model x default variant (or `variants`) x consumer (None: all of them).
    `images` default to the committed 1,000-image MNIST subset. Exports are cached by content under the
    cache folder, or, with `exports_dir`, written to exports_dir/PRODUCER/MODEL/VARIANT (which must not hold
    them yet: `run` makes a new folder). With `fix_failures`, every export that fails in a Java target
    (a selected consumer whose registry is dumped) is rewritten by `tfinterop fix` for it, and the fixed
    model is a row of its own through every consumer, held to the original export's reference. `tfinterop
    run` is the default slice of this (the TF1 graph variants, no fixes). `corpus` (default: with
    fix_failures) adds corpus.py's models, built by each TF 2.x producer, as rows of their export form."""
    chosen_producers = select(producers, PRODUCERS, "producer") or list(PRODUCERS)
    chosen_consumers = select(consumers, CONSUMERS, "consumer") or list(FULL_CONSUMERS)
    all_models, variants = models_and_variants(variants)
    model_names = select(models, all_models, "model") or all_models
    full = (set(chosen_producers) == set(PRODUCERS) and set(chosen_consumers) >= set(FULL_CONSUMERS)
            and set(model_names) == set(all_models))
    if images is None:
        from tfinterop.harness.data import load_subset
        images, labels = load_subset()
    inputs = {model: get_model(model).example_inputs(images, labels) for model in model_names}
    cache = paths.cache_dir() / "matrix"
    timings = {}

    # Weights: trained once, by the default TensorFlow, for every model.
    started = time.perf_counter()
    weights = train_weights({model: cache / "weights" / f"{model}-{steps or 'default'}.npz" for model in model_names},
                            data, steps, log)
    timings["train " + ", ".join(model_names)] = round(time.perf_counter() - started, 2)
    training = {}
    for model, path in weights.items():
        with np.load(path) as z:
            training[model] = {"test_accuracy": float(z["test_accuracy"]), "weights": str(path)}

    # A variant a producer's TensorFlow cannot make at all is not a cell (TF 1.8 has no object-based export).
    made, not_made = {}, []
    for p in chosen_producers:
        made[p] = [(v, t) for v, t in variants if makes(p, v)]
        if len(made[p]) < len(variants):
            not_made.append((p, [v for v, _ in variants if not makes(p, v)],
                             f"TensorFlow {registry.producer(p).version} has no object-based export "
                             f"(tf.saved_model.save and Keras' save_format='tf' came with 1.15)"))
    exports = produce_exports(chosen_producers, model_names, made, weights, exports_dir, cache, timings, log)

    # The cells, in report order.
    rows = [(p, m, v, tags) for p in chosen_producers for m in model_names for v, tag_sets in made[p]
            for tags in tag_sets]
    if fix_failures if corpus is None else corpus:     # by default, the corpus comes with the fixes
        rows += add_corpus(chosen_producers, exports, inputs, images, cache, log)
    cells = [Cell(p, m, v, list(tags), c) for p, m, v, tags in rows for c in chosen_consumers]
    # Each producer's own loader is the reference; it runs even when not selected (its cells are not reported).
    hidden = [Cell(p, m, v, list(tags), registry.producer(p).consumer) for p, m, v, tags in rows
              if registry.producer(p).consumer not in chosen_consumers]
    by_consumer = {}
    for cell in cells + hidden:
        by_consumer.setdefault(cell.consumer, []).append(cell)
    processes, unavailable = prepare_consumers(by_consumer, log)
    consume_all(by_consumer, exports, processes, unavailable, inputs, labels, timings, log)
    if fix_failures:
        fixed = fix_failing_exports(cells, exports, chosen_consumers, inputs, timings, log)
        rows = [(p, m, v, tags) for p, m, v, tags in fixed]
        fixed_cells = [Cell(p, m, v, list(tags), c) for p, m, v, tags in rows for c in chosen_consumers]
        cells += fixed_cells
        by_fixed = {}
        for cell in fixed_cells:
            by_fixed.setdefault(cell.consumer, []).append(cell)
        consume_all(by_fixed, exports, processes, unavailable, inputs, labels, timings, log, what="fixed ")

    compare_with_reference(cells, cells + hidden)
    result = MatrixResult(cells, chosen_producers, chosen_consumers, full, timings, [], images=len(images),
                          training=training, not_made=not_made)
    judge(result, expectations.load(known_path or paths.KNOWN_INCOMPATIBILITIES))
    for cell in cells + hidden:
        cell.outputs = None    # the arrays are not part of the result
    return result


def makes(producer: str, variant: str) -> bool:
    """Whether the producer's TensorFlow can make the export variant at all (an object-based one needs 1.15)."""
    from tfinterop.harness.export import VARIANTS
    return VARIANTS[variant].form == "graph" or registry.producer(producer).object_based


def produce_exports(chosen_producers, model_names, variants_of, weights, exports_dir, cache, timings, log) -> dict:
    """{(producer, model, variant): Export}: one process per producer, its exports cached by content (or written
    to exports_dir/PRODUCER/MODEL/VARIANT). variants_of: producer -> the variants it makes."""
    exports = {}     # (producer, model, variant) -> Export
    for name in chosen_producers:
        env = registry.producer(name)
        started = time.perf_counter()
        try:
            python = environments.python_for(env, log=log)
        except TfInteropError as e:     # no interpreter: skips; pip failed: failures
            status = SKIP if isinstance(e, EnvironmentUnavailable) else FAIL
            for model in model_names:
                for variant, _ in variants_of[name]:
                    exports[(name, model, variant)] = Export(status, message=f"producer {name} unavailable: {e}")
            log(f"export: {name}: {status}: {e}")
            continue
        jobs, where = [], {}
        code = env.producer_code()
        for model in model_names:
            wbytes = weights[model].read_bytes()
            for variant, _ in variants_of[name]:
                if exports_dir is not None:
                    out = Path(exports_dir) / name / model / variant
                else:
                    key = paths.content_digest(wbytes, model, variant, name, code)
                    out = cache / "exports" / name / model / f"{variant}-{key}"
                jobs.append({"model": model, "variant": variant, "weights": str(weights[model]), "out": str(out)})
                where[str(out)] = (model, variant)
        try:
            results = export_all(env, python, jobs, log)
        except TfInteropError as e:
            results = {job["out"]: {"ok": False, "message": str(e)} for job in jobs}
        for out, (model, variant) in where.items():
            r = results[out]
            if r.get("ok"):
                exports[(name, model, variant)] = Export("ok", out)
            elif r.get("unsupported"):
                exports[(name, model, variant)] = Export(SKIP, message=f"{name} cannot export this: {r['message']}")
            else:
                exports[(name, model, variant)] = Export(FAIL, message=f"export with {name} failed: {r['message']}")
        cached = all(r.get("cached") for r in results.values())
        timings[f"export {name}" + (" (all cached)" if cached else "")] = round(time.perf_counter() - started, 2)
    return exports


def add_corpus(chosen_producers, exports, inputs, images, cache, log) -> list:
    """corpus.py's models, built by each TF 2.x producer, as rows of their export form: adds their Export and their
    example inputs, and returns the rows."""
    from tfinterop.harness import corpus as corpus_models
    rows = []
    for name in chosen_producers:
        env = registry.producer(name)
        if env.legacy:
            continue                  # Keras and tf.saved_model.save of a tf.Module are TF 2.x's
        try:
            built, failed = build_corpus(env, environments.python_for(env, log=log), cache, log), None
        except TfInteropError as e:
            built = dict.fromkeys(corpus_models.MATRIX_ROWS)
            failed = Export(SKIP if isinstance(e, EnvironmentUnavailable) else FAIL,
                            message=f"the corpus of {name}: {e}")
            log(f"corpus: {name}: {e}")
        for m, d in built.items():
            form = corpus_models.FORMS[m]
            exports[(name, m, form)] = failed or Export("ok", str(d))
            rows.append((name, m, form, ("serve",)))
    for m in corpus_models.MATRIX_ROWS:
        inputs[m] = corpus_models.example_inputs(m, images)
    return rows


def prepare_consumers(by_consumer: dict, log) -> tuple:
    """Every consumer set up first, one at a time (Gradle builds, virtual environments), so that they can then run
    side by side, each a process of its own, much of whose time is its runtime's start: ({consumer:
    ConsumerProcess}, {consumer: (status, why) for those that could not be set up})."""
    processes, unavailable = {}, {}
    for consumer in by_consumer:
        processes[consumer] = ConsumerProcess(consumer, log)
        try:
            processes[consumer].prepare()
        except EnvironmentUnavailable as e:
            unavailable[consumer] = (SKIP, f"consumer {consumer} unavailable: {e}")
        except TfInteropError as e:
            unavailable[consumer] = (FAIL, f"consumer {consumer} could not be set up: {e}")
    return processes, unavailable


def consume_all(by_consumer: dict, exports: dict, processes: dict, unavailable: dict, inputs: dict, labels, timings,
                log, what=""):
    """Each consumer's cells in its own process, the consumers side by side."""
    total, done = sum(len(c) for c in by_consumer.values()), itertools.count(1)

    def consume(consumer):
        started = time.perf_counter()
        process = processes[consumer]
        try:
            for cell in by_consumer[consumer]:
                export = exports[(cell.producer, cell.model, cell.variant)]
                if not export.ok:
                    cell.status, cell.message = export.status, export.message
                    cell.runtime_message = export.runtime_message    # a refused fix: TensorFlow's words
                elif consumer in unavailable:
                    cell.status, cell.message = unavailable[consumer]
                else:
                    consume_cell(process, cell, export.folder, inputs[cell.model], labels)
                n = next(done)
                log(f"[{what}{n}/{total}, {total - n} left] {consumer}: {cell.producer} {cell.model} {cell.variant} "
                    f"[{', '.join(cell.tags)}] -> {cell.status}")
        finally:
            process.close()
        timings[f"consume {what}{consumer}"] = round(time.perf_counter() - started, 2)

    side_by_side(consume, list(by_consumer))


def fix_targets(consumers) -> list:
    """The selected consumers `tfinterop fix` can rewrite for (the registry's fixable_for), whose op registries
    are dumped."""
    from tfinterop.compat import targets
    return [c for c in consumers if registry.consumer(c).fixable_for and c in targets.available()]


def fix_failing_exports(cells, exports: dict, consumers, inputs: dict, timings, log) -> list:
    """Runs `tfinterop fix` (one process, python -m tfinterop.harness.fix_jobs) on every export that failed in a fix target,
    for that target; fixed models are cached by content like exports. Adds each to `exports` under its
    fixed variant (an Export: its folder, or FAIL and the refusal) and returns the rows [(producer, model, variant,
    tags)] to run through every consumer."""
    from tfinterop.commands import fix, verify
    from tfinterop.compat import check, legacy_forms
    from tfinterop.contract.arrays import write_npz
    from tfinterop.harness.export import VARIANTS
    started = time.perf_counter()
    cache = paths.cache_dir() / "matrix"
    code = b"".join(f.read_bytes() for f in [*sorted(Path(fix.__file__).parent.glob("*.py")),
                                             *(Path(m.__file__) for m in (legacy_forms, check, verify))])
    rows, jobs, where = [], [], {}
    for target in fix_targets(consumers):
        failing = {}
        for c in cells:
            if c.consumer == target and c.status in (FAIL, CRASH) and not c.variant.startswith(FIXED_PREFIX) \
                    and exports[(c.producer, c.model, c.variant)].ok:
                failing.setdefault((c.producer, c.model, c.variant), []).append(c.tags)
        for (producer, model, variant), _ in failing.items():
            name = fixed_variant(target, variant)
            export_dir = exports[(producer, model, variant)].folder
            for tags in VARIANTS[variant].tag_sets:
                rows.append((producer, model, name, tuple(tags)))
            out = cache / "fixed" / target / producer / model / f"{variant}-{paths.content_digest(export_dir, code)}"
            npz = cache / "inputs" / f"{model}-{paths.content_digest(*_npz_parts(inputs[model]))}.npz"
            if not npz.is_file():
                npz.parent.mkdir(parents=True, exist_ok=True)
                write_npz(npz, inputs[model])
            where[str(out)] = (producer, model, name)
            jobs.append({"dir": export_dir, "target": target, "out": str(out), "inputs": str(npz)})
    results = run_fix_jobs(jobs, log)
    for out, (producer, model, name) in where.items():
        r = results[out]
        exports[(producer, model, name)] = Export("ok", out) if r["written"] else \
            Export(FAIL, message=f"fix refused: {r['error']}", runtime_message=r.get("runtime_message"))
    timings["fix failing exports" + (" (all cached)" if all(r.get("cached") for r in results.values()) else "")] = \
        round(time.perf_counter() - started, 2)
    return rows


def _npz_parts(arrays: dict) -> list:
    return [part for k in sorted(arrays) for part in (k, str(arrays[k].dtype), str(arrays[k].shape),
                                                      np.ascontiguousarray(arrays[k]).tobytes())]


FINAL_REFUSALS = {"fix-refused", "target-incompatible", "untrusted-model"}


def run_fix_jobs(jobs: list, log) -> dict:
    """out -> fix_jobs' reply ({"written", "error", ...}, and "cached"): cached results (a .json beside each OUT:
    a refusal is as final as a fix, for the same export and code) without starting anything, the others in one fix
    process."""
    results, todo = {}, []
    for job in jobs:
        record = Path(job["out"] + ".json")
        if record.is_file():
            results[job["out"]] = {**json.loads(record.read_text()), "cached": True}
        else:
            todo.append(job)
    if not todo:
        return results
    log(f"fix: {len(todo)} model(s) to rewrite, {len(jobs) - len(todo)} cached")
    env = environments.DEFAULT

    def record(reply):
        results[reply["out"]] = reply
        if reply["written"] or reply["kind"] in FINAL_REFUSALS:     # not a crash: it would say the same again
            kept = Path(reply["out"] + ".json")
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(json.dumps({k: reply.get(k) for k in ("written", "error", "kind", "runtime_message",
                                                                "largest_abs_error", "rewrites", "unchanged",
                                                                "check", "lacking", "seconds")}) + "\n")
        log(f"fix: {len(results) - (len(jobs) - len(todo))}/{len(todo)} {reply['out']}: "
            + ("fixed and verified" if reply["written"] else f"refused: {' '.join(reply['error'].split())[:200]}"))
    _, unanswered = run_job_process([environments.python_for(env, log=log), "-m", "tfinterop.harness.fix_jobs"], env,
                                    todo, "the fix process", "job", on_reply=record)
    for job in todo:
        if job["out"] not in results:
            results[job["out"]] = {"written": False, "error": unanswered}
    return results


def compare_with_reference(cells, everything):
    """A loaded cell passes only if every output agrees with the producer's own loader's on the same model
    (contract/tolerance.py's contract for its dtype: floats within rtol/atol, everything else exactly)."""
    reference = {c.key: c for c in everything if c.consumer == registry.producer(c.producer).consumer}
    for cell in cells:
        if cell.status != PASS:
            continue
        ref = reference.get(cell.reference_key)
        if ref is cell:
            continue     # the producer's own loader: it loaded and ran; it is what the others are held to
        if ref is None or ref.outputs is None:
            cell.status = FAIL
            cell.message = (f"no reference: the producer's own loader ({ref.consumer if ref else '?'}) failed on this "
                            f"model ({ref.status if ref else 'not run'}), so these outputs cannot be checked")
            continue
        differ, errors = [], []
        held_to = {k: v for k, v in ref.outputs.items() if k not in cell.unfetched}
        for key, result in compare_outputs(held_to, cell.outputs).items():
            if result.max_abs_error is not None:
                errors.append(result.max_abs_error)
            if result.argmax_agreement is not None:
                cell.argmax_agreement = result.argmax_agreement
            if not result.agree:
                differ.append(f"{key}: {result.reason}")
        cell.max_abs_error = max(errors) if errors else None
        if differ:
            cell.status, cell.message = FAIL, f"outputs differ from {ref.consumer}'s: " + "; ".join(differ)
        elif cell.unfetched:
            cell.status = FAIL
            cell.message = (f"cannot fetch {', '.join(f'{k} ({d})' for k, d in cell.unfetched.items())}: "
                            f"{cell.consumer} has no such dtype; its other outputs ({', '.join(sorted(held_to))}) "
                            f"agree with {ref.consumer}'s")


# ---------------------------------------------------------------- expected results, strictly

def first_matches(entries, cells):
    """cell index -> the first list line that matches it (a conformance list's rule)."""
    return {i: expectations.lookup(entries, c.producer, c.model, c.variant, c.consumer, c.tags) for i, c in enumerate(cells)}


def judge(result: MatrixResult, entries) -> None:
    matches = first_matches(entries, result.cells)
    used, touches_skips = set(), set()
    for i, cell in enumerate(result.cells):
        entry = matches[i]
        cell.known = entry
        if cell.status == SKIP:
            cell.expected, cell.verdict = True, "skipped"
            if entry:
                touches_skips.add(entry.line)
            continue
        if entry:
            used.add(entry.line)
        if entry is None:
            cell.expected = cell.status == PASS
            cell.verdict = "pass" if cell.expected else f"unexpected {cell.status}"
        elif cell.status == PASS and entry.sometimes:
            cell.expected, cell.verdict = True, f"pass (line {entry.line}: it fails at random)"
        elif cell.status == PASS:
            cell.expected = False
            cell.verdict = (f"unexpected pass: known-incompatibilities.txt line {entry.line} expects "
                            f"{entry.message_prefix!r}; remove or narrow that line (or run with --fix)")
        elif entry.holds_for(False, cell.observed_message):
            cell.expected, cell.verdict = True, f"known {cell.status} (line {entry.line})"
        else:
            cell.expected = False
            cell.verdict = (f"different message: known-incompatibilities.txt line {entry.line} expects "
                            f"{entry.message_prefix!r}")
    problems = []
    for entry in entries:
        if entry.reason.startswith(REASON_PLACEHOLDER):
            problems.append(f"known-incompatibilities.txt line {entry.line} has no reason yet: say why it fails")
        if result.full and entry.concerns(result.consumers) and entry.line not in used and \
                entry.line not in touches_skips:
            problems.append(f"known-incompatibilities.txt line {entry.line} matches no cell of this full run: "
                            f"it is stale; remove it (or run with --fix)")
    result.problems = problems


def message_prefix(message: str) -> str:
    """A stable prefix of a runtime message for a new list line: its first sentence, without paths."""
    text = message.strip().splitlines()[0] if message.strip() else ""
    cut = len(text)
    for marker in (" in binary running on", ". ", "; ", ": /", " /", "(/"):
        at = text.find(marker)
        if 0 < at < cut:
            cut = at
    return text[:min(cut, 160)].rstrip(" .:,")


def fix_list(result: MatrixResult, path: Path) -> list[str]:
    """Rewrites the list from this run's observations: keeps lines that still hold (and their reasons),
    drops those that do not, adds a line, with a reason placeholder, for each new failure. Lines about
    cells this run did not cover are kept as they are. Returns what changed, for the log."""
    entries = expectations.load(path)
    ran = [c for c in result.cells if c.status != SKIP]

    def holds(entry, cells_first_matched):
        return all(entry.holds_for(c.status == PASS, c.observed_message) for c in cells_first_matched)

    kept = list(entries)
    while True:    # dropping a line can hand its cells to a later one: repeat until nothing changes
        matches = first_matches(kept, ran)
        firsts = {}
        for i, entry in matches.items():
            if entry is not None:
                firsts.setdefault(entry.line, []).append(ran[i])
        bad = [e for e in kept if e.line in firsts and not holds(e, firsts[e.line])]
        skipped = {e.line for e in first_matches(kept, [c for c in result.cells if c.status == SKIP]).values() if e}
        stale = [e for e in kept if result.full and e.concerns(result.consumers) and e.line not in firsts
                 and e.line not in skipped]
        drop = {e.line for e in bad + stale}
        if not drop:
            break
        kept = [e for e in kept if e.line not in drop]
    changes = [f"removed line {e.line}: {e.producer} | {e.model} | {e.variant} | {e.consumer} | {e.message_prefix}"
               for e in entries if e not in kept]

    matches = first_matches(kept, ran)
    uncovered = [c for i, c in enumerate(ran) if c.status != PASS and matches[i] is None]
    new_lines = _generalise(uncovered, ran, kept, result.full)
    for fields in new_lines:
        changes.append("added: " + " | ".join(fields[:5]))

    header = [line for line in Path(path).read_text().splitlines() if line.startswith("#") or not line.strip()]
    while header and not header[-1].strip():
        header.pop()
    body = [" | ".join([e.producer, e.model, e.variant, e.consumer, e.message_prefix, e.reason]) for e in kept]
    body += [" | ".join(fields) for fields in new_lines]
    Path(path).write_text("\n".join(header + [""] + body) + "\n")
    return changes


def _generalise(uncovered, ran, kept, full):
    """One line per (consumer, message prefix) group, with '*' for a field when every cell that '*' would
    newly cover fails with that prefix (only in a full run: otherwise unseen cells could be swept in)."""
    prefixes = {(c.producer, c.model, c.variant, c.consumer, tuple(c.tags)):
                message_prefix(c.observed_message).replace("|", "/") for c in uncovered}
    siblings = {}
    for c in ran:     # a variant whose tag-sets do not all fail alike needs a line per tag-set
        siblings.setdefault((c.producer, c.model, c.variant, c.consumer), set()).add(
            prefixes.get((c.producer, c.model, c.variant, c.consumer, tuple(c.tags))))
    groups = {}
    for c in uncovered:
        prefix = prefixes[(c.producer, c.model, c.variant, c.consumer, tuple(c.tags))]
        variant = c.variant
        if len(siblings[(c.producer, c.model, c.variant, c.consumer)]) > 1:
            variant = c.variant + "/" + "+".join(c.tags)
        groups.setdefault((c.consumer, prefix), set()).add((c.producer, c.model, variant))
    lines = []
    for (consumer, prefix), keys in groups.items():
        patterns = {k: list(k) for k in keys}
        if full:
            for position in (2, 1, 0):       # variant, then model, then producer
                for k, p in patterns.items():
                    trial = list(p)
                    trial[position] = "*"
                    if _covers_only_failures(trial, consumer, prefix, ran, kept):
                        patterns[k] = trial
        merged = list(dict.fromkeys(tuple(p) for p in patterns.values()))
        if full:
            merged = _merge_by_prefix(merged, consumer, prefix, ran, kept)
        for pattern in merged:
            reason = f"{REASON_PLACEHOLDER}: say why, and the fix if there is one"
            lines.append([pattern[0], pattern[1], pattern[2], consumer, prefix, reason])
    return lines


def _merge_by_prefix(patterns, consumer, prefix, ran, kept):
    """Two lines that differ in one field become one with a glob of their common stem (tf-2.16.2 and
    tf-2.21.0 -> tf-2.*, seed-builder and seed-simple-save -> seed-*) when that covers only failures."""
    patterns = list(patterns)
    while True:
        for a, b in itertools.combinations(patterns, 2):
            differ = [i for i in range(3) if a[i] != b[i]]
            if len(differ) != 1 or "/" in a[differ[0]] + b[differ[0]]:
                continue
            stem = os.path.commonprefix([a[differ[0]], b[differ[0]]])
            stem = stem[:max(stem.rfind("-"), stem.rfind(".")) + 1]
            if not stem:
                continue
            trial = list(a)
            trial[differ[0]] = stem + "*"
            if _covers_only_failures(trial, consumer, prefix, ran, kept):
                patterns = [p for p in patterns if p not in (a, b)] + [tuple(trial)]
                break
        else:
            return patterns


def _covers_only_failures(pattern, consumer, prefix, ran, kept):
    probe = expectations.KnownIncompatibility(pattern[0], pattern[1], pattern[2], consumer, prefix, "", 0)
    for c in ran:
        if not probe.matches(c.producer, c.model, c.variant, c.consumer, c.tags):
            continue
        if expectations.lookup(kept, c.producer, c.model, c.variant, c.consumer, c.tags) is not None:
            continue    # an earlier line decides this cell
        if c.status == PASS or not c.observed_message.startswith(prefix):
            return False
    return True
