"""TensorFlow.js as a consumer (js-tfjs-4.22.0: @tensorflow/tfjs in Node.js, each signature converted by the real
tensorflowjs converter): `verify` and `check` against it as a user runs them, on models exported here by TF 2.21 as
users export theirs, and its Node worker held to Python TensorFlow's outputs by signature key."""

import os
from pathlib import Path

import numpy as np
import pytest

from conftest import TFJS_TARGET, cli, python_run
from tfinterop.core.errors import InvalidInputError, ModelLoadError, UnsupportedDataTypeError

EXPORTS = r'''
import sys
import keras, tensorflow as tf
out = sys.argv[1]
cnn = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                        keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
cnn.export(out + "/keras-cnn")        # Keras 3's model.export(): an object-based SavedModel, its serve signature

class Twins(tf.Module):
    # two inputs and two outputs of one dtype and shape each: the converter cannot tell their keys apart
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="p"), tf.TensorSpec([None, 3], tf.float32, name="q")])
    def serve(self, p, q):
        return {"sum": p + q, "diff": p - q, "first": p[:, 0]}

    @tf.function(input_signature=[tf.TensorSpec([None, 2, 2], tf.float32)])
    def det(self, x):                   # MatrixDeterminant: not an op TensorFlow.js has
        return {"d": tf.linalg.det(x)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64, name="ids"), tf.TensorSpec([None], tf.float64, name="scale")])
    def wide(self, ids, scale):
        return {"next": ids + 1, "scaled": scale * 2.0, "half": tf.cast(ids, tf.float32) / 2.0, "odd": ids % 2 == 1}

m = Twins()
tf.saved_model.save(m, out + "/twins", signatures={"serving_default": m.serve, "det": m.det, "wide": m.wide})
'''


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("tfjs-exports")
    done = python_run("-c", EXPORTS, root)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def test_verify_passes_a_keras_3_export_of_a_cnn(exports):
    r = cli("verify", exports / "keras-cnn", "--target", TFJS_TARGET)
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert f"python-tf-2.21.0 vs {TFJS_TARGET}: AGREE" in r.stdout and "output_0: float32[8, 10] agrees" in r.stdout


def test_verify_fails_with_the_converters_words_and_check_predicted_them(exports):
    r = cli("verify", exports / "twins", "--signature", "det", "--target", TFJS_TARGET)
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    assert "TARGET-FAILED" in r.stdout
    assert "ValueError: Unsupported Ops in the model before optimization; MatrixDeterminant" in r.stdout
    assert "check: op-not-registered: MatrixDeterminant" in r.stdout      # the prediction, attached
    predicted = cli("check", exports / "twins", "--target", TFJS_TARGET)
    assert predicted.returncode == 1 and "op 'MatrixDeterminant' is not in the ops" in predicted.stdout
    assert "(signature 'det')" in predicted.stdout and "serving_default" not in predicted.stdout
    assert cli("check", exports / "keras-cnn", "--target", TFJS_TARGET).returncode == 0


def test_every_output_by_its_key_where_the_converter_loses_the_keys(exports, js_worker, python_worker):
    rng = np.random.default_rng(0)
    inputs = {"p": rng.standard_normal((5, 3)).astype(np.float32), "q": rng.standard_normal((5, 3)).astype(np.float32)}
    got = {}
    for name, worker in (("js", js_worker), ("python", python_worker)):
        handle = worker.load(exports / "twins", ["serve"])
        try:
            got[name] = worker.run(handle, None, inputs)
        finally:
            worker.close(handle)
    assert sorted(got["js"]) == ["diff", "first", "sum"]
    for k in got["python"]:       # + and - of float32 are exact in both: equal, not merely close
        np.testing.assert_array_equal(got["js"][k], got["python"][k], err_msg=k)


