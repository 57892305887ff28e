"""The end-to-end path: today's Python TensorFlow exports, TF Java 1.8 loads; the answers must match.

These are the assertions on the default cells, made once, on the matrix's default slice (the one runner,
matrix.run, which `tfinterop run` runs too): every model (the seed's softmax regression and the small
CNN), default export variant and tag-set, loaded in TF 2.21's own loader and in TF Java 1.8.0 (each in a
process of its own) and run on the 1,000 committed real MNIST test images. The compat-* variants (exported
for java-tf-1.8.0) must give Java outputs equal to Python's under the tolerance contract, with the same
accuracy; the seed-* variants must fail in TF 1.8 with TensorFlow's own reason, as
fixtures/known-incompatibilities.txt says; and the slice as a whole holds to that list.
"""

import pytest

from tfinterop import matrix, matrix_report
from tfinterop.export import DEFAULT_VARIANTS, VARIANTS
from tfinterop.models import MODELS

CASES = [(m, name, list(tags)) for m in MODELS for name in DEFAULT_VARIANTS for tags in VARIANTS[name].tag_sets]
IDS = [f"{m}-{name}[{'+'.join(tags)}]" for m, name, tags in CASES]
COMPAT = [(c, i) for c, i in zip(CASES, IDS) if VARIANTS[c[1]].compat]
SEED = [(c, i) for c, i in zip(CASES, IDS) if not VARIANTS[c[1]].compat]
# What each model reaches on the 10,000 MNIST test images after its short training (models.py).
ACCURACY = {"softmax": (0.90, 0.94), "cnn": (0.93, 1.0)}
REFERENCE, JAVA = matrix.DEFAULT_CONSUMERS


def _cell(result, model, variant, tags, consumer):
    [cell] = [c for c in result.cells if c.model == model and c.variant == variant and c.tags == tags
              and c.consumer == consumer]
    return cell


def test_the_slice_is_every_default_cell_and_holds_to_the_list(default_slice):
    assert default_slice.consumers == [REFERENCE, JAVA] and REFERENCE.startswith("python-tf-2.")
    assert JAVA == "java-tf-1.8.0"
    assert len(default_slice.cells) == 2 * len(CASES)
    assert default_slice.ok, matrix_report.markdown(default_slice)


@pytest.mark.parametrize("model", list(MODELS))
def test_training_reaches_the_models_accuracy(default_slice, model):
    low, high = ACCURACY[model]
    assert low <= default_slice.training[model]["test_accuracy"] <= high


@pytest.mark.parametrize("model,variant,tags", CASES, ids=IDS)
def test_python_loads_every_variant(default_slice, model, variant, tags):
    cell = _cell(default_slice, model, variant, tags, REFERENCE)
    assert cell.loaded and cell.status == matrix.PASS, cell.message
    assert cell.accuracy >= 0.85


@pytest.mark.parametrize("model,variant,tags", [c for c, _ in COMPAT], ids=[i for _, i in COMPAT])
def test_java_equals_python_on_compat_variants(default_slice, model, variant, tags):
    py, java = (_cell(default_slice, model, variant, tags, c) for c in (REFERENCE, JAVA))
    assert java.loaded and java.status == matrix.PASS and java.expected, java.message or java.verdict
    # PASS means within the contract; these say how close, and that every row's class agrees.
    assert java.max_abs_error < 1e-5 and java.argmax_agreement == 1.0
    assert java.accuracy == py.accuracy


@pytest.mark.parametrize("model,variant,tags", [c for c, _ in SEED], ids=[i for _, i in SEED])
def test_java_rejects_seed_variants_with_tensorflows_reason(default_slice, model, variant, tags):
    java = _cell(default_slice, model, variant, tags, JAVA)
    assert not java.loaded
    # TensorFlow's own words, passed through verbatim, and the cell judged a known failure: the first op
    # TF 1.8 lacks, StaticRegexFullMatch (the sharded saver), or for the CNN its dropout's SelectV2.
    first_missing = {"softmax": "StaticRegexFullMatch", "cnn": "SelectV2"}[model]
    assert java.runtime_message.startswith(f"Op type not registered '{first_missing}'"), java.runtime_message
    assert "could not load" in java.message and first_missing in java.message
    assert java.known_failure and java.known.message_prefix.endswith(f"'{first_missing}'"), java.verdict
