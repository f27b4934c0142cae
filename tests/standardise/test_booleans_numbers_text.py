"""Yes/no values, whole numbers and amounts, plain text."""

from __future__ import annotations

import pandas as pd

from joinedup.standardise.booleans import parse_bool
from joinedup.standardise.numbers import parse_decimal, parse_integer
from joinedup.standardise.text import clean_text


def test_parse_bool_with_false_values() -> None:
    raw = pd.Series([" Y", "n", "YES", "maybe", None, ""], dtype=object)
    result = parse_bool(raw, ["y", "Yes"], ["N", "no"])
    assert str(result.values.dtype) == "boolean"
    assert result.values.tolist() == [True, False, True, pd.NA, pd.NA, pd.NA]
    assert result.reasons.tolist() == [
        None,
        None,
        None,
        "not a recognised yes/no value",
        None,
        None,
    ]


def test_parse_bool_without_false_values() -> None:
    result = parse_bool(pd.Series(["SPD", "none", None], dtype=object), ["spd"])
    assert result.values.tolist() == [True, False, pd.NA]
    assert result.reasons.tolist() == [None, None, None]


def test_parse_decimal() -> None:
    raw = pd.Series(["£1,234.50", "(12.00)", "-£5", ".5", "abc", None], dtype=object)
    result = parse_decimal(raw)
    assert result.values.tolist()[:4] == [1234.5, -12.0, -5.0, 0.5]
    assert result.reasons.tolist() == [None, None, None, None, "not a number", None]


def test_parse_integer() -> None:
    raw = pd.Series(["1,234", "1234.0", "12.5", "x", None], dtype=object)
    result = parse_integer(raw)
    assert str(result.values.dtype) == "Int64"
    assert result.values.tolist() == [1234, 1234, pd.NA, pd.NA, pd.NA]
    assert result.reasons.tolist() == [None, None, "not a whole number", "not a whole number", None]


def test_clean_text() -> None:
    result = clean_text(pd.Series(["  Council   Tax ", "", None], dtype=object))
    assert result.values.tolist() == ["Council Tax", None, None]
