"""What the official paperwork says, read from the records: a person's monitoring form for a period (NĐ 335 Mẫu 01
and its regime's variants) and a unit's summary of a period. Nothing here is recomputed: points and levels come
from the stored results and the person's and reviewer's answers; documents are drawn by `danhgia.reports`.

Who may read what: a person their own form; HR and administrators any unit; a leader the units they lead (their
own unit and the units below it); anyone else nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from danhgia.scoring import EvaluationResult, Regime, load_regime, parse_assessment, round_points
from danhgia.scoring.serialize import task_percentages
from danhgia.storage.models import Assessment, Person, Unit
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.answers import Adjustment, Answers
from danhgia.workflow.assessments import AssessmentService, AssessmentView
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, ROLE_LEADER, Actor
from danhgia.workflow.lifecycle import LOCKED, handed_in
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import category_name, record_regime
from danhgia.workflow.report_data import (
    COUNCIL_NOTE,
    DEMOTED_NOTE,
    NOT_SUBMITTED_NOTE,
    PERIOD,
    QUARTER,
    YEAR,
    CriterionRow,
    FormData,
    QuotaCheck,
    ReportPeriod,
    SummaryData,
    SummaryRow,
    YearFormData,
)
from danhgia.workflow.years import YearRow, YearService

NO_QUARTER_NOTE = "không có kết quả đã chốt trong quý"


class ReportService:
    """The data of the official forms and reports, with who may read them."""

    def __init__(self, db: Database, assessments: AssessmentService, years: YearService) -> None:
        self.db = db
        self.assessments = assessments
        self.years = years

    # -- permissions -------------------------------------------------------------------------------------------

    def allowed_units(self, uow: UnitOfWork, actor: Actor) -> set[int] | None:
        """The units an actor may report on: None for all (HR, administrators, the command line), a leader's own
        unit and the units below it, else none."""
        if actor.person_id is None:
            return None
        roles = uow.people.roles(actor.person_id)
        if roles & {ROLE_HR, ROLE_ADMIN}:
            return None
        person = uow.people.get(actor.person_id)
        if ROLE_LEADER in roles and person is not None and person.active:
            return uow.units.subtree_ids(person.unit_id)
        return set()

    def _unit(self, uow: UnitOfWork, actor: Actor, unit_ref: str | int) -> Unit:
        unit = uow.units.get(unit_ref) if isinstance(unit_ref, int) else uow.units.get_by_code(unit_ref)
        if unit is None or unit.id is None:
            raise Refusal("not_found")
        allowed = self.allowed_units(uow, actor)
        if allowed is not None and unit.id not in allowed:
            raise Refusal("report_not_allowed")
        return unit

    # -- a person's form ---------------------------------------------------------------------------------------

    def form(self, actor: Actor, assessment_id: int) -> FormData:
        """A person's form for one period: their own, or one of a unit the actor may report on (handed in)."""
        with self.db.reader() as uow:
            record = uow.assessments.get(assessment_id)
            if record is None or not handed_in(record.state):
                raise Refusal("not_found")
            person = uow.people.get(record.person_id)
            assert person is not None
            if actor.person_id != record.person_id:
                allowed = self.allowed_units(uow, actor)
                if allowed is not None and person.unit_id not in allowed:
                    raise Refusal("not_found")  # as if it did not exist: nobody learns whose records there are
            view = self.assessments.view_of(uow, record)
            return _form(uow, record, person, view)

    def form_of(self, actor: Actor, staff_code: str, period_key: str) -> FormData:
        """A person's form for a period, found by their staff code (the command line, HR's scripts)."""
        with self.db.reader() as uow:
            person = uow.people.get_by_code(staff_code)
            period = uow.periods.of_unit(person.unit_id, period_key) if person is not None else None
            record = uow.assessments.of(period.id, person.id) if period and period.id and person and person.id else None
            if record is None or record.id is None:
                raise Refusal("not_found")
            found = record.id
        return self.form(actor, found)

    def own_forms(self, person_id: int) -> list[tuple[int, str]]:
        """The person's handed-in records, newest first: (assessment id, period label) — for /ketqua's form."""
        with self.db.reader() as uow:
            return [
                (record.id, span_from_key(period.key).label())
                for record, period in uow.assessments.of_person(person_id)
                if record.id is not None and handed_in(record.state)
            ]

    def units(self, actor: Actor) -> list[tuple[int, str]]:
        """The units an actor may report on: (id, name), by code."""
        with self.db.reader() as uow:
            allowed = self.allowed_units(uow, actor)
            units = [(u.id, u.name) for u in uow.units.all() if u.id is not None]
            return [(uid, name) for uid, name in units if allowed is None or uid in allowed]

    def report_periods(self, actor: Actor, unit_ref: str | int) -> list[ReportPeriod]:
        """What the unit can be reported on: its latest periods, the quarters of its monthly periods, its years."""
        with self.db.reader() as uow:
            unit = self._unit(uow, actor, unit_ref)
            assert unit.id is not None
            return report_periods([p.key for p in uow.periods.by_unit(unit.id)])

    def members(self, actor: Actor, unit_ref: str | int, key: str) -> list[tuple[int, str]]:
        """Whose form can be printed: for a period, (record id, name) of everyone who handed theirs in, by name; for a
        year ("2026"), (person id, name) of everyone with a closed period in it."""
        with self.db.reader() as uow:
            unit = self._unit(uow, actor, unit_ref)
            assert unit.id is not None
            ids = sorted(uow.units.subtree_ids(unit.id))
            people = {p.id: p for p in uow.people.in_units(ids) if p.id is not None}
            if key.isdigit():
                codes = {row.staff_code for row in self.years.unit_year(Actor.cli("report"), unit.code, int(key))}
                found = [(pid, p.full_name) for pid, p in people.items() if p.staff_code in codes]
            else:
                found = []
                for uid in ids:
                    period = uow.periods.of_unit(uid, key)
                    if period is None or period.id is None:
                        continue
                    for record in uow.assessments.in_period(period.id):
                        member = people.get(record.person_id)
                        if record.id is not None and member is not None and handed_in(record.state):
                            found.append((record.id, member.full_name))
        return sorted(found, key=lambda item: (item[1], item[0]))

    def year_form_of(self, actor: Actor, person_id: int, year: int) -> YearFormData:
        """A person's yearly form, the person found by id (HR's and leaders' picks in chat)."""
        with self.db.reader() as uow:
            person = uow.people.get(person_id)
            if person is None:
                raise Refusal("not_found")
            code = person.staff_code
        return self.year_form(actor, code, year)

    def period_keys(self, actor: Actor, unit_ref: str | int, limit: int = 6) -> list[tuple[str, str]]:
        """The unit's periods, newest first: (key, label)."""
        with self.db.reader() as uow:
            unit = self._unit(uow, actor, unit_ref)
            assert unit.id is not None
            periods = sorted(uow.periods.by_unit(unit.id), key=lambda p: p.starts_on, reverse=True)[:limit]
            return [(p.key, span_from_key(p.key).label()) for p in periods]

    def year_form(self, actor: Actor, staff_code: str, year: int) -> YearFormData:
        """A person's yearly form: their own, or one of a unit the actor may report on."""
        with self.db.reader() as uow:
            person = uow.people.get_by_code(staff_code)
            if person is None or person.id is None:
                raise Refusal("not_found")
            if actor.person_id != person.id:
                allowed = self.allowed_units(uow, actor)
                if allowed is not None and person.unit_id not in allowed:
                    raise Refusal("not_found")
            unit = uow.units.get(person.unit_id)
            assert unit is not None
        rows = self.years.unit_year(Actor.cli("report"), unit.code, year)  # the yearly quota counts the whole unit
        row = next((r for r in rows if r.staff_code == staff_code), None)
        if row is None:
            raise Refusal("report_no_year", year=year)
        return self._year_form(person, unit.name, row, year)

    def year_forms(self, actor: Actor, unit_ref: str | int, year: int) -> list[YearFormData]:
        """The yearly form of everyone of a unit (and the units below it) with a closed period in the year."""
        with self.db.reader() as uow:
            unit = self._unit(uow, actor, unit_ref)
            names = {u.id: u.name for u in uow.units.all()}
            people = {p.staff_code: p for p in uow.people.all()}
        rows = self.years.unit_year(Actor.cli("report"), unit.code, year)
        return [
            self._year_form(person, names.get(person.unit_id, ""), row, year)
            for row in rows
            if (person := people.get(row.staff_code)) is not None
        ]

    def _year_form(self, person: Person, unit_name: str, row: YearRow, year: int) -> YearFormData:
        assert person.id is not None
        summary, entries = self.years.results.year(person.id, year)
        assert summary is not None
        regime = load_regime(row.regime_id)
        parts: dict[str, list[Decimal]] = {}
        for entry in entries:
            for part in (entry.result or {}).get("parts", []):
                if part.get("points") is not None:
                    parts.setdefault(str(part.get("code")), []).append(Decimal(str(part["points"])))

        def mean(kind: str) -> tuple[Decimal | None, Decimal | None]:
            group = next((g for g in regime.groups if g.kind == kind), None)
            found = parts.get(group.code, []) if group is not None else []
            value = round_points(sum(found, Decimal(0)) / len(found)) if found else None
            return value, group.max_points if group is not None else None

        general, general_max = mean("criteria")
        tasks, tasks_max = mean("tasks")
        level = regime.level(row.final_level).display if row.final_level in regime.level_by_code else ""
        return YearFormData(
            regime,
            person.full_name,
            person.staff_code,
            person.position,
            unit_name,
            category_name(row.category) if row.category else "",
            year,
            len(summary.year.periods),
            general,
            general_max,
            tasks,
            tasks_max,
            summary.year.total,
            regime.max_total,
            level,
            row.note,
            tuple(line.text for line in summary.year.explanation),
            all(e.state == LOCKED for e in entries) and date(year, 12, 31) < self.years.today(),
        )

    def year_summary(self, actor: Actor, unit_ref: str | int, year: int) -> SummaryData:
        """A unit's year (and the units below it): each person's year total and level under their own regime, after
        the yearly quota of their group; people without a closed period in the year are listed as such."""
        with self.db.reader() as uow:
            unit = self._unit(uow, actor, unit_ref)
            assert unit.id is not None
            units = {u.id: u.name for u in uow.units.all()}
            people = sorted(
                uow.people.in_units(sorted(uow.units.subtree_ids(unit.id))), key=lambda p: (p.unit_id, p.full_name)
            )
        found = {row.staff_code: row for row in self.years.unit_year(Actor.cli("report"), unit.code, year)}
        if not found:
            raise Refusal("report_no_period", unit=unit.name, period=f"năm {year}")
        rows: list[SummaryRow] = []
        for member in people:
            row = found.get(member.staff_code)
            regime = load_regime(row.regime_id) if row is not None else None
            level = regime.level(row.final_level).display if regime and row and row.final_level else ""
            rows.append(
                SummaryRow(
                    len(rows) + 1,
                    member.staff_code,
                    member.full_name,
                    member.position,
                    units.get(member.unit_id, ""),
                    member.category,
                    row.regime_id if row else "",
                    None,
                    None,
                    row.total if row else None,
                    level,
                    row.final_level if row else None,
                    (row.note if row else "không có kỳ nào đã chốt trong năm"),
                )
            )
        regime = load_regime(next(iter(found.values())).regime_id)
        level_counts = _level_counts(regime, rows)
        final = date(year, 12, 31) < self.years.today()
        return SummaryData(unit.name, unit.code, str(year), f"năm {year}", regime, tuple(rows), level_counts, (), final)

    # -- a unit's summary --------------------------------------------------------------------------------------

    def summary(self, actor: Actor, unit_ref: str | int, period_key: str, *, subtree: bool = True) -> SummaryData:
        """The summary of a unit (and, with `subtree`, the units below it) for one period, a quarter of monthly
        periods ("2026-Q4": each month's points and the quarter's) or a year ("2026")."""
        if re.fullmatch(r"\d{4}", period_key):
            return self.year_summary(actor, unit_ref, int(period_key))
        try:
            span = span_from_key(period_key)
        except ValueError:
            raise Refusal("unknown_period_key", key=period_key[:16]) from None
        label = span.label()
        with self.db.reader() as uow:
            unit = self._unit(uow, actor, unit_ref)
            assert unit.id is not None
            ids = sorted(uow.units.subtree_ids(unit.id)) if subtree else [unit.id]
            names = {u.id: u.name for u in uow.units.all()}
            periods = [p for uid in ids if (p := uow.periods.of_unit(uid, period_key)) is not None]
            if not periods and span.is_quarter:
                months = [f"{span.year}-{m:02d}" for m in range(span.starts_on.month, span.starts_on.month + 3)]
                monthly = [p for uid in ids for m in months if (p := uow.periods.of_unit(uid, m)) is not None]
                if monthly:
                    people = [m for uid in ids for m in sorted(uow.people.in_units([uid]), key=lambda p: p.full_name)]
                    return self._quarter(unit, period_key, months, monthly, people, names)
            if not periods:
                raise Refusal("report_no_period", unit=unit.name, period=label)
            rows: list[SummaryRow] = []
            quota: list[QuotaCheck] = []
            for period in periods:
                assert period.id is not None
                records = {r.person_id: r for r in uow.assessments.in_period(period.id)}
                reviewed = {c.assessment_id for c in uow.council.cases("decided")}
                seen: set[str] = set()
                for member in sorted(uow.people.in_units([period.unit_id]), key=lambda p: p.full_name):
                    assert member.id is not None
                    record = records.get(member.id)
                    rows.append(_row(len(rows) + 1, member, names.get(period.unit_id, ""), record, period, reviewed))
                    group = _quota_of(record)
                    if group is not None and group[0] not in seen:
                        seen.add(group[0])
                        quota.append(_check(group, records.values(), period, names.get(period.unit_id, "")))
            regime = ev.regime_of(periods[0].regime_id)
            level_counts = _level_counts(regime, rows)
            return SummaryData(
                unit.name,
                unit.code,
                period_key,
                label,
                regime,
                tuple(rows),
                level_counts,
                tuple(quota),
                all(p.status == "closed" for p in periods),
            )

    def _quarter(
        self, unit: Unit, key: str, months: list[str], periods: list[Any], people: list[Person], names: dict[Any, str]
    ) -> SummaryData:
        """A quarter of monthly periods: each person's final points of each month and the quarter's points and level
        as the roll-up gives them (the same as in their year), from the months closed so far."""
        span = span_from_key(key)
        closed_months = {(p.unit_id, p.key) for p in periods if p.status == "closed"}
        rows: list[SummaryRow] = []
        for member in people:
            assert member.id is not None
            rollup, entries = self.years.results.year(member.id, span.year)
            totals = {entry.period.key: entry.total for entry in entries}
            quarter = next((q for q in rollup.quarters if q.key == key), None) if rollup is not None else None
            level = quarter.level if quarter is not None else None
            notes = [
                ("không có kết quả" if (member.unit_id, m) in closed_months else "chưa chốt")
                + f" tháng {span_from_key(m).label()}"
                for m in months
                if m not in totals
            ]
            if quarter is not None and quarter.merged_into_year:
                notes.insert(0, "quý IV được đánh giá cùng với năm")
            if not any(m in totals for m in months):
                notes = [NO_QUARTER_NOTE]
            rows.append(
                SummaryRow(
                    len(rows) + 1, member.staff_code, member.full_name, member.position,
                    names.get(member.unit_id, ""), member.category, rollup.regime_id if rollup else "",
                    None, None, quarter.total if quarter is not None else None,
                    level.display if level is not None else "", level.code if level is not None else None,
                    "; ".join(notes), tuple(totals.get(m) for m in months),
                )
            )  # fmt: skip
        regime = ev.regime_of(max(periods, key=lambda p: p.starts_on).regime_id)
        units = {p.unit_id for p in periods}
        closed = len(periods) == 3 * len(units) and all(p.status == "closed" for p in periods)
        labels = tuple(span_from_key(m).label() for m in months)
        return SummaryData(
            unit.name,
            unit.code,
            key,
            span.label(),
            regime,
            tuple(rows),
            _level_counts(regime, rows, NO_QUARTER_NOTE),
            (),
            closed,
            labels,
        )


