"""The archive of the system of record: every evaluation record and the whole audit log, as rows of plain values
(for HR's archive and the national database of cadres, civil servants and public employees). Drawn as CSV or
Excel by `danhgia.reports.exports`; offered to operators on the command line only."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from danhgia.storage.uow import Database
from danhgia.workflow.calendar import span_from_key

Value = str | int | Decimal | None

RECORD_COLUMNS = (
    "ky", "tu_ngay", "den_ngay", "ma_don_vi", "ten_don_vi", "ma_can_bo", "ho_ten", "chuc_vu", "loai_can_bo",
    "che_do", "lanh_dao", "trang_thai", "diem_tu_cham", "muc_tu_cham", "diem", "muc_theo_diem", "muc_chinh_thuc",
    "quyet_dinh", "ly_do", "nguoi_quyet_dinh", "thoi_diem_quyet_dinh", "thoi_diem_chot", "phien_ban",
)  # fmt: skip
AUDIT_COLUMNS = (
    "so", "thoi_diem", "nguoi_thuc_hien", "ma_nguoi_thuc_hien", "thay_mat", "hanh_dong", "doi_tuong", "ma_doi_tuong",
    "truoc", "sau", "ly_do",
)  # fmt: skip


def _at(value: datetime | None) -> str | None:
    """A moment in UTC, ISO 8601 (the archive is read by machines too)."""
    return value.isoformat() if value is not None else None


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class ExportService:
    """Every record and every audit line, in a stable order (the same database gives the same rows)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def records(self) -> list[tuple[Value, ...]]:
        """One row per evaluation record (RECORD_COLUMNS), oldest period first."""
        with self.db.reader() as uow:
            units = {u.id: u for u in uow.units.all()}
            people = {p.id: p for p in uow.people.all()}
            rows: list[tuple[Value, ...]] = []
            for record, period in uow.assessments.everything():
                unit, person = units.get(period.unit_id), people.get(record.person_id)
                decider = people.get(record.decided_by) if record.decided_by is not None else None
                rows.append(
                    (
                        span_from_key(period.key).label(),
                        period.starts_on.isoformat(),
                        period.ends_on.isoformat(),
                        unit.code if unit else "",
                        unit.name if unit else "",
                        person.staff_code if person else "",
                        person.full_name if person else "",
                        person.position if person else "",
                        record.category,
                        record.regime_id or period.regime_id,
                        1 if record.is_leader else 0,
                        record.state,
                        record.self_total,
                        record.self_level,
                        record.total,
                        record.level,
                        record.final_level,
                        record.decision,
                        record.decision_reason,
                        decider.staff_code if decider else None,
                        _at(record.decided_at),
                        _at(record.locked_at),
                        record.version,
                    )
                )
            return rows

    def audit(self) -> list[tuple[Value, ...]]:
        """The audit log (AUDIT_COLUMNS), oldest first; old and new values as JSON."""
        with self.db.reader() as uow:
            codes = {p.id: p.staff_code for p in uow.people.all()}
            return [
                (
                    entry.id,
                    _at(entry.at),
                    entry.actor_label,
                    codes.get(entry.actor_person_id) if entry.actor_person_id is not None else None,
                    codes.get(entry.on_behalf_of_person_id) if entry.on_behalf_of_person_id is not None else None,
                    entry.action,
                    entry.entity,
                    entry.entity_id,
                    _json(entry.old),
                    _json(entry.new),
                    entry.reason,
                )
                for entry in uow.audit.entries()
            ]
