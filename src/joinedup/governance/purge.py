"""Taking erased people out of the runs the hub keeps, not only out of the newest.

An erasure takes effect in every read at once (erasure.py) and every later run drops the
person from its own store (corrections.apply_suppressions), but the runs kept from before
(analytical.KEEP_RUNS) still hold them until newer runs replace them. So each run, once
published, rewrites the kept runs that still hold an erased person (hub.py), and a
steward can do it at once (`joinedup erasure purge`): each such file is copied, the
people are dropped from the copy exactly as a run drops them, the copy is written afresh
(so no deleted row's bytes remain) and replaces the file in one step. A reader that had
the old file open goes on reading it, still through the view that hides the person,
until it next opens the run (the served connection reopens when its file is replaced).
A run that holds none of them is only read.

Entity ids are stable, but a person's records may have sat under another id in an older
run (before two entities merged, say), so in every kept run the purge drops the erased
entities and any entity holding one of their records in any kept run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from joinedup.engine import analytical
from joinedup.governance.corrections import apply_suppressions


@dataclass(frozen=True)
class PurgedRun:
    run_id: str
    records_dropped: int


def kept_runs(data_dir: Path) -> list[Path]:
    """The published runs on disk, oldest first."""
    return sorted(analytical.runs_dir(data_dir).glob("*.duckdb"), key=lambda p: p.stat().st_mtime)


def _find(runs: list[Path], entity_ids: list[str]) -> tuple[list[str], list[Path]]:
    """The people's records in any kept run, and the runs that hold one of the people or
    of those records: read in place, so a run that holds nobody is not copied."""
    # Attached to a fresh connection: connecting to a path this process still has open
    # would be handed that open file, which a purge may since have replaced.
    con = duckdb.connect()
    try:
        present = [p for p in runs if p.exists()]
        for i, path in enumerate(present):
            con.execute(f"ATTACH '{analytical.sql_path(path)}' AS kept{i} (READ_ONLY)")
        records = sorted(
            {
                r[0]
                for i in range(len(present))
                for r in con.execute(
                    f"SELECT record_id FROM kept{i}.record_entities "
                    "WHERE entity_id IN (SELECT unnest(?))",
                    [entity_ids],
                ).fetchall()
            }
        )
        holding = [
            path
            for i, path in enumerate(present)
            if con.execute(
                f"SELECT 1 FROM kept{i}.record_entities WHERE entity_id IN (SELECT unnest($ids)) "
                "OR record_id IN (SELECT unnest($records)) LIMIT 1",
                {"ids": entity_ids, "records": records},
            ).fetchone()
        ]
        return records, holding
    finally:
        con.close()


def purge_kept_runs(data_dir: Path, entity_ids: Iterable[str]) -> list[PurgedRun]:
    """Drop the people `entity_ids` from every run the hub keeps; returns, per run, how
    many records went (a run that holds none of theirs is not touched)."""
    ids = sorted(set(entity_ids))
    runs = kept_runs(data_dir)
    if not ids or not runs:
        return []
    records, holding = _find(runs, ids)
    purged: list[PurgedRun] = []
    for path in holding:
        work = path.with_name(path.name + ".purging")
        try:
            shutil.copyfile(path, work)
        except FileNotFoundError:  # a run finishing meanwhile removed it as too old
            continue
        try:
            con = analytical.connect(work)
            try:
                people = [
                    r[0]
                    for r in con.execute(
                        "SELECT DISTINCT entity_id FROM record_entities WHERE entity_id IN "
                        "(SELECT unnest($ids)) OR record_id IN (SELECT unnest($records))",
                        {"ids": ids, "records": records},
                    ).fetchall()
                ]
                dropped = apply_suppressions(con, people) if people else 0
                con.execute("CHECKPOINT")
            finally:
                con.close()
            if dropped:
                analytical.write_afresh(work)
                # The hub orders its runs by modification time (which to keep, which to
                # remove), so the purged file keeps the original's.
                try:
                    stat = path.stat()
                except FileNotFoundError:  # removed meanwhile: not to be brought back
                    continue
                os.replace(work, path)
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
                purged.append(PurgedRun(path.name.removesuffix(".duckdb"), dropped))
        finally:
            work.unlink(missing_ok=True)
    return purged
