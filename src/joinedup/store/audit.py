"""The audit trail: one row per decision or change, chained by hash so edits show.

Only governance/audit.py writes here. `audit_head` is a single row holding the newest
event's seq and hash. A writer updates it *before* it reads the previous hash, so the
update takes the write lock (a row lock in PostgreSQL, the database lock in SQLite) and
concurrent writers queue instead of racing for the same place in the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)  # a username, or "system"
    action: Mapped[str] = mapped_column(String(100))
    resource: Mapped[str] = mapped_column(String(200), index=True)  # opaque ids only
    purpose: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(10))  # allowed, denied
    fields: Mapped[str] = mapped_column(Text, default="")  # comma-separated field names
    detail: Mapped[str | None] = mapped_column(Text, default=None)  # never personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's newest (seq, hash); exactly one row, id 1, created with the table."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


# The row exists from the moment the table does, so no two writers ever race to create
# it. An Alembic migration that creates the table must insert the same row.
event.listen(
    AuditHead.__table__,
    "after_create",
    DDL(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')"),
)
