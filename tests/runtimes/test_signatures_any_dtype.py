"""Models that are not MNIST-shaped, called by signature (`run`: {input key: array} -> {output key: array}):
a TF2 `tf.Module` exported with `tf.saved_model.save` (float32 image + int64 id -> float32, int64, bool and
float64 outputs), a Keras 3 model exported with `model.export()`, and a TF1 graph with five inputs and five
outputs of five dtypes. Both are built here by
TensorFlow 2.21, which also computes what they must return (the producer's own outputs); the consumers
are held to that, TF Java 1.8 included (the five-dtype graph), which refuses the TF2 export with
TensorFlow's own reason."""

import numpy as np
import pytest

from conftest import cli, python_run
from tfinterop.contract import arrays, signatures
from tfinterop.contract.tolerance import compare
from tfinterop.core import paths
from tfinterop.core.errors import (InvalidInputError, ModelLoadError, NpyFormatError, SignatureKeyNotFoundError,
                                   SignatureNotFoundError)
from tfinterop.savedmodel import reader as savedmodel

BUILD = r'''
import json, sys
import numpy as np
from tfinterop.core.tf_import import tensorflow
tf = tensorflow()
out = sys.argv[1]

class Module(tf.Module):
    def __init__(self):
        self.w = tf.Variable(tf.random.stateless_normal([784, 10], seed=[1, 2]))
    @tf.function(input_signature=[tf.TensorSpec([None, 784], tf.float32), tf.TensorSpec([None], tf.int64)])
    def __call__(self, image, prior_id):
        p = tf.nn.softmax(tf.matmul(image, self.w))
        return {"probabilities": p, "label": tf.argmax(p, axis=1) + prior_id,
                "flag": tf.reduce_max(p, axis=1) > 0.5, "score": tf.cast(tf.reduce_sum(p, axis=1), tf.float64)}

module = Module()
tf.saved_model.save(module, out + "/module")
image = np.random.RandomState(0).rand(4, 784).astype(np.float32)
ids = np.arange(4, dtype=np.int64)
np.savez(out + "/module-in.npz", image=image, prior_id=ids)
np.savez(out + "/module-expected.npz", **{k: v.numpy() for k, v in module(image, ids).items()})

import contextlib, keras                     # Keras 3, as TF 2.21 has it; model.export() prints what it wrote
pixels = keras.Input((784,), name="pixels")
digits = keras.layers.Dense(10, activation="softmax")(keras.layers.Dense(16, activation="relu")(pixels))
classifier = keras.Model(pixels, digits)
with contextlib.redirect_stdout(sys.stderr):
    classifier.export(out + "/keras")
np.savez(out + "/keras-in.npz", pixels=image)
np.savez(out + "/keras-expected.npz", output_0=classifier(image).numpy())

g = tf.Graph()
with g.as_default(), tf.compat.v1.Session() as s:
    ph = {"a": (tf.float32, [None, 3]), "b": (tf.float64, [None, 3]), "c": (tf.int32, [None]), "d": (tf.int64, [None]),
          "e": (tf.bool, [None])}
    x = {k: tf.compat.v1.placeholder(dt, shape, name=k) for k, (dt, shape) in ph.items()}
    y = {"fa": x["a"] * 2.0, "fb": x["b"] + 1.0, "ic": x["c"] * 3, "id": x["d"] - 1, "be": tf.logical_not(x["e"])}
    sig = tf.compat.v1.saved_model.predict_signature_def(inputs=x, outputs=y)
    builder = tf.compat.v1.saved_model.Builder(out + "/five")
    builder.add_meta_graph_and_variables(s, ["serve"], signature_def_map={"serving_default": sig},
                                         strip_default_attrs=True)
    builder.save()
    feed = {"a": np.ones((2, 3), np.float32), "b": np.full((2, 3), 0.25), "c": np.array([1, -2], np.int32),
            "d": np.array([5, 2**40]), "e": np.array([True, False])}
    np.savez(out + "/five-in.npz", **feed)
    np.savez(out + "/five-expected.npz", **s.run(y, {x[k]: v for k, v in feed.items()}))
g = tf.Graph()
with g.as_default(), tf.compat.v1.Session() as s:      # not deterministic: no two runs agree
    x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
    y = x + tf.random.uniform(tf.shape(x))
    sig = tf.compat.v1.saved_model.predict_signature_def(inputs={"x": x}, outputs={"y": y})
    builder = tf.compat.v1.saved_model.Builder(out + "/noisy")
    builder.add_meta_graph_and_variables(s, ["serve"], signature_def_map={"serving_default": sig},
                                         strip_default_attrs=True)
    builder.save()
print("built")
'''


