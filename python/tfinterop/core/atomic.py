"""Files and folders that are never seen half-written: written beside their place and renamed into it once
complete. A staging folder's name says which process owns it (.TARGET.partial-PID-STARTTIME-RANDOM), so the stale
ones of a writer that was killed are recognised and removed, and nothing else is (commands/outputs.py, whose
commit renames them into place, has the rules for a user's OUT)."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from tfinterop.core.errors import OutputNotWritableError

STAGING_MARK = ".partial-"     # .OUT.partial-PID-STARTTIME-RANDOM: a staging folder and who owns it
REPLACED_MARK = ".replaced-"   # .OUT.replaced-PID-STARTTIME-RANDOM: an OUT being replaced, removed next


def write_atomically(path, write, what: str = "output") -> None:
    """write(binary file) fills a temporary file beside `path`, renamed into place once complete: a reader
    (or a user after an interrupt) never finds half of it."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as e:
        raise OutputNotWritableError(f"cannot write {what} {path}: {e.strerror} ({path.parent}); expected a "
                                     f"folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _process_identity(pid: int) -> str:
    """pid plus the process's start time, so a reused pid is not taken for the writer that died."""
    try:
        start = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        start = "?"
    return f"{pid}-{start}"


@contextlib.contextmanager
def staging_folder(target: Path):
    """A new folder beside `target`, for everything written before it is complete; removed on the way out
    (whatever happens), and the stale ones of earlier writers that died are removed first. The owner's
    identity is in the folder's name, so the folder never exists without it (a kill between a mkdir and
    writing an owner file would leave a folder no later run could tell was stale)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_MARK}{_process_identity(os.getpid())}-",
                                    dir=target.parent)).resolve()
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_stale_staging(target: Path) -> list:
    """Removes staging (and replaced-aside) folders of earlier writers of this target whose process is gone
    (killed, say). One whose owner still runs is left alone, as is anything whose name does not say who
    owns it."""
    removed = []
    for mark in (STAGING_MARK, REPLACED_MARK):
        prefix = f".{target.name}{mark}"
        for staging in target.parent.glob(prefix + "*"):
            owner = staging.name[len(prefix):].split("-")
            if len(owner) < 3 or not owner[0].isdigit() or not staging.is_dir() or staging.is_symlink():
                continue
            if _process_identity(int(owner[0])) == f"{owner[0]}-{owner[1]}":
                continue                       # still running: another writer at work
            if mark == REPLACED_MARK and (staging / "model").is_dir() and not (target.exists() or target.is_symlink()):
                os.replace(staging / "model", target)     # killed between the two renames: the old one back
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    return removed
