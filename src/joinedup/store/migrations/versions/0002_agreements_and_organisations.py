"""Data sharing agreements (parties, shared fields) and each user's organisation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_agreements_purpose", "agreements", ["purpose"])
    op.create_table(
        "agreement_parties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("lawful_basis", sa.Text(), nullable=False),
        sa.Column("special_category_condition", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "organisation"),
    )
    op.create_index("ix_agreement_parties_agreement_id", "agreement_parties", ["agreement_id"])
    op.create_index("ix_agreement_parties_organisation", "agreement_parties", ["organisation"])
    op.create_table(
        "agreement_shares",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "source", "field"),
    )
    op.create_index("ix_agreement_shares_agreement_id", "agreement_shares", ["agreement_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("organisation", sa.String(length=100), nullable=True))
        batch.create_index("ix_users_organisation", ["organisation"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_organisation")
        batch.drop_column("organisation")
    op.drop_table("agreement_shares")
    op.drop_table("agreement_parties")
    op.drop_table("agreements")
