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
    records_by_source: dict[str, int]


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
    per source with the rows as supplied), and audit it."""
    out.mkdir(parents=True, exist_ok=True)
    held = con.execute(
        "SELECT r.source, list(r.row_number ORDER BY r.row_number) FROM records r "
        "JOIN record_entities e USING (record_id) WHERE e.entity_id = ? GROUP BY r.source "
        "ORDER BY r.source",
        [entity_id],
    ).fetchall()
    if not held:
        raise SubjectAccessError(f"the hub holds no records for entity {entity_id}")
    counts: dict[str, int] = {}
    for source, row_numbers in held:
        raw = table_name("raw", source)
        con.execute(
            f'COPY (SELECT * EXCLUDE (row_number) FROM "{raw}" '
            f"WHERE row_number IN (SELECT unnest($rows)) ORDER BY row_number) "
            f"TO '{sql_path(out / f'{source}.csv')}' (HEADER)",
            {"rows": row_numbers},
        )
        counts[source] = len(row_numbers)
    con.execute(
        "COPY (SELECT field, value, source FROM golden_records WHERE entity_id = $id "
        f"ORDER BY field) TO '{sql_path(out / 'golden_record.csv')}' (HEADER)",
        {"id": entity_id},
    )
    (out / "README.md").write_text(_readme(config, counts, as_of), encoding="utf-8")
    with store.session() as session, session.begin():
        record_event(
            session, actor, "subject_access.export", f"entity:{entity_id}", "subject_access",
            "allowed", detail=f"{sum(counts.values())} records from {len(counts)} sources",
        )  # fmt: skip
    return SubjectPack(entity_id, out, counts)


def _readme(config: HubConfig, counts: dict[str, int], as_of: date) -> str:
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
            f"- Records about you: {count}",
            f"- Kept by: {source.owner}",
            f"- Why we hold it (lawful basis): {source.lawful_basis or 'not recorded'}",
            f"- How long we keep it: {source.retention or 'not recorded'}",
            "",
        ]
    lines += [
        "If anything here is wrong, you can ask us to correct it. You can also ask us to",
        "delete it, or to stop using it, and complain to the Information Commissioner's",
        "Office (ico.org.uk) if you are unhappy with how we use your information.",
        "",
    ]
    return "\n".join(lines)

