"""Subject access: everything the hub holds about one person, as a pack they can read.

A person asks with their name, date of birth and (to tell apart two people with the
same name and birthday) a postcode. The hub finds the records that carry exactly those
details, then follows the links: every record linked into the same person entity is
theirs too, even one that lacks a date of birth or holds an old address. That is the
point of linking; it is also the risk, so when the details fit more than one entity the
pack is not written and the DPO chooses (`entity_ids`) after checking identity.

The pack holds each source's rows as the source supplied them (the original columns:
the person is entitled to the data as held), the hub's golden record for them, and for
each source its purpose, owner, lawful basis and retention from the catalogue. Writing
a pack is audited with counts only, never the details searched for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from joinedup.config import HubConfig
from joinedup.engine.analytical import sql_path
from joinedup.governance import person_rows
from joinedup.governance.audit import record_event
from joinedup.ingest.pipeline import table_name
from joinedup.store.db import OperationalStore


class SubjectAccessError(ValueError):
    """The request cannot be answered as asked; phrased for the DPO."""


@dataclass(frozen=True)
class SubjectSearch:
    entity_ids: tuple[str, ...]  # the people whose details fit
    direct_records: int  # records carrying the details themselves


@dataclass(frozen=True)
class SubjectPack:
    entity_id: str
    folder: Path
    rows_by_source: dict[str, int]  # rows as supplied, in each source's file of the pack
    set_aside: int = 0  # rows of theirs the loader set aside (rows_set_aside.csv)


def find_subject(
    con: duckdb.DuckDBPyConnection, name: str, dob: date, postcode: str | None = None
) -> SubjectSearch:
    """The person entities whose records carry this first name, surname and date of birth
    (and postcode, when given), compared as the hub standardises them."""
    words = re.sub(r"[^A-Z' -]", "", name.upper()).replace("-", " ").split()
    if len(words) < 2:
        raise SubjectAccessError("give the person's first name and surname")
    first, surname = words[0], words[-1]
    params: list[object] = [first, surname, dob]
    where = "r.first_name = ? AND r.surname = ? AND r.date_of_birth = ?"
    if postcode:
        where += " AND replace(r.postcode, ' ', '') = ?"
        params.append(re.sub(r"\s", "", postcode.upper()))
    rows = con.execute(
        f"SELECT DISTINCT e.entity_id FROM records r "
        f"JOIN record_entities e USING (record_id) WHERE {where} ORDER BY 1",
        params,
    ).fetchall()
    direct = int(
        con.execute(f"SELECT count(*) FROM records r WHERE {where}", params).fetchone()[0]  # type: ignore[index]
    )
    return SubjectSearch(tuple(r[0] for r in rows), direct)


def write_pack(
    con: duckdb.DuckDBPyConnection,
    config: HubConfig,
    entity_id: str,
    out: Path,
    store: OperationalStore,
    actor: str,
    as_of: date,
) -> SubjectPack:
    """Write the pack for one entity into `out` (README.md, golden_record.csv, one CSV
    per source with the rows as supplied and, when the loader set any of theirs aside,
    rows_set_aside.csv), and audit it."""
    out.mkdir(parents=True, exist_ok=True)
    records = (
        "SELECT r.source, r.row_number, r.record_key FROM records r "
        "JOIN record_entities e USING (record_id) WHERE e.entity_id = $id"
    )
    # Their records' rows, and any row the loader set aside under one of their keys.
    quarantine = "quarantine" if person_rows.quarantine_with_keys(con) else None
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _subject_rows AS "
        + person_rows.rows_sql(records, quarantine),
        {"id": entity_id},
    )
    held = con.execute(
        "SELECT source, list(row_number ORDER BY row_number) FROM _subject_rows "
        "GROUP BY source ORDER BY source"
    ).fetchall()
    if not held:
        raise SubjectAccessError(f"the hub holds no records for entity {entity_id}")
    counts: dict[str, int] = {}
    for source, row_numbers in held:
        raw = table_name("raw", source)
        written = con.execute(
            f'COPY (SELECT * EXCLUDE (row_number) FROM "{raw}" '
            f"WHERE row_number IN (SELECT unnest($rows)) ORDER BY row_number) "
            f"TO '{sql_path(out / f'{source}.csv')}' (HEADER)",
            {"rows": row_numbers},
        ).fetchone()
        counts[source] = int(written[0]) if written else 0
    set_aside = 0
    if quarantine is not None:
        # A row cut short is not among the rows as read: it is given as the loader kept it.
        set_aside = _write_set_aside(con, out / SET_ASIDE_FILE)
    con.execute("DROP TABLE _subject_rows")
    con.execute(
        "COPY (SELECT field, value, source FROM golden_records WHERE entity_id = $id "
        f"ORDER BY field) TO '{sql_path(out / 'golden_record.csv')}' (HEADER)",
        {"id": entity_id},
    )
    (out / "README.md").write_text(_readme(config, counts, set_aside, as_of), encoding="utf-8")
    with store.session() as session, session.begin():
        record_event(
            session, actor, "subject_access.export", f"entity:{entity_id}", "subject_access",
            "allowed", detail=f"{sum(counts.values())} rows from {len(counts)} sources, "
            f"{set_aside} set aside",
        )  # fmt: skip
    return SubjectPack(entity_id, out, counts, set_aside)


SET_ASIDE_FILE = "rows_set_aside.csv"


def _write_set_aside(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The person's rows the loader set aside, each with its reasons and the row as it was
    read (`_subject_rows` names them); no file when there are none."""
    written = con.execute(
        "COPY (SELECT q.source, q.row_number, q.reasons, q.raw AS row_as_read "
        "FROM quarantine q JOIN _subject_rows USING (source, row_number) ORDER BY 1, 2) "
        f"TO '{sql_path(path)}' (HEADER)"
    ).fetchone()
    n = int(written[0]) if written else 0
    if not n:
        path.unlink()
    return n


def _readme(config: HubConfig, counts: dict[str, int], set_aside: int, as_of: date) -> str:
    lines = [
        f"# Your information held by {config.hub.organisation}",
        "",
        f"This is everything the {config.hub.name} holds about you, as of {as_of:%d %B %Y}.",
        "Each file named after a service holds your records as that service keeps them.",
        "`golden_record.csv` is the hub's best single view of your details, and which",
        "service each detail came from.",
        "",
    ]
    for source_name, count in counts.items():
        source = config.sources.get(source_name)
        if source is None:
            continue
        lines += [
            f"## {source_name.replace('_', ' ').capitalize()} (`{source_name}.csv`)",
            "",
            *([source.description, ""] if source.description else []),
            f"- Rows about you: {count}",
            f"- Kept by: {source.owner}",
            f"- Why we hold it (lawful basis): {source.lawful_basis or 'not recorded'}",
            f"- How long we keep it: {source.retention or 'not recorded'}",
            "",
        ]
    if set_aside:
        lines += [
            f"## Rows we could not take in (`{SET_ASIDE_FILE}`)",
            "",
            f"- Rows about you: {set_aside}",
            "",
            "A service sent us these rows about you, but we could not take them in as they",
            "were (for example a row sent twice, or one cut short). We keep them, with the",
            "reason, so that the service can check and correct them.",
            "",
        ]
    lines += [
        "If anything here is wrong, you can ask us to correct it. You can also ask us to",
        "delete it, or to stop using it, and complain to the Information Commissioner's",
        "Office (ico.org.uk) if you are unhappy with how we use your information.",
        "",
    ]
    return "\n".join(lines)
