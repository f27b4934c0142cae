"""Cases: the human review of a match, and the notes written while reviewing it.

A case is keyed by the match's stable key, so a finding that reappears in a later run
keeps its case, its notes and its outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.store.base import Base, utcnow

CaseStatus = Literal["open", "under_review", "closed"]
CaseOutcome = Literal["fraud", "error", "no_issue"]
CASE_STATUSES: tuple[str, ...] = get_args(CaseStatus)
CASE_OUTCOMES: tuple[str, ...] = get_args(CaseOutcome)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    match_key: Mapped[str] = mapped_column(String(100), unique=True)
    rule: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)
    assignee: Mapped[str | None] = mapped_column(String(100), default=None)  # a username
    estimated_value: Mapped[float] = mapped_column(Float, default=0.0)
    amount_recovered: Mapped[float | None] = mapped_column(Float, default=None)
    amount_prevented: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    notes: Mapped[list[CaseNote]] = relationship(
        back_populates="case", order_by="CaseNote.id", cascade="all, delete-orphan"
    )


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))  # a username, kept if the user goes
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="notes")
