"""The one audit writer, and the check that the trail has not been changed.

Each event's hash is sha256(prev_hash + canonical JSON of the event), so editing,
inserting or deleting an event breaks the chain from that point on. A chain can still be
cut short at the end or rewritten wholesale by someone with write access to the store;
record `chain_head()` somewhere else (a ticket, a signed email) and pass it back to
`verify_chain` as an anchor to catch that too.

Callers own the transaction: the event commits (or rolls back) with the change it
describes, so the trail never claims a change that did not happen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from joinedup.store.audit import AuditEvent
from joinedup.store.base import utcnow

Decision = Literal["allowed", "denied"]
GENESIS_HASH = "0" * 64
_RETRIES = 5


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
    """Append one event to the chain (flushed, not committed).

    `resource` and `detail` must hold opaque ids and counts only, never personal data:
    the trail is kept longer than the data it describes.
    """
    if decision not in ("allowed", "denied"):
        raise ValueError(f"decision must be 'allowed' or 'denied', not {decision!r}")
    for field in fields:
        if "," in field:
            raise ValueError(f"field name {field!r} may not contain a comma")
    for _attempt in range(_RETRIES):
        seq, prev_hash = chain_head(session)
        event = AuditEvent(
            seq=seq + 1,
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
        # A savepoint, so losing a race for this seq to another writer costs one retry,
        # not the caller's whole transaction.
        try:
            with session.begin_nested():
                session.add(event)
        except IntegrityError:
            continue
        return event
    raise RuntimeError("could not append to the audit trail: too many concurrent writers")


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
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                problems.append(
                    f"events {expected_seq}..{event.seq - 1} are missing (deleted)"
                )
            else:
                problems.append(f"event {event.seq} is out of order")
        if event.prev_hash != prev_hash:
            problems.append(
                f"event {event.seq} does not follow the event before it "
                "(an event was inserted or deleted here)"
            )
        if event_hash(event.prev_hash, event) != event.hash:
            problems.append(f"event {event.seq} has been edited (its hash does not match)")
        if anchor is not None and event.seq == anchor[0]:
            seen_anchor = True
            if event.hash != anchor[1]:
                problems.append(f"event {event.seq} differs from the recorded anchor")
        expected_seq = event.seq + 1
        prev_hash = event.hash
    if not seen_anchor:
        problems.append(
            f"the recorded anchor event {anchor[0]} is missing (the trail was cut short)"  # type: ignore[index]
        )
    return problems
