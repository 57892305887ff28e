"""`tfinterop fix` on real model shapes (tfinterop/corpus.py: Keras MLP, CNN with BatchNormalization and
Dropout, GRU; tf.Module with a while loop and a cond, with int64 ids through a gather and five output dtypes;
the seed's TF1 variants as TF 2.21 exports them), for java-tf-1.8.0. Each fixed model is run in TF Java 1.8
twice: by fix itself, against the original in the reference, and here against the producer's own outputs.

One early job (conftest's `fixed_corpus`) builds the corpus and fixes every model in one process (the reference runs in it, one TF Java
worker serves all), as a user's script calling tfinterop.commands.fix.fix would; the command line is tested on top."""

import json
import os
import signal

import numpy as np

from conftest import cli, python_popen, python_run
from tfinterop.commands import outputs
from tfinterop.savedmodel import reader as savedmodel

TARGET = "java-tf-1.8.0"
# The matrix runs the whole corpus from every TF 2.x producer (seed-simple-save and the unrolled GRU too); here,
# the shapes each assertion needs, from Keras 3.
FIXED = ["keras-mlp", "keras-cnn", "module-loop", "module-gather", "seed-builder", "keras-gru"]

DRIVER = r'''
import json, sys
from pathlib import Path
import numpy as np
from tfinterop.commands import fix
from tfinterop.commands.verify import Verifier
from tfinterop.contract import arrays
from tfinterop.contract.signatures import Inputs
from tfinterop.core.tf_import import tensorflow
from tfinterop.harness import corpus
from dataclasses import asdict

root = Path(sys.argv[1])
names = sys.argv[2].split(",")
built = corpus.build(names, root / "corpus", log=lambda m: print(m, file=sys.stderr))

tf = tensorflow()       # two models fix must refuse: one whose outputs are random, one that reads a file
for name, make in (("noisy", lambda x: x + tf.random.uniform(tf.shape(x))),
                   ("reads-a-file", lambda x: x + tf.strings.to_number(tf.io.read_file(str(root / "n.txt"))))):
    with tf.Graph().as_default(), tf.compat.v1.Session() as s:
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        sig = tf.compat.v1.saved_model.predict_signature_def(inputs={"x": x}, outputs={"y": make(x)})
        b = tf.compat.v1.saved_model.Builder(str(root / "corpus" / name))
        b.add_meta_graph_and_variables(s, ["serve"], signature_def_map={"serving_default": sig})
        b.save()
    built[name] = root / "corpus" / name

verifier = Verifier("java-tf-1.8.0", log=lambda m: print(m, file=sys.stderr))   # the reference: this process
results = {}
for name, directory in built.items():
    out = root / "fixed" / name
    npz = directory.parent / f"{name}.inputs.npz"
    inputs = Inputs.read(npz) if npz.exists() else Inputs()
    doc = {}
    try:
        report = fix.fix(directory, "java-tf-1.8.0", out, inputs=inputs, verifier=verifier,
                         log=lambda m: print(m, file=sys.stderr))
        doc["report"] = report.to_dict()
        expected = root / "corpus" / f"{name}.expected.npz"
        # The fixed model in TF Java 1.8, held to the producer's own outputs (its default signature).
        held = verifier.verify(out, inputs=inputs, signature="serving_default",
                               expected=arrays.read_npz(expected), expected_from="the producer's outputs")
        doc["producer"] = asdict(held)
    except Exception as e:
        doc["error"] = {"type": type(e).__name__, "kind": getattr(e, "kind", ""), "message": str(e)}
        if getattr(e, "report", None) is not None:
            doc["report"] = e.report.to_dict()
    doc["left_beside_out"] = sorted(p.name for p in (root / "fixed").iterdir() if p.name.startswith("." + name + "."))
    results[name] = doc
verifier.close()
# The lowered graph holds no weights (fix._freeze keeps them out of it: protobuf's 2 GB limit).
[mlp] = fix.lower(built["keras-mlp"], {("serve",): ["serving_default"]}, False, log=lambda m: None)
results["lowered-keras-mlp"] = {"graph_bytes": mlp.graph_def.ByteSize(),
                                "weight_bytes": sum(v.nbytes for v in mlp.variable_nodes.values())}
(root / "results.json").write_text(json.dumps(results, indent=1, default=str))
print("done")
'''


def fix_the_corpus(tmp_path):
    r = python_run("-c", DRIVER, tmp_path, ",".join(FIXED))
    assert r.returncode == 0, r.stderr[-4000:]
    return json.loads((tmp_path / "results.json").read_text())


