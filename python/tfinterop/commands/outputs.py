"""Where tfinterop writes: one rule for every file and folder a command writes, checked before anything is
loaded, and the staging that keeps a half-written output from ever standing where one is expected.

A command deletes or replaces only what it can prove it owns (as `git clean` or pytest's `tmp_path` do):

  check_output_folder(OUT)  a SavedModel folder a command writes (fix --out, export's variants). OUT must
                            not be the current directory or hold it, nor be, hold or sit inside anything the
                            command reads (the model, its inputs). If OUT exists, --overwrite replaces it
                            only when it is a SavedModel folder (saved_model.pb and the entries TensorFlow
                            writes beside it) or an empty one; anything else there is refused, with its names.
  check_output_file(FILE)   a report, an .npy/.npz or a golden: the same placement rule; not a folder; an
                            existing file is replaced only with --overwrite. "-" is stdout (--json -).
  staging_folder(OUT)       a folder beside OUT that holds everything until it is complete, removed on the
                            way out whatever happens; its name says which process owns it, so the stale
                            ones of a killed writer are recognised and removed, and nothing else is.
  commit(staged, OUT)       the complete folder renamed to OUT; an OUT being replaced is checked again,
                            renamed aside first and removed only once the new one is in place.
  write_text(FILE)          a file written beside its place and renamed into it (core.atomic), or stdout.
"""

import os
import shutil
import tempfile
from pathlib import Path

from tfinterop.core import interrupts
# The staging folders live in core (a runtime's cache uses them too); re-exported here, where commands find them.
from tfinterop.core.atomic import (REPLACED_MARK, STAGING_MARK, _process_identity, remove_stale_staging,  # noqa: F401
                                   staging_folder, write_atomically)
from tfinterop.core.errors import OutputExistsError, OutputNotWritableError, UnsafeOutputError

STDOUT = "-"
# What a SavedModel folder holds, as TensorFlow and Keras write it. A folder with anything else in it is not
# one tfinterop can prove it wrote, so --overwrite refuses to replace it.
SAVED_MODEL_ENTRIES = frozenset({"saved_model.pb", "saved_model.pbtxt", "variables", "assets", "assets.extra",
                                 "fingerprint.pb", "keras_metadata.pb"})
# Test-only: set, a commit stops after its staging folder is complete and before the rename, so a test can
# kill it exactly there. Unset (always, outside tests), it changes nothing.
PAUSE_HOOK = "TFINTEROP_TEST_PAUSE_BEFORE_RENAME"


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_placement(out, what: str, avoid: dict) -> None:
    """Refuses an output that is the current directory or one of its ancestors, or that is, holds or sits in
    one of `avoid` ({path: what it is, e.g. "the model being fixed"}): everything the command reads."""
    real, here = Path(out).resolve(), Path.cwd().resolve()
    if _within(here, real):
        where = "is the current directory" if real == here else f"holds the current directory ({here})"
        raise UnsafeOutputError(f"{what} {out} {where}; name a new folder or file for the output")
    for path, said in avoid.items():
        if path is None or str(path) == STDOUT:
            continue
        other = Path(path).resolve()
        if real == other:
            raise UnsafeOutputError(f"{what} {out} is {said} ({path}); write the output somewhere else")
        if _within(other, real):
            raise UnsafeOutputError(f"{what} {out} holds {said} ({path}); write the output somewhere else")
        if _within(real, other):
            raise UnsafeOutputError(f"{what} {out} is inside {said} ({path}); write the output somewhere else")


def foreign_entries(folder: Path) -> list:
    """The names in `folder` that are not a SavedModel's, or [] when it is a SavedModel folder or empty."""
    names = sorted(p.name for p in folder.iterdir())
    if not names:
        return []
    if "saved_model.pb" not in names and "saved_model.pbtxt" not in names:
        return names
    return [n for n in names if n not in SAVED_MODEL_ENTRIES]


