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
    shaped = fullmatch(digits, r"0[1-9][0-9]{8,9}")
    placeholder = shaped & fullmatch(digits, _PLACEHOLDER_PHONE)
    reasons = add_reason(no_reasons(s.index), text.notna() & ~shaped, "not a valid UK phone number")
    reasons = add_reason(reasons, placeholder, "a placeholder, not a phone number")
    valid = shaped & ~placeholder
    return Standardised(to_object(digits.where(valid)), reasons)


# What a form takes when the caller had no number: the last eight digits one digit over and
# over (07000000000, 01111111111) or counting up (01234567890). Such a number would tie
# together everyone given it, so it is no number at all.
_PLACEHOLDER_PHONE = (
    r"0[0-9]{1,2}(?:0{8}|1{8}|2{8}|3{8}|4{8}|5{8}|6{8}|7{8}|8{8}|9{8})"
    r"|0?1234567890?|07123456789"
)


# Deliberately simple: one @, no spaces, a dotted domain with a 2+ letter top level. The
# full RFC 5322 grammar accepts addresses no council system would hold.
_EMAIL = (
    r"[a-z0-9!#$%&'*+/=?^_`{|}~\-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~\-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}"
)


# What staff type when a form insists on an email the person does not have: none@none.com,
# noemail@gmail.com, unknown@test.com. Either part alone is enough to tell.
_PLACEHOLDER_LOCAL = (
    r"(?:none|noemail|nomail|noe?-?mail|no[._-]?email|no[._-]?mail|noreply|no[._-]?reply"
    r"|do[._-]?not[._-]?(?:reply|email)|na|n[._/]?a|nil|null|unknown|not[._-]?known"
    r"|not[._-]?given|not[._-]?provided|notapplicable|refused|declined|test|nobody|noone|x+)"
)
_PLACEHOLDER_DOMAIN = (
    r"(?:none|noemail|nomail|noreply|unknown|notknown|test|na|nil|null|invalid)"
    r"\.(?:com|co\.uk|org|net|uk)"
)


def email(s: pd.Series) -> Standardised:
    """'  Jane.Smith@Example.GOV.UK ' -> 'jane.smith@example.gov.uk' when it looks valid."""
    text = as_text(s)
    address = sub(text.str.lower(), r"^mailto:", "").str.strip()
    shaped = fullmatch(address, _EMAIL)
    placeholder = shaped & (
        fullmatch(address, _PLACEHOLDER_LOCAL + "@.*")
        | fullmatch(address, ".*@" + _PLACEHOLDER_DOMAIN)
    )
    reasons = add_reason(no_reasons(s.index), text.notna() & ~shaped, "not a valid email address")
    reasons = add_reason(reasons, placeholder, "a placeholder, not an email address")
    valid = shaped & ~placeholder
    return Standardised(to_object(address.where(valid)), reasons)
