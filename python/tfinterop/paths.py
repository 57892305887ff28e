"""Where things live, and the keys of what is cached. What a user's copy needs (the tolerance contract, the
untrusted-op list, the dumped target registries) is package data, found beside this file however the package
was installed; what only the harness's own development needs (fixtures: the MNIST subset, golden models, the
known-incompatibilities list) is found in the checkout. Environment variables override for other layouts."""

import hashlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("TFINTEROP_FIXTURES", REPO_ROOT / "fixtures"))
KNOWN_INCOMPATIBILITIES = FIXTURES / "known-incompatibilities.txt"
MNIST_SUBSET = FIXTURES / "mnist" / "mnist-test-1000.npz"
GOLDEN = FIXTURES / "golden"
PACKAGE = Path(__file__).resolve().parent
TOLERANCE = PACKAGE / "tolerance.json"
# The target runtimes' dumped registries (targets.py): package data, so `check --target` works in any install.
TARGETS = Path(os.environ.get("TFINTEROP_TARGETS", PACKAGE / "registries"))
# The Java module and every jar it needs (JPype's classpath): in a wheel, package data (setup.py copies them in
# when the wheel is built); in a checkout, where `gradle installDist` puts them.
PACKAGED_JAVA_LIB = PACKAGE / "java-lib"
JAVA_LIB = Path(os.environ.get("TFINTEROP_JAVA_LIB") or (
    PACKAGED_JAVA_LIB if PACKAGED_JAVA_LIB.is_dir() else REPO_ROOT / "java" / "build" / "install" / "tfinterop-java" / "lib"))


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
