"""Telephone numbers and email addresses, reduced to the form two systems can compare."""

from __future__ import annotations

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


def phone(s: pd.Series) -> Standardised:
    """UK numbers in national form, digits only: '+44 (0)7700 900123' -> '07700900123'.

    UK numbers are 10 or 11 digits with the leading 0 (Ofcom's national numbering plan:
    a 0 then a 9- or 10-digit national significant number). A 10-digit value without the
    0, as spreadsheets leave it after treating the number as a number, gets its 0 back.
    """
    text = as_text(s)
    digits = sub(text, r"\.0+$", "")
    digits = sub(digits, r"^\s*\+\s*", "+")
    digits = sub(digits, r"\(\s*0\s*\)", "")  # +44 (0)20 ...
    digits = sub(digits, r"[\s\-().\/]+", "")
    digits = sub(digits, r"^(?:\+|00)440?", "0")
    digits = sub(digits, r"^44([0-9]{10})$", r"0\1")
    digits = sub(digits, r"^([1-9][0-9]{9})$", r"0\1")
    valid = fullmatch(digits, r"0[1-9][0-9]{8,9}")
    reasons = add_reason(no_reasons(s.index), text.notna() & ~valid, "not a valid UK phone number")
    return Standardised(to_object(digits.where(valid)), reasons)


# Deliberately simple: one @, no spaces, a dotted domain with a 2+ letter top level. The
# full RFC 5322 grammar accepts addresses no council system would hold.
_EMAIL = (
    r"[a-z0-9!#$%&'*+/=?^_`{|}~\-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~\-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}"
)


def email(s: pd.Series) -> Standardised:
    """'  Jane.Smith@Example.GOV.UK ' -> 'jane.smith@example.gov.uk' when it looks valid."""
    text = as_text(s)
    address = sub(text.str.lower(), r"^mailto:", "").str.strip()
    valid = fullmatch(address, _EMAIL)
    reasons = add_reason(no_reasons(s.index), text.notna() & ~valid, "not a valid email address")
    return Standardised(to_object(address.where(valid)), reasons)
