"""Where things live, and the keys of what is cached. What a user's copy needs (the files both languages read,
in shared/: the tolerance contract, the untrusted-op list, the error kinds; the dumped op registries of the
targets) is package data, found in the package however it was installed; what only the harness's own development needs (fixtures: the MNIST subset, golden models, the
known-incompatibilities list) is found in the checkout. Environment variables override for other layouts."""

import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
REPO_ROOT = PACKAGE.parents[1]
FIXTURES = Path(os.environ.get("TFINTEROP_FIXTURES", REPO_ROOT / "fixtures"))
KNOWN_INCOMPATIBILITIES = FIXTURES / "known-incompatibilities.txt"
MNIST_SUBSET = FIXTURES / "mnist" / "mnist-test-1000.npz"
GOLDEN = FIXTURES / "golden"
# The files the Python and the Java side both read (the Java build copies them into its jar).
SHARED = PACKAGE / "shared"
TOLERANCE = SHARED / "tolerance.json"
UNTRUSTED_OPS = SHARED / "untrusted-ops.txt"
ERROR_KINDS = SHARED / "error-kinds.txt"
# The target runtimes' dumped op registries (compat/targets.py): package data, so `check` works in any install.
TARGETS = Path(os.environ.get("TFINTEROP_TARGETS", PACKAGE / "compat" / "op_registries"))
# The TF 1.x testees of the harness (run by path under old Pythons, which cannot import this package).
TF1_TESTEES = PACKAGE / "harness" / "tf1_testees"
# The Java module and every jar it needs (JPype's classpath): in a wheel, package data (setup.py copies them in
# when the wheel is built); in a checkout, where `gradle installDist` puts them.
PACKAGED_JAVA_LIB = PACKAGE / "java-lib"
JAVA_LIB = Path(os.environ.get("TFINTEROP_JAVA_LIB") or (
    PACKAGED_JAVA_LIB if PACKAGED_JAVA_LIB.is_dir() else REPO_ROOT / "java" / "build" / "install" / "tfinterop-java" / "lib"))
# The module for the current TF Java's API (java-current.jar and java-core.jar; its TF Java jars are fetched on
# first use, runtimes/jars.py): in a wheel, package data; in a checkout, Gradle's `jar` outputs side by side.
PACKAGED_JAVA_CURRENT_LIB = PACKAGE / "java-lib-current"
JAVA_CURRENT_JARS = ((PACKAGED_JAVA_CURRENT_LIB / "java-current.jar", PACKAGED_JAVA_CURRENT_LIB / "java-core.jar")
                     if PACKAGED_JAVA_CURRENT_LIB.is_dir() else
                     (REPO_ROOT / "java-current" / "build" / "libs" / "java-current.jar",
                      REPO_ROOT / "java-core" / "build" / "libs" / "java-core.jar"))
# The Java library as Maven artifacts (org.tfinterop:tfinterop-java, ...), a file repository: in a wheel, package
# data (setup.py); in a checkout, where `make maven-local` publishes it.
PACKAGED_MAVEN_REPO = PACKAGE / "maven-repo"
MAVEN_REPO = Path(os.environ.get("TFINTEROP_MAVEN_REPO") or (
    PACKAGED_MAVEN_REPO if PACKAGED_MAVEN_REPO.is_dir() else REPO_ROOT / "build" / "maven-repo"))


def cache_dir() -> Path:
    """Downloaded data and trained weights; safe to delete, rebuilt on demand."""
    env = os.environ.get("TFINTEROP_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tfinterop"


def content_digest(*parts) -> str:
    """A cache key: 16 hex digits of the SHA-256 of the parts (bytes, or anything as its str)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]
