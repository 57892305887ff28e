"""The files arrays travel in: .npz (every input or output by its key) and .npy (one array), read without
pickle and written beside their place, then renamed into it. A file that is not one is an NpyFormatError (kind
npy-format, as the Java library's Npz and Npy say it); a missing file an InvalidInputError."""

import numpy as np

from tfinterop.core.atomic import write_atomically
from tfinterop.core.errors import InvalidInputError, NpyFormatError

def write_npz(path, arrays: dict) -> None:
    """arrays as an .npz, written beside the target and renamed into place, so a reader never sees half of it."""
    write_atomically(path, lambda f: write_npz_to(f, arrays))


def write_npz_to(f, arrays: dict) -> None:
    """What numpy.savez writes (one KEY.npy per array) into an open binary file. Keys are any strings (savez's
    own parameter names would collide with theirs as keywords)."""
    import zipfile
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        for key, a in arrays.items():
            with z.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(a), allow_pickle=False)


def read_npz(path, what="--inputs") -> dict:
    """{key: array} of an .npz. A file that is not one, or holds object arrays, is an NpyFormatError (kind
    npy-format, as the Java library's Npz says it); a missing file an InvalidInputError."""
    import zipfile
    try:
        z = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InvalidInputError(f"{what} {path}: no such file") from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise NpyFormatError(f"{what} {path}: not an .npz (a zip of .npy arrays): "
                             f"{_why_not_loaded(path, e)}") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise NpyFormatError(f"{what} {path}: a single .npy array, not an .npz of named arrays")
    with z:
        arrays = {}
        for k in z.files:
            try:
                arrays[k] = z[k]
            except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
                raise NpyFormatError(f"{what} {path}: holds an array {k!r} that cannot be read without pickle "
                                     f"(object or ragged arrays are not data a runtime can take): {e}") from None
        return arrays


def read_npy(path, what="--input") -> np.ndarray:
    """One array of a .npy file, with read_npz's errors: a missing file an InvalidInputError, a file that is not
    a .npy (or an .npz given where one array is expected) an NpyFormatError."""
    try:
        x = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InvalidInputError(f"{what} {path}: no such file") from None
    except (ValueError, OSError, EOFError) as e:
        raise NpyFormatError(f"{what} {path}: not a .npy array: {_why_not_loaded(path, e)}") from None
    if not isinstance(x, np.ndarray):
        x.close()
        raise NpyFormatError(f"{what} {path}: an .npz of named arrays, not a single .npy array; use --inputs")
    return x


def _why_not_loaded(path, e) -> str:
    """numpy's reason, except for a file that is neither a zip nor a .npy: numpy takes that for a pickle and
    suggests allow_pickle, which is no advice for a file of unknown bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError:
        return str(e)
    zip_or_npy = head.startswith((b"PK", b"\x93NUMPY"))
    return str(e) if zip_or_npy else "it starts with neither a zip's nor a .npy's magic bytes"