def test_int64_and_float64_fed_narrowed_only_when_exact_and_never_fetched(exports, js_worker, python_worker):
    ids, scale = np.array([1, 2, 2**31 - 1], np.int64), np.array([0.5, -3.0, 2.0**100], np.float64)
    handle = js_worker.load(exports / "twins", ["serve"])
    try:
        with pytest.raises(UnsupportedDataTypeError, match=r"cannot fetch next \(int64\), scaled \(float64\)"):
            js_worker.run(handle, "wide", {"ids": ids, "scale": scale})
        got = js_worker.run(handle, "wide", {"ids": ids, "scale": scale}, ["half", "odd"])
        with pytest.raises(InvalidInputError, match=r"outside int32's range, the first 3000000000 .*converter narrows"):
            js_worker.run(handle, "wide", {"ids": np.array([3_000_000_000], np.int64), "scale": scale[:1]}, ["half"])
        with pytest.raises(InvalidInputError, match="value 0.1 at flat index 0 is not exactly a float32"):
            js_worker.run(handle, "wide", {"ids": ids[:1], "scale": np.array([0.1])}, ["half"])
        with pytest.raises(ModelLoadError, match="MatrixDeterminant"):
            js_worker.run(handle, "det", {"x": np.eye(2, dtype=np.float32)[None]})
    finally:
        js_worker.close(handle)
    reference = python_worker.load(exports / "twins", ["serve"])
    try:
        expected = python_worker.run(reference, "wide", {"ids": ids, "scale": scale}, ["half", "odd"])
    finally:
        python_worker.close(reference)
    assert got["odd"].dtype == np.bool_
    for k in expected:
        np.testing.assert_array_equal(got[k], expected[k], err_msg=k)


def test_the_pytest_plugin_holds_a_model_to_tfjs(pytester, exports):
    pytester.makepyfile(test_user=f'''
import pytest

@pytest.mark.tfinterop_target("{TFJS_TARGET}")
def test_serves_in_the_browser_too(tfinterop):
    tfinterop.assert_same_outputs(r"{exports / "keras-cnn"}")

''')
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1)
    assert f"test_serves_in_the_browser_too[target={TFJS_TARGET}] PASSED" in result.stdout.str()


def test_a_node_worker_that_dies_is_a_crash_the_caller_survives(exports):
    """A Node worker killed mid-life (a native crash, the OOM killer) is a typed crash with its signal; the next
    worker starts clean. The converter's own process dying is an error of the call, not of the worker."""
    import os
    import signal

    from tfinterop.core.errors import TfInteropError, WorkerCrashedError
    from tfinterop.runtimes import registry
    from tfinterop.runtimes.worker import WorkerClient
    spec = registry.consumer(TFJS_TARGET).prepare(log=lambda m: None)
    with WorkerClient(**spec) as worker:
        os.kill(worker._child.proc.pid, signal.SIGKILL)
        with pytest.raises(WorkerCrashedError) as crashed:
            worker.load(exports / "keras-cnn", ["serve"])
        # found dead when the request is sent, or while its reply is awaited: either way, the signal is named
        assert crashed.value.kind == "crash" and crashed.value.signal == "SIGKILL"
    broken = {**spec, "env": {**spec["env"], "TFINTEROP_TFJS_CONVERTER": '["/bin/false"]'}}
    with WorkerClient(**broken) as worker:
        with pytest.raises(TfInteropError, match="converter's process exited with status 1") as failed:
            worker.load(exports / "keras-cnn", ["serve"])
        assert failed.value.kind == "error" and worker.alive


