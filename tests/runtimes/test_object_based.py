"""Object-based exports in the Python reference (runtimes/object_based.py): loaded without their checkpoint, and only
the variables their signatures capture read from it. A tf.Module that tracks a variable no signature uses (as Keras 3's
export tracks a second copy of every weight) is built by TensorFlow 2.21, which computes what it must return; the
reference must give exactly that, and must not have restored the other variable. fix's lowering reads the values from
the checkpoint unrestored (StoredValue): they must be the saved ones."""

import json

import pytest

from conftest import python_run

DRIVER = r'''
import json, sys
import numpy as np
from tfinterop.core.tf_import import tensorflow
from tfinterop.core.errors import UnknownTensorError
tf = tensorflow()
out = sys.argv[1]

class Module(tf.Module):
    def __init__(self):
        self.w = tf.Variable(tf.random.stateless_normal([6, 3], seed=[1, 2]), name="w")
        self.spare = tf.Variable(tf.fill([1000], 7.0), name="spare")     # tracked, captured by no signature
    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float32, name="x")])
    def __call__(self, x):
        return {"y": tf.matmul(x, self.w), "top": tf.argmax(tf.matmul(x, self.w), axis=1)}

module = Module()
tf.saved_model.save(module, out + "/module", signatures={"serving_default": module.__call__})
x = np.random.RandomState(0).randn(5, 6).astype(np.float32)
expected = {k: v.numpy() for k, v in module(x).items()}
w_saved, spare_saved = module.w.numpy(), module.spare.numpy()
del module

from tfinterop.runtimes import object_based
from tfinterop.runtimes.python_tf import PythonTF
results = {}
loaded = object_based.load_for_serving(tf, out + "/module", ["serve"], ["serving_default"])
results["w_restored"] = bool(np.array_equal(loaded.w.numpy(), w_saved))
try:                 # an UninitializedVariable reads as an empty array
    results["spare"] = "restored" if np.array_equal(loaded.spare.numpy(), spare_saved) else "not restored"
except Exception as e:  # noqa: BLE001 -- or raises, in other TensorFlows
    results["spare"] = type(e).__name__

consumer = PythonTF()
handle = consumer.load(out + "/module", ["serve"])
got = consumer.run(handle, "serving_default", {"x": x})
results["run_equal"] = {k: bool(np.array_equal(got[k], expected[k])) and got[k].dtype == expected[k].dtype
                        for k in expected}
sig = consumer._meta_graphs[handle][1].signature_def["serving_default"]   # noqa: SLF001 -- its tensor names
by_name = consumer.predict(handle, sig.inputs["x"].name, sig.outputs["y"].name, x)
results["predict_equal"] = bool(np.array_equal(by_name, expected["y"]))
results["predict_signature_equal"] = bool(np.array_equal(
    consumer.predict_signature(handle, "serving_default", "x", "y", x), expected["y"]))
try:
    consumer.predict(handle, "MatMul:0", sig.outputs["y"].name, x)
    results["unknown"] = "no error"
except UnknownTensorError as e:
    results["unknown"] = str(e)
consumer.close(handle)

# fix's lowering: the captured variable's value read from the checkpoint (the variable itself never restored).
from tfinterop.commands.fix.lower import lower
[sig] = lower(out + "/module", {("serve",): ["serving_default"]}, False, log=lambda m: None)
[variable] = sig.variable_nodes.values()
results["stored"] = type(variable.value).__name__
results["stored_equal"] = bool(np.array_equal(variable.array(), w_saved)) and variable.shape == w_saved.shape
print(json.dumps(results))
'''


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    r = python_run("-c", DRIVER, tmp_path_factory.mktemp("object-based"))
    assert r.returncode == 0, r.stderr[-4000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_the_reference_restores_only_what_the_signatures_capture(results):
    assert results["w_restored"]
    assert results["spare"] != "restored", "a variable no signature captures was restored"


def test_the_reference_runs_an_object_based_export_by_signature_exactly(results):
    assert results["run_equal"] == {"y": True, "top": True}
    assert results["predict_equal"] and results["predict_signature_equal"]
    assert "is not a signature's input and output" in results["unknown"] and "serving_default" in results["unknown"]


def test_fix_reads_the_captured_values_from_the_checkpoint(results):
    assert results["stored"] == "StoredValue"
    assert results["stored_equal"]
