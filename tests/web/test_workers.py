"""Several web worker processes share one store: their audit writes must keep one chain.

Each process stands in for a `joinedup serve --workers N` worker: its own engine on the
same SQLite file, several threads asking the policy gate at once (deps.gate, as the
routes do). Afterwards the trail must hold every event exactly once, in one unbroken
hash chain.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from joinedup.governance.audit import verify_chain
from joinedup.governance.users import create_user
from joinedup.store.audit import AuditEvent
from joinedup.store.db import OperationalStore
from joinedup.store.users import User

PROCESSES, THREADS, EACH = 4, 4, 10


def _worker(data_dir: str, worker: int) -> int:
    from joinedup.web.deps import gate

    store = OperationalStore.for_data_dir(Path(data_dir))

    def ask(n: int) -> bool:
        with store.session() as db:
            user = db.scalars(select(User).where(User.username == "ivy")).one()
            resource = f"person:W{worker}N{n}"
            return gate(db, user, "records.view", resource, "fraud_investigation").allowed

    with ThreadPoolExecutor(THREADS) as pool:
        return sum(pool.map(ask, range(THREADS * EACH)))


def test_concurrent_workers_keep_one_unbroken_audit_chain(tmp_path: Path) -> None:
    store = OperationalStore.for_data_dir(tmp_path)
    with store.session() as db, db.begin():
        create_user(db, "ivy", "correct horse battery staple", "investigator")
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        allowed = pool.starmap(_worker, [(str(tmp_path), w) for w in range(PROCESSES)])
    expected = PROCESSES * THREADS * EACH
    assert sum(allowed) == expected
    with store.session() as db:
        assert verify_chain(db) == []
        reads = select(func.count()).where(AuditEvent.action == "records.view")
        assert db.scalar(reads) == expected
        resources = set(
            db.scalars(select(AuditEvent.resource).where(AuditEvent.action == "records.view"))
        )
        assert len(resources) == expected
        journal = db.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
        assert journal == "wal"
