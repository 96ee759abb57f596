"""The result types stay plain frozen dataclasses (their __init__ is a faster equivalent, see model.py)."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal

import pytest

from danhgia.scoring import (
    EvaluationResult,
    ExplanationLine,
    Flag,
    PartResult,
    PeriodSummary,
    QuotaDecision,
    RollupResult,
    TaskStats,
    load_regime,
)
from danhgia.scoring.model import _direct_init

REGIME = load_regime("nd335-2025")
LEVEL = REGIME.levels[1]
CITE = REGIME.citations["xep_loai"]
LINE = ExplanationLine(Decimal("-2.50"), "lý do", CITE, "ket_qua_nhiem_vu")
SUMMARY = PeriodSummary("2026-Q1", True, Decimal("80.00"), LEVEL, 3, 0, ("2026-01",), (LINE,))
EXAMPLES = [
    LINE,
    Flag("council_review_gap", "Hội đồng đánh giá rà soát"),
    PartResult("tieu_chi_chung", "Tiêu chí chung", Decimal("30.00"), Decimal(30)),
    TaskStats(Decimal(7), Decimal(7), Decimal(4)),
    EvaluationResult("nd335-2025", "CV01", True, Decimal("80.00"), Decimal(100), (), LEVEL, LEVEL, (LINE,)),
    QuotaDecision("CV01", Decimal("80.00"), LEVEL, LEVEL),
    SUMMARY,
    RollupResult("nd335-2025", "CV01", (SUMMARY,), SUMMARY),
]


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: type(v).__name__)
def test_results_are_frozen_dataclasses(value: object) -> None:
    cls = type(value)
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]
    assert cls(**fields) == value and hash(cls(**fields)) == hash(value)
    first = next(iter(fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, None)
    assert pickle.loads(pickle.dumps(value)) == value
    assert dataclasses.replace(value, **{first: fields[first]}) == value  # type: ignore[type-var]
    assert repr(value).startswith(f"{cls.__name__}(")


def test_defaults_are_kept() -> None:
    assert TaskStats() == TaskStats(Decimal(0), Decimal(0), Decimal(0), Decimal(0))
    decision = QuotaDecision("CV01", None, None, None)
    assert (decision.demoted, decision.pending_tie) == (False, False)
    assert not SUMMARY.merged_into_year
    result = EXAMPLES[4]
    assert isinstance(result, EvaluationResult)
    assert (result.disqualifiers, result.task_stats, result.flags, result.is_leader, result.absence_reason) == (
        (),
        None,
        (),
        False,
        None,
    )
    with pytest.raises(TypeError):
        TaskStats(Decimal(1), unknown=Decimal(2))  # type: ignore[call-arg]


def test_only_plain_frozen_slotted_dataclasses_are_accepted() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithFactory:
        a: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError):
        _direct_init(NoSlots)
    with pytest.raises(TypeError):
        _direct_init(WithFactory)
