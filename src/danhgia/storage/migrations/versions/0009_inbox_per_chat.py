"""The inbox read per chat: several instances take a chat's pending updates in order and learn its panel edits

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_inbound_update_chat", "inbound_update", ["chat_key", "update_id"], unique=False)
    op.create_index(
        "ix_inbound_update_chat_pending",
        "inbound_update",
        ["chat_key", "update_id"],
        unique=False,
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_inbound_update_chat_pending", table_name="inbound_update")
    op.drop_index("ix_inbound_update_chat", table_name="inbound_update")
