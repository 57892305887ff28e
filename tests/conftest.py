"""Shared fixtures. The pytest process itself imports neither TensorFlow nor the JVM: the producer and
each consumer run in processes of their own (tfinterop.runtimes.worker), exactly as `tfinterop run` does."""

import sys
from pathlib import Path

import pytest

from tfinterop import data, harness, paths
from tfinterop.runtimes.worker import WorkerClient

REPO = paths.REPO_ROOT


def cli(*args):
    """The command line as a user runs it, in a subprocess."""
    import subprocess
    return subprocess.run([sys.executable, "-m", "tfinterop", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=600)


def cli_many(*arg_lists):
    """Independent command lines, two processes at a time (most of each is TensorFlow's or the JVM's
    start, which leaves the second core idle): the results in the order given."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda args: cli(*args), arg_lists))


@pytest.fixture(scope="session")
def java_built():
    if not list(paths.JAVA_LIB.glob("*.jar")):
        pytest.fail(f"the Java module is not built ({paths.JAVA_LIB} has no jars): run `make java` first "
                    f"(`make test` does it)", pytrace=False)


@pytest.fixture(scope="session")
def subset():
    """The committed 1,000 real MNIST test images and labels."""
    return data.load_subset()


@pytest.fixture(scope="session")
def exported_models(tmp_path_factory):
    """Today's TensorFlow trains each model on the real MNIST and exports every variant, as `run` does."""
    from tfinterop.models import MODELS
    root = tmp_path_factory.mktemp("export")
    return {model: harness.produce(root / model, log=lambda m: None, model=model) for model in MODELS}


@pytest.fixture(scope="session")
def exported(exported_models):
    """The seed's model (softmax), every variant."""
    return exported_models["softmax"]


@pytest.fixture(scope="session")
def probes(tmp_path_factory):
    """Every model exported with one deliberate flaw each (the probe-* variants of export.py)."""
    from tfinterop.export import VARIANTS
    from tfinterop.models import MODELS
    root = tmp_path_factory.mktemp("probes")
    names = [n for n, v in VARIANTS.items() if v.probe]
    return {model: harness.produce(root / model, log=lambda m: None, model=model, variants=names) for model in MODELS}


@pytest.fixture(scope="session")
def python_worker():
    with WorkerClient("python") as w:
        yield w


@pytest.fixture(scope="session")
def java_worker(java_built):
    with WorkerClient("java") as w:
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
    """tests/inspect_models.py, run once: the golden models plus `tf2` and `odd` it makes, each with its
    directory, Python `inspect` text and saved_model_cli `show --all` text (see that script)."""
    import json
    import subprocess
    out = tmp_path_factory.mktemp("inspect-models")
    golden = sorted(p for p in paths.GOLDEN.iterdir() if (p / "saved_model.pb").is_file())
    done = subprocess.run([sys.executable, str(REPO / "tests" / "inspect_models.py"), str(out), *map(str, golden)],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return {Path(d).name: dict(t, dir=d) for d, t in json.loads(done.stdout)["models"].items()}


def pytest_report_header(config):
    return f"tfinterop fixtures: {paths.FIXTURES}; Java module: {paths.JAVA_LIB}"


__all__ = ["cli", "cli_many", "REPO", "Path"]