def _refuse_foreign_folder(out: Path, what: str) -> None:
    foreign = foreign_entries(out)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UnsafeOutputError(f"{what} {out} is a folder holding {shown}, which is not a SavedModel's; "
                                f"tfinterop replaces only a SavedModel folder or an empty one, even with "
                                f"--overwrite: name a new folder")


def check_output_folder(out, overwrite: bool, what: str = "--out", avoid: dict | None = None) -> None:
    """Called before any work, so that a refusal costs nothing and destroys nothing."""
    out = Path(out)
    check_placement(out, what, avoid or {})
    if out.is_symlink():
        raise UnsafeOutputError(f"{what} {out} is a symbolic link; name the folder itself")
    if out.exists():
        if not out.is_dir():
            raise UnsafeOutputError(f"{what} {out} is a file, not a folder; name a new folder for the SavedModel")
        _refuse_foreign_folder(out, what)
        if not overwrite:
            raise OutputExistsError(f"{what} {out} already exists; pass --overwrite to replace it")
    _check_writable(out.parent)


def check_output_file(path, overwrite: bool, what: str = "--json", avoid: dict | None = None) -> None:
    if str(path) == STDOUT:
        return
    path = Path(path)
    if path.is_dir():
        raise UnsafeOutputError(f"{what} {path} is a folder; expected the path of a file")
    check_placement(path, what, avoid or {})
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise OutputExistsError(f"{what} {path} already exists; pass --overwrite to replace it")
    if not path.parent.is_dir():
        raise OutputNotWritableError(f"{what} {path}: the folder {path.parent} does not exist; expected a folder "
                                     f"you can write to")
    if not os.access(path.parent, os.W_OK):     # refuse before the slow part (root passes; writing catches it)
        raise OutputNotWritableError(f"{what} {path}: the folder {path.parent} is not writable; expected a "
                                     f"folder you can write to")


def _check_writable(folder: Path) -> None:
    """Tries what the write will do (make the folder, a staging folder in it), so that a read-only place is
    refused before the slow part rather than after."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        Path(tempfile.mkdtemp(prefix=".tfinterop-write-probe-", dir=folder)).rmdir()
    except OSError as e:
        raise OutputNotWritableError(f"cannot write into {folder}: {e.strerror}; expected a folder you can "
                                     f"write to") from None


def write_text(path, text: str, what: str = "output") -> None:
    """`text` to FILE atomically, or to stdout when FILE is "-"."""
    if str(path) == STDOUT:
        import sys
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomically(path, lambda f: f.write(text.encode()), what)


# ---------------------------------------------------------------- staging folders (core.atomic's), and their commit

def commit(staged: Path, target: Path) -> None:
    """Moves a complete SavedModel folder into place: a rename, so `target` is never half-written. A target
    being replaced (with --overwrite, checked before the work) is checked again now: still a SavedModel folder
    or an empty one, it is renamed aside, and removed only once the new one is in place."""
    target = Path(target)
    if os.environ.get(PAUSE_HOOK):
        _pause_before_rename(staged.parent)
    interrupts.check()                      # an interrupt swallowed on the way here still stops the commit
    if not (target.exists() or target.is_symlink()):
        os.replace(staged, target)
        return
    if target.is_symlink() or not target.is_dir():
        raise UnsafeOutputError(f"{target} changed while the model was being written: it is no longer a folder")
    _refuse_foreign_folder(target, "the output")
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}{REPLACED_MARK}{_process_identity(os.getpid())}-",
                                  dir=target.parent))
    os.replace(target, aside / "model")
    try:
        os.replace(staged, target)
    except BaseException:
        os.replace(aside / "model", target)        # the old one back where it was
        aside.rmdir()
        raise
    shutil.rmtree(aside)


def _pause_before_rename(staging: Path):
    import sys
    import time
    print(f"staged {staging}; pausing before the rename ({PAUSE_HOOK})", file=sys.stderr, flush=True)
    while True:
        time.sleep(60)
