"""The end-to-end path: today's Python TensorFlow exports, TF Java 1.8 loads; the answers must match.

Every export variant and tag-set is loaded in both runtimes (each in its own process) and run on the
1,000 committed real MNIST test images. The compat-* variants must give Java outputs equal to Python's
under the tolerance contract, with the same accuracy; the seed-* variants must fail in TF 1.8 with
TensorFlow's own reason, as fixtures/known-incompatibilities.txt says.
"""

import pytest

from tfinterop import harness
from tfinterop.export import VARIANTS
from tfinterop.tolerance import accuracy, compare

CASES = [(v.name, list(tags)) for v in VARIANTS.values() for tags in v.tag_sets]
IDS = [f"{name}[{'+'.join(tags)}]" for name, tags in CASES]


@pytest.fixture(scope="session")
def cells(exported, subset, python_worker, java_worker):
    images, labels = subset
    found = []
    for worker in (python_worker, java_worker):
        found += harness.consume_with(worker, exported, images, labels, log=lambda m: None)
    return harness.judge(found)


def _cell(cells, variant, tags, consumer_prefix):
    [cell] = [c for c in cells if c.variant == variant and c.tags == tags and c.consumer.startswith(consumer_prefix)]
    return cell


def test_consumers_are_the_runtimes_under_test(python_worker, java_worker):
    assert python_worker.name.startswith("python-tf-2.")
    assert java_worker.name == "java-tf-1.8.0"


def test_training_reaches_the_seeds_accuracy(exported):
    # The seed's tutorial model gets about 92% on the 10,000 MNIST test images.
    assert 0.90 <= exported["test_accuracy"] <= 0.94


@pytest.mark.parametrize("variant,tags", CASES, ids=IDS)
def test_python_loads_every_variant(cells, subset, variant, tags):
    cell = _cell(cells, variant, tags, "python-tf-")
    assert cell.loaded, cell.message
    assert cell.output.shape == (len(subset[0]), 10)
    assert cell.accuracy >= 0.85
    assert cell.status == harness.PASS, cell.message


@pytest.mark.parametrize("variant,tags", [c for c in CASES if VARIANTS[c[0]].compat],
                         ids=[i for i, c in zip(IDS, CASES) if VARIANTS[c[0]].compat])
def test_java_equals_python_on_compat_variants(cells, subset, variant, tags):
    py, java = _cell(cells, variant, tags, "python-tf-"), _cell(cells, variant, tags, "java-tf-")
    assert java.loaded, java.message
    result = compare(py.output, java.output)
    assert result.agree, result.reason
    assert result.argmax_agreement == 1.0
    assert accuracy(java.output, subset[1]) == accuracy(py.output, subset[1])
    assert java.status == harness.PASS, java.message


@pytest.mark.parametrize("variant,tags", [c for c in CASES if not VARIANTS[c[0]].compat],
                         ids=[i for i, c in zip(IDS, CASES) if not VARIANTS[c[0]].compat])
def test_java_rejects_seed_variants_with_tensorflows_reason(cells, variant, tags):
    java = _cell(cells, variant, tags, "java-tf-")
    assert not java.loaded
    # TensorFlow's own words, passed through verbatim, and the cell judged an expected failure.
    assert java.runtime_message.startswith("Op type not registered 'StaticRegexFullMatch'"), java.runtime_message
    assert "could not load" in java.message and "StaticRegexFullMatch" in java.message
    assert java.status == harness.EXPECTED, java.message
