"""The compatibility matrix: its strict verdict, --fix, the reports, `run`'s table over the same cells (on
hand-made cells, no TensorFlow). The real default slice is asserted in test_cross_language.py."""

import json

import pytest

from tfinterop.harness import expectations, matrix, reports
from tfinterop.harness.matrix import Cell, CRASH, FAIL, MatrixResult, PASS, SKIP
from tfinterop.runtimes import environments

HEADER = "# known incompatibilities\n#   producer | model | variant | consumer | prefix | reason\n\n"
STATIC = "Op type not registered 'StaticRegexFullMatch' in binary running on vm. Make sure the Op..."


def cell(producer, variant, consumer, status, message="", tags=("serve",)):
    return Cell(producer, "softmax", variant, list(tags), consumer, status=status, message=message,
                runtime_message=message or None)


def result(cells, full=True):
    return MatrixResult(cells, sorted({c.producer for c in cells}), sorted({c.consumer for c in cells}),
                        full=full, timings={"export tf-a": 1.0}, problems=[], images=10)


def write_list(tmp_path, *lines):
    path = tmp_path / "known.txt"
    path.write_text(HEADER + "".join(line + "\n" for line in lines))
    return path


def judged(tmp_path, cells, *lines, full=True):
    r = result(cells, full)
    matrix.judge(r, expectations.load(write_list(tmp_path, *lines)))
    return r


def grid():
    """Two producers x two variants x one Java consumer: the seed variant fails in tf-b only."""
    return [cell("tf-a", "seed", "java", PASS), cell("tf-a", "compat", "java", PASS),
            cell("tf-b", "seed", "java", FAIL, STATIC), cell("tf-b", "compat", "java", PASS)]


def test_a_listed_failure_with_its_message_is_expected(tmp_path):
    r = judged(tmp_path, grid(), "tf-b | * | seed | java | Op type not registered 'StaticRegexFullMatch' | sharded saver")
    assert r.ok
    failing = r.cells[2]
    assert failing.expected and failing.known_line == 4 and "known fail" in failing.verdict


def test_an_unlisted_failure_fails_the_run(tmp_path):
    r = judged(tmp_path, grid())
    assert not r.ok
    assert [c.verdict for c in r.cells if not c.expected] == ["unexpected fail"]


def test_an_unexpected_pass_fails_the_run(tmp_path):
    r = judged(tmp_path, grid(), "tf-* | * | seed | java | Op type not registered | sharded saver")
    assert not r.ok
    assert r.cells[0].verdict.startswith("unexpected pass: known-incompatibilities.txt line 4")


def test_another_message_than_listed_fails_the_run(tmp_path):
    r = judged(tmp_path, grid(), "tf-b | * | seed | java | NodeDef mentions attr | something else")
    assert not r.ok
    assert r.cells[2].verdict.startswith("different message")


def test_a_sometimes_line_takes_a_pass_or_its_own_failure_and_no_other(tmp_path):
    """A cell that fails at random (TensorFlow.js's RandomUniform in TF 1.8's dropout): it may pass; a failure must
    have the message; the line still goes stale when no cell matches it."""
    line = "tf-b | * | seed | java | sometimes: outputs differ from | one activation in 20 million doubled"
    differ = cell("tf-b", "seed", "java", FAIL, "outputs differ from python-tf-b's: y: values differ")
    assert judged(tmp_path, grid()[:2] + [differ], line).ok
    passed = judged(tmp_path, grid()[:2], line.replace("tf-b | * | seed", "tf-a | * | seed"))
    assert passed.ok and passed.cells[0].verdict.startswith("pass (line 4: it fails at random)")
    assert not judged(tmp_path, grid(), line).ok                # tf-b's seed cell fails with another message
    stale = judged(tmp_path, grid()[:2], "tf-z | * | * | java | sometimes: outputs differ | gone")
    assert any("line 4 matches no cell" in p for p in stale.problems)


