"""Property-based checks: standardisers are idempotent and never fail on odd input."""

from __future__ import annotations

import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from joinedup.standardise import (  # noqa: E402
    clean_address,
    clean_name,
    email,
    nhs_number,
    normalise_postcode,
    parse_dates,
    phone,
    split_full_name,
    uprn,
)
from joinedup.standardise.identifiers import nhs_check_digit_ok  # noqa: E402

texts = st.lists(st.one_of(st.none(), st.text(max_size=30)), min_size=1, max_size=20)
FAST = settings(max_examples=25, deadline=None)


@FAST
@given(texts)
def test_every_standardiser_returns_aligned_results(values: list) -> None:
    raw = pd.Series(values, dtype=object)
    for func in (clean_name, clean_address, normalise_postcode, nhs_number, uprn, phone, email):
        result = func(raw)
        assert len(result.values) == len(raw) and len(result.reasons) == len(raw)
        # A value comes back, or a reason, or the input was empty: never both.
        both = result.values.notna() & result.reasons.notna()
        assert not both.any()
    for style in ("surname_comma_forenames", "forenames_surname"):
        split = split_full_name(raw, style)  # type: ignore[arg-type]
        assert not (split.values.notna().any(axis=1) & split.reasons.notna()).any()
    parsed = parse_dates(raw, ["%d/%m/%Y"])
    assert not (parsed.values.notna() & parsed.reasons.notna()).any()


@FAST
@given(texts)
def test_cleaning_is_idempotent(values: list) -> None:
    raw = pd.Series(values, dtype=object)
    for func in (clean_name, clean_address, normalise_postcode, phone, email, uprn):
        once = func(raw).values
        twice = func(once).values
        assert once.tolist() == twice.tolist(), func.__name__


@FAST
@given(st.lists(st.integers(min_value=0, max_value=999_999_999), min_size=1, max_size=50))
def test_nhs_check_digit_is_what_the_algorithm_gives(stems: list[int]) -> None:
    numbers = []
    for stem in stems:
        digits = f"{stem:09d}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            numbers.append(digits + str(check))
    if numbers:
        assert nhs_check_digit_ok(pd.Series(numbers)).all()
        wrong = [n[:9] + str((int(n[9]) + 1) % 10) for n in numbers]
        assert not nhs_check_digit_ok(pd.Series(wrong)).any()


@FAST
@given(
    st.sampled_from(["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB"]),
    st.sampled_from(["", " ", "  "]),
    st.booleans(),
)
def test_postcode_spacing_and_case_do_not_matter(code: str, gap: str, lower: bool) -> None:
    variant = code.replace(" ", gap)
    variant = variant.lower() if lower else variant
    assert normalise_postcode(pd.Series([variant])).values.tolist() == [code]
