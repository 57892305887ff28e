"""Never lose a user's files: every command that writes a folder or a file goes through outputs.py, which
refuses, before anything is loaded, an output that is the current directory or holds it, that is, holds or
sits inside the model being read, or that would replace a folder holding anything but a SavedModel. Each
destructive case runs as a user would (in a project folder, as its current directory) and the project's
files are compared byte for byte before and after."""

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from conftest import cli, python_popen
from tfinterop.commands import outputs
from tfinterop.core import paths
from tfinterop.core.errors import EXIT_CODES, OutputExistsError, UnsafeOutputError

MODEL = paths.GOLDEN / "seed-simple-save"     # TF 1.8 rejects it as it is: fix rewrites it


def make_project(root: Path) -> Path:
    """A user's project: a Keras-style export in build/model, tests, code, notes and an older fixed model."""
    project = root / "project"
    shutil.copytree(MODEL, project / "build" / "model")
    shutil.copytree(MODEL, project / "build" / "fixed-before")
    (project / "build" / "NOTES.txt").write_text("release notes, not a model\n")
    (project / "build" / "existing").mkdir()
    (project / "build" / "existing" / "mine.txt").write_text("mine\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_model.py").write_text("def test_it():\n    pass\n")
    (project / "settings.gradle").write_text("rootProject.name = 'service'\n")
    shutil.copy(paths.GOLDEN / "dtypes" / "inputs.npz", project / "inputs.npz")
    return project


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


# command line -> the kind it must be refused with, and a word of its message
DESTRUCTIVE = {
    "fix-out-current-directory": (["fix", "build/model", "--out", ".", "--overwrite"], "unsafe-output", "current directory"),
    "fix-out-holds-the-model": (["fix", "build/model", "--out", "build", "--overwrite"], "unsafe-output", "holds the model"),
    "fix-out-is-the-model": (["fix", "build/model", "--out", "build/model", "--overwrite"], "unsafe-output", "is the model"),
    "fix-out-inside-the-model": (["fix", "build/model", "--out", "build/model/fixed"], "unsafe-output", "inside the model"),
    "fix-out-ancestor-of-cwd": (["fix", "build/model", "--out", "..", "--overwrite"], "unsafe-output", "current directory"),
    "fix-out-a-folder-of-the-users": (["fix", "build/model", "--out", "build/existing", "--overwrite"], "unsafe-output",
                                      "mine.txt"),
    "fix-out-a-file": (["fix", "build/model", "--out", "build/NOTES.txt", "--overwrite"], "unsafe-output", "is a file"),
    "fix-out-exists": (["fix", "build/model", "--out", "build/fixed-before"], "output-exists", "--overwrite"),
    "fix-json-inside-the-model": (["fix", "build/model", "--out", "build/new", "--json", "build/model/report.json"],
                                  "unsafe-output", "inside the model"),
    "fix-json-inside-out": (["fix", "build/model", "--out", "build/new", "--json", "build/new/report.json"],
                            "unsafe-output", "inside --out"),
    "check-json-over-the-model": (["check", "build/model", "--json", "build/model/saved_model.pb", "--overwrite"],
                                  "unsafe-output", "inside a model being checked"),
    "check-json-a-folder": (["check", "build/model", "--json", "build"], "unsafe-output", "is a folder"),
    "check-json-exists": (["check", "build/model", "--json", "build/NOTES.txt"], "output-exists", "--overwrite"),
    "verify-json-inside-the-model": (["verify", "build/model", "--json", "build/model/variables/r.json"],
                                     "unsafe-output", "inside a model being verified"),
    "verify-json-is-the-inputs": (["verify", "build/model", "--inputs", "inputs.npz", "--json", "inputs.npz",
                                   "--overwrite"], "unsafe-output", "the inputs file"),
    "predict-outputs-inside-the-model": (["predict", "build/model", "--runtime", "python", "--inputs", "inputs.npz",
                                          "--outputs", "build/model/y.npz"], "unsafe-output", "inside the model"),
    "predict-output-over-its-input": (["predict", "build/model", "--runtime", "python", "--inputs", "inputs.npz",
                                       "--outputs", "inputs.npz", "--overwrite"], "unsafe-output", "the input file"),
    "run-out-a-folder-it-did-not-make": (["run", "--out", "build"], "unsafe-output", "did not make"),
    "matrix-report-the-current-directory": (["matrix", "--markdown", "."], "unsafe-output", "--markdown . is a folder"),
    "fuzz-findings-over-its-base": (["fuzz", "--seed", "1", "--base", "build/model", "--out",
                                    "build/model/saved_model.pb", "--overwrite"], "unsafe-output", "the model"),
}


