"""Small builders for the scoring tests: criteria filled to a given amount, tasks, 360° evaluators."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from danhgia.scoring import (
    Assessment,
    CriterionInput,
    EvaluationResult,
    EvaluatorInput,
    Regime,
    TaskInput,
    TaskStatus,
    evaluate,
    load_regime,
)

D = Decimal
ON_TIME = TaskStatus.DONE_ON_TIME
LATE = TaskStatus.DONE_LATE
IN_PROGRESS = TaskStatus.IN_PROGRESS
NOT_DONE = TaskStatus.NOT_DONE

REGIME_IDS = ("nd335-2025", "hanoi-1841-2021", "hanoi-3814-2018", "danang-lienchieu-2013", "danang-2013", "qd366-2025")


def regime(regime_id: str) -> Regime:
    """A bundled regime."""
    return load_regime(regime_id)


def full(reg: Regime) -> tuple[CriterionInput, ...]:
    """Every criterion of the regime at full points."""
    return tuple(CriterionInput(code) for code in reg.criteria_by_code)


def spread(reg: Regime, amount: Decimal | str | int) -> tuple[CriterionInput, ...]:
    """Criteria given points that sum to `amount`, filling each criterion up to its maximum in order."""
    left = Decimal(amount)
    out = []
    for criterion in reg.criteria:
        given = min(left, criterion.max_points)
        left -= given
        out.append(CriterionInput(criterion.code, points=given))
    assert left == 0, f"{amount} is above the criteria maximum of {reg.id}"
    return tuple(out)


def perfect_tasks(count: int = 3, *, exceeded: int = 0) -> tuple[TaskInput, ...]:
    """`count` tasks done on time; the first `exceeded` of them exceeded."""
    return tuple(TaskInput(f"Nhiệm vụ {i + 1}", ON_TIME, exceeded=i < exceeded) for i in range(count))


def done_and_undone(done: int | str, undone: int | str) -> tuple[TaskInput, ...]:
    """One task done on time (weight `done`) and one not done (weight `undone`): KPI = done / (done + undone)."""
    return (
        TaskInput("Nhiệm vụ hoàn thành", ON_TIME, weight=Decimal(done)),
        TaskInput("Nhiệm vụ không hoàn thành", NOT_DONE, weight=Decimal(undone)),
    )


def same_for_all_roles(reg: Regime, criteria: Iterable[CriterionInput]) -> tuple[EvaluatorInput, ...]:
    """Self, enough peers to count (the regime's `min_raters`), the direct and the higher leader, all giving the
    same scores (so the weights do not matter)."""
    given = tuple(criteria)
    peers = reg.review_360.min_raters if reg.review_360 is not None else 1
    roles = ("self", *("peer",) * peers, "direct_leader", "higher_leader")
    return tuple(EvaluatorInput(role, given) for role in roles)


def assess(reg: Regime, **kwargs: object) -> EvaluationResult:
    """evaluate() with full criteria (or evaluators) by default and person id "CV01"."""
    values: dict[str, object] = {"person_id": "CV01"}
    values.update(kwargs)
    if reg.uses_360:
        values.setdefault("evaluators", same_for_all_roles(reg, full(reg)))
    else:
        values.setdefault("criteria", full(reg))
    if reg.task_group is not None:
        values.setdefault("tasks", perfect_tasks())
    return evaluate(reg, Assessment(**values))  # type: ignore[arg-type]


def level_code(result: EvaluationResult) -> str | None:
    """The final level code of a result."""
    return None if result.level is None else result.level.code
