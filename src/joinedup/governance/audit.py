"""The one audit writer, and the check that the trail has not been changed.

Each event's hash is sha256(prev_hash + canonical JSON of the event), so editing,
inserting or deleting an event breaks the chain from that point on. The head row
(store/audit.py) also records the newest event, so cutting events off the end shows
unless the head is rewritten too. Someone with full write access to the store can still
rewrite the whole chain; record `chain_head()` somewhere else now and then (a ticket, a
signed email) and pass it to `verify_chain` as an anchor to catch that.

Callers own the transaction: the event commits (or rolls back) with the change it
describes, so the trail never claims a change that did not happen. No savepoints: the
SQLite driver's default transaction handling turns a savepoint into a commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from joinedup.store.audit import GENESIS_HASH, AuditEvent, AuditHead
from joinedup.store.base import utcnow

Decision = Literal["allowed", "denied"]
__all__ = ["GENESIS_HASH", "chain_head", "event_hash", "record_event", "verify_chain"]


def canonical_json(event: AuditEvent) -> str:
    """The bytes that are hashed: every field except the hashes, in a fixed form."""
    payload = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "resource": event.resource,
        "purpose": event.purpose,
        "decision": event.decision,
        "fields": event.fields,
        "detail": event.detail,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


def chain_head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest event; (0, GENESIS_HASH) for an empty trail."""
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS_HASH)


# Plain Core statements on the session's connection: the audit write is on every
# personal-data request, and the ORM's unit of work (identity map, flush) cost more than
# the three statements themselves (benchmarks/profile_api_requests.py).
_HEAD = AuditHead.__table__
_EVENTS = AuditEvent.__table__
_CLAIM = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + 1)
    .returning(_HEAD.c.seq, _HEAD.c.hash)
)
_INSERT = insert(_EVENTS)
_COLUMNS = tuple(c.name for c in _EVENTS.columns)
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(hash=bindparam("new_hash"))


def _take_next_seq(connection: Connection) -> tuple[int, str]:
    """Claim the next seq (taking the write lock) and return it with the previous hash."""
    claimed = connection.execute(_CLAIM).one_or_none()
    if claimed is None:
        raise RuntimeError("the audit_head row is missing; the store schema is incomplete")
    return claimed.seq, claimed.hash


def record_event(
    session: Session,
    actor: str,
    action: str,
    resource: str,
    purpose: str,
    decision: Decision,
    fields: Sequence[str] = (),
    detail: str | None = None,
) -> AuditEvent:
    """Append one event to the chain (written in the caller's transaction, not committed).

    The event returned is not added to the session: it is a record of what was written.

    `resource` and `detail` must hold opaque ids and counts only, never personal data:
    the trail is kept longer than the data it describes.
    """
    if decision not in ("allowed", "denied"):
        raise ValueError(f"decision must be 'allowed' or 'denied', not {decision!r}")
    for field in fields:
        if "," in field:
            raise ValueError(f"field name {field!r} may not contain a comma")
    session.flush()  # the caller's pending changes first, in the order they were made
    connection = session.connection()
    seq, prev_hash = _take_next_seq(connection)
    event = AuditEvent(
        seq=seq,
        at=utcnow(),
        actor=actor,
        action=action,
        resource=resource,
        purpose=purpose,
        decision=decision,
        fields=",".join(fields),
        detail=detail,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(prev_hash, event)
    connection.execute(_INSERT, {c: getattr(event, c) for c in _COLUMNS})
    connection.execute(_SET_HEAD_HASH, {"new_hash": event.hash})
    return event


def verify_chain(session: Session, anchor: tuple[int, str] | None = None) -> list[str]:
    """Every problem found in the trail, in plain words; an empty list means intact.

    Streams the events in seq order so a long trail does not have to fit in memory.
    """
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    seen_anchor = anchor is None or anchor[0] == 0
    stream = session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    )
    for event in stream:
        if event.seq > expected_seq:  # seq is the primary key, so never smaller
            missing = (
                f"event {expected_seq} is"
                if event.seq == expected_seq + 1
                else f"events {expected_seq} to {event.seq - 1} are"
            )
            problems.append(f"{missing} missing (deleted)")
        if event.prev_hash != prev_hash:
            problems.append(
                f"event {event.seq} does not follow the event before it "
                "(an event before it was edited, inserted or deleted)"
            )
        if event_hash(event.prev_hash, event) != event.hash:
            problems.append(f"event {event.seq} has been edited (its hash does not match)")
        if anchor is not None and event.seq == anchor[0]:
            seen_anchor = True
            if event.hash != anchor[1]:
                problems.append(f"event {event.seq} differs from the recorded anchor")
        expected_seq = event.seq + 1
        prev_hash = event.hash
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        problems.append("the audit_head row is missing")
    elif (head.seq, head.hash) != (expected_seq - 1, prev_hash):
        problems.append(
            f"the trail ends at event {expected_seq - 1} but its head records event "
            f"{head.seq} (events were cut from the end, or added outside the writer)"
        )
    if not seen_anchor:
        problems.append(
            f"the recorded anchor event {anchor[0]} is missing (the trail was cut short)"  # type: ignore[index]
        )
    return problems
