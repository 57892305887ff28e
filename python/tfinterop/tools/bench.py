"""`tfinterop bench`: what the cross-language path costs, as ratios measured in one run.

Python TensorFlow and the JVM never share a process, so the benchmark has three parts:

    orchestrator (this module, imports neither)  writes the inputs, starts the two sides one after
                                                 the other, times `tfinterop check` and `tfinterop
                                                 verify` as a user runs them, optionally `make test`,
                                                 and divides
    python side  (python -m tfinterop.tools.bench python SPEC OUT)   Python TF Session.run, batch and one image;
                                                 one image through the harness's worker path
                                                 (WorkerClient('java')), interleaved with Session.run; the
                                                 batch and one image through TensorFlow.js's Node worker, the same
    java side    (python -m tfinterop.tools.bench java SPEC OUT)     JPype + TF Java: marshalling, the bridge's
                                                 predict and call by signature, the same looped inside
                                                 Java, and the worker path's, interleaved with them

Every figure is the median of repeated runs after a warm-up. Where numerator and denominator run in
the same process they are interleaved run by run, so a change of machine load hits both alike. (The
worker path's client runs inside the side that holds the denominator, for that reason.)
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tfinterop.commands import outputs
from tfinterop.core import defaults, paths
from tfinterop.core.errors import OutputExistsError, TfInteropError

DEFAULT_MODEL = paths.GOLDEN / "compat-serve"
JS_TARGET = "js-tfjs-4.22.0"      # the JavaScript consumer the bench times against Python TensorFlow
# The call by signature: six inputs and outputs, float32, float64, int32, int64, uint8 and bool.
SIGNATURE_MODEL = paths.GOLDEN / "dtypes" / "model"
SIGNATURE_INPUTS = paths.GOLDEN / "dtypes" / "inputs.npz"
# `tfinterop verify`'s synthesized inputs (its defaults; the bench passes them to it and feeds the runtimes the same)
VERIFY_EXAMPLES, VERIFY_SEED = defaults.EXAMPLES, defaults.SEED
# One-image runs alternate in blocks of this many calls (see interleaved_medians).
SINGLE_BLOCK = 100
MARKDOWN_BEGIN = "<!-- tfinterop bench: generated table, begin -->"
MARKDOWN_END = "<!-- tfinterop bench: generated table, end -->"


# --- timing ---------------------------------------------------------------------------------------------

class SelfTimed:
    """A run that measures itself (the loop inside Java) and returns its own seconds."""

    def __init__(self, run):
        self.run = run


def interleaved_medians(runs: dict, warmup: int, repeats: int, block: int = 1) -> dict:
    """Calls each run once per round, `warmup` untimed rounds then `repeats` timed ones; median seconds.
    A plain run is timed here, around the call; a SelfTimed one reports its own time. With block > 1 a round
    calls each run up to `block` times in a row, each call timed, in as many rounds as make `repeats` calls:
    calls of a millisecond or less are then timed warm, as in a loop of their own, rather than each just
    after the other run has had the caches and the thread pools (one image through Python TF took about twice
    as long alternating call by call with the worker as in a loop of its own)."""
    block = max(1, min(block, repeats))
    rounds = -(-repeats // block)
    for _ in range(warmup):
        for run in runs.values():
            (run.run if isinstance(run, SelfTimed) else run)()
    samples = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            for _ in range(block):
                if isinstance(run, SelfTimed):
                    samples[name].append(run.run())
                else:
                    start = time.perf_counter()
                    run()
                    samples[name].append(time.perf_counter() - start)
    return {name: float(np.median(s)) for name, s in samples.items()}


# --- the two sides ------------------------------------------------------------------------------------------

def first_load_run(consumer, spec: dict) -> float:
    """Seconds of a consumer's first load of the model and first call by signature on verify's inputs, then
    close: a runtime's own part of `tfinterop verify`, timed the way verify meets it (once, in a new process)."""
    from tfinterop.contract.arrays import read_npz

    inputs = read_npz(spec["verify_inputs"])
    start = time.perf_counter()
    handle = consumer.load(spec["model"], spec["tags"])
    consumer.run(handle, spec["verify_signature"], inputs)
    consumer.close(handle)
    return time.perf_counter() - start


