"""Identifiers that link records directly: NHS number, National Insurance number, UPRN.

A wrong identifier is worse than a missing one (it links two different people), so each is
checked as far as its published rules allow and rejected with a reason otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.standardise.base import (
    Standardised,
    add_reason,
    as_text,
    fullmatch,
    no_reasons,
    sub,
    to_object,
)

# Spreadsheets turn long digit strings into floats: '9434765919.0'.
_FLOAT_TAIL = r"\.0+$"


def _digits_only(text: pd.Series) -> pd.Series:
    return sub(sub(text, r"[\s\-]+", ""), _FLOAT_TAIL, "")


def nhs_check_digit_ok(digits: pd.Series) -> np.ndarray:
    """Modulus 11 check for 10-digit strings (all of `digits` must be 10 ASCII digits).

    NHS Digital's algorithm: weight the first nine digits 10, 9, ... 2, sum, take the
    remainder mod 11 and subtract it from 11; 11 means a check digit of 0 and 10 means the
    number is invalid. The result must equal the tenth digit.
    """
    if digits.empty:
        return np.zeros(0, dtype=bool)
    joined = "".join(digits.tolist()).encode("ascii")
    matrix = (np.frombuffer(joined, dtype=np.uint8).reshape(-1, 10) - ord("0")).astype(np.int64)
    total = matrix[:, :9] @ np.arange(10, 1, -1)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    return (check != 10) & (check == matrix[:, 9])


def nhs_number(s: pd.Series) -> Standardised:
    """'943 476 5919' -> '9434765919' when the modulus 11 check digit agrees."""
    text = as_text(s)
    digits = _digits_only(text)
    shaped = fullmatch(digits, r"[0-9]{10}")
    ok = pd.Series(False, index=s.index)
    ok[shaped] = nhs_check_digit_ok(digits[shaped])
    # 0000000000 and 9999999999 pass the checksum but are placeholders, not numbers.
    repeated = fullmatch(digits, r"0{10}|1{10}|2{10}|3{10}|4{10}|5{10}|6{10}|7{10}|8{10}|9{10}")
    reasons = no_reasons(s.index)
    reasons = add_reason(reasons, text.notna() & ~shaped, "not 10 digits")
    reasons = add_reason(reasons, repeated, "a placeholder, not an NHS number")
    reasons = add_reason(reasons, shaped & ~ok, "check digit does not match")
    valid = ok & ~repeated
    return Standardised(to_object(digits.where(valid)), reasons)


# HMRC National Insurance Manual NIM39110 (What a NINO looks like): two prefix letters, six
# digits, suffix A, B, C or D. D F I Q U V are never used in the prefix, O never second,
# and the prefixes BG GB KN NK NT TN ZZ are not used (TN was the old temporary number).
_NINO = r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]"
_NINO_UNUSED_PREFIX = r"(?:BG|GB|KN|NK|NT|TN|ZZ).*"


def ni_number(s: pd.Series) -> Standardised:
    """'ab 12 34 56 c' -> 'AB123456C' when it follows HMRC's NINO format rules."""
    text = as_text(s)
    squeezed = sub(text.str.upper(), r"[\s\-]+", "")
    temporary = fullmatch(squeezed, r"TN[0-9]{6}[MF]?")
    unused = fullmatch(squeezed, _NINO_UNUSED_PREFIX)
    shaped = fullmatch(squeezed, _NINO)
    reasons = no_reasons(s.index)
    reasons = add_reason(reasons, temporary, "a temporary number, not a NINO")
    reasons = add_reason(reasons, shaped & unused, "prefix not used for NINOs")
    reasons = add_reason(reasons, text.notna() & ~shaped, "not a valid NI number")
    valid = shaped & ~unused
    return Standardised(to_object(squeezed.where(valid)), reasons)


def uprn(s: pd.Series) -> Standardised:
    """'000100023336956' or '100023336956.0' -> '100023336956' (1 to 12 digits)."""
    text = as_text(s)
    squeezed = sub(text, r"\s+", "")
    scientific = fullmatch(squeezed, r"[0-9.]+[eE][+]?[0-9]+")
    digits = sub(sub(squeezed, _FLOAT_TAIL, ""), r"^0+", "")
    valid = fullmatch(digits, r"[1-9][0-9]{0,11}")
    reasons = no_reasons(s.index)
    # 1.00023E+11 is what a spreadsheet shows once it has rounded a UPRN away.
    reasons = add_reason(reasons, scientific, "UPRN in scientific notation (digits lost)")
    reasons = add_reason(reasons, text.notna() & ~valid, "not a valid UPRN")
    return Standardised(to_object(digits.where(valid)), reasons)