def build_models(tmp_path):
    """The models (BUILD), made once a session by conftest's early job `any_dtype_models`."""
    r = python_run("-c", BUILD, tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "built", r.stderr[-3000:]
    return tmp_path


@pytest.fixture(scope="module")
def models(any_dtype_models):
    return any_dtype_models


def npz(path):
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def assert_same(expected, got):
    """Every output under the tolerance contract (floats within it, other dtypes exactly)."""
    assert sorted(got) == sorted(expected)
    for k in expected:
        result = compare(expected[k], got[k])
        assert result.agree, f"{k}: {result.reason}"


@pytest.mark.parametrize("runtime,name", [("python", "module"), ("python", "keras"), ("python", "five"), ("java", "five")])
def test_any_signature_gives_the_producers_outputs(python_worker, java_worker, models, runtime, name):
    worker = {"python": python_worker, "java": java_worker}[runtime]
    handle = worker.load(models / name, ["serve"])
    try:
        got = worker.run(handle, None, npz(models / f"{name}-in.npz"))
        assert_same(npz(models / f"{name}-expected.npz"), got)
        only = worker.run(handle, "serving_default", npz(models / f"{name}-in.npz"), [sorted(got)[0]])
        assert list(only) == [sorted(got)[0]]
    finally:
        worker.close(handle)


def test_the_command_line_writes_every_output(models, tmp_path):
    out = tmp_path / "y.npz"
    r = cli("predict", models / "five", "--runtime", "python", "--inputs", models / "five-in.npz", "--outputs", out)
    assert r.returncode == 0, r.stderr
    assert "5 input(s) -> be bool[2], fa float32[2, 3], fb float64[2, 3], ic int32[2], id int64[2]" in r.stderr
    assert_same(npz(models / "five-expected.npz"), npz(out))
    both = cli("predict", models / "five", "--runtime", "python", "--inputs", models / "five-in.npz", "--output", out)
    assert both.returncode == 2 and "--inputs X.npz and --outputs Y.npz" in both.stderr


def test_bad_inputs_are_refused_before_tensorflow_sees_them(python_worker, models, tmp_path):
    good = npz(models / "five-in.npz")
    handle = python_worker.load(models / "five", ["serve"])
    cases = [({k: v for k, v in good.items() if k != "e"}, "missing e"),
             ({**good, "z": good["a"]}, "unknown z"),
             ({**good, "a": good["a"].astype(np.float64)}, "input 'a' expects float32 [?, 3]; got float64"),
             ({**good, "c": np.array([1, 2**40])}, "outside int32's range, the first 1099511627776 at [1]"),
             ({**good, "b": np.array([[b"x"] * 3] * 2)}, "input 'b' expects float64 [?, 3]; got string"),
             ({**good, "a": np.ones((2, 4), np.float32)}, "got shape [2, 4]")]
    try:
        for inputs, words in cases:
            with pytest.raises(InvalidInputError) as e:
                python_worker.run(handle, None, inputs)
            assert words in str(e.value) and python_worker.alive
        with pytest.raises(SignatureKeyNotFoundError, match="no output 'nope'; its output keys: be, fa, fb, ic, id"):
            python_worker.run(handle, None, good, ["nope"])
        with pytest.raises(SignatureNotFoundError, match="no signature 'predict'; its signatures: serving_default"):
            python_worker.run(handle, "predict", good)
        # an int64 array whose values fit an int32 input is taken, exactly
        assert_same(npz(models / "five-expected.npz"), python_worker.run(handle, None, {**good, "c": good["c"].astype(np.int64)}))
    finally:
        python_worker.close(handle)


def test_npz_files_that_are_not_data(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    np.savez(tmp_path / "objects.npz", x=np.array([[1], [2, 3]], dtype=object))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    # npy-format, as the Java library's Npz.read says it (SignatureCallTest); a missing file is invalid input
    for name, error, words in (("one.npy", NpyFormatError, "a single .npy array"),
                               ("objects.npz", NpyFormatError, "cannot be read without pickle"),
                               ("junk.npz", NpyFormatError, "not an .npz .*: it starts with neither a zip's"),
                               ("missing.npz", InvalidInputError, "no such file")):
        with pytest.raises(error, match=words):
            arrays.read_npz(tmp_path / name)


def test_the_default_signature():
    assert signatures.choose_signature(["predict", "serving_default", "__saved_model_init_op"]) == "serving_default"
    assert signatures.choose_signature(["predict", "__saved_model_init_op"]) == "predict"
    with pytest.raises(SignatureNotFoundError, match="2 signatures and none is 'serving_default'.*a, b"):
        signatures.choose_signature(["a", "b"])
    sig = savedmodel.read(paths.GOLDEN / "compat-mytag").meta_graphs[0].signature_def
    assert signatures.choose_signature(sig, tags=["myTag"]) == "predict"


def test_java_runs_the_golden_model_by_signature_and_refuses_a_tf2_export_with_the_reason(java_worker, python_worker,
                                                                                          models):
    x = {"myInput": np.load(paths.GOLDEN / "input.npy")}
    outputs = {}
    for worker in (python_worker, java_worker):
        handle = worker.load(paths.GOLDEN / "compat-serve", ["serve"])
        try:
            outputs[worker.name] = worker.run(handle, None, x)
        finally:
            worker.close(handle)
    py, java = outputs.values()
    assert list(java) == ["myOutput"] and java["myOutput"].shape == (100, 10)
    np.testing.assert_allclose(java["myOutput"], py["myOutput"], rtol=1e-5, atol=1e-6)
    with pytest.raises(ModelLoadError, match="Op type not registered 'StatefulPartitionedCall'"):
        java_worker.load(models / "module", ["serve"])


@pytest.mark.parametrize("runtime", ["python", "java"])
@pytest.mark.parametrize("fixture", ["dtypes", "strings", "mixed"])
def test_the_golden_signature_models_give_their_recorded_outputs(python_worker, java_worker, runtime, fixture):
    """fixtures/golden/dtypes (six inputs and outputs, one per numeric dtype every runtime speaks), strings
    (bytes of rank 1 and 2: TF Java's byte[][]) and mixed (the trained five-dtype MNIST model): what their
    generators recorded from Python TensorFlow, which `gradle test` holds TF Java to as well (SignatureCallTest)."""
    worker = {"python": python_worker, "java": java_worker}[runtime]
    golden = paths.GOLDEN / fixture
    handle = worker.load(golden / "model", ["serve"])
    try:
        assert_same(npz(golden / "expected.npz"), worker.run(handle, None, npz(golden / "inputs.npz")))
    finally:
        worker.close(handle)

