"""The bad-input catalogue (fixtures/bad-inputs/catalogue.json) through every Python entry point: the
worker API of both runtimes (and of TensorFlow.js's Node worker, held to Python's results), and `tfinterop
predict --runtime python|java` as a user runs it. Each
case gives its typed error (kind, and what it must mention) and the worker survives it, or gives a
result, which must also agree between the two runtimes. A case with `inputs` is a call by signature: its .npz
is read as `predict --inputs` reads it (arrays.read_npz) and run through each worker's `run`, and given to
`tfinterop predict --inputs`. The Java library and the Java command line run the same catalogue in
BadInputCatalogueTest.java."""

import concurrent.futures
import os
from pathlib import Path

import numpy as np
import pytest

import catalogue
from conftest import cli
from tfinterop.contract import arrays
from tfinterop.contract.tolerance import compare
from tfinterop.core.errors import EXIT_CODES, TfInteropError

CASES = catalogue.cases()
FULL = os.environ.get("TFINTEROP_FULL_FAULTS") == "1"
BIG = 10_000      # rows: a case past it is a size case (the 100,000-row batch: 314 MB through each runtime)
# The worker API test runs every case; in `make test` all but the size case, which costs 13 s of the suite's
# wall time and runs in `make test-faults` (TFINTEROP_FULL_FAULTS=1), which CI runs too.
MODEL_CASES = [c for c in CASES if "output" not in c and (FULL or c.get("input", {}).get("shape", [0])[0] <= BIG)]


def test_the_catalogue_is_big_enough():
    assert len(CASES) >= 20 and len({c["id"] for c in CASES}) == len(CASES)


def outcome(worker, case, directory, inputs_file):
    """('ok', y) or ('error', TfInteropError); the worker must survive either way. A call by signature reads its
    .npz first, before the model loads, as `predict --inputs` does; y is then {output key: array}."""
    handle = None
    try:
        inputs = arrays.read_npz(inputs_file) if inputs_file else None
        handle = worker.load(directory, catalogue.tags(case))
        if inputs is not None:
            return "ok", worker.run(handle, case.get("signature"), inputs, case.get("output_keys"))
        return "ok", worker.predict(handle, case.get("input_name", "myInput"), case.get("output_name", "myOutput"),
                                    catalogue.build_input(case))
    except TfInteropError as e:
        return "error", e
    finally:
        assert worker.alive, f"the {worker.runtime} worker died on {case['id']}"
        if handle is not None:
            worker.close(handle)


def check_error(case, runtime, e):
    expect = case["expect"]
    assert "ok" not in expect, f"{runtime}: {case['id']} should have worked but gave {e.kind}: {e}"
    assert e.kind == expect["kind"], f"{runtime}: {case['id']}: expected {expect['kind']}, got {e.kind}: {e}"
    for word in expect.get("mentions", []):
        assert word in str(e), f"{runtime}: {case['id']}: the message should mention {word!r}: {e}"


def check_ok(case, y):
    if "outputs" in case["expect"]:
        catalogue.check_outputs(case, y)
    else:
        catalogue.check_result(case, y)


