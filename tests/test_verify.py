"""`tfinterop verify` as a user runs it: several SavedModels in one call, each by its signature in the
reference (Python TensorFlow 2.21) and in TF Java 1.8.0. The models are test_signatures_any_dtype.py's (the
session's `any_dtype_models`); the job starts when the session does (three calls that each start their
runtimes: about 15 CPU-seconds)."""

import json

import pytest

from conftest import cli, early_session_result
from tfinterop import paths


def verify_several_models(tmp_path):
    models = early_session_result("any_dtype_models")
    golden = paths.GOLDEN / "dtypes"
    several = cli("verify", golden / "model", models / "module", models / "noisy", tmp_path / "nothing-here",
                  "--json", tmp_path / "verify.json")
    # Refused before any runtime starts: inputs that are not an .npz, an unknown target.
    not_npz = cli("verify", golden / "model", "--inputs", paths.GOLDEN / "input.npy")
    unknown = cli("verify", golden / "model", "--target", "java-tf-0.1")
    return several, not_npz, unknown


@pytest.mark.early(job=verify_several_models)
def test_verify_holds_the_target_to_the_reference_on_every_output(java_built, any_dtype_models, early_result):
    """The golden six-dtype model agrees in TF Java 1.8 (on inputs synthesized from its signature); a TF2
    export does not load there, with TensorFlow's reason and check's findings; a model that draws random
    numbers differs, with where; an unreadable folder is an error and the others still run."""
    (r, not_npz, unknown), tmp_path = early_result
    assert r.returncode == 2, r.stdout + r.stderr          # the unreadable folder decides the exit status
    assert "error: model-not-found:" in r.stderr and "nothing-here" in r.stderr
    doc = json.loads((tmp_path / "verify.json").read_text())
    assert (doc["reference"], doc["target"], doc["ok"]) == ("python-tf-2.21.0", "java-tf-1.8.0", False)
    dtypes, module, noisy = doc["models"]
    assert dtypes["status"] == "agree" and [o["key"] for o in dtypes["outputs"]] == \
        ["f32_out", "f64_out", "flag_out", "i32_out", "i64_out", "u8_out"]
    assert dtypes["inputs"].startswith("synthesized from the signature: 8 example(s)")
    assert module["status"] == "target-failed" and not module["loaded"]
    assert module["runtime_message"].startswith("Op type not registered 'StatefulPartitionedCall'")
    assert {"op-not-registered", "resource-variable", "sharded-saver"} <= {f["kind"] for f in module["findings"]}
    assert noisy["status"] == "differ" and not noisy["outputs"][0]["agree"]
    assert "values differ beyond rtol" in noisy["outputs"][0]["reason"]
    assert "y: float32[8, 3] DIFFERS: values differ" in r.stdout and "check: op-not-registered" in r.stdout
    assert not_npz.returncode == 2 and "error: npy-format: --inputs" in not_npz.stderr and "a single .npy" in \
        not_npz.stderr
    assert unknown.returncode == 2 and "unknown consumer java-tf-0.1" in unknown.stderr
