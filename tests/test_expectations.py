import dataclasses
import json

import numpy as np
import pytest

from tfinterop import expectations, harness, paths
from tfinterop.errors import UsageError


def test_the_committed_list_parses_and_covers_the_seed_variants_in_tf18():
    entries = expectations.load()
    entry = expectations.lookup(entries, "tf-2.21.0", "softmax", "seed-builder", "java-tf-1.8.0")
    assert entry is not None and entry.message_prefix.startswith("Op type not registered")
    assert expectations.lookup(entries, "tf-2.21.0", "softmax", "compat-serve", "java-tf-1.8.0") is None
    assert expectations.lookup(entries, "tf-2.21.0", "softmax", "seed-builder", "python-tf-2.21.0") is None


GRAMMAR = json.loads((paths.FIXTURES / "known-incompatibilities.cases.json").read_text())


@pytest.mark.parametrize("case", GRAMMAR["parse"], ids=lambda c: c["name"])
def test_the_grammar_reads_the_shared_cases(case):
    if "error_line" in case:
        with pytest.raises(UsageError, match=rf"^cases:{case['error_line']}: expected 6 non-empty '\|'-separated"):
            expectations.parse(case["text"], "cases")
    else:
        read = [dataclasses.asdict(e) for e in expectations.parse(case["text"], "cases")]
        assert read == case["entries"]


def cell_id(case):
    return " ".join(str(case[k]) for k in ("producer", "model", "variant", "tags", "consumer"))


@pytest.mark.parametrize("case", GRAMMAR["lookups"]["cases"], ids=cell_id)
def test_lookups_of_the_shared_cases(case):
    entries = expectations.parse(GRAMMAR["lookups"]["text"], "cases")
    found = expectations.lookup(entries, case["producer"], case["model"], case["variant"], case["consumer"],
                                case["tags"])
    assert (found.line if found else None) == case["line"]


def test_malformed_line_in_a_file_names_the_file_and_line(tmp_path):
    f = tmp_path / "list.txt"
    f.write_text("# comment\ntf-2.* | softmax | seed-*\n")
    with pytest.raises(UsageError, match=r"list.txt:2: expected 6 non-empty"):
        expectations.load(f)


def _cells(java_loaded, java_message=None, java_output=None):
    ref = np.eye(10, dtype=np.float32)[:3]
    py = harness.Cell("tf-2.21.0", "softmax", "seed-simple-save", ["serve"], "python-tf-2.21.0", loaded=True, output=ref)
    java = harness.Cell("tf-2.21.0", "softmax", "seed-simple-save", ["serve"], "java-tf-1.8.0", loaded=java_loaded,
                        runtime_message=java_message, output=java_output, message=java_message or "")
    return py, java


KNOWN = [expectations.KnownIncompatibility("tf-2.*", "*", "seed-*", "java-tf-1.8.0", "Op type not registered 'X'",
                                           "because", 1)]


def test_listed_failure_with_the_listed_message_is_expected():
    py, java = _cells(False, "Op type not registered 'X' in binary")
    harness.judge([py, java], known=KNOWN)
    assert py.status == harness.PASS and java.status == harness.EXPECTED


def test_listed_failure_with_another_message_fails():
    _, java = _cells(False, "NodeDef mentions attr 'grad_a'")
    harness.judge([_, java], known=KNOWN)
    assert java.status == harness.FAIL and "different message" in java.message


def test_listed_cell_that_passes_is_an_unexpected_pass():
    py, java = _cells(True, None, np.eye(10, dtype=np.float32)[:3])
    harness.judge([py, java], known=KNOWN)
    assert java.status == harness.FAIL and "unexpected pass" in java.message


def test_unlisted_failure_fails():
    py, java = _cells(False, "something broke")
    harness.judge([py, java], known=[])
    assert java.status == harness.FAIL


def test_outputs_that_differ_fail_with_the_reason():
    out = np.eye(10, dtype=np.float32)[:3]
    out[0] = out[0][::-1]
    py, java = _cells(True, None, out)
    harness.judge([py, java], known=[])
    assert java.status == harness.FAIL and "outputs differ" in java.message and "argmax" in java.message
