"""A regime per person: the person's category, the regime of each record, the units' choice per category, and the
level each unit itself was rated (its head is not rated above it)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:00:00

Existing records keep the regime of their period (the behaviour before this revision).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from danhgia.storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("category", sa.String(length=32), nullable=False, server_default=""))
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("regime_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("category", sa.String(length=32), nullable=False, server_default=""))
    op.execute(
        "UPDATE assessment SET regime_id = (SELECT period.regime_id FROM period WHERE period.id = assessment.period_id)"
    )
    op.create_table(
        "unit_regime",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("regime_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "category", name="uq_unit_regime_category"),
    )
    op.create_table(
        "unit_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "period_key", name="uq_unit_level_period"),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("unit_level")
    op.drop_table("unit_regime")
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("category")
        batch.drop_column("regime_id")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("category")
