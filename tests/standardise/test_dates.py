"""Dates: ISO, day-first formats, two-digit years, Excel serials, spreadsheet datetimes."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from joinedup.standardise.dates import parse_dates


def _one(raw, formats=(), **kwargs) -> tuple:
    result = parse_dates(pd.Series([raw], dtype=object), list(formats), **kwargs)
    value = result.values.iloc[0]
    return (None if pd.isna(value) else value.date(), result.reasons.iloc[0])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1980-01-01", date(1980, 1, 1)),
        ("1980-01-01 13:45:00", date(1980, 1, 1)),
        ("1980-01-01T00:00:00", date(1980, 1, 1)),
        ("01/02/1980", date(1980, 2, 1)),  # day first
        ("1/2/1980", date(1980, 2, 1)),
    ],
)
def test_iso_and_formats(raw: str, expected: date) -> None:
    assert _one(raw, ["%d/%m/%Y"]) == (expected, None)


def test_formats_tried_in_order() -> None:
    raw = pd.Series(["03/04/2001", "2001.04.05", "13/04/2001"])
    result = parse_dates(raw, ["%m/%d/%Y", "%Y.%m.%d", "%d/%m/%Y"])
    assert [v.date() for v in result.values] == [
        date(2001, 3, 4),
        date(2001, 4, 5),
        date(2001, 4, 13),  # not a month-first date, so the later day-first format reads it
    ]


def test_two_digit_years_are_moved_back_when_after_latest() -> None:
    assert _one("01/02/45", ["%d/%m/%y"], latest=date(2024, 1, 1)) == (date(1945, 2, 1), None)
    assert _one("01/02/05", ["%d/%m/%y"], latest=date(2024, 1, 1)) == (date(2005, 2, 1), None)
    # Without a latest date Python's pivot stands (00-68 -> 20xx).
    assert _one("01/02/45", ["%d/%m/%y"]) == (date(2045, 2, 1), None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("29221", date(1980, 1, 1)),
        ("29221.0", date(1980, 1, 1)),
        (29221.0, date(1980, 1, 1)),
        (29221, date(1980, 1, 1)),
        ("1", date(1900, 1, 1)),
        ("59", date(1900, 2, 28)),
        ("61", date(1900, 3, 1)),  # the day after Excel's phantom 29 Feb 1900
        ("45000", date(2023, 3, 15)),
    ],
)
def test_excel_serials(raw, expected: date) -> None:
    assert _one(raw, earliest=date(1899, 1, 1)) == (expected, None)


@pytest.mark.parametrize("raw", ["60", "0", "1980", "junk", "31/02/1980", "01/02/80"])
def test_not_a_date(raw: str) -> None:
    # 60 is Excel's 29 Feb 1900, which never existed; 1980 is a year, not a serial.
    assert _one(raw, ["%d/%m/%Y"]) == (None, "not a date")


def test_out_of_range() -> None:
    assert _one("1850-01-01") == (None, "date out of range")
    assert _one("2030-01-01", latest=date(2024, 1, 1)) == (None, "date out of range")
    assert _one("0001-01-01") == (None, "date out of range")
    assert _one("31/12/9999", ["%d/%m/%Y"]) == (None, "date out of range")


def test_empty_is_not_a_problem() -> None:
    result = parse_dates(pd.Series([None, "", "  "], dtype=object), [])
    assert result.values.isna().all()
    assert result.reasons.tolist() == [None, None, None]


def test_spreadsheet_objects() -> None:
    raw = pd.Series(
        [datetime(2020, 5, 6, 7, 8), date(1999, 1, 2), pd.Timestamp("2001-02-03"), None],
        dtype=object,
    )
    result = parse_dates(raw, [])
    assert result.values.dtype == "datetime64[ns]"
    assert result.values.tolist()[:3] == [
        pd.Timestamp("2020-05-06"),
        pd.Timestamp("1999-01-02"),
        pd.Timestamp("2001-02-03"),
    ]
    assert pd.isna(result.values.iloc[3])


def test_datetime_series_input_is_normalised() -> None:
    raw = pd.Series([pd.Timestamp("2020-01-01 10:30"), pd.NaT, pd.Timestamp("1700-01-01")])
    result = parse_dates(raw, [])
    assert result.values.tolist()[0] == pd.Timestamp("2020-01-01")
    assert result.reasons.tolist() == [None, None, "date out of range"]


def test_values_dtype_and_index() -> None:
    result = parse_dates(pd.Series(["2020-01-01", "x"], index=[5, 9]), [])
    assert result.values.dtype == "datetime64[ns]"
    assert result.values.index.tolist() == [5, 9]
    assert result.reasons.tolist() == [None, "not a date"]