def agree(case, y_python, y_java):
    """The runtimes agree: NaN where the other has NaN, and within the tolerance contract elsewhere."""
    if isinstance(y_python, dict):      # a call by signature: every output, each under its dtype's contract
        assert sorted(y_python) == sorted(y_java), f"{case['id']}: outputs {sorted(y_python)} and {sorted(y_java)}"
        for k in y_python:
            result = compare(y_python[k], y_java[k])
            assert result.agree, f"{case['id']}: {k}: {result.reason}"
        return
    assert (np.isnan(y_python) == np.isnan(y_java)).all(), f"{case['id']}: NaN positions differ between runtimes"
    finite = ~np.isnan(y_python).any(axis=1)
    if finite.any():
        result = compare(y_python[finite], y_java[finite])
        assert result.agree, f"{case['id']}: {result.reason}"


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c["id"] for c in MODEL_CASES])
def test_worker_api(case, tmp_path, python_worker, java_worker):
    directory = catalogue.build_model(case, tmp_path)
    inputs_file = catalogue.write_inputs(case, tmp_path) if "inputs" in case else None
    results = {}
    for runtime, worker in (("python", python_worker), ("java", java_worker)):
        status, value = outcome(worker, case, directory, inputs_file)
        if status == "error":
            check_error(case, runtime, value)
        else:
            assert "ok" in case["expect"], f"{runtime}: {case['id']} should fail with {case['expect']['kind']}"
            check_ok(case, value)
            results[runtime] = value
    if results:
        agree(case, results["python"], results["java"])


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c["id"] for c in MODEL_CASES])
def test_worker_api_of_the_javascript_consumer(case, tmp_path, python_worker, js_worker):
    """The same catalogue through TensorFlow.js's Node worker: the same kinds, and results that agree with Python's."""
    directory = catalogue.build_model(case, tmp_path)
    inputs_file = catalogue.write_inputs(case, tmp_path) if "inputs" in case else None
    status, value = outcome(js_worker, case, directory, inputs_file)
    beyond = catalogue.beyond("js-tfjs", case)
    # A model tfjs cannot load: that, in tfjs's words, is the answer to every case on it, but those whose .npz is
    # unreadable (read before the model loads, as `predict --inputs` reads it).
    if beyond is not None and case["expect"].get("kind") != "npy-format":
        assert status == "error", f"js: {case['id']}: tfjs loaded a model the catalogue says it cannot: {value}"
        check_error({**case, "expect": beyond}, "js", value)
        return
    if status == "error":
        check_error(case, "js", value)
        return
    assert "ok" in case["expect"], f"js: {case['id']} should fail with {case['expect']['kind']}"
    check_ok(case, value)
    python_status, y_python = outcome(python_worker, case, directory, inputs_file)
    assert python_status == "ok", f"python: {case['id']}: {y_python}"
    agree(case, y_python, value)


def run_cli(case, root, runtime):
    directory = catalogue.build_model(case, root)
    out_dir, read_only = root, None
    if case.get("output") == "read-only":
        read_only = catalogue.ReadOnlyDir(root / "read-only")
        out_dir = read_only.path
    if "inputs" in case:
        y_path = out_dir / "y.npz"
        args = ["predict", directory, "--runtime", runtime, "--inputs", catalogue.write_inputs(case, root),
                "--outputs", y_path] + (["--signature", case["signature"]] if "signature" in case else [])
    else:
        x_path = root / "x.npy"
        np.save(x_path, catalogue.build_input(case), allow_pickle=False)
        y_path = out_dir / "y.npy"
        args = ["predict", directory, "--runtime", runtime, "--input", x_path, "--output", y_path]
    if case.get("output") == "exists":
        y_path.write_bytes(b"precious")
    y_path, args, guarded = place_output(case, directory, args, y_path)
    for t in catalogue.tags(case):
        args += ["--tag", t]
    for option in ("input_name", "output_name"):
        if option in case:
            args += ["--" + option.replace("_", "-"), case[option]]
    try:
        r = cli(*args)
        if guarded is not None:
            assert catalogue.snapshot(guarded[0]) == guarded[1], f"{case['id']}: the model or its input changed"
        y = None if r.returncode != 0 else catalogue.load_npz(y_path) if "inputs" in case else np.load(y_path)
        leftovers = sorted(p.name for p in out_dir.iterdir() if p.name != y_path.name)
        written = y_path.read_bytes() if y_path.exists() and case.get("output") == "exists" else None
    finally:
        if read_only:
            read_only.close()
    return r, y, leftovers, written


def place_output(case, directory, args, y_path):
    """The output of the cases that name a place no output may go (catalogue README: `output`): (its path, the
    arguments with it, and (the folder to hold unchanged, its snapshot) or None)."""
    where = case.get("output")
    if where not in ("inside-model", "is-input", "directory"):
        return y_path, args, None
    flag = "--outputs" if "--outputs" in args else "--output"
    source = Path(args[args.index("--inputs" if flag == "--outputs" else "--input") + 1])
    new = {"inside-model": Path(directory) / y_path.name, "is-input": source, "directory": y_path.parent}[where]
    args = list(args)
    args[args.index(flag) + 1] = new
    root = Path(directory).parent
    return new, args + ["--overwrite"], (root, catalogue.snapshot(root))


