"""The disclosure board (công khai điểm đánh giá, seed 004): in regimes that ask for it, every member of a
unit sees, for each colleague of the unit, the self-score, the bonus points and the final average of a closed
period and of its quarter — never before the period is closed, never another unit, never a cross-evaluation.
A regime may publish only the final results (Hà Nội: no self-scores) or only the year's (NĐ 233): a colleague
whose own regime publishes yearly is listed without their month's points.
A result still before the council shows "under review" instead of its level until the council decides (seed 004
publishes after the council's review).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from danhgia.scoring import Regime, round_points
from danhgia.storage.models import Assessment, Period
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.calendar import quarter_of, span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.collation import name_key
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import record_regime


@dataclass(frozen=True)
class BoardRow:
    """One colleague on the board."""

    person_id: int
    name: str
    position: str
    self_total: Decimal | None
    bonus: Decimal | None
    total: Decimal | None
    level: str
    quarter_average: Decimal | None
    quarter_periods: int
    under_review: bool = False  # a council case on this result is still open: its level is not final yet
    yearly: bool = False  # their regime publishes the year's results only: nothing of this month is shown


@dataclass(frozen=True)
class Board:
    """The board of one unit for one closed period."""

    unit_name: str
    period_id: int
    period_label: str
    quarter_label: str
    rows: tuple[BoardRow, ...]
    other_periods: tuple[tuple[int, str], ...]
    has_bonus: bool
    self_scores: bool = True  # the regime publishes self-scores (Đà Nẵng), or only final results (Hà Nội)


class DisclosureService:
    """Reads the board (nothing here writes)."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, regime_id: Callable[[], str] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.regime_id = regime_id  # the regime of new periods: a unit with no period yet will use it

    def board(self, person_id: int, period_id: int | None = None) -> Board:
        """The board of the person's own unit: the given closed period, or the latest one."""
        with self.db.reader() as uow:
            person = uow.people.get(person_id)
            if person is None or not person.active:
                raise Refusal("not_found")
            periods = list(uow.periods.by_unit(person.unit_id))
            regimes_with_board = [p for p in periods if monthly_board(ev.regime_of(p.regime_id))]
            if not regimes_with_board:
                upcoming = self.regime_id is not None and monthly_board(ev.regime_of(self.regime_id()))
                raise Refusal("board_not_yet" if upcoming and not periods else "board_not_used")
            closed = [p for p in regimes_with_board if p.status == "closed"]
            if not closed:
                raise Refusal("board_not_yet")
            if period_id is None:
                period = closed[0]
            else:
                found = next((p for p in closed if p.id == period_id), None)
                if found is None:  # another unit's period, an open one, or a forged id
                    raise Refusal("not_found")
                period = found
            return self._board(uow, period, closed)

    def _board(self, uow: UnitOfWork, period: Period, closed: list[Period]) -> Board:
        assert period.id is not None
        span = span_from_key(period.key)
        same_quarter = [
            p
            for p in closed
            if p.id is not None
            and span_from_key(p.key).year == span.year
            and quarter_of(span_from_key(p.key).starts_on) == quarter_of(span.starts_on)
        ]
        quarter_totals: dict[int, list[Decimal]] = {}
        for other in same_quarter:
            assert other.id is not None
            for record in uow.assessments.in_period(other.id):
                if record.state == LOCKED and record.total is not None:
                    quarter_totals.setdefault(record.person_id, []).append(record.total)
        regime = ev.regime_of(period.regime_id)
        rows = []
        records = uow.assessments.in_period(period.id)
        locked = {r.person_id for r in records if r.state == LOCKED}
        reviewing = {case.assessment_id for case in uow.council.cases("open")}
        for member in uow.people.in_units([period.unit_id]):  # colleagues without a final result, listed as such
            if member.id is not None and member.id not in locked:
                rows.append(BoardRow(member.id, member.full_name, member.position, None, None, None, "", None, 0))
        for record in records:
            if record.state != LOCKED:
                continue
            person = uow.people.get(record.person_id)
            if person is None:
                continue
            if record_regime(record, period).disclosure_results == "year":  # published with the year, not now
                rows.append(
                    BoardRow(
                        record.person_id, person.full_name, person.position, None, None, None, "", None, 0, yearly=True
                    )
                )
                continue
            totals = quarter_totals.get(record.person_id, [])
            level_code = record.final_level or record.level
            rows.append(
                BoardRow(
                    record.person_id,
                    person.full_name,
                    person.position,
                    self_score(period, record, person.staff_code) if regime.disclosure_self_scores else None,
                    _bonus(record, regime.bonus_group.code if regime.bonus_group else None),
                    record.total,
                    regime.level(level_code).display if level_code else "",
                    round_points(sum(totals, Decimal(0)) / len(totals)) if totals else None,
                    len(totals),
                    record.id in reviewing,
                )
            )
        rows.sort(key=lambda r: name_key(r.name))
        unit = uow.units.get(period.unit_id)
        quarter = f"Quý {('I', 'II', 'III', 'IV')[quarter_of(span.starts_on) - 1]}/{span.year}"
        return Board(
            unit.name if unit else "",
            period.id,
            span.label(),
            quarter,
            tuple(rows),
            tuple((p.id, span_from_key(p.key).label()) for p in closed if p.id is not None and p.id != period.id),
            regime.bonus_group is not None,
            regime.disclosure_self_scores,
        )


def monthly_board(regime: Regime) -> bool:
    """Whether a regime publishes each period's results on a board (not only the year's)."""
    return regime.disclosure is not None and regime.disclosure_results == "period"


def self_score(period: Period, record: Assessment, code: str) -> Decimal | None:
    """The person's own score ("Tự chấm"): their self-assessment alone, scored without anyone else's rating and
    without the bonus they claimed (shown apart)."""
    regime = record_regime(record, period)
    if regime.bonus_group is None and not regime.uses_360:
        return record.self_total
    result = ev.self_only(regime, code, record.self_input, list(record.tasks_snapshot or []))
    return ev.own_score(regime, result) if result is not None else None


def _bonus(record: Assessment, group: str | None) -> Decimal | None:
    """The bonus points of the final result, if the regime has bonus points."""
    for part in (record.result or {}).get("parts", []):
        if group is not None and part.get("code") == group:
            return Decimal(str(part["points"]))
    return None
