"""Where things live, and the keys of what is cached. The package runs from a checkout (editable install), so fixtures and the
Java module are found relative to it; environment variables override for other layouts."""

import hashlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("TFINTEROP_FIXTURES", REPO_ROOT / "fixtures"))
KNOWN_INCOMPATIBILITIES = FIXTURES / "known-incompatibilities.txt"
MNIST_SUBSET = FIXTURES / "mnist" / "mnist-test-1000.npz"
GOLDEN = FIXTURES / "golden"
# `gradle installDist` puts the Java module and every jar it needs here (JPype's classpath).
JAVA_LIB = Path(os.environ.get("TFINTEROP_JAVA_LIB",
                               REPO_ROOT / "java" / "build" / "install" / "tfinterop-java" / "lib"))
TOLERANCE = Path(__file__).resolve().parent / "tolerance.json"


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
