"""Catalogue edits made in the web UI, laid over what joinedup.yaml declares.

One row per (source, column, attribute): a source-level attribute (owner, steward,
classification, lawful basis, retention, refresh) has column "", a column's personal
data category has the column's name and attribute "personal_data". The latest edit wins
over the YAML until someone removes it (governance/catalogue.py reads both).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, utcnow


class CatalogueEdit(Base):
    __tablename__ = "catalogue_edits"
    __table_args__ = (UniqueConstraint("source", "column", "attribute"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    column: Mapped[str] = mapped_column(String(200), default="")
    attribute: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(Text)  # descriptions of data, never data itself
    edited_by: Mapped[str] = mapped_column(String(100))
    edited_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