def python_side(spec: dict) -> dict:
    """Python TensorFlow's Session.run on the model, as the seed runs it: the baseline; and one image through
    the worker path, interleaved with it."""
    from tfinterop.runtimes.worker import WorkerClient

    started = time.perf_counter()
    from tfinterop.runtimes.python_tf import PythonTF, tensor_name
    consumer = PythonTF()
    start_s = time.perf_counter() - started
    load_run_s = first_load_run(consumer, spec)
    handle = consumer.load(spec["model"], spec["tags"])
    sess = consumer.session(handle)
    feed, fetch = tensor_name(spec["input_name"]), tensor_name(spec["output_name"])
    batch = np.load(spec["images"])
    one = np.ascontiguousarray(batch[:1])
    np.save(spec["output_prefix"] + "python.npy", sess.run(fetch, {feed: batch}))
    batch_s = interleaved_medians({"batch": lambda: sess.run(fetch, {feed: batch})},
                                  spec["warmup"], spec["repeats"])["batch"]
    from tfinterop.contract.arrays import read_npz
    sig_handle = consumer.load(spec["signature_model"], ["serve"])
    inputs = read_npz(spec["signature_inputs"])
    signature_s = interleaved_medians({"run": lambda: consumer.run(sig_handle, None, inputs)},
                                      spec["warmup"], spec["repeats"])["run"]
    inp, out = spec["input_name"], spec["output_name"]
    with WorkerClient("java") as worker:
        wh = worker.load(spec["model"], spec["tags"])
        one_runs = interleaved_medians({"python": lambda: sess.run(fetch, {feed: one}),
                                        "worker": lambda: worker.predict(wh, inp, out, one)},
                                       spec["warmup"], spec["single_repeats"], block=SINGLE_BLOCK)
        worker.close(wh)
    js = javascript_runs(spec, lambda x: sess.run(fetch, {feed: x}), batch, one)
    tf = consumer.tf
    return {"runtime": consumer.name,
            "threads": {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                        "inter_op": tf.config.threading.get_inter_op_parallelism_threads()},
            "batch_s": batch_s, "one_s": one_runs["python"], "worker_one_s": one_runs["worker"],
            "signature_s": signature_s, "start_s": start_s, "load_run_s": load_run_s, **js}


def javascript_runs(spec: dict, python_predict, batch, one) -> dict:
    """The batch and one image through TensorFlow.js's Node worker (the JavaScript consumer, its graph model
    converted once beforehand), each interleaved with Python TensorFlow's Session.run on the same array."""
    from tfinterop.runtimes import registry
    from tfinterop.runtimes.worker import WorkerClient
    with WorkerClient(**registry.consumer(spec["js_target"]).prepare(log=lambda m: None)) as js:
        handle = js.load(spec["model"], spec["tags"])        # converts the model (cached by content)
        inp, out = spec["input_name"], spec["output_name"]
        np.save(spec["output_prefix"] + "js.npy", js.predict(handle, inp, out, batch))
        batch_runs = interleaved_medians({"python": lambda: python_predict(batch),
                                          "js": lambda: js.predict(handle, inp, out, batch)},
                                         spec["warmup"], spec["repeats"])
        one_runs = interleaved_medians({"python": lambda: python_predict(one),
                                        "js": lambda: js.predict(handle, inp, out, one)},
                                       spec["warmup"], spec["single_repeats"], block=SINGLE_BLOCK)
        js.close(handle)
        return {"js_runtime": js.name, "js_batch_s": batch_runs["js"], "js_python_batch_s": batch_runs["python"],
                "js_one_s": one_runs["js"], "js_python_one_s": one_runs["python"]}