@pytest.mark.parametrize("case", list(DESTRUCTIVE), ids=list(DESTRUCTIVE))
def test_a_destructive_output_is_refused_with_nothing_touched(case, tmp_path):
    args, kind, words = DESTRUCTIVE[case]
    project = make_project(tmp_path)
    before = snapshot(tmp_path)
    started = time.monotonic()
    r = cli(*args, cwd=project)
    seconds = time.monotonic() - started
    assert r.returncode == EXIT_CODES[kind] == 2, f"{case}: exit {r.returncode}: {r.stderr[-1500:]}"
    assert f"error: {kind}:" in r.stderr and words in r.stderr, f"{case}: {r.stderr[-1500:]}"
    assert "Traceback" not in r.stderr, r.stderr[-1500:]
    assert snapshot(tmp_path) == before, f"{case}: the user's files changed"
    assert seconds < 60, f"{case}: refused only after {seconds:.0f} s (it should be before anything loads)"


def test_export_refuses_to_replace_a_folder_that_is_not_a_saved_model(tmp_path):
    project = make_project(tmp_path)
    (project / "build" / "compat-serve").mkdir()
    (project / "build" / "compat-serve" / "mine.txt").write_text("keep me")
    before = snapshot(tmp_path)
    r = cli("export", "--out", "build", "--variant", "compat-serve", "--overwrite", cwd=project)
    assert r.returncode == 2 and "error: unsafe-output:" in r.stderr and "mine.txt" in r.stderr, r.stderr[-1500:]
    assert snapshot(tmp_path) == before


def test_fix_overwrite_replaces_a_saved_model_folder_and_nothing_else(tmp_path):
    """The one destructive act allowed: --overwrite on a SavedModel folder, replaced once the new model is
    verified; every other file of the project is as it was."""
    project = make_project(tmp_path)
    old = project / "build" / "fixed-before"
    (old / "variables" / "stale.txt").write_text("inside the old model's variables/: the model's own")
    before = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("project/build/fixed-before")}
    r = cli("fix", "build/model", "--out", "build/fixed-before", "--overwrite", cwd=project)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "FIXED and verified" in r.stdout
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("project/build/fixed-before")} == before
    assert (old / "saved_model.pb").is_file() and not (old / "variables" / "stale.txt").exists()
    assert not [p.name for p in (project / "build").iterdir() if p.name.startswith(".")], "staging left behind"


# ---- outputs.py itself


def test_check_output_folder_accepts_new_empty_and_saved_model_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MODEL, tmp_path / "model")
    (tmp_path / "empty").mkdir()
    outputs.check_output_folder(tmp_path / "new", overwrite=False)
    outputs.check_output_folder(tmp_path / "empty", overwrite=True)
    outputs.check_output_folder(tmp_path / "model", overwrite=True)
    with pytest.raises(OutputExistsError):
        outputs.check_output_folder(tmp_path / "model", overwrite=False)


def test_a_folder_without_saved_model_pb_is_not_a_saved_model(tmp_path):
    (tmp_path / "variables").mkdir()
    assert outputs.foreign_entries(tmp_path) == ["variables"]
    (tmp_path / "saved_model.pb").write_bytes(b"")
    assert outputs.foreign_entries(tmp_path) == []
    (tmp_path / "README.md").write_text("mine")
    assert outputs.foreign_entries(tmp_path) == ["README.md"]


