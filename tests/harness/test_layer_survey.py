"""`make layers` on a few of its layers, end to end: Keras 3's CategoryEncoding (DenseBincount, which neither TF
Java 1.x has: its composed form), TextVectorization (StringLower, which has no form: refused, saying why),
RandomFlip (Keras 3's export flips at random, advancing a SeedGenerator's state: refused, a model with state),
Equalization (Keras cannot build it as a model: not built, with Keras' words) and AvgPool2D (another name of a
class surveyed); built by layer_survey.py, held to check, fixed for TF Java 1.8 and 1.15 and verified in each by
zoo_run.py --layers. And the table of cases covers every public layer class of this Keras."""

import json
import os

from conftest import python_run

LAYERS = ["CategoryEncoding", "TextVectorization", "RandomFlip", "Equalization", "AvgPool2D"]
TARGETS = ["java-tf-1.8.0", "java-tf-1.15.0"]


def test_a_few_layers_are_surveyed_fixed_or_refused_with_reasons_and_the_report_lists_the_ops(tmp_path, java_built):
    (tmp_path / "COMPATIBILITY.md").write_text("# Compatibility\n\nthe matrix's part\n")
    env = dict(os.environ, TFINTEROP_CACHE=str(tmp_path / "cache"))
    r = python_run("-m", "tfinterop.harness.zoo_run", "--layers", "--producers", "tf-2.21.0", "--models",
                   ",".join(LAYERS), "--targets", ",".join(TARGETS), "--json", tmp_path / "layers.json",
                   "--markdown", tmp_path / "COMPATIBILITY.md", env=env, fresh=True)
    assert r.returncode == 0, r.stderr[-3000:]
    models = json.loads((tmp_path / "layers.json").read_text())["producers"]["tf-2.21.0"]["models"]
    assert sorted(models) == sorted(LAYERS)
    for target in TARGETS:
        encoding = models["CategoryEncoding"]["targets"][target]
        assert encoding["written"] and not encoding["unchanged"], encoding["error"]
        assert encoding["lacking"]["DenseBincount"] >= 1 and encoding["largest_abs_error"] == 0
        assert encoding["rewrites"]["legacy-form DenseBincount->Sum of OneHot, at most 1"] >= 1
    refused = models["TextVectorization"]["targets"]["java-tf-1.8.0"]
    assert not refused["written"] and "(op 'StringLower': no legacy form: TF 1.8 has no op that maps a string's " \
        "bytes" in refused["error"], refused["error"]
    for target in TARGETS:
        stateful = models["RandomFlip"]["targets"][target]
        assert not stateful["written"] and "signature 'serve': it writes variable(s) seed_generator" in \
            stateful["error"] and "and its outputs read them: a model with state" in stateful["error"], stateful["error"]
    assert not models["Equalization"]["built"] and models["Equalization"]["why"].startswith("building it failed: ")
    assert models["AvgPool2D"] == {"built": False, "why": "another name of AveragePooling2D (the same class)",
                                   "targets": {}}
    text = (tmp_path / "COMPATIBILITY.md").read_text()
    assert text.startswith("# Compatibility\n\nthe matrix's part\n") and "## Every Keras layer" in text
    assert "| CategoryEncoding | DenseBincount | fixed, agrees (≤ 0) | DenseBincount | fixed, agrees (≤ 0) |" \
        in text
    assert "| TextVectorization | DenseBincount, RaggedTensorToTensor, SelectV2, StaticRegexReplace, StringLower, " \
           "StringSplitV2 | refused [1] |" in text
    [ops_row] = [line for line in text.splitlines() if line.startswith("| DenseBincount |")]
    assert "DenseBincount → Sum of OneHot, at most 1" in ops_row
    [lower_row] = [line for line in text.splitlines() if line.startswith("| StringLower |")]
    assert "refused: no legacy form: TF 1.8 has no op that maps" in lower_row and "has it" in lower_row


def test_every_public_layer_class_of_this_keras_has_a_case_or_a_reason():
    r = python_run("-c", "import keras; from tfinterop.harness import layer_survey; "
                         "print([n for n, c in layer_survey.survey(keras).items() if c == "
                         "'the survey has no case for it yet (layer_survey.CASES)'])")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout


def test_the_matrix_keeps_the_layer_survey_section():
    from tfinterop.harness import reports
    section = f"{reports.section_begin('layers')}\n## Every Keras layer\nold\n{reports.section_end('layers')}\n"
    kept = reports.kept_sections("## Compatibility matrix\nold table\n\n" + section, "## Compatibility matrix\nnew\n")
    assert kept.startswith("## Compatibility matrix\nnew\n") and kept.endswith(section)


KEEPS_WHAT_IT_DID_NOT_BEGIN = r'''
import sys
from pathlib import Path
from tfinterop.harness import zoo
out = Path(sys.argv[1])
(out / "old").mkdir(parents=True)
(out / "old" / "mine.txt").write_text("mine")
class Model:
    def count_params(self):
        return 1
def failing_export(model, directory):
    directory.mkdir(exist_ok=True)
    (directory / "partial").write_text("half")
    raise RuntimeError("export failed")
zoo.export = failing_export
record = zoo.build(["old", "new"], out, log=lambda m: None, make=lambda name, keras: (Model(), ""),
                   inputs=lambda name: None, failures_are_results=True)
print(sorted(p.name for p in (out / "old").iterdir()), (out / "new").exists(), record["new"]["built"])
'''


def test_a_failed_export_removes_only_the_folder_it_began(tmp_path):
    r = python_run("-c", KEEPS_WHAT_IT_DID_NOT_BEGIN, tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "['mine.txt', 'partial'] False False"
