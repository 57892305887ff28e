"""Untrusted models: a model that reads a file when it is loaded is flagged, and both consumers refuse
to load it unless the caller allows it; allowed, it loads, and the read really happens on load."""

import shutil

import numpy as np
import pytest

import catalogue
from conftest import cli_many
from tfinterop.compat import untrusted
from tfinterop.core import paths
from tfinterop.core.errors import ModelLoadError, UntrustedModelError

RUNTIMES = ["python", "java"]


@pytest.fixture
def worker(request, python_worker, java_worker):
    return {"python": python_worker, "java": java_worker}[request.param]


def reading_model(tmp_path, target):
    d = tmp_path / "reads-a-file"
    shutil.copytree(paths.GOLDEN / "compat-serve", d)
    catalogue.add_read_file_on_load(d, str(target))
    return d


def test_the_golden_models_are_not_flagged():
    for variant in ("seed-simple-save", "seed-builder", "compat-serve", "compat-mytag"):
        assert untrusted.scan(paths.GOLDEN / variant) == [], variant


def test_scan_flags_the_read_with_checks_finding_shape(tmp_path):
    finding, = untrusted.scan(reading_model(tmp_path, tmp_path / "secret.txt"))
    assert set(finding) == {"tags", "node", "op", "kind", "message", "fix"}
    assert finding["tags"] == ["serve"] and finding["node"] == "read_on_load" and finding["op"] == "ReadFile"
    assert finding["kind"] == "untrusted-op" and "file-read" in finding["message"]


def test_restore_outside_the_models_saver_is_flagged(tmp_path):
    d = tmp_path / "m"
    shutil.copytree(paths.GOLDEN / "compat-serve", d)
    from tfinterop.savedmodel import wire as pw

    def rogue_restore(nodes):
        restore = next(n for n in nodes if pw.first(n, catalogue.NODE_NAME) == b"save/RestoreV2")
        copy = [pw.Field(f.number, f.wire_type, b"rogue/RestoreV2" if f.number == catalogue.NODE_NAME else f.value)
                for f in restore]
        return nodes + [copy]
    catalogue.edit_graphs(d, rogue_restore)
    assert [(f["node"], f["op"]) for f in untrusted.scan(d)] == [("rogue/RestoreV2", "RestoreV2")]


def test_every_listed_op_has_a_category_and_a_reason():
    ops = untrusted.op_list()
    assert {"ReadFile", "WriteFile", "MatchingFiles", "PyFunc", "EagerPyFunc", "SaveV2", "RestoreV2"} <= set(ops)
    assert all(category and why for category, why in ops.values())


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_refused_unless_allowed(worker, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for models")
    d = reading_model(tmp_path, secret)
    with pytest.raises(UntrustedModelError, match="read_on_load") as info:
        worker.load(d, ["serve"])
    assert "ReadFile" in str(info.value) and "--allow-untrusted" in str(info.value)
    handle = worker.load(d, ["serve"], allow_untrusted=True)
    try:
        y = worker.predict(handle, "myInput", "myOutput", np.load(paths.GOLDEN / "input.npy"))
        assert y.shape == (100, 10)
    finally:
        worker.close(handle)


@pytest.mark.parametrize("worker", RUNTIMES, indirect=True)
def test_the_read_happens_on_load(worker, tmp_path):
    """Allowed, a model whose file is missing fails at load: proof that loading ran the read, and so
    that refusing before the load is the only safe moment."""
    d = reading_model(tmp_path, tmp_path / "no-such-file.txt")
    with pytest.raises(ModelLoadError, match="no-such-file.txt"):
        worker.load(d, ["serve"], allow_untrusted=True)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_command_line(runtime, tmp_path, java_built):
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    d = reading_model(tmp_path, secret)
    args = ["predict", d, "--runtime", runtime, "--input", paths.GOLDEN / "input.npy", "--output"]
    r, allowed = cli_many((*args, tmp_path / "y.npy"), (*args, tmp_path / "allowed.npy", "--allow-untrusted"))
    assert r.returncode == 1 and "error: untrusted-model:" in r.stderr and not (tmp_path / "y.npy").exists()
    assert allowed.returncode == 0 and (tmp_path / "allowed.npy").is_file(), allowed.stderr[-2000:]


def test_check_untrusted_adds_the_read_to_the_targets_findings(tmp_path):
    import json
    model = reading_model(tmp_path, tmp_path / "secret.txt")
    plain, flagged = cli_many(("check", model, "--target", "java-tf-1.8.0", "--json", "-"),
                              ("check", model, "--target", "java-tf-1.8.0", "--json", "-", "--untrusted"))
    assert plain.returncode == 0, plain.stderr          # TF 1.8 itself would load it (and read the file)
    assert flagged.returncode == 1, flagged.stderr
    doc = json.loads(flagged.stdout)
    assert not doc["loadable"]
    assert [(f["kind"], f["op"], f["node"]) for f in doc["findings"]] == [("untrusted-op", "ReadFile", "read_on_load")]
