"""Input and output types of the scoring module (plain frozen dataclasses, Decimal scores)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from danhgia.scoring.numbers import format_points
from danhgia.scoring.regime import Citation, Level

__all__ = [
    "Assessment",
    "BonusClaim",
    "CriterionInput",
    "DeductionChoice",
    "EvaluationResult",
    "EvaluatorInput",
    "ExplanationLine",
    "Flag",
    "LeaderInput",
    "LeaveEntry",
    "ParamValue",
    "Params",
    "PartResult",
    "PeriodRecord",
    "PeriodSummary",
    "QuotaDecision",
    "QuotaResult",
    "RollupResult",
    "TaskInput",
    "TaskStats",
    "TaskStatus",
    "TieGroup",
    "WorkingTime",
]


# --------------------------------------------------------------------------- inputs


class TaskStatus(StrEnum):
    """State of a task (product) at the end of the period."""

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    IN_PROGRESS = "in_progress"
    NOT_DONE = "not_done"

    @property
    def completed(self) -> bool:
        """True for done_on_time and done_late."""
        return self in (TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE)


@dataclass(frozen=True, slots=True)
class DeductionChoice:
    """A deduction chosen from a criterion's list, `count` times."""

    code: str
    count: int = 1
    note: str = ""


@dataclass(frozen=True, slots=True)
class CriterionInput:
    """One general criterion: full points (default), chosen deductions, or given points."""

    code: str
    points: Decimal | None = None
    deductions: tuple[DeductionChoice, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class TaskInput:
    """A task/product of the period with its converted weight and what happened to it."""

    name: str
    status: TaskStatus
    weight: Decimal = Decimal(1)
    major_errors: int = 0
    delays: int = 0
    objective_cause_confirmed: bool = False
    exceeded: bool = False
    task_id: str = ""


@dataclass(frozen=True, slots=True)
class LeaderInput:
    """Facts needed for leaders: subordinates' levels, other leader criteria (in %), the unit's level."""

    subordinate_levels: tuple[str, ...] = ()
    criteria: tuple[tuple[str, Decimal], ...] = ()
    unit_level: str | None = None


@dataclass(frozen=True, slots=True)
class BonusClaim:
    """A claimed bonus (or a recorded penalty) item: `count` times its fixed points, or given `points`."""

    code: str
    count: int = 1
    points: Decimal | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class EvaluatorInput:
    """One evaluator's scoring of the criteria (360° regimes)."""

    role: str
    criteria: tuple[CriterionInput, ...]
    evaluator_id: str = ""


@dataclass(frozen=True, slots=True)
class LeaveEntry:
    """Days of one kind of leave in the period."""

    type: str
    days: int


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """Working days of the period and the leave taken in it."""

    working_days: int
    leave: tuple[LeaveEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything the bot knows about one person for one period."""

    person_id: str = ""
    criteria: tuple[CriterionInput, ...] = ()
    tasks: tuple[TaskInput, ...] = ()
    leader: LeaderInput | None = None
    bonuses: tuple[BonusClaim, ...] = ()
    penalties: tuple[BonusClaim, ...] = ()
    evaluators: tuple[EvaluatorInput, ...] = ()
    discipline: str | None = None
    disqualifiers: tuple[str, ...] = ()
    working_time: WorkingTime | None = None
    # Whether the disciplined violation is related to performing duties (NĐ 233 Điều 12.4.c): True / False, or
    # None when not said (a regime whose discipline rule is `job_related_only` then flags it for HR to decide).
    discipline_job_related: bool | None = None
    # Codes of `disqualifiers` the person found, reported and remedied themselves (NĐ 233 Điều 12.4, last
    # paragraph): where the regime allows it (`remedied_cite`), the competent level decides instead of the rule.
    remedied: tuple[str, ...] = ()


# --------------------------------------------------------------------------- outputs


ParamValue = str | int | Decimal
Params = tuple[ParamValue, ...]  # names and values in turn: ("task", "Báo cáo quý", "delays", 1)


@dataclass(frozen=True, slots=True)
class ExplanationLine:
    """One point gained or lost (delta) or a fact that changed the result (delta None), with its rule.

    `reason` is the Vietnamese sentence. `kind` names that sentence with a stable code ("deduction",
    "quota_demoted", …) and `params` holds the values that fill it in, names and values in turn (texts, integers,
    decimals; one small tuple per line, cheap in batch runs; `values()` as a dict), so that a reader can word the
    line again, in another language too (the bot's `explain.<kind>` templates). A line built without a kind ("")
    is of unknown kind.

    `subject` is the staff code of the person the line is about where lines about several people stand together
    (the quota's: the person demoted), None for a line about the rule or the group; a line about several named
    people (a tie on the quota line) carries their codes joined by ", ", which is no one person's code. The lines
    of one person's result (evaluate, rollup) are all about that result's `person_id` and leave it None, so that
    the lines results have in common stay shared.
    """

    delta: Decimal | None
    reason: str
    citation: Citation
    part: str = ""
    kind: str = ""
    params: Params = ()
    subject: str | None = None

    @property
    def text(self) -> str:
        """ "−2,5 điểm: nhiệm vụ «Báo cáo quý» chậm tiến độ 1 lần — NĐ 335/2025, 25 % điểm tiến độ"."""
        if self.delta is None:
            return f"{self.reason} — {self.citation.label}"
        return f"{format_points(self.delta, signed=True)} điểm: {self.reason} — {self.citation.label}"

    def values(self) -> dict[str, ParamValue]:
        """The params as a dict of names to values."""
        params = self.params
        return dict(zip(params[::2], params[1::2], strict=True))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Flag:
    """Something a human should look at (e.g. council review of a large self-vs-leader gap)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class PartResult:
    """Points of one group (rounded once); `max_points` is None for penalty groups."""

    code: str
    name: str
    points: Decimal
    max_points: Decimal | None


@dataclass(frozen=True, slots=True)
class TaskStats:
    """Converted task weight by outcome; pooled across periods by the roll-up."""

    assigned: Decimal = Decimal(0)
    completed: Decimal = Decimal(0)
    on_time_quality: Decimal = Decimal(0)
    exceeded: Decimal = Decimal(0)

    def __add__(self, other: TaskStats) -> TaskStats:
        return TaskStats(
            self.assigned + other.assigned,
            self.completed + other.completed,
            self.on_time_quality + other.on_time_quality,
            self.exceeded + other.exceeded,
        )


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """The result of evaluate(): total, parts, level (after conditions, disqualifiers, caps), explanation."""

    regime_id: str
    person_id: str
    rated: bool
    total: Decimal | None
    max_total: Decimal
    parts: tuple[PartResult, ...]
    level: Level | None
    score_level: Level | None
    explanation: tuple[ExplanationLine, ...]
    disqualifiers: tuple[str, ...] = ()
    task_stats: TaskStats | None = None
    flags: tuple[Flag, ...] = ()
    is_leader: bool = False
    absence_reason: str | None = None


@dataclass(frozen=True, slots=True)
class QuotaDecision:
    """The final level of one person after the quota."""

    person_id: str
    total: Decimal | None
    level_before: Level | None
    level_after: Level | None
    demoted: bool = False
    pending_tie: bool = False


@dataclass(frozen=True, slots=True)
class TieGroup:
    """People tied at the cut line: `slots` of them may keep the level, a human must choose."""

    person_ids: tuple[str, ...]
    total: Decimal
    slots: int


@dataclass(frozen=True, slots=True)
class QuotaResult:
    """Outcome of apply_quota for one unit / task group."""

    regime_id: str
    applies: bool
    allowed: int
    basis_count: int
    decisions: tuple[QuotaDecision, ...]
    tie: TieGroup | None
    explanation: tuple[ExplanationLine, ...]

    @property
    def needs_human_decision(self) -> bool:
        """True when people tied at the cut line and a human must choose who keeps the level."""
        return self.tie is not None

    def level_of(self, person_id: str) -> Level | None:
        """The final level of a person."""
        for decision in self.decisions:
            if decision.person_id == person_id:
                return decision.level_after
        raise KeyError(person_id)


@dataclass(frozen=True, slots=True)
class PeriodRecord:
    """One period fed to the roll-up: a scored period (total) or an absence."""

    period: str
    total: Decimal | None
    disqualifiers: tuple[str, ...] = ()
    task_stats: TaskStats | None = None
    months_worked: int | None = None
    absence_reason: str | None = None

    @classmethod
    def from_result(cls, period: str, result: EvaluationResult) -> PeriodRecord:
        """Build the record of a period from its evaluation result."""
        if not result.rated:
            return cls(period, None, result.disqualifiers, None, 0, result.absence_reason or "other")
        return cls(period, result.total, result.disqualifiers, result.task_stats, None, result.absence_reason)


@dataclass(frozen=True, slots=True)
class PeriodSummary:
    """A quarter or the year: average total, level, months worked/absent, and why."""

    key: str
    rated: bool
    total: Decimal | None
    level: Level | None
    months_worked: int
    months_absent: int
    periods: tuple[str, ...]
    explanation: tuple[ExplanationLine, ...]
    merged_into_year: bool = False


@dataclass(frozen=True, slots=True)
class RollupResult:
    """Quarter and year results of one person; `flags`: what a human should look at (e.g. two years in a row at
    the lowest level)."""

    regime_id: str
    person_id: str
    quarters: tuple[PeriodSummary, ...]
    year: PeriodSummary
    flags: tuple[Flag, ...] = ()


# --------------------------------------------------------------------------- construction speed


def _direct_init(cls: type) -> None:
    """Give a frozen, slotted dataclass an __init__ that stores the fields through their slot descriptors.

    The generated __init__ of a frozen dataclass goes through object.__setattr__ for every field, which makes
    building a result cost about twice as much as it needs to in batch runs. This one has the same signature
    and defaults and stores the same values; the instances are identical (still frozen for everyone else).
    """
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    if list(getattr(cls, "__slots__", ())) != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: not a plain frozen slotted dataclass")
    namespace: dict[str, object] = {}
    params = []
    for index, f in enumerate(fields):
        if f.default is not dataclasses.MISSING:
            namespace[f"_d{index}"] = f.default
            params.append(f"{f.name}=_d{index}")
        elif f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: default_factory is not supported")
        else:
            params.append(f.name)
        namespace[f"_s{index}"] = cls.__dict__[f.name].__set__
    body = "".join(f"    _s{index}(self, {name})\n" for index, name in enumerate(names))
    exec(f"def __init__(self, {', '.join(params)}):\n{body}", namespace)  # the source is built from field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[misc]


for _cls in (
    ExplanationLine,
    Flag,
    PartResult,
    TaskStats,
    EvaluationResult,
    QuotaDecision,
    PeriodSummary,
    RollupResult,
):
    _direct_init(_cls)
