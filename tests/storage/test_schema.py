"""The schema: migrations up and down, models matching migrations, an append-only audit log, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel

from danhgia.storage.db import downgrade, make_engine, migrate
from danhgia.storage.models import AuditEntry, Unit
from danhgia.workflow.services import Services

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TABLES = {
    "unit",
    "role",
    "person",
    "person_role",
    "reporting_line",
    "telegram_link",
    "invite_code",
    "audit_log",
    "period",
    "task",
    "assessment",
    "review_card",
    "delegation",
    "dialog",
    "outbox",
    "calendar_day",
    "leave",
    "snooze",
    "reminder_batch",
    "rating",
    "council_case",
    "council_vote",
    "commendation",
    "zalo_chat",
    "zalo_panel",
    "zalo_event",
}


def test_migrations_create_every_table_and_seed_the_roles(services: Services) -> None:
    names = set(inspect(services.db.engine).get_table_names())
    assert names >= TABLES
    with services.db.uow() as uow:
        roles = uow.roles.all()
    assert set(roles) == {"nhan_vien", "lanh_dao", "to_chuc", "quan_tri", "hoi_dong"}
    assert roles["lanh_dao"].name_vi == "Lãnh đạo"


def test_models_and_migrations_agree(services: Services) -> None:
    with services.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(services: Services) -> None:
    downgrade(services.db.engine, "base")
    assert not (set(inspect(services.db.engine).get_table_names()) & TABLES)
    migrate(services.db.engine)
    assert set(inspect(services.db.engine).get_table_names()) >= TABLES


def test_audit_log_refuses_updates_and_deletes(services: Services) -> None:
    with services.db.uow() as uow:
        uow.audit.append(AuditEntry(actor_label="test", action="x.test", entity="unit", entity_id="1", new={"a": 1}))
        uow.commit()
    for statement in ("UPDATE audit_log SET reason = 'sửa'", "DELETE FROM audit_log"):
        with services.db.engine.begin() as conn, pytest.raises(DatabaseError, match="append-only"):
            conn.execute(text(statement))
    with services.db.uow() as uow:
        entries = uow.audit.entries()
    assert len(entries) == 1 and entries[0].reason is None and entries[0].new == {"a": 1}


def test_times_are_stored_in_utc_and_read_back_aware(services: Services) -> None:
    hanoi = timezone(timedelta(hours=7))
    created = datetime(2026, 11, 20, 8, 30, tzinfo=hanoi)
    with services.db.uow() as uow:
        uow.units.add(Unit(code="U", name="Phòng", created_at=created, updated_at=created))
        uow.commit()
    with services.db.uow() as uow:
        unit = uow.units.get_by_code("U")
    assert unit is not None
    assert unit.created_at == created and unit.created_at.tzinfo is not None
    assert unit.created_at.astimezone(UTC).hour == 1


def test_naive_datetimes_are_refused(services: Services) -> None:
    with services.db.uow() as uow, pytest.raises(Exception, match="naive datetime"):
        uow.units.add(Unit(code="N", name="Phòng", created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1)))


def test_sqlite_database_folder_is_created(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'sub' / 'danhgia.db'}")
    migrate(engine)
    assert (tmp_path / "var" / "sub" / "danhgia.db").exists()
    engine.dispose()


def test_records_of_before_regimes_per_person_keep_their_periods_regime(services: Services) -> None:
    """0008 gives each existing record the regime of its period and no category: nothing scores differently."""
    engine = services.db.engine
    downgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO unit (code, name, created_at, updated_at) VALUES ('U', 'Đơn vị', :t, :t)"), {"t": NOW}
        )
        conn.execute(
            text(
                "INSERT INTO person (staff_code, full_name, unit_id, position, language, active, created_at,"
                " updated_at) VALUES ('P', 'Người', (SELECT id FROM unit WHERE code = 'U'), '', 'vi', true, :t, :t)"
            ),
            {"t": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO period (unit_id, key, starts_on, ends_on, regime_id, status, exceptional, opened_at)"
                " VALUES ((SELECT id FROM unit WHERE code = 'U'), '2026-11', '2026-11-01', '2026-11-30',"
                " 'hanoi-1841-2021', 'open', false, :t)"
            ),
            {"t": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO assessment (period_id, person_id, state, version, is_leader, step, self_input,"
                " created_at, updated_at) VALUES ((SELECT id FROM period), (SELECT id FROM person), 'draft', 0, false,"
                " '', '{}', :t, :t)"
            ),
            {"t": NOW},
        )
    migrate(engine)
    with services.db.uow() as uow:
        person = uow.people.get_by_code("P")
        assert person is not None and person.id is not None
        ((record, period),) = uow.assessments.of_person(person.id)
    assert (record.regime_id, record.category, period.regime_id) == ("hanoi-1841-2021", "", "hanoi-1841-2021")
    assert person.category == ""
