"""Calls by signature, in both runtimes: a signature key and its input/output keys (as `inspect` shows
them) resolve through the SignatureDef to the same tensors as the names, and unknown keys are typed
errors that list the keys there are."""

import numpy as np
import pytest

from conftest import cli
from tfinterop.contract.tolerance import compare
from tfinterop.core import paths
from tfinterop.core.errors import SignatureKeyNotFoundError, SignatureNotFoundError

RUNTIMES = ["python", "java"]
MODEL = paths.GOLDEN / "compat-mytag"      # [myTag]: signature `predict`; [serve]: `serving_default`


@pytest.fixture
def worker(request, python_worker, java_worker):
    return {"python": python_worker, "java": java_worker}[request.param]


@pytest.fixture(scope="module")
def x():
    return np.load(paths.GOLDEN / "input.npy")


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
@pytest.mark.parametrize("tags,key", [(["myTag"], "predict"), (["serve"], "serving_default")])
@pytest.mark.parametrize("keys", [(None, None), ("myInput", "myOutput")], ids=["keys-omitted", "keys-named"])
def test_signature_call_equals_the_call_by_tensor_name(worker, tags, key, keys, x):
    handle = worker.load(MODEL, tags)
    try:
        by_signature = worker.predict_signature(handle, key, keys[0], keys[1], x)
        by_name = worker.predict(handle, "myInput", "myOutput", x)
    finally:
        worker.close(handle)
    np.testing.assert_array_equal(by_signature, by_name)   # the same tensors in the same runtime
    expected = np.load(paths.GOLDEN / "expected" / f"compat-mytag__{tags[0]}.npy")
    assert compare(expected, by_signature).agree


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
@pytest.mark.parametrize("tags,key,input_key,output_key,error,listed", [
    (["myTag"], "serving_default", None, None, SignatureNotFoundError, "its signatures: predict"),
    (["serve"], "predict", None, None, SignatureNotFoundError, "its signatures: serving_default"),
    (["myTag"], "predict", "images", None, SignatureKeyNotFoundError, "its input keys: myInput"),
    (["myTag"], "predict", None, "probabilities", SignatureKeyNotFoundError, "its output keys: myOutput"),
    (["myTag"], "predict", "myInput:0", None, SignatureKeyNotFoundError, "its input keys: myInput"),
], ids=["signature-of-the-other-tag-set", "other-way-round", "input-key", "output-key", "tensor-name-is-not-a-key"])
def test_unknown_keys_list_the_keys_there_are(worker, x, tags, key, input_key, output_key, error, listed):
    handle = worker.load(MODEL, tags)
    try:
        with pytest.raises(error) as info:
            worker.predict_signature(handle, key, input_key, output_key, x)
        assert listed in str(info.value)
        assert worker.alive
    finally:
        worker.close(handle)


def test_python_needs_a_key_when_a_signature_has_several(python_worker, inspected_models):
    """The TF2 model's signature has two outputs (idx, probs); Java cannot load it (JUnit covers Java's side)."""
    handle = python_worker.load(inspected_models["tf2"]["dir"], ["serve"])
    try:
        x = np.eye(2, 4, dtype=np.float32)
        with pytest.raises(SignatureKeyNotFoundError, match="has 2 outputs.*its output keys: idx, probs"):
            python_worker.predict_signature(handle, "serving_default", None, None, x)
        probs = python_worker.predict_signature(handle, "serving_default", None, "probs", x)
        assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1.0)
    finally:
        python_worker.close(handle)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_cli_predict_by_signature(runtime, tmp_path, java_built):
    out = tmp_path / "y.npy"
    r = cli("predict", MODEL, "--runtime", runtime, "--tag", "myTag", "--signature", "predict",
            "--input", paths.GOLDEN / "input.npy", "--output", out)
    assert r.returncode == 0, r.stderr
    assert compare(np.load(paths.GOLDEN / "expected" / "compat-mytag__myTag.npy"), np.load(out)).agree


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_cli_predict_unknown_signature(runtime, tmp_path, java_built):
    r = cli("predict", MODEL, "--runtime", runtime, "--signature", "predict", "--input", paths.GOLDEN / "input.npy",
            "--output", tmp_path / "y.npy")
    assert r.returncode == 2, r.stderr
    assert "error: signature-not-found:" in r.stderr and "serving_default" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "y.npy").exists()


def test_cli_predict_unknown_output_key(tmp_path, java_built):
    # One runtime is enough here: the workers' tests cover both; each Python CLI run imports TensorFlow.
    r = cli("predict", MODEL, "--runtime", "java", "--signature", "serving_default", "--output-key", "nope",
            "--input", paths.GOLDEN / "input.npy", "--output", tmp_path / "y.npy")
    assert r.returncode == 2 and "error: signature-key-not-found:" in r.stderr and "myOutput" in r.stderr


def test_cli_signature_usage_errors(tmp_path):
    base = ["predict", MODEL, "--runtime", "python", "--input", paths.GOLDEN / "input.npy", "--output", tmp_path / "y"]
    r = cli(*base[:-4], "--inputs", paths.GOLDEN / "dtypes" / "inputs.npz", "--outputs", tmp_path / "y.npz",
            "--input-key", "myInput")
    assert r.returncode == 2 and "no --input-key" in r.stderr
    r = cli(*base, "--signature", "serving_default", "--input-name", "myInput")
    assert r.returncode == 2 and "--input-key" in r.stderr
