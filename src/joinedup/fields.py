"""The canonical fields every source maps onto, and the parsers that split source columns.

One place defines what a field means, its type and which standardiser cleans it, so that
ingest, quality, linking and the docs all agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal[
    "string",
    "name",
    "date",
    "bool",
    "integer",
    "decimal",
    "postcode",
    "uprn",
    "nhs_number",
    "ni_number",
    "email",
    "phone",
    "address",
]

PersonalCategory = Literal["identifier", "name", "date_of_birth", "contact", "address", "none"]


@dataclass(frozen=True)
class CanonicalField:
    name: str
    type: FieldType
    description: str
    personal: PersonalCategory = "none"


_FIELDS = [
    CanonicalField("record_key", "string", "the source system's own id for the row", "identifier"),
    CanonicalField("title", "string", "Mr, Mrs, Ms, Dr ...", "name"),
    CanonicalField("first_name", "name", "first forename", "name"),
    CanonicalField("middle_names", "name", "other forenames", "name"),
    CanonicalField("surname", "name", "family name", "name"),
    CanonicalField("full_name", "string", "a whole name in one column; use a parser", "name"),
    CanonicalField("date_of_birth", "date", "date of birth", "date_of_birth"),
    CanonicalField("date_of_death", "date", "date of death", "date_of_birth"),
    CanonicalField("sex", "string", "sex as recorded", "none"),
    CanonicalField("address", "address", "a whole address in one column", "address"),
    CanonicalField("address_line_1", "address", "first address line", "address"),
    CanonicalField("address_line_2", "address", "second address line", "address"),
    CanonicalField("address_line_3", "address", "third address line", "address"),
    CanonicalField("address_line_4", "address", "fourth address line", "address"),
    CanonicalField("address_line_5", "address", "fifth address line", "address"),
    CanonicalField("postcode", "postcode", "UK postcode", "address"),
    CanonicalField("uprn", "uprn", "Unique Property Reference Number", "address"),
    CanonicalField("nhs_number", "nhs_number", "NHS number (10 digits, modulus 11)", "identifier"),
    CanonicalField("ni_number", "ni_number", "National Insurance number", "identifier"),
    CanonicalField("email", "email", "email address", "contact"),
    CanonicalField("phone", "phone", "telephone number", "contact"),
    CanonicalField("start_date", "date", "when the person was first recorded at the address"),
    CanonicalField("end_date", "date", "when the record stopped applying (moved out, closed)"),
    # Gazetteer (LLPG) fields, after BS 7666.
    CanonicalField("parent_uprn", "uprn", "UPRN of the parent property (the block of a flat)"),
    CanonicalField("sao_text", "string", "secondary addressable object: flat, unit"),
    CanonicalField("pao_text", "string", "primary addressable object: house number or name"),
    CanonicalField("street", "string", "street name"),
    CanonicalField("locality", "string", "locality or village"),
    CanonicalField("town", "string", "post town"),
    CanonicalField("property_class", "string", "property classification code"),
]

CANONICAL_FIELDS: dict[str, CanonicalField] = {f.name: f for f in _FIELDS}

ADDRESS_LINE_FIELDS = [f"address_line_{i}" for i in range(1, 6)]
PERSON_NAME_FIELDS = ["title", "first_name", "middle_names", "surname"]


@dataclass(frozen=True)
class Parser:
    name: str
    accepts: tuple[str, ...]
    description: str


PARSERS: dict[str, Parser] = {
    p.name: p
    for p in [
        Parser(
            "surname_comma_forenames",
            ("full_name",),
            "'SMITH, John Paul' or 'Smith, Mrs Jane' -> title, first, middle names, surname",
        ),
        Parser(
            "forenames_surname",
            ("full_name",),
            "'Mrs Jane A Smith' -> title, first, middle names, surname",
        ),
    ]
}
