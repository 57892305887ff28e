"""Checks on user input made before a runtime sees it, shared by the Python-side adapters."""

from pathlib import Path

import numpy as np

from tfinterop.errors import InvalidInputError, ModelNotFoundError, NotASavedModelError


def saved_model_pb(directory) -> Path:
    d = Path(directory)
    if not d.exists():
        raise ModelNotFoundError(f"{d}: no such directory; expected a SavedModel directory holding saved_model.pb")
    if not d.is_dir():
        raise ModelNotFoundError(f"{d}: not a directory; expected a SavedModel directory holding saved_model.pb")
    pb = d / "saved_model.pb"
    if not pb.is_file():
        what = "is not a regular file" if pb.exists() else "is missing"
        raise NotASavedModelError(f"{d}: saved_model.pb {what}; this is not a SavedModel directory")
    return pb


def float32_batch(x, input_name: str) -> np.ndarray:
    """The harness feeds float32 only, as the models' placeholders are; anything else is refused, not cast."""
    if not isinstance(x, np.ndarray):
        raise InvalidInputError(f"input {input_name!r}: expected a numpy array of float32, got {type(x).__name__}")
    if x.dtype != np.float32:
        raise InvalidInputError(f"input {input_name!r}: expected dtype float32, got {x.dtype}")
    return np.ascontiguousarray(x)


def format_tag_sets(tag_sets) -> str:
    return " ".join("[" + ", ".join(t) + "]" for t in tag_sets)
