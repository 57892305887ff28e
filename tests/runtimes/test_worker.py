"""WorkerClient (runtimes/worker.py) against stand-in workers that import numpy only: a worker that ignores the
optional fields of "predict" (as legacy/consumer.py does) still gets its input and gives its output as files;
a worker that dies or hangs in the middle of a call is a WorkerCrashedError with its signal and the end of its
stderr. Then the real worker's output buffer, when an output does not fit in it at first."""

import json
import sys
import time

import numpy as np
import pytest

from conftest import forked_worker
from tfinterop.contract.arrays import read_npz
from tfinterop.contract.tolerance import compare
from tfinterop.core import paths
from tfinterop.core.errors import WorkerCrashedError
from tfinterop.runtimes import worker as worker_module
from tfinterop.runtimes.worker import WorkerClient

# The protocol as a worker knew it before the optional fields: the input and the output are .npy files. It
# logs each request's fields to stderr; input_name "abort" or "hang" makes it die or stop answering.
OLD_PROTOCOL_WORKER = """
import json, os, sys, time
import numpy as np
out = os.fdopen(os.dup(1), "w", buffering=1)
out.write(json.dumps({"ok": True, "result": {"name": "old", "version": "0"}}) + "\\n")
for line in sys.stdin:
    r = json.loads(line)
    sys.stderr.write("request " + json.dumps(sorted(r)) + "\\n")
    sys.stderr.flush()
    if r["input_name"] == "abort":
        sys.stderr.write("about to abort\\n"); sys.stderr.flush(); os.abort()
    if r["input_name"] == "hang":
        sys.stderr.write("hanging now\\n"); sys.stderr.flush(); time.sleep(3600)
    x = np.load(r["input"], allow_pickle=False)
    np.save(r["output"], x.sum(axis=1, keepdims=True) * 2, allow_pickle=False)
    out.write(json.dumps({"ok": True, "result": {"shape": [len(x), 1]}}) + "\\n")
"""


def old_worker(timeout=60.0):
    return WorkerClient("python", command=[sys.executable, "-c", OLD_PROTOCOL_WORKER], timeout=timeout)


def requests_seen(worker):
    return [json.loads(line[len("request "):]) for line in worker.stderr_tail(100).splitlines()
            if line.startswith("request ")]


def test_a_worker_that_ignores_the_optional_fields_gets_and_gives_files():
    rng = np.random.RandomState(0)
    with old_worker() as w:
        for x in (rng.rand(5, 4), rng.rand(5, 4), rng.rand(3, 4), rng.rand(5, 4).astype(np.float32)):
            assert np.array_equal(w.predict(0, "in", "out", x), x.sum(axis=1, keepdims=True) * 2)
        assert np.array_equal(w.predict(0, "in", "out", [[1.0, 2.0]]), [[6.0]])     # not an array: a file of its own
        seen = requests_seen(w)
    assert len(seen) == 5 and all({"input", "output"} <= set(r) for r in seen)
    assert "output_buffer" in seen[0] and "input_kept" in seen[0]
    # it wrote the output file although the buffer was big enough: the client stopped offering one
    assert not any("output_buffer" in r for r in seen[1:])


def test_a_worker_that_dies_mid_call_is_a_crash_with_its_signal_and_stderr():
    with old_worker() as w:
        w.predict(0, "in", "out", np.ones((2, 3)))
        with pytest.raises(WorkerCrashedError) as e:
            w.predict(0, "abort", "out", np.ones((2, 3)))
        assert not w.alive
    assert e.value.signal == "SIGABRT" and not e.value.hung and "about to abort" in e.value.stderr_tail


def test_a_worker_that_does_not_answer_is_killed_at_the_deadline():
    with old_worker(timeout=1.0) as w:
        w.predict(0, "in", "out", np.ones((2, 3)))
        start = time.monotonic()
        with pytest.raises(WorkerCrashedError) as e:
            w.predict(0, "hang", "out", np.ones((2, 3)))
        waited = time.monotonic() - start
        assert not w.alive
    assert e.value.hung and e.value.signal == "SIGKILL" and "hanging now" in e.value.stderr_tail
    assert 1.0 <= waited < 30, waited
    assert "did not answer within 1 s" in str(e.value)


def test_an_output_larger_than_the_buffer_comes_as_a_file_once_then_in_a_larger_buffer(monkeypatch, subset):
    monkeypatch.setattr(worker_module, "OUTPUT_BUFFER_BYTES", 64)
    images = subset[0][:50]                       # 50 x 10 float32 predictions: 2,000 bytes
    dtypes = paths.GOLDEN / "dtypes"
    inputs, expected = read_npz(dtypes / "inputs.npz"), read_npz(dtypes / "expected.npz")
    with WorkerClient("python", spawn=forked_worker) as w:
        handle = w.load(paths.GOLDEN / "compat-serve", ["serve"])
        first = w.predict(handle, "myInput", "myOutput", images)
        assert w._out.capacity >= first.nbytes > 64   # the next call has room
        again = w.predict(handle, "myInput", "myOutput", np.ascontiguousarray(images[::-1]))
        assert compare(first[::-1], again).agree and not compare(first, again).agree
        w.close(handle)
        handle = w.load(dtypes / "model", ["serve"])
        tiled = {k: np.ascontiguousarray(np.concatenate([v] * 40)) for k, v in inputs.items()}
        small = w._out.capacity
        for given, factor in ((inputs, 1), (tiled, 40), (tiled, 40)):
            got = w.run(handle, None, given)
            assert set(got) == set(expected)
            for k, want in expected.items():
                want = np.concatenate([want] * factor)
                assert got[k].dtype == want.dtype and compare(want, got[k]).agree, k
        assert w._out.capacity > small                  # the 40-fold outputs did not fit at first
        w.close(handle)


def test_the_java_workers_native_library_goes_with_its_scratch_folder(java_built):
    """TF Java unpacks its native library into java.io.tmpdir at every start and leaves it to deleteOnExit, which
    a worker ending with os._exit never runs: the client gives the JVM its own scratch folder and removes it."""
    from pathlib import Path
    w = WorkerClient("java")
    try:
        handle = w.load(str(paths.FIXTURES / "golden" / "compat-serve"), ["serve"])
        w.close(handle)
        scratch = Path(w._scratch.name)                      # noqa: SLF001 -- where the client keeps its files
        unpacked = list((scratch / "jvm-tmp").glob("tensorflow_native_libraries-*/*.so*"))
        assert unpacked, f"TF Java's native library was unpacked somewhere else than {scratch / 'jvm-tmp'}"
    finally:
        w.close_worker()
    assert not scratch.exists()
