"""A consumer in a process of its own, behind the same interface as an in-process one.

Protocol: one JSON request per line on the worker's stdin, one JSON reply per line on a private copy of
its stdout; the real fd 1 is pointed at stderr so that anything a native library prints can never
corrupt the protocol. Arrays travel as .npy files in a folder the client owns; the worker memory-maps
its input, and the client reuses one input file while the shape stays the same (see WorkerClient._stage).

    {"op": "info"}                                          -> {"name": ..., "version": ...}
    {"op": "load", "dir": D, "tags": [..], "allow_untrusted": false}  -> {"handle": H}
    {"op": "predict", "handle": H, "input_name": ..., "output_name": ..., "input": X.npy, "output": Y.npy}
    {"op": "predict_signature", "handle": H, "signature": KEY, "input_key": K|null, "output_key": K|null,
     "input": X.npy, "output": Y.npy}
    {"op": "run", "handle": H, "signature": KEY|null, "inputs": X.npz, "output_keys": [K, ...]|null,
     "outputs": Y.npz}                                      -> {"outputs": {K: {"dtype", "shape"}}}
    {"op": "close", "handle": H}
    error replies: {"ok": false, "error": {"kind": ..., "message": ..., "runtime_message": ...}}

If the worker dies (a native crash) or does not answer in time, the client raises WorkerCrashedError
with the signal and the end of its stderr, and the caller records it as that cell's outcome.

Run one by hand: python -m tfinterop.runtimes.worker java
"""

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tfinterop.errors import TfInteropError, WorkerCrashedError, from_kind

DEFAULT_TIMEOUT = 300.0


