"""`tfinterop check` against what TF Java 1.8 actually does.

Every SavedModel the suite has — the golden fixtures, each model's fresh exports, and exports with one
deliberate flaw each (probe-* variants) — is loaded, tag-set by tag-set, in the real TF Java 1.8 (a worker
process), and checked against the dumped java-tf-1.8.0 target. They must agree both ways: check finds
nothing for a tag-set exactly when Java loads it, and when Java refuses, its error is one of check's
findings for that tag-set. (check reads models without TensorFlow; the batch runs in a process of its own,
a fork of the fork server, tests/support/forkserver.py, as every command line of the suite does.)
"""

import json
import re

import pytest

from conftest import cli, cli_many, python_run
from tfinterop.core import paths

TARGET = "java-tf-1.8.0"

BATCH_CHECK = """
import json, sys
from tfinterop.compat import check, targets
target = targets.load(sys.argv[1])
for d in sys.argv[2:]:
    print(json.dumps({"dir": d, "report": json.loads(check.check(d, target).to_json())}))
"""


def saved_models(golden_manifest, exported_models, probes):
    found = [(f"golden/{m['variant']}", paths.GOLDEN / m["dir"], m["tag_sets"]) for m in golden_manifest["models"]]
    for group in (exported_models, probes):
        for model, manifest in group.items():
            found += [(f"{model}/{m['variant']}", m["dir"], [s["tags"] for s in m["signatures"]])
                      for m in manifest["models"]]
    return found


@pytest.fixture(scope="session")
def outcomes(golden_manifest, exported_models, probes, java_worker):
    models = saved_models(golden_manifest, exported_models, probes)
    proc = python_run("-c", BATCH_CHECK, TARGET, *[str(d) for _, d, _ in models])
    assert proc.returncode == 0, proc.stderr
    reports = {r["dir"]: r["report"] for r in map(json.loads, proc.stdout.splitlines())}
    rows = []
    for label, directory, tag_sets in models:
        for tags in tag_sets:
            try:
                java_worker.close(java_worker.load(directory, tags))
                error = None
            except Exception as e:   # noqa: BLE001 -- the outcome is what is compared
                error = getattr(e, "runtime_message", None) or str(e)
            findings = [f for f in reports[str(directory)]["findings"] if sorted(f["tags"]) == sorted(tags)]
            rows.append((f"{label}[{'+'.join(tags)}]", error, findings))
    return rows


def explains(finding, error) -> bool:
    """Does this finding name what TF Java's error says?"""
    m = re.match(r"Op type not registered '([^']+)'", error)
    if m:
        return finding["op"] == m.group(1) and finding["kind"] in ("op-not-registered", "sharded-saver")
    m = re.match(r"NodeDef mentions attr '([^']+)' not in Op<name=([^;>]+)", error)
    if m:
        return (finding["op"] == m.group(2) and f"attr {m.group(1)!r}" in finding["message"]
                and finding["kind"] in ("unknown-attr", "resource-variable"))
    m = re.match(r'Endpoint "([^"]+)" fed more than once', error)
    if m:
        return finding["kind"] == "duplicate-asset" and f"{m.group(1)!r}" in finding["message"]
    return False


def test_check_agrees_with_tf_java_on_every_saved_model(outcomes):
    disagreements = []
    for label, error, findings in outcomes:
        if error is None and findings:
            disagreements.append(f"{label}: Java loads it, check says: {[f['message'] for f in findings]}")
        elif error is not None and not findings:
            disagreements.append(f"{label}: check finds nothing, Java says: {error}")
        elif error is not None and not any(explains(f, error) for f in findings):
            disagreements.append(f"{label}: Java's error is none of check's findings: {error}")
    assert not disagreements, "\n".join(disagreements)