def cli_runtimes(case):
    """The runtimes a case's command line runs in. What either runtime answers reaches the command line
    through the same adapter the worker API test drives with every case, and the output file is the
    command line's own, so in `make test` a case runs through `--runtime python` only (a fork, not a JVM's
    start) unless its point is the model's path (spaces, non-ASCII, a symlink), which crosses into the
    JVM in `--runtime java`: those run through both, whose results must agree. `make test-faults` runs
    every case through both."""
    model = case["model"]
    path_case = "ok" in case["expect"] and (model.get("name") or model.get("symlink"))
    return ("python", "java") if FULL or path_case else ("python",)


def cli_cases():
    """Every case costs processes (see cli_runtimes; a JVM's start is about 2 CPU-seconds), so `make test` runs
    the command line on one case per expected error kind and input form (an .npy, or an .npz by signature: two
    code paths of `predict`) plus every case with a result or an output file, except the
    size case (100,000 rows: 314 MB through each command line's .npy read and write, 10 CPU-seconds);
    TFINTEROP_FULL_FAULTS=1 (`make test-faults`) runs all of them. The worker API test runs all but the size
    case, and that too in `make test-faults`. A case that names the output
    keys to fetch has no command line (predict --outputs writes every output): the worker API test runs it."""
    runnable = [c for c in CASES if "output_keys" not in c]
    if FULL:
        return runnable
    chosen, seen = [], set()
    for c in runnable:
        kind, form = c["expect"].get("kind"), "inputs" in c
        if c.get("input", {}).get("shape", [0])[0] > BIG:
            continue
        if kind is None or "output" in c or (kind, form) not in seen:
            chosen.append(c)
            seen.add((kind, form))
    return chosen


@pytest.fixture(scope="module")
def command_line_runs(request, tmp_path_factory, java_built):
    """Every selected case's `tfinterop predict` in its runtimes (cli_runtimes), started up front two
    processes at a time, so a Java run (a JVM's start: about 2 s) overlaps other cases' Python runs (forks
    of the fork server: a fraction of a second). Each test below takes its case's results (or their error)."""
    selected = {item.callspec.params["case"]["id"] for item in request.session.items
                if item.originalname == "test_command_line" and item.module is request.module}
    pool = concurrent.futures.ThreadPoolExecutor(2)
    runs = {}
    for case in (c for c in cli_cases() if c["id"] in selected):
        for runtime in cli_runtimes(case):
            root = tmp_path_factory.mktemp(f"cli-{case['id']}") / runtime
            root.mkdir()
            runs[case["id"], runtime] = pool.submit(run_cli, case, root, runtime)
    yield runs
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("case", cli_cases(), ids=[c["id"] for c in cli_cases()])
def test_command_line(case, command_line_runs):
    runs = {rt: command_line_runs[case["id"], rt].result() for rt in cli_runtimes(case)}
    expect = case["expect"]
    for runtime, (r, y, leftovers, written) in runs.items():
        assert "Traceback" not in r.stderr and r.returncode >= 0, f"{runtime}: crashed: {r.stderr[-2000:]}"
        if "ok" in expect:
            assert r.returncode == 0, f"{runtime}: {case['id']}: {r.stderr[-2000:]}"
            check_ok(case, y)
        else:
            code = EXIT_CODES[expect["kind"]]
            assert r.returncode == code, f"{runtime}: {case['id']}: exit {r.returncode}, not {code}: {r.stderr[-2000:]}"
            assert f"error: {expect['kind']}:" in r.stderr, f"{runtime}: {case['id']}: {r.stderr[-2000:]}"
            for word in expect.get("mentions", []):
                assert word in r.stderr, f"{runtime}: {case['id']}: should mention {word!r}: {r.stderr[-2000:]}"
            if case.get("output") == "exists":
                assert written == b"precious", "the existing output was overwritten"
        inputs = {"x.npy", "inputs.npz", "inputs.npy", "read-only", "link-to-model", case["model"].get("name", "model"),
                  "python", "java"}
        assert not [p for p in leftovers if p not in inputs], f"{runtime}: partial files left: {leftovers}"
    if "ok" in expect and len(runs) == 2:
        agree(case, runs["python"][1], runs["java"][1])
