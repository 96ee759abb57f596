"""The year of a unit for HR: each person's yearly result under their own regime, and the yearly quota.

Most regimes decide a level each period and apply their quota at each closing; NĐ 233/2026 (viên chức) gives
points each month and decides the level once a year, from the average, with "Hoàn thành xuất sắc" at most 20 % of
those rated "Hoàn thành tốt" in each group with similar tasks (Điều 3.5–3.6, 12.5–12.6). Here the year's levels
are put together the same way a closing does: leaders apart from staff, each regime and category apart, the
quota of a regime whose quota is yearly applied to its group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from danhgia.scoring import EvaluationResult, RollupResult, apply_quota, load_regime
from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, Actor
from danhgia.workflow.quota import GROUP_LEADERS, GROUP_STAFF
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import category_name
from danhgia.workflow.results import ResultService


@dataclass(frozen=True)
class YearRow:
    """One person's year: their regime and category, the year's average, its level by the rules and after the
    yearly quota (when their regime has one), and a note for the form ("hạ mức do giới hạn tỷ lệ" …)."""

    staff_code: str
    full_name: str
    position: str
    category: str
    regime_id: str
    group: str
    total: Decimal | None
    level: str | None
    final_level: str | None
    note: str
    rollup: RollupResult


class YearService:
    """What HR reads of a unit's year."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, results: ResultService) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.results = results

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.clock.now().astimezone(self.tz).date()

    def unit_year(self, actor: Actor, unit_code: str, year: int) -> list[YearRow]:
        """Every active person of a unit (and the units below it): the year under their own regime, with the
        yearly quota of each group applied (HR and administrators only)."""
        with self.db.reader() as uow:
            if actor.person_id is not None and not uow.people.roles(actor.person_id) & {ROLE_HR, ROLE_ADMIN}:
                raise Refusal("not_hr")
            unit = uow.units.get_by_code(unit_code)
            if unit is None or unit.id is None:
                raise Refusal("not_found")
            people = uow.people.in_units(sorted(uow.units.subtree_ids(unit.id)))
            unit_levels = {p.unit_id: uow.unit_levels.of(p.unit_id, str(year)) for p in people}
        rows: list[YearRow] = []
        for person in people:
            assert person.id is not None
            summary, entries = self.results.year(person.id, year)
            own_unit = unit_levels.get(person.unit_id)
            if entries and own_unit is not None and max(entries, key=lambda e: e.period.starts_on).is_leader:
                summary, entries = self.results.year(person.id, year, cap_level=own_unit.level)  # NĐ 233 Điều 12.7
            if summary is None or not entries:
                continue
            latest = max(entries, key=lambda e: e.period.starts_on)
            kind = GROUP_LEADERS if latest.is_leader else GROUP_STAFF
            group = f"{kind}:{summary.regime_id}:{latest.category or '-'}"
            level = summary.year.level.code if summary.year.level else None
            rows.append(
                YearRow(
                    person.staff_code,
                    person.full_name,
                    person.position,
                    latest.category,
                    summary.regime_id,
                    group,
                    summary.year.total,
                    level,
                    level,
                    _note(summary),
                    summary,
                )
            )
        return _with_yearly_quota(rows)


def _note(summary: RollupResult) -> str:
    """What HR must see of a year besides its level: not rated, or a second year in a row at the lowest level."""
    notes = [] if summary.year.rated else ["không xếp loại"]
    if any(flag.code == "two_years_lowest" for flag in summary.flags):
        notes.append("hai năm liên tiếp không hoàn thành nhiệm vụ: cấp có thẩm quyền xem xét")
    return "; ".join(notes)


def _with_yearly_quota(rows: list[YearRow]) -> list[YearRow]:
    groups: dict[str, list[YearRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    final: dict[str, YearRow] = {}
    for members in groups.values():
        regime = load_regime(members[0].regime_id)
        if regime.quota is None or regime.quota.scope != "year":
            final |= {row.staff_code: row for row in members}
            continue
        results = [
            EvaluationResult(
                regime.id,
                row.staff_code,
                row.level is not None,
                row.total,
                regime.max_total,
                (),
                regime.level(row.level) if row.level else None,
                regime.level(row.level) if row.level else None,
                (),
            )
            for row in members
        ]
        outcome = apply_quota(regime, results)
        for row, decision in zip(members, outcome.decisions, strict=True):
            after = decision.level_after.code if decision.level_after else None
            notes = [row.note] if row.note else []
            if decision.demoted:
                notes.append("hạ mức do giới hạn tỷ lệ (xếp loại năm)")
            elif decision.pending_tie:
                notes.append("bằng điểm ở ngưỡng giới hạn tỷ lệ: cần quyết định")
            note = "; ".join(notes)
            final[row.staff_code] = YearRow(
                row.staff_code,
                row.full_name,
                row.position,
                row.category,
                row.regime_id,
                row.group,
                row.total,
                row.level,
                after,
                note,
                row.rollup,
            )
    return [final[row.staff_code] for row in rows]


def describe(row: YearRow) -> str:
    """One line of the year's table, as HR reads it."""
    total = "—" if row.total is None else f"{row.total}".replace(".", ",")
    level = row.final_level or "—"
    moved = f" (trước giới hạn tỷ lệ: {row.level})" if row.level != row.final_level and row.level else ""
    note = f" — {row.note}" if row.note else ""
    cells = (row.staff_code, row.full_name, category_name(row.category), row.regime_id, total, f"{level}{moved}{note}")
    return "\t".join(cells)
