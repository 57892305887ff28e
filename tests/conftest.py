"""Shared fixtures. The pytest process itself imports neither TensorFlow nor the JVM: the producer and
each consumer run in processes of their own (tfinterop.runtimes.worker), exactly as `tfinterop run` does.
The Python command lines the tests run are forks of one process that has imported TensorFlow
(tests/support/forkserver.py), except where a test is about a new interpreter (cli_fresh) or the command starts
the JVM in-process."""

import functools
import locale
import os
import sys
from pathlib import Path

import pytest

# The suite's helpers (the fork server, the bad-input catalogue's builder, the inspect helper) are in support/; the
# tests are in one folder per layer of the package (unit, runtimes, commands, harness, tools).
SUPPORT = Path(__file__).resolve().parent / "support"
sys.path.insert(0, str(SUPPORT))

from tfinterop.cli.harness_commands import RUN_MARKER  # noqa: E402 -- after the support folder is on the path
from tfinterop.core import paths  # noqa: E402
from tfinterop.harness import data  # noqa: E402
from tfinterop.runtimes.worker import WorkerClient  # noqa: E402

# pytester: the pytest plugin (tfinterop/pytest_plugin.py) is tested by running test files through pytest.
pytest_plugins = ("pytester",)

REPO = paths.REPO_ROOT


_forkserver = None


def pytest_sessionstart(session):
    """Start the fork server now, so its TensorFlow import overlaps collection and the first tests."""
    global _forkserver
    import tempfile
    from forkserver import ForkServer
    _forkserver = ForkServer(sys.executable, os.path.join(tempfile.mkdtemp(prefix="tfinterop-fs-"), "socket"), REPO)


def pytest_sessionfinish(session):
    if _forkserver is not None:
        _forkserver.close()


def python_popen(*args, env=None, stderr_pipe=False):
    """`python ARGS` as a fork of the fork server (tests/support/forkserver.py): a process of its own, without
    importing TensorFlow again. Output goes to /dev/null, or stderr to a pipe (`.stderr`, text)."""
    with open(os.devnull, "r+b") as null:
        read_end, write_end = os.pipe() if stderr_pipe else (None, null.fileno())
        try:
            p = _forkserver.popen(args, REPO, dict(os.environ) if env is None else env,
                                  null.fileno(), null.fileno(), write_end)
        finally:
            if stderr_pipe:
                os.close(write_end)
    p.stderr = open(read_end, encoding=locale.getpreferredencoding(False)) if stderr_pipe else None
    return p


def forked_worker(command, env, stderr):
    """WorkerClient's `spawn` for a Python worker of this interpreter: a fork of the fork server, with the
    stdin/stdout pipes the worker protocol runs over."""
    assert command[0] == sys.executable, command
    child_stdin, parent_stdin = os.pipe()
    parent_stdout, child_stdout = os.pipe()
    try:
        p = _forkserver.popen(command[1:], REPO, env, child_stdin, child_stdout, stderr.fileno())
    finally:
        os.close(child_stdin)
        os.close(child_stdout)
    p.stdin, p.stdout = os.fdopen(parent_stdin, "wb"), os.fdopen(parent_stdout, "rb")
    return p


def python_run(*args, env=None, timeout=600, fresh=False, cwd=REPO):
    """`python ARGS` run to its end, output captured (as subprocess.run(capture_output=True, text=True)):
    a fork of the fork server, or with fresh=True a new interpreter; in `cwd` (default: the checkout)."""
    import subprocess
    import tempfile
    command = [sys.executable, *map(str, args)]
    if fresh:
        # An explicit copy of the environment, not env=None: with None the child's exec reads the live environ, and
        # these runs start in threads while a test in the main thread may change it (pytester, monkeypatch.setenv):
        # a fresh-clone run failed once on that race with "OSError: [Errno 14] Bad address" from exec.
        env = dict(os.environ) if env is None else env
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, open(os.devnull, "rb") as null:
        p = _forkserver.popen(command[1:], str(cwd), dict(os.environ) if env is None else env,
                              null.fileno(), out.fileno(), err.fileno())
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise
        texts = []
        for f in (out, err):
            f.seek(0)
            texts.append(f.read().decode(locale.getpreferredencoding(False)))
    return subprocess.CompletedProcess(command, p.returncode, *texts)


def starts_the_jvm(args) -> bool:
    """`predict --runtime java` starts the JVM in its own process, which must not have imported TensorFlow."""
    args = [str(a) for a in args]
    return "--runtime" in args and args[args.index("--runtime") + 1:][:1] == ["java"] and "predict" in args


