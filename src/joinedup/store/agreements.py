"""Data sharing agreements, as the policy gate reads them.

The council declares agreements in joinedup.yaml (config as code, reviewed like any
other change); the hub copies them here when it opens (governance/agreements.py), so
the gate answers from one place and the audit trail records when an agreement changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.store.base import Base, utcnow

# What the agreement's owner says; the gate also looks at the dates (see effective_state).
AgreementStatus = Literal["draft", "active", "suspended", "ended", "withdrawn"]
AGREEMENT_STATUSES: tuple[str, ...] = get_args(AgreementStatus)


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # the key in joinedup.yaml
    title: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    review_date: Mapped[date | None] = mapped_column(Date, default=None)
    # What joinedup.yaml last said of the two things the web UI may change (status and
    # review date): a sync changes them only when the YAML's value itself changed, so
    # the latest change wins, wherever it was made (governance/agreements.py).
    declared_status: Mapped[str | None] = mapped_column(String(20), default=None)
    declared_review_date: Mapped[date | None] = mapped_column(Date, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", order_by="AgreementParty.id", cascade="all, delete-orphan"
    )
    shares: Mapped[list[AgreementShare]] = relationship(
        back_populates="agreement", order_by="AgreementShare.id", cascade="all, delete-orphan"
    )


class AgreementParty(Base):
    """One organisation in an agreement, with the lawful basis it relies on."""

    __tablename__ = "agreement_parties"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    organisation: Mapped[str] = mapped_column(String(100), index=True)
    lawful_basis: Mapped[str] = mapped_column(Text)  # UK GDPR Art 6
    special_category_condition: Mapped[str | None] = mapped_column(Text, default=None)  # Art 9

    agreement: Mapped[Agreement] = relationship(back_populates="parties")


class AgreementShare(Base):
    """One field of one source that the agreement lets its parties see."""

    __tablename__ = "agreement_shares"
    __table_args__ = (UniqueConstraint("agreement_id", "source", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(100))

    agreement: Mapped[Agreement] = relationship(back_populates="shares")
