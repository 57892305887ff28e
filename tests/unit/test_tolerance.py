import numpy as np
import pytest

from tfinterop.contract.tolerance import accuracy, compare, Contract, contract

C = Contract(dtype="float32", rtol=1e-5, atol=1e-6, argmax_must_match=True)


def probs(rows=4, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.rand(rows, 10).astype(np.float32)
    return x / x.sum(axis=1, keepdims=True)


def test_the_contract_is_read_from_its_one_file():
    c = contract()
    assert c.dtype == "float32" and 0 < c.atol < 1e-3 and 0 < c.rtol < 1e-3 and c.argmax_must_match


def test_identical_outputs_agree():
    a = probs()
    r = compare(a, a.copy(), C)
    assert r.agree and r.reason == "" and r.max_abs_error == 0.0 and r.argmax_agreement == 1.0


def test_within_tolerance_agrees_and_reports_the_largest_error():
    a = probs()
    b = a.copy()
    b[2, 3] += 5e-7
    r = compare(a, b, C)
    assert r.agree
    assert r.max_abs_at == (2, 3) and r.max_abs_error == pytest.approx(5e-7, rel=0.1)


def test_beyond_tolerance_says_where_and_how_much():
    a = probs()
    b = a.copy()
    b[1, 7] += 1e-3
    r = compare(a, b, C)
    assert not r.agree
    assert "max abs error" in r.reason and "[1, 7]" in r.reason


def test_argmax_difference_fails_even_within_atol():
    a = np.array([[0.5, 0.5 - 1e-7]], dtype=np.float32)
    b = np.array([[0.5 - 1e-7, 0.5]], dtype=np.float32)
    r = compare(a, b, C)
    assert not r.agree and "argmax differs on 1 of 1 rows" in r.reason


@pytest.mark.parametrize("b,needle", [
    (np.zeros((4, 9), np.float32), "shape differs"),
    (np.zeros((4, 10), np.float64), "dtype differs"),
])
def test_shape_and_dtype_must_match(b, needle):
    r = compare(probs(), b, C)
    assert not r.agree and needle in r.reason


def test_nan_in_the_same_place_agrees_but_not_elsewhere():
    a = probs()
    a[0, 0] = np.nan
    assert compare(a, a.copy(), C).agree
    b = a.copy()
    b[0, 0] = 0.1
    assert not compare(a, b, C).agree


def test_the_same_infinity_agrees_with_no_error_but_not_the_other():
    a = probs()
    a[0, 1], a[1, 2] = np.inf, -np.inf
    r = compare(a, a.copy(), C)
    assert r.agree and r.max_abs_error == 0 and r.max_rel_error == 0      # inf - inf is NaN: not an error
    b = a.copy()
    b[0, 1] = -np.inf
    assert not compare(a, b, C).agree


def test_accuracy():
    p = np.eye(10, dtype=np.float32)[[1, 2, 3, 4]]
    assert accuracy(p, np.array([1, 2, 3, 0])) == 0.75


def test_integers_bools_and_strings_are_compared_exactly_and_the_first_difference_is_named():
    ids = np.array([[1, 2], [3, 4]], np.int64)
    assert compare(ids, ids.copy()).agree
    off = ids.copy()
    off[1, 0] = 5
    r = compare(ids, off)
    assert not r.agree and r.reason.startswith("1 of 4 int64 elements differ (compared exactly); the first at [1, 0]")
    flags = np.array([True, False])
    assert not compare(flags, ~flags).agree and "2 of 2 bool elements differ" in compare(flags, ~flags).reason
    words = np.array([b"a", b"bc"])
    assert compare(words, words.copy()).agree and not compare(words, np.array([b"a", b"bd"])).agree
    assert compare(ids, ids.astype(np.int32)).reason == "dtype differs: reference is int64, candidate is int32"


def test_each_float_dtype_has_its_contract_and_a_dtype_without_one_is_an_error():
    from tfinterop.core.errors import TfInteropError
    assert contract("float64").dtype == "float64" and contract("float64").rtol > 0
    x = np.array([1.0, 2.0])
    assert compare(x, x + 1e-9).agree and not compare(x, x + 1e-3).agree
    with pytest.raises(TfInteropError, match="no tolerance for float16"):
        compare(x.astype(np.float16), x.astype(np.float16))
