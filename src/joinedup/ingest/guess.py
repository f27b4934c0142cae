"""Guess how a new file's columns map onto the canonical fields, for `joinedup init`.

Guesses come from column names first ('DOB', 'Post Code', 'NHS No') and, where names say
little, from a sample of values ('SMITH, Jane' in a column called 'Elector'). Every guess
carries a plain-English `why`, because a person must check it before the hub uses it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pandas as pd

from joinedup.fields import CANONICAL_FIELDS

# Rules are tried in order against the normalised column name (lower case, words split on
# punctuation and camelCase); the first field not already taken wins.
_NAME_RULES: list[tuple[str, str]] = [
    ("parent_uprn", r"parent uprn|parent property ref(erence)?"),
    (
        "uprn",
        r"(blpu )?uprn( no| number)?|property ref(erence)?( no| number)?|prop ref|property id",
    ),
    ("nhs_number", r"nhs ?(no|num|number|id)?"),
    ("ni_number", r"nino|nin|ni ?(no|num|number)|nat(ional)? ins(urance)?( no| num| number)?"),
    ("postcode", r"post ?code( locator)?|postal code|p ?code|zip( code)?"),
    ("date_of_birth", r"dob|d o b|date of birth|birth ?date|date born|born"),
    ("date_of_death", r"dod|date of death|death date|(date )?deceased( date)?|date died|died"),
    ("title", r"title|salutation|honorific"),
    ("first_name", r"first ?name|forename|fore ?names?|given ?names?|christian name|f ?name"),
    ("middle_names", r"middle ?names?|middle initials?|other forenames|second ?name"),
    ("surname", r"surname|sur name|last ?name|family ?name|l ?name"),
    (
        "full_name",
        r"((full|elector|electors|client|customer|person|claimant|tenant|resident|patient"
        r"|applicant|account holder|holder) )?names?|account holder|name of .*",
    ),
    ("sex", r"sex|gender"),
    ("email", r"e ?mail( address)?"),
    (
        "phone",
        r"((home|mobile|main|contact|daytime|work) )?(tel|telephone|phone|mobile)"
        r"( no| num| number)?|contact (no|number)",
    ),
    ("address_line_n", r"(address|addr|add|address line|addr line|line) ?([1-5])"),
    ("address", r"((full|property|current|postal|home) )?address"),
    ("sao_text", r"sao( text)?|flat( no| number)?|sub ?building( name)?"),
    ("pao_text", r"pao( text)?|house (no|number|name)|building (no|number|name)"),
    ("street", r"street( name| descriptor)?|road( name)?|thoroughfare"),
    ("locality", r"locality|village"),
    ("town", r"town( name)?|post town|city"),
    ("property_class", r"(blpu |property )?class(ification)?( code)?|property type"),
    (
        "start_date",
        r"start( date)?|date from|from date|move in( date)?|occupation date|date registered"
        r"|registered date|(liability|tenancy|claim|award|discount) (start|from)( date)?",
    ),
    (
        "end_date",
        r"end( date)?|date to|to date|move out( date)?|date closed|closed date|date left"
        r"|(liability|tenancy|claim|award|discount) (end|to)( date)?",
    ),
]
# A record key: an id-like name, or failing that any column unique in the sample.
_KEY_NAME = re.compile(
    r"(.* )?(id|ref|reference|key|urn|number|no|num|code)"
    r"|.*\b(account|claim|case|client|customer|person|elector|tenancy|patient|household)\b.*"
)
DATE_FORMATS = [
    "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y",
    "%d %B %Y", "%Y/%m/%d", "%Y%m%d", "%d%m%Y", "%m/%d/%Y", "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
]  # fmt: skip
_DATE_FIELDS = {name for name, f in CANONICAL_FIELDS.items() if f.type == "date"}
_LETTER = r"[^\W\d_]"
_SURNAME_COMMA = re.compile(rf"{_LETTER}(?:{_LETTER}|['\- ])*, ?{_LETTER}(?:{_LETTER}|['.\- ])*")
_STREET_WORDS = re.compile(
    r"\b(?:road|rd|street|st|lane|avenue|close|drive|way|court|house|flat|crescent|place)\b",
    re.IGNORECASE,
)


def normalise_column_name(name: str) -> str:
    """'DateOfBirth' and 'date_of_birth' -> 'date of birth'."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])", " ", str(name))
    return re.sub(r"[^a-z0-9]+", " ", spaced.lower()).strip()


def _non_null(sample: pd.DataFrame, column: str) -> pd.Series:
    if column not in sample.columns:
        return pd.Series([], dtype=object)
    values = sample[column]
    return values[values.notna()]


