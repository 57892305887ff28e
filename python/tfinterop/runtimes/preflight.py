"""Checks on user input made before a runtime sees it, shared by the Python-side adapters."""

from pathlib import Path

import numpy as np

from tfinterop.core.errors import InvalidInputError, NotASavedModelError, TagSetNotFoundError


VARIABLE_OPS = {"VariableV2", "Variable", "VarHandleOp"}


def variables_present(model, directory, tags) -> None:
    """A graph with variables needs variables/variables.index: without it TensorFlow skips the restore
    silently and every run fails later on uninitialized values, far from the cause. (Same check as the
    Java library's SavedModelInfo.checkVariables.) `model` is DIR's saved_model.pb, read (savedmodel.read)."""
    for mg in model.meta_graphs:
        if set(mg.meta_info_def.tags) != set(tags):
            continue
        names = [n.name for n in mg.graph_def.node if n.op in VARIABLE_OPS]
        index = Path(directory) / "variables" / "variables.index"
        if names and not index.is_file():
            what = f"{index} is missing" if index.parent.is_dir() else f"the folder {index.parent} is missing"
            raise NotASavedModelError(f"{what}, but the graph has {len(names)} variable(s) [{', '.join(names)}] to "
                                      f"restore from it; expected variables/variables.index and its data shard(s)")
        return


def meta_graph_to_load(directory, tags, allow_untrusted=False):
    """What a Python-side adapter checks before its runtime loads anything (the same words from each): the folder is
    a readable SavedModel, it has the tag-set, its graph reaches nothing outside the computation (unless allowed),
    and its variables are there. Returns the MetaGraphDef, as savedmodel.py reads it."""
    from tfinterop.compat import untrusted
    from tfinterop.contract import signatures
    from tfinterop.savedmodel import reader as savedmodel
    model = savedmodel.read(directory)
    available = savedmodel.tag_sets(model)
    if sorted(set(tags)) not in [sorted(set(t)) for t in available]:
        raise TagSetNotFoundError(f"{directory}: no MetaGraphDef with tag-set [{', '.join(tags)}]; "
                                  f"the tag-sets it has: {format_tag_sets(available)}")
    if not allow_untrusted:
        untrusted.refuse_if_untrusted(directory, tags, model)
    variables_present(model, directory, tags)
    return signatures.meta_graph(model, tags)


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
