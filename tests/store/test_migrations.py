"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from joinedup.store import models  # noqa: F401 - registers every table
from joinedup.store.audit import GENESIS_HASH, AuditHead
from joinedup.store.base import Base
from joinedup.store.db import OperationalStore
from joinedup.store.migrate import current_revision, head_revision, upgrade
from joinedup.store.users import User


def schema_differences(store: OperationalStore) -> list[object]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrated_schema_equals_the_models(store: OperationalStore) -> None:
    assert schema_differences(store) == []
    assert current_revision(store.engine) == head_revision()
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migration_creates_the_audit_head_row(store: OperationalStore) -> None:
    with store.session() as session:
        rows = session.execute(select(AuditHead.id, AuditHead.seq, AuditHead.hash)).all()
    assert [tuple(r) for r in rows] == [(1, 0, GENESIS_HASH)]


def test_upgrading_an_up_to_date_store_changes_nothing(store: OperationalStore) -> None:
    store.create_schema()
    store.create_schema()
    assert schema_differences(store) == []
    with store.session() as session:
        assert session.scalar(select(AuditHead.seq)) == 0


def test_a_store_made_before_migrations_is_stamped_and_upgraded(tmp_path: Path) -> None:
    """Stores made by create_all (earlier builds) hold revision 0001's schema exactly."""
    from alembic import command

    from joinedup.store.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.exec_driver_sql("DROP TABLE alembic_version")
        connection.exec_driver_sql(
            "INSERT INTO users (username, display_name, role, password_hash, failed_logins, "
            "created_at) VALUES ('ann', 'Ann', 'analyst', 'x', 0, '2026-01-01 00:00:00')"
        )
    engine.dispose()
    store = OperationalStore(url)
    store.create_schema()
    assert current_revision(store.engine) == head_revision()
    assert schema_differences(store) == []
    with store.session() as session:  # the data comes through; the new column is empty
        ann = session.scalars(select(User)).one()
        assert (ann.username, ann.organisation) == ("ann", None)


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    from alembic import command

    from joinedup.store.migrate import alembic_config

    store = OperationalStore(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.create_schema()
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    upgrade(store.engine)
    assert schema_differences(store) == []


def test_two_processes_opening_a_new_store_at_once(tmp_path: Path) -> None:
    """The web server and a CLI run may both be first; the lock makes one wait."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def opener() -> None:
        try:
            barrier.wait()
            OperationalStore.for_data_dir(tmp_path / "data")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = OperationalStore.for_data_dir(tmp_path / "data")
    assert schema_differences(store) == []
    with store.session() as session:
        assert session.scalar(select(AuditHead.seq)) == 0