def cli(*args, env=None, cwd=REPO):
    """The command line as a user runs it, in a process of its own: `python -m tfinterop ARGS` (a fork of
    the fork server, or a new interpreter when it will start the JVM)."""
    return python_run("-m", "tfinterop", *args, env=env, fresh=starts_the_jvm(args), cwd=cwd)


def cli_fresh(*args, env=None):
    """The command line in a new interpreter, TensorFlow's import and all."""
    return python_run("-m", "tfinterop", *args, env=env, fresh=True)


def cli_many(*arg_lists):
    """Independent command lines, two processes at a time (a Java one's start, about 2 s, leaves the second
    core idle): the results in the order given."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda args: cli(*args), arg_lists))


# ---- slow tests whose work is one independent job (a `run`, a bench run, new interpreters, `verify`)
# Marked @pytest.mark.early(job=fn), the job -- job(tmp_path, **the test's parameters) -> result -- starts when
# the session does, one at a time in a background thread, in the order the tests need them, so it overlaps
# the many short tests (most of which keep one core busy) instead of following them. The test takes `early_result` (the job's result and its tmp_path: the job's
# exception, if it raised one) and asserts on it as it would have on its own run.

_early_jobs = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "early(job=fn): start fn(tmp_path) when the session starts; the test gets "
                                       "its result through the early_result fixture")


def run_the_default_slice(tmp_path):
    """`tfinterop run --json`: the matrix's default slice (TF 2.21 exports every model and default variant;
    its own loader and TF Java 1.8.0 consume them, on the 10,000 MNIST test images), as a user runs it, into
    a folder an earlier run made (its marker, and a model of its own), which a new run may replace.
    Returns (the completed command, its --out folder, its JSON report)."""
    import json
    out = tmp_path / "run"
    earlier = out / "models" / "tf-2.21.0" / "softmax" / "compat-serve"
    earlier.mkdir(parents=True)
    (earlier / "saved_model.pb").write_bytes(b"from an earlier run")
    (out / RUN_MARKER).write_text("made by `tfinterop run`\n")
    done = cli("run", "--out", out, "--json", tmp_path / "report.json")
    report = json.loads((tmp_path / "report.json").read_text()) if done.returncode in (0, 1) else None
    return done, out, report


def _test_module(path):
    """A test module of another folder, by its path (it need not have been collected yet: `pytest tests/commands`)."""
    import importlib.util
    name = Path(path).stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / path)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def build_the_any_dtype_models(tmp_path):
    return _test_module("runtimes/test_signatures_any_dtype.py").build_models(tmp_path)


def fix_the_corpus(tmp_path):
    return _test_module("commands/test_fix.py").fix_the_corpus(tmp_path), tmp_path


# session fixture name -> its job. A job may use the result of one the tests need earlier (early_session_result):
# the jobs run two at a time (most of their work is in processes of their own; one at a time, pytest took
# 161 s against 150 s), started in the order the tests need them.
_EARLY_SESSION_JOBS = {"default_slice": run_the_default_slice, "any_dtype_models": build_the_any_dtype_models,
                       "fixed_corpus": fix_the_corpus}


@pytest.fixture(scope="session", autouse=True)
def _start_early_jobs(request, tmp_path_factory):
    import concurrent.futures
    pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="early-job")
    # (index of the first test that needs it, key, job, tmp folder name): started in the order they are needed,
    # so that no test waits behind a job that a later test needs.
    jobs = []
    for name, job in _EARLY_SESSION_JOBS.items():
        needed = [i for i, item in enumerate(request.session.items) if name in item.fixturenames]
        if needed:
            jobs.append((needed[0], name, job, name))
    for i, item in enumerate(request.session.items):
        if item.get_closest_marker("early"):
            job = item.get_closest_marker("early").kwargs["job"]
            params = getattr(item, "callspec", None)       # a parametrized test's job gets its parameters
            if params is not None:
                job = functools.partial(job, **params.params)
            jobs.append((i, item.nodeid, job, item.originalname[:40]))
    for _, key, job, folder in sorted(jobs, key=lambda j: j[0]):
        tmp = tmp_path_factory.mktemp(folder, numbered=True)
        _early_jobs[key] = (pool.submit(job, tmp), tmp)
    yield
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def early_result(request):
    future, tmp = _early_jobs[request.node.nodeid]
    return future.result(), tmp


def early_session_result(name):
    future, _ = _early_jobs[name]
    return future.result()


@pytest.fixture(scope="session")
def default_slice(java_built):
    """run_the_default_slice's (command, --out folder, JSON report), started when the session starts."""
    return early_session_result("default_slice")


