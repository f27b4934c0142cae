"""Runs and what they measured: row counts per source and quality results, kept for trends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, utcnow


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, succeeded, failed
    message: Mapped[str | None] = mapped_column(Text, default=None)
    as_of: Mapped[str | None] = mapped_column(String(10), default=None)


class SourceRun(Base):
    """One source's snapshot in one run: the counts that must reconcile."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    rows_in: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class QualityResult(Base):
    """One dimension of one field of one source in one run; score is the share that passed."""

    __tablename__ = "quality_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[str] = mapped_column(String(20))  # completeness, validity, uniqueness
    passed: Mapped[int] = mapped_column(Integer)
    checked: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
