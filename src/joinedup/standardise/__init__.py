"""Standardisers: vectorised cleaners that turn source values into one comparable form.

Every standardiser takes a pandas Series (str, None, or values a reader already typed) and
returns `Standardised(values, reasons)`; see `base` for the value conventions. Reasons
never contain the value, because they are logged and shown to people who may not be
allowed to see it. Choosing the standardiser for a mapped column is ingest's job
(`joinedup.ingest.columns`).
"""

from __future__ import annotations

from joinedup.standardise.addresses import clean_address, join_address_lines
from joinedup.standardise.base import Standardised
from joinedup.standardise.booleans import parse_bool
from joinedup.standardise.contact import email, phone
from joinedup.standardise.dates import parse_dates
from joinedup.standardise.identifiers import nhs_number, ni_number, uprn
from joinedup.standardise.names import clean_name, clean_title, split_full_name
from joinedup.standardise.numbers import parse_decimal, parse_integer
from joinedup.standardise.postcodes import normalise_postcode, outcode
from joinedup.standardise.text import clean_text

__all__ = [
    "Standardised",
    "clean_address",
    "clean_name",
    "clean_text",
    "clean_title",
    "email",
    "join_address_lines",
    "ni_number",
    "nhs_number",
    "normalise_postcode",
    "outcode",
    "parse_bool",
    "parse_dates",
    "parse_decimal",
    "parse_integer",
    "phone",
    "split_full_name",
    "uprn",
]
