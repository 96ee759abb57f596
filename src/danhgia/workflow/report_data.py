"""The data of the official paperwork, as the records hold it: a person's monitoring form for a period, a unit's
summary (one row per person, the count of each level, the quota's checks), a person's yearly form. Read by
`workflow.reports` (who may read what) and drawn by `danhgia.reports` (the documents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from danhgia.scoring import Regime
from danhgia.scoring.serialize import TaskPercentages
from danhgia.workflow.lifecycle import LOCKED

DEMOTED_NOTE = "hạ mức do giới hạn tỷ lệ"
COUNCIL_NOTE = "Hội đồng đã xem xét"
NOT_SUBMITTED_NOTE = "không nộp phiếu tự đánh giá"


@dataclass(frozen=True)
class CriterionRow:
    """One general criterion on the form: its maximum, the person's points, the leader's and the final ones."""

    number: int
    name: str
    max_points: Decimal
    self_points: Decimal | None
    leader_points: Decimal | None
    final_points: Decimal | None


@dataclass(frozen=True)
class FormData:
    """A person's monitoring form for one period, as the records hold it."""

    regime: Regime
    person_name: str
    staff_code: str
    position: str
    unit_name: str
    category: str
    period_key: str
    period_label: str
    is_leader: bool
    state: str
    criteria: tuple[CriterionRow, ...]
    general_points: Decimal | None
    general_max: Decimal | None
    task_points: Decimal | None
    task_max: Decimal | None
    percentages: TaskPercentages | None
    total: Decimal | None
    max_total: Decimal
    level: str  # the final level's name ("" while none), or the band under a regime with yearly levels
    level_before_quota: str  # the level the points reached, when the quota lowered it ("" otherwise)
    points_only: bool  # the regime decides levels yearly: the period's level is only the band of its points
    reviewer_name: str
    decided_at: datetime | None
    decision_reason: str
    explanation: tuple[str, ...]
    agency_name: str = ""  # the unit above the person's unit (the form's "cơ quan chủ quản" line), "" at the top
    extras: tuple[tuple[str, str, Decimal | None], ...] = ()  # (kind "bonus"/"penalty", name, points) of the result

    @property
    def final(self) -> bool:
        """The period is closed and the record locked: the form is the official one."""
        return self.state == LOCKED


@dataclass(frozen=True)
class SummaryRow:
    """One person in a unit's summary."""

    number: int
    staff_code: str
    name: str
    position: str
    unit_name: str
    category: str
    regime_id: str
    self_total: Decimal | None
    leader_total: Decimal | None
    total: Decimal | None
    level: str
    level_code: str | None
    note: str
    month_totals: tuple[Decimal | None, ...] = ()  # a quarter's summary: the final points of each of its months


@dataclass(frozen=True)
class QuotaCheck:
    """A quota group's check: how many may keep the top level, how many the basis counts."""

    group: str
    allowed: int
    basis_count: int
    kept: int
    unit_name: str = ""  # the unit whose period applied the quota (a summary over several units lists each)


@dataclass(frozen=True)
class SummaryData:
    """A unit's summary for one period: one row per person, the count of each level, the quota's checks."""

    unit_name: str
    unit_code: str
    period_key: str
    period_label: str
    regime: Regime
    rows: tuple[SummaryRow, ...]
    level_counts: tuple[tuple[str, int], ...]
    quota: tuple[QuotaCheck, ...]
    closed: bool
    months: tuple[str, ...] = ()  # a quarter's summary of monthly periods: the months' labels ("10/2026", …)


@dataclass(frozen=True)
class YearFormData:
    """A person's yearly form (NĐ 233 Phụ lục II for a viên chức; the same parts for others): the year's average of
    each part of the monthly results, the year's total and level (after the yearly quota), and why."""

    regime: Regime
    person_name: str
    staff_code: str
    position: str
    unit_name: str
    category: str
    year: int
    months: int
    general_points: Decimal | None
    general_max: Decimal | None
    task_points: Decimal | None
    task_max: Decimal | None
    total: Decimal | None
    max_total: Decimal
    level: str
    note: str
    explanation: tuple[str, ...]
    final: bool  # every period of the year is closed


PERIOD, QUARTER, YEAR = "period", "quarter", "year"


@dataclass(frozen=True)
class ReportPeriod:
    """What a unit can be reported on: one of its periods ("2026-11"), a quarter of its monthly periods ("2026-Q4"),
    or a year ("2026"); `kind` says which."""

    key: str
    label: str
    kind: str
