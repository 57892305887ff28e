"""Every runtime tfinterop drives, described once, in the spirit of Apache Arrow's integration Testers:
what it is called, what it can do (produce exports, consume them), how it is prepared (a virtual
environment, a Gradle build into its own folder) and how its processes are started (the worker spec, the
Java classpath). The matrix, `run`, the fuzzer and the resource benchmark take their runtimes from here.

    Python TensorFlows   environments.PYTHON_TENSORFLOWS: producers ("tf-X") and consumers ("python-tf-X")
    TF Java              JAVA_TENSORFLOWS below: consumers ("java-tf-X", X the TensorFlow it runs)
    TensorFlow.js        tfjs.TFJS_RELEASES: consumers ("js-tfjs-X", X the @tensorflow/tfjs release), in Node.js

Every row is a Runtime (the protocol below): a new consumer implements it and is added as one row; what the
matrix, verify and fix may do with it follows from its capability flags, never from its name.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tfinterop.core import paths
from tfinterop.core.errors import JavaModuleMissingError, UsageError
from tfinterop.runtimes import environments
from tfinterop.runtimes.environments import PythonTensorFlow
from tfinterop.runtimes.tfjs import TFJS_RELEASES

LEGACY = paths.TF1_TESTEES


# A worker's classpath, when its target is not the default (os.pathsep-joined jars; JavaTensorFlow.prepare sets it).
CLASSPATH_ENV = "TFINTEROP_JAVA_CLASSPATH"
JVM_OPTIONS_ENV = "TFINTEROP_JVM_OPTIONS"       # and its JVM's options, one a line


def worker_jvm_options() -> list:
    return [o for o in os.environ.get(JVM_OPTIONS_ENV, "").splitlines() if o]


def worker_classpath() -> list:
    """The JVM's classpath in a Java worker: the target's (CLASSPATH_ENV), else the installed module's lib folder."""
    given = os.environ.get(CLASSPATH_ENV)
    return [Path(p) for p in given.split(os.pathsep)] if given else java_jars(paths.JAVA_LIB)


def java_jars(lib: Path) -> list:
    """The classpath of an installed Java module (`gradle installDist`'s lib folder): its jars."""
    jars = sorted(Path(lib).glob("*.jar"))
    if not jars:
        raise JavaModuleMissingError(f"the Java module is not built: no jars in {lib}; run `make java` "
                                     f"(gradle installDist)")
    return jars


def java_command(main: str, args=(), jvm=(), lib: Path = paths.JAVA_LIB, classpath=None) -> list:
    """`java [jvm options] -cp <the module's jars> MAIN ARGS` with $JAVA_HOME's java, else the one on PATH."""
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else "java"
    jars = java_jars(lib) if classpath is None else classpath
    return [str(java), *jvm, "-cp", os.pathsep.join(map(str, jars)), main, *map(str, args)]


class Runtime(Protocol):
    """A row of the registry: a runtime tfinterop drives, with what it can do."""
    name: str               # what users call it: --target, a matrix column ("java-tf-1.8.0", "python-tf-2.21.0")
    produces: bool          # exports the harness's models (a producer of the matrix)
    consumes: bool          # loads and runs models by signature: a target of verify, a column of the matrix
    fixable_for: bool       # `tfinterop fix` rewrites models for it (a TF 1.x graph runtime, its op registry dumped)
    fetches: tuple | None   # the dtypes (numpy names) it fetches by signature; None: every one a signature may have

    def prepare(self, log=print) -> dict:
        """Makes it ready (a virtual environment, a Gradle build) and returns its worker's WorkerClient arguments."""


# Every TF Java release tfinterop targets, one row each (data, not code): the TensorFlow it runs (the target is
# java-tf-<that>, as the worker reports it), its release on Maven Central, and which of tfinterop's Java modules
# drives its API: "1.x" (java/, org.tensorflow:tensorflow, written against 1.8's API and run unchanged on every
# 1.x release from 1.4.0: tests/runtimes/test_tf_java_releases.py) or "current" (java-current/,
# org.tensorflow:tensorflow-core-api). Maven Central has no 1.13.0 (1.13.1 is the release). The 0.x releases
# of tensorflow-core-api (0.2.0 .. 0.5.0) are not targets: java-current was not tried on them (their API is
# older than 1.0's, which it is written for). The jars of each: runtimes/tf-java-jars.json.
# "extract-native": the release's JNI jar holds libtensorflow_framework.so.1, which libtensorflow_jni.so needs, but
# its NativeLibrary extracts only libtensorflow_framework.so (1.14.0: UnsatisfiedLinkError 'libtensorflow_framework.so.1:
# cannot open shared object file', measured): the jar's libraries are unpacked beside its jars once, and the JVM
# loads them from java.library.path.
TF_JAVA_RELEASES = (
    # TensorFlow  Maven release  module
    ("1.4.0", "1.4.0", "1.x"),
    ("1.5.0", "1.5.0", "1.x"),
    ("1.6.0", "1.6.0", "1.x"),
    ("1.7.0", "1.7.0", "1.x"),
    ("1.8.0", "1.8.0", "1.x"),
    ("1.9.0", "1.9.0", "1.x"),
    ("1.10.0", "1.10.0", "1.x"),
    ("1.11.0", "1.11.0", "1.x"),
    ("1.12.0", "1.12.0", "1.x"),
    ("1.13.1", "1.13.1", "1.x"),
    ("1.14.0", "1.14.0", "1.x", "extract-native"),
    ("1.15.0", "1.15.0", "1.x"),
    ("2.16.2", "1.0.0", "current"),
    ("2.18.0", "1.1.0", "current"),
)
# What each module needs of Maven Central for a release (tools/lock_jars.py resolves their dependencies).
MAVEN_ARTIFACTS = {
    "1.x": ("org.tensorflow:tensorflow:{v}", "org.tensorflow:proto:{v}"),
    "current": ("org.tensorflow:tensorflow-core-api:{v}", "org.tensorflow:tensorflow-core-native:{v}:linux-x86_64"),
}