def test_a_crash_can_be_listed_but_only_with_its_message(tmp_path):
    cells = [cell("tf-a", "seed", "java", CRASH, "java worker killed by signal SIGABRT while loading")]
    assert judged(tmp_path, cells, "tf-a | * | * | java | java worker killed by signal SIGABRT | native abort").ok
    assert not judged(tmp_path, cells, "tf-a | * | * | java | java worker killed by signal SIGSEGV | native abort").ok


def test_a_line_no_cell_of_a_full_run_uses_is_stale(tmp_path):
    lines = ("tf-b | * | seed | java | Op type not registered | sharded saver",
             "tf-z | * | * | java | anything | a producer that no longer fails")
    full = judged(tmp_path, grid(), *lines)
    assert not full.ok
    assert full.problems == ["known-incompatibilities.txt line 5 matches no cell of this full run: it is stale; "
                             "remove it (or run with --fix)"]
    assert judged(tmp_path, grid(), *lines, full=False).ok   # a partial run cannot tell


def test_a_line_about_a_consumer_outside_the_full_run_is_not_stale_there(tmp_path):
    """A TF Java release that is a slice of its own (matrix.FULL_CONSUMERS) keeps its lines through a full run."""
    lines = ("tf-b | * | seed | java | Op type not registered | sharded saver",
             "tf-a | * | seed | java-old | anything | measured in java-old's own slice")
    assert judged(tmp_path, grid(), *lines).ok
    stale = judged(tmp_path, grid(), lines[0], "tf-z | * | seed | j* | anything | a consumer of this run")
    assert [p.split(":")[0] for p in stale.problems] == ["known-incompatibilities.txt line 5 matches no cell of this full run"]


def test_a_line_shadowed_by_an_earlier_one_is_stale(tmp_path):
    r = judged(tmp_path, grid(), "tf-b | * | seed | java | Op type | first", "tf-b | * | seed | java | Op | shadowed")
    assert [p.split(":")[0] for p in r.problems] == ["known-incompatibilities.txt line 5 matches no cell of this full run"]


def test_a_line_about_skipped_cells_only_is_not_stale(tmp_path):
    cells = grid() + [cell("tf-old", "seed", "java", SKIP, "no Python 3.6 interpreter")]
    r = judged(tmp_path, cells, "tf-b | * | seed | java | Op type | saver", "tf-old | * | * | java | x | unverifiable here")
    assert r.ok and r.cells[-1].verdict == "skipped"


def test_a_line_waiting_for_its_reason_fails_the_run(tmp_path):
    r = judged(tmp_path, grid(), f"tf-b | * | seed | java | Op type | {matrix.REASON_PLACEHOLDER}: say why")
    assert not r.ok and "has no reason yet" in r.problems[0]


def test_message_prefix_keeps_the_stable_part():
    assert matrix.message_prefix(STATIC) == "Op type not registered 'StaticRegexFullMatch'"
    assert matrix.message_prefix('Endpoint "labels_file:0" fed more than once.') == 'Endpoint "labels_file:0" fed more than once'
    assert matrix.message_prefix("Could not find SavedModel .pb or .pbtxt at supplied export directory path: /tmp/x") == \
        "Could not find SavedModel .pb or .pbtxt at supplied export directory path"


