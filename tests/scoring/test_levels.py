"""Level thresholds of every regime, at exactly the threshold and one cent below (reference §0–§3).

Totals are built from criteria points given directly plus task results whose KPI is exact:
all tasks on time → the task group's maximum; one done and one not done task with weights d and u →
maximum × d / (d + u).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from danhgia.scoring import TaskInput
from tests.scoring.builders import (
    LATE,
    ON_TIME,
    D,
    assess,
    done_and_undone,
    level_code,
    perfect_tasks,
    regime,
    same_for_all_roles,
    spread,
)

# (criteria points, tasks as (done weight, undone weight) or None for all on time, expected total, level)
ND335 = [
    ("30", None, "100.00", "HTXS"),
    ("20", None, "90.00", "HTXS"),  # «Hoàn thành xuất sắc: ≥ 90»
    ("19.99", None, "89.99", "HTT"),
    ("0", None, "70.00", "HTT"),  # «Hoàn thành tốt: ≥ 70 and < 90»
    ("9.99", (6, 1), "69.99", "HT"),  # tasks 70 × 6/7 = 60
    ("15", (1, 1), "50.00", "HT"),  # «Hoàn thành: ≥ 50 and < 70»; tasks 35
    ("14.99", (1, 1), "49.99", "KHT"),  # «Không hoàn thành: < 50»
    ("0", (0.5, 1000), "0.03", "KHT"),
]
HANOI_1841 = [  # group 1 up to 20, group 2 up to 80; Loại A/B/C/D at 90/70/50
    ("20", None, "100.00", "HTXS", "A"),
    ("10", None, "90.00", "HTXS", "A"),
    ("9.99", None, "89.99", "HTT", "B"),
    ("0", (7, 1), "70.00", "HTT", "B"),  # 80 × 7/8
    ("9.99", (3, 1), "69.99", "HT", "C"),  # 80 × 3/4 = 60
    ("10", (1, 1), "50.00", "HT", "C"),  # 40
    ("9.99", (1, 1), "49.99", "KHT", "D"),
]
HANOI_3814 = [  # 20 + 70 (+ up to 10 bonus); Loại A/B/C/D at 90/70/50
    ("20", None, "90.00", "HTXS", "A"),
    ("19.99", None, "89.99", "HTT", "B"),
    ("0", None, "70.00", "HTT", "B"),
    ("9.99", (6, 1), "69.99", "HT", "C"),
    ("15", (1, 1), "50.00", "HT", "C"),
    ("14.99", (1, 1), "49.99", "KHT", "D"),
]
QD366 = [  # 30 + 70; all tasks on time with quality and 1 of 3 exceeded, so only the points decide
    ("30", "100.00", "HTXS"),
    ("20", "90.00", "HTXS"),
    ("19.99", "89.99", "HTT"),
    ("0", "70.00", "HTT"),
]
DANANG = [  # ≥ 85 HTXS, 80–85 HTT, 70–80 HT, < 70 not completed (80 and 70 go up: [I])
    ("100", "HTXS"),
    ("85", "HTXS"),
    ("84.99", "HTT"),
    ("80", "HTT"),
    ("79.99", "HT"),
    ("70", "HT"),
    ("69.99", "KHT"),
    ("0", "KHT"),
]


def _tasks(split: tuple[float, float] | None) -> tuple[TaskInput, ...]:
    return perfect_tasks() if split is None else done_and_undone(str(split[0]), str(split[1]))


@pytest.mark.parametrize(("criteria", "split", "total", "level"), ND335)
def test_nd335_thresholds(criteria: str, split: tuple[float, float] | None, total: str, level: str) -> None:
    reg = regime("nd335-2025")
    result = assess(reg, criteria=spread(reg, criteria), tasks=_tasks(split))
    assert result.total == D(total)
    assert level_code(result) == level
    assert (
        result.level is not None
        and result.level.name
        == {
            "HTXS": "Hoàn thành xuất sắc nhiệm vụ",
            "HTT": "Hoàn thành tốt nhiệm vụ",
            "HT": "Hoàn thành nhiệm vụ",
            "KHT": "Không hoàn thành nhiệm vụ",
        }[level]
    )


@pytest.mark.parametrize(("criteria", "split", "total", "level", "letter"), HANOI_1841)
def test_hanoi_1841_thresholds(
    criteria: str, split: tuple[float, float] | None, total: str, level: str, letter: str
) -> None:
    reg = regime("hanoi-1841-2021")
    result = assess(reg, criteria=spread(reg, criteria), tasks=_tasks(split))
    assert result.total == D(total)
    assert level_code(result) == level
    assert result.level is not None and result.level.letter == letter
    assert result.level.display.endswith(f"(Loại {letter})")


@pytest.mark.parametrize(("criteria", "split", "total", "level", "letter"), HANOI_3814)
def test_hanoi_3814_thresholds(
    criteria: str, split: tuple[float, float] | None, total: str, level: str, letter: str
) -> None:
    reg = regime("hanoi-3814-2018")
    result = assess(reg, criteria=spread(reg, criteria), tasks=_tasks(split))
    assert result.total == D(total)
    assert level_code(result) == level
    assert result.level is not None and result.level.letter == letter


@pytest.mark.parametrize(("criteria", "total", "level"), QD366)
def test_qd366_thresholds(criteria: str, total: str, level: str) -> None:
    reg = regime("qd366-2025")
    result = assess(reg, criteria=spread(reg, criteria), tasks=perfect_tasks(3, exceeded=1))
    assert result.total == D(total)
    assert level_code(result) == level


def test_qd366_lower_thresholds_with_all_tasks_completed() -> None:
    """HT needs 50–<70 and 100 % completed: points lost through errors and delays, never unfinished tasks."""
    reg = regime("qd366-2025")
    # 7 tasks; 3 with 4 major errors each (quality of each 0) → quality 4/7 → tasks 70 × (1 + 4/7 + 1)/3 = 60
    tasks = perfect_tasks(4) + tuple(TaskInput(f"Văn bản {i}", ON_TIME, major_errors=4) for i in range(3))
    assert assess(reg, criteria=spread(reg, "9.99"), tasks=tasks).total == D("69.99")
    assert level_code(assess(reg, criteria=spread(reg, "9.99"), tasks=tasks)) == "HT"
    assert level_code(assess(reg, criteria=spread(reg, "10"), tasks=tasks)) == "HT"  # 70 but not 100 % on time
    # one task with 3 errors and 3 delays: quality 25 %, timeliness 25 % → 70 × 1.5/3 = 35
    half = (TaskInput("Đề án", LATE, major_errors=3, delays=3),)
    assert assess(reg, criteria=spread(reg, "15"), tasks=half).total == D("50.00")
    assert level_code(assess(reg, criteria=spread(reg, "15"), tasks=half)) == "HT"
    assert level_code(assess(reg, criteria=spread(reg, "14.99"), tasks=half)) == "KHT"


@pytest.mark.parametrize("regime_id", ["danang-lienchieu-2013", "danang-2013"])
@pytest.mark.parametrize(("total", "level"), DANANG)
def test_danang_bands(regime_id: str, total: str, level: str) -> None:
    reg = regime(regime_id)
    result = assess(reg, evaluators=same_for_all_roles(reg, spread(reg, total)))
    assert result.total == D(total).quantize(D("0.01"))
    assert level_code(result) == level


def test_danang_level_names_are_those_of_the_source() -> None:
    names = [level.name for level in regime("danang-lienchieu-2013").levels]
    assert names == [
        "Hoàn thành xuất sắc nhiệm vụ",
        "Hoàn thành tốt",
        "Hoàn thành nhưng còn hạn chế về năng lực",
        "Chưa hoàn thành công việc được giao",
    ]


@pytest.mark.parametrize(
    ("regime_id", "thresholds"),
    [
        ("nd335-2025", ["90", "70", "50", "0"]),
        ("hanoi-1841-2021", ["90", "70", "50", "0"]),
        ("hanoi-3814-2018", ["90", "70", "50", "0"]),
        ("qd366-2025", ["90", "70", "50", "0"]),
        ("danang-lienchieu-2013", ["85", "80", "70", "0"]),
        ("danang-2013", ["85", "80", "70", "0"]),
    ],
)
def test_level_for_each_threshold_and_just_below(regime_id: str, thresholds: list[str]) -> None:
    reg = regime(regime_id)
    assert [level.min_score for level in reg.levels] == [Decimal(t) for t in thresholds]
    for index, threshold in enumerate(thresholds[:-1]):
        assert reg.level_for(Decimal(threshold)).code == reg.levels[index].code
        assert reg.level_for(Decimal(threshold) - Decimal("0.01")).code == reg.levels[index + 1].code