def serve(runtime: str) -> int:
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from tfinterop.runtimes import open_consumer
    try:
        consumer = open_consumer(runtime)
    except TfInteropError as e:
        replies.write(json.dumps({"ok": False, "error": e.to_json()}) + "\n")
        return 1
    replies.write(json.dumps({"ok": True, "result": {"name": consumer.name, "version": consumer.version}}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = _handle(consumer, request)
            reply = {"ok": True, "result": result}
        except TfInteropError as e:
            reply = {"ok": False, "error": e.to_json()}
        except Exception as e:  # noqa: BLE001  -- an unforeseen error is still an answer, not a dead worker
            reply = {"ok": False, "error": {"kind": "error", "message": f"{type(e).__name__}: {e}"}}
        replies.write(json.dumps(reply) + "\n")
    return 0


def _map_input(path):
    # Mapped, not read: the consumer copies it once into its own tensor anyway. Copy-on-write ("c") keeps
    # it writable (JPype's direct buffers need that) without ever writing to the client's file.
    return np.load(path, mmap_mode="c", allow_pickle=False)


def _handle(consumer, request):
    op = request["op"]
    if op == "info":
        return {"name": consumer.name, "version": consumer.version}
    if op == "load":
        return {"handle": consumer.load(request["dir"], request["tags"],
                                        allow_untrusted=bool(request.get("allow_untrusted", False)))}
    if op == "predict":
        x = _map_input(request["input"])
        y = consumer.predict(request["handle"], request["input_name"], request["output_name"], x)
        np.save(request["output"], y, allow_pickle=False)
        return {"shape": list(y.shape)}
    if op == "predict_signature":
        x = _map_input(request["input"])
        y = consumer.predict_signature(request["handle"], request["signature"], request["input_key"],
                                       request["output_key"], x)
        np.save(request["output"], y, allow_pickle=False)
        return {"shape": list(y.shape)}
    if op == "run":
        from tfinterop.feeds import read_npz, write_npz
        outputs = consumer.run(request["handle"], request["signature"], read_npz(request["inputs"]),
                               request["output_keys"])
        write_npz(request["outputs"], outputs)
        return {"outputs": {k: {"dtype": str(v.dtype), "shape": list(v.shape)} for k, v in outputs.items()}}
    if op == "close":
        consumer.close(request["handle"])
        return {}
    raise TfInteropError(f"unknown worker request {op!r}")


def stop_child(proc: subprocess.Popen, timeout: float) -> None:
    """Ends a worker that reads requests from stdin: EOF first, so it can close what it holds; killed if
    it has not gone within `timeout` seconds."""
    if proc.poll() is None:
        proc.stdin.close()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.stdout.close()


def _popen(command, env, stderr) -> subprocess.Popen:
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env)


class LineChild:
    """A child process that answers each request line with one line on stdout: its stderr goes to a file
    in `scratch`; a reply is awaited with a deadline. A child that dies, or does not answer in time (it is
    then killed), raises WorkerCrashedError saying how, with the end of its stderr. WorkerClient and the
    fuzzer's Java LoadWorker share it."""

    def __init__(self, label: str, command, env, scratch: Path, timeout: float, spawn=None):
        self.label, self.timeout = label, timeout
        self._stderr_path = Path(scratch) / f"{label}-stderr-{time.monotonic_ns()}.log"
        self._stderr = open(self._stderr_path, "wb")
        self.proc = (spawn or _popen)(command, env, self._stderr)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self, lines=20) -> str:
        self._stderr.flush()
        return "\n".join(self._stderr_path.read_text(errors="replace").splitlines()[-lines:])

    def send(self, line: bytes, what: str) -> None:
        if self.proc.poll() is not None:
            raise WorkerCrashedError(f"{self.label} worker is no longer running (status {self.proc.returncode}); "
                                     f"cannot do {what}", signal=_signal_name(self.proc.returncode),
                                     stderr_tail=self.stderr_tail())
        try:
            self.proc.stdin.write(line)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass    # the reply read after this says how the child died

    def read_line(self, what: str) -> bytes:
        deadline = time.monotonic() + self.timeout
        fd = self.proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.proc.kill()
                self.proc.wait()
                tail = self.stderr_tail()
                raise WorkerCrashedError(f"{self.label} worker did not answer within {self.timeout:.0f} s while "
                                         f"{what}; it was killed. stderr ends with:\n{tail}",
                                         signal="SIGKILL", hung=True, stderr_tail=tail)
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                break
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            how = f"killed by signal {_signal_name(code)}" if code < 0 else f"exited with status {code}"
            tail = self.stderr_tail()
            raise WorkerCrashedError(f"{self.label} worker {how} while {what}. stderr ends with:\n{tail}",
                                     signal=_signal_name(code), stderr_tail=tail)
        return line

    def stop(self, timeout: float = 30) -> None:
        stop_child(self.proc, timeout)
        self._stderr.close()


def _signal_name(code):
    return signal.Signals(-code).name if code is not None and code < 0 else None


