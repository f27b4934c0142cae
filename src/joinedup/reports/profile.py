"""Profile one table of a file for discovery: types, personal data, quality, waste.

Discovery runs before anyone has written a config, so every column is looked at through
the same guesses `joinedup init` makes (`ingest.guess`) and cleaned by the same
standardisers ingest uses (`ingest.columns`), so that "valid" in a discovery report means
what it will mean once the data is loaded. All work is column-wise (pandas / Arrow); the
only Python loops are over columns.

A profile holds counts and shares, never values: discovery reports are shared widely and
must not carry personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime

import numpy as np
import pandas as pd

from joinedup.config import ColumnMapping
from joinedup.fields import CANONICAL_FIELDS
from joinedup.ingest.columns import standardise_column
from joinedup.ingest.guess import guess_date_format, guess_mapping, normalise_column_name
from joinedup.ingest.readers import ReadResult
from joinedup.standardise import contact, identifiers, postcodes
from joinedup.standardise.base import as_text, fullmatch

# The personal data a column holds, by the canonical field it was guessed to be.
CATEGORY_BY_FIELD = {
    "title": "name",
    "first_name": "name",
    "middle_names": "name",
    "surname": "name",
    "full_name": "name",
    "date_of_birth": "date of birth",
    "date_of_death": "date of death",
    "sex": "sex",
    "nhs_number": "NHS number",
    "ni_number": "National Insurance number",
    "uprn": "UPRN",
    "parent_uprn": "UPRN",
    "postcode": "postcode",
    "address": "address",
    **{f"address_line_{i}": "address" for i in range(1, 6)},
    "email": "email",
    "phone": "phone",
}
# Article 9 (health) and Article 10 (criminal offence) data need a further condition
# under UK GDPR and the Data Protection Act 2018 (Sch. 1), so discovery flags columns
# whose name or values use these words. A flag is a prompt to look, not a finding.
HEALTH_TERMS = (
    r"health|medical|diagnos|disab|illness|impairment|medication|mental|dementia|pregnan"
    r"|cause of death|care need|care package|blue badge|carer|gp practice|hospital|wheelchair"
)
CRIME_TERMS = (
    r"crime|criminal|offen[cs]e|offender|convict|arrest|caution|police|probation|prison"
    r"|anti.?social|\basb\b|court order|sentence|fraud"
)
SPECIAL_HEALTH = "health or care terms (special category)"
SPECIAL_CRIME = "crime or offence terms (criminal offence data)"
# Six years: the usual retention for financial records, after the Limitation Act 1980
# s.5 period for claims in contract; records ended longer ago are likely obsolete.
OBSOLETE_YEARS = 6
STALE_MONTHS = 12
_VALUE_SHARE = 0.8  # share of values that must pass for a value-based guess
_SAMPLE = 5000  # values looked at to guess what a column holds (not to measure it)


@dataclass
class ColumnProfile:
    name: str
    kind: str  # text, whole number, decimal, date, empty
    filled: int
    distinct: int
    rows: int
    field: str | None = None  # canonical field guessed
    why: str = ""
    validity: float | None = None  # share of filled values in the right form
    categories: list[str] = _field(default_factory=list)
    oldest: date | None = None
    newest: date | None = None

    @property
    def completeness(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def uniqueness(self) -> float | None:
        return self.distinct / self.filled if self.filled else None

    @property
    def trivial(self) -> str | None:
        """Why the column carries (almost) nothing, or None."""
        if self.filled == 0:
            return "empty"
        if self.distinct == 1 and self.filled > 1:
            return "one value only"
        if self.completeness < 0.05:
            return "almost empty (under 5% filled)"
        return None


@dataclass
class TableProfile:
    """One table (a CSV file, or one sheet of a workbook) and what was found in it."""

    name: str
    file: str
    fmt: str
    rows: int
    columns: list[ColumnProfile]
    read_notes: list[str]
    skipped: int
    bad_rows: int
    encoding: str | None
    mappings: list[dict] = _field(default_factory=list)
    duplicate_rows: int = 0
    key_column: str | None = None
    duplicate_keys: int = 0
    duplicate_people: int = 0
    obsolete_rows: int = 0
    newest_activity: date | None = None
    keys: pd.DataFrame = _field(default_factory=pd.DataFrame, repr=False)

    @property
    def fields(self) -> set[str]:
        return {m["field"] for m in self.mappings}

    @property
    def categories(self) -> list[str]:
        seen: dict[str, None] = {}
        for column in self.columns:
            for category in column.categories:
                seen[category] = None
        return list(seen)

    @property
    def kind(self) -> str:
        """person (records about people), deaths, place (a gazetteer) or other."""
        if "date_of_death" in self.fields:
            return "deaths"
        if self.fields & {"surname", "first_name", "full_name"}:
            return "person"
        if "uprn" in self.fields or self.fields & {"street", "pao_text"}:
            return "place"
        return "other"


def _column_kind(values: pd.Series, filled: int) -> str:
    if filled == 0:
        return "empty"
    present = values[values.notna()]
    # Spreadsheet cells arrive as date objects; a sample is enough to tell.
    if present.head(1000).map(lambda v: isinstance(v, (date, datetime))).mean() >= 0.9:
        return "date"
    text = as_text(present)
    if fullmatch(text, r"[+-]?\d+").mean() >= 0.95:
        return "whole number"
    if fullmatch(text, r"[+-]?(\d+\.\d+|\d{1,3}(,\d{3})+(\.\d+)?|\.\d+)").mean() >= 0.95:
        return "decimal"
    # Trying every date format is the slow part of profiling, so only columns whose
    # values have a date's shape are tried, and only on a sample.
    sample = text.head(2000)
    if fullmatch(sample, _DATE_SHAPE).mean() < 0.9:
        return "text"
    fmt, _ = guess_date_format(present.head(2000))
    formats = [fmt] if fmt else []
    from joinedup.standardise.dates import parse_dates

    if parse_dates(present.head(2000), formats).values.notna().mean() >= 0.9:
        return "date"
    return "text"


_DATE_SHAPE = (
    r"\d{1,4}[/\-. ]\d{1,2}[/\-. ]\d{1,4}([T ][0-9:.]+)?|\d{1,2}[\- ][A-Za-z]{3,9}[\- ]\d{2,4}"
    r"|\d{8}"
)


def _value_category(values: pd.Series) -> tuple[str, str] | None:
    """(field, why) for a column whose values are plainly identifiers, whatever its name."""
    present = values[values.notna()].head(_SAMPLE)  # a guess: a sample is enough
    if present.empty:
        return None
    checks = (
        ("nhs_number", identifiers.nhs_number, "values pass the NHS number check digit"),
        ("ni_number", identifiers.ni_number, "values look like National Insurance numbers"),
        ("postcode", postcodes.normalise_postcode, "values look like UK postcodes"),
        ("email", contact.email, "values look like email addresses"),
    )
    for name, standardiser, why in checks:
        if standardiser(present).values.notna().mean() >= _VALUE_SHARE:
            return name, why
    return None


def _terms(name: str, values: pd.Series, pattern: str) -> bool:
    if re.search(pattern, normalise_column_name(name)):
        return True
    text = as_text(values[values.notna()].head(_SAMPLE))
    if text.empty:
        return False
    return bool(text.str.lower().str.contains(pattern, regex=True).mean() >= 0.05)


def _mapping(mapping: dict) -> ColumnMapping:
    keep = {k: mapping[k] for k in ("column", "field", "parser", "format") if k in mapping}
    return ColumnMapping(**keep)


def profile_table(name: str, file: str, fmt: str, result: ReadResult, as_of: date) -> TableProfile:
    frame = result.frame
    rows = len(frame)
    columns = [str(c) for c in frame.columns]
    mappings = guess_mapping(columns, frame)
    by_column = {m["column"]: m for m in mappings if m["field"] != "record_key"}
    key_column = next((m["column"] for m in mappings if m["field"] == "record_key"), None)
    produced: dict[str, pd.Series] = {}
    profiles: list[ColumnProfile] = []
    for column in columns:
        values = frame[column]
        filled = int(values.notna().sum())
        distinct = int(as_text(values).nunique()) if filled else 0
        profile = ColumnProfile(column, _column_kind(values, filled), filled, distinct, rows)
        mapping = by_column.get(column)
        if column == key_column:
            profile.field, profile.why = "record_key", "the id of each row"
        elif mapping is None and filled:
            found = _value_category(values)
            if found is not None:
                mapping = {"column": column, "field": found[0], "why": found[1]}
                mappings.append(mapping)
        if mapping is not None:
            profile.field, profile.why = mapping["field"], mapping.get("why", "")
            category = CATEGORY_BY_FIELD.get(mapping["field"])
            if category:
                profile.categories.append(category)
            out = standardise_column(values, _mapping(mapping), as_of)
            for target, series in out.values.items():
                produced.setdefault(target, series)
            checked = CANONICAL_FIELDS[mapping["field"]].type != "string" or mapping.get("parser")
            if filled and checked:
                failed = int(out.reasons.notna().sum())
                profile.validity = (filled - failed) / filled
        if filled and profile.field is None and profile.kind == "text":
            if _terms(column, values, HEALTH_TERMS):
                profile.categories.append(SPECIAL_HEALTH)
            if _terms(column, values, CRIME_TERMS):
                profile.categories.append(SPECIAL_CRIME)
        if profile.kind == "date" or (profile.field and profile.field in _DATE_FIELDS):
            parsed = produced.get(profile.field) if profile.field else None
            if parsed is None:
                from joinedup.standardise.dates import parse_dates

                fmt, _ = guess_date_format(values)
                parsed = parse_dates(values, [fmt] if fmt else []).values
            if parsed.notna().any():
                profile.oldest = parsed.min().date()
                profile.newest = parsed.max().date()
        profiles.append(profile)
    table = TableProfile(
        name=name,
        file=file,
        fmt=fmt,
        rows=rows,
        columns=profiles,
        read_notes=list(result.notes),
        skipped=result.skipped,
        bad_rows=len(result.bad_rows),
        encoding=result.encoding,
        mappings=mappings,
    )
    _waste_and_duplicates(table, frame, mappings, produced, as_of)
    table.keys = link_keys(produced, rows, frame, mappings)
    return table


_DATE_FIELDS = {n for n, f in CANONICAL_FIELDS.items() if f.type == "date"}
_ACTIVITY_SKIP = {"date_of_birth"}


def _waste_and_duplicates(
    table: TableProfile,
    frame: pd.DataFrame,
    mappings: list[dict],
    produced: dict[str, pd.Series],
    as_of: date,
) -> None:
    if table.rows:
        table.duplicate_rows = int(frame.astype("string").duplicated().sum())
    key = next((m["column"] for m in mappings if m["field"] == "record_key"), None)
    if key is not None:
        table.key_column = key
        keys = frame[key].dropna().astype(str)
        table.duplicate_keys = int(len(keys) - keys.nunique())
    people = pd.DataFrame(
        {
            "s": produced.get("surname", pd.Series(dtype=object)),
            "f": produced.get("first_name", pd.Series(dtype=object)),
            "d": produced.get("date_of_birth", pd.Series(dtype="datetime64[ns]")),
        }
    ).dropna()
    if len(people):
        table.duplicate_people = int(people.duplicated().sum())
    end = produced.get("end_date")
    if end is not None:
        cutoff = pd.Timestamp(as_of) - pd.DateOffset(years=OBSOLETE_YEARS)
        table.obsolete_rows = int((end < cutoff).sum())
    newest = [
        c.newest
        for c in table.columns
        if c.newest is not None
        and c.field not in _ACTIVITY_SKIP
        and c.newest <= as_of  # future dates (typos, attainment dates) say nothing of age
    ]
    table.newest_activity = max(newest) if newest else None


_POSTCODE_IN_TEXT = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}"
_ADDRESS_FIELDS = ["sao_text", "pao_text", "address", *(f"address_line_{i}" for i in range(1, 6))]


def link_keys(
    produced: dict[str, pd.Series], rows: int, frame: pd.DataFrame, mappings: list[dict]
) -> pd.DataFrame:
    """The few standardised values discovery compares across files, one row per record.

    `person_dob` (surname, first initial, date of birth) and `person_pc` (surname, first
    initial, postcode) estimate who appears in two files; `place` (postcode and the numbers
    in the address) and `uprn` estimate shared addresses. They are estimates for a report,
    deliberately simpler than the hub's probabilistic linking.
    """
    index = pd.RangeIndex(rows)

    def get(name: str) -> pd.Series:
        series = produced.get(name)
        if series is None:
            return pd.Series([None] * rows, index=index, dtype=object)
        return series.reset_index(drop=True)

    surname = as_text(get("surname")).str.upper()
    initial = as_text(get("first_name")).str.upper().str.slice(0, 1)
    dob = get("date_of_birth")
    dob_text = (
        pd.Series(pd.to_datetime(dob, errors="coerce"), index=index).dt.strftime("%Y-%m-%d")
        if len(dob)
        else pd.Series(dtype=object)
    )
    postcode = as_text(get("postcode"))
    uprn = as_text(get("uprn"))
    parts = [as_text(get(f)) for f in _ADDRESS_FIELDS if f in produced]
    if parts:
        address = parts[0].fillna("")
        for part in parts[1:]:
            address = address + " " + part.fillna("")
        address = address.str.upper().str.replace(_POSTCODE_IN_TEXT, " ", regex=True)
        numbers = address.str.findall(r"\d+[A-Z]?\b").str.join("-")
        first_word = address.str.extract(r"([A-Z]{2,})", expand=False)
        house = numbers.where(numbers.str.len() > 0, first_word)
    else:
        house = pd.Series([None] * rows, index=index, dtype=object)
    person = surname + "|" + initial
    keys = pd.DataFrame(
        {
            "person_dob": person + "|" + dob_text,
            "person_pc": person + "|" + postcode,
            "uprn": uprn,
            "place": postcode + "|" + as_text(house),
            "postcode": postcode,
            "dob": pd.to_datetime(dob, errors="coerce") if len(dob) else pd.NaT,
            "end_date": pd.to_datetime(get("end_date"), errors="coerce"),
            "surname": surname,
            "initial": initial,
        },
        index=index,
    )
    keys["spd"] = _spd_flags(frame, mappings).to_numpy()
    return keys


_SPD_NAME = re.compile(r"single person|spd|sole occupier")
_DISCOUNT_NAME = re.compile(r"discount|disregard|exemption")


def _spd_flags(frame: pd.DataFrame, mappings: list[dict]) -> pd.Series:
    """Whether each row carries a single person discount, from a column named for it."""
    flags = pd.Series(np.zeros(len(frame), dtype=bool))
    mapped = {m["column"] for m in mappings}
    for column in frame.columns:
        if column in mapped:
            continue
        name = normalise_column_name(column)
        text = as_text(frame[column].reset_index(drop=True)).str.strip().str.upper()
        if _SPD_NAME.search(name):
            hit = text.isin(["Y", "YES", "TRUE", "1", "SPD", "25%", "25"])
        elif _DISCOUNT_NAME.search(name):
            hit = text.str.contains(r"SPD|SINGLE|SOLE OCCUPIER|25 ?%", regex=True)
        else:
            continue
        flags |= hit.fillna(False).astype(bool).to_numpy()
    return flags