def report_periods(keys: Sequence[str], *, periods: int = 6, quarters: int = 4, years: int = 2) -> list[ReportPeriod]:
    """A unit's reports from its period keys, newest first in each kind: its latest `periods`, the latest `quarters`
    of its monthly periods, its latest `years`."""
    ordered = sorted(set(keys), key=lambda k: span_from_key(k).starts_on, reverse=True)
    found = [ReportPeriod(k, span_from_key(k).label(), PERIOD) for k in ordered[:periods]]
    monthly = [span_from_key(k) for k in ordered if not span_from_key(k).is_quarter]
    quarter_keys = dict.fromkeys(f"{s.year}-Q{(s.starts_on.month - 1) // 3 + 1}" for s in monthly)
    found += [ReportPeriod(k, span_from_key(k).label(), QUARTER) for k in list(quarter_keys)[:quarters]]
    year_keys = dict.fromkeys(str(span_from_key(k).year) for k in ordered)
    found += [ReportPeriod(k, f"Năm {k}", YEAR) for k in list(year_keys)[:years]]
    return found


def _level_counts(
    regime: Regime, rows: Sequence[SummaryRow], missing: str = NOT_SUBMITTED_NOTE
) -> tuple[tuple[str, int], ...]:
    """How many rows are at each level (`missing`: the rows without one), the regime's levels first (best first),
    then whatever else is counted."""
    counts: dict[str, int] = {}
    for row in rows:
        key = row.level or missing
        counts[key] = counts.get(key, 0) + 1
    order = [level.display for level in regime.levels]
    return tuple(sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))


