"""The percentages of the task part (quantity, quality, timeliness and a leader's criteria) as the JSON shows them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from danhgia.scoring import (
    Assessment,
    LeaderInput,
    LeaveEntry,
    Regime,
    TaskInput,
    WorkingTime,
    evaluate,
    load_regime,
    parse_assessment,
    result_to_dict,
)
from danhgia.scoring.numbers import round_points, to_fraction
from danhgia.scoring.serialize import task_percentages
from tests.scoring.builders import IN_PROGRESS, LATE, NOT_DONE, ON_TIME, D, full
from tests.scoring.test_properties import PROFILE, regime_and_assessment

TASK_REGIMES = ("nd335-2025", "hanoi-1841-2021", "hanoi-3814-2018", "qd366-2025")
ND335 = load_regime("nd335-2025")


def staff(reg: Regime, *tasks: TaskInput, **changes: Any) -> Assessment:
    """A person with full criteria and these tasks."""
    return Assessment("CV01", full(reg), tasks, **changes)


def abc(reg: Regime, person: Assessment) -> tuple[str, ...]:
    """a, b, c of the person's result as the JSON writes them."""
    found = task_percentages(reg, person, evaluate(reg, person))
    assert found is not None
    return tuple(f"{value:f}" for value in (found.quantity, found.quality, found.timeliness))


@pytest.mark.parametrize("regime_id", TASK_REGIMES)
@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        ((TaskInput("A", ON_TIME),), ("100.00", "100.00", "100.00")),
        # 3 late once (−25 % of 3 on timeliness), 4 on time: c = 6.25 / 7
        ((TaskInput("A", LATE, D(3), delays=1), TaskInput("B", ON_TIME, D(4))), ("100.00", "100.00", "89.29")),
        # an error costs 25 % of the task's quality, never more than the task: 5 errors = the whole task
        ((TaskInput("A", ON_TIME, major_errors=1), TaskInput("B", ON_TIME)), ("100.00", "87.50", "100.00")),
        ((TaskInput("A", LATE, major_errors=5, delays=2), TaskInput("B", ON_TIME)), ("100.00", "50.00", "75.00")),
        # unfinished: in no component; excused errors and delays: no loss
        ((TaskInput("A", NOT_DONE), TaskInput("B", IN_PROGRESS), TaskInput("C", ON_TIME)), ("33.33", "33.33", "33.33")),
        (
            (TaskInput("A", LATE, D("1.5"), major_errors=2, delays=3, objective_cause_confirmed=True),),
            ("100.00", "100.00", "100.00"),
        ),
    ],
)
def test_quantity_quality_timeliness(regime_id: str, tasks: tuple[TaskInput, ...], expected: tuple[str, ...]) -> None:
    reg = load_regime(regime_id)
    assert abc(reg, staff(reg, *tasks)) == expected


def test_an_excused_unfinished_task_leaves_the_assigned_weight() -> None:
    reg = load_regime("hanoi-1841-2021")  # excuse_unfinished
    excused = TaskInput("A", NOT_DONE, D(2), objective_cause_confirmed=True)
    assert abc(reg, staff(reg, excused, TaskInput("B", ON_TIME), TaskInput("C", NOT_DONE))) == ("50.00",) * 3
    assert abc(reg, staff(reg, excused)) == ("100.00",) * 3  # every task excused: the part stays at its maximum
    assert abc(ND335, staff(ND335, excused, TaskInput("B", ON_TIME))) == ("33.33",) * 3  # no such rule in NĐ 335