def test_fix_adds_new_failures_with_a_placeholder_and_keeps_reasons_that_hold(tmp_path):
    cells = grid() + [cell("tf-a", "seed", "py", FAIL, "KeyError 'X'"), cell("tf-b", "seed", "py", FAIL, "KeyError 'X'"),
                      cell("tf-a", "compat", "py", PASS), cell("tf-b", "compat", "py", PASS)]
    path = write_list(tmp_path, "tf-b | * | seed | java | Op type not registered | the reason that holds",
                      "tf-a | * | compat | java | Op type | no longer fails")
    r = result(cells)
    changes = matrix.fix_list(r, path)
    entries = expectations.load(path)
    assert [(e.producer, e.model, e.variant, e.consumer, e.message_prefix) for e in entries] == [
        ("tf-b", "*", "seed", "java", "Op type not registered"),
        ("*", "*", "seed", "py", "KeyError 'X'")]   # both producers fail alike: one line, generalised
    assert entries[0].reason == "the reason that holds"
    assert entries[1].reason.startswith(matrix.REASON_PLACEHOLDER)
    assert any(c.startswith("removed line 5") for c in changes)
    assert path.read_text().startswith(HEADER.rstrip("\n"))
    matrix.judge(r, entries)
    assert all(c.expected for c in r.cells)        # the rewritten list describes the run exactly...
    assert r.problems == ["known-incompatibilities.txt line 5 has no reason yet: say why it fails"]  # ...but needs a reason


def test_fix_never_generalises_over_a_cell_that_passes(tmp_path):
    cells = [cell("tf-a", "seed", "java", FAIL, "Boom"), cell("tf-a", "compat", "java", PASS),
             cell("tf-b", "seed", "java", PASS)]
    path = write_list(tmp_path)
    matrix.fix_list(result(cells), path)
    assert [(e.producer, e.variant) for e in expectations.load(path)] == [("tf-a", "seed")]


def test_fix_in_a_partial_run_keeps_lines_about_cells_it_did_not_run(tmp_path):
    path = write_list(tmp_path, "tf-b | * | seed | java | Op type | reason", "tf-other | * | * | java | x | elsewhere")
    matrix.fix_list(result(grid(), full=False), path)
    assert [e.producer for e in expectations.load(path)] == ["tf-b", "tf-other"]


def test_reports_show_every_cell_and_each_failure_message(tmp_path):
    cells = grid() + [cell("tf-a", "seed", "py", CRASH, "py worker killed by signal SIGSEGV <boom>"),
                      cell("tf-b", "seed", "py", SKIP, "no Python 3.6 interpreter"),
                      cell("tf-a", "compat", "py", PASS), cell("tf-b", "compat", "py", PASS)]
    r = judged(tmp_path, cells, "tf-b | * | seed | java | Op type not registered | sharded saver")
    md = reports.markdown(r)
    assert "| tf-b | softmax | seed [serve] | known [1] |" in md
    assert "CRASH! [" in md and "no Python 3.6 interpreter" in md and "sharded saver" not in md.split("### Notes")[0]
    page = reports.html_page(r)
    assert page.count("<td class='cell") == len(cells)
    assert "&lt;boom&gt;" in page and "<boom>" not in page                 # messages are escaped
    assert reports.COLOURS[CRASH] in page
    doc = json.loads(reports.json_text(r))
    assert len(doc["cells"]) == len(cells) and doc["ok"] is False
    assert {k for k in ("producer", "model", "variant", "consumer", "status", "message")} <= set(doc["cells"][0])


def test_unknown_names_are_usage_errors():
    from tfinterop.core.errors import UsageError
    with pytest.raises(UsageError, match="unknown producer tf-9.9"):
        matrix.run(producers=["tf-9.9"])


def test_outputs_that_differ_from_the_reference_fail_with_the_reason():
    """Every output key is held to the reference under its dtype's contract, and each that differs is named."""
    import numpy as np
    ref = {"p": np.eye(10, dtype=np.float32)[:3], "label": np.arange(3, dtype=np.int64)}
    off = {"p": ref["p"].copy(), "label": np.array([0, 1, 3], dtype=np.int64)}
    off["p"][0] = off["p"][0][::-1]
    py, same, other, short = (cell("tf-a", "v", consumer, PASS)
                              for consumer in ("python-tf-2.21.0", "java", "java2", "java3"))
    for c in (py, same, other, short):
        c.producer = "tf-2.21.0"
    py.outputs, same.outputs, other.outputs = ref, {k: v.copy() for k, v in ref.items()}, off
    short.outputs = {"p": ref["p"]}
    matrix.compare_with_reference([py, same, other, short], [py, same, other, short])
    assert py.status == PASS and same.status == PASS and same.max_abs_error == 0 and same.argmax_agreement == 1
    assert other.status == FAIL and "outputs differ from python-tf-2.21.0's" in other.message
    assert "p: " in other.message and "argmax" in other.message
    assert "label: 1 of 3 int64 elements differ (compared exactly)" in other.message
    assert short.status == FAIL and "label: the candidate returned no output 'label'" in short.message


