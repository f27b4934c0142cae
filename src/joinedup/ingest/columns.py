"""Turn one source column into canonical field values, choosing the standardiser by type.

This is the single dispatch from a column mapping to the standardisers, so a new field
type or parser is added here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from joinedup.config import ColumnMapping
from joinedup.standardise import (
    addresses,
    contact,
    dates,
    identifiers,
    names,
    numbers,
    postcodes,
)
from joinedup.standardise.booleans import parse_bool

_NAME_PARTS = ["title", "first_name", "middle_names", "surname"]
_LATEST_FOR = {"date_of_birth": "as_of", "date_of_death": "as_of"}


@dataclass
class Produced:
    values: dict[str, pd.Series]
    reasons: pd.Series


def _blank_to_none(raw: pd.Series) -> pd.Series:
    text = raw.astype("string").str.strip()
    return text.where(text.notna() & text.ne(""), None).astype("object")


def standardise_column(raw: pd.Series, mapping: ColumnMapping, as_of: date) -> Produced:
    raw = raw.reset_index(drop=True)
    if mapping.parser in ("surname_comma_forenames", "forenames_surname"):
        split = names.split_full_name(raw, mapping.parser)
        parts = split.values
        return Produced({p: parts[p] for p in _NAME_PARTS}, split.reasons)

    kind = mapping.field_type()
    target = mapping.field
    if kind == "name":
        result = names.clean_name(raw)
    elif mapping.field == "title":
        result = names.clean_title(raw)
    elif kind == "date":
        latest = as_of if _LATEST_FOR.get(target) == "as_of" else None
        result = dates.parse_dates(raw, mapping.formats, latest=latest)
    elif kind == "bool":
        result = parse_bool(raw, mapping.true_values or ["Y", "YES", "TRUE", "1"])
    elif kind == "postcode":
        result = postcodes.normalise_postcode(raw)
    elif kind == "uprn":
        result = identifiers.uprn(raw)
    elif kind == "nhs_number":
        result = identifiers.nhs_number(raw)
    elif kind == "ni_number":
        result = identifiers.ni_number(raw)
    elif kind == "email":
        result = contact.email(raw)
    elif kind == "phone":
        result = contact.phone(raw)
    elif kind == "address":
        result = addresses.clean_address(raw)
    elif kind == "integer":
        result = numbers.parse_integer(raw)
    elif kind == "decimal":
        result = numbers.parse_decimal(raw)
    else:
        text = _blank_to_none(raw)
        return Produced({target: text}, pd.Series([None] * len(raw), dtype="object"))
    return Produced(
        {target: result.values.reset_index(drop=True)}, result.reasons.reset_index(drop=True)
    )
