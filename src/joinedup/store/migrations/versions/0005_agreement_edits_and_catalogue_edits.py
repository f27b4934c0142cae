"""Agreement status and review date edited in the web UI, and catalogue edits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("declared_status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("declared_review_date", sa.Date(), nullable=True))
    op.create_table(
        "catalogue_edits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("column", sa.String(length=200), nullable=False),
        sa.Column("attribute", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("edited_by", sa.String(length=100), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "column", "attribute"),
    )


def downgrade() -> None:
    op.drop_table("catalogue_edits")
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("declared_review_date")
        batch.drop_column("declared_status")
