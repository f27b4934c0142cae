"""UK postcodes in the one form Royal Mail prints them: outward code, one space, inward code.

Validation follows the published postcode format rules (BS 7666 / the Cabinet Office data
standard, as summarised e.g. at https://dotat.at/@/2008-08-27-uk-postcode-regular-expression.html):
outward codes are A9, A99, A9A, AA9, AA99 or AA9A; Q, V, X are not used first; I, J, Z are
not used second; only A B C D E F G H J K S T U W appear third in A9A; only
A B E H M N P R V W X Y appear fourth in AA9A; the inward code is a digit and two letters
that are never C I K M O V. GIR 0AA (Girobank) is the one exception.

NHS pseudo-postcodes such as ZZ99 3VZ (no fixed abode) break the second-letter rule and are
reported as not valid: they are not places.
"""

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

_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
POSTCODE_PATTERN = rf"(?:{_OUTWARD} {_INWARD}|GIR 0AA)"
_REASON = "not a valid postcode"


def _squeezed(s: pd.Series) -> pd.Series:
    text = sub(as_text(s).str.upper(), r"\s+", "")
    return text.mask(text == "")


def normalise_postcode(s: pd.Series) -> Standardised:
    """' sw1a1aa ' -> 'SW1A 1AA'; anything that is not a UK postcode -> None with a reason."""
    squeezed = _squeezed(s)
    spaced = sub(squeezed, r"^(.+)([0-9][A-Z]{2})$", r"\1 \2")
    valid = fullmatch(spaced, POSTCODE_PATTERN)
    reasons = add_reason(no_reasons(s.index), squeezed.notna() & ~valid, _REASON)
    return Standardised(to_object(spaced.where(valid)), reasons)


def outcode(s: pd.Series) -> Standardised:
    """The outward code ('SW1A 1AA' -> 'SW1A'); a value that is only an outward code is kept."""
    squeezed = _squeezed(s)
    full = normalise_postcode(s).values
    outward = pd.Series(full, index=s.index, dtype=object).str.split(" ").str[0]
    alone = squeezed.where(fullmatch(squeezed, _OUTWARD))
    result = outward.where(outward.notna(), alone.astype(object))
    result = result.where(result.notna(), None)
    reasons = add_reason(no_reasons(s.index), squeezed.notna() & result.isna(), _REASON)
    return Standardised(result, reasons)
