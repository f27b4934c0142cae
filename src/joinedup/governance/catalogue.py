"""The catalogue: every source with its owner, classification, lawful basis, retention and
refresh, and every column with the category of personal data it holds.

Categories are detected, then editable: a canonical field has a known category (a
surname is a name, an NHS number an identifier); a source-specific field or column is
read by its name ("diagnosis" suggests health, "offence" crime); and `personal_data:` on
a column mapping in joinedup.yaml overrides either. Health is special category data
(UK GDPR Art 9, needing an Art 9 condition and, for most council processing, a DPA 2018
Schedule 1 condition); crime is criminal offence data (Art 10, DPA 2018 s10 and Sch 1).
The catalogue says where those conditions are missing, so a gap is seen before a run.
Name keywords are a prompt for a person to confirm, never proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from joinedup.config import ColumnMapping, HubConfig, SourceConfig

CATEGORY_BY_FIELD: dict[str, str] = {
    **dict.fromkeys(("title", "first_name", "middle_names", "surname", "full_name"), "names"),
    "date_of_birth": "dates_of_birth",
    **dict.fromkeys(("record_key", "nhs_number", "ni_number"), "identifiers"),
    **dict.fromkeys(
        (
            "address",
            "address_line_1",
            "address_line_2",
            "address_line_3",
            "address_line_4",
            "address_line_5",
            "postcode",
            "uprn",
            "email",
            "phone",
            "sao_text",
            "pao_text",
            "street",
        ),
        "contact_details",
    ),  # fmt: skip
    **dict.fromkeys(("sex", "date_of_death", "start_date", "end_date"), "other_personal"),
}
# Words in a column or field name that suggest a category; checked in this order.
KEYWORDS: tuple[tuple[str, str], ...] = (
    ("health", r"health|diagnos|disab|medic|mental|illness|care_need|gp_|clinical"),
    ("crime", r"crime|offen[cs]e|convict|arrest|caution|custod|prosecut|police"),
    ("identifiers", r"(^|_)(id|ref|reference|number|no)($|_)|nino|nhs"),
    ("names", r"name|surname|forename|holder|tenant|claimant|payee|applicant"),
    ("dates_of_birth", r"dob|birth"),
    ("contact_details", r"address|postcode|email|phone|mobile|tel"),
)
SPECIAL_CATEGORY = frozenset({"health"})
CRIMINAL_OFFENCE = frozenset({"crime"})


@dataclass(frozen=True)
class ColumnEntry:
    column: str
    field: str
    category: str | None  # None: not personal data
    found_by: str  # how: "canonical field", "name suggests it", "declared in the config"


@dataclass(frozen=True)
class SourceEntry:
    source: str
    owner: str
    steward: str | None
    classification: str
    lawful_basis: str | None
    retention: str | None
    refresh: str | None
    columns: tuple[ColumnEntry, ...]
    gaps: tuple[str, ...] = field(default=())

    @property
    def categories(self) -> set[str]:
        return {c.category for c in self.columns if c.category}


def classify_column(mapping: ColumnMapping) -> ColumnEntry:
    """The personal data category of one column, and how it was found."""
    if mapping.personal_data is not None:
        category = None if mapping.personal_data == "none" else mapping.personal_data
        return ColumnEntry(mapping.column, mapping.field, category, "declared in the config")
    if mapping.field in CATEGORY_BY_FIELD:
        category = CATEGORY_BY_FIELD[mapping.field]
        return ColumnEntry(mapping.column, mapping.field, category, "canonical field")
    words = f"{mapping.field} {mapping.column}".lower().replace(" ", "_")
    for category, pattern in KEYWORDS:
        if re.search(pattern, words):
            return ColumnEntry(mapping.column, mapping.field, category, "name suggests it")
    return ColumnEntry(mapping.column, mapping.field, None, "no sign of personal data")


def _gaps(source: SourceConfig, categories: set[str]) -> list[str]:
    gaps: list[str] = []
    basis = (source.lawful_basis or "").lower()
    if categories and not source.lawful_basis:
        gaps.append("holds personal data but records no lawful basis")
    if categories & SPECIAL_CATEGORY and "9" not in basis:
        gaps.append("holds special category data but its lawful basis names no Art 9 condition")
    if categories & CRIMINAL_OFFENCE and "10" not in basis and "schedule 1" not in basis:
        gaps.append("holds criminal offence data but names no Art 10 / DPA 2018 Sch 1 condition")
    if categories and not source.retention:
        gaps.append("holds personal data but records no retention period")
    if not source.steward:
        gaps.append("has no data steward")
    return gaps


def build_catalogue(config: HubConfig) -> list[SourceEntry]:
    entries: list[SourceEntry] = []
    for source in config.sources.values():
        columns = tuple(classify_column(m) for m in source.columns)
        categories = {c.category for c in columns if c.category}
        entries.append(
            SourceEntry(
                source=source.name,
                owner=source.owner,
                steward=source.steward,
                classification=source.classification,
                lawful_basis=source.lawful_basis,
                retention=source.retention,
                refresh=source.refresh,
                columns=columns,
                gaps=tuple(_gaps(source, categories)),
            )
        )
    return entries
