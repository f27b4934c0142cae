"""Address text in one comparable form, for matching addresses to the gazetteer.

The clean form is upper-case ASCII words separated by single spaces, with the common
street-type abbreviations written out, because the LLPG spells them out (BS 7666) and
most service systems do not. Hyphens survive only between numbers (12-14 is a range of
house numbers; STOKE-ON-TRENT and STOKE ON TRENT are the same place).
"""

from __future__ import annotations

import pandas as pd

from joinedup.standardise.base import (
    Standardised,
    add_reason,
    as_text,
    fold_to_ascii,
    join_non_null,
    no_reasons,
    sub,
    to_object,
)

ABBREVIATIONS: dict[str, str] = {
    "RD": "ROAD", "ST": "STREET", "AVE": "AVENUE", "CRES": "CRESCENT", "CRESC": "CRESCENT",
    "CL": "CLOSE", "DR": "DRIVE", "LN": "LANE", "GDNS": "GARDENS", "CT": "COURT",
    "PL": "PLACE", "SQ": "SQUARE", "TER": "TERRACE", "TERR": "TERRACE", "TCE": "TERRACE",
    "GRN": "GREEN", "PK": "PARK", "FLT": "FLAT", "APT": "FLAT",
}  # fmt: skip


def _clean(text: pd.Series) -> pd.Series:
    text = fold_to_ascii(text).str.upper().str.replace("'", "", regex=False)
    text = sub(text, r"[^A-Z0-9,\-\s]+", " ")
    # Keep a hyphen between numbers (12-14) and turn every other one into a space.
    text = sub(text, r"([0-9])\s*-\s*([0-9])", r"\1~\2")
    text = text.str.replace("-", " ", regex=False).str.replace("~", "-", regex=False)
    # 'ST' before a name at the start of a line or after a house number is SAINT
    # (ST JOHNS ROAD, 12 ST MARYS CLOSE); everywhere else it is STREET (HIGH ST).
    text = sub(text, r"(^|,)\s*ST\s+([A-Z])", r"\1 SAINT \2")
    text = sub(text, r"([0-9][A-Z]?)\s+ST\s+([A-Z])", r"\1 SAINT \2")
    text = text.str.replace(",", " ", regex=False)
    for short, full in ABBREVIATIONS.items():
        text = sub(text, rf"\b{short}\b", full)
    text = sub(text, r"\s+", " ").str.strip()
    return text.mask(text == "")


def clean_address(s: pd.Series) -> Standardised:
    """'12 St. John's Rd,' -> '12 SAINT JOHNS ROAD'.

    'Flt 3, 12-14 High St' -> 'FLAT 3 12-14 HIGH STREET'.
    """
    text = as_text(s)
    cleaned = _clean(text)
    reasons = add_reason(
        no_reasons(s.index),
        text.notna() & cleaned.isna(),
        "no letters or digits in the address",
    )
    return Standardised(to_object(cleaned), reasons)


def join_address_lines(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Clean each address line and join the non-empty ones with ', '.

    Returns a plain Series (object, None where every line is empty): joining cannot fail,
    so there are no reasons. Lines that are already clean come through unchanged.
    """
    if not columns:
        raise ValueError("join_address_lines needs at least one column")
    lines = [_clean(as_text(frame[c])) for c in columns]
    joined = join_non_null(lines, ", ")
    joined = joined.mask(joined == "")
    return to_object(joined)
