"""Retention and ROT: what the hub holds past its retention period, and what is
redundant (duplicated), or trivial (columns that are empty or hold one value).

Retention periods are written by people ("Claim end plus 6 years"), so the hub reads
only the part it can be sure of, a number of years, and counts it from the record's end
date (the canonical end_date: claim end, leaving date, licence expiry...). A record with
no end date is live and never flagged. "Permanent" means never; a text without a number
of years is reported as needing a person to read it. Flagged records are listed for the
information asset owner to review and purge at the source: the hub suggests, people
decide (the same habit as for matches). Obsolete (stale) data is the stale-data rules'
business (rules/), not repeated here.

Everything is one grouped query per question over the published run, no row loops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from joinedup.config import HubConfig
from joinedup.governance.audit import record_event
from joinedup.store.db import OperationalStore

_YEARS = re.compile(r"(\d+)\s*(?:years?|yrs?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RetentionRule:
    text: str | None
    years: int | None  # None: permanent, or not machine-readable
    permanent: bool = False

    @property
    def readable(self) -> bool:
        return self.permanent or self.years is not None


def parse_retention(text: str | None) -> RetentionRule:
    if not text:
        return RetentionRule(text, None)
    if text.strip().lower().startswith("permanent"):
        return RetentionRule(text, None, permanent=True)
    found = _YEARS.findall(text)
    # "Current financial year plus 6 years": the largest number of years is the period.
    return RetentionRule(text, max(int(n) for n in found) if found else None)


@dataclass(frozen=True)
class RetentionFlag:
    source: str
    rule: RetentionRule
    records: int
    with_end_date: int
    past_retention: int


def retention_flags(
    con: duckdb.DuckDBPyConnection, config: HubConfig, as_of: date
) -> list[RetentionFlag]:
    """Per person source: how many records are past retention on `as_of`."""
    rules = {s.name: parse_retention(s.retention) for s in config.person_sources()}
    years = [(name, rule.years) for name, rule in rules.items() if rule.years is not None]
    con.execute("CREATE OR REPLACE TEMP TABLE _retention_years (source VARCHAR, years INTEGER)")
    if years:
        con.executemany("INSERT INTO _retention_years VALUES (?, ?)", years)
    counts = {
        source: (int(total), int(dated), int(past))
        for source, total, dated, past in con.execute(
            """
            SELECT r.source, count(*), count(r.end_date),
                   count(*) FILTER (
                       WHERE y.years IS NOT NULL
                         AND r.end_date + to_years(y.years) < ?::DATE)
            FROM records r LEFT JOIN _retention_years y USING (source)
            GROUP BY r.source
            """,
            [as_of],
        ).fetchall()
    }
    return [RetentionFlag(name, rule, *counts.get(name, (0, 0, 0))) for name, rule in rules.items()]


def past_retention_records(
    con: duckdb.DuckDBPyConnection, config: HubConfig, as_of: date
) -> duckdb.DuckDBPyRelation:
    """The record ids past retention (ids and dates only), for the owner's purge list."""
    retention_flags(con, config, as_of)  # fills _retention_years
    return con.sql(
        "SELECT r.source, r.record_key, r.end_date, "
        "CAST(r.end_date + to_years(y.years) AS DATE) AS due "
        f"FROM records r JOIN _retention_years y USING (source) "
        f"WHERE r.end_date + to_years(y.years) < DATE '{as_of.isoformat()}' "
        "ORDER BY r.source, due"
    )


@dataclass(frozen=True)
class TrivialColumn:
    source: str
    column: str
    distinct_values: int  # 0: always empty; 1: one value throughout


def trivial_columns(con: duckdb.DuckDBPyConnection, config: HubConfig) -> list[TrivialColumn]:
    """Mapped columns of each loaded source that are empty or constant in this run."""
    found: list[TrivialColumn] = []
    for source in config.sources.values():
        table = f"src_{source.name}"
        present = {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
        fields = [f for f in source.mapped_fields() if f in present and f != "record_key"]
        if not fields:
            continue
        distinct = ", ".join(f'count(DISTINCT "{f}")' for f in fields)
        filled = ", ".join(f'count("{f}")' for f in fields)
        row = con.execute(f'SELECT count(*), {distinct}, {filled} FROM "{table}"').fetchone()
        rows, counts = (row[0], row[1:]) if row else (0, ())
        if rows < 2:  # nothing, or one row: every column is "constant"; nothing to say
            continue
        for i, name in enumerate(fields):
            n_distinct, n_filled = int(counts[i]), int(counts[len(fields) + i])
            if n_distinct == 0 or (n_distinct == 1 and n_filled > 1):
                found.append(TrivialColumn(source.name, name, n_distinct))
    return found


def duplicate_records(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per source: records that repeat another record of the same source in every field
    the hub links on (redundant copies; the record keys differ)."""
    columns = [r[0] for r in con.execute("DESCRIBE records").fetchall()]
    compared = [
        c for c in columns if c not in {"record_id", "record_key", "row_number", "snapshot_date"}
    ]
    quoted = ", ".join(f'"{c}"' for c in compared)
    rows = con.execute(
        f"SELECT source, sum(n - 1) FROM (SELECT {quoted}, count(*) AS n FROM records "
        f"GROUP BY ALL HAVING count(*) > 1) GROUP BY source"
    ).fetchall()
    return {source: int(n) for source, n in rows}


def export_past_retention(
    con: duckdb.DuckDBPyConnection,
    config: HubConfig,
    as_of: date,
    out: Path,
    store: OperationalStore,
    actor: str,
) -> int:
    """Write the purge list (source, record key, end date, due date) and audit it.

    Record keys identify people in their source, so the export is on the trail, with its
    row count; run from the command line, the actor is the operating-system account.
    """
    relation = past_retention_records(con, config, as_of)
    rows = int(relation.shape[0])
    relation.write_csv(str(out))
    with store.session() as session, session.begin():
        record_event(
            session, actor, "retention.export", "retention:past", "retention_review",
            "allowed", fields=("source", "record_key", "end_date"), detail=f"{rows} records",
        )  # fmt: skip
    return rows
