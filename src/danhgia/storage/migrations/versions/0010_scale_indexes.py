"""Indexes a city-sized organisation needs: a unit's people (closing, reminders) and a person's records (/ketqua)

Without them each closing scanned every person and each /ketqua every record: quadratic at 10⁵ staff
(bench/bench_scale.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_person_unit", "person", ["unit_id"], unique=False)
    op.create_index("ix_assessment_person", "assessment", ["person_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_assessment_person", table_name="assessment")
    op.drop_index("ix_person_unit", table_name="person")
