"""Roster import: check a roster table (`workflow.roster_file`) against the organisation, then create or update it.

A file with any problem is rejected as a whole; nothing is written. Problems are returned as codes with
parameters (the CLI renders them in Vietnamese from the catalog), each with the file's row number
(the header is row 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.storage.models import Person, ReportingLine, Unit
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.clock import Clock, local_today
from danhgia.workflow.common import Actor, Change, audit, person_snapshot
from danhgia.workflow.regimes import parse_category
from danhgia.workflow.roster_file import (
    ImportReport,
    RosterProblem,
    RosterRejected,
    RosterRow,
    RosterTable,
    row_problems,
)


@dataclass
class _UnitPlan:
    code: str
    name: str = ""
    name_row: int = 0
    parent: str | None = None
    parent_row: int = 0
    parent_given: bool = False


class RosterService:
    """Validates and applies roster files."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz

    def import_table(
        self,
        table: RosterTable,
        actor: Actor,
        *,
        effective: date | None = None,
        dry_run: bool = False,
        deactivate_missing: bool = False,
    ) -> ImportReport:
        """Check the whole table, then apply it in one transaction; raise `RosterRejected` on any problem."""
        if table.problems:
            raise RosterRejected(list(table.problems))
        effective = effective or local_today(self.clock, self.tz)
        with self.db.uow() as uow:
            problems, units = self._validate(uow, table)
            if problems:
                raise RosterRejected(problems)
            report = self._apply(uow, table, units, actor, effective, deactivate_missing)
            report.dry_run = dry_run
            if dry_run:
                uow.rollback()
            else:
                uow.commit()
            return report

    # -- validation ---------------------------------------------------------------------------------

    def _validate(self, uow: UnitOfWork, table: RosterTable) -> tuple[list[RosterProblem], dict[str, _UnitPlan]]:
        problems: list[RosterProblem] = []
        rows = table.rows
        existing_units = {u.code: u for u in uow.units.all()}
        existing_people = {p.staff_code: p for p in uow.people.all()}
        first_row: dict[str, int] = {}

        for r in rows:
            problems += row_problems(r)
            if r.staff_code:
                if r.staff_code in first_row:
                    problems.append(
                        RosterProblem(
                            r.row,
                            "duplicate_staff_code",
                            {"code": r.staff_code, "first": first_row[r.staff_code]},
                        )
                    )
                else:
                    first_row[r.staff_code] = r.row

        units = self._plan_units(rows, existing_units, problems)
        self._check_supervisors(rows, existing_people, first_row, uow, problems)
        return problems, units

    def _plan_units(
        self, rows: list[RosterRow], existing: dict[str, Unit], problems: list[RosterProblem]
    ) -> dict[str, _UnitPlan]:
        plans: dict[str, _UnitPlan] = {}
        for r in rows:
            if not r.unit_code:
                continue
            plan = plans.setdefault(r.unit_code, _UnitPlan(code=r.unit_code))
            if r.unit_name:
                if plan.name and plan.name != r.unit_name:
                    problems.append(
                        RosterProblem(
                            r.row,
                            "unit_name_conflict",
                            {
                                "unit": r.unit_code,
                                "name": r.unit_name,
                                "other": plan.name,
                                "first": plan.name_row,
                            },
                        )
                    )
                elif not plan.name:
                    plan.name, plan.name_row = r.unit_name, r.row
            if r.parent_unit_code is not None:
                plan.parent_given = True
                if r.parent_unit_code:
                    if plan.parent and plan.parent != r.parent_unit_code:
                        problems.append(
                            RosterProblem(
                                r.row,
                                "unit_parent_conflict",
                                {
                                    "unit": r.unit_code,
                                    "parent": r.parent_unit_code,
                                    "other": plan.parent,
                                    "first": plan.parent_row,
                                },
                            )
                        )
                    elif not plan.parent:
                        plan.parent, plan.parent_row = r.parent_unit_code, r.row
        rows_of_unit = {r.unit_code: r.row for r in reversed(rows) if r.unit_code}
        for code, plan in plans.items():
            if not plan.name and code not in existing:
                problems.append(RosterProblem(rows_of_unit[code], "empty_ten_don_vi", {"unit": code}))
            if plan.parent:
                if plan.parent == code:
                    problems.append(RosterProblem(plan.parent_row, "unit_own_parent", {"unit": code}))
                elif plan.parent not in plans and plan.parent not in existing:
                    problems.append(
                        RosterProblem(plan.parent_row, "unknown_parent_unit", {"unit": code, "parent": plan.parent})
                    )
        # Cycles in the unit tree, over the file's parents and the database's for units not in the file.
        id_to_code = {u.id: c for c, u in existing.items()}
        parent_of: dict[str, str | None] = {
            c: (id_to_code.get(u.parent_id) if u.parent_id else None) for c, u in existing.items()
        }
        for code, plan in plans.items():
            if plan.parent_given:
                parent_of[code] = plan.parent
        for cycle in _cycles(parent_of):
            if len(cycle) > 1 and any(c in plans for c in cycle):  # length 1 is reported as unit_own_parent
                row = min(plans[c].parent_row or rows_of_unit[c] for c in cycle if c in plans)
                problems.append(RosterProblem(row, "unit_cycle", {"cycle": " → ".join([*cycle, cycle[0]])}))
        return plans

    def _check_supervisors(
        self,
        rows: list[RosterRow],
        existing: dict[str, Person],
        first_row: dict[str, int],
        uow: UnitOfWork,
        problems: list[RosterProblem],
    ) -> None:
        in_file = {r.staff_code: r for r in rows if r.staff_code}
        for r in rows:
            sup = r.supervisor_code
            if not sup:
                continue
            if sup == r.staff_code:
                problems.append(RosterProblem(r.row, "own_supervisor", {"code": sup}))
            elif sup not in in_file and sup not in existing:
                problems.append(RosterProblem(r.row, "unknown_supervisor", {"code": sup}))
        today = local_today(self.clock, self.tz)
        id_to_code = {p.id: c for c, p in existing.items()}
        supervisor_of: dict[str, str | None] = {
            id_to_code[pid]: id_to_code.get(sid) for pid, sid in uow.reporting.supervisors_on(today).items()
        }
        for code, r in in_file.items():
            supervisor_of[code] = r.supervisor_code or None
        for cycle in _cycles(supervisor_of):
            if len(cycle) == 1:
                continue  # reported above as own_supervisor
            members = [f"{c} (dòng {first_row[c]})" if c in first_row else c for c in cycle]
            row = min(first_row[c] for c in cycle if c in first_row)
            problems.append(RosterProblem(row, "reporting_cycle", {"cycle": " → ".join([*members, members[0]])}))

    # -- applying -----------------------------------------------------------------------------------

    def _apply(
        self,
        uow: UnitOfWork,
        table: RosterTable,
        plans: dict[str, _UnitPlan],
        actor: Actor,
        effective: date,
        deactivate_missing: bool,
    ) -> ImportReport:
        now = self.clock.now()
        report = ImportReport()
        reason = f"Nhập danh sách từ tệp {table.source}"
        units: dict[str, Unit] = {u.code: u for u in uow.units.all()}
        for code, plan in plans.items():
            unit = units.get(code)
            if unit is None:
                units[code] = uow.units.add(Unit(code=code, name=plan.name, created_at=now, updated_at=now))
                report.units_created.append(code)
        for code, plan in plans.items():
            unit = units[code]
            old: dict[str, Any] = {"name": unit.name, "parent_id": unit.parent_id}
            if plan.name:
                unit.name = plan.name
            if plan.parent_given:
                unit.parent_id = units[plan.parent].id if plan.parent else None
            new = {"name": unit.name, "parent_id": unit.parent_id}
            created = code in report.units_created
            if created or old != new:
                unit.updated_at = now
                uow.session.add(unit)
                if not created:
                    report.units_updated.append(code)
                audit(
                    uow,
                    actor,
                    Change(
                        "unit.create" if created else "unit.update",
                        "unit",
                        str(unit.id),
                        None if created else old,
                        {"code": code, **new},
                        reason,
                    ),
                    now,
                )
        uow.session.flush()

        people: dict[str, Person] = {p.staff_code: p for p in uow.people.all()}
        for r in table.rows:
            person = people.get(r.staff_code)
            created = person is None
            if person is None:
                person = Person(staff_code=r.staff_code, full_name=r.full_name, unit_id=0, created_at=now)
            before = None if created else person_snapshot(person)
            person.full_name = r.full_name
            person.unit_id = units[r.unit_code].id or 0
            person.position = r.position
            if r.email is not None:
                person.email = r.email or None
            if r.phone is not None:
                person.phone = r.phone or None
            if r.category is not None:
                person.category = parse_category(r.category)
            person.active = True
            new = person_snapshot(person)
            if created:
                person.updated_at = now
                people[r.staff_code] = uow.people.add(person)
                report.people_created.append(r.staff_code)
                audit(uow, actor, Change("person.create", "person", str(person.id), None, new, reason), now)
            elif before != new:
                person.updated_at = now
                uow.session.add(person)
                report.people_updated.append(r.staff_code)
                audit(uow, actor, Change("person.update", "person", str(person.id), before, new, reason), now)
            assert person.id is not None
            current_roles = set() if created else uow.people.roles(person.id)
            if current_roles != set(r.roles):
                uow.people.set_roles(person.id, r.roles)
                audit(
                    uow,
                    actor,
                    Change(
                        "person.roles",
                        "person",
                        str(person.id),
                        None if created else {"roles": sorted(current_roles)},
                        {"roles": sorted(r.roles)},
                        reason,
                    ),
                    now,
                )
                if not created and r.staff_code not in report.people_updated:
                    report.people_updated.append(r.staff_code)
        uow.session.flush()

        for r in table.rows:
            person = people[r.staff_code]
            assert person.id is not None
            wanted = people[r.supervisor_code].id if r.supervisor_code else None
            if self._set_supervisor(uow, person.id, wanted, effective, actor, reason, now):
                report.reporting_changed.append(r.staff_code)
                if r.staff_code not in report.people_created and r.staff_code not in report.people_updated:
                    report.people_updated.append(r.staff_code)

        in_file = {r.staff_code for r in table.rows}
        for code, person in sorted(people.items()):
            if code in in_file or not person.active:
                continue
            report.not_in_file.append(code)
            if deactivate_missing:
                snapshot = person_snapshot(person)
                person.active = False
                person.updated_at = now
                uow.session.add(person)
                report.deactivated.append(code)
                audit(
                    uow,
                    actor,
                    Change(
                        "person.deactivate",
                        "person",
                        str(person.id),
                        snapshot,
                        person_snapshot(person),
                        reason,
                    ),
                    now,
                )
        touched = set(report.people_updated) | set(report.people_created)
        report.people_unchanged = len(in_file - touched)
        uow.session.flush()
        return report

    @staticmethod
    def _set_supervisor(
        uow: UnitOfWork,
        person_id: int,
        supervisor_id: int | None,
        effective: date,
        actor: Actor,
        reason: str,
        now: Any,
    ) -> bool:
        line = uow.reporting.open_line(person_id)
        current = line.supervisor_id if line else None
        if current == supervisor_id:
            return False
        if line is not None:
            if line.valid_from >= effective:
                line.valid_to = line.valid_from  # superseded on the day it started: keep it as empty history
            else:
                line.valid_to = effective
            uow.session.add(line)
        if supervisor_id is not None:
            uow.reporting.add(ReportingLine(person_id=person_id, supervisor_id=supervisor_id, valid_from=effective))
        audit(
            uow,
            actor,
            Change(
                "reporting.change",
                "person",
                str(person_id),
                {"supervisor_id": current},
                {"supervisor_id": supervisor_id, "valid_from": effective.isoformat()},
                reason,
            ),
            now,
        )
        return True


def _cycles(parent_of: dict[str, str | None]) -> list[list[str]]:
    """Each cycle of a child → parent map once, starting from its smallest member."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(parent_of):
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parent_of.get(node)
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            pivot = cycle.index(min(cycle))
            found.append(cycle[pivot:] + cycle[:pivot])
        for member in path:
            state[member] = 2
    return found


def describe_changes(report: ImportReport) -> Iterable[tuple[str, dict[str, Any]]]:
    """Catalog keys and parameters summarising a report, for the CLI."""
    yield (
        "roster.summary",
        {
            "units_created": len(report.units_created),
            "units_updated": len(report.units_updated),
            "people_created": len(report.people_created),
            "people_updated": len(report.people_updated),
            "people_unchanged": report.people_unchanged,
            "reporting_changed": len(report.reporting_changed),
        },
    )
    if report.not_in_file and not report.deactivated:
        yield (
            "roster.not_in_file",
            {"count": len(report.not_in_file), "codes": ", ".join(report.not_in_file[:20])},
        )
    if report.deactivated:
        yield (
            "roster.deactivated",
            {"count": len(report.deactivated), "codes": ", ".join(report.deactivated[:20])},
        )
