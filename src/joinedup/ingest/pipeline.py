"""Ingest one source: read, map columns to canonical fields, standardise, validate.

Every data row becomes a record or a quarantined row with its reasons, and the counts
must reconcile (rows in = records + quarantined) or the run fails. Field values that do
not parse are kept out of the record (set to NULL) but recorded as value issues, and the
original row is kept verbatim in raw_<source>, so nothing is lost.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from joinedup.config import ColumnMapping, HubConfig, SourceConfig
from joinedup.fields import ADDRESS_LINE_FIELDS, CANONICAL_FIELDS
from joinedup.ingest.columns import standardise_column
from joinedup.ingest.readers import BadRow, ReadResult, read_source
from joinedup.standardise.addresses import join_address_lines

# Columns every person record has in the `records` table, whatever its source mapped.
RECORD_COLUMNS: dict[str, str] = {
    "title": "VARCHAR",
    "first_name": "VARCHAR",
    "middle_names": "VARCHAR",
    "surname": "VARCHAR",
    "date_of_birth": "DATE",
    "date_of_death": "DATE",
    "sex": "VARCHAR",
    "address": "VARCHAR",
    "postcode": "VARCHAR",
    "uprn": "VARCHAR",
    "nhs_number": "VARCHAR",
    "ni_number": "VARCHAR",
    "email": "VARCHAR",
    "phone": "VARCHAR",
    "start_date": "DATE",
    "end_date": "DATE",
}


class IngestError(RuntimeError):
    """A source that cannot be loaded at all; the message names the source and the fix."""


@dataclass
class SourceLoad:
    source: str
    rows_in: int
    records: int
    quarantined: int
    skipped: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    profiles: list[ColumnProfile] = field(default_factory=list)


@dataclass
class ColumnProfile:
    """What one mapped column looked like: the raw material for the quality dimensions."""

    source: str
    column: str
    field: str
    records: int  # records kept
    provided: int  # records where the source column was not blank
    valid: int  # provided values that standardised cleanly
    filled: int  # records with a usable value after standardising
    distinct: int  # distinct usable values
    checks: list[str]


def table_name(prefix: str, source: str) -> str:
    return f"{prefix}_{source}"


def _resolve_columns(source: SourceConfig, available: list[str]) -> dict[str, str]:
    """Match configured column names to the file's, forgiving case and spacing only."""

    def norm(name: str) -> str:
        return " ".join(str(name).split()).casefold()

    by_norm = {norm(c): c for c in available}
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for mapping in source.columns:
        actual = by_norm.get(norm(mapping.column))
        if actual is None:
            missing.append(mapping.column)
        else:
            resolved[mapping.column] = actual
    if missing:
        raise IngestError(
            f"source {source.name!r}: column(s) {', '.join(repr(m) for m in missing)} not found "
            f"in {source.file}; the file has: {', '.join(repr(c) for c in available)}"
        )
    return resolved


def _is_blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype("string").str.strip().fillna("").eq("")


def _implied_birth_dates(attainment: pd.Series) -> pd.Series:
    """An attainer's date of attainment is their 18th birthday (Electoral Commission)."""
    stamps = pd.to_datetime(attainment, errors="coerce")
    births = stamps - pd.DateOffset(years=18)
    return births.dt.date.where(stamps.notna(), None)