def own_jars(api: str) -> list:
    """tfinterop's Java module for an API, without TF Java's jars: in a wheel, package data (setup.py); in a
    checkout, Gradle's outputs (`make java`)."""
    found = [paths.JAVA_LIB / "java.jar", paths.JAVA_LIB / "java-core.jar"] if api == "1.x" else \
        list(paths.JAVA_CURRENT_JARS)
    missing = [p for p in found if not p.is_file()]
    if missing:
        build = ":java:installDist" if api == "1.x" else ":java-current:jar"
        raise JavaModuleMissingError(f"the Java module is not built: {', '.join(map(str, missing))} missing; run "
                                     f"`make java` (gradle {build})")
    return found


@dataclass(frozen=True)
class JavaTensorFlow:
    tensorflow_version: str     # what the release's TensorFlow.version() says
    release: str                # its version on Maven Central
    api: str = "1.x"            # the module that drives it: "1.x" (java/) or "current" (java-current/)
    native: str = ""            # "extract-native": see TF_JAVA_RELEASES
    produces = False
    consumes = True
    fetches = None              # it refuses, typed, what its API cannot fetch (java_tf.JAVA_DTYPES)

    @property
    def name(self) -> str:
        return "java-tf-" + self.tensorflow_version

    @property
    def maven(self) -> tuple:
        return tuple(a.format(v=self.release) for a in MAVEN_ARTIFACTS[self.api])

    @property
    def artifact(self) -> str:
        return self.maven[0]

    @property
    def fixable_for(self) -> bool:
        """TF Java 1.x runs TF 1.x graphs, which `fix` writes; its op registry is dumped by the 1.x module."""
        return self.api == "1.x"

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_TARGET

    def classpath(self, log=print) -> list:
        """tfinterop's module and the release's jars: the default target's are the installed module's own lib
        folder (the wheel's, or `make java`'s); every other release's come from the cache, fetched on first use."""
        if self.is_default and paths.JAVA_LIB.is_dir() and any(paths.JAVA_LIB.glob("libtensorflow*.jar")):
            return java_jars(paths.JAVA_LIB)
        own = own_jars(self.api)
        from tfinterop.runtimes import jars
        rows = jars.locked().get(self.name)
        if rows is None:
            raise JavaModuleMissingError(f"{self.name} is not in tfinterop's list of TF Java jars ({jars.LOCK}); "
                                         f"`python -m tfinterop.tools.lock_jars` writes it")
        return own + jars.resolve(self.name, rows["jars"], log=log, extract_native=self.native == "extract-native")

    def jvm_options(self) -> list:
        from tfinterop.runtimes import jars
        return [f"-Djava.library.path={jars.native_dir(self.name)}"] if self.native == "extract-native" else []

    def prepare(self, log=print) -> dict:
        """The WorkerClient arguments of its consumer: a worker whose JVM runs this classpath (fetched first if
        needed)."""
        env = environments.package_env(environments.DEFAULT)
        env.pop("TFINTEROP_JAVA_LIB", None)
        env[CLASSPATH_ENV] = os.pathsep.join(map(str, self.classpath(log)))
        env[JVM_OPTIONS_ENV] = "\n".join(self.jvm_options())
        return dict(runtime="java", env=env)

    def command(self, main: str, args=(), jvm=(), log=print) -> list:
        """A plain JVM (no Python) running one of the module's mains."""
        classpath = self.classpath(log)
        return java_command(main, args, [*self.jvm_options(), *jvm], classpath=classpath)


DEFAULT_TARGET = "java-tf-1.8.0"
JAVA_TENSORFLOWS = tuple(JavaTensorFlow(*row) for row in TF_JAVA_RELEASES)
DEFAULT_JAVA = next(j for j in JAVA_TENSORFLOWS if j.name == DEFAULT_TARGET)

# name -> runtime. Consumers: the TF Javas, then each Python TensorFlow's own loader, then TensorFlow.js; producers:
# the Python TensorFlows (each producer's own loader is its reference).
CONSUMERS = {**{j.name: j for j in JAVA_TENSORFLOWS if j.consumes},
             **{env.consumer: env for env in environments.PYTHON_TENSORFLOWS if env.consumes},
             **{js.name: js for js in TFJS_RELEASES if js.consumes}}
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