def guess_date_format(values: pd.Series) -> tuple[str | None, str]:
    """The strftime format that reads most sampled values, and why it was chosen.

    None means no format is needed (ISO dates, spreadsheet dates or serial numbers, which
    the date parser always tries) or none fits.
    """
    values = values[values.notna()]
    if values.empty:
        return None, "no values in the sample"
    if values.map(lambda v: isinstance(v, (date, datetime))).all():
        return None, "the spreadsheet holds real dates"
    text = values.astype(str).str.strip()
    iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?").mean()
    if iso >= 0.9:
        return None, "ISO dates (yyyy-mm-dd)"
    if text.str.fullmatch(r"\d{5}(\.0+)?").mean() >= 0.9:
        return None, "spreadsheet serial numbers"
    best, best_count = None, 0
    for fmt in DATE_FORMATS:
        count = int(pd.to_datetime(text, format=fmt, errors="coerce").notna().sum())
        if count > best_count:  # strictly more: day-first formats win ties
            best, best_count = fmt, count
    if best is None:
        return None, "no common date format fits the sample"
    return best, f"fits {best_count} of {len(text)} sampled values"


def _looks_like_surname_comma(values: pd.Series) -> float:
    text = values.astype(str).str.strip()
    if text.empty or text.str.contains(_STREET_WORDS).any():
        return 0.0
    return float(text.str.fullmatch(_SURNAME_COMMA).mean())


def guess_mapping(columns: list[str], sample: pd.DataFrame) -> list[dict[str, Any]]:
    """Guess a mapping for each column it can; unguessed columns are left out.

    Each dict has the keys of `joinedup.config.ColumnMapping` it needs (column, field,
    and parser / format / required / checks where they apply) plus `why`, a plain-English
    reason for the guess, which the caller shows and drops before validating.
    """
    taken: set[str] = set()
    mappings: list[dict[str, Any]] = []
    # First whole names ('Surname'), then names with words in front ('Deceased Surname',
    # 'Liable DOB'), so that 'Street Name' is a street before it could be a name.
    for prefix, why in (("", "the column name"), (r"(?:.* )?", "the end of the column name")):
        for column in columns:
            if any(m["column"] == column for m in mappings):
                continue
            normalised = normalise_column_name(column)
            for field, pattern in _NAME_RULES:
                match = re.fullmatch(f"{prefix}(?:{pattern})", normalised)
                if not match:
                    continue
                if field == "address_line_n":
                    field = f"address_line_{match.group(match.lastindex or 0)}"
                if field in taken:
                    continue
                taken.add(field)
                mappings.append({"column": column, "field": field, "why": why})
                break
    mappings.sort(key=lambda m: columns.index(m["column"]))
    # A column of 'SURNAME, Forenames' values is a full name whatever it is called.
    for column in columns:
        if any(m["column"] == column for m in mappings) or "full_name" in taken:
            continue
        values = _non_null(sample, column)
        if len(values) and _looks_like_surname_comma(values) >= 0.8:
            taken.add("full_name")
            why = "values look like 'SURNAME, Forenames'"
            mappings.append({"column": column, "field": "full_name", "why": why})
    for mapping in mappings:
        values = _non_null(sample, mapping["column"])
        if mapping["field"] == "full_name":
            commas = values.astype(str).str.contains(",", regex=False).mean() if len(values) else 0
            mapping["parser"] = "surname_comma_forenames" if commas >= 0.5 else "forenames_surname"
            mapping["why"] += f"; {commas:.0%} of sampled values have a comma"
        elif mapping["field"] in _DATE_FIELDS:
            fmt, why = guess_date_format(values)
            if fmt is not None:
                mapping["format"] = fmt
            mapping["why"] += f"; dates: {why}"
    key = _guess_key(columns, sample, mappings)
    if key is not None:
        column, why = key
        mappings.insert(
            0,
            {
                "column": column,
                "field": "record_key",
                "required": True,
                "checks": ["not_null", "unique"],
                "why": why,
            },
        )
    return mappings


def _unique_and_full(sample: pd.DataFrame, column: str, slack: float = 0.0) -> bool:
    """Whether a column is filled and unique in the sample, allowing `slack` (a share of
    rows) of blanks and repeats: real extracts carry a few, which quality checks report."""
    if column not in sample.columns or sample.empty:
        return False
    values = sample[column]
    filled = values[values.notna()].astype(str)
    allowed = slack * len(values)
    blanks = len(values) - len(filled)
    repeats = len(filled) - filled.nunique()
    return blanks <= allowed and repeats <= allowed


def _guess_key(
    columns: list[str], sample: pd.DataFrame, mappings: list[dict[str, Any]]
) -> tuple[str, str] | None:
    """The column that identifies a row: an id-like name unique in the sample, preferably."""
    by_column = {m["column"]: m["field"] for m in mappings}
    unmapped = [c for c in columns if c not in by_column]
    for column in unmapped:
        id_name = _KEY_NAME.fullmatch(normalise_column_name(column))
        if id_name and _unique_and_full(sample, column, slack=0.02):
            return column, "an id-like name, (almost) unique in the sample"
    for column in unmapped:
        values = _non_null(sample, column).astype(str)
        id_like = values.str.fullmatch(r"[A-Za-z0-9/_\-]{1,30}").all() if len(values) else False
        if id_like and _unique_and_full(sample, column):
            return column, "unique in the sample"
    # A gazetteer's own key is the UPRN.
    for column, field in by_column.items():
        if field == "uprn" and _unique_and_full(sample, column):
            return column, "the UPRN, unique in the sample"
    return None