class WorkerClient:
    """A consumer running in a child process. Use as a context manager; close() ends the process."""

    def __init__(self, runtime: str, python: str = sys.executable, timeout: float = DEFAULT_TIMEOUT, env=None,
                 command=None, spawn=None):
        """`command` replaces `python -m tfinterop.runtimes.worker runtime`, for a testee that speaks the same
        protocol without this package (tfinterop/legacy/consumer.py under an old Python). `spawn(command, env,
        stderr)` starts it instead of subprocess.Popen: it returns a process with the same stdin/stdout pipes,
        poll, wait, kill and returncode (the test suite's fork server, tests/forkserver.py)."""
        self.runtime = runtime
        self.timeout = timeout
        self._scratch = tempfile.TemporaryDirectory(prefix=f"tfinterop-{runtime}-")
        child_env = dict(os.environ if env is None else env)
        child_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        child_env.pop("PYTHONFAULTHANDLER", None)
        self._child = LineChild(runtime, command or [python, "-m", "tfinterop.runtimes.worker", runtime], child_env,
                                Path(self._scratch.name), timeout, spawn)
        self._calls = 0
        self._staged = None           # (shape, dtype, path, memmap): the reusable input file, see _stage
        hello = self._reply(f"starting the {runtime} worker")
        self.name = hello["name"]
        self.version = hello["version"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close_worker()

    @property
    def alive(self) -> bool:
        return self._child.alive

    def stderr_tail(self, lines=20) -> str:
        return self._child.stderr_tail(lines)

    def _reply(self, what):
        reply = json.loads(self._child.read_line(what))
        if not reply["ok"]:
            err = reply["error"]
            raise from_kind(err["kind"], err["message"], err.get("runtime_message"))
        return reply["result"]

    def _call(self, what, **request):
        self._child.send((json.dumps(request) + "\n").encode(), what)
        return self._reply(what)

    def load(self, directory, tags, allow_untrusted=False):
        return self._call(f"loading {directory} [{', '.join(tags)}]", op="load", dir=str(directory),
                          tags=list(tags), allow_untrusted=allow_untrusted)["handle"]

    def predict(self, handle, input_name, output_name, x):
        return self._predict(x, f"predicting with model {handle}", op="predict", handle=handle,
                             input_name=input_name, output_name=output_name)

    def predict_signature(self, handle, key, input_key, output_key, x):
        return self._predict(x, f"predicting with model {handle}, signature {key!r}", op="predict_signature",
                             handle=handle, signature=key, input_key=input_key, output_key=output_key)

    def _predict(self, x, what, **request):
        self._calls += 1
        x_path, one_off = self._stage(x)
        y_path = Path(self._scratch.name) / f"out-{self._calls}.npy"
        try:
            self._call(what, input=str(x_path), output=str(y_path), **request)
            return np.load(y_path, allow_pickle=False)
        finally:
            if one_off:
                x_path.unlink(missing_ok=True)
            y_path.unlink(missing_ok=True)

    def _stage(self, x):
        """Writes x as an .npy file for the worker, which maps it rather than reading it. Consecutive inputs of
        one shape and dtype reuse one file, whose pages stay resident: a call then costs one copy into memory
        the worker already has mapped, not a new file (10,000 images: about 34 ms of np.save per call before).
        Returns (path, whether to delete it after the call)."""
        if not isinstance(x, np.ndarray) or x.dtype.hasobject or x.size == 0:
            path = Path(self._scratch.name) / f"in-{self._calls}.npy"
            np.save(path, x, allow_pickle=False)     # odd inputs go as they are; the worker judges them
            return path, True
        if self._staged is None or self._staged[:2] != (x.shape, x.dtype):
            if self._staged is not None:
                self._staged[2].unlink(missing_ok=True)
            path = Path(self._scratch.name) / f"in-{self._calls}.npy"
            self._staged = (x.shape, x.dtype, path,
                            np.lib.format.open_memmap(path, mode="w+", dtype=x.dtype, shape=x.shape))
        self._staged[3][...] = x
        return self._staged[2], False

    def run(self, handle, signature_key, inputs: dict, output_keys=None) -> dict:
        """The signature-first call (see the consumers' run): {input key: array} -> {output key: array}."""
        self._calls += 1
        x_path = Path(self._scratch.name) / f"in-{self._calls}.npz"
        y_path = Path(self._scratch.name) / f"out-{self._calls}.npz"
        from tfinterop.feeds import write_npz
        write_npz(x_path, inputs)
        try:
            self._call(f"running model {handle}, signature {signature_key!r}", op="run", handle=handle,
                       signature=signature_key, inputs=str(x_path), output_keys=output_keys, outputs=str(y_path))
            with np.load(y_path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        finally:
            x_path.unlink(missing_ok=True)
            y_path.unlink(missing_ok=True)

    def close(self, handle):
        self._call(f"closing model {handle}", op="close", handle=handle)

    def close_worker(self):
        self._child.stop(timeout=30)
        self._staged = None
        self._scratch.cleanup()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m tfinterop.runtimes.worker python|java", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(serve(sys.argv[1]))