def ingest_source(
    con: duckdb.DuckDBPyConnection, config: HubConfig, source: SourceConfig, as_of: date
) -> SourceLoad:
    started = time.perf_counter()
    path = config.source_path(source)
    if not path.exists():
        raise IngestError(f"source {source.name!r}: file {source.file} not found")
    read = read_source(path, source.file_format(), source.read)
    frame = read.frame.reset_index(drop=True)
    row_numbers = pd.Series(read.row_numbers, dtype="int64").reset_index(drop=True)
    resolved = _resolve_columns(source, [str(c) for c in frame.columns])

    values: dict[str, pd.Series] = {}
    reasons: dict[str, pd.Series] = {}
    provided: dict[str, pd.Series] = {}
    outputs_by_mapping: dict[str, list[str]] = {}
    for mapping in source.columns:
        raw = frame[resolved[mapping.column]]
        provided[mapping.column] = ~_is_blank(raw)
        produced = standardise_column(raw, mapping, as_of)
        outputs_by_mapping[mapping.column] = list(produced.values)
        for name, series in produced.values.items():
            if name not in values or values[name].isna().all():
                values[name] = series.reset_index(drop=True)
        reasons[mapping.column] = produced.reasons.reset_index(drop=True)

    if "address" not in values:
        lines = [f for f in ADDRESS_LINE_FIELDS if f in values]
        if lines:
            values["address"] = join_address_lines(
                pd.DataFrame({f: values[f] for f in lines}), lines
            )
    if "first_name" in values and "middle_names" not in values:
        # A "Forenames" column holds every forename; the canonical first_name is the first.
        forenames = values["first_name"].astype("string").str.split(" ", n=1, expand=True)
        values["first_name"] = forenames[0].astype("object").where(forenames[0].notna(), None)
        rest = forenames[1] if 1 in forenames else pd.Series(pd.NA, index=forenames.index)
        values["middle_names"] = rest.astype("object").where(rest.notna(), None)
    if "date_of_attainment" in values and values.get("date_of_birth") is None:
        values["date_of_birth"] = _implied_birth_dates(values["date_of_attainment"])

    records = pd.DataFrame(values)
    records["row_number"] = row_numbers
    key = records[source.key].astype("string").str.strip()
    records[source.key] = key

    quarantine_reasons = pd.Series([None] * len(records), dtype="object")

    def add_reason(mask: pd.Series, reason: str) -> None:
        mask = mask.fillna(False).astype(bool)
        current = quarantine_reasons[mask]
        quarantine_reasons[mask] = [reason if c is None else f"{c}; {reason}" for c in current]

    all_blank = pd.concat([~provided[c] for c in provided], axis=1).all(axis=1)
    add_reason(all_blank, "row is empty")
    add_reason(key.isna() | key.eq(""), f"no {source.key} (the record key is blank)")
    for mapping in source.columns:
        if mapping.required:
            unusable = pd.Series(True, index=records.index)
            for name in outputs_by_mapping[mapping.column]:
                unusable &= records[name].isna()
            add_reason(unusable, f"required column {mapping.column!r} is blank or invalid")
    keyed = key.notna() & key.ne("") & quarantine_reasons.isna()
    duplicate = keyed & key.where(keyed).duplicated(keep="first")
    add_reason(duplicate, "duplicate record key (an earlier row has the same key)")

    kept = quarantine_reasons.isna()
    key_column = _key_column_in_cells(source, resolved)
    quarantined = _quarantine_frame(
        source.name, frame, row_numbers, quarantine_reasons, read, key, key_column
    )
    kept_records = records[kept].reset_index(drop=True)
    key_values = (
        kept_records.pop("record_key")
        if source.key == "record_key"
        else kept_records[source.key].astype(str)
    )
    kept_records.insert(0, "record_key", key_values)
    kept_records.insert(0, "source", source.name)
    kept_records.insert(0, "record_id", source.name + ":" + kept_records["record_key"])

    issues = _value_issues(source.name, kept_records, reasons, kept)
    profiles = _profiles(source, kept_records, provided, reasons, outputs_by_mapping, kept)

    _write_tables(con, source, frame, row_numbers, kept_records, quarantined, issues)

    rows_in = len(frame) + len(read.bad_rows)
    n_records, n_quarantined = len(kept_records), len(quarantined)
    if rows_in != n_records + n_quarantined:
        raise IngestError(
            f"source {source.name!r}: counts do not reconcile: {rows_in} rows in, "
            f"{n_records} records, {n_quarantined} quarantined"
        )
    return SourceLoad(
        source=source.name,
        rows_in=rows_in,
        records=n_records,
        quarantined=n_quarantined,
        skipped=read.skipped,
        seconds=time.perf_counter() - started,
        notes=list(read.notes),
        profiles=profiles,
    )


def _key_column_in_cells(source: SourceConfig, resolved: dict[str, str]) -> str | None:
    """The file's column holding the record key (`resolved`: configured name -> file's),
    or None when a row that could not be read cannot show it: a line of a JSON lines file
    that is not an object is kept whole, not as cells."""
    if source.file_format() == "jsonl":
        return None
    return next((resolved[m.column] for m in source.columns if m.field == source.key), None)


def _bad_row_key(row: BadRow, header: list[str], key_column: str | None) -> str | None:
    """The record key of a row that could not be read, when its cells still hold it (a row
    cut short keeps its first cells)."""
    if key_column is None or isinstance(row.raw, dict):
        return None
    if key_column in header and header.index(key_column) < len(row.raw):
        value = row.raw[header.index(key_column)]
    else:
        return None
    value = str(value).strip() if value is not None else ""
    return value or None


def _quarantine_frame(
    source: str,
    frame: pd.DataFrame,
    row_numbers: pd.Series,
    reasons: pd.Series,
    read: ReadResult,
    key: pd.Series,
    key_column: str | None,
) -> pd.DataFrame:
    """The rows set aside, each with its reasons, the row as read and its record key (when
    it has one: erasure and subject access find a person's set-aside rows by it)."""
    mask = reasons.notna()
    raw_rows = frame[mask].astype("string").to_dict(orient="records")
    rows = pd.DataFrame(
        {
            "source": source,
            "row_number": row_numbers[mask].to_numpy(),
            "reasons": reasons[mask].to_numpy(),
            "raw": [json.dumps({k: v for k, v in r.items() if pd.notna(v)}) for r in raw_rows],
            "record_key": [k if isinstance(k, str) and k else None for k in key[mask]],
        }
    )
    header = [str(c) for c in frame.columns]
    bad = pd.DataFrame(
        {
            "source": source,
            "row_number": [b.row_number for b in read.bad_rows],
            "reasons": [b.reason for b in read.bad_rows],
            "raw": [json.dumps(b.raw, default=str) for b in read.bad_rows],
            "record_key": [_bad_row_key(b, header, key_column) for b in read.bad_rows],
        }
    )
    if bad.empty:
        return rows
    return pd.concat([rows, bad], ignore_index=True) if not rows.empty else bad


