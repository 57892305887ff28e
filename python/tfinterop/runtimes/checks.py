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


VARIABLE_OPS = {"VariableV2", "Variable", "VarHandleOp"}


def variables_present(directory, tags) -> None:
    """A graph with variables needs variables/variables.index: without it TensorFlow skips the restore
    silently and every run fails later on uninitialized values, far from the cause. (Same check as the
    Java library's SavedModelInfo.checkVariables.)"""
    from tfinterop import protowire as pw
    d = Path(directory)
    model = pw.parse((d / "saved_model.pb").read_bytes())
    for raw in pw.values(model, pw.SavedModelF.META_GRAPHS):
        mg = pw.parse(raw)
        mg_tags = pw.strings(pw.parse(pw.first(mg, pw.MetaGraphF.META_INFO_DEF)), pw.MetaInfoF.TAGS)
        if set(mg_tags) != set(tags):
            continue
        graph = pw.parse(pw.first(mg, pw.MetaGraphF.GRAPH_DEF))
        nodes = [pw.parse(n) for n in pw.values(graph, pw.GraphF.NODE)]
        names = [pw.first(n, pw.NodeF.NAME).decode("utf-8", "replace") for n in nodes
                 if pw.first(n, pw.NodeF.OP).decode("utf-8", "replace") in VARIABLE_OPS]
        index = d / "variables" / "variables.index"
        if names and not index.is_file():
            what = f"{index} is missing" if index.parent.is_dir() else f"the folder {index.parent} is missing"
            raise NotASavedModelError(f"{what}, but the graph has {len(names)} variable(s) [{', '.join(names)}] to "
                                      f"restore from it; expected variables/variables.index and its data shard(s)")
        return


def float32_batch(x, input_name: str) -> np.ndarray:
    """The harness feeds float32 only, as the models' placeholders are; anything else is refused, not cast."""
    if not isinstance(x, np.ndarray):
        raise InvalidInputError(f"input {input_name!r}: expected a numpy array of float32, got {type(x).__name__}")
    if x.dtype != np.float32:
        got = f"string ({x.dtype})" if x.dtype.kind in "US" else str(x.dtype)
        raise InvalidInputError(f"input {input_name!r}: expected dtype float32, got {got}")
    return np.ascontiguousarray(x)


def format_tag_sets(tag_sets) -> str:
    return " ".join("[" + ", ".join(t) + "]" for t in tag_sets)
