"""What people entered about a month, read into types: a criterion's answer (typed points, or the listed
deductions chosen, and a note), a set of answers (the person's self-assessment, a reviewer's adjustment), the
tasks the month counts, bonus claims and the reviewer's draft.

Records keep these as JSON (the scoring input); views hand these types to panels so that nothing above the
workflow reads stored JSON by key. `CriterionAnswer.score` is the one rule for the points an answer gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from danhgia.scoring import Criterion, Regime

OPEN_STATUSES = ("in_progress", "not_done")


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class Chosen:
    """A listed deduction chosen `count` times."""

    code: str
    count: int = 1


@dataclass(frozen=True)
class CriterionAnswer:
    """One criterion's answer: typed `points` (None: full points less the chosen deductions) and a note."""

    points: Decimal | None = None
    deductions: tuple[Chosen, ...] = ()
    note: str = ""

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> CriterionAnswer:
        """Read a stored entry ({} or None: full points, no note)."""
        if not raw:
            return cls()
        chosen = tuple(Chosen(str(c["code"]), int(c.get("count", 1))) for c in raw.get("deductions", []))
        return cls(_decimal(raw.get("points")), chosen, str(raw.get("note") or ""))

    @property
    def typed(self) -> bool:
        """Whether the points were typed (rather than full, or computed from deductions)."""
        return self.points is not None

    def counts(self) -> dict[str, int]:
        """How many times each listed deduction was chosen, by code, in the order they were first chosen."""
        return {c.code: c.count for c in self.deductions}

    def score(self, criterion: Criterion) -> Decimal:
        """The points this answer gives the criterion (for display; scoring/ is the authority on results)."""
        if self.points is not None:
            return self.points
        lost = Decimal(0)
        for choice in self.deductions:
            item = criterion.deduction(choice.code)
            if item is not None:
                lost += item.points * choice.count
        return max(Decimal(0), criterion.max_points - lost)


@dataclass(frozen=True)
class Answers:
    """Answers to a regime's criteria (by code) and a leader's own percentages (by leader criterion code)."""

    criteria: Mapping[str, CriterionAnswer] = field(default_factory=dict)
    leader: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> Answers:
        """Read stored answers ({"criteria": {code: entry}, "leader": {code: percent}})."""
        raw = raw or {}
        criteria = {str(code): CriterionAnswer.of(entry) for code, entry in dict(raw.get("criteria") or {}).items()}
        leader = {str(code): Decimal(str(value)) for code, value in dict(raw.get("leader") or {}).items()}
        return cls(criteria, leader)

    def criterion(self, code: str) -> CriterionAnswer:
        """The answer for one criterion (full points when there is none)."""
        return self.criteria.get(code, CriterionAnswer())

    def score(self, regime: Regime, code: str) -> Decimal:
        """The points these answers give one criterion of the regime."""
        return self.criterion(code).score(regime.criteria_by_code[code])


@dataclass(frozen=True)
class TaskLine:
    """One task of the month as the assessment counts it (as it stood at submission once submitted)."""

    id: str
    name: str
    status: str  # done_on_time, done_late, in_progress, not_done
    weight: Decimal
    major_errors: int = 0
    delays: int = 0

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> TaskLine:
        """Read a task row of the scoring input."""
        return cls(
            str(raw["id"]),
            str(raw.get("name", "")),
            str(raw.get("status", "in_progress")),
            Decimal(str(raw.get("weight", 1))),
            int(raw.get("major_errors", 0) or 0),
            int(raw.get("delays", 0) or 0),
        )

    @property
    def claimable(self) -> bool:
        """Whether an objective cause can be claimed for it (late, with an error, or unfinished)."""
        return bool(self.delays or self.major_errors or self.status in OPEN_STATUSES)


@dataclass(frozen=True)
class BonusClaim:
    """A bonus item claimed: the points for an item whose points are a range, else how many times."""

    code: str
    points: Decimal | None = None
    count: int = 1

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> BonusClaim:
        """Read a stored claim."""
        return cls(str(raw["code"]), _decimal(raw.get("points")), int(raw.get("count", 1)))

    def value(self, regime: Regime) -> Decimal | None:
        """The points claimed (None when the regime no longer lists the item)."""
        if self.points is not None:
            return self.points
        group = regime.bonus_group
        item = next((i for i in group.items if i.code == self.code), None) if group else None
        return None if item is None or item.points is None else item.points * self.count


@dataclass(frozen=True)
class Adjustment:
    """What a reviewer changes: answers to criteria (and a leader's percentages), claims rejected."""

    answers: Answers = field(default_factory=Answers)
    rejected_causes: frozenset[str] = frozenset()
    rejected_bonuses: frozenset[str] = frozenset()

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> Adjustment:
        """Read a stored review input (or the changes of a draft)."""
        raw = raw or {}
        return cls(
            Answers.of(raw),
            frozenset(str(x) for x in raw.get("rejected_causes", [])),
            frozenset(str(x) for x in raw.get("rejected_bonuses", [])),
        )


@dataclass(frozen=True)
class ReviewDraft:
    """An adjustment in progress: whose it is, the step of the walk it is on, the changes, and the reason."""

    by: int
    step: str
    changes: Adjustment
    reason: str = ""

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> ReviewDraft:
        """Read a stored draft."""
        return cls(
            int(raw.get("by") or 0), str(raw.get("step") or ""), Adjustment.of(raw), str(raw.get("reason") or "")
        )
