"""Opening the operational store: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def store_url(data_dir: Path) -> str:
    """JOINEDUP_STORE_URL wins (PostgreSQL in production); else SQLite in the data dir."""
    return os.environ.get("JOINEDUP_STORE_URL") or f"sqlite:///{data_dir / 'operational.sqlite'}"


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Write-ahead log: readers never wait for a writer, and a commit is one append to the
    # log (still synced, so a committed audit event survives a power cut) instead of a
    # rewritten journal: the policy gate's audited decision went from ~25-30 ms to ~8 ms
    # on the loaded test machine (docs/api.md). It also lets several web worker processes
    # share the store. Not for a store on a network drive; use PostgreSQL there.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class OperationalStore:
    """Users, runs, quality history, cases and the audit trail."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _enable_sqlite_foreign_keys)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> OperationalStore:
        data_dir.mkdir(parents=True, exist_ok=True)
        store = cls(store_url(data_dir))
        store.create_schema()
        return store

    def create_schema(self) -> None:
        """Bring the schema up to date with the packaged Alembic migrations."""
        from joinedup.store.migrate import upgrade

        upgrade(self.engine)

    def session(self) -> Session:
        return self._sessions()
