"""Bad input gets a typed error that says what was expected, from both runtimes, and the consumer
process survives it. The Java library's own checks are also covered by `gradle test`."""

import numpy as np
import pytest

from conftest import cli
from tfinterop.core import paths
from tfinterop.core.errors import (InvalidInputError, ModelNotFoundError, NotASavedModelError, TagSetNotFoundError,
                                   UnknownTensorError)

RUNTIMES = ["python", "java"]


@pytest.fixture
def worker(request, python_worker, java_worker):
    return {"python": python_worker, "java": java_worker}[request.param]


@pytest.fixture
def model():
    return paths.GOLDEN / "compat-mytag"


def load_error(worker, directory, tags):
    with pytest.raises(Exception) as info:
        worker.load(directory, tags)
    assert worker.alive, "the consumer process died on bad input"
    return info.value


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_missing_directory(worker, tmp_path):
    e = load_error(worker, tmp_path / "nope", ["serve"])
    assert isinstance(e, ModelNotFoundError) and "nope" in str(e)


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_directory_without_saved_model_pb(worker, tmp_path):
    e = load_error(worker, tmp_path, ["serve"])
    assert isinstance(e, NotASavedModelError) and "saved_model.pb" in str(e)


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_garbage_saved_model_pb(worker, tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\xff\xfe this is not a protobuf \x00\x01" * 10)
    e = load_error(worker, tmp_path, ["serve"])
    assert isinstance(e, NotASavedModelError)


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_missing_tag_set_lists_the_ones_there_are(worker, model):
    e = load_error(worker, model, ["gpu"])
    assert isinstance(e, TagSetNotFoundError)
    assert "[myTag]" in str(e) and "[serve]" in str(e)


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
@pytest.mark.parametrize("x,needle", [
    (np.zeros((3, 783), np.float32), "784"),
    (np.zeros((784,), np.float32), "784"),
    (np.zeros((2, 28, 28), np.float32), "784"),
    (np.zeros((3, 784), np.float64), "float32"),
    (np.zeros((3, 784), np.int32), "float32"),
], ids=["wrong-shape", "wrong-rank-1", "wrong-rank-3", "float64", "int32"])
def test_wrong_shape_or_dtype(worker, model, x, needle):
    handle = worker.load(model, ["myTag"])
    try:
        with pytest.raises(InvalidInputError, match=needle):
            worker.predict(handle, "myInput", "myOutput", x)
        assert worker.alive
    finally:
        worker.close(handle)


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_unknown_tensor_name(worker, model):
    handle = worker.load(model, ["myTag"])
    try:
        with pytest.raises(UnknownTensorError, match="myInput"):   # the message names the placeholder there is
            worker.predict(handle, "notThere", "myOutput", np.zeros((1, 784), np.float32))
    finally:
        worker.close(handle)


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_empty_batch_gives_an_empty_answer(worker, model):
    handle = worker.load(model, ["myTag"])
    try:
        y = worker.predict(handle, "myInput", "myOutput", np.zeros((0, 784), np.float32))
        assert y.shape == (0, 10) and y.dtype == np.float32
    finally:
        worker.close(handle)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_cli_errors_exit_non_zero_with_the_kind(runtime, tmp_path, java_built):
    r = cli("predict", tmp_path / "missing", "--runtime", runtime, "--input", paths.GOLDEN / "input.npy",
            "--output", tmp_path / "y.npy")
    assert r.returncode == 2
    assert "error: model-not-found:" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "y.npy").exists()


def test_cli_never_overwrites_without_permission(tmp_path):
    out = tmp_path / "y.npy"
    out.write_bytes(b"precious")
    r = cli("predict", paths.GOLDEN / "compat-serve", "--runtime", "python", "--input", paths.GOLDEN / "input.npy",
            "--output", out)
    assert r.returncode == 2 and "error: output-exists:" in r.stderr and "--overwrite" in r.stderr
    assert out.read_bytes() == b"precious"


def test_cli_usage_errors_exit_2(tmp_path):
    r = cli("predict", paths.GOLDEN / "compat-serve", "--runtime", "cobol", "--input", "x.npy", "--output", "y.npy")
    assert r.returncode == 2 and "invalid choice" in r.stderr