def test_a_conversion_puts_in_place_only_a_complete_graph_model_and_clears_only_its_own_staging(tmp_path,
                                                                                                  monkeypatch):
    """The converter's half, with the converter itself stood in for (no TensorFlow here): a conversion that fails
    leaves nothing in the cache; one that succeeds renames its complete folder into place; a killed conversion's
    staging folder (its owner's process gone) is removed by the next one, and a live writer's, or a folder named
    otherwise, is kept."""
    from tfinterop.core import atomic
    from tfinterop.runtimes import tfjs_convert
    model = tmp_path / "model"
    model.mkdir()
    (model / "saved_model.pb").write_bytes(b"not read by the stand-in")
    cache = tmp_path / "graph-models"
    monkeypatch.setenv(tfjs_convert.CONVERTED_ENV, str(cache))
    converter = tfjs_convert.Converter()
    converter.version = "4.22.0"
    monkeypatch.setattr(converter, "_signature_names", lambda *a: {"inputs": {"x": "x:0"}, "outputs": {"y": "Identity:0"}})

    def refuses(directory, out, **kw):
        (Path(out) / "model.json").write_text("{half")
        raise ValueError("Unsupported Ops in the model before optimization\nMatrixDeterminant")
    converter._convert = refuses
    with pytest.raises(ModelLoadError, match="MatrixDeterminant"):
        converter.convert(model, ["serve"], "serving_default")
    assert not any(cache.iterdir())

    key = tfjs_convert.content_key(model, ["serve"], "serving_default", "4.22.0")
    dead = cache / f".{key}{atomic.STAGING_MARK}999999999-1-killed"
    live = cache / f".{key}{atomic.STAGING_MARK}{atomic._process_identity(os.getpid())}-live"
    mine = cache / "my-notes.partial"
    for folder in (dead, live, mine):
        folder.mkdir()

    def converts(directory, out, **kw):
        (Path(out) / "model.json").write_text('{"modelTopology": {"node": [{"name": "x"}, {"name": "Identity"}]}}')
    converter._convert = converts
    done = converter.convert(model, ["serve"], "serving_default")
    assert done == {"model": str(cache / key), "inputs": {"x": "x:0"}, "outputs": {"y": "Identity:0"}}
    assert sorted(p.name for p in cache.iterdir()) == sorted([key, live.name, mine.name])


def test_the_installer_replaces_only_an_install_of_its_own(tmp_path, monkeypatch):
    """runtimes/tfjs.py's installs (npm ci, the converter's packages), with the install stood in for: a folder there
    without tfinterop's marker is refused and kept as it is; one with the marker of older pins is replaced once the
    new install is complete; an install that fails leaves the old one, and no staging folder."""
    from tfinterop.runtimes.environments import EnvironmentSetupFailed
    from tfinterop.runtimes.tfjs import MARKER, TFJS_RELEASES
    monkeypatch.setenv("TFINTEROP_CACHE", str(tmp_path))
    js = TFJS_RELEASES[0]
    home = js.home()
    (home / "node").mkdir(parents=True)
    (home / "node" / "my-project.js").write_text("mine")

    def install(folder):
        (folder / "installed.txt").write_text("new")
    with pytest.raises(EnvironmentSetupFailed, match="is not a folder tfinterop installed"):
        js._installed("node", "pins-2", install, lambda m: None, "npm ci")
    assert (home / "node" / "my-project.js").read_text() == "mine"

    (home / "converter").mkdir()
    (home / "converter" / MARKER).write_text("pins-1\n")
    (home / "converter" / "old.txt").write_text("old")

    def fails(folder):
        (folder / "half.txt").write_text("half")
        raise EnvironmentSetupFailed("pip exited 1")
    with pytest.raises(EnvironmentSetupFailed, match="pip exited 1"):
        js._installed("converter", "pins-2", fails, lambda m: None, "pip")
    assert (home / "converter" / "old.txt").is_file() and sorted(p.name for p in home.iterdir()) == ["converter", "node"]

    assert js._installed("converter", "pins-2", install, lambda m: None, "pip") == home / "converter"
    assert sorted(p.name for p in (home / "converter").iterdir()) == sorted([MARKER, "installed.txt"])
    assert (home / "converter" / MARKER).read_text() == "pins-2\n" and sorted(p.name for p in home.iterdir()) == \
        ["converter", "node"]
