"""The served run's people, held in memory once per run, for fast person reads.

A person page (and GET /api/v1/people/{id}) needs a person's golden record, the ids of
their records and those records. Asked of the analytical store one person at a time, that
is three scans of large tables (~40-60 ms on a 20,000-person council, more under load).
The served run never changes, so the web reads it all once, on the first person request
after a new run or a new erasure, and answers from dictionaries after that (~1 s and
~30 MB per 20,000 people; docs/web.md). It is built from `reads.served_cursor`, so erased
people are left out exactly as in every other read. This is a cache of what the gate
protects, not a way around it: callers ask the gate first, as before.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from joinedup.readmodel import RecordView
from joinedup.web import reads


@dataclass(frozen=True)
class ServedPeople:
    golden: dict[str, list[dict[str, Any]]]  # entity_id -> golden rows, by field
    record_ids: dict[str, list[str]]  # entity_id -> its record ids, sorted
    records: dict[str, list[RecordView]]  # entity_id -> its record views, in page order

    def person(
        self, entity_id: str
    ) -> tuple[list[str], list[dict[str, Any]], list[RecordView]] | None:
        """(record ids, golden rows, record views) of a person, or None if not served."""
        ids = self.record_ids.get(entity_id)
        if not ids:
            return None
        return ids, self.golden.get(entity_id, []), self.records.get(entity_id, [])


log = logging.getLogger(__name__)
_cache: dict[str, tuple[object, ServedPeople]] = {}
_lock = threading.Lock()


def _served_key(hub: Any) -> object:
    from joinedup.engine import analytical

    erased = getattr(hub, "erased_entities", None)
    return (
        analytical.current_run_id(hub.config.data_dir),
        erased() if callable(erased) else frozenset(),
    )


# Rows are read in batches so no single call holds the interpreter for long: other
# threads (requests, and the worker's health check, see app.serve) keep running meanwhile.
BATCH = 5_000


def _build(hub: Any) -> ServedPeople:
    con = reads.served_cursor(hub)
    try:
        golden: dict[str, list[dict[str, Any]]] = defaultdict(list)
        cursor = con.execute(
            "SELECT entity_id, field, value, rule, source, seen, support, alternatives "
            "FROM golden_records ORDER BY entity_id, field"
        )
        names = [d[0] for d in cursor.description][1:]
        while rows := cursor.fetchmany(BATCH):
            for entity_id, *values in rows:
                golden[entity_id].append(dict(zip(names, values, strict=True)))
        record_ids: dict[str, list[str]] = defaultdict(list)
        cursor = con.execute(
            "SELECT entity_id, record_id FROM record_entities ORDER BY entity_id, record_id"
        )
        while rows := cursor.fetchmany(BATCH):
            for entity_id, record_id in rows:
                record_ids[entity_id].append(record_id)
        entities = list(record_ids)
        records: dict[str, list[RecordView]] = defaultdict(list)
        for start in range(0, len(entities), BATCH // 5):
            batch = [rid for e in entities[start : start + BATCH // 5] for rid in record_ids[e]]
            for view in hub.record_views(con, batch):
                if view.entity_id is not None:
                    records[view.entity_id].append(view)
    finally:
        con.close()
    return ServedPeople(dict(golden), dict(record_ids), dict(records))


def served_people(hub: Any) -> ServedPeople:
    """The people of the served run, built on first use after a new run or erasure.

    One build at a time; requests that arrive meanwhile wait for it rather than building
    their own copy."""
    key = (str(hub.config.data_dir), _served_key(hub))
    cached = _cache.get(key[0])
    if cached is not None and cached[0] == key[1]:
        return cached[1]
    with _lock:
        cached = _cache.get(key[0])
        if cached is None or cached[0] != key[1]:
            cached = (key[1], _build(hub))
            _cache[key[0]] = cached
        return cached[1]


def warm_in_background(hub: Any) -> None:
    """Build the served people in a background thread, if the hub has a run to read."""

    def warm() -> None:
        try:
            if hub.has_run() and hasattr(hub, "record_views"):
                served_people(hub)
        except Exception:  # noqa: BLE001 - a warm-up; the first request builds it instead
            log.warning("could not read the served people ahead of time")

    threading.Thread(target=warm, name="warm-people", daemon=True).start()
