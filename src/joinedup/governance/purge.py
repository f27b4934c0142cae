"""Taking erased people out of the runs the hub keeps, now rather than three runs later.

An erasure takes effect in every read at once (erasure.py) and every later run drops the
person (corrections.apply_suppressions), but the served run's file and the two before it
that the hub keeps (analytical.KEEP_RUNS) still hold them until newer runs replace them.
A steward who needs those copies gone now purges the kept runs: each file is copied, the
erased people are dropped from the copy exactly as a run drops them, the copy is written
afresh (so no deleted row's bytes remain) and replaces the file in one step. A reader
that had the old file open goes on reading it, still through the view that hides the
person, until it next opens the run; the old bytes go when it does.

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


def _their_records(runs: list[Path], entity_ids: list[str]) -> list[str]:
    # Each run attached to a fresh connection: connecting to a path this process still has
    # open would be handed that open file, which a purge may since have replaced.
    found: set[str] = set()
    con = duckdb.connect()
    try:
        for path in runs:
            if not path.exists():
                continue
            con.execute(f"ATTACH '{analytical.sql_path(path)}' AS kept (READ_ONLY)")
            found.update(
                r[0]
                for r in con.execute(
                    "SELECT record_id FROM kept.record_entities "
                    "WHERE entity_id IN (SELECT unnest(?))",
                    [entity_ids],
                ).fetchall()
            )
            con.execute("DETACH kept")
    finally:
        con.close()
    return sorted(found)


def purge_kept_runs(data_dir: Path, entity_ids: Iterable[str]) -> list[PurgedRun]:
    """Drop the people `entity_ids` from every run the hub keeps; returns, per run, how
    many records went (a run that held none of theirs is left untouched)."""
    ids = sorted(set(entity_ids))
    runs = kept_runs(data_dir)
    if not ids or not runs:
        return []
    records = _their_records(runs, ids)
    purged: list[PurgedRun] = []
    for path in runs:
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