@pytest.fixture(scope="session")
def any_dtype_models():
    """The folder of test_signatures_any_dtype.py's models (built by TensorFlow 2.21 with their expected outputs)."""
    return early_session_result("any_dtype_models")


@pytest.fixture(scope="session")
def fixed_corpus():
    """test_fix.py's corpus, each model fixed for java-tf-1.8.0: (the results by model, the job's folder)."""
    return early_session_result("fixed_corpus")


@pytest.fixture(scope="session")
def java_built():
    if not list(paths.JAVA_LIB.glob("*.jar")):
        pytest.fail(f"the Java module is not built ({paths.JAVA_LIB} has no jars): run `make java` first "
                    f"(`make test` does it)", pytrace=False)


@pytest.fixture(scope="session")
def subset():
    """The committed 1,000 real MNIST test images and labels."""
    return data.load_subset()


def export_every_model(root, variants=()):
    """`tfinterop export --model M --manifest ...` for every model, two at a time: {model: its manifest}."""
    import json
    from tfinterop.harness.models import MODELS
    arg_lists = [["export", "--out", root / model, "--overwrite", "--manifest", root / f"{model}.json", "--model", model,
                  *[arg for v in variants for arg in ("--variant", v)]] for model in MODELS]
    for model, r in zip(MODELS, cli_many(*arg_lists)):
        assert r.returncode == 0, f"exporting {model}: {r.stderr[-3000:]}"
    return {model: json.loads((root / f"{model}.json").read_text()) for model in MODELS}


@pytest.fixture(scope="session")
def exported_models(tmp_path_factory):
    """Today's TensorFlow trains each model on the real MNIST and exports every variant, as `run` does. (Using
    the `run` job's own exports instead was measured slower: test_check.py then waited 35 s for that job, and
    pytest took 140 s against 124 s; making this an early job too: 158 s against 150 s.)"""
    return export_every_model(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="session")
def exported(exported_models):
    """The seed's model (softmax), every variant."""
    return exported_models["softmax"]


@pytest.fixture(scope="session")
def probes(tmp_path_factory):
    """Every model exported with one deliberate flaw each (the probe-* variants of export.py)."""
    from tfinterop.harness.export import VARIANTS
    return export_every_model(tmp_path_factory.mktemp("probes"), [n for n, v in VARIANTS.items() if v.probe])


@pytest.fixture(scope="session")
def python_worker():
    with WorkerClient("python", spawn=forked_worker) as w:
        yield w


@pytest.fixture(scope="session")
def java_worker(java_built):
    with WorkerClient("java") as w:
        yield w


TFJS_TARGET = "js-tfjs-4.22.0"


@pytest.fixture(scope="session")
def js_worker():
    """The JavaScript consumer's Node worker (its npm packages and converter installed on first use)."""
    from tfinterop.runtimes import registry
    with WorkerClient(**registry.consumer(TFJS_TARGET).prepare(log=lambda message: None)) as w:
        yield w


@pytest.fixture(scope="session")
def golden_manifest():
    import json
    return json.loads((paths.GOLDEN / "manifest.json").read_text())


@pytest.fixture
def golden_model():
    return paths.GOLDEN / "compat-serve"


@pytest.fixture(scope="session")
def inspected_models(tmp_path_factory):
    """tests/support/inspect_models.py, run once: the golden models plus `tf2` and `odd` it makes, each with its
    directory, Python `inspect` text and saved_model_cli `show --all` text (see that script)."""
    import json
    out = tmp_path_factory.mktemp("inspect-models")
    golden = sorted(p for p in paths.GOLDEN.iterdir() if (p / "saved_model.pb").is_file())
    done = python_run(SUPPORT / "inspect_models.py", out, *golden)
    assert done.returncode == 0, done.stderr[-3000:]
    return {Path(d).name: dict(t, dir=d) for d, t in json.loads(done.stdout)["models"].items()}


def pytest_report_header(config):
    return f"tfinterop fixtures: {paths.FIXTURES}; Java module: {paths.JAVA_LIB}"


__all__ = ["cli", "cli_fresh", "cli_many", "python_run", "python_popen", "REPO", "Path"]
