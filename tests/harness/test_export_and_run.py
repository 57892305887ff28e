"""The command line's main job and its export, as a user runs them."""

import json
import os

import pytest

from conftest import cli, python_run
from tfinterop.cli.harness_commands import RUN_MARKER


def test_export_refuses_to_replace_without_overwrite(tmp_path):
    target = tmp_path / "compat-serve"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    r = cli("export", "--out", tmp_path, "--variant", "compat-serve")
    assert r.returncode == 2 and "error: unsafe-output:" in r.stderr and "mine.txt" in r.stderr
    assert (target / "mine.txt").read_text() == "keep me"


def test_export_unknown_variant_lists_the_variants(tmp_path):
    r = cli("export", "--out", tmp_path, "--variant", "nope")
    assert r.returncode == 2 and "seed-simple-save" in r.stderr and "compat-mytag" in r.stderr


def test_exported_variants_have_the_seeds_layout(exported):
    by_name = {m["variant"]: m for m in exported["models"]}
    assert set(by_name) == {"seed-simple-save", "seed-builder", "compat-serve", "compat-mytag"}
    for name, m in by_name.items():
        d = m["dir"]
        assert os.path.isfile(os.path.join(d, "saved_model.pb"))
        assert os.path.isfile(os.path.join(d, "variables", "variables.index"))
        # no half-written staging folders are left beside the exports
        assert not [p for p in os.listdir(os.path.dirname(d)) if ".partial-" in p]
    for name in ("seed-builder", "compat-mytag"):
        d = by_name[name]["dir"]
        assert open(os.path.join(d, "assets", "labels.txt")).read().split() == [str(i) for i in range(10)]
        extra = json.load(open(os.path.join(d, "assets.extra", "tfinterop.json")))
        assert extra["variant"] == name
        assert [s["tags"] for s in by_name[name]["signatures"]] == [["myTag"], ["serve"]]


def test_run_prints_the_table_and_writes_json(default_slice):
    """The command line's part of `tfinterop run` (conftest.run_the_default_slice, started early): it
    replaces the folder an earlier run made, prints the table and its progress, writes the JSON and exits
    0. The cells themselves are asserted in test_cross_language.py."""
    done, out, doc = default_slice
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / RUN_MARKER).is_file()                                 # so the next run may replace it too
    model = out / "models" / "tf-2.21.0" / "softmax" / "compat-serve" / "saved_model.pb"
    assert model.read_bytes() != b"from an earlier run"
    assert "loads in java-tf-1.8.0" in done.stdout and "compat-mytag" in done.stdout
    assert "36 cells: 27 pass, 9 expected failures" in done.stdout
    assert "train:" in done.stderr and "[36/36, 0 left]" in done.stderr    # progress is shown
    assert doc["ok"] and doc["counts"] == {"cells": 36, "pass": 27, "fail": 9, "crash": 0, "skip": 0, "known": 9,
                                           "unexpected": 0, "unexpected pass": 0, "unexpected fail": 0,
                                           "unexpected crash": 0}
    assert doc["data"].startswith("mnist")


def test_run_trains_every_model_unless_told():
    from tfinterop.cli.harness_commands import models_to_run
    from tfinterop.cli.main import build_parser
    from tfinterop.harness.models import MODELS
    assert models_to_run(build_parser(["run"]).parse_args(["run"])) == list(MODELS) == ["softmax", "cnn", "mixed"]
    assert models_to_run(build_parser(["run"]).parse_args(["run", "--model", "cnn"])) == ["cnn"]


def test_run_will_not_replace_a_folder_it_did_not_make(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "data.txt").write_text("keep")
    r = cli("run", "--out", mine)
    assert r.returncode == 2 and "error: unsafe-output:" in r.stderr and "did not make" in r.stderr
    assert (mine / "data.txt").read_text() == "keep"


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["export", "--help"], ["predict", "--help"],
                                  ["check", "--help"], ["targets", "--help"]])
def test_help(args):
    r = cli(*args)
    assert r.returncode == 0 and "usage: tfinterop" in r.stdout


def test_training_is_deterministic_for_a_seed():
    # Two trainings in one TensorFlow process (a subprocess: this one never imports TensorFlow).
    code = (
        "import numpy as np\n"
        "from tfinterop.harness.data import load_mnist\n"
        "from tfinterop.harness.train import TrainingConfig, train\n"
        "m = load_mnist()\n"
        "runs = [train(m, TrainingConfig(steps=100, seed=s), log=lambda _: None) for s in (7, 7, 8)]\n"
        "same = all(np.array_equal(a, b) for a, b in zip(runs[0].params, runs[1].params))\n"
        "other = any(not np.array_equal(a, b) for a, b in zip(runs[0].params, runs[2].params))\n"
        "print(same, other)\n")
    r = python_run("-c", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True"]
