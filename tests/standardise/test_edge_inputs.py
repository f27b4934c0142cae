"""Every standardiser copes with empty, all-missing and non-string input, keeping the index."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.standardise import (
    clean_address,
    clean_name,
    clean_text,
    clean_title,
    email,
    join_address_lines,
    nhs_number,
    ni_number,
    normalise_postcode,
    outcode,
    parse_bool,
    parse_dates,
    parse_decimal,
    parse_integer,
    phone,
    split_full_name,
    uprn,
)

SIMPLE = [
    clean_name, clean_title, clean_address, normalise_postcode, outcode, nhs_number,
    ni_number, uprn, phone, email, clean_text, parse_decimal, parse_integer,
    lambda s: parse_dates(s, ["%d/%m/%Y"]), lambda s: parse_bool(s, ["y"]),
    lambda s: split_full_name(s, "forenames_surname"),
    lambda s: split_full_name(s, "surname_comma_forenames"),
]  # fmt: skip

INPUTS = {
    "empty": pd.Series([], dtype=object),
    "all missing": pd.Series([None, None], dtype=object, index=[3, 4]),
    "pandas str dtype": pd.Series(["a", None], dtype="str", index=["x", "y"]),
    "floats": pd.Series([float("nan"), 12.0], index=[1, 0]),
}


@pytest.mark.parametrize("name", list(INPUTS))
@pytest.mark.parametrize("func", SIMPLE)
def test_shapes_and_index(func, name: str) -> None:
    raw = INPUTS[name]
    result = func(raw)
    assert result.values.index.tolist() == raw.index.tolist()
    assert result.reasons.index.tolist() == raw.index.tolist()
    assert result.reasons.dtype == object
    missing = raw.isna().to_numpy()
    assert result.reasons[missing].isna().all()  # a missing value is never a failure
    values = result.values
    has_value = values.notna().any(axis=1) if isinstance(values, pd.DataFrame) else values.notna()
    assert not (has_value & result.reasons.notna()).any()


def test_join_address_lines_with_nothing() -> None:
    frame = pd.DataFrame({"a": [None, None], "b": [None, ""]}, dtype=object)
    assert join_address_lines(frame, ["a", "b"]).tolist() == [None, None]
    with pytest.raises(ValueError, match="at least one column"):
        join_address_lines(frame, [])