def test_a_fixed_model_is_held_to_the_export_it_was_fixed_from():
    """A row `fix` made is compared with the producer's loader on the original export (not on the fixed model,
    which would prove nothing), calls the original variant's signature, and no export variant's glob in the
    list can match its name."""
    import fnmatch

    import numpy as np
    ref = {"p": np.eye(10, dtype=np.float32)[:3]}
    original = cell("tf-2.21.0", "keras", "python-tf-2.21.0", PASS)
    name = matrix.fixed_variant("java-tf-1.8.0", "keras")
    good, bad = cell("tf-2.21.0", name, "java-tf-1.8.0", PASS), cell("tf-2.21.0", name, "python-tf-1.8.0", PASS)
    original.outputs, good.outputs, bad.outputs = ref, {"p": ref["p"] + 1e-7}, {"p": ref["p"][::-1].copy()}
    matrix.compare_with_reference([good, bad], [original, good, bad])
    assert good.status == PASS and bad.status == FAIL and "outputs differ from python-tf-2.21.0's" in bad.message
    assert matrix.base_variant(name) == "keras" and matrix.signature_key(name, ["serve"]) == "serving_default"
    assert matrix.signature_key(matrix.fixed_variant("java-tf-1.8.0", "seed-builder"), ["myTag"]) == "predict"
    from tfinterop.harness.export import DEFAULT_VARIANTS
    assert not any(fnmatch.fnmatchcase(name, v) or fnmatch.fnmatchcase(name, v.split("-")[0] + "-*")
                   for v in DEFAULT_VARIANTS)


def test_run_is_the_default_slice_judged_as_the_matrix_judges(tmp_path):
    """`run`'s table and JSON come from the matrix's cells and verdicts: a listed crash, a stale line in a
    full run and a line without a reason are judged alike, whoever prints them."""
    cells = [cell("tf-a", "seed", "java", CRASH, "java worker killed by signal SIGABRT while loading"),
             cell("tf-a", "compat", "java", PASS)]
    cells[1].loaded = True
    r = judged(tmp_path, cells, "tf-a | * | seed | java | java worker killed by signal SIGABRT | native abort")
    assert r.ok and r.counts() == {"cells": 2, "pass": 1, "fail": 0, "crash": 1, "skip": 0, "known": 1, "unexpected": 0,
                                   "unexpected pass": 0, "unexpected fail": 0, "unexpected crash": 0}
    assert "2 cells: 1 pass, 1 expected failures (known-incompatibilities.txt), 0 unexpected failures, 0 crashes" \
        in reports.table(r)
    assert "expected failure, java worker killed by signal SIGABRT (list line 4)" in reports.table(r)
    stale = judged(tmp_path, cells, "tf-a | * | seed | java | java worker killed by signal SIGABRT | native abort",
                   "tf-z | * | * | java | anything | stale")
    assert not stale.ok and "problem: known-incompatibilities.txt line 5 matches no cell" in reports.table(stale)
    waiting = judged(tmp_path, cells, f"tf-a | * | seed | java | java worker | {matrix.REASON_PLACEHOLDER}", full=False)
    assert not waiting.ok and "has no reason yet" in reports.table(waiting)
    unlisted = judged(tmp_path, cells)
    assert unlisted.counts()["unexpected crash"] == 1 and "CRASH java softmax seed [serve]: unexpected crash" in \
        reports.table(unlisted)


