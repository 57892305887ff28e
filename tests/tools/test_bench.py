"""`tfinterop bench` at a tiny size: it runs end to end and reports every figure with a unit. Timing itself
is never asserted (the figures live in BENCHMARKS.md); the worker's reusable input files are checked for staleness."""

import json

import numpy as np
import pytest

from conftest import cli
from tfinterop.contract.arrays import read_npz
from tfinterop.contract.tolerance import compare
from tfinterop.core import paths
from tfinterop.core.errors import OutputExistsError
from tfinterop.tools import bench

FIGURES = {"marshal_ratio", "bridge_overhead_ratio", "java_vs_python_throughput", "single_image_latency_ratio",
           "worker_batch_ratio", "worker_single_image_ratio", "worker_signature_ratio", "check_one_model",
           "verify_one_model", "verify_ratio", "verify_cold_ratio", "js_batch_ratio", "js_single_image_ratio"}


def tiny_bench(tmp_path):
    report, table = tmp_path / "bench.json", tmp_path / "BENCHMARKS.md"
    table.write_text(f"# Mine\n\nwritten by hand\n\n{bench.MARKDOWN_BEGIN}\nold table\n{bench.MARKDOWN_END}\n\nkept too\n")
    # --fix-repeats 0: the two fix figures are left out here (two new interpreters, about 20 CPU-seconds, for a
    # subprocess timing that `make bench` runs); test_fix.py tests fix itself.
    return cli("bench", "--images", 20, "--warmup", 1, "--repeats", 2, "--single-repeats", 3, "--verify-repeats", 1,
               "--fix-repeats", 0, "--json", report, "--markdown", table)


@pytest.mark.early(job=tiny_bench)
def test_bench_reports_every_figure_with_a_unit(java_built, early_result):
    r, tmp_path = early_result
    report, table = tmp_path / "bench.json", tmp_path / "BENCHMARKS.md"
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(report.read_text())
    assert FIGURES <= set(doc["figures"])
    for name, f in doc["figures"].items():
        assert isinstance(f["value"], float) and f["value"] > 0 and f["unit"], name
    assert {f["unit"] for f in doc["figures"].values()} >= {"ratio", "ms", "us", "images/s", "s"}
    assert doc["figures"]["check_one_model"]["goal"] == "<= 1"
    assert doc["figures"]["marshal_ratio"]["goal"] == "<= 1.5" and isinstance(doc["figures"]["marshal_ratio"]["met"], bool)
    assert doc["figures"]["worker_batch_ratio"]["goal"] == "<= 1.3"
    assert doc["figures"]["worker_single_image_ratio"]["goal"] == "<= 3"
    # the call by signature ran on the six-dtype model with its rows tiled to --images; verify on the bench's model
    assert "20 rows" in doc["figures"]["worker_signature_ratio"]["about"]
    assert "compat-serve" in doc["figures"]["verify_one_model"]["about"]
    assert doc["settings"]["verify_repeats"] == 1 and doc["settings"]["fix_repeats"] == 0
    assert "fix_to_export_ratio" not in doc["figures"]
    assert doc["machine"]["cores"] >= 1 and doc["machine"]["cpu"] and len(doc["machine"]["loadavg_start"]) == 3
    assert doc["runtimes"]["java"] == "java-tf-1.8.0" and doc["runtimes"]["python"].startswith("python-tf-2.")
    assert doc["settings"]["images"] == 20
    assert "through js-tfjs-4.22.0's Node worker" in doc["figures"]["js_batch_ratio"]["about"]
    text = table.read_text()
    assert "written by hand" in text and "kept too" in text and "old table" not in text
    assert "| `bridge_overhead_ratio` |" in text and "| `bridge_overhead_ratio` |" in r.stdout


def test_markdown_without_markers_is_not_overwritten(tmp_path):
    mine = tmp_path / "notes.md"
    mine.write_text("my notes\n")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        bench.write_markdown(mine, {})
    assert mine.read_text() == "my notes\n"


def test_bench_refuses_more_images_than_the_test_set(tmp_path):
    r = cli("bench", "--images", 10001)
    assert r.returncode == 2 and "error: usage:" in r.stderr


@pytest.mark.parametrize("runtime", ["java_worker", "python_worker"])
def test_worker_reuses_its_input_files_by_signature_without_stale_data(runtime, request):
    worker = request.getfixturevalue(runtime)
    dtypes = paths.GOLDEN / "dtypes"
    inputs, expected = read_npz(dtypes / "inputs.npz"), read_npz(dtypes / "expected.npz")
    handle = worker.load(dtypes / "model", ["serve"])
    try:
        def agrees(given, rows):
            got = worker.run(handle, None, given)
            return set(got) == set(expected) and all(compare(v[rows], got[k]).agree for k, v in expected.items())
        assert agrees(inputs, slice(None))
        # same shapes, other data (the rows swapped): each key's reused file must carry its new rows
        assert agrees({k: np.ascontiguousarray(v[::-1]) for k, v in inputs.items()}, slice(None, None, -1))
        assert agrees({k: np.ascontiguousarray(v[:1]) for k, v in inputs.items()}, slice(0, 1))   # other shapes
        assert agrees(inputs, slice(None))
    finally:
        worker.close(handle)


@pytest.mark.parametrize("runtime", ["java_worker", "python_worker"])
def test_worker_reuses_its_input_file_without_stale_data(runtime, request, golden_model, subset):
    worker = request.getfixturevalue(runtime)
    images = subset[0][:50]
    handle = worker.load(golden_model, ["serve"])
    try:
        y = worker.predict(handle, "myInput", "myOutput", images)
        # same shape, other data: the reused file must carry the new rows (a stale one would give y again)
        reversed_rows = worker.predict(handle, "myInput", "myOutput", np.ascontiguousarray(images[::-1]))
        assert compare(y[::-1], reversed_rows).agree and not compare(y, reversed_rows).agree
        # another shape, then an empty batch, then the first shape again
        assert compare(y[:3], worker.predict(handle, "myInput", "myOutput", images[:3])).agree
        assert worker.predict(handle, "myInput", "myOutput", images[:0]).shape == (0, 10)
        assert compare(y, worker.predict(handle, "myInput", "myOutput", images)).agree
    finally:
        worker.close(handle)