def test_every_model_of_the_corpus_is_fixed_and_gives_the_producers_outputs_in_tf_java_18(java_built, fixed_corpus):
    results, tmp_path = fixed_corpus
    for name in FIXED:
        doc = results[name]
        assert "error" not in doc, (name, doc.get("error"))
        report = doc["report"]
        assert report["written"] and report["findings_after"] == [], name
        assert report["findings_before"], f"{name} loaded in TF 1.8 before it was fixed: the case tests nothing"
        for sig in report["signatures"]:
            v = sig["verification"]
            assert v["status"] == "agree" and v["loaded"], (name, sig["key"], v)
            assert v["outputs"] and all(o["agree"] for o in v["outputs"])
        # TF Java 1.8 on the fixed model against the producer's own numbers, output by output.
        held = doc["producer"]
        assert held["status"] == "agree", (name, held)
        expected = np.load(tmp_path / "corpus" / f"{name}.expected.npz")
        assert sorted(o["key"] for o in held["outputs"]) == sorted(expected.files)
        assert doc["left_beside_out"] == []
        assert savedmodel.read(tmp_path / "fixed" / name)
    rewrites = {name: results[name]["report"]["signatures"][0]["rewrites"] for name in FIXED}
    assert rewrites["module-loop"]["lowered-control-flow"] == 2 and rewrites["module-loop"]["inlined-calls"] >= 1
    assert rewrites["module-gather"]["legacy-form SelectV2->Select"] == 1
    assert rewrites["keras-cnn"]["ref-variables"] == 8 and rewrites["keras-mlp"]["dropped-default-attrs"] > 0
    assert rewrites["seed-builder"]["non-sharded-saver"] == 1 and "inlined-calls" not in rewrites["seed-builder"]
    # The GRU's loop: TF 1.8's TensorList ops in their older signatures, its TensorListReserve (which makes a list
    # of no elements there) a list of zeros, its TensorListStack (which refuses elements of unknown shape) a Pack.
    gru = rewrites["keras-gru"]
    assert gru["legacy-form TensorListGetItem without element_shape"] >= 1 and gru["lowered-control-flow"] >= 1
    assert gru["legacy-form TensorListReserve->TensorListFromTensor of zeros"] >= 1
    assert gru["legacy-form TensorListStack->Pack of 1 TensorListGetItem"] >= 1
    assert "op-signature" in {f["kind"] for f in results["keras-gru"]["report"]["findings_before"]}
    # The weights went to variables/ without passing through a GraphDef (a 2.26 GB model was measured fixed so;
    # TensorFlow's public freezing refuses it: "Cannot create a tensor proto whose content is larger than 2GB").
    lowered = results["lowered-keras-mlp"]
    assert lowered["weight_bytes"] > 100_000 and lowered["graph_bytes"] < lowered["weight_bytes"] / 5, lowered
    kinds = {f["kind"] for f in results["keras-cnn"]["report"]["findings_before"]}
    assert {"op-not-registered", "resource-variable", "sharded-saver"} <= kinds


def test_the_fixed_model_keeps_tag_sets_signatures_dtypes_shapes_and_assets(fixed_corpus):
    results, tmp_path = fixed_corpus
    for name in FIXED:
        before = savedmodel.read(tmp_path / "corpus" / name)
        after = savedmodel.read(tmp_path / "fixed" / name)
        assert sorted(map(sorted, savedmodel.tag_sets(before))) == sorted(map(sorted, savedmodel.tag_sets(after)))
        for mg in before.meta_graphs:
            fixed_mg = next(m for m in after.meta_graphs if sorted(m.meta_info_def.tags) ==
                            sorted(mg.meta_info_def.tags))
            keys = [k for k in mg.signature_def if not k.startswith("__")]
            assert sorted(fixed_mg.signature_def) == sorted(keys), name
            for key in keys:
                a, b = mg.signature_def[key], fixed_mg.signature_def[key]
                assert a.method_name == b.method_name
                for side in ("inputs", "outputs"):
                    assert {k: (i.dtype, savedmodel.shape_of(i.tensor_shape)) for k, i in getattr(a, side).items()} \
                        == {k: (i.dtype, savedmodel.shape_of(i.tensor_shape)) for k, i in getattr(b, side).items()}
            assert {n.op for n in fixed_mg.graph_def.node}.isdisjoint({"VarHandleOp", "StatefulPartitionedCall",
                                                                        "StaticRegexFullMatch", "SelectV2"})
            assert not fixed_mg.graph_def.library.function
    builder = tmp_path / "fixed" / "seed-builder"
    assert sorted(p.name for p in (builder / "assets").iterdir()) == ["labels.txt"]
    assert (builder / "assets" / "labels.txt").read_bytes() == \
        (tmp_path / "corpus" / "seed-builder" / "assets" / "labels.txt").read_bytes()
    assert (builder / "assets.extra" / "tfinterop.json").is_file()
    # The TF1 exports keep their tensor names: code that feeds "image:0" by name still does.
    names = lambda m: sorted(i.name for mg in m.meta_graphs for s in mg.signature_def.values()  # noqa: E731
                             for i in list(s.inputs.values()) + list(s.outputs.values()))
    assert names(savedmodel.read(builder)) == names(savedmodel.read(tmp_path / "corpus" / "seed-builder"))
    assert (builder / "variables" / "variables.index").is_file()


