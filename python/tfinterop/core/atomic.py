"""Files that are never seen half-written: written beside their place and renamed into it once complete."""

import os
import tempfile
from pathlib import Path

from tfinterop.core.errors import OutputNotWritableError


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
