"""Names: folding, titles, punctuation, and splitting whole names in both orders."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.standardise.names import clean_name, clean_title, split_full_name


def _values(result) -> list:
    return result.values.tolist()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Zoë", "ZOE"),
        ("Łukasz", "LUKASZ"),
        ("Seán", "SEAN"),
        ("Ørsted", "ORSTED"),
        (" mr  john ", "JOHN"),
        ("Dr. John", "JOHN"),
        ("The Rev Jane", "JANE"),
        ("o'brien", "O'BRIEN"),
        ("O’Neill", "O'NEILL"),  # curly apostrophe
        ("Smith - Jones", "SMITH-JONES"),
        ("smith--jones", "SMITH-JONES"),
        ("-Smith'", "SMITH"),
        ("J.P.", "J P"),
        ("Anne-Marie  (Annie)", "ANNE-MARIE ANNIE"),
        ("Lord", "LORD"),  # a surname too: kept when it is all there is
        ("Lord Smith", "SMITH"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    result = clean_name(pd.Series([raw]))
    assert _values(result) == [clean]
    assert result.reasons.tolist() == [None]


def test_clean_name_empty_and_invalid() -> None:
    result = clean_name(pd.Series(["", "   ", None, "Mr", "???", "123"], dtype=object))
    assert _values(result) == [None] * 6
    assert result.reasons.tolist() == [
        None,
        None,
        None,
        "the name is only a title",
        "no letters in the name",
        "no letters in the name",
    ]


def test_reasons_never_contain_the_value() -> None:
    raw = pd.Series(["Mr", "!!!", "Jane"])
    for reason in clean_name(raw).reasons.dropna():
        assert "MR" not in reason.upper().split() and "!!!" not in reason


def test_index_is_kept() -> None:
    raw = pd.Series(["Jane", None], index=[10, 20])
    result = clean_name(raw)
    assert result.values.index.tolist() == [10, 20]
    assert result.reasons.index.tolist() == [10, 20]


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Mrs.", "MRS"),
        ("mr", "MR"),
        ("MISS", "MISS"),
        ("Ms", "MS"),
        ("Doctor", "DR"),
        ("Dr.", "DR"),
        ("The Revd", "REV"),
        ("Reverend", "REV"),
        ("Prof", "PROF"),
        ("Rev Dr", "REV DR"),
        ("Mx", "MX"),
    ],
)
def test_clean_title(raw: str, title: str) -> None:
    assert _values(clean_title(pd.Series([raw]))) == [title]


def test_clean_title_unknown() -> None:
    result = clean_title(pd.Series(["Jedi", None]))
    assert _values(result) == [None, None]
    assert result.reasons.tolist() == ["not a recognised title", None]


def _split(raw: list, style: str) -> list[tuple]:
    result = split_full_name(pd.Series(raw, dtype=object), style)
    frame = result.values
    assert list(frame.columns) == ["title", "first_name", "middle_names", "surname"]
    return [
        (*row, reason)
        for row, reason in zip(
            frame.itertuples(index=False, name=None), result.reasons.tolist(), strict=True
        )
    ]


def test_split_surname_comma_forenames() -> None:
    rows = _split(
        [
            "SMITH, Mrs Jane Ann",
            "Smith,John",
            "O'BRIEN, Seán",
            "SMITH, Jane (Mrs)",
            "Mrs SMITH, Jane",
            "van der Berg, Piet",
            "SMITH",
            "SMITH, Mr",
        ],
        "surname_comma_forenames",
    )
    assert rows == [
        ("MRS", "JANE", "ANN", "SMITH", None),
        (None, "JOHN", None, "SMITH", None),
        (None, "SEAN", None, "O'BRIEN", None),
        ("MRS", "JANE", None, "SMITH", None),
        ("MRS", "JANE", None, "SMITH", None),
        (None, "PIET", None, "VAN DER BERG", None),
        (None, None, None, "SMITH", None),
        ("MR", None, None, "SMITH", None),
    ]


def test_split_surname_comma_forenames_problems() -> None:
    rows = _split(["SMITH JOHN", ", John", "", None, "!!!"], "surname_comma_forenames")
    assert rows == [
        (None, None, None, None, "no comma between surname and forenames"),
        (None, None, None, None, "no surname"),
        (None, None, None, None, None),
        (None, None, None, None, None),
        (None, None, None, None, "no letters in the name"),
    ]


def test_split_forenames_surname() -> None:
    rows = _split(
        [
            "Mrs Jane A Smith",
            "Dr. John van der Berg",
            "Mary Ann Le Roux",
            "Di Smith",  # Di is a forename, not a particle, when it comes first
            "Mr Smith",
            "Smith",
            "John Smith-Jones",
            "Zoë Brontë",
            "Mrs",
        ],
        "forenames_surname",
    )
    assert rows == [
        ("MRS", "JANE", "A", "SMITH", None),
        ("DR", "JOHN", None, "VAN DER BERG", None),
        (None, "MARY", "ANN", "LE ROUX", None),
        (None, "DI", None, "SMITH", None),
        ("MR", None, None, "SMITH", None),
        (None, None, None, "SMITH", None),
        (None, "JOHN", None, "SMITH-JONES", None),
        (None, "ZOE", None, "BRONTE", None),
        (None, None, None, None, "the name is only a title"),
    ]


def test_split_unknown_style() -> None:
    with pytest.raises(ValueError, match="unknown name style"):
        split_full_name(pd.Series(["x"]), "surname_first")  # type: ignore[arg-type]
