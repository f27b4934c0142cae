"""Dates as councils export them: ISO, day-first strings, spreadsheet serials, real dates.

Values come back as `datetime64[ns]` normalised to midnight (`NaT` where there is no
date), so that the whole column stays vectorised on the way into the analytical store.

Order of attempts, first success wins: a date or datetime object already made by a reader;
ISO `yyyy-mm-dd` (with or without a time); each given strftime format in turn; an Excel
serial number. Two-digit years (`%y`) follow Python's pivot (00-68 -> 2000s); when `latest`
is given, a date that lands after it is moved back a century, so a date of birth of
'01/02/45' is 1945, not 2045.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from joinedup.standardise.base import (
    Standardised,
    add_reason,
    as_text,
    extract,
    fullmatch,
    no_reasons,
)

_ISO = r"^(?P<day>\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
# Excel's 1900 date system counts 1 Jan 1900 as day 1 and, copying a Lotus 1-2-3 bug,
# treats 1900 as a leap year: serial 60 is the non-existent 29 Feb 1900 and every serial
# from 61 on is one day ahead of a plain count from 31 Dec 1899 (Microsoft: "Excel
# incorrectly assumes that the year 1900 is a leap year"). 2958465 is 31 Dec 9999.
_SERIAL = r"^(?P<days>\d{1,7})(?:\.\d+)?$"
_SERIAL_MAX = 2958465
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # serial 61 and later
# A bare four-digit number from 1800 to 2199 is far more likely a year than a serial
# (serials 1800-2199 are dates in 1904-1906), so it is not read as a date at all.
_YEAR_LIKE = r"^(?:18|19|20|21)\d{2}(?:\.0+)?$"


_NS_MIN = pd.Timestamp("1678-01-01")
_NS_MAX = pd.Timestamp("2261-12-31")


def parse_dates(
    s: pd.Series,
    formats: list[str] | tuple[str, ...] = (),
    *,
    earliest: date = date(1880, 1, 1),
    latest: date | None = None,
) -> Standardised:
    """Parse a column of dates; see the module docstring for the rules."""
    if isinstance(s, pd.Series) and pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = pd.Series(s, copy=True)
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        parsed = parsed.astype("datetime64[ns]").dt.normalize()
        text_present = parsed.notna()
        unrepresentable = pd.Series(False, index=s.index)
    else:
        text = as_text(s)
        text_present = text.notna()
        unrepresentable = pd.Series(False, index=s.index)
        parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")

        def fill(candidates: pd.Series) -> None:
            found = candidates.notna() & parsed.isna() & ~unrepresentable
            # Dates outside what datetime64[ns] holds (before 1678, after 2261) are out of
            # any sensible range for council records: remember them rather than overflow.
            outside = found & ((candidates < _NS_MIN) | (candidates > _NS_MAX))
            unrepresentable[outside] = True
            found &= ~outside
            parsed[found] = candidates[found].astype("datetime64[ns]").dt.normalize()

        iso = extract(text, _ISO)["day"]
        if iso.notna().any():
            fill(pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce"))
        for fmt in formats:
            todo = text.where(parsed.isna() & text_present & ~unrepresentable).dropna()
            if todo.empty:
                break
            candidate = pd.to_datetime(todo, format=fmt, errors="coerce")
            if "%y" in fmt and latest is not None:
                too_late = candidate > pd.Timestamp(latest)
                candidate = candidate.where(~too_late, candidate - pd.DateOffset(years=100))
            fill(candidate.reindex(s.index))
        todo = text.where(parsed.isna() & text_present & ~unrepresentable)
        serial_text = extract(todo, _SERIAL)["days"]
        serial_text = serial_text.mask(fullmatch(todo, _YEAR_LIKE))
        if serial_text.notna().any():
            fill(_from_serial(pd.to_numeric(serial_text, errors="coerce")))
    reasons = no_reasons(s.index)
    reasons = add_reason(reasons, unrepresentable, "date out of range")
    reasons = add_reason(reasons, text_present & parsed.isna(), "not a date")
    out_of_range = parsed < pd.Timestamp(earliest)
    if latest is not None:
        out_of_range |= parsed > pd.Timestamp(latest)
    reasons = add_reason(reasons, out_of_range, "date out of range")
    parsed = parsed.mask(out_of_range)
    return Standardised(parsed, reasons)


def _from_serial(serial: pd.Series) -> pd.Series:
    """Excel 1900-system serial numbers (whole days) as dates; 0, 60 and huge ones are NaT."""
    days = serial.to_numpy(dtype="float64", na_value=np.nan)
    valid = np.isfinite(days) & (days >= 1) & (days <= _SERIAL_MAX) & (days != 60)
    whole = np.where(valid, days, 0).astype("int64")
    # Serials before the phantom 29 Feb 1900 count from 31 Dec 1899, the rest from 30 Dec.
    offset = np.where(whole < 60, whole + 1, whole).astype("timedelta64[D]")
    result = (_EXCEL_EPOCH + offset).astype("datetime64[ns]")
    result = np.where(valid, result, np.datetime64("NaT", "ns"))
    return pd.Series(result, index=serial.index, dtype="datetime64[ns]")
