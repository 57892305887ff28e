"""The known-incompatibilities list and its grammar. The judge that holds cells to it is matrix.judge
(test_matrix.py)."""

import dataclasses
import json

import pytest

from tfinterop.core import paths
from tfinterop.core.errors import UsageError
from tfinterop.harness import expectations


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