def _value_issues(
    source: str, records: pd.DataFrame, reasons: dict[str, pd.Series], kept: pd.Series
) -> pd.DataFrame:
    parts = []
    for column, series in reasons.items():
        kept_reasons = series[kept.to_numpy()].reset_index(drop=True)
        mask = kept_reasons.notna()
        if mask.any():
            parts.append(
                pd.DataFrame(
                    {
                        "source": source,
                        "record_id": records.loc[mask.to_numpy(), "record_id"].to_numpy(),
                        "column_name": column,
                        "reason": kept_reasons[mask].to_numpy(),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=["source", "record_id", "column_name", "reason"])
    return pd.concat(parts, ignore_index=True)


def _profiles(
    source: SourceConfig,
    records: pd.DataFrame,
    provided: dict[str, pd.Series],
    reasons: dict[str, pd.Series],
    outputs: dict[str, list[str]],
    kept: pd.Series,
) -> list[ColumnProfile]:
    mask = kept.to_numpy()
    profiles = []
    for mapping in source.columns:
        given = provided[mapping.column][mask].to_numpy()
        bad = reasons[mapping.column][mask].notna().to_numpy()
        target = _profile_field(mapping, outputs[mapping.column], source)
        series = records[target] if target in records else pd.Series(dtype="object")
        filled = series.notna()
        profiles.append(
            ColumnProfile(
                source=source.name,
                column=mapping.column,
                field=mapping.field,
                records=len(records),
                provided=int(given.sum()),
                valid=int((given & ~bad).sum()),
                filled=int(filled.sum()),
                distinct=int(series[filled].astype(str).nunique()),
                checks=list(mapping.checks),
            )
        )
    return profiles


def _profile_field(mapping: ColumnMapping, outputs: list[str], source: SourceConfig) -> str:
    if mapping.field == source.key:
        return "record_key"
    if mapping.field == "full_name" and "surname" in outputs:
        return "surname"
    return mapping.field if mapping.field in outputs or not outputs else outputs[0]


def _write_tables(
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    frame: pd.DataFrame,
    row_numbers: pd.Series,
    records: pd.DataFrame,
    quarantined: pd.DataFrame,
    issues: pd.DataFrame,
) -> None:
    raw = frame.astype("string")
    raw.insert(0, "row_number", row_numbers.to_numpy())
    con.register("_raw", raw)
    con.execute(f'CREATE OR REPLACE TABLE "{table_name("raw", source.name)}" AS SELECT * FROM _raw')
    con.unregister("_raw")
    con.register("_records", _typed(records))
    con.execute(
        f'CREATE OR REPLACE TABLE "{table_name("src", source.name)}" AS SELECT * FROM _records'
    )
    con.unregister("_records")
    if not quarantined.empty:
        con.register("_quarantine", quarantined)
        con.execute(
            "INSERT INTO quarantine SELECT source, row_number, reasons, raw, "
            "CAST(record_key AS VARCHAR) FROM _quarantine"
        )
        con.unregister("_quarantine")
    if not issues.empty:
        con.register("_issues", issues)
        con.execute(
            "INSERT INTO value_issues SELECT source, record_id, column_name, reason FROM _issues"
        )
        con.unregister("_issues")


def _typed(records: pd.DataFrame) -> pd.DataFrame:
    """Give date columns a real date type so DuckDB stores DATE, not VARCHAR."""
    out = records.copy()
    for name in out.columns:
        canonical = CANONICAL_FIELDS.get(name)
        if canonical is not None and canonical.type == "date" or name == "date_of_attainment":
            out[name] = pd.to_datetime(out[name], errors="coerce").dt.date
            out[name] = out[name].astype("object").where(out[name].notna(), None)
    return out


def create_common_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS quarantine (source VARCHAR, row_number BIGINT, "
        "reasons VARCHAR, raw VARCHAR, record_key VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS value_issues (source VARCHAR, record_id VARCHAR, "
        "column_name VARCHAR, reason VARCHAR)"
    )


def build_records_table(con: duckdb.DuckDBPyConnection, config: HubConfig, as_of: date) -> int:
    """Union every person source into `records` with one set of typed columns."""
    selects = []
    for source in config.person_sources():
        table = table_name("src", source.name)
        present = {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
        cols = []
        for name, sql_type in RECORD_COLUMNS.items():
            expr = (
                f'CAST("{name}" AS {sql_type})' if name in present else f"CAST(NULL AS {sql_type})"
            )
            cols.append(f"{expr} AS {name}")
        snapshot = source.as_of or config.hub.as_of or as_of.isoformat()
        selects.append(
            f"SELECT record_id, source, record_key, row_number, {', '.join(cols)}, "
            f"DATE '{snapshot}' AS snapshot_date FROM \"{table}\""
        )
    if not selects:
        raise IngestError("the config has no person sources to link")
    con.execute("CREATE OR REPLACE TABLE records AS " + " UNION ALL BY NAME ".join(selects))
    return int(con.execute("SELECT count(*) FROM records").fetchone()[0])  # type: ignore[index]
