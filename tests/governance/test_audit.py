"""The audit trail is a hash chain: any edit, insertion or deletion must be reported."""

from __future__ import annotations

import threading

from sqlalchemy import delete, select, update

from joinedup.governance.audit import (
    GENESIS_HASH,
    chain_head,
    event_hash,
    record_event,
    verify_chain,
)
from joinedup.store.audit import AuditEvent, AuditHead
from joinedup.store.base import utcnow
from joinedup.store.db import OperationalStore


def write_events(store: OperationalStore, count: int) -> None:
    with store.session() as session, session.begin():
        for i in range(count):
            record_event(
                session,
                f"user{i % 3}",
                "match.view",
                f"match:{i:020x}",
                "fraud_investigation",
                "allowed" if i % 4 else "denied",
                fields=("name", "address"),
                detail=f"event {i}",
            )


def problems(store: OperationalStore, anchor: tuple[int, str] | None = None) -> list[str]:
    with store.session() as session:
        return verify_chain(session, anchor)


def test_an_untouched_chain_verifies(store: OperationalStore) -> None:
    assert problems(store) == []
    write_events(store, 10)
    assert problems(store) == []
    with store.session() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.seq for e in events] == list(range(1, 11))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert events[0].fields == "name,address"


def test_an_edited_event_is_caught(store: OperationalStore) -> None:
    write_events(store, 10)
    with store.session() as session, session.begin():
        session.execute(update(AuditEvent).where(AuditEvent.seq == 5).values(decision="allowed"))
    found = problems(store)
    assert found == ["event 5 has been edited (its hash does not match)"]


def test_an_edit_with_a_recomputed_hash_is_still_caught(store: OperationalStore) -> None:
    write_events(store, 10)
    with store.session() as session, session.begin():
        event = session.get(AuditEvent, 4)
        assert event is not None
        event.actor = "someone_else"
        event.hash = event_hash(event.prev_hash, event)
    found = problems(store)
    assert len(found) == 1 and found[0].startswith("event 5 does not follow")


def test_an_inserted_event_is_caught(store: OperationalStore) -> None:
    """A forger makes room at seq 5 and chains the new event to event 4 correctly."""
    write_events(store, 10)
    with store.session() as session, session.begin():
        for seq in range(10, 4, -1):  # shift 5..10 up by one, from the top down
            session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq + 1))
        before = session.get(AuditEvent, 4)
        assert before is not None
        forged = AuditEvent(
            seq=5,
            at=utcnow(),
            actor="admin",
            action="case.change",
            resource="case:forged",
            purpose="fraud_investigation",
            decision="allowed",
            fields="",
            detail=None,
            prev_hash=before.hash,
        )
        forged.hash = event_hash(forged.prev_hash, forged)
        session.add(forged)
    found = problems(store)
    assert any(p.startswith("event 6 does not follow") for p in found)
    assert any(p.startswith("event 6 has been edited") for p in found)  # its seq changed
    assert found[-1].startswith("the trail ends at event 11 but its head records event 10")


def test_an_event_appended_outside_the_writer_is_caught(store: OperationalStore) -> None:
    write_events(store, 3)
    with store.session() as session, session.begin():
        session.add(
            AuditEvent(
                seq=4, at=utcnow(), actor="x", action="login", resource="session",
                purpose="authentication", decision="allowed", fields="", detail=None,
                prev_hash="f" * 64, hash="e" * 64,
            )
        )  # fmt: skip
    found = problems(store)
    assert found == [
        "event 4 does not follow the event before it "
        "(an event before it was edited, inserted or deleted)",
        "event 4 has been edited (its hash does not match)",
        "the trail ends at event 4 but its head records event 3 "
        "(events were cut from the end, or added outside the writer)",
    ]


def test_a_deleted_event_is_caught(store: OperationalStore) -> None:
    write_events(store, 10)
    with store.session() as session, session.begin():
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 6))
    found = problems(store)
    assert "event 6 is missing (deleted)" in found
    assert any(p.startswith("event 7 does not follow") for p in found)


def test_a_cut_off_tail_is_caught_by_the_head(store: OperationalStore) -> None:
    write_events(store, 10)
    with store.session() as session, session.begin():
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= 9))
    assert problems(store) == [
        "the trail ends at event 8 but its head records event 10 "
        "(events were cut from the end, or added outside the writer)"
    ]


def test_a_cut_tail_with_a_forged_head_is_caught_only_with_an_anchor(
    store: OperationalStore,
) -> None:
    write_events(store, 10)
    with store.session() as session:
        anchor = chain_head(session)
    assert anchor[0] == 10
    assert problems(store, anchor) == []
    with store.session() as session, session.begin():
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= 9))
        last = session.get(AuditEvent, 8)
        assert last is not None
        session.execute(update(AuditHead).values(seq=8, hash=last.hash))
    assert problems(store) == [], "without an anchor a careful forger goes unseen"
    assert problems(store, anchor) == [
        "the recorded anchor event 10 is missing (the trail was cut short)"
    ]


def test_the_event_is_rolled_back_with_its_transaction(store: OperationalStore) -> None:
    with store.session() as session:
        record_event(session, "ivy", "case.change", "case:x", "fraud_investigation", "allowed")
        session.rollback()
    with store.session() as session:
        assert chain_head(session) == (0, GENESIS_HASH)


def test_concurrent_writers_keep_one_unbroken_chain(store: OperationalStore) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with store.session() as session, session.begin():
                    record_event(
                        session,
                        f"w{n}",
                        "login",
                        "session",
                        "authentication",
                        "allowed",
                        detail=str(i),
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.session() as session:
        assert chain_head(session)[0] == 40
    assert problems(store) == []
