"""The JavaScript consumer, a row of the registry: TensorFlow.js in Node.js (runtimes/js/worker.js), with the
TensorFlow.js converter beside it (runtimes/tfjs_convert.py).

Both are set up on first use, under the cache folder (~/.cache/tfinterop/tfjs-<version>/), like the Python
TensorFlows' environments, and reused while their pins are unchanged:

    node/        `npm ci` of runtimes/js/package.json and its lockfile: @tensorflow/tfjs, the pure JavaScript
                 CPU backend (@tensorflow/tfjs-node would download a native library at install time, which a
                 machine that reaches only the package registries cannot)
    converter/   `pip install --no-deps --target` of the converter's own packages, beside this project's
                 TensorFlow. With its dependencies, tensorflowjs 4.22.0 pins TensorFlow Decision Forests, which pins
                 another TensorFlow (2.19, with a protobuf older than TF 2.21 takes), and its fresh install does
                 not start (docs/tfjs-research.md, 1b-1c); nothing it converts a SavedModel with needs them.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tfinterop.core import paths
from tfinterop.core.atomic import staging_folder
from tfinterop.runtimes import environments
from tfinterop.runtimes.environments import EnvironmentSetupFailed, EnvironmentUnavailable
from tfinterop.runtimes.tfjs_convert import CONVERTED_ENV, TFJS_PATH_ENV

JS_DIR = Path(__file__).resolve().parent / "js"
WORKER = JS_DIR / "worker.js"
CONVERTER_ENV = "TFINTEROP_TFJS_CONVERTER"      # the converter process's command, a JSON list (worker.js reads it)
MARKER = "tfinterop-pins.txt"
MIN_NODE = 18            # package.json's "engines" (measured on Node.js 20)


@dataclass(frozen=True)
class TensorFlowJs:
    version: str                  # @tensorflow/tfjs's version, as tf.version.tfjs says it
    converter: tuple              # the converter's packages, pinned (pip, --no-deps)
    produces = False
    consumes = True
    fixable_for = False           # fix writes TF 1.x graphs for TF Java 1.x
    # What tfjs fetches (js/worker.js's SUPPORTED): it has no int64 or float64, which its converter narrows; the matrix
    # fetches the other outputs of such a signature and holds them to the reference
    fetches = ("float32", "int32", "bool")

    @property
    def name(self) -> str:
        return "js-tfjs-" + self.version

    def home(self) -> Path:
        return paths.cache_dir() / f"tfjs-{self.version}"

    def prepare(self, log=print) -> dict:
        """Node's packages and the converter, installed on first use; the WorkerClient arguments of its worker.
        Raises EnvironmentUnavailable (no Node.js here: its cells are skips) or EnvironmentSetupFailed."""
        node = shutil.which("node")
        npm = shutil.which("npm")
        if node is None or npm is None:
            raise EnvironmentUnavailable(f"{self.name} needs Node.js and npm on PATH (`node`, `npm`); neither was found"
                                         if node is None and npm is None else
                                         f"{self.name} needs {'Node.js (`node`)' if node is None else '`npm`'} on PATH")
        try:
            said = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
            major = int(said.lstrip("v").split(".")[0])
        except (OSError, ValueError, subprocess.TimeoutExpired):
            said, major = "no version", 0
        if major < MIN_NODE:
            raise EnvironmentUnavailable(f"{self.name} needs Node.js {MIN_NODE} or newer; {node} says {said}")
        modules = self._node_packages(npm, log)
        converter = self.converter_packages(log)
        env = environments.package_env(environments.DEFAULT)
        env["NODE_PATH"] = str(modules)
        env[CONVERTER_ENV] = json.dumps([sys.executable, "-m", "tfinterop.runtimes.tfjs_convert"])
        env[TFJS_PATH_ENV] = str(converter)
        env.setdefault(CONVERTED_ENV, str(self.home() / "graph-models"))
        return dict(runtime="js", env=env, command=[node, str(WORKER)])

    def _node_packages(self, npm, log) -> Path:
        """`npm ci` of the lockfile into home()/node (beside a copy of package.json and its lock, where npm ci
        installs); redone when the lockfile changes. Returns the node_modules folder."""
        lock = (JS_DIR / "package-lock.json").read_bytes()

        def install(folder):
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(JS_DIR / name, folder / name)
            _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], folder, self.name)
        return self._installed("node", hashlib.sha256(lock).hexdigest(), install, log,
                               f"npm ci (@tensorflow/tfjs {self.version}, from the npm registry)") / "node_modules"

    def converter_packages(self, log=print) -> Path:
        """The folder the converter is installed in (on first use): sys.path's entry for `import tensorflowjs`."""
        def install(folder):
            _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                  "--target", str(folder), *self.converter], folder, self.name)
        return self._installed("converter", " ".join(self.converter), install, log,
                               f"pip install --no-deps ({' '.join(self.converter)}, from PyPI)")

    def _installed(self, name, pins, install, log, what) -> Path:
        """home()/name, installed by install(folder) unless it holds these pins already. The install fills a new
        folder beside it, which is renamed into place once complete with its marker: an interrupted install
        leaves no folder that looks installed. A folder there without a marker is not one of ours: it is kept,
        and refused."""
        folder = self.home() / name
        marker = folder / MARKER
        if marker.is_file() and marker.read_text() == pins + "\n":
            return folder
        if folder.exists() and not marker.is_file():
            raise EnvironmentSetupFailed(f"{folder} is not a folder tfinterop installed (it has no {MARKER}); "
                                         f"move it away, and {self.name} installs its own there")
        log(f"{self.name}: {what} into {folder}")
        # Staged beside its place (core.atomic: a killed install's staging folder is removed by the next install)
        with staging_folder(folder) as work:
            install(work)
            (work / MARKER).write_text(pins + "\n")
            if marker.is_file():
                shutil.rmtree(folder)      # ours, checked again just now: it has the marker (an older pin)
            os.replace(work, folder)
        return folder


def _run(command, cwd, name):
    try:
        proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise EnvironmentSetupFailed(f"could not set up {name}: `{' '.join(map(str, command[:3]))} ...` failed: {e}") from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise EnvironmentSetupFailed(f"could not set up {name} (`{' '.join(map(str, command[:3]))} ...` exited "
                                     f"{proc.returncode}): {tail}")


# Every TensorFlow.js tfinterop targets (data, not code). The converter is the release of the same version, with the
# tf-keras of this project's TensorFlow (the converter imports it) and tensorflow_hub and importlib_resources, which it
# imports too.
TFJS_RELEASES = (
    TensorFlowJs("4.22.0", ("tensorflowjs==4.22.0", "tf-keras==2.21.0", "tensorflow-hub==0.16.1",
                            "importlib_resources==7.1.0")),
)
