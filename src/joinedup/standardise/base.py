"""What every standardiser returns, and the few helpers they share.

Standardisers are vectorised: they work on a whole pandas Series at once with Arrow string
kernels, with no Python loop per row (Python only ever sees distinct values, and only for
the rare ones Arrow cannot handle, such as accented letters). Each returns the clean
values and, beside them, a short reason for every value it had to reject. A reason never
contains the value itself: reasons end up in logs, quality reports and quarantine
summaries, and the values are personal data.

Conventions for `Standardised.values`:
- text-like results (names, postcodes, identifiers, phones, emails, addresses): object dtype,
  a `str` or `None`;
- dates: `datetime64[ns]`, normalised to midnight, `NaT` where there is no date;
- booleans: pandas nullable `boolean`, `<NA>` where there is no answer.

`Standardised.reasons` is always object dtype: `None` where the value was fine or empty
(an empty value is a completeness question for quality checks, not a validity failure),
else the reason. Where there is a reason the value is always missing: a standardiser
never returns a value it has doubts about.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pd.StringDtype("pyarrow")


class Standardised(NamedTuple):
    """Clean values and, aligned with them, why a non-empty value could not be used."""

    values: Any  # pd.Series (pd.DataFrame for split_full_name)
    reasons: pd.Series


def as_text(s: pd.Series) -> pd.Series:
    """Any input Series as pyarrow strings, trimmed, with empty and blank values as <NA>.

    Non-string objects (numbers, dates from a spreadsheet) become their `str()` form.
    """
    if not isinstance(s, pd.Series):
        s = pd.Series(s, dtype=object)
    text = s.astype(TEXT).str.strip()
    return text.mask(text == "")


def _arrow(s: pd.Series) -> pa.ChunkedArray:
    if s.dtype != TEXT:
        s = s.astype(TEXT)
    return s.array.__arrow_array__()


def _series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index)


def sub(s: pd.Series, pattern: str, repl: str) -> pd.Series:
    """Regex replace on a TEXT Series, run by Arrow (RE2 syntax; `\\1` back-references).

    pandas falls back to Python's `re` row by row when the replacement has
    back-references; calling Arrow directly keeps every replacement vectorised.
    """
    return _series(pc.replace_substring_regex(_arrow(s), pattern, repl), s.index)


def extract(s: pd.Series, pattern: str) -> dict[str, pd.Series]:
    """Named groups of an RE2 `pattern` as TEXT Series (<NA> where it does not match)."""
    found = pc.extract_regex(_arrow(s), pattern)
    names = [found.type.field(i).name for i in range(found.type.num_fields)]
    matched = pc.is_valid(found)
    out = {}
    for name in names:
        part = pc.if_else(matched, pc.struct_field(found, name), pa.scalar(None, pa.large_string()))
        out[name] = _series(part.cast(pa.large_string()), s.index)
    return out


def fullmatch(s: pd.Series, pattern: str) -> pd.Series:
    """Whether each value matches all of an RE2 `pattern`; missing values are False."""
    matched = pc.match_substring_regex(_arrow(s), f"^(?:{pattern})$")
    return pd.Series(pc.fill_null(matched, False).to_numpy(zero_copy_only=False), index=s.index)


def join_non_null(parts: list[pd.Series], separator: str) -> pd.Series:
    """Join TEXT Series element-wise with `separator`, leaving out missing or empty parts.

    Arrow's own null_handling="skip" drops whole rows in pyarrow 26 (rows where every part
    is null vanish, so the result is too short), so nulls are joined as empty strings with
    a unit separator that is then collapsed.
    """
    unit = "\x1f"
    arrays = [_arrow(p).cast(pa.large_string()) for p in parts]
    sep = pa.scalar(unit, pa.large_string())
    joined = pc.binary_join_element_wise(*arrays, sep, null_handling="replace", null_replacement="")
    joined = pc.replace_substring_regex(joined, f"^{unit}+|{unit}+$", "")
    joined = pc.replace_substring_regex(joined, f"{unit}+", separator)
    result = _series(joined, parts[0].index)
    return result.mask(result == "")


def to_object(s: pd.Series) -> pd.Series:
    """A pyarrow string Series as object dtype with None for missing, the public form."""
    out = s.astype(object)
    return out.where(s.notna(), None)


def no_reasons(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


def add_reason(reasons: pd.Series, mask: pd.Series | np.ndarray, reason: str) -> pd.Series:
    """Set `reason` where `mask` holds and no earlier reason was given (first reason wins)."""
    mask = np.asarray(pd.Series(mask, index=reasons.index).fillna(False), dtype=bool)
    target = mask & reasons.isna().to_numpy()
    if target.any():
        reasons = reasons.copy()
        reasons[target] = reason
    return reasons


def true_where(s: pd.Series) -> pd.Series:
    """A nullable boolean Series as plain bool, missing as False."""
    return s.fillna(False).astype(bool)


def map_unique(s: pd.Series, func: Callable[[str], Hashable]) -> pd.Series:
    """Apply a Python function once per distinct value, for parsing too intricate for regex.

    Columns such as titles or date strings have few distinct values compared with rows, so
    this stays cheap; results are spread back to every row by position.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=s.index, dtype=object)


# Letters that Unicode decomposition does not fold to ASCII (they are letters in their own
# right, not a base letter plus an accent).
_EXTRA_FOLDS = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
        "Þ": "TH", "þ": "th", "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
        "ı": "i", "Ħ": "H", "ħ": "h", "Ŀ": "L", "ŀ": "l",
        "\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u00a0": " ",
    }
)  # fmt: skip


def fold_to_ascii(text: pd.Series) -> pd.Series:
    """Fold accented letters to their ASCII base (Zoë -> Zoe, Łukasz -> Lukasz).

    Linking compares names across systems, and many council systems strip or mangle
    diacritics, so both sides are folded the same way. Anything still outside ASCII after
    folding is dropped.
    """
    ascii_only = pc.fill_null(pc.string_is_ascii(_arrow(text)), True).to_numpy(zero_copy_only=False)
    if ascii_only.all():
        return text
    # Only values with non-ASCII characters go through Python, once per distinct value.
    other = text[~ascii_only]
    codes, uniques = pd.factorize(other)
    folded = np.array([fold_value(u) for u in uniques], dtype=object)
    text = text.copy()
    text[~ascii_only] = folded[codes]
    return text


def fold_value(value: str) -> str:
    """The same folding for one value, for code that works on distinct values."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_EXTRA_FOLDS))
    return decomposed.encode("ascii", "ignore").decode("ascii")
