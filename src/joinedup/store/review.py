"""Clerical review labels and the saved person-linking models.

A label is one reviewer's answer about one pair of records: the same person, different
people, or not sure. It is keyed by the two records' stable ids (source and the source's
own record key, as `record_id` is built), never by a run's cluster or entity ids, so a
label made today still applies to the same two records in every later run.

A link model is the trained Splink settings (JSON) that scored one run's pairs, kept with a
version number so a later run can be told to reuse it and anyone can see which model made
which links. `LinkModelUse` records each run that scored with a version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, utcnow

ReviewDecision = Literal["same", "different", "unsure"]
REVIEW_DECISIONS: tuple[str, ...] = get_args(ReviewDecision)


class ReviewLabel(Base):
    """A reviewer's answer about a pair; the latest answer replaces an earlier one."""

    __tablename__ = "review_labels"
    __table_args__ = (UniqueConstraint("record_id_l", "record_id_r"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The pair in order (record_id_l < record_id_r): "<source>:<record key>" each.
    record_id_l: Mapped[str] = mapped_column(String(200))
    record_id_r: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(20), index=True)
    reviewer: Mapped[str] = mapped_column(String(100))  # a username, kept if the user goes
    run_id: Mapped[str | None] = mapped_column(String(40), default=None)  # run reviewed
    match_probability: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LinkModel(Base):
    """One trained person-linking model; the same JSON is never stored twice."""

    __tablename__ = "link_models"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trained_in_run: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How it was trained: "without labels", or "with labels" (see link/review.py).
    method: Mapped[str] = mapped_column(String(40))
    labels_used: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    model_json: Mapped[str] = mapped_column(Text)


class LinkModelUse(Base):
    """The model version a run scored its pairs with (trained there, or reused)."""

    __tablename__ = "link_model_uses"

    run_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(
        ForeignKey("link_models.version", ondelete="CASCADE"), index=True
    )
    reused: Mapped[bool] = mapped_column(default=False)
    labels_applied: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