def test_a_line_can_name_one_tag_set_of_a_variant(tmp_path):
    cells = [cell("tf-a", "seed", "java", FAIL, "NodeDef mentions attr 'x'", tags=("myTag",)),
             cell("tf-a", "seed", "java", FAIL, 'Endpoint "labels_file:0" fed more than once.', tags=("serve",))]
    r = judged(tmp_path, cells, 'tf-a | * | seed/serve | java | Endpoint "labels_file:0" | duplicate asset',
               "tf-a | * | seed | java | NodeDef mentions attr | resource variables")
    assert r.ok and [c.known_line for c in r.cells] == [5, 4]
    path = write_list(tmp_path)
    matrix.fix_list(result(cells), path)       # --fix qualifies the tag-sets when they fail differently
    assert sorted(e.variant for e in expectations.load(path)) == ["seed/myTag", "seed/serve"]


def test_fix_merges_lines_into_a_glob_of_their_common_stem_when_that_is_safe(tmp_path):
    cells = [cell(p, v, "java", FAIL if v.startswith("seed-") and p.startswith("tf-2") else PASS, "Op missing")
             for p in ("tf-2.12.0", "tf-2.16.2", "tf-1.15.5") for v in ("seed-a", "seed-b", "compat")]
    path = write_list(tmp_path)
    matrix.fix_list(result(cells), path)
    assert [(e.producer, e.variant) for e in expectations.load(path)] == [("tf-2.*", "seed-*")]


def test_a_crashing_consumer_is_one_cells_outcome_and_the_next_cell_gets_a_fresh_process(tmp_path):
    """A real child process that aborts (SIGABRT) on one model, speaking the worker protocol."""
    script = tmp_path / "crashy.py"
    script.write_text(
        "import json, os, sys\n"
        "out = os.fdopen(os.dup(1), 'w', buffering=1)\n"
        "out.write(json.dumps({'ok': True, 'result': {'name': 'crashy', 'version': '0'}}) + '\\n')\n"
        "for line in sys.stdin:\n"
        "    r = json.loads(line)\n"
        "    if r['op'] == 'load' and r['dir'].endswith('bad'):\n"
        "        sys.stderr.write('about to abort\\n'); sys.stderr.flush(); os.abort()\n"
        "    out.write(json.dumps({'ok': False, 'error': {'kind': 'load-failed', 'message': 'no', "
        "'runtime_message': 'no TF here'}}) + '\\n')\n")
    process = matrix.ConsumerProcess("crashy", log=lambda m: None)
    process._spec = dict(runtime="python", command=[__import__("sys").executable, str(script)])
    bad, good = cell("tf-a", "seed", "crashy", SKIP), cell("tf-a", "compat", "crashy", SKIP)
    try:
        matrix.consume_cell(process, bad, str(tmp_path / "bad"), None, None)
        matrix.consume_cell(process, good, str(tmp_path / "good"), None, None)
    finally:
        process.close()
    assert bad.status == CRASH and "SIGABRT" in bad.message and "about to abort" in bad.message
    assert good.status == FAIL and good.runtime_message == "no TF here"
    assert process.starts == 2