def _criteria_rows(regime: Regime, record: Assessment) -> tuple[CriterionRow, ...]:
    own = Answers.of(record.self_input)
    review = Adjustment.of(record.review_input).answers if record.review_input is not None else None
    rows = []
    for number, criterion in enumerate(regime.criteria, start=1):
        mine = own.criteria.get(criterion.code)
        self_points = mine.score(criterion) if mine is not None else criterion.max_points
        leader = review.criteria.get(criterion.code) if review is not None else None
        leader_points = leader.score(criterion) if leader is not None else None
        decided = record.state in (LOCKED, "approved")
        final = leader_points if leader_points is not None else self_points if decided else None
        rows.append(CriterionRow(number, criterion.name, criterion.max_points, self_points, leader_points, final))
    return tuple(rows)


def _part(result: EvaluationResult | None, kind: str, regime: Regime) -> tuple[Decimal | None, Decimal | None]:
    group = next((g for g in regime.groups if g.kind == kind), None)
    if result is None or group is None:
        return None, None
    part = next((p for p in result.parts if p.code == group.code), None)
    return (part.points if part else None), group.max_points


def _form(uow: UnitOfWork, record: Assessment, person: Person, view: AssessmentView) -> FormData:
    regime = view.regime
    result = view.result
    percentages = None
    if result is not None and result.rated and not regime.uses_360:
        data: dict[str, Any] = ev.scoring_input(
            regime,
            person.staff_code,
            record.self_input,
            list(record.tasks_snapshot or []),
            record.review_input,
            None,
        )
        data.pop("leader", None)
        try:
            percentages = task_percentages(regime, parse_assessment(data), result)
        except Exception:  # a form without a, b, c rather than no form (the figures are checked by scoring)
            percentages = None
    general, general_max = _part(result, "criteria", regime)
    tasks, tasks_max = _part(result, "tasks", regime)
    final_code = record.final_level if record.state == LOCKED and record.final_level else record.level
    if final_code is None and result is not None and result.level is not None:
        final_code = result.level.code
    level = regime.level(final_code).display if final_code in regime.level_by_code else ""
    before = ""
    if record.state == LOCKED and record.level and record.final_level and record.final_level != record.level:
        before = regime.level(record.level).display if record.level in regime.level_by_code else ""
    unit = uow.units.get(person.unit_id)
    parent = uow.units.get(unit.parent_id) if unit is not None and unit.parent_id is not None else None
    extras = tuple(
        (group.kind, group.name, next((p.points for p in result.parts if p.code == group.code), None))
        for group in regime.groups
        if group.kind in ("bonus", "penalty") and result is not None
    )
    return FormData(
        regime,
        person.full_name,
        person.staff_code,
        person.position,
        unit.name if unit else "",
        category_name(record.category) if record.category else "",
        view.period.key,
        view.period.label,
        record.is_leader,
        record.state,
        _criteria_rows(regime, record),
        general,
        general_max,
        tasks,
        tasks_max,
        percentages,
        result.total if result is not None else None,
        regime.max_total,
        level,
        before,
        regime.yearly_levels,
        view.decided_by_name or view.reviewer_name,
        view.decided_at,
        view.decision_reason or "",
        tuple(line.text for line in (result.explanation if result is not None else ())),
        parent.name if parent is not None else "",
        extras,
    )


