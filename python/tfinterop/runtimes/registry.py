"""Every runtime tfinterop drives, described once, in the spirit of Apache Arrow's integration Testers:
what it is called, what it can do (produce exports, consume them), how it is prepared (a virtual
environment, a Gradle build into its own folder) and how its processes are started (the worker spec, the
Java classpath). The matrix, `run`, the fuzzer and the resource benchmark take their runtimes from here.

    Python TensorFlows   environments.PYTHON_TENSORFLOWS: producers ("tf-X") and consumers ("python-tf-X")
    TF Java              JAVA_TENSORFLOWS below: consumers ("java-tf-X", X the TensorFlow it runs)

Every row is a Runtime (the protocol below): a new consumer implements it and is added as one row; what the
matrix, verify and fix may do with it follows from its capability flags, never from its name.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tfinterop.core import paths
from tfinterop.core.errors import JavaModuleMissingError, TfInteropError, UsageError
from tfinterop.runtimes import environments
from tfinterop.runtimes.environments import PythonTensorFlow

LEGACY = paths.TF1_TESTEES


def java_jars(lib: Path) -> list:
    """The classpath of an installed Java module (`gradle installDist`'s lib folder): its jars."""
    jars = sorted(Path(lib).glob("*.jar"))
    if not jars:
        raise JavaModuleMissingError(f"the Java module is not built: no jars in {lib}; run `make java` "
                                     f"(gradle installDist)")
    return jars


def java_command(main: str, args=(), jvm=(), lib: Path = paths.JAVA_LIB) -> list:
    """`java [jvm options] -cp <the module's jars> MAIN ARGS` with $JAVA_HOME's java, else the one on PATH."""
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else "java"
    return [str(java), *jvm, "-cp", os.pathsep.join(map(str, java_jars(lib))), main, *map(str, args)]


class Runtime(Protocol):
    """A row of the registry: a runtime tfinterop drives, with what it can do."""
    name: str               # what users call it: --target, a matrix column ("java-tf-1.8.0", "python-tf-2.21.0")
    produces: bool          # exports the harness's models (a producer of the matrix)
    consumes: bool          # loads and runs models by signature: a target of verify, a column of the matrix
    fixable_for: bool       # `tfinterop fix` rewrites models for it (a TF 1.x graph runtime, its op registry dumped)

    def prepare(self, log=print) -> dict:
        """Makes it ready (a virtual environment, a Gradle build) and returns its worker's WorkerClient arguments."""


@dataclass(frozen=True)
class JavaTensorFlow:
    name: str            # consumer name, "java-tf-<TensorFlow version>" as the worker reports it
    artifact: str        # what Gradle fetches
    project: str         # the Gradle project that wraps it
    properties: tuple    # (("tfJavaVersion", "1.15.0"), ...)
    lib: Path            # where `installDist` puts the jars (TFINTEROP_JAVA_LIB for the worker)
    api: str = "1.x"     # the TF Java API its module is written for: "1.x" (org.tensorflow:tensorflow) or "current"
    produces = False
    consumes = True

    @property
    def fixable_for(self) -> bool:
        """TF Java 1.x runs TF 1.x graphs, which `fix` writes; its op registry is dumped by the 1.x module."""
        return self.api == "1.x"

    @property
    def is_default(self) -> bool:
        return self.lib == paths.JAVA_LIB

    def prepare(self, log=print) -> dict:
        """Builds the module into its own install folder unless it is there for these sources already, and
        returns the WorkerClient arguments of its consumer. The default one is `make java`'s (the Makefile
        rebuilds it when its sources change): used as it is."""
        if not self.is_default:
            self._build(log)
        java_jars(self.lib)
        env = environments.package_env(environments.DEFAULT)
        env["TFINTEROP_JAVA_LIB"] = str(self.lib)
        return dict(runtime="java", env=env)

    def command(self, main: str, args=(), jvm=()) -> list:
        """A plain JVM (no Python) running one of the module's mains."""
        return java_command(main, args, jvm, self.lib)

    def _build(self, log):
        stamp = self.lib.parent / ".tfinterop-inputs"
        wanted = self._inputs_digest()
        if stamp.is_file() and stamp.read_text() == wanted and any(self.lib.glob("*.jar")):
            return
        gradle = os.environ.get("GRADLE", "gradle")
        cmd = [gradle, "--console=plain", "--quiet", f"{self.project}:installDist"]
        cmd += [f"-P{k}={v}" for k, v in self.properties]
        log(f"java: building {self.name} ({self.artifact}): {' '.join(cmd)}")
        proc = subprocess.run(cmd, cwd=paths.REPO_ROOT, capture_output=True, text=True)
        if proc.returncode != 0 or not any(self.lib.glob("*.jar")):
            raise TfInteropError(f"could not build {self.name} ({' '.join(cmd)} exited {proc.returncode}): "
                                 f"{(proc.stderr or proc.stdout).strip()[-1500:]}")
        stamp.write_text(wanted)

    def _inputs_digest(self) -> str:
        root = paths.REPO_ROOT
        files = [root / "build.gradle", root / "settings.gradle", root / "java" / "build.gradle",
                 root / "java-core" / "build.gradle", root / "java-current" / "build.gradle", *paths.SHARED.glob("*")]
        for src in (root / "java" / "src" / "main", root / "java-core" / "src" / "main",
                    root / "java-current" / "src" / "main"):
            files += sorted(p for p in src.rglob("*") if p.is_file())
        return paths.content_digest(self.artifact, self.properties, *[f.read_bytes() for f in files if f.is_file()])


JAVA_INSTALLS = paths.REPO_ROOT / "java" / "build" / "install"
JAVA_TENSORFLOWS = (
    JavaTensorFlow("java-tf-1.8.0", "org.tensorflow:tensorflow:1.8.0", ":java", (("tfJavaVersion", "1.8.0"),),
                   paths.JAVA_LIB),
    JavaTensorFlow("java-tf-1.15.0", "org.tensorflow:tensorflow:1.15.0", ":java",
                   (("tfJavaVersion", "1.15.0"), ("installDir", str(JAVA_INSTALLS / "tfinterop-java-1.15.0"))),
                   JAVA_INSTALLS / "tfinterop-java-1.15.0" / "lib"),
    JavaTensorFlow("java-tf-2.18.0", "org.tensorflow:tensorflow-core-api:1.1.0", ":java-current", (),
                   paths.REPO_ROOT / "java-current" / "build" / "install" / "tfinterop-java-current" / "lib",
                   api="current"),
)
DEFAULT_JAVA = JAVA_TENSORFLOWS[0]

# name -> runtime. Consumers: the TF Javas, then each Python TensorFlow's own loader; producers: the Python
# TensorFlows (each producer's own loader is its reference).
CONSUMERS = {**{j.name: j for j in JAVA_TENSORFLOWS if j.consumes},
             **{env.consumer: env for env in environments.PYTHON_TENSORFLOWS if env.consumes}}
PRODUCERS = {env.producer: env for env in environments.PYTHON_TENSORFLOWS if env.produces}


def unknown_target(name: str) -> UsageError:
    """The one error every command gives for a target it does not know."""
    return UsageError(f"unknown target {name!r}; the targets are: {', '.join(CONSUMERS)}")


def consumer(name: str):
    try:
        return CONSUMERS[name]
    except KeyError:
        raise unknown_target(name) from None


def dumped_target(name: str):
    """The dumped op registry (compat.targets.Target) of a target that `check` and `fix` hold models to: an unknown
    name is the same usage error as in every command, a known one without a dump says so."""
    from tfinterop.compat import targets
    consumer(name)
    return targets.load(name)


def producer(name: str) -> PythonTensorFlow:
    try:
        return PRODUCERS[name]
    except KeyError:
        raise UsageError(f"unknown producer {name}; the producers are: {', '.join(PRODUCERS)}") from None
