"""A person's own results: each period (as submitted, decided or final) and the quarter and year roll-ups.

A result's explanation lines are all about its person; the quota's lines kept with it are cut again, when read,
to what that person may see (`workflow.privacy.visible_lines`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.scoring import PeriodRecord, Regime, RollupResult, TaskStats, rollup
from danhgia.storage.uow import Database
from danhgia.workflow.assessments import AssessmentService, PeriodInfo
from danhgia.workflow.clock import Clock
from danhgia.workflow.lifecycle import EDITABLE, LOCKED
from danhgia.workflow.privacy import StoredLine, read_lines, visible_lines
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import record_regime


@dataclass(frozen=True)
class ResultEntry:
    """One period's result as its owner may see it."""

    assessment_id: int
    period: PeriodInfo
    state: str
    regime: Regime
    total: Decimal | None
    level: str | None
    final_level: str | None
    result: dict[str, Any] | None
    decision: str | None
    decision_reason: str | None
    is_leader: bool = False
    category: str = ""

    @property
    def level_name(self) -> str:
        """The name of the level shown to the person (final when locked)."""
        code = self.final_level if self.state == LOCKED and self.final_level else self.level
        return self.regime.level(code).display if code else ""

    @property
    def demoted(self) -> bool:
        """The quota lowered the level at closing."""
        return self.state == LOCKED and self.final_level is not None and self.final_level != self.level

    @property
    def staff_code(self) -> str:
        """The person's staff code, as the result names them."""
        return str((self.result or {}).get("person_id") or "")

    @property
    def explanation(self) -> list[StoredLine]:
        """The result's explanation lines (all about the person)."""
        return read_lines((self.result or {}).get("explanation"))

    @property
    def quota_lines(self) -> list[StoredLine]:
        """The quota's lines the person may read: the rule and their own, never a colleague's."""
        quota = (self.result or {}).get("quota")
        lines = read_lines(quota.get("explanation") if isinstance(quota, dict) else None)
        return visible_lines(lines, self.staff_code)


class ResultService:
    """What /ketqua shows."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, assessments: AssessmentService) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.assessments = assessments

    def history(self, person_id: int) -> list[ResultEntry]:
        """Every submitted (or later) assessment of a person, newest period first."""
        with self.db.reader() as uow:
            entries = []
            for record, period in uow.assessments.of_person(person_id):
                if record.state in EDITABLE and record.submitted_at is None:
                    continue
                assert record.id is not None
                entries.append(
                    ResultEntry(
                        record.id,
                        self.assessments.period_info(uow, period),
                        record.state,
                        record_regime(record, period),
                        record.total,
                        record.level,
                        record.final_level,
                        dict(record.result) if record.result else None,
                        record.decision,
                        record.decision_reason,
                        record.is_leader,
                        record.category,
                    )
                )
            return entries

    def entry(self, person_id: int, assessment_id: int) -> ResultEntry:
        """One of the person's own results (anyone else's is refused)."""
        for entry in self.history(person_id):
            if entry.assessment_id == assessment_id:
                return entry
        raise Refusal("not_found")

    def year(
        self, person_id: int, year: int | None = None, *, cap_level: str | None = None, earlier: bool = True
    ) -> tuple[RollupResult | None, list[ResultEntry]]:
        """The roll-up of the final (locked) periods of a year, with the entries it used."""
        today = self.clock.now().astimezone(self.tz).date()
        year = year or today.year
        entries = [
            e for e in self.history(person_id) if e.state == LOCKED and e.period.starts_on.year == year and e.result
        ]
        if not entries:
            return None, []
        # The year is judged under the regime of its last period (the rule in force at the year's end, e.g. NĐ 233
        # for a viên chức whose first months of 2026 were still scored under the unit's regime), from every period
        # scored on the same scale.
        regime = max(entries, key=lambda e: e.period.starts_on).regime
        ordered = sorted(entries, key=lambda e: e.period.starts_on)
        records = [_record(e) for e in ordered if e.regime.max_total == regime.max_total]
        cap = cap_level if regime.leader_cap is not None and cap_level in regime.level_by_code else None
        previous = None  # the year before, for two years in a row at the lowest level (grounds for dismissal)
        if earlier and regime.rollup.consecutive_lowest_cite is not None:
            before, _ = self.year(person_id, year - 1, earlier=False)
            level = before.year.level if before is not None else None
            previous = level.code if level is not None and level.code in regime.level_by_code else None
        summary = rollup(regime, records, person_id=str(person_id), cap_level=cap, previous_year_level=previous)
        return summary, entries

    @staticmethod
    def quarter_of(day: date) -> int:
        """1 to 4."""
        return (day.month - 1) // 3 + 1


def _record(entry: ResultEntry) -> PeriodRecord:
    result = entry.result or {}
    stats_data = result.get("task_stats")
    stats = (
        TaskStats(
            Decimal(str(stats_data["assigned"])),
            Decimal(str(stats_data["completed"])),
            Decimal(str(stats_data["on_time_quality"])),
            Decimal(str(stats_data["exceeded"])),
        )
        if stats_data
        else None
    )
    total = Decimal(str(result["total"])) if result.get("total") is not None else None
    if not result.get("rated", True) or total is None:
        return PeriodRecord(entry.period.key, None, tuple(result.get("disqualifiers", [])), None, 0, "other")
    return PeriodRecord(entry.period.key, total, tuple(result.get("disqualifiers", [])), stats)
