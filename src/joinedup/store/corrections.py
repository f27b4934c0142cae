"""Corrections, their notices to source owners, and erasure suppressions.

A correction is a change of one field of a person's details (keyed by the person's
stable entity id), submitted by staff and approved or rejected by a data steward. An
approved correction overrides the golden record on every later run. The notice tells each
source's owner that the hub now holds a different value, so the source can be put right
at its root (the hub cannot write to the source systems).

A suppression records an erasure (or restriction) of one person: every later run and
every read leaves out the person's records, golden record and matches. It is kept, with
its reason, so the erasure itself survives the next run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.store.base import Base, utcnow

CorrectionStatus = Literal["submitted", "approved", "rejected"]
CORRECTION_STATUSES: tuple[str, ...] = get_args(CorrectionStatus)


class Correction(Base):
    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(String(40), index=True)
    field: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(200))  # personal data: never logged or audited
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    submitted_by: Mapped[str] = mapped_column(String(100))  # usernames, kept if users go
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    review_note: Mapped[str] = mapped_column(Text, default="")

    notices: Mapped[list[CorrectionNotice]] = relationship(
        back_populates="correction", order_by="CorrectionNotice.id", cascade="all, delete-orphan"
    )

    @property
    def provenance(self) -> str:
        return f"correction #{self.id} approved by {self.reviewed_by}"


class CorrectionNotice(Base):
    """One source owner told of an approved correction (a record to act on; no email)."""

    __tablename__ = "correction_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    correction_id: Mapped[int] = mapped_column(
        ForeignKey("corrections.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)

    correction: Mapped[Correction] = relationship(back_populates="notices")


class Suppression(Base):
    """An erased person: left out of every later run and every read."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(String(40), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # no personal data: a reference
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
