"""The Python TensorFlows of the compatibility matrix, each in a virtual environment of its own (the
runtime registry, runtimes/registry.py, lists them beside the TF Javas).

Each one is a producer (it exports the trained weights as every variant) and a consumer (its own
loader loads every producer's models). The default, TensorFlow 2.21, is the project's own `.venv`;
the others are created on demand under the cache folder (`~/.cache/tfinterop/venvs/<name>`) with
pinned packages, and reused while their pins are unchanged. Never in git.

TensorFlow 1.x wheels exist only for old Pythons (1.15.5: cp37, 1.8.0: cp36), and tfinterop needs
Python >= 3.11, so those environments run the self-contained scripts in `tfinterop/harness/tf1_testees/` instead of
the package. When no such interpreter is found, their cells are skips that say so.
"""

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tfinterop.core import paths
from tfinterop.core.errors import TfInteropError

MARKER = "tfinterop-requirements.txt"    # the pins a venv was made with; other pins -> rebuilt
LEGACY = paths.TF1_TESTEES


class EnvironmentUnavailable(TfInteropError):
    """This machine has no interpreter for the environment: its cells are skips that say so."""
    kind = "environment-unavailable"


class EnvironmentSetupFailed(TfInteropError):
    """The interpreter is there but the environment could not be made (pip failed): its cells fail."""
    kind = "environment-setup-failed"


@dataclass(frozen=True)
class PythonTensorFlow:
    version: str                  # TensorFlow's version, as tf.__version__ says it
    python: str                   # "3.11"
    requirements: tuple = ()      # pinned; empty for the project's own environment
    pip: str = ""                 # a pip that still supports this Python and reads today's index
    legacy: bool = False          # runs harness/tf1_testees/*.py, not the package
    produces = True               # exports every model and default variant (tf1_testees/producer.py too)
    consumes = True               # its own loader is a consumer, and every export's reference
    fixable_for = False           # fix writes TF 1.x graphs for TF Java 1.x; a Python TensorFlow loads the original
    fetches = None                # every dtype a signature may have

    @property
    def name(self) -> str:
        """As a consumer (a Runtime of the registry): its own loader."""
        return self.consumer

    @property
    def producer(self) -> str:
        return "tf-" + self.version

    @property
    def object_based(self) -> bool:
        """Makes the object-based variants (tf.saved_model.save, Keras' save_format="tf"): TensorFlow 1.15 and later
        (1.15 through its v2 API, in eager execution: tf1_testees/producer.py --object-based)."""
        return tuple(int(part) for part in self.version.split(".")[:2]) >= (1, 15)

    @property
    def consumer(self) -> str:
        return "python-tf-" + self.version

    @property
    def is_default(self) -> bool:
        return not self.requirements

    def prepare(self, log=print) -> dict:
        """Makes the environment (on first use) and returns the WorkerClient arguments of its consumer.
        Raises EnvironmentUnavailable (no interpreter: its cells are skips) or EnvironmentSetupFailed."""
        python = python_for(self, log=log)
        command = [python, str(LEGACY / "consumer.py")] if self.legacy else None
        return dict(runtime="python", python=python, env=package_env(self), command=command)

    def producer_command(self, python: str) -> list:
        """The producer process (protocol: harness/producer_worker.py)."""
        if self.legacy:
            return [python, str(LEGACY / "producer.py")]
        return [python, "-m", "tfinterop.harness.producer_worker"]

    def producer_code(self) -> bytes:
        """The code its exports depend on: a change to it invalidates the matrix's cached exports."""
        if self.legacy:
            files = [LEGACY / "producer.py"]
        else:
            pkg = paths.PACKAGE
            files = [pkg / "harness" / "export.py", pkg / "harness" / "models.py", pkg / "compat" / "legacy_forms.py",
                     pkg / "harness" / "producer_worker.py"]
        return b"".join(f.read_bytes() for f in files)


PYTHON_TENSORFLOWS = (
    PythonTensorFlow("2.21.0", "3.11"),
    PythonTensorFlow("2.16.2", "3.11", ("tensorflow-cpu==2.16.2", "numpy==1.26.4")),
    PythonTensorFlow("2.12.0", "3.11", ("tensorflow-cpu==2.12.0", "numpy==1.23.5")),
    # TF 1.x wants protobuf 3.x (4.x breaks its generated code) and the numpy of its day.
    PythonTensorFlow("1.15.5", "3.7", ("tensorflow==1.15.5", "numpy==1.18.5", "protobuf==3.19.6"),
                     pip="pip==24.0", legacy=True),
    PythonTensorFlow("1.8.0", "3.6", ("tensorflow==1.8.0", "numpy==1.16.6", "protobuf==3.19.6"),
                     pip="pip==21.3.1", legacy=True),
)
DEFAULT = PYTHON_TENSORFLOWS[0]


def venv_dir(env: PythonTensorFlow) -> Path:
    return paths.cache_dir() / "venvs" / env.producer


def find_interpreter(version: str) -> str | None:
    """`pythonX.Y` on PATH (if it really runs: a pyenv shim may not), else under ~/.pyenv/versions."""
    candidates = []
    on_path = shutil.which("python" + version)
    if on_path:
        candidates.append(on_path)
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", version + ".*", "bin", "python" + version)),
                         reverse=True)
    for candidate in candidates:
        try:
            out = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return candidate
    return None


def python_for(env: PythonTensorFlow, log=print) -> str:
    """The interpreter of `env`'s virtual environment, created (or rebuilt when its pins changed) on demand."""
    if env.is_default:
        return sys.executable
    target = venv_dir(env)
    python = target / "bin" / "python"
    wanted = "\n".join(env.requirements) + "\n"
    marker = target / MARKER
    if python.exists() and marker.is_file() and marker.read_text() == wanted:
        return str(python)
    base = find_interpreter(env.python)
    if base is None:
        raise EnvironmentUnavailable(f"no Python {env.python} interpreter on this machine (looked for python{env.python} "
                                     f"on PATH and under ~/.pyenv/versions); TensorFlow {env.version} needs it")
    log(f"environments: creating {target} (Python {env.python} from {base}: {' '.join(env.requirements)})")
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _run([base, "-m", "venv", str(target)], env)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if env.pip:
        _run(pip + [env.pip], env)
    _run(pip + list(env.requirements), env)
    marker.write_text(wanted)
    return str(python)


def _run(cmd, env):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise EnvironmentSetupFailed(f"could not set up TensorFlow {env.version} (`{' '.join(cmd[2:5])} ...` "
                                     f"exited {proc.returncode}): {tail}")


def package_env(env: PythonTensorFlow) -> dict:
    """Environment variables for a process of `env` that imports tfinterop from this checkout."""
    child = dict(os.environ)
    if not env.is_default:
        child["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths.REPO_ROOT / "python"), child.get("PYTHONPATH")]))
    child.pop("PYTHONFAULTHANDLER", None)
    child.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return child
