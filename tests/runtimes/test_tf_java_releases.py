"""Every TF Java release is a target (runtimes/registry.py's TF_JAVA_RELEASES), and `check --all-targets` says for
each whether it will serve a model. Here a sample of the releases runs for real: tfinterop's own exports (the golden
fixtures) are checked against every release, then loaded in TF Java 1.4.0, 1.12.0 and 1.15.0 (tfinterop's 1.x
module, built against 1.8's API, on each release's own jars from Maven Central) and in the current TF Java
(tensorflow-core-api 1.1.0, TensorFlow 2.18), and, where check predicts
"loads after fix", fixed for that release and verified there. check's line must be what the release did.

The first run fetches the four releases' jars (about 450 MB) into ~/.cache/tfinterop; later runs find them."""

import json

import pytest

from conftest import cli, python_run, REPO
from tfinterop.compat import targets
from tfinterop.runtimes import jars, registry

SAMPLE = ("java-tf-1.4.0", "java-tf-1.12.0", "java-tf-1.15.0", "java-tf-2.18.0")
GOLDEN = REPO / "fixtures" / "golden"
MODELS = {"compat-serve": GOLDEN / "compat-serve", "seed-simple-save": GOLDEN / "seed-simple-save",
          "strings": GOLDEN / "strings" / "model", "xlogy": None, "ensure-shape": None}   # made by the job (MADE)
# What check predicts for the sample, with the reason (asserted, and then held to what each release does):
# TF 1.4 has no AddV2 (what `+` is in TF >= 1.13's graphs, and in 2.21's), which fix computes with Add;
# seed-simple-save is TF 2.21's simple_save (resource variables, the sharded saver), which fix rewrites;
# the strings model uses no op newer than 1.4's; Xlogy came in TF 1.12, and fix computes it with 1.4's ops
# (composed_forms.zero_where_zero); EnsureShape came in TF 1.10 and has no exact older form (composed_forms.NO_FORM);
# TF 2.18 (the current TF Java) loads them all as they are.
EXPECTED = {
    ("java-tf-1.4.0", "compat-serve"): "loads after fix", ("java-tf-1.4.0", "seed-simple-save"): "loads after fix",
    ("java-tf-1.4.0", "strings"): "loads as it is", ("java-tf-1.4.0", "xlogy"): "loads after fix",
    ("java-tf-1.12.0", "xlogy"): "loads as it is", ("java-tf-1.15.0", "xlogy"): "loads as it is",
    ("java-tf-2.18.0", "xlogy"): "loads as it is", ("java-tf-1.4.0", "ensure-shape"): "refused",
    ("java-tf-1.12.0", "ensure-shape"): "loads as it is", ("java-tf-1.15.0", "ensure-shape"): "loads as it is",
    ("java-tf-2.18.0", "ensure-shape"): "loads as it is",
    ("java-tf-1.12.0", "compat-serve"): "loads as it is", ("java-tf-1.12.0", "seed-simple-save"): "loads after fix",
    ("java-tf-1.12.0", "strings"): "loads as it is",
    ("java-tf-1.15.0", "compat-serve"): "loads as it is", ("java-tf-1.15.0", "seed-simple-save"): "loads after fix",
    ("java-tf-1.15.0", "strings"): "loads as it is",
    ("java-tf-2.18.0", "compat-serve"): "loads as it is", ("java-tf-2.18.0", "seed-simple-save"): "loads as it is",
    ("java-tf-2.18.0", "strings"): "loads as it is",
}
# Not TensorFlow's refusal but tfinterop's: its module for the current TF Java feeds no strings by signature (it
# loads the model, then says so, typed). check holds models to what TensorFlow loads, so it says "loads as it is".
MODULE_LIMITS = {("java-tf-2.18.0", "strings"): "cannot feed or fetch DT_STRING by signature"}

MADE = r'''
import sys
import tensorflow as tf
for name, op in (("xlogy", lambda x: tf.math.xlogy(x, x)), ("ensure-shape", lambda x: tf.ensure_shape(x, [None, 3]))):
    with tf.Graph().as_default(), tf.compat.v1.Session() as s:
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        sig = tf.compat.v1.saved_model.predict_signature_def(inputs={"x": x}, outputs={"y": op(x)})
        b = tf.compat.v1.saved_model.Builder(sys.argv[1] + "/" + name)
        b.add_meta_graph_and_variables(s, ["serve"], signature_def_map={"serving_default": sig},
                                       strip_default_attrs=True)
        b.save()
'''

DRIVER = r'''
import json, sys
from pathlib import Path
from tfinterop.commands import fix, verify
from tfinterop.contract.signatures import Inputs

out, plan = Path(sys.argv[1]), json.loads(sys.argv[2])
workers, results = {}, {}
for target, models in plan.items():
    verifier = verify.Verifier(target, log=lambda m: print(m, file=sys.stderr), workers=workers)
    for name, (directory, predicted) in models.items():
        inputs = Inputs.read(Path(directory).parent / "inputs.npz") if name == "strings" else Inputs()
        if name in ("xlogy", "ensure-shape"):
            inputs = Inputs(examples=4)
        r = verifier.verify_plan(verify.plan(directory, inputs=inputs))
        doc = {"as_is": r.status, "loaded": r.loaded, "error": r.error, "runtime_message": r.runtime_message or ""}
        if predicted != "loads as it is":        # what fix does for it, for real
            try:
                report = fix.fix(directory, target, out / target / name, inputs=inputs, verifier=verifier,
                                 log=lambda m: print(m, file=sys.stderr))
                doc["fix"] = "fixed" if report.written and not report.unchanged else "unchanged"
            except fix.FixRefusedError as e:
                doc["fix"], doc["fix_error"] = "refused", str(e)
        results[f"{target} {name}"] = doc
verifier.close()       # every worker (they are shared)
print(json.dumps(results))
'''


