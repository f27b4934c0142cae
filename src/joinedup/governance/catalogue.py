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

A data owner or admin may also edit the catalogue in the web UI (`edit_catalogue`):
the edits are kept in the store and laid over the YAML (`build_catalogue(config,
edits)`), so a correction is seen at once; copy it into joinedup.yaml to make it part of
the reviewed config. Removing an edit (an empty value) returns to the YAML's value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.config import ColumnMapping, HubConfig, PersonalDataCategory, SourceConfig
from joinedup.governance.audit import record_event
from joinedup.store.base import utcnow
from joinedup.store.catalogue import CatalogueEdit

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


# What may be edited on a source, and the categories a column may be given.
SOURCE_ATTRIBUTES = ("owner", "steward", "classification", "lawful_basis", "retention", "refresh")
CATEGORIES: tuple[str, ...] = get_args(PersonalDataCategory)


class CatalogueEditError(ValueError):
    """An edit that cannot be made as asked; phrased for the user."""


def catalogue_edits(session: Session) -> list[CatalogueEdit]:
    return list(session.scalars(select(CatalogueEdit).order_by(CatalogueEdit.id)))


def edit_catalogue(
    session: Session,
    config: HubConfig,
    actor: str,
    source: str,
    column: str,
    attribute: str,
    value: str,
) -> bool:
    """Record one edit (flushed, not committed); an empty value removes the edit. Returns
    whether anything changed. The caller has asked the gate ("catalogue.edit")."""
    cfg = config.sources.get(source)
    if cfg is None:
        raise CatalogueEditError("there is no such source")
    value = " ".join(value.split())[:500]
    if column:
        if column not in {m.column for m in cfg.columns} or attribute != "personal_data":
            raise CatalogueEditError("there is no such column in this source")
        if value and value not in CATEGORIES:
            raise CatalogueEditError("choose one of the categories: " + ", ".join(CATEGORIES))
    elif attribute not in SOURCE_ATTRIBUTES:
        raise CatalogueEditError("that is not something the catalogue records")
    existing = session.scalar(
        select(CatalogueEdit).where(
            CatalogueEdit.source == source,
            CatalogueEdit.column == column,
            CatalogueEdit.attribute == attribute,
        )
    )
    if existing is not None and existing.value == value:
        return False
    if not value:
        if existing is None:
            return False
        session.delete(existing)
    elif existing is None:
        session.add(CatalogueEdit(source=source, column=column, attribute=attribute,
                                  value=value, edited_by=actor))  # fmt: skip
    else:
        existing.value, existing.edited_by, existing.edited_at = value, actor, utcnow()
    session.flush()
    where = f"catalogue:{source}" + (f".{column}" if column else "")
    record_event(
        session, actor, "catalogue.edited", where[:200], "audit_oversight", "allowed",
        detail=f"{attribute} {'set' if value else 'returned to the YAML'}",
    )  # fmt: skip
    return True


def _with_edits(source: SourceConfig, edits: Sequence[CatalogueEdit]) -> SourceConfig:
    mine = [e for e in edits if e.source == source.name]
    if not mine:
        return source
    changes = {e.attribute: e.value for e in mine if not e.column}
    categories = {e.column: e.value for e in mine if e.column}
    columns = [
        m.model_copy(update={"personal_data": categories[m.column]})
        if m.column in categories
        else m
        for m in source.columns
    ]
    return source.model_copy(update={**changes, "columns": columns})


def build_catalogue(config: HubConfig, edits: Sequence[CatalogueEdit] = ()) -> list[SourceEntry]:
    entries: list[SourceEntry] = []
    for declared in config.sources.values():
        source = _with_edits(declared, edits)
        columns = tuple(
            replace(entry, found_by="edited in the web UI")
            if any(e.source == source.name and e.column == entry.column for e in edits)
            else entry
            for entry in (classify_column(m) for m in source.columns)
        )
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