def java_side(spec: dict) -> dict:
    """TF Java through the bridge (JPype), the same work looped inside Java alone, and through the worker."""
    from tfinterop.runtimes.worker import WorkerClient

    started = time.perf_counter()
    from tfinterop.runtimes.java_tf import JavaTF
    consumer = JavaTF()
    start_s = time.perf_counter() - started
    load_run_s = first_load_run(consumer, spec)
    jpype = consumer.jpype
    bench = jpype.JClass("org.tfinterop.Bench")
    handle = consumer.load(spec["model"], spec["tags"])
    model = consumer.java_model(handle)
    inp, out = spec["input_name"], spec["output_name"]
    batch = np.load(spec["images"])
    one = np.ascontiguousarray(batch[:1])
    np.save(spec["output_prefix"] + "java.npy", consumer.predict(handle, inp, out, batch))

    def bridge(x):
        return lambda: consumer.predict(handle, inp, out, x)

    def java_alone(x):
        # The same feed and fetch, with the input already in a direct buffer and a reused output buffer.
        data, shape = consumer.float_buffer(x), jpype.JArray(jpype.JLong)(x.shape)
        dst = consumer.float_buffer(consumer.predict(handle, inp, out, x))
        return SelfTimed(lambda: bench.timePredictions(model, inp, data, shape, out, dst, 0, 1)[0] / 1e9)

    shape = jpype.JArray(jpype.JLong)(batch.shape)

    def round_trip():
        back = np.empty_like(batch)
        bench.tensorRoundTrip(consumer.float_buffer(batch), shape, consumer.float_buffer(back))

    marshal = interleaved_medians({"round_trip": round_trip, "numpy_copy": batch.copy},
                                  spec["warmup"], spec["repeats"])
    one_runs = interleaved_medians({"bridge": bridge(one), "java": java_alone(one)},
                                   spec["warmup"], spec["single_repeats"], block=SINGLE_BLOCK)

    # The call by signature: every input of the six-dtype model, looped inside Java over TensorData the
    # bridge made once (Model.runSignature copies the outputs out, as for the bridge).
    from tfinterop.contract.arrays import read_npz
    sig_handle = consumer.load(spec["signature_model"], ["serve"])
    inputs = read_npz(spec["signature_inputs"])
    jinputs = jpype.JClass("java.util.HashMap")()
    for k, x in inputs.items():
        jinputs.put(jpype.JString(k), consumer.tensor_data(x))
    sig_model = consumer.java_model(sig_handle)
    java_signature = SelfTimed(lambda: bench.timeSignatureRuns(sig_model, None, jinputs, None, 0, 1)[0] / 1e9)

    with WorkerClient("java") as worker:
        wh, wsig = worker.load(spec["model"], spec["tags"]), worker.load(spec["signature_model"], ["serve"])
        through_worker, in_process = worker.run(wsig, None, inputs), consumer.run(sig_handle, None, inputs)
        if through_worker.keys() != in_process.keys() or not all(
                np.array_equal(v, through_worker[k]) for k, v in in_process.items()):
            raise TfInteropError("the worker and the bridge computed different outputs by signature, so their "
                                 "times are not comparable")
        batch_runs = interleaved_medians({"bridge": bridge(batch), "java": java_alone(batch),
                                          "worker": lambda: worker.predict(wh, inp, out, batch)},
                                         spec["warmup"], spec["repeats"])
        sig_runs = interleaved_medians({"bridge": lambda: consumer.run(sig_handle, None, inputs),
                                        "java": java_signature, "worker": lambda: worker.run(wsig, None, inputs)},
                                       spec["warmup"], spec["repeats"])
        worker.close(wh)
        worker.close(wsig)
    system = jpype.JClass("java.lang.System")
    return {"runtime": consumer.name, "jvm": f"{system.getProperty('java.vm.name')} {system.getProperty('java.version')}",
            "round_trip_s": marshal["round_trip"], "numpy_copy_s": marshal["numpy_copy"],
            "bridge_batch_s": batch_runs["bridge"], "java_batch_s": batch_runs["java"],
            "worker_batch_s": batch_runs["worker"],
            "bridge_one_s": one_runs["bridge"], "java_one_s": one_runs["java"],
            "bridge_signature_s": sig_runs["bridge"], "java_signature_s": sig_runs["java"],
            "worker_signature_s": sig_runs["worker"], "start_s": start_s, "load_run_s": load_run_s}


SIDES = {"python": python_side, "java": java_side}


