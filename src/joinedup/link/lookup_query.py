"""A lookup's details put in the form the records were loaded in, so that what a caseworker
types compares with what the sources said.

People type details as they come: `+44 7700 900123`, `ab 12 34 56 c`, `943 476 5919`,
`jd11 9ub`, `31/01/1980`. The records were cleaned when they were loaded (standardise/),
so the query goes through the same cleaners; a value that fails their checks (a
placeholder email, an NHS number whose check digit is wrong) is left out of the lookup, as
it was left out of the record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from joinedup.standardise import (
    Standardised,
    clean_name,
    email,
    nhs_number,
    ni_number,
    normalise_postcode,
    parse_dates,
    phone,
)

# Dates of birth as people in the UK write them (day first), besides ISO 8601.
DATE_OF_BIRTH_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%d %b %Y", "%d %B %Y")

_CLEANERS: dict[str, Callable[[pd.Series], Standardised]] = {
    "postcode": normalise_postcode,
    "email": email,
    "phone": phone,
    "nhs_number": nhs_number,
    "ni_number": ni_number,
}


def _one(cleaner: Callable[[pd.Series], Standardised], value: object) -> str | None:
    """`value` cleaned; None when missing or when it fails the cleaner's checks."""
    if value is None or not str(value).strip():
        return None
    result = cleaner(pd.Series([str(value)], dtype=object)).values.iloc[0]
    return None if pd.isna(result) else str(result)


# The details a lookup takes, named as the records name them.
DETAILS = ("first_name", "surname", "date_of_birth", *_CLEANERS)


def standardised_query(**details: date | str | None) -> dict[str, str | None]:
    """The `DETAILS` given as `link_input` holds a record's: names cleaned and in lower
    case, the date of birth (`dob`) as YYYY-MM-DD, the rest as loading cleans them;
    missing or invalid: None. A detail it does not know is an error, not ignored."""
    unknown = sorted(set(details) - set(DETAILS))
    if unknown:
        raise TypeError(f"unknown lookup detail(s): {', '.join(unknown)}")
    query: dict[str, str | None] = {}
    # Both names in one call: each call costs a millisecond or two whatever its length.
    given_names = [details.get("first_name"), details.get("surname")]
    names = clean_name(pd.Series(given_names, dtype=object)).values
    for field, cleaned in zip(("first_name", "surname"), names, strict=True):
        query[field] = str(cleaned).lower() if not pd.isna(cleaned) else None
    query["dob"] = date_of_birth_text(details.get("date_of_birth"))
    for field, cleaner in _CLEANERS.items():
        query[field] = _one(cleaner, details.get(field))
    return query


def date_of_birth_text(value: date | str | None) -> str | None:
    """A date of birth as YYYY-MM-DD, from a date, ISO text or day-first text
    (`17/05/1980`, `17 May 1980`); None when missing or not a date."""
    if isinstance(value, date):
        return value.isoformat()
    if value is None or not value.strip():
        return None
    try:  # the form a date field or the API sends: no need for the general parser
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        pass
    parsed = parse_dates(pd.Series([value.strip()], dtype=object), DATE_OF_BIRTH_FORMATS)
    found = parsed.values.iloc[0]
    return None if pd.isna(found) else found.strftime("%Y-%m-%d")
