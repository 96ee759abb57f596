"""The Telegram Stars of paid broadcasts: what each month reserved, and each message's reservation until its answer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from danhgia.storage.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "stars_month",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("paused_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("month"),
    )
    op.create_table(
        "stars_reservation",
        sa.Column("outbox_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("tenths", sa.Integer(), nullable=False),
        sa.Column("reserved_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id"),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("stars_reservation")
    op.drop_table("stars_month")