def check_all_targets(models: dict):
    """check --all-targets on the models: {(target, model): its line as data}."""
    r = cli("check", "--all-targets", *models.values(), "--json", "-")
    assert r.returncode == 0, r.stderr
    docs = json.loads(r.stdout)
    return {(t["target"], name): t for name, doc in zip(models, docs) for t in doc["targets"]}


def run_the_sample(tmp_path):
    """The early job: the xlogy and ensure-shape models made, check's prediction, then each sampled release loading
    (and fixing) the models for real. Returns (the prediction, the driver's completed process)."""
    models = dict(MODELS, **{name: tmp_path / name for name, made in MODELS.items() if made is None})
    made = python_run("-c", MADE, tmp_path)
    assert made.returncode == 0, made.stderr[-2000:]
    said = check_all_targets(models)
    plan = {t: {name: (str(d), said[(t, name)]["verdict"]) for name, d in models.items()} for t in SAMPLE}
    return said, python_run("-c", DRIVER, tmp_path / "fixed", json.dumps(plan), timeout=900)


@pytest.fixture(scope="module")
def predicted():
    return check_all_targets({k: v for k, v in MODELS.items() if v is not None})


def test_every_release_on_maven_central_is_a_target_with_its_jars_locked_and_its_registry_dumped():
    names = [j.name for j in registry.JAVA_TENSORFLOWS]
    assert names == ["java-tf-1.4.0", "java-tf-1.5.0", "java-tf-1.6.0", "java-tf-1.7.0", "java-tf-1.8.0",
                     "java-tf-1.9.0", "java-tf-1.10.0", "java-tf-1.11.0", "java-tf-1.12.0", "java-tf-1.13.1",
                     "java-tf-1.14.0", "java-tf-1.15.0", "java-tf-2.16.2", "java-tf-2.18.0"]
    locked = jars.locked()
    for release in registry.JAVA_TENSORFLOWS:
        rows = locked[release.name]["jars"]
        assert locked[release.name]["maven"] == list(release.maven)
        assert all(len(j["sha256"]) == 64 and j["size"] > 0 for j in rows)
        assert release.artifact.split(":")[1] in {j["coordinates"].split(":")[1] for j in rows}
        t = targets.load(release.name)      # dumped by the release itself, and it says it is that TensorFlow
        assert t.tensorflow_version == release.tensorflow_version and len(t.op_dicts) > 700
    ops = [len(targets.load(j.name).op_dicts) for j in registry.JAVA_TENSORFLOWS]
    assert ops == sorted(ops) and ops[0] == 776 and ops[11] == 1292 and ops[-1] == 1788   # each one registers more


def test_targets_lists_every_release_with_its_tensorflow():
    r = cli("targets")
    assert r.returncode == 0, r.stderr
    for release in registry.JAVA_TENSORFLOWS:
        [line] = [l for l in r.stdout.splitlines() if l.startswith(release.name + " ")]
        assert f"TensorFlow {release.tensorflow_version} (TF Java {release.artifact};" in line


def test_check_all_targets_says_it_is_a_prediction_and_names_the_reason(predicted):
    assert {k: predicted[k]["verdict"] for k in EXPECTED if MODELS[k[1]] is not None} == \
        {k: v for k, v in EXPECTED.items() if MODELS[k[1]] is not None}
    assert [g["op"] for g in predicted[("java-tf-1.4.0", "compat-serve")]["findings"]] == ["AddV2"]
    text = cli("check", "--all-targets", MODELS["seed-simple-save"]).stdout
    assert "check's prediction from each release's dumped registry, not a run" in text
    assert len([l for l in text.splitlines() if l.startswith("  java-tf-")]) == len(registry.JAVA_TENSORFLOWS)
    assert cli("check", "--all-targets", "--target", "java-tf-1.15.0", MODELS["strings"]).returncode == 2


@pytest.mark.early(job=run_the_sample)
def test_the_sample_of_releases_does_what_check_said(early_result):
    """Load each golden model in TF Java 1.4.0, 1.12.0, 1.15.0 and 2.18.0 for real; fix it for the release where
    check did not say 'loads as it is'."""
    (said, r), _ = early_result
    assert {k: said[k]["verdict"] for k in EXPECTED} == EXPECTED
    assert "op-not-registered: EnsureShape" in said[("java-tf-1.4.0", "ensure-shape")]["reason"]
    assert r.returncode == 0, r.stderr[-3000:]
    done = json.loads(r.stdout.splitlines()[-1])
    for (target, name), verdict in EXPECTED.items():
        real = done[f"{target} {name}"]
        what = f"{target} {name}: check said {verdict!r}, the release did {real}"
        if (target, name) in MODULE_LIMITS:
            assert real["loaded"] and MODULE_LIMITS[(target, name)] in real["error"], what
        elif verdict == "loads as it is":
            assert real["as_is"] == "agree", what
        else:
            assert real["as_is"] == "target-failed" and "could not load" in real["error"], what
            assert real["fix"] == ("fixed" if verdict == "loads after fix" else "refused"), what
        if verdict == "refused":       # in TensorFlow's own words: the op check named
            assert "Op type not registered 'EnsureShape'" in real["error"], what
