"""The Zalo channel: Zalo ids and their integers, each chat's latest panel and message counter, the events recorded

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from danhgia.storage.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "zalo_chat",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("zalo_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("zalo_id"),
    )
    op.create_table(
        "zalo_panel",
        sa.Column("chat", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("panel", sa.JSON(), nullable=True),
        sa.Column("last_message_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chat"),
    )
    op.create_table(
        "zalo_event",
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat", sa.BigInteger(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
        sa.UniqueConstraint("update_id"),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("zalo_event")
    op.drop_table("zalo_panel")
    op.drop_table("zalo_chat")
