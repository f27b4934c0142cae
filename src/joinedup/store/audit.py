"""The audit trail: one row per decision or change, chained by hash so edits show.

Only governance/audit.py writes here. `seq` is the primary key and is assigned by the
writer, so two writers racing for the same place in the chain cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base


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