def test_what_fix_cannot_prove_equal_it_refuses_and_writes_nothing(fixed_corpus):
    results, tmp_path = fixed_corpus
    # Random outputs differ from run to run: fix says so, and keeps nothing.
    noisy = results["noisy"]
    assert noisy["error"]["kind"] == "fix-refused" and "does not give the reference's outputs" in \
        noisy["error"]["message"] and "values differ beyond rtol" in noisy["error"]["message"]
    assert not (tmp_path / "fixed" / "noisy").exists() and noisy["left_beside_out"] == []
    untrusted = results["reads-a-file"]
    assert untrusted["error"]["kind"] == "untrusted-model" and "ReadFile" in untrusted["error"]["message"]
    assert not (tmp_path / "fixed" / "reads-a-file").exists()


def test_the_command_line_fixes_freezes_reports_and_refuses(fixed_corpus, tmp_path):
    _, corpus_root = fixed_corpus
    mlp = corpus_root / "corpus" / "keras-mlp"
    out = tmp_path / "frozen"
    r = cli("fix", mlp, "--target", TARGET, "--out", out, "--freeze", "--json", tmp_path / "fix.json")
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{mlp} -> {out} for {TARGET}: FIXED and verified" in r.stdout
    assert "serving_default: agree, largest abs error" in r.stdout and "frozen-variables 4" in r.stdout
    assert "fix: loading" in r.stderr                 # progress goes to stderr, the report to stdout
    doc = json.loads((tmp_path / "fix.json").read_text())
    assert doc["written"] and doc["freeze"] and not (out / "variables" / "variables.index").exists()
    # Refused before any work, nothing touched: OUT exists; not a SavedModel; an unknown target; OUT is DIR.
    again = cli("fix", mlp, "--out", out)
    assert again.returncode == 2 and "error: output-exists:" in again.stderr and "--overwrite" in again.stderr
    assert cli("fix", tmp_path, "--out", tmp_path / "x").returncode == 2
    unknown = cli("fix", mlp, "--target", "java-tf-0.1", "--out", tmp_path / "y")
    assert unknown.returncode == 2 and "unknown target 'java-tf-0.1'" in unknown.stderr
    itself = cli("fix", mlp, "--out", mlp, "--overwrite")
    assert itself.returncode == 2 and "is the model being fixed" in itself.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_a_killed_fix_leaves_nothing_at_out(fixed_corpus, tmp_path):
    """Killed when the fixed model is complete and verified, just before the rename (outputs.PAUSE_HOOK)."""
    _, corpus_root = fixed_corpus
    out = tmp_path / "fixed"
    model = corpus_root / "corpus" / "module-gather"
    p = python_popen("-m", "tfinterop", "fix", model, "--out", out, "--inputs", f"{model}.inputs.npz",
                     env=dict(os.environ, **{outputs.PAUSE_HOOK: "1"}), stderr_pipe=True)
    try:
        for line in p.stderr:
            if "pausing before the rename" in line:
                break
        else:
            raise AssertionError(f"fix ended without pausing (exit {p.wait()})")
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stderr.close()
    assert not out.exists()
    left = [x for x in tmp_path.iterdir() if x.name.startswith(".fixed" + outputs.STAGING_MARK)]
    assert len(left) == 1 and (left[0] / "model" / "saved_model.pb").is_file()   # complete, but not at OUT
    assert outputs.remove_stale_staging(out) == left and not left[0].exists()     # what the next run does first
