"""Postcodes: one form, checked against the published format rules."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.standardise.postcodes import normalise_postcode, outcode


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" sw1a1aa ", "SW1A 1AA"),
        ("SW1A  1AA", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),  # A9
        ("B33 8TH", "B33 8TH"),  # A99
        ("W1A 0AX", "W1A 0AX"),  # A9A
        ("CR2 6XH", "CR2 6XH"),  # AA9
        ("DN55 1PT", "DN55 1PT"),  # AA99
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A
        ("gir0aa", "GIR 0AA"),
        ("l s 1 4 a p", "LS1 4AP"),
    ],
)
def test_valid(raw: str, clean: str) -> None:
    result = normalise_postcode(pd.Series([raw]))
    assert result.values.tolist() == [clean]
    assert result.reasons.tolist() == [None]


@pytest.mark.parametrize(
    "raw",
    [
        "QA1 1AA",  # Q never first
        "AJ1 1AA",  # J never second
        "W1L 0AX",  # L never third in A9A
        "EC1C 1BB",  # C never fourth in AA9A
        "SW1A 1AC",  # C never in the inward code
        "SW1A 1AI",
        "ZZ99 3VZ",  # NHS pseudo-postcode, not a place
        "SW1A",
        "12345",
        "not a postcode",
        "SW1A 1AA X",
    ],
)
def test_invalid(raw: str) -> None:
    result = normalise_postcode(pd.Series([raw]))
    assert result.values.tolist() == [None]
    assert result.reasons.tolist() == ["not a valid postcode"]


def test_empty() -> None:
    result = normalise_postcode(pd.Series([None, "", "  "], dtype=object))
    assert result.values.tolist() == [None, None, None]
    assert result.reasons.tolist() == [None, None, None]


def test_outcode() -> None:
    result = outcode(pd.Series(["sw1a 1aa", "M1 1AE", "LS1", "GIR 0AA", "junk", None]))
    assert result.values.tolist() == ["SW1A", "M1", "LS1", "GIR", None, None]
    assert result.reasons.tolist() == [None] * 4 + ["not a valid postcode", None]