def test_a_symlink_is_not_followed_to_a_folder_it_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(UnsafeOutputError, match="symbolic link"):
        outputs.check_output_folder(tmp_path / "link", overwrite=True)


def test_commit_checks_again_a_folder_that_changed_since_the_check(tmp_path, monkeypatch):
    """Between the check and the rename, a user put a file into OUT: commit refuses, and both stay."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    shutil.copytree(MODEL, out)
    outputs.check_output_folder(out, overwrite=True)
    (out / "notes.txt").write_text("written meanwhile")
    with outputs.staging_folder(out) as staging:
        shutil.copytree(MODEL, staging / "model")
        with pytest.raises(UnsafeOutputError, match="notes.txt"):
            outputs.commit(staging / "model", out)
    assert (out / "notes.txt").read_text() == "written meanwhile" and (out / "saved_model.pb").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_writer_killed_between_its_renames_gets_the_old_folder_back(tmp_path):
    """The old OUT renamed aside, then the writer died: the next writer puts it back before anything else."""
    out = tmp_path / "out"
    aside = tmp_path / f".out{outputs.REPLACED_MARK}999999999-1-dead"
    shutil.copytree(MODEL, aside / "model")
    assert outputs.remove_stale_staging(out) == [aside]
    assert (out / "saved_model.pb").read_bytes() == (MODEL / "saved_model.pb").read_bytes()
    assert not aside.exists()


def test_write_text_to_dash_is_stdout(capsys):
    outputs.write_text("-", "{}\n")
    assert capsys.readouterr().out == "{}\n"


# ---- an interrupt


# Where fix is when the interrupt comes: the first line fix prints at that moment (stderr). "staged" is printed just
# before the rewritten model is verified (the reference here, the target in its worker, whose JVM is still
# starting or running it: a JVM's start alone takes longer than the rest); the pause is outputs.PAUSE_HOOK's,
# after the verification and before the rename.
MOMENTS = {"loading": "fix: loading", "lowering": "variable(s)", "verifying": "fix: staged",
           "committing": "pausing before the rename"}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_an_interrupted_fix_says_so_and_leaves_nothing(tmp_path, moment, java_built):
    """Ctrl-C at a terminal sends SIGINT to the foreground process group: to fix and, unless they are in a
    group of their own, to its workers. Whatever the moment, fix says `interrupted`, exits 130, and nothing is
    at OUT or beside it."""
    project = make_project(tmp_path)
    env = dict(os.environ, **({outputs.PAUSE_HOOK: "1"} if moment == "committing" else {}))
    # A group of its own, as a shell gives a foreground job, and Python's own SIGINT handler (the fork
    # server this test forks from ignores SIGINT).
    p = python_popen("-c", "import os, signal, sys; os.setpgid(0, 0); "
                     "signal.signal(signal.SIGINT, signal.default_int_handler); "
                     f"os.chdir({str(project)!r}); from tfinterop.cli.main import main; sys.exit(main(sys.argv[1:]))",
                     "fix", "build/model", "--out", "build/new", env=env, stderr_pipe=True)
    seen = []
    for line in p.stderr:
        seen.append(line)
        if MOMENTS[moment] in line:
            os.killpg(p.pid, signal.SIGINT)
            break
    code = p.wait(120)
    err = "".join(seen) + p.stderr.read()
    assert MOMENTS[moment] in err and code == 130 and err.rstrip().endswith("interrupted"), f"exit {code}: {err[-2000:]}"
    assert "REFUSED" not in err and "JVMNotRunning" not in err and "Traceback" not in err, err[-2000:]
    assert not (project / "build" / "new").exists()
    assert not [x.name for x in (project / "build").iterdir() if x.name.startswith(".")]
