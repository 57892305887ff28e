"""No half-written models: an export killed at any point leaves nothing at the target that looks like a
SavedModel, and the staging folder it leaves behind is cleaned up by the next export to that target."""

import os
import signal
import time

import catalogue
from conftest import cli, python_popen
from tfinterop.commands import outputs

VARIANT = "compat-serve"
KILLS = 6
MODEL_FILES = ("saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001")


def start_export(out, env=None):
    return python_popen("-m", "tfinterop", "export", "--out", out, "--variant", VARIANT,
                        env=dict(os.environ, **(env or {})), stderr_pipe=True)


def staging_dirs(out):
    return sorted(out.glob(f".{VARIANT}{outputs.STAGING_MARK}*")) if out.exists() else []


def test_killed_between_writing_and_renaming(tmp_path):
    out = tmp_path / "models"
    p = start_export(out, {outputs.PAUSE_HOOK: "1"})
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


def wait_for_staging(p, out, timeout=600.0):
    """Seconds until the export's staging folder appears (None if the process ends first)."""
    started = time.monotonic()
    while not staging_dirs(out):
        if p.poll() is not None or time.monotonic() - started > timeout:
            return None
        time.sleep(0.005)
    return time.monotonic() - started


def test_killed_at_several_moments(tmp_path):
    """SIGKILL once before anything is written, then at moments spread over the writing: from when the
    staging folder appears to when a reference export renamed it into place (timed on this machine, in this
    run). At each, the target is absent or complete, never partial."""
    reference = tmp_path / "reference"
    p = start_export(reference)
    wait_for_staging(p, reference)
    staged_at = time.monotonic()
    assert p.wait(timeout=600) == 0, p.stderr.read()[-2000:]
    p.stderr.close()
    writing = time.monotonic() - staged_at
    sizes = {f: (reference / VARIANT / f).stat().st_size for f in MODEL_FILES}
    outcomes = []
    for i in range(KILLS):
        out = tmp_path / f"kill-{i}"
        p = start_export(out)
        if i > 0:                         # kill 0: at once, before the export writes anything
            wait_for_staging(p, out)
            time.sleep(writing * (i - 1) / (KILLS - 1))
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stderr.close()
        target = out / VARIANT
        if target.exists():
            assert {f: (target / f).stat().st_size for f in MODEL_FILES if (target / f).exists()} == sizes, \
                f"kill {i}: a partial model at the target"
            outcomes.append("complete")
        else:
            outcomes.append("staged" if staging_dirs(out) else "absent")
        # Nothing else was left where a model is expected: besides a complete target, only staging folders.
        left = staging_dirs(out)
        entries = sorted(out.iterdir()) if out.exists() else []
        assert entries == sorted(left + ([target] if target.exists() else [])), \
            f"kill {i}: left {[e.name for e in entries]}"
        # The next export to this target starts by clearing exactly what the killed one left in staging.
        assert sorted(outputs.remove_stale_staging(target)) == left and staging_dirs(out) == [], f"kill {i}"
    print(f"writing took {writing:.2f} s in a reference export; outcomes of the kills: {outcomes}")
    assert outcomes[0] == "absent" and "staged" in outcomes, outcomes


def test_a_live_exporters_staging_is_left_alone(tmp_path):
    """Each staging folder's name says who owns it (pid and start time): a live owner's is kept, a dead one's
    removed, and a folder whose name says nothing is never touched."""
    target = tmp_path / VARIANT
    mine = tmp_path / f".{VARIANT}{outputs.STAGING_MARK}{outputs._process_identity(os.getpid())}-live"
    mine.mkdir()
    dead = tmp_path / f".{VARIANT}{outputs.STAGING_MARK}999999999-1-dead"
    dead.mkdir()
    foreign = tmp_path / f".{VARIANT}{outputs.STAGING_MARK}foreign"
    foreign.mkdir()
    assert outputs.remove_stale_staging(target) == [dead]
    assert mine.exists() and foreign.exists() and not dead.exists()


def test_export_into_a_read_only_folder_is_refused_before_training(tmp_path):
    ro = catalogue.ReadOnlyDir(tmp_path / "ro")
    try:
        started = time.monotonic()
        r = cli("export", "--out", ro.path / "models", "--variant", VARIANT)
        took = time.monotonic() - started
    finally:
        ro.close()
    assert r.returncode == 2 and "error: io-error:" in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "train:" not in r.stderr and took < 60
    assert list((tmp_path / "ro").iterdir()) == []
