import numpy as np
import pytest

from tfinterop import expectations, harness
from tfinterop.errors import UsageError


def test_the_committed_list_parses_and_covers_the_seed_variants_in_tf18():
    entries = expectations.load()
    entry = expectations.lookup(entries, "tf-2.21.0", "softmax", "seed-builder", "java-tf-1.8.0")
    assert entry is not None and entry.message_prefix.startswith("Op type not registered")
    assert expectations.lookup(entries, "tf-2.21.0", "softmax", "compat-serve", "java-tf-1.8.0") is None
    assert expectations.lookup(entries, "tf-2.21.0", "softmax", "seed-builder", "python-tf-2.21.0") is None


def test_malformed_line_is_a_clear_error(tmp_path):
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
