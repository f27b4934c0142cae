"""Address text: upper case, punctuation out, abbreviations written out, SAINT vs STREET."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.standardise.addresses import clean_address, join_address_lines


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("12 St. John's Rd,", "12 SAINT JOHNS ROAD"),
        ("Flt 3, 12-14 High St", "FLAT 3 12-14 HIGH STREET"),
        ("12 - 14 Grn Pk Ave", "12-14 GREEN PARK AVENUE"),
        ("12 St Johns Rd, St Albans", "12 SAINT JOHNS ROAD SAINT ALBANS"),
        ("St Marys Cl", "SAINT MARYS CLOSE"),
        ("HIGH ST WEST", "HIGH STREET WEST"),
        ("12A ST PETERS TERR", "12A SAINT PETERS TERRACE"),
        ("Stoke-on-Trent", "STOKE ON TRENT"),
        ("Apt 4b, Rosé Ct", "FLAT 4B ROSE COURT"),
        ("1 Oak Cres", "1 OAK CRESCENT"),
        ("2 Elm Dr", "2 ELM DRIVE"),
        ("3 Ash Ln", "3 ASH LANE"),
        ("4 Kew Gdns", "4 KEW GARDENS"),
        ("5 Market Pl", "5 MARKET PLACE"),
        ("6 Town Sq", "6 TOWN SQUARE"),
        ("7 Park Ter", "7 PARK TERRACE"),
        ("STREATHAM", "STREATHAM"),  # whole words only
        ("  lots   of\tspace ", "LOTS OF SPACE"),
    ],
)
def test_clean_address(raw: str, clean: str) -> None:
    result = clean_address(pd.Series([raw]))
    assert result.values.tolist() == [clean]
    assert result.reasons.tolist() == [None]


def test_clean_address_empty_and_junk() -> None:
    result = clean_address(pd.Series([None, "", "!!!"], dtype=object))
    assert result.values.tolist() == [None, None, None]
    assert result.reasons.tolist() == [None, None, "no letters or digits in the address"]


def test_join_address_lines() -> None:
    frame = pd.DataFrame(
        {
            "a": ["1 High St", None, "", "Flat 2"],
            "b": [None, None, "x", "3 Low Rd"],
            "c": ["Town", None, None, "Town"],
        },
        index=[7, 8, 9, 10],
    )
    joined = join_address_lines(frame, ["a", "b", "c"])
    assert joined.tolist() == ["1 HIGH STREET, TOWN", None, "X", "FLAT 2, 3 LOW ROAD, TOWN"]
    assert joined.index.tolist() == [7, 8, 9, 10]


def test_join_is_stable_on_clean_lines() -> None:
    lines = pd.DataFrame({"a": ["12 SAINT JOHNS ROAD"], "b": ["12-14 HIGH STREET"]})
    assert join_address_lines(lines, ["a", "b"]).tolist() == [
        "12 SAINT JOHNS ROAD, 12-14 HIGH STREET"
    ]
