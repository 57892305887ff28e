"""No half-written models: an export killed at any point leaves nothing at the target that looks like a
SavedModel, and the staging folder it leaves behind is cleaned up by the next export to that target."""

import os
import signal
import subprocess
import sys
import time

import catalogue
from conftest import REPO, cli
from tfinterop import export

VARIANT = "compat-serve"
MODEL_FILES = ("saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001")


def start_export(out, env=None):
    return subprocess.Popen([sys.executable, "-m", "tfinterop", "export", "--out", str(out), "--variant", VARIANT],
                            cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, **(env or {})))


def staging_dirs(out):
    return sorted(out.glob(f".{VARIANT}{export.STAGING_MARK}*")) if out.exists() else []


def test_killed_between_writing_and_renaming(tmp_path):
    out = tmp_path / "models"
    p = start_export(out, {export.PAUSE_HOOK: "1"})
    try:
        for line in p.stderr:                # wait until the staging folder is complete
            if "pausing before the rename" in line:
                break
        else:
            raise AssertionError(f"the export ended without pausing (exit {p.wait()})")
        staged = staging_dirs(out)
        assert len(staged) == 1 and (staged[0] / "model" / "saved_model.pb").is_file()
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stderr.close()
    assert not (out / VARIANT).exists(), "a killed export left its target behind"
    # The next export to the same target removes the dead exporter's staging folder and completes.
    r = cli("export", "--out", out, "--variant", VARIANT)
    assert r.returncode == 0, r.stderr[-2000:]
    assert staging_dirs(out) == []
    assert all((out / VARIANT / f).is_file() for f in MODEL_FILES)


def test_killed_at_several_moments(tmp_path):
    """SIGKILL at increasing delays: at each moment the target is absent or complete, never partial."""
    reference = tmp_path / "reference"
    assert cli("export", "--out", reference, "--variant", VARIANT).returncode == 0
    sizes = {f: (reference / VARIANT / f).stat().st_size for f in MODEL_FILES}
    outcomes = []
    for i, delay in enumerate((0.5, 2.0, 3.0, 3.5, 4.0, 4.5, 5.5)):
        out = tmp_path / f"kill-{i}"
        p = start_export(out)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stderr.close()
        target = out / VARIANT
        if target.exists():
            assert {f: (target / f).stat().st_size for f in MODEL_FILES if (target / f).exists()} == sizes, \
                f"after {delay} s: a partial model at the target"
            outcomes.append("complete")
        else:
            outcomes.append("absent")
        # Whatever was left in staging is not at the target, and the next export clears it.
        assert not [p for p in staging_dirs(out) if (p / "saved_model.pb").exists()]
    assert "absent" in outcomes, outcomes


def test_a_live_exporters_staging_is_left_alone(tmp_path):
    target = tmp_path / VARIANT
    mine = tmp_path / f".{VARIANT}{export.STAGING_MARK}live"
    mine.mkdir()
    (mine / export.OWNER_FILE).write_text(export._process_identity(os.getpid()) + "\n")
    dead = tmp_path / f".{VARIANT}{export.STAGING_MARK}dead"
    dead.mkdir()
    (dead / export.OWNER_FILE).write_text("999999999 1\n")
    foreign = tmp_path / f".{VARIANT}{export.STAGING_MARK}foreign"
    foreign.mkdir()
    assert export.remove_stale_staging(target) == [dead]
    assert mine.exists() and foreign.exists() and not dead.exists()


def test_export_into_a_read_only_folder_is_refused_before_training(tmp_path):
    ro = catalogue.ReadOnlyDir(tmp_path / "ro")
    try:
        started = time.monotonic()
        r = cli("export", "--out", ro.path / "models", "--variant", VARIANT)
        took = time.monotonic() - started
    finally:
        ro.close()
    assert r.returncode == 1 and "error: io-error:" in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "train:" not in r.stderr and took < 60
    assert list((tmp_path / "ro").iterdir()) == []