def test_the_suite_has_both_outcomes_and_every_flaw(outcomes):
    """Agreement means something only if both outcomes, and each kind of flaw, occur."""
    loaded = [label for label, error, _ in outcomes if error is None]
    refused = [label for label, error, _ in outcomes if error is not None]
    assert len(loaded) >= 8 and len(refused) >= 8, (loaded, refused)
    kinds = {f["kind"] for _, _, findings in outcomes for f in findings}
    assert {"sharded-saver", "resource-variable", "unknown-attr", "duplicate-asset", "op-not-registered"} <= kinds
    first_words = {re.sub(r"'.*", "", error) for _, error, _ in outcomes if error}
    assert {"Op type not registered ", "NodeDef mentions attr "} <= first_words
    assert any(error and "fed more than once" in error for _, error, _ in outcomes)


def test_cli_json_and_exit_codes(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\xff not a protobuf")
    r, ok, bad, unknown = cli_many(("check", paths.GOLDEN / "seed-simple-save", "--target", TARGET, "--json", "-"),
                                   ("check", paths.GOLDEN / "compat-mytag", "--target", TARGET, "--json", "-"),
                                   ("check", tmp_path, "--target", TARGET),
                                   ("check", paths.GOLDEN / "compat-mytag", "--target", "cobol-1.0"))
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["target"] == TARGET and doc["loadable"] is False
    assert set(doc["findings"][0]) == {"tags", "node", "op", "kind", "message", "fix"}
    assert any(f["kind"] == "sharded-saver" and f["node"] == "save/StaticRegexFullMatch" for f in doc["findings"])
    assert ok.returncode == 0 and json.loads(ok.stdout) == {"directory": str(paths.GOLDEN / "compat-mytag"),
                                                             "target": TARGET, "loadable": True, "findings": []}
    assert bad.returncode == 2 and "error: not-a-saved-model:" in bad.stderr and "Traceback" not in bad.stderr
    assert unknown.returncode == 2 and "java-tf-1.8.0" in unknown.stderr


def test_several_models_in_one_call_without_tensorflow(tmp_path):
    """check DIR... : a report per readable model (a JSON list), an error line per unreadable one, exit 2 if
    any is unreadable, else 1 if any is not loadable; and no `import tensorflow` in the process."""
    (tmp_path / "saved_model.pb").write_bytes(b"\xff not a protobuf")
    dirs = [paths.GOLDEN / "compat-mytag", paths.GOLDEN / "seed-builder"]
    script = ("import sys; from tfinterop.cli.main import main; status = main(sys.argv[1:]); "
              "print('imported tensorflow' if 'tensorflow' in sys.modules else 'no tensorflow', file=sys.stderr); "
              "sys.exit(status)")
    # A new interpreter (a fork of the fork server has TensorFlow imported already).
    both, with_bad, text = (python_run("-c", script, *args, fresh=True) for args in (
        ["check", *dirs, "--target", TARGET, "--json", "-"],
        ["check", dirs[0], tmp_path, "--target", TARGET, "--json", "-"],
        ["check", *dirs, "--target", TARGET]))
    assert both.returncode == 1 and both.stderr.strip().splitlines()[-1] == "no tensorflow", both.stderr
    docs = json.loads(both.stdout)
    assert [(d["directory"], d["loadable"]) for d in docs] == [(str(dirs[0]), True), (str(dirs[1]), False)]
    assert with_bad.returncode == 2 and "error: not-a-saved-model:" in with_bad.stderr
    assert [d["directory"] for d in json.loads(with_bad.stdout)] == [str(dirs[0])]
    assert text.returncode == 1 and text.stdout.count(" against java-tf-1.8.0 ") == 2


def test_cli_human_output_groups_findings_with_their_fix():
    r = cli("check", paths.GOLDEN / "seed-builder", "--target", TARGET)
    assert r.returncode == 1
    assert "NOT loadable" in r.stdout
    for words in ("sharded-saver", "Saver(sharded=False)", "resource-variable", "use_resource=False",
                  "strip_default_attrs=True", "duplicate-asset", "[myTag]", "[serve]"):
        assert words in r.stdout, words


def test_targets_are_dumps_of_the_runtimes():
    from tfinterop.compat import targets
    java = targets.load(TARGET)
    assert java.tensorflow_version == "1.8.0" and java.loader == "c-api"
    assert (java.producer, java.consumer, java.min_producer) == (26, 26, 0)
    assert java.has_op("Select") and not java.has_op("SelectV2") and not java.has_op("StaticRegexFullMatch")
    assert max(java.data_types) == 23                       # DT_UINT64; the float8 types came later
    python = targets.load(next(n for n in targets.available() if n.startswith("python-tf-")))
    assert python.has_op("SelectV2") and python.producer > 26


LEGACY_PLAN = """
import sys
from tfinterop.compat import legacy_forms, targets
from tfinterop.core.errors import TargetIncompatibleError
from tfinterop.core.tf_import import tensorflow
tf = tensorflow()
target = targets.load(sys.argv[1])
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
    fits = tf.where(x > 0, x, 0.0, name="fits")                               # scalar arm: Fill fits it
    row = tf.compat.v1.placeholder(tf.bool, [4], name="row")
    tf.where(row, x, x, name="broadcast_row")                                  # broadcast explicitly
    words = tf.compat.v1.placeholder(tf.string, [None, 4], name="words")
    tf.where(row, words, words, name="broadcast_strings")                      # no legacy form fits
    tf.strings.regex_full_match("a", "a", name="regex")                      # no legacy form at all
try:
    legacy_forms.plan(g, target)
    print("planned")
except TargetIncompatibleError as e:
    print(e)
with tf.Graph().as_default() as g2:
    x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
    tf.where(x > 0, x, 0.0, name="fits")
    print([(r.node, r.form, sorted(n.op for n in r.subgraph)) for r in legacy_forms.plan(g2, target)])
"""


def test_ops_without_a_legacy_form_stop_the_export_naming_the_node():
    proc = python_run("-c", LEGACY_PLAN, TARGET)
    assert proc.returncode == 0, proc.stderr
    refused, planned = proc.stdout.strip().splitlines()
    assert "node 'broadcast_strings'" in refused and "its legacy form does not fit: its shapes" in refused
    assert "not for string" in refused and "'broadcast_row'" not in refused
    assert "node 'regex'" in refused and "'StaticRegexFullMatch'" in refused and "no legacy form" in refused
    assert "'fits'" not in refused and "Nothing was written" in refused
    assert planned == "[('fits', 'Select', ['Fill', 'Select', 'Shape'])]"


def test_export_target_usage_errors(tmp_path):
    r = cli("export", "--out", tmp_path, "--target", "cobol-1.0")
    assert r.returncode == 2 and "java-tf-1.8.0" in r.stderr
    r = cli("export", "--out", tmp_path, "--target", TARGET, "--variant", "seed-builder")
    assert r.returncode == 2 and "compat-*" in r.stderr
    assert not list(tmp_path.iterdir())


FUNCTION_MODEL = """
import sys
from tfinterop.core.tf_import import tensorflow
tf = tensorflow()
with tf.Graph().as_default() as g, tf.compat.v1.Session(graph=g) as sess:
    x = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
    relu_by_where = tf.function(lambda t: tf.where(t > 0, t, tf.zeros_like(t)))
    y = tf.identity(relu_by_where(x), name="y")
    builder = tf.compat.v1.saved_model.Builder(sys.argv[1])
    builder.add_meta_graph_and_variables(sess, ["serve"], strip_default_attrs=True)
    builder.save()
"""


def test_ops_inside_the_function_library_are_checked(tmp_path):
    model = tmp_path / "with-function"
    proc = python_run("-c", FUNCTION_MODEL, model)
    assert proc.returncode == 0, proc.stderr
    r = cli("check", model, "--target", TARGET, "--json", "-")
    assert r.returncode == 1, r.stderr
    inside = [f for f in json.loads(r.stdout)["findings"] if "in function" in f["message"]]
    assert any(f["op"] == "SelectV2" and f["kind"] == "op-not-registered" for f in inside), r.stdout
