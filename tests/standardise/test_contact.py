"""Phone numbers to UK national digits; email addresses lower-cased and checked."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.standardise.contact import email, phone


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("07700 900123", "07700900123"),
        ("+44 (0)7700 900123", "07700900123"),
        ("+44 7700-900-123", "07700900123"),
        ("0044 7700 900123", "07700900123"),
        ("447700900123", "07700900123"),
        ("+44 0 7700 900123", "07700900123"),
        ("7700900123", "07700900123"),  # a spreadsheet dropped the leading 0
        ("7700900123.0", "07700900123"),
        ("(020) 7946 0000", "02079460000"),
        ("020-7946-0000", "02079460000"),
        ("01632 960 001", "01632960001"),
        ("016977 4567", "0169774567"),  # ten-digit national number
    ],
)
def test_phone_valid(raw: str, clean: str) -> None:
    result = phone(pd.Series([raw]))
    assert result.values.tolist() == [clean]
    assert result.reasons.tolist() == [None]


@pytest.mark.parametrize("raw", ["+1 555 123 4567", "12345", "abc", "0770090012345", "00000000000"])
def test_phone_invalid(raw: str) -> None:
    result = phone(pd.Series([raw]))
    assert result.values.tolist() == [None]
    assert result.reasons.tolist() == ["not a valid UK phone number"]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Jane.Smith@Example.GOV.UK ", "jane.smith@example.gov.uk"),
        ("mailto:a@b.co", "a@b.co"),
        ("o'brien+tag@example.org", "o'brien+tag@example.org"),
    ],
)
def test_email_valid(raw: str, clean: str) -> None:
    result = email(pd.Series([raw]))
    assert result.values.tolist() == [clean]
    assert result.reasons.tolist() == [None]


@pytest.mark.parametrize(
    "raw", ["a@b", "a b@c.com", "x@@y.com", "no", "a..b@c.com", ".a@b.com", "a@-b.com", "@b.com"]
)
def test_email_invalid(raw: str) -> None:
    result = email(pd.Series([raw]))
    assert result.values.tolist() == [None]
    assert result.reasons.tolist() == ["not a valid email address"]


def test_empty_contacts() -> None:
    raw = pd.Series([None, "", " "], dtype=object)
    assert phone(raw).reasons.tolist() == [None, None, None]
    assert email(raw).values.tolist() == [None, None, None]


@pytest.mark.parametrize(
    "raw", ["07000 000000", "01111 111111", "0777 7777777", "01234 567890", "0123456789"]
)
def test_placeholder_phone_numbers_are_no_number(raw: str) -> None:
    result = phone(pd.Series([raw]))
    assert result.values.tolist() == [None]
    assert result.reasons.tolist() == ["a placeholder, not a phone number"]


@pytest.mark.parametrize(
    "raw",
    [
        "none@none.com",
        "NoEmail@gmail.com",
        "no.email@hotmail.co.uk",
        "unknown@example.org",
        "n/a@council.gov.uk",
        "jane@test.com",
        "xxx@yahoo.com",
        "do-not-reply@example.com",
    ],
)
def test_placeholder_emails_are_no_address(raw: str) -> None:
    result = email(pd.Series([raw]))
    assert result.values.tolist() == [None]
    assert result.reasons.tolist() == ["a placeholder, not an email address"]


@pytest.mark.parametrize(
    "raw", ["nadia@example.com", "none.smith@example.org", "testa@example.net", "jane@testing.com"]
)
def test_addresses_like_placeholders_are_kept(raw: str) -> None:
    assert email(pd.Series([raw])).values.tolist() == [raw]
