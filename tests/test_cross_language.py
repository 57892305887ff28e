"""The end-to-end path: today's Python TensorFlow exports, TF Java 1.8 loads; the answers must match.

Every model (the seed's softmax regression and the small CNN), export variant and tag-set is loaded in
both runtimes (each in its own process) and run on the 1,000 committed real MNIST test images. The
compat-* variants (exported for java-tf-1.8.0) must give Java outputs equal to Python's under the
tolerance contract, with the same accuracy; the seed-* variants must fail in TF 1.8 with TensorFlow's
own reason, as fixtures/known-incompatibilities.txt says.
"""

import pytest

from tfinterop import harness
from tfinterop.export import DEFAULT_VARIANTS, VARIANTS
from tfinterop.models import MODELS
from tfinterop.tolerance import accuracy, compare

CASES = [(m, name, list(tags)) for m in MODELS for name in DEFAULT_VARIANTS for tags in VARIANTS[name].tag_sets]
IDS = [f"{m}-{name}[{'+'.join(tags)}]" for m, name, tags in CASES]
COMPAT = [(c, i) for c, i in zip(CASES, IDS) if VARIANTS[c[1]].compat]
SEED = [(c, i) for c, i in zip(CASES, IDS) if not VARIANTS[c[1]].compat]
# What each model reaches on the 10,000 MNIST test images after its short training (models.py).
ACCURACY = {"softmax": (0.90, 0.94), "cnn": (0.93, 1.0)}


@pytest.fixture(scope="session")
def cells(exported_models, subset, python_worker, java_worker):
    images, labels = subset
    found = []
    for worker in (python_worker, java_worker):
        for manifest in exported_models.values():
            found += harness.consume_with(worker, manifest, images, labels, log=lambda m: None)
    return harness.judge(found)


def _cell(cells, model, variant, tags, consumer_prefix):
    [cell] = [c for c in cells if c.model == model and c.variant == variant and c.tags == tags
              and c.consumer.startswith(consumer_prefix)]
    return cell


def test_consumers_are_the_runtimes_under_test(python_worker, java_worker):
    assert python_worker.name.startswith("python-tf-2.")
    assert java_worker.name == "java-tf-1.8.0"


@pytest.mark.parametrize("model", list(MODELS))
def test_training_reaches_the_models_accuracy(exported_models, model):
    low, high = ACCURACY[model]
    assert low <= exported_models[model]["test_accuracy"] <= high


@pytest.mark.parametrize("model,variant,tags", CASES, ids=IDS)
def test_python_loads_every_variant(cells, subset, model, variant, tags):
    cell = _cell(cells, model, variant, tags, "python-tf-")
    assert cell.loaded, cell.message
    assert cell.output.shape == (len(subset[0]), 10)
    assert cell.accuracy >= 0.85
    assert cell.status == harness.PASS, cell.message


@pytest.mark.parametrize("model,variant,tags", [c for c, _ in COMPAT], ids=[i for _, i in COMPAT])
def test_java_equals_python_on_compat_variants(cells, subset, model, variant, tags):
    py, java = _cell(cells, model, variant, tags, "python-tf-"), _cell(cells, model, variant, tags, "java-tf-")
    assert java.loaded, java.message
    result = compare(py.output, java.output)
    assert result.agree, result.reason
    assert result.argmax_agreement == 1.0
    assert accuracy(java.output, subset[1]) == accuracy(py.output, subset[1])
    assert java.status == harness.PASS, java.message


@pytest.mark.parametrize("model,variant,tags", [c for c, _ in SEED], ids=[i for _, i in SEED])
def test_java_rejects_seed_variants_with_tensorflows_reason(cells, model, variant, tags):
    java = _cell(cells, model, variant, tags, "java-tf-")
    assert not java.loaded
    # TensorFlow's own words, passed through verbatim, and the cell judged an expected failure: the first
    # op TF 1.8 lacks, StaticRegexFullMatch (the sharded saver), or for the CNN its dropout's SelectV2.
    first_missing = {"softmax": "StaticRegexFullMatch", "cnn": "SelectV2"}[model]
    assert java.runtime_message.startswith(f"Op type not registered '{first_missing}'"), java.runtime_message
    assert "could not load" in java.message and first_missing in java.message
    assert java.status == harness.EXPECTED, java.message
