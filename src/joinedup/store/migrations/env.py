"""Alembic's entry point, run by `joinedup.store.migrate.upgrade` (no alembic.ini on disk).

The caller hands over an open connection in `config.attributes["connection"]`, so the
migration runs on exactly the engine (and PostgreSQL search_path) the store uses.
Batch mode lets the same migration alter tables on SQLite, which cannot ALTER much.
"""

from __future__ import annotations

from alembic import context

from joinedup.store import models  # noqa: F401 - registers every table on Base.metadata
from joinedup.store.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through joinedup.store.migrate.upgrade")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