def test_a_missing_interpreter_is_a_skip_that_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("TFINTEROP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path))
    env = environments.PythonTensorFlow("0.1.0", "3.99", ("tensorflow==0.1.0",), legacy=True)
    with pytest.raises(environments.EnvironmentUnavailable, match=r"no Python 3\.99 interpreter on this machine"):
        environments.python_for(env, log=lambda m: None)


def test_the_matrix_command_refuses_unknown_names_and_existing_reports(tmp_path):
    from conftest import cli
    bad = cli("matrix", "--consumers", "java-tf-0.1")
    assert bad.returncode == 2 and "error: usage: unknown consumer java-tf-0.1" in bad.stderr
    existing = tmp_path / "m.md"
    existing.write_text("mine")
    refused = cli("matrix", "--markdown", existing)
    assert refused.returncode == 2 and "--overwrite" in refused.stderr and existing.read_text() == "mine"


def test_the_ci_matrix_and_the_nox_sessions_name_every_producer_and_consumer():
    import re
    from conftest import REPO
    workflow = (REPO / ".github" / "workflows" / "compat.yml").read_text()
    cell, release = workflow.split("\n  release:\n")
    listed = {axis: re.findall(r"[\w.-]+", re.search(rf"{axis}: \[([^\]]*)\]", cell).group(1))
              for axis in ("producer", "consumer")}
    assert listed == {"producer": list(matrix.PRODUCERS), "consumer": list(matrix.FULL_CONSUMERS)}
    # every other TF Java release: one slice of its own (tf-2.21.0's exports)
    others = re.findall(r"[\w.-]+", re.search(r"consumer: \[([^\]]*)\]", release).group(1))
    assert others == [c for c in matrix.CONSUMERS if c not in matrix.FULL_CONSUMERS] and len(others) == 11
    assert "fail-fast: false" in workflow and "GITHUB_STEP_SUMMARY" in workflow
    noxfile = (REPO / "noxfile.py").read_text()
    assert "from tfinterop.harness.matrix import CONSUMERS, PRODUCERS" in noxfile


@pytest.mark.parametrize("version", sorted({e.python for e in environments.PYTHON_TENSORFLOWS if e.legacy}))
def test_the_legacy_testees_are_valid_for_their_old_python(version, tmp_path):
    """They run under Python 3.6/3.7, where tfinterop cannot: a newer syntax there would only show in `make matrix`."""
    import subprocess
    python = environments.find_interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (the matrix skips its cells too)")
    for script in ("producer.py", "consumer.py"):
        proc = subprocess.run([python, "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
                               str(environments.LEGACY / script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_the_legacy_producer_builds_every_model_and_graph_variant_of_the_modern_one():
    """legacy/producer.py (Python 3.6, no tfinterop) keeps its own copy of the model and variant tables:
    they must stay in step with models.py and export.py, or the matrix would show skips or wrong cells. The
    object-based variants (saved-model, keras) it makes with TF 1.15 (in an eager process of its own); the matrix
    gives TF 1.8, which has no object-based export, no such cells (it says so once under the table)."""
    import importlib.util
    from tfinterop.harness.export import DEFAULT_VARIANTS, RUN_VARIANTS, VARIANTS
    from tfinterop.harness.models import INPUT_NAME, MODELS, OUTPUT_NAME
    spec = importlib.util.spec_from_file_location("legacy_producer", environments.LEGACY / "producer.py")
    legacy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(legacy)          # defines the tables; TensorFlow is imported only by main()
    assert sorted(legacy.MODELS) == sorted(MODELS)
    assert (legacy.INPUT_NAME, legacy.OUTPUT_NAME) == (INPUT_NAME, OUTPUT_NAME)
    assert legacy.VARIANTS == {name: ([(list(tags), key) for tags, key in VARIANTS[name].signatures.items()],
                                      VARIANTS[name].compat) for name in RUN_VARIANTS}
    assert sorted(set(DEFAULT_VARIANTS) - set(RUN_VARIANTS)) == ["keras", "saved-model"] == sorted(legacy.OBJECT_BASED)
    assert all(VARIANTS[name].form != "graph" for name in ("keras", "saved-model"))
    assert [(p.producer, p.object_based) for p in environments.PYTHON_TENSORFLOWS if p.legacy] == \
        [("tf-1.15.5", True), ("tf-1.8.0", False)]
    assert matrix.makes("tf-1.15.5", "keras") and not matrix.makes("tf-1.8.0", "saved-model")
    assert matrix.makes("tf-1.8.0", "compat-serve")
