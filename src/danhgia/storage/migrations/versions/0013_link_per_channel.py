"""A person may link one account on each platform (Telegram, Zalo): links and invites get their channel, a link
the moment it was last switched to; one link per person and channel instead of one per person

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from danhgia.storage.types import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_UNIQUE = "telegram_link_person_id_key"  # PostgreSQL's name for 0001's unnamed UniqueConstraint("person_id")
NEW_UNIQUE = "uq_telegram_link_person_channel"


def _channel() -> sa.Column[str]:
    return sa.Column("channel", sa.String(length=16), server_default=sa.text("'telegram'"), nullable=False)


def _link_table(*, old: bool) -> sa.Table:
    """telegram_link as SQLite holds it before (old) or after this revision, for a batch copy that can name its
    constraints (SQLite keeps 0001's unique constraints unnamed)."""
    columns: list[SchemaItem] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("menu_signature", sa.String(length=32), nullable=True),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column("unreachable_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("telegram_user_id"),
    ]
    if old:
        columns.append(sa.UniqueConstraint("person_id", name=OLD_UNIQUE))
    else:
        columns += [_channel(), sa.Column("active_at", UTCDateTime(), nullable=True)]
        columns.append(sa.UniqueConstraint("person_id", "channel", name=NEW_UNIQUE))
    return sa.Table("telegram_link", sa.MetaData(), *columns)


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("telegram_link", copy_from=_link_table(old=True), recreate="always") as batch:
            batch.drop_constraint(OLD_UNIQUE, type_="unique")
            batch.add_column(_channel())
            batch.add_column(sa.Column("active_at", UTCDateTime(), nullable=True))
            batch.create_unique_constraint(NEW_UNIQUE, ["person_id", "channel"])
    else:
        op.drop_constraint(OLD_UNIQUE, "telegram_link", type_="unique")
        op.add_column("telegram_link", _channel())
        op.add_column("telegram_link", sa.Column("active_at", UTCDateTime(), nullable=True))
        op.create_unique_constraint(NEW_UNIQUE, "telegram_link", ["person_id", "channel"])
    with op.batch_alter_table("invite_code") as batch:
        batch.add_column(_channel())


def downgrade() -> None:
    """Undo this revision: every link but Telegram's is removed (one link per person again)."""
    op.execute(sa.text("DELETE FROM telegram_link WHERE channel <> 'telegram'"))
    with op.batch_alter_table("invite_code") as batch:
        batch.drop_column("channel")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("telegram_link", copy_from=_link_table(old=False), recreate="always") as batch:
            batch.drop_constraint(NEW_UNIQUE, type_="unique")
            batch.drop_column("active_at")
            batch.drop_column("channel")
            batch.create_unique_constraint(OLD_UNIQUE, ["person_id"])
    else:
        op.drop_constraint(NEW_UNIQUE, "telegram_link", type_="unique")
        op.drop_column("telegram_link", "active_at")
        op.drop_column("telegram_link", "channel")
        op.create_unique_constraint(OLD_UNIQUE, "telegram_link", ["person_id"])