def serve_side(side: str, spec_path: str, out_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    Path(out_path).write_text(json.dumps(SIDES[side](spec)))
    return 0


# --- the orchestrator -----------------------------------------------------------------------------------------

def _run_side(side: str, spec_path: Path, scratch: Path, log) -> dict:
    out = scratch / f"{side}-result.json"
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.pop("PYTHONFAULTHANDLER", None)      # the JVM's deliberate SIGSEGVs are not crashes
    log(f"bench: {side} side")
    proc = subprocess.run([sys.executable, "-m", "tfinterop.tools.bench", side, str(spec_path), str(out)],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise TfInteropError(f"the {side} side of the benchmark failed (exit status {proc.returncode}):\n"
                             + "\n".join(proc.stderr.splitlines()[-15:]))
    return json.loads(out.read_text())


def time_check(model, target=defaults.TARGET, repeats=5, log=print) -> float:
    """Median wall seconds of `tfinterop check MODEL --target TARGET` in a new interpreter, as a user runs it."""
    log(f"bench: tfinterop check ({repeats} runs)")
    command = [sys.executable, "-m", "tfinterop", "check", str(model), "--target", target]
    return float(np.median([timed_run(command, f"tfinterop check {model}", ok=(0, 1)) for _ in range(repeats)]))


def timed_run(command, what, ok=(0,)) -> float:
    """Wall seconds of one run of `command` (output discarded); an exit status outside `ok` raises, with the
    end of its stderr: a failed run's time means nothing."""
    return measured_run(command, what, ok)[0]


def measured_run(command, what, ok=(0,)) -> tuple:
    """(wall seconds, peak resident memory of the process itself in bytes) of one run of `command`, as timed_run."""
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in ok:
            err.seek(0)
            raise TfInteropError(f"{what} failed (exit status {proc.returncode}), so its time means nothing: "
                                 f"{err.read().strip()[-1500:]}")
    return elapsed, usage.ru_maxrss * 1024          # Linux reports kilobytes


def time_verify(model, tags, repeats=3, log=print) -> float:
    """Median wall seconds of `tfinterop verify MODEL` (the reference and TF Java 1.8, on synthesized inputs) in a
    new interpreter, as a user runs it."""
    log(f"bench: tfinterop verify ({repeats} runs)")
    command = [sys.executable, "-m", "tfinterop", "verify", str(model), "--examples", str(VERIFY_EXAMPLES),
               "--seed", str(VERIFY_SEED)] + [a for t in tags for a in ("--tag", t)]
    return float(np.median([timed_run(command, f"tfinterop verify {model}") for _ in range(repeats)]))


def time_fix_against_export(repeats=3, log=print) -> tuple:
    """Median wall seconds, each in a new interpreter as a user runs it, of exporting harness/corpus.py's Keras CNN
    (import TensorFlow and Keras, build the model, model.export()) and of `tfinterop fix` on that export for
    java-tf-1.8.0 (which includes verifying it in TF Java 1.8). Returns (fix, export)."""
    log(f"bench: exporting the Keras CNN and tfinterop fix of it ({repeats} runs each)")
    fixes, exports = [], []
    with tempfile.TemporaryDirectory(prefix="tfinterop-bench-fix-") as tmp:
        for i in range(repeats):
            exported, fixed = Path(tmp) / f"cnn-{i}", Path(tmp) / f"fixed-{i}"
            exports.append(timed_run([sys.executable, "-c", "import sys; from pathlib import Path; from tfinterop"
                                      ".harness import corpus; corpus.export_untrained('keras-cnn', Path(sys.argv[1]))",
                                      str(exported)], "exporting the Keras CNN"))
            fixes.append(timed_run([sys.executable, "-m", "tfinterop", "fix", str(exported), "--out", str(fixed)],
                                   f"tfinterop fix {exported}"))
    return float(np.median(fixes)), float(np.median(exports))


BIG_MODEL = "resnet50"      # harness/zoo.py's: keras.applications.ResNet50, weights=None, 64x64, 10 classes


def time_fix_big_model(repeats=2, log=print) -> dict:
    """`tfinterop fix` of ResNet50 (about 94 MB of weights) for java-tf-1.8.0 against exporting it (import
    TensorFlow and Keras, build it, model.export()), each in a new interpreter, interleaved; and the fix process's
    peak memory against a bare `import tensorflow` process's. Medians; the weights' bytes from the fixed model's
    variables/."""
    log(f"bench: exporting {BIG_MODEL} and tfinterop fix of it ({repeats} runs each)")
    runs = {"export": [], "fix": [], "bare": []}
    export = ("import sys; from pathlib import Path; import keras; from tfinterop.harness import zoo; "
              f"zoo.export(zoo.make({BIG_MODEL!r}, keras)[0], Path(sys.argv[1]))")
    with tempfile.TemporaryDirectory(prefix="tfinterop-bench-fix-big-") as tmp:
        for i in range(repeats):
            exported, fixed = Path(tmp) / f"model-{i}", Path(tmp) / f"fixed-{i}"
            runs["export"].append(measured_run([sys.executable, "-c", export, str(exported)], f"exporting {BIG_MODEL}"))
            runs["fix"].append(measured_run([sys.executable, "-m", "tfinterop", "fix", str(exported), "--out",
                                             str(fixed)], f"tfinterop fix {exported}"))
            runs["bare"].append(measured_run([sys.executable, "-c", "import tensorflow"], "import tensorflow"))
        # The fixed model's variables/ holds each weight once (Keras 3's export writes them twice: measured).
        weights = sum(f.stat().st_size for f in (Path(tmp) / "fixed-0" / "variables").glob("variables.data*"))
    median = lambda name, i: float(np.median([r[i] for r in runs[name]]))  # noqa: E731
    return {"fix_s": median("fix", 0), "export_s": median("export", 0), "fix_peak": median("fix", 1),
            "bare_peak": median("bare", 1), "weights": weights}


def time_fix_unchanged(model, repeats=3, log=print) -> tuple:
    """Median wall seconds of `tfinterop fix` of a model the target loads as it is (it is verified and copied) and of
    `tfinterop verify` of it, interleaved, each in a new interpreter: (fix, verify)."""
    log(f"bench: tfinterop fix and verify of {Path(model).name}, which TF 1.8 loads as it is ({repeats} runs each)")
    fixes, verifies = [], []
    with tempfile.TemporaryDirectory(prefix="tfinterop-bench-fix-unchanged-") as tmp:
        for i in range(repeats):
            fixes.append(timed_run([sys.executable, "-m", "tfinterop", "fix", str(model), "--out",
                                    str(Path(tmp) / f"fixed-{i}")], f"tfinterop fix {model}"))
            verifies.append(timed_run([sys.executable, "-m", "tfinterop", "verify", str(model)],
                                      f"tfinterop verify {model}"))
    return float(np.median(fixes)), float(np.median(verifies))


def verify_inputs(model, tags) -> tuple:
    """(signature key, inputs) as `tfinterop verify MODEL --examples 8 --seed 0` synthesizes them."""
    from tfinterop.commands import verify
    from tfinterop.contract import signatures
    from tfinterop.savedmodel import reader as savedmodel

    read = savedmodel.read(model)
    tags = verify.choose_tags(read, tags)
    mg = signatures.meta_graph(read, tags)
    key = signatures.choose_signature(mg.signature_def, None, tags)
    return key, signatures.synthesize(mg.signature_def[key], VERIFY_EXAMPLES, VERIFY_SEED)


def tile_rows(arrays: dict, rows: int) -> dict:
    """Each array's rows repeated to `rows` of them (the six-dtype fixture has 2: too few to time)."""
    out = {}
    for k, a in arrays.items():
        reps = (-(-rows // len(a)),) + (1,) * (a.ndim - 1)
        out[k] = np.ascontiguousarray(np.tile(a, reps)[:rows])
    return out


def time_make_test(log) -> dict:
    """`make test` as a user runs it, warm: set up already, `gradle cleanTest` first so the JUnit tests do run."""
    subprocess.run(["make", "--quiet", "setup"], cwd=paths.REPO_ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["gradle", "--console=plain", "--quiet", "cleanTest"], cwd=paths.REPO_ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log("bench: make test (this takes a while)")
    load_before = loadavg()
    start = time.perf_counter()
    proc = subprocess.run(["make", "test"], cwd=paths.REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise TfInteropError(f"`make test` failed (exit status {proc.returncode}), so its time means nothing:\n"
                             + "\n".join(proc.stdout.splitlines()[-15:]))
    return {"seconds": seconds, "loadavg_before": load_before, "loadavg_after": loadavg()}


def loadavg() -> list:
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}


def _figure(value, unit, about, goal=None):
    f = {"value": value, "unit": unit, "about": about}
    if goal is not None:
        f["goal"] = f"<= {goal}"
        f["met"] = value <= goal
    return f


def run(images: np.ndarray, model=DEFAULT_MODEL, tags=("serve",), input_name="myInput", output_name="myOutput",
        warmup=5, repeats=30, single_repeats=300, verify_repeats=3, fix_repeats=3, make_test=False,
        log=print) -> dict:
    """Runs every part and returns the report: machine, settings, figures (each with a value and a unit)."""
    from tfinterop.contract.arrays import read_npz, write_npz
    from tfinterop.contract.tolerance import compare

    n = len(images)
    started = loadavg()
    with tempfile.TemporaryDirectory(prefix="tfinterop-bench-") as tmp:
        scratch = Path(tmp)
        spec = {"model": str(Path(model).resolve()), "tags": list(tags), "images": str(scratch / "images.npy"),
                "input_name": input_name, "output_name": output_name, "output_prefix": str(scratch / "output-"),
                "warmup": warmup, "repeats": repeats, "single_repeats": single_repeats,
                "signature_model": str(SIGNATURE_MODEL), "signature_inputs": str(scratch / "signature-inputs.npz"),
                "verify_inputs": str(scratch / "verify-inputs.npz"), "js_target": JS_TARGET}
        batch = np.ascontiguousarray(images, dtype=np.float32)
        np.save(spec["images"], batch)
        write_npz(spec["signature_inputs"], tile_rows(read_npz(SIGNATURE_INPUTS), n))
        spec["verify_signature"], v_inputs = verify_inputs(model, list(tags))
        write_npz(spec["verify_inputs"], v_inputs)
        spec_path = scratch / "spec.json"
        spec_path.write_text(json.dumps(spec))
        py = _run_side("python", spec_path, scratch, log)
        java = _run_side("java", spec_path, scratch, log)
        for other in ("java", "js"):
            agreement = compare(np.load(spec["output_prefix"] + "python.npy"),
                                np.load(spec["output_prefix"] + other + ".npy"))
            if not agreement.agree:
                raise TfInteropError(f"Python TensorFlow and {other} computed different things, so their times are "
                                     f"not comparable: {agreement.reason}")
    check_s = time_check(model, repeats=min(repeats, 5), log=log)
    verify_s = time_verify(model, tags, repeats=verify_repeats, log=log)
    fix_s, export_s = time_fix_against_export(repeats=fix_repeats, log=log) if fix_repeats else (None, None)
    big = time_fix_big_model(log=log) if fix_repeats else None
    unchanged = time_fix_unchanged(DEFAULT_MODEL, repeats=fix_repeats, log=log) if fix_repeats else None
    own_load_run = py["load_run_s"] + java["load_run_s"]
    cold = own_load_run + py["start_s"] + java["start_s"]
    ms = 1e3
    figures = {
        "marshal_ratio": _figure(
            java["round_trip_s"] / java["numpy_copy_s"], "ratio",
            f"{n}x784 float32 numpy -> TF Java Tensor -> numpy, / a numpy copy of the same bytes", 1.5),
        "bridge_overhead_ratio": _figure(
            java["bridge_batch_s"] / java["java_batch_s"], "ratio",
            f"{n} images Python -> JPype -> TF Java -> Python, / the same predict looped inside Java", 1.3),
        "java_vs_python_throughput": _figure(
            py["batch_s"] / java["java_batch_s"], "ratio",
            f"images/s, TF Java {java['runtime']} inside Java / Python {py['runtime']} Session.run, batch of {n}"),
        "single_image_latency_ratio": _figure(
            java["bridge_one_s"] / py["one_s"], "ratio",
            "1 image Python -> JPype -> TF Java -> Python, / 1 image through Python TF Session.run", 2),
        "worker_batch_ratio": _figure(
            java["worker_batch_s"] / java["java_batch_s"], "ratio",
            f"{n} images through WorkerClient('java') (the harness's path), / the same predict inside Java", 1.3),
        "worker_single_image_ratio": _figure(
            py["worker_one_s"] / py["one_s"], "ratio",
            "1 image through WorkerClient('java'), / 1 image through Python TF Session.run", 3),
        "worker_signature_ratio": _figure(
            java["worker_signature_s"] / java["java_signature_s"], "ratio",
            f"{SIGNATURE_MODEL.parent.name} model's six inputs and outputs (float32 ... bool), {n} rows, by signature "
            f"through WorkerClient('java').run, / Model.runSignature looped inside Java"),
        "js_batch_ratio": _figure(
            py["js_batch_s"] / py["js_python_batch_s"], "ratio",
            f"{n} images through {py['js_runtime']}'s Node worker (WorkerClient, CPU backend), / Python TF "
            f"Session.run of the same batch, interleaved"),
        "js_single_image_ratio": _figure(
            py["js_one_s"] / py["js_python_one_s"], "ratio",
            f"1 image through {py['js_runtime']}'s Node worker, / 1 image through Python TF Session.run, interleaved"),
        "js_batch": _figure(py["js_batch_s"] * ms, "ms", f"predict {n} images via {py['js_runtime']}'s Node worker"),
        "js_single_image": _figure(py["js_one_s"] * 1e6, "us", f"1 image via {py['js_runtime']}'s Node worker"),
        "check_one_model": _figure(
            check_s, "s", f"`tfinterop check {Path(model).name} --target java-tf-1.8.0` in a new interpreter, wall", 1),
        "verify_one_model": _figure(
            verify_s, "s", f"`tfinterop verify {Path(model).name}` (python-tf and java-tf-1.8.0, synthesized inputs) "
                           f"in a new interpreter, wall"),
        "verify_ratio": _figure(
            verify_s / own_load_run, "ratio",
            "`verify_one_model` / the two runtimes' own first load + run + close of the same model and inputs"),
        "verify_cold_ratio": _figure(
            verify_s / cold, "ratio",
            "`verify_one_model` / the same plus each runtime's start (import TensorFlow; start the JVM)"),
        "numpy_copy": _figure(java["numpy_copy_s"] * ms, "ms", f"numpy copy of {n}x784 float32"),
        "marshal_round_trip": _figure(java["round_trip_s"] * ms, "ms", f"{n}x784 float32 numpy -> Tensor -> numpy"),
        "java_batch": _figure(java["java_batch_s"] * ms, "ms", f"predict {n} images inside Java (TF Java)"),
        "bridge_batch": _figure(java["bridge_batch_s"] * ms, "ms", f"predict {n} images from Python via JPype"),
        "python_tf_batch": _figure(py["batch_s"] * ms, "ms", f"predict {n} images, Python TF Session.run"),
        "worker_batch": _figure(java["worker_batch_s"] * ms, "ms", f"predict {n} images via WorkerClient('java')"),
        "java_signature": _figure(java["java_signature_s"] * ms, "ms", f"six-dtype signature, {n} rows, inside Java"),
        "bridge_signature": _figure(java["bridge_signature_s"] * ms, "ms",
                                    f"six-dtype signature, {n} rows, from Python via JPype (JavaTF.run)"),
        "worker_signature": _figure(java["worker_signature_s"] * ms, "ms",
                                    f"six-dtype signature, {n} rows, via WorkerClient('java').run"),
        "python_tf_signature": _figure(py["signature_s"] * ms, "ms", f"six-dtype signature, {n} rows, PythonTF.run"),
        "java_throughput": _figure(n / java["java_batch_s"], "images/s", "TF Java inside Java"),
        "python_tf_throughput": _figure(n / py["batch_s"], "images/s", "Python TF Session.run"),
        "java_single_image": _figure(java["java_one_s"] * 1e6, "us", "1 image inside Java (TF Java)"),
        "bridge_single_image": _figure(java["bridge_one_s"] * 1e6, "us", "1 image from Python via JPype"),
        "python_tf_single_image": _figure(py["one_s"] * 1e6, "us", "1 image, Python TF Session.run"),
        "worker_single_image": _figure(py["worker_one_s"] * 1e6, "us", "1 image via WorkerClient('java')"),
        "python_tf_start": _figure(py["start_s"], "s", "import TensorFlow and make the consumer, in a new process"),
        "java_tf_start": _figure(java["start_s"], "s", "start the JVM and load TF Java, in a new process"),
        "python_tf_load_run": _figure(py["load_run_s"] * ms, "ms", f"first load + run + close of {Path(model).name}, "
                                                                  f"Python TF, verify's inputs"),
        "java_tf_load_run": _figure(java["load_run_s"] * ms, "ms", f"first load + run + close of {Path(model).name}, "
                                                                 f"TF Java, verify's inputs"),
    }
    if fix_s is not None:
        figures["fix_keras_cnn"] = _figure(
            fix_s, "s", "`tfinterop fix` of a Keras 3 CNN (Conv2D, BatchNormalization, Dropout) for java-tf-1.8.0, "
                        "its verification included, in a new interpreter, wall")
        figures["fix_to_export_ratio"] = _figure(
            fix_s / export_s, "ratio", "`fix_keras_cnn` / exporting the same model (import TensorFlow and Keras, "
                                       "build it, model.export()) in a new interpreter", 3)
    if big is not None:
        mb = 1 << 20
        figures["fix_resnet50"] = _figure(big["fix_s"], "s", f"`tfinterop fix` of ResNet50 (weights=None, 64x64, "
                                          f"{big['weights'] / mb:.0f} MB of weights) for java-tf-1.8.0, verification "
                                          f"included, in a new interpreter, wall")
        figures["fix_resnet50_to_export_ratio"] = _figure(
            big["fix_s"] / big["export_s"], "ratio", "`fix_resnet50` / exporting the same model (import TensorFlow "
                                                     "and Keras, build it, model.export()) in a new interpreter", 3)
        figures["fix_resnet50_memory_ratio"] = _figure(
            (big["fix_peak"] - big["bare_peak"]) / big["weights"], "ratio",
            f"the fix process's peak memory ({big['fix_peak'] / mb:.0f} MB) above a bare `import tensorflow` "
            f"process's ({big['bare_peak'] / mb:.0f} MB), / the model's weights", 3)
    if unchanged is not None:
        figures["fix_unchanged_to_verify_ratio"] = _figure(
            unchanged[0] / unchanged[1], "ratio", f"`tfinterop fix {Path(DEFAULT_MODEL).name}` (TF 1.8 loads it as it "
                                                  f"is: verified, then copied; {unchanged[0]:.2f} s) / `tfinterop "
                                                  f"verify` of it ({unchanged[1]:.2f} s), new interpreters", 1.5)
    report = {"machine": {**machine(), "loadavg_start": started},
              "runtimes": {"python": py["runtime"], "python_threads": py["threads"], "java": java["runtime"],
                           "jvm": java["jvm"]},
              "settings": {"images": n, "model": str(model), "tags": list(tags), "warmup": warmup,
                           "repeats": repeats, "single_image_repeats": single_repeats,
                           "verify_repeats": verify_repeats, "fix_repeats": fix_repeats},
              "figures": figures}
    if make_test:
        t = time_make_test(log)
        figures["make_test_wall_time"] = _figure(t["seconds"], "s", "`make test`, warm (set up, gradle cleanTest)", 120)
        report["machine"]["loadavg_make_test"] = {"before": t["loadavg_before"], "after": t["loadavg_after"]}
    report["machine"]["loadavg_end"] = loadavg()
    return report


# --- output ---------------------------------------------------------------------------------------------------------

def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown_table(report: dict) -> str:
    m, r, s = report["machine"], report["runtimes"], report["settings"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['os']}; load average (1/5/15 min) "
             f"{' '.join(map(str, m['loadavg_start']))} at the start, {' '.join(map(str, m['loadavg_end']))} at the end.",
             f"Runtimes: {r['python']} (intra-op threads {r['python_threads']['intra_op']}, inter-op "
             f"{r['python_threads']['inter_op']}; 0 = TensorFlow's default), {r['java']} on {r['jvm']}.",
             f"Model {Path(s['model']).name} [{', '.join(s['tags'])}], {s['images']} MNIST test images; medians of "
             f"{s['repeats']} runs ({s['single_image_repeats']} for one image) after {s['warmup']} warm-up runs.",
             "", "| figure | value | unit | goal | what |", "|---|---|---|---|---|"]
    for name, f in report["figures"].items():
        goal = "" if "goal" in f else "-"
        if "goal" in f:
            goal = f"{f['goal']} ({'met' if f['met'] else 'not met'})"
        lines.append(f"| `{name}` | {_fmt(f['value'])} | {f['unit']} | {goal} | {f['about']} |")
    if "loadavg_make_test" in m:
        lt = m["loadavg_make_test"]
        lines.append("")
        lines.append(f"Load average around `make test`: {' '.join(map(str, lt['before']))} before, "
                     f"{' '.join(map(str, lt['after']))} after.")
    return "\n".join(lines)


def check_markdown_target(path: Path, overwrite: bool = False) -> None:
    """Refuses (before a minute of benchmarking) a file that has text of someone's but no markers."""
    if path.is_file() and not overwrite:
        text = path.read_text()
        if not 0 <= text.find(MARKDOWN_BEGIN) < text.find(MARKDOWN_END):
            raise OutputExistsError(f"{path} exists and has no generated-table markers; pass --overwrite to replace it")


def write_markdown(path: Path, report: dict, overwrite: bool = False) -> None:
    """Replaces the generated table between the markers, keeping what people wrote around it."""
    check_markdown_target(path, overwrite)
    text = path.read_text() if path.exists() else None
    begin, end = (-1, -1) if text is None else (text.find(MARKDOWN_BEGIN), text.find(MARKDOWN_END))
    block = f"{MARKDOWN_BEGIN}\n{markdown_table(report)}\n{MARKDOWN_END}"
    if text is not None:
        if begin >= 0 and end > begin:
            text = text[:begin] + block + text[end + len(MARKDOWN_END):]
        else:
            text = f"# Benchmarks\n\n{block}\n"
    else:
        text = f"# Benchmarks\n\n`tfinterop bench` wrote this table; `make bench` regenerates it.\n\n{block}\n"
    outputs.write_text(path, text, "--markdown")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SIDES:
        print("usage: python -m tfinterop.tools.bench python|java SPEC.json OUT.json  (one side; `tfinterop bench` runs both)",
              file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(serve_side(*sys.argv[1:]))
