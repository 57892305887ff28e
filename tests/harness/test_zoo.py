"""`make corpus` on a few of its models, end to end in make test: Keras 3's recurrent layers (LSTM, GRU with
return_sequences both ways, Bidirectional), built by zoo.py, fixed for TF Java 1.8 and 1.15 by zoo_run.py and
verified in each. TF 1.8's TensorListReserve makes a list of no elements and its TensorListStack refuses lists
of unknown element shapes: the composed forms (compat/composed_forms.py) are what makes these loops run there."""

import json
import os

from conftest import python_run
from tfinterop.harness import reports, zoo_run

MODELS = ["lstm-text", "gru-text-sequences", "bidirectional-lstm"]
TARGETS = ["java-tf-1.8.0", "java-tf-1.15.0"]


def test_recurrent_models_are_fixed_for_tf_java_1x_and_agree_and_the_report_says_so(tmp_path, java_built):
    (tmp_path / "COMPATIBILITY.md").write_text("# Compatibility\n\nthe matrix's part\n")
    env = dict(os.environ, TFINTEROP_CACHE=str(tmp_path / "cache"))
    r = python_run("-m", "tfinterop.harness.zoo_run", "--producers", "tf-2.21.0", "--models", ",".join(MODELS),
                   "--targets", ",".join(TARGETS), "--json", tmp_path / "corpus.json",
                   "--markdown", tmp_path / "COMPATIBILITY.md", env=env, fresh=True)
    assert r.returncode == 0, r.stderr[-3000:]
    models = json.loads((tmp_path / "corpus.json").read_text())["producers"]["tf-2.21.0"]["models"]
    assert sorted(models) == sorted(MODELS)
    for name, model in models.items():
        for target in TARGETS:
            result = model["targets"][target]
            assert result["written"], f"{name} for {target}: {result['error']}"
            assert result["largest_abs_error"] is not None and result["largest_abs_error"] < 1e-5
    forms = models["bidirectional-lstm"]["targets"]["java-tf-1.8.0"]["rewrites"]
    assert forms["legacy-form TensorListReserve->TensorListFromTensor of zeros"] >= 2
    assert forms["legacy-form TensorListStack->Pack of 12 TensorListGetItem"] >= 2
    text = (tmp_path / "COMPATIBILITY.md").read_text()
    assert text.startswith("# Compatibility\n\nthe matrix's part\n") and "## Models no one here wrote" in text
    assert "| lstm-text |" in text and "fixed, agrees" in text and "refused [" not in text


def test_the_matrix_keeps_the_corpus_section_and_the_corpus_replaces_only_its_own():
    from tfinterop.harness import reports
    section = f"{reports.section_begin('corpus')}\n## Models no one here wrote\nold\n{reports.section_end('corpus')}\n"
    old = "## Compatibility matrix\nold table\n\n" + section
    kept = reports.kept_sections(old, "## Compatibility matrix\nnew table\n")
    assert kept.startswith("## Compatibility matrix\nnew table\n") and kept.endswith(section)
    newer = section.replace("old", "new")
    replaced = reports.replace_section(kept, "corpus", newer)
    assert replaced.count("## Models no one here wrote") == 1 and "\nnew\n" in replaced and "new table" in replaced
    js = f"{reports.section_begin('corpus-js')}\n## In TensorFlow.js\n{reports.section_end('corpus-js')}\n"
    both = reports.kept_sections(old + "\n" + js, "## Compatibility matrix\nnew table\n")   # every section, any name
    assert both.index("## Models no one here wrote") < both.index("## In TensorFlow.js")


def test_the_javascript_section_sets_what_verify_found_beside_checks_prediction_and_counts_its_misses():
    """zoo_run --javascript's report (the run itself is `make corpus-js`): a model that agrees, one the converter
    refused as check predicted, and one check called loadable that tfjs refused, which the tally names."""
    def js(status, predicted=(), error="", worst=None):
        return {"built": True, "js": {"status": status, "error": error, "runtime_message": None,
                                      "largest_abs_error": worst, "predicted": list(predicted), "seconds": 1.0}}
    result = {"target": "js-tfjs-4.22.0", "producers": {"tf-2.21.0": {"keras": "3.15.1", "models": {
        "densenet121": js("agree", worst=1.5e-08),
        "convnext-tiny": js("target-failed", ["Erfc"], "the TensorFlow.js converter 4.22.0 could not convert ...: "
                                                      "Unsupported Ops in the model before optimization; Erfc"),
        "gru": js("target-failed", error="TensorFlow.js 4.22.0 could not run ...: Cannot compute the outputs"),
        "regnet": {"built": False, "why": "Keras 3.15.1 has no keras.applications.RegNetX002"}}}}}
    text = zoo_run.javascript_markdown(result)
    assert "| densenet121 | agrees (≤ 1.5e-08) | loadable |" in text
    assert "| convnext-tiny | target-failed [1] | Erfc |" in text and "1. tf-2.21.0 convnext-tiny: the Tensor" in text
    assert "| gru | target-failed [2] | loadable |" in text and "| regnet | not built: Keras 3.15.1 has no" in text
    assert ("1 of 3 models agree in js-tfjs-4.22.0. check's prediction (no finding: it will agree; a finding: it "
            "will not) matched what happened for 2 of 3; it found nothing, but the converter or tfjs refused, or the "
            "numbers differed: gru (tf-2.21.0).") in text
    assert text.startswith(reports.section_begin(zoo_run.JS_SECTION))
