"""`tfinterop verify` as a user runs it: several SavedModels in one call, each by its signature in the
reference (Python TensorFlow 2.21) and in TF Java 1.8.0. The models are test_signatures_any_dtype.py's (the
session's `any_dtype_models`); the job starts when the session does (three calls that each start their
runtimes: about 15 CPU-seconds)."""

import json

import pytest

from conftest import cli, early_session_result
from tfinterop.core import paths


def verify_several_models(tmp_path):
    models = early_session_result("any_dtype_models")
    golden = paths.GOLDEN / "dtypes"
    several = cli("verify", golden / "model", paths.GOLDEN / "mixed" / "model", models / "module", models / "keras",
                  models / "noisy", tmp_path / "nothing-here", "--json", tmp_path / "verify.json")
    # Refused before any runtime starts: inputs that are not an .npz, an unknown target.
    not_npz = cli("verify", golden / "model", "--inputs", paths.GOLDEN / "input.npy")
    unknown = cli("verify", golden / "model", "--target", "java-tf-0.1")
    return several, not_npz, unknown


@pytest.mark.early(job=verify_several_models)
def test_verify_holds_the_target_to_the_reference_on_every_output(java_built, any_dtype_models, early_result):
    """The golden six-dtype model and the five-dtype MNIST model agree in TF Java 1.8 (on inputs synthesized
    from their signatures); a TF2
    export does not load there, with TensorFlow's reason and check's findings; a model that draws random
    numbers differs, with where; an unreadable folder is an error and the others still run."""
    (r, not_npz, unknown), tmp_path = early_result
    assert r.returncode == 2, r.stdout + r.stderr          # the unreadable folder decides the exit status
    assert "error: model-not-found:" in r.stderr and "nothing-here" in r.stderr
    doc = json.loads((tmp_path / "verify.json").read_text())
    assert (doc["reference"], doc["target"], doc["ok"]) == ("python-tf-2.21.0", "java-tf-1.8.0", False)
    dtypes, mixed, module, keras, noisy = doc["models"]
    assert dtypes["status"] == "agree" and [o["key"] for o in dtypes["outputs"]] == \
        ["f32_out", "f64_out", "flag_out", "i32_out", "i64_out", "u8_out"]
    assert dtypes["inputs"].startswith("synthesized from the signature: 8 example(s)")
    # The five-input, five-output MNIST model (float32, float64, int32, int64, bool) that TF 1.8 loads.
    assert mixed["status"] == "agree" and [(o["key"], o["dtype"]) for o in mixed["outputs"]] == [
        ("correct", "bool"), ("label", "int64"), ("probabilities", "float32"), ("score", "float64"), ("shifted", "int32")]
    assert module["status"] == "target-failed" and not module["loaded"]
    assert module["runtime_message"].startswith("Op type not registered 'StatefulPartitionedCall'")
    assert {"op-not-registered", "resource-variable", "sharded-saver"} <= {f["kind"] for f in module["findings"]}
    assert keras["status"] == "target-failed" and keras["signature"] == "serving_default"
    assert keras["runtime_message"].startswith("Op type not registered 'StatefulPartitionedCall'")
    assert "op-not-registered" in {f["kind"] for f in keras["findings"]}
    assert noisy["status"] == "differ" and not noisy["outputs"][0]["agree"]
    assert "values differ beyond rtol" in noisy["outputs"][0]["reason"]
    assert "y: float32[8, 3] DIFFERS: values differ" in r.stdout and "check: op-not-registered" in r.stdout
    assert not_npz.returncode == 2 and "error: npy-format: --inputs" in not_npz.stderr and "a single .npy" in \
        not_npz.stderr
    assert unknown.returncode == 2 and "unknown target 'java-tf-0.1'" in unknown.stderr


def the_mixed_model_and_tf2_exports_from_the_command_line(tmp_path):
    models = early_session_result("any_dtype_models")
    mixed = paths.GOLDEN / "mixed"
    calls = []
    for name, runtime in (("module", "python"), ("keras", "python"), ("keras", "java")):
        calls.append(("predict", models / name, "--runtime", runtime, "--inputs", models / f"{name}-in.npz",
                      "--outputs", tmp_path / f"{name}-{runtime}.npz"))
    calls.append(("predict", mixed / "model", "--runtime", "java", "--inputs", mixed / "inputs.npz",
                  "--outputs", tmp_path / "mixed-java.npz"))
    return [cli(*c) for c in calls]


@pytest.mark.early(job=the_mixed_model_and_tf2_exports_from_the_command_line)
def test_predict_by_signature_on_the_mixed_model_and_on_tf2_exports(java_built, early_result):
    """The five-input, five-output golden model (float32, float64, int32, int64, bool) that TF 1.8 loads gives
    Python TensorFlow's recorded outputs through `predict --runtime java --inputs` (`verify` agrees on it: the
    test above; it exits 0 on it: tests-install/); a tf.saved_model.save export and a Keras 3 model.export()
    run by signature in Python, and in Java fail with TensorFlow's reason and no traceback."""
    from test_signatures_any_dtype import assert_same, npz
    (module_py, keras_py, keras_java, mixed_java), tmp_path = early_result
    models = early_session_result("any_dtype_models")
    assert mixed_java.returncode == 0, mixed_java.stderr
    assert_same(npz(paths.GOLDEN / "mixed" / "expected.npz"), npz(tmp_path / "mixed-java.npz"))
    for name, r in (("module", module_py), ("keras", keras_py)):
        assert r.returncode == 0, r.stderr
        assert_same(npz(models / f"{name}-expected.npz"), npz(tmp_path / f"{name}-python.npz"))
    assert keras_java.returncode == 1 and "Traceback" not in keras_java.stderr
    assert "error: load-failed:" in keras_java.stderr and "Op type not registered 'StatefulPartitionedCall'" in \
        keras_java.stderr
    assert not (tmp_path / "keras-java.npz").exists()
