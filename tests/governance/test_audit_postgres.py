"""The audit chain on PostgreSQL, where concurrent writers really run in parallel.

Needs a server: set JOINEDUP_TEST_PG_URL (e.g. postgresql+psycopg://user@localhost/db).
Each test works in its own throwaway schema, so the database is left as it was found.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from joinedup.governance.audit import chain_head, record_event, verify_chain
from joinedup.store.db import OperationalStore

pytestmark = pytest.mark.postgres
PG_URL = os.environ.get("JOINEDUP_TEST_PG_URL")


@pytest.fixture
def pg_store() -> Iterator[OperationalStore]:
    if not PG_URL:
        pytest.skip("JOINEDUP_TEST_PG_URL is not set")
    schema = f"joinedup_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    store = OperationalStore(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    store.create_schema()
    try:
        yield store
    finally:
        store.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_concurrent_writers_on_postgres_keep_one_chain(pg_store: OperationalStore) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                with pg_store.session() as session, session.begin():
                    record_event(
                        session, f"w{n}", "login", "session", "authentication", "allowed",
                        detail=str(i),
                    )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pg_store.session() as session:
        assert chain_head(session)[0] == 90
        assert verify_chain(session) == []


def test_rollback_on_postgres_leaves_no_event(pg_store: OperationalStore) -> None:
    with pg_store.session() as session:
        record_event(session, "ivy", "case.change", "case:x", "fraud_investigation", "allowed")
        session.rollback()
    with pg_store.session() as session:
        assert chain_head(session)[0] == 0
        assert verify_chain(session) == []
