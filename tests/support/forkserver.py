"""A fork server for the suite's Python processes: one process imports TensorFlow once, and every Python
command line the tests start (`python -m tfinterop ...`, `python -c ...`, `python script.py ...`) is a
fork of it instead of a new interpreter.

Why: `import tensorflow` costs about 4 CPU-seconds on these 2-core machines, and the suite starts some
forty command lines; that import was most of `make test`'s time (BENCHMARKS.md). A fork is a process of
its own all the same: its own pid, standard streams (the caller's file descriptors, passed over the
socket), working directory, environment, exit status (negative for a signal, as `subprocess` reports),
and it can be killed at any moment. What it cannot show is a fault in starting Python or importing
TensorFlow, or an environment variable read at import time; `conftest.cli_fresh` starts a real new
interpreter for the tests that are about that. A process that will start the JVM in-process
(`predict --runtime java`) must not be a fork of a TensorFlow process, so `conftest` starts those afresh.

The protocol, on a Unix socket: the client sends one JSON request (args after `python`, cwd, env) with
its stdin/stdout/stderr descriptors attached; the server forks a handler for the connection, the handler
forks the runner, sends {"pid": N}, waits for it and sends {"returncode": R}.

Run as `python forkserver.py SOCKET`: prints "ready" once TensorFlow is imported; exits when its stdin
closes (the test session ended, or was killed).
"""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

MAX_REQUEST = 1 << 20


# ---- client side (the pytest process: never imports TensorFlow) ----

class ForkServer:
    def __init__(self, python: str, socket_path: str, cwd: str):
        self.socket_path = socket_path
        self._proc = subprocess.Popen([python, os.path.abspath(__file__), socket_path], cwd=cwd,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True)
        self._ready = False
        self._ready_lock = threading.Lock()   # tests start processes from several threads

    def wait_ready(self, timeout: float = 300.0) -> None:
        with self._ready_lock:
            if self._ready:
                return
            ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
            line = self._proc.stdout.readline() if ready else ""
            if line.strip() != "ready":
                raise RuntimeError(f"the fork server did not start (exit status {self._proc.poll()}, said {line!r})")
            self._ready = True

    def popen(self, args, cwd, env, stdin, stdout, stderr) -> "Forked":
        """Start `python ARGS` as a fork; stdin/stdout/stderr are open file descriptors the runner gets."""
        self.wait_ready()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(self.socket_path)
        request = json.dumps({"args": [str(a) for a in args], "cwd": str(cwd), "env": env}).encode()
        socket.send_fds(conn, [len(request).to_bytes(4, "big") + request], [stdin, stdout, stderr])
        reader = conn.makefile("r")
        started = json.loads(reader.readline() or "{}")
        if "pid" not in started:
            conn.close()
            raise RuntimeError(f"the fork server did not start {args!r}: {started.get('error', 'no answer')}")
        return Forked(started["pid"], conn, reader)

    def close(self) -> None:
        if not self._ready:                   # never used: do not wait for its import to finish
            self._proc.kill()
        if self._proc.poll() is None:
            self._proc.stdin.close()          # the server's signal to stop
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()


class Forked:
    """The part of subprocess.Popen the tests use: pid, wait, poll, send_signal, kill."""

    def __init__(self, pid, conn, reader):
        self.pid, self._conn, self._reader = pid, conn, reader
        self.returncode = None

    def wait(self, timeout=None):
        if self.returncode is None:
            self._conn.settimeout(timeout)
            try:
                line = self._reader.readline()
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"forked python (pid {self.pid})", timeout) from None
            finally:
                self._conn.settimeout(None)
            if not line:
                raise RuntimeError(f"the fork server's handler for pid {self.pid} ended without its exit status")
            self.returncode = json.loads(line)["returncode"]
            self._reader.close()
            self._conn.close()
        return self.returncode

    def poll(self):
        if self.returncode is None and select.select([self._conn], [], [], 0)[0]:
            return self.wait()
        return self.returncode

    def send_signal(self, sig):
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:     # it has just ended; wait() reports how
                pass

    def kill(self):
        self.send_signal(signal.SIGKILL)


# ---- server side ----

def _receive(conn):
    data, fds, _, _ = socket.recv_fds(conn, MAX_REQUEST, 3)
    size = int.from_bytes(data[:4], "big")
    while len(data) < 4 + size:
        more = conn.recv(MAX_REQUEST)
        if not more:
            raise EOFError("the request ended early")
        data += more
    return json.loads(data[4:4 + size]), fds


def _run(args, cwd, env):
    """In the runner: become `python ARGS` as far as Python code can tell, run it, return the exit status."""
    import atexit
    import runpy
    import traceback
    import types

    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    try:
        if args[0] == "-m":                       # sys.path[0] as the interpreter sets it for each form
            sys.argv = [args[1], *args[2:]]
            sys.path.insert(0, cwd)
            runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        elif args[0] == "-c":
            sys.argv = ["-c", *args[2:]]
            sys.path.insert(0, "")
            main = sys.modules["__main__"] = types.ModuleType("__main__")
            exec(compile(args[1], "<string>", "exec"), main.__dict__)
        else:
            sys.argv = list(args)
            sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
            runpy.run_path(args[0], run_name="__main__")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except BaseException:                     # as the interpreter does: the traceback, then exit status 1
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    return code


def _handle(conn):
    """In the handler (a fork per connection): fork the runner, report its pid, then its exit status."""
    try:
        request, fds = _receive(conn)
    except Exception as e:   # noqa: BLE001 -- a bad request is answered, never fatal to the server
        conn.sendall((json.dumps({"error": str(e)}) + "\n").encode())
        return
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in fds:
                os.close(fd)
            conn.close()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = _run(request["args"], request["cwd"], request["env"])
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    for fd in fds:
        os.close(fd)
    conn.sendall((json.dumps({"pid": pid}) + "\n").encode())
    _, status = os.waitpid(pid, 0)
    conn.sendall((json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n").encode())


def serve(socket_path: str) -> None:
    del sys.path[0]                               # this script's folder; each runner puts its own first
    from tfinterop.core.tf_import import tensorflow
    tensorflow()                                  # the import every runner shares
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    print("ready", flush=True)
    handlers = set()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [], 1.0)
        if sys.stdin in readable and not sys.stdin.readline():
            break
        if listener in readable:
            conn, _ = listener.accept()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                listener.close()
                code = 0
                try:
                    _handle(conn)
                except BaseException:  # noqa: BLE001 -- a handler never returns into the server's loop
                    code = 1
                finally:
                    os._exit(code)
            conn.close()
            handlers.add(pid)
        for pid in list(handlers):
            if os.waitpid(pid, os.WNOHANG)[0]:
                handlers.discard(pid)
    deadline = time.monotonic() + 10
    for pid in handlers:                          # let running commands finish briefly, then stop
        while os.waitpid(pid, os.WNOHANG)[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    os.unlink(socket_path)


if __name__ == "__main__":
    serve(sys.argv[1])
