"""The tolerance contract: the one place that says when two runtimes' outputs agree, per dtype (floats
within rtol/atol, integers, bool and strings exactly; shapes and dtypes always exactly).

The numbers live in tolerance.json so the Java golden tests read the very same contract.
"""

import json
from dataclasses import dataclass, asdict
from functools import lru_cache

import numpy as np

from tfinterop.core.paths import TOLERANCE


@dataclass(frozen=True)
class Contract:
    dtype: str
    rtol: float
    atol: float
    argmax_must_match: bool


@lru_cache(maxsize=1)
def _document() -> dict:
    return json.loads(TOLERANCE.read_text())


@lru_cache(maxsize=None)
def contract(dtype: str = "float32") -> Contract:
    """The contract for a float dtype; TfInteropError for a dtype tolerance.json has no numbers for."""
    data = _document()
    if dtype not in data:
        from tfinterop.core.errors import TfInteropError
        floats = [k for k, v in data.items() if isinstance(v, dict)]
        raise TfInteropError(f"tolerance.json has no tolerance for {dtype} outputs (it has: {', '.join(floats)}; "
                             f"compared exactly: {', '.join(data['exact'])})")
    return Contract(dtype=dtype, rtol=float(data[dtype]["rtol"]), atol=float(data[dtype]["atol"]),
                    argmax_must_match=bool(data["argmax_must_match"]))


def exact_kind(dtype: np.dtype) -> bool:
    """Compared element for element (integers, bool, bytes), as tolerance.json's "exact" says."""
    name = "bytes" if dtype.kind == "S" else dtype.name
    return name in _document()["exact"]


@dataclass(frozen=True)
class Comparison:
    agree: bool
    reason: str               # empty when they agree
    max_abs_error: float | None = None
    max_abs_at: tuple | None = None
    max_rel_error: float | None = None
    max_rel_at: tuple | None = None
    argmax_agreement: float | None = None   # fraction of rows whose argmax is equal

    def to_json(self):
        return asdict(self)


def compare(reference: np.ndarray, candidate: np.ndarray, c: Contract | None = None) -> Comparison:
    """Check `candidate` against `reference` under the contract; say exactly why when they differ."""
    if reference.shape != candidate.shape:
        return Comparison(False, f"shape differs: reference {list(reference.shape)}, candidate {list(candidate.shape)}")
    if reference.dtype != candidate.dtype:
        return Comparison(False, f"dtype differs: reference is {reference.dtype}, candidate is {candidate.dtype}")
    if c is None and exact_kind(reference.dtype):
        return _compare_exactly(reference, candidate)
    c = c or contract(reference.dtype.name)
    for name, a in (("reference", reference), ("candidate", candidate)):
        if a.dtype != np.dtype(c.dtype):
            return Comparison(False, f"dtype differs: {name} is {a.dtype}, the contract expects {c.dtype}")
    ref = reference.astype(np.float64)
    cand = candidate.astype(np.float64)
    with np.errstate(invalid="ignore"):          # inf - inf; the same infinity is no error (below)
        abs_err = np.abs(cand - ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_err = np.where(ref != 0, abs_err / np.abs(ref), np.where(abs_err == 0, 0.0, np.inf))
    # NaN in the same place on both sides is agreement (TensorFlow propagates NaN inputs), and so is the same
    # infinity (whose difference is NaN).
    same = (ref == cand) | (np.isnan(ref) & np.isnan(cand))
    abs_err = np.where(same, 0.0, abs_err)
    rel_err = np.where(same, 0.0, rel_err)
    if abs_err.size:
        i_abs = np.unravel_index(np.nanargmax(np.nan_to_num(abs_err, nan=np.inf)), abs_err.shape)
        i_rel = np.unravel_index(np.nanargmax(np.nan_to_num(rel_err, nan=np.inf)), rel_err.shape)
        max_abs, max_rel = float(abs_err[i_abs]), float(rel_err[i_rel])
        at_abs, at_rel = tuple(int(i) for i in i_abs), tuple(int(i) for i in i_rel)
    else:
        max_abs = max_rel = 0.0
        at_abs = at_rel = None
    if ref.ndim == 2 and ref.shape[0] > 0:
        argmax_agreement = float(np.mean(np.argmax(ref, axis=1) == np.argmax(cand, axis=1)))
    else:
        argmax_agreement = None
    outside = int(np.count_nonzero(~np.isclose(cand, ref, rtol=c.rtol, atol=c.atol, equal_nan=True)))
    reasons = []
    if outside:
        reasons.append(f"values differ beyond rtol={c.rtol:g}, atol={c.atol:g} in {outside} of {ref.size} elements: "
                       f"max abs error {max_abs:.3g} at {list(at_abs)}, max rel error {max_rel:.3g} at {list(at_rel)}")
    if c.argmax_must_match and argmax_agreement is not None and argmax_agreement < 1.0:
        rows = np.flatnonzero(np.argmax(ref, axis=1) != np.argmax(cand, axis=1))
        reasons.append(f"argmax differs on {rows.size} of {ref.shape[0]} rows (first: row {int(rows[0])})")
    return Comparison(not reasons, "; ".join(reasons), max_abs, at_abs, max_rel, at_rel, argmax_agreement)


def compare_outputs(reference: dict, candidate: dict) -> dict:
    """{output key: Comparison} for every output of a call the reference returned, in key order, each under its
    dtype's contract; one the candidate did not return disagrees and says so. The one comparison of whole calls:
    `verify`, `fix` and the matrix all judge a runtime with it."""
    return {k: compare(reference[k], candidate[k]) if k in candidate
            else Comparison(False, f"the candidate returned no output {k!r}") for k in sorted(reference)}


def _compare_exactly(reference: np.ndarray, candidate: np.ndarray) -> Comparison:
    unequal = np.flatnonzero(reference.reshape(-1) != candidate.reshape(-1))
    if not unequal.size:
        return Comparison(True, "")
    at = tuple(int(i) for i in np.unravel_index(unequal[0], reference.shape))
    return Comparison(False, f"{unequal.size} of {reference.size} {reference.dtype} elements differ (compared exactly); "
                             f"the first at {list(at)}: reference {reference[at]!r}, candidate {candidate[at]!r}")


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(probabilities, axis=1) == labels))