def test_a_leaders_criteria_in_the_regimes_order() -> None:
    person = staff(
        ND335,
        TaskInput("A", ON_TIME, D(2)),
        TaskInput("B", ON_TIME, major_errors=1),
        leader=LeaderInput(("HTXS", "KHT"), (("to_chuc_thuc_hien", D("87.5")),)),
    )
    result = evaluate(ND335, person)
    found = task_percentages(ND335, person, result)
    assert found is not None and found.quality == D("91.67")
    assert [(c.code, f"{p:f}") for c, p in found.leader] == [
        ("so_luong", "100.00"),
        ("chat_luong", "91.67"),
        ("tien_do", "100.00"),
        ("ket_qua_don_vi", "50.00"),
        ("to_chuc_thuc_hien", "87.50"),
        ("tieu_chi_thu_sau", "100.00"),  # the default
    ]
    part = result_to_dict(result, assessment=person, regime=ND335)["parts"][1]
    assert part["leader_criteria"][3] == {
        "code": "ket_qua_don_vi",
        "name": "Kết quả thực hiện nhiệm vụ của cơ quan, đơn vị",
        "percent": "50.00",
    }
    everyone_fine = staff(
        ND335, TaskInput("A", ON_TIME), leader=LeaderInput(("HT", "HTT"), (("to_chuc_thuc_hien", D(100)),))
    )
    found = task_percentages(ND335, everyone_fine, evaluate(ND335, everyone_fine))
    assert found is not None and [f"{p:f}" for _, p in found.leader] == ["100.00"] * 6


def test_a_leader_without_leader_criteria_has_none() -> None:
    reg = load_regime("hanoi-1841-2021")
    person = staff(reg, TaskInput("A", LATE), leader=LeaderInput(unit_level="HTT"))
    found = task_percentages(reg, person, evaluate(reg, person))
    assert found is not None and found.leader == () and f"{found.timeliness:f}" == "75.00"
    part = result_to_dict(evaluate(reg, person), assessment=person, regime=reg)["parts"][1]
    assert "leader_criteria" not in part and part["percentages"]["timeliness"] == "75.00"


def test_only_the_task_part_of_a_rated_result_has_percentages() -> None:
    person = staff(ND335, TaskInput("A", LATE))
    result = evaluate(ND335, person)
    out = result_to_dict(result, assessment=person)  # the bundled regime of the result
    assert "percentages" not in out["parts"][0]
    assert out["parts"][1]["percentages"] == {"quantity": "100.00", "quality": "100.00", "timeliness": "75.00"}
    assert all("percentages" not in part for part in result_to_dict(result)["parts"])  # the stored form: unchanged
    unrated = staff(ND335, TaskInput("A", ON_TIME), working_time=WorkingTime(20, (LeaveEntry("sick", 20),)))
    assert task_percentages(ND335, unrated, evaluate(ND335, unrated)) is None
    danang = load_regime("danang-2013")
    data = {
        "evaluators": [
            {
                "role": "self",
                "criteria": {"ket_qua_cong_viec": 60, "chap_hanh_noi_quy": "full", "thai_do_trach_nhiem": "full"},
            }
        ]
    }
    rated = parse_assessment(data)
    assert task_percentages(danang, rated, evaluate(danang, rated)) is None  # no task results in a 360° regime
    with pytest.raises(ValueError, match="not of 'danang-2013'"):
        result_to_dict(result, assessment=person, regime=danang)


def test_percentages_of_another_assessment_are_not_shown() -> None:
    person = staff(ND335, TaskInput("A", LATE))
    other = staff(ND335, TaskInput("A", ON_TIME, major_errors=2))
    assert task_percentages(ND335, other, evaluate(ND335, person)) is None


@PROFILE
@given(regime_and_assessment())
def test_the_percentages_give_the_engines_points(case: tuple[Regime, Assessment]) -> None:
    """Every rated result of a regime with task results has them, and they are the engine's own figures."""
    reg, person = case
    result = evaluate(reg, person)
    found = task_percentages(reg, person, result)
    group = reg.task_group
    if group is None or not result.rated:
        assert found is None
        return
    assert found is not None
    stats = result.task_stats
    assert stats is not None
    if stats.assigned:
        assert found.quantity == round_points(to_fraction(stats.completed) / to_fraction(stats.assigned) * 100)
    assert Decimal(0) <= found.timeliness <= found.quantity <= Decimal(100)
    assert Decimal(0) <= found.quality <= found.quantity
    assert bool(found.leader) == (
        person.leader is not None and group.tasks is not None and bool(group.tasks.leader_criteria)
    )
