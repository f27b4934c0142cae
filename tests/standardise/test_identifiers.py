"""NHS numbers (modulus 11), National Insurance numbers (HMRC rules), UPRNs."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.standardise.identifiers import nhs_number, ni_number, uprn


def _one(func, raw) -> tuple:
    result = func(pd.Series([raw], dtype=object))
    return result.values.iloc[0], result.reasons.iloc[0]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("9434765919.0", "9434765919"),
        ("4010232137", "4010232137"),
        ("4505577104", "4505577104"),
    ],
)
def test_nhs_number_valid(raw: str, clean: str) -> None:
    assert _one(nhs_number, raw) == (clean, None)


def test_nhs_number_check_digit() -> None:
    assert _one(nhs_number, "9434765918") == (None, "check digit does not match")
    # Weighted sum 210, remainder 1, check digit 10: no NHS number can end this way.
    assert _one(nhs_number, "1234567890") == (None, "check digit does not match")
    assert _one(nhs_number, "1234567882") == (None, "check digit does not match")


def test_nhs_number_shape_and_placeholders() -> None:
    assert _one(nhs_number, "123") == (None, "not 10 digits")
    assert _one(nhs_number, "94347659AB") == (None, "not 10 digits")
    assert _one(nhs_number, "0000000000") == (None, "a placeholder, not an NHS number")
    assert _one(nhs_number, "9999999999") == (None, "a placeholder, not an NHS number")
    assert _one(nhs_number, None) == (None, None)


def test_nhs_number_vectorised_mixture() -> None:
    raw = pd.Series(["9434765919", None, "9434765918", "4010232137"] * 1000)
    result = nhs_number(raw)
    assert result.values.notna().sum() == 2000
    assert result.reasons.notna().sum() == 1000


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("ab 12 34 56 c", "AB123456C"), ("AB123456C", "AB123456C"), ("JG-10-32-15-D", "JG103215D")],
)
def test_ni_number_valid(raw: str, clean: str) -> None:
    assert _one(ni_number, raw) == (clean, None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("DA123456A", "not a valid NI number"),  # D never in the prefix
        ("AD123456A", "not a valid NI number"),
        ("QQ123456C", "not a valid NI number"),  # HMRC's example only
        ("AO123456A", "not a valid NI number"),  # O never second
        ("AB123456E", "not a valid NI number"),  # suffix A-D only
        ("AB123456", "not a valid NI number"),
        ("AB12345C", "not a valid NI number"),
        ("GB123456A", "prefix not used for NINOs"),
        ("BG123456A", "prefix not used for NINOs"),
        ("NK123456A", "prefix not used for NINOs"),
        ("KN123456A", "prefix not used for NINOs"),
        ("NT123456A", "prefix not used for NINOs"),
        ("ZZ123456A", "prefix not used for NINOs"),
        ("TN123456A", "prefix not used for NINOs"),
        ("TN 01 01 80 M", "a temporary number, not a NINO"),
    ],
)
def test_ni_number_invalid(raw: str, reason: str) -> None:
    assert _one(ni_number, raw) == (None, reason)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("100023336956", "100023336956"),
        ("000100023336956", "100023336956"),
        ("100023336956.0", "100023336956"),
        (100023336956, "100023336956"),
        (" 10 ", "10"),
        ("999999999999", "999999999999"),
    ],
)
def test_uprn_valid(raw, clean: str) -> None:
    assert _one(uprn, raw) == (clean, None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1.00023E+11", "UPRN in scientific notation (digits lost)"),
        ("0", "not a valid UPRN"),
        ("1234567890123", "not a valid UPRN"),
        ("12a", "not a valid UPRN"),
        ("100023336956.5", "not a valid UPRN"),
    ],
)
def test_uprn_invalid(raw: str, reason: str) -> None:
    assert _one(uprn, raw) == (None, reason)
