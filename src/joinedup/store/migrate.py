"""Bringing an operational store's schema up to date with Alembic, from Python.

`OperationalStore.create_schema` calls `upgrade` every time a hub opens its store, so a
council that installs a new version gets the new schema on first start, with no separate
step and no alembic.ini (the migrations ship inside the package, in store/migrations).

Two processes may open a new store at once (the web server and a CLI run), so the
upgrade holds a lock: an advisory lock on PostgreSQL, a lock file beside a SQLite file.
A store made before migrations existed (tables made by `create_all`, no alembic_version)
holds exactly revision 0001's schema, so it is stamped at 0001 and upgraded from there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"
# An arbitrary, fixed key for pg_advisory_lock: "JoinedUp" in ASCII, as a bigint.
_PG_LOCK_KEY = 0x4A6F696E65645570
_PRE_MIGRATION_REVISION = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config built in memory; the connection travels in its attributes to env.py."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("the operational store's migrations are missing")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate the store to the newest revision; does nothing when it is already there."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    with _migration_lock(engine), engine.begin() as connection:
        context = MigrationContext.configure(connection)
        config = alembic_config(connection)
        if context.get_current_revision() is None and inspect(connection).has_table("audit_head"):
            command.stamp(config, _PRE_MIGRATION_REVISION)
        command.upgrade(config, "head")


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one process per new store
        yield
        return
    with open(f"{database}.migrate-lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