def _row(
    number: int, member: Person, unit_name: str, record: Assessment | None, period: Any, reviewed: set[int]
) -> SummaryRow:
    if record is None or not handed_in(record.state):
        return SummaryRow(
            number, member.staff_code, member.full_name, member.position, unit_name, member.category,
            period.regime_id, None, None, None, "", None, NOT_SUBMITTED_NOTE,
        )  # fmt: skip
    regime = record_regime(record, period)
    code = record.final_level if record.state == LOCKED and record.final_level else record.level
    notes = []
    if record.state == LOCKED and record.final_level and record.level and record.final_level != record.level:
        notes.append(DEMOTED_NOTE)
    if record.id in reviewed:
        notes.append(COUNCIL_NOTE)
    if record.state != LOCKED:
        notes.append("chưa chốt")
    level = regime.level(code).display if code in regime.level_by_code else ""
    return SummaryRow(
        number,
        member.staff_code,
        member.full_name,
        member.position,
        unit_name,
        record.category,
        regime.id,
        record.self_total,
        record.total if record.decision is not None else None,
        record.total if record.state == LOCKED else None,
        level,
        code,
        "; ".join(notes),
    )


def _quota_of(record: Assessment | None) -> tuple[str, dict[str, Any]] | None:
    quota = (record.result or {}).get("quota") if record is not None else None
    if not isinstance(quota, dict) or not quota.get("applies"):
        return None
    assert record is not None
    kind = "leaders" if record.is_leader else "staff"
    return f"{kind}:{record.regime_id or ''}:{record.category}", quota


def _check(group: tuple[str, dict[str, Any]], records: Any, period: Any, unit_name: str) -> QuotaCheck:
    name, quota = group
    members = [r for r in records if _quota_of(r) is not None and _quota_of(r)[0] == name]  # type: ignore[index]
    top = record_regime(members[0], period).quota if members else None
    kept = sum(1 for r in members if top is not None and r.final_level == top.level)
    return QuotaCheck(name, int(quota.get("allowed", 0)), int(quota.get("basis_count", 0)), kept, unit_name)
