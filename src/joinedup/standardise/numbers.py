"""Whole numbers and amounts as exported by finance and benefit systems.

Thousands separators, a leading pound sign and accounting brackets for negatives are
removed; anything else that is not a number is rejected with a reason.
"""

from __future__ import annotations

import pandas as pd

from joinedup.standardise.base import Standardised, add_reason, as_text, fullmatch, no_reasons, sub


def _numeric_text(s: pd.Series) -> pd.Series:
    text = as_text(s)
    text = sub(text, r"^\((.*)\)$", r"-\1")  # (12.50) is -12.50
    return sub(text, r"[£,\s]", "")


def parse_decimal(s: pd.Series) -> Standardised:
    """'£1,234.50' -> 1234.5, '(12.00)' -> -12.0, as float64 with NaN for missing."""
    text = _numeric_text(s)
    numeric = text.where(fullmatch(text, r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"))
    values = pd.to_numeric(numeric, errors="coerce").astype("float64")
    reasons = add_reason(no_reasons(s.index), text.notna() & values.isna(), "not a number")
    return Standardised(values, reasons)


def parse_integer(s: pd.Series) -> Standardised:
    """'1,234' or '1234.0' -> 1234, as nullable Int64; '12.5' is rejected."""
    text = sub(_numeric_text(s), r"\.0+$", "")
    whole = text.where(fullmatch(text, r"[-+]?[0-9]{1,18}"))
    values = pd.to_numeric(whole, errors="coerce").astype("Int64")
    reasons = add_reason(no_reasons(s.index), text.notna() & values.isna(), "not a whole number")
    return Standardised(values, reasons)
