"""Vectorised date helpers: dates are numpy datetime64[D] arrays with NaT for 'none'.

Formatting goes through lookup tables of zero-padded parts rather than strftime, which is a
Python call per value and would dominate the run time of a large district.
"""

from __future__ import annotations

from datetime import date

import numpy as np

NAT = np.datetime64("NaT", "D")
_TWO = np.array([f"{i:02d}" for i in range(100)], dtype=object)
_YEAR_BASE = 1800
_YEARS = np.array([str(y) for y in range(_YEAR_BASE, 2200)], dtype=object)
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def day(value: date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


def days(n: np.ndarray | int) -> np.ndarray:
    """A number of days as a timedelta array, for adding to dates."""
    return np.asarray(n).astype("timedelta64[D]")


def years(n: np.ndarray | float) -> np.ndarray:
    """Approximate years as days (365.25 a year): fine for ages and windows."""
    return np.round(np.asarray(n, dtype=float) * 365.25).astype("timedelta64[D]")


def as_days(values: np.ndarray) -> np.ndarray:
    """Any datetime array (pandas keeps seconds) as whole days."""
    return np.asarray(values).astype("datetime64[D]")


def parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day numbers (NaT gives year 1970; callers mask it)."""
    dates = as_days(dates)
    safe = np.where(np.isnat(dates), np.datetime64("1970-01-01", "D"), dates)
    months = safe.astype("datetime64[M]")
    year = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (safe - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, dom


def from_parts(year: np.ndarray, month: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """Dates from year, month and day numbers; a day past the month's end rolls over."""
    months = (np.asarray(year) - 1970) * 12 + (np.asarray(month) - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]") + days(np.asarray(dom) - 1)


def add_years(dates: np.ndarray, n: int) -> np.ndarray:
    """The same day n years on; 29 February becomes 1 March in a common year."""
    dates = as_days(dates)
    y, m, d = parts(dates)
    out = from_parts(y + n, m, d)
    return np.where(np.isnat(dates), NAT, out)


def age_on(dob: np.ndarray, on: np.datetime64) -> np.ndarray:
    """Whole years of age on a day (NaT birth dates give -1)."""
    dob = as_days(dob)
    y, m, d = parts(dob)
    oy, om, od = parts(np.array([on]))
    age = oy[0] - y - ((m > om[0]) | ((m == om[0]) & (d > od[0])))
    return np.where(np.isnat(dob), -1, age)


def uniform_between(
    start: np.ndarray | np.datetime64,
    end: np.ndarray | np.datetime64,
    rng: np.random.Generator,
    n: int | None = None,
) -> np.ndarray:
    """A uniformly random day in [start, end] (inclusive); start is used where end < start."""
    start = as_days(start)
    end = as_days(end)
    size = n if n is not None else np.broadcast(start, end).shape
    span = np.maximum((end - start).astype(np.int64), 0)
    offset = np.floor(rng.random(size) * (span + 1)).astype(np.int64)
    return start + days(offset)


def fmt(dates: np.ndarray, style: str) -> np.ndarray:
    """Format dates as strings: 'dmy' (dd/mm/yyyy) or 'iso' (yyyy-mm-dd); NaT -> ''."""
    dates = as_days(dates)
    y, m, d = parts(dates)
    yy = _YEARS[np.clip(y - _YEAR_BASE, 0, len(_YEARS) - 1)]
    if style == "dmy":
        out = _TWO[d] + "/" + _TWO[m] + "/" + yy
    elif style == "iso":
        out = yy + "-" + _TWO[m] + "-" + _TWO[d]
    else:
        raise ValueError(f"unknown date style {style!r}")
    return np.where(np.isnat(dates), "", out).astype(object)


def excel_serial(dates: np.ndarray) -> np.ndarray:
    """Excel's day number (1900 date system) for each date; NaT -> -1."""
    dates = as_days(dates)
    serial = (dates - _EXCEL_EPOCH).astype(np.int64)
    return np.where(np.isnat(dates), -1, serial)
