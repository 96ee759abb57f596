"""Task results (KPI × 70 %), the 25 % penalties and their exception, leaders' KPI and disqualifiers.

Reference §3.3: task points = KPI × 70/100, KPI = mean of quantity %, quality %, timeliness %; each major
content error costs 25 % of that product's quality points and each delay 25 % of its timeliness points,
unless an objective cause is confirmed; leaders: mean of six criteria, the unit's results 100 % when every
subordinate is at least "Hoàn thành nhiệm vụ", 50 % when any is "Không hoàn thành nhiệm vụ".
"""

from __future__ import annotations

import pytest

from danhgia.scoring import InvalidAssessmentError, LeaderInput, TaskInput
from tests.scoring.builders import (
    IN_PROGRESS,
    LATE,
    NOT_DONE,
    ON_TIME,
    D,
    assess,
    level_code,
    regime,
    spread,
)

ND335 = "nd335-2025"


def task_points(*tasks: TaskInput, leader: LeaderInput | None = None, regime_id: str = ND335) -> D:
    """Points of the task group only."""
    reg = regime(regime_id)
    result = assess(reg, criteria=spread(reg, 0), tasks=tasks, leader=leader)
    return result.parts[[p.code for p in result.parts].index(reg.task_group.code)].points  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("tasks", "points"),
    [
        # one product: 1 error → quality 75 % → KPI (100 + 75 + 100)/3 → 70 × 91,67 % = 64,17
        ((TaskInput("A", ON_TIME, major_errors=1),), "64.17"),
        ((TaskInput("A", ON_TIME, major_errors=2),), "58.33"),
        ((TaskInput("A", ON_TIME, major_errors=3),), "52.50"),
        ((TaskInput("A", ON_TIME, major_errors=4),), "46.67"),  # quality of the product reaches 0 …
        ((TaskInput("A", ON_TIME, major_errors=7),), "46.67"),  # … and never goes below 0
        ((TaskInput("A", LATE, delays=1),), "64.17"),
        ((TaskInput("A", LATE, delays=2),), "58.33"),
        ((TaskInput("A", LATE, delays=4),), "46.67"),
        ((TaskInput("A", LATE, delays=9),), "46.67"),
        ((TaskInput("A", LATE, delays=1, major_errors=1),), "58.33"),  # both penalties
        ((TaskInput("A", LATE, delays=4, major_errors=4),), "23.33"),  # only quantity is left
        # "hoàn thành chậm" without a count of delays counts as one delay (setting of danhgia)
        ((TaskInput("A", LATE),), "64.17"),
        # the penalty is 25 % of THAT product's points: one of four equal products
        ((TaskInput("A", ON_TIME, major_errors=1), *(TaskInput(f"B{i}", ON_TIME) for i in range(3))), "68.54"),
        # unfinished products count in the assigned volume and give no point in any component
        ((TaskInput("A", ON_TIME), TaskInput("B", IN_PROGRESS)), "35.00"),
        ((TaskInput("A", ON_TIME), TaskInput("B", NOT_DONE)), "35.00"),
        ((TaskInput("A", NOT_DONE),), "0.00"),
        # converted weights: a product of weight 3 counts three times
        ((TaskInput("A", ON_TIME, weight=D(3)), TaskInput("B", NOT_DONE)), "52.50"),
    ],
)
def test_task_points(tasks: tuple[TaskInput, ...], points: str) -> None:
    assert task_points(*tasks) == D(points)


def test_delay_line_reads_like_the_issue_example() -> None:
    """A delay on a product of weight 3 out of 7 costs 70/3 × 25 % × 3/7 = 2,5 points."""
    reg = regime(ND335)
    result = assess(
        reg,
        tasks=(TaskInput("Báo cáo quý", LATE, weight=D(3), delays=1), TaskInput("Báo cáo tháng", ON_TIME, weight=D(4))),
    )
    assert result.total == D("97.50")
    texts = [line.text for line in result.explanation]
    assert "−2,5 điểm: nhiệm vụ «Báo cáo quý» chậm tiến độ 1 lần — NĐ 335/2025, 25 % điểm tiến độ" in texts


def test_error_line_cites_the_quality_rule() -> None:
    result = assess(regime(ND335), tasks=(TaskInput("Thẩm định hồ sơ", ON_TIME, major_errors=2),))
    line = next(line for line in result.explanation if "sai sót" in line.reason)
    assert line.delta == D("-11.67")
    assert line.text == "−11,67 điểm: nhiệm vụ «Thẩm định hồ sơ» có 2 sai sót lớn — NĐ 335/2025, 25 % điểm chất lượng"
    assert line.citation.key == "sai_sot" and line.citation.source == "R"


@pytest.mark.parametrize("regime_id", ["nd335-2025", "hanoi-1841-2021", "hanoi-3814-2018", "qd366-2025"])
def test_objective_cause_cancels_error_and_delay_penalties(regime_id: str) -> None:
    excused = TaskInput("Báo cáo quý", LATE, delays=2, major_errors=1, objective_cause_confirmed=True)
    reg = regime(regime_id)
    assert reg.task_group is not None and reg.task_group.max_points is not None
    assert task_points(excused, regime_id=regime_id) == reg.task_group.max_points
    result = assess(reg, tasks=(excused,))
    line = next(line for line in result.explanation if "khách quan" in line.reason)
    assert line.delta == 0
    assert "không trừ điểm" in line.text
    assert line.citation.key == "khach_quan"


def test_nd335_objective_cause_does_not_excuse_an_unfinished_task() -> None:
    """NĐ 335 names the exception for errors and delays only; an unfinished product still counts."""
    tasks = (TaskInput("A", ON_TIME), TaskInput("B", NOT_DONE, objective_cause_confirmed=True))
    assert task_points(*tasks) == D("35.00")


def test_hanoi_1841_objective_cause_removes_an_unfinished_task_from_the_volume() -> None:
    """1841: «không hoàn thành nhiệm vụ do yếu tố khách quan … thì được xem xét» (setting: not counted)."""
    tasks = (TaskInput("A", ON_TIME), TaskInput("B", NOT_DONE, objective_cause_confirmed=True))
    assert task_points(*tasks, regime_id="hanoi-1841-2021") == D("80.00")
    only = (TaskInput("B", NOT_DONE, objective_cause_confirmed=True),)
    assert task_points(*only, regime_id="hanoi-1841-2021") == D("80.00")


def test_explanation_of_tasks_adds_up_to_the_points_lost() -> None:
    reg = regime(ND335)
    tasks = (
        TaskInput("Báo cáo quý", LATE, delays=1),
        TaskInput("Thẩm định", ON_TIME, major_errors=1),
        TaskInput("Tiếp công dân", ON_TIME),
        TaskInput("Kế hoạch", IN_PROGRESS),
    )
    result = assess(reg, tasks=tasks)
    assert result.total == D("79.58")  # 30 + 70 × (75 + 68,75 + 68,75)/300
    deltas = [line.delta for line in result.explanation if line.delta is not None]
    assert sum(deltas, D(0)) == D("-20.42")
    texts = [line.text for line in result.explanation]
    assert any(text.startswith("−17,5 điểm: nhiệm vụ «Kế hoạch» đang thực hiện") for text in texts)


# --------------------------------------------------------------------------- leaders (NĐ 335)

ALL_DONE = ("HTT", "HT", "HTXS")


@pytest.mark.parametrize(
    ("subordinates", "criteria", "points"),
    [
        (ALL_DONE, {"to_chuc_thuc_hien": "100"}, "70.00"),
        (("HT",), {"to_chuc_thuc_hien": "100"}, "70.00"),  # exactly "Hoàn thành nhiệm vụ" is enough
        (("HTT", "KHT"), {"to_chuc_thuc_hien": "100"}, "64.17"),  # unit 50 % → 70 × 5,5/6
        (("KHT", "KHT"), {"to_chuc_thuc_hien": "100"}, "64.17"),  # 50 % whatever the number failing
        (ALL_DONE, {"to_chuc_thuc_hien": "80"}, "67.67"),  # 70 × 5,8/6
        (ALL_DONE, {"to_chuc_thuc_hien": "100", "tieu_chi_thu_sau": "40"}, "63.00"),  # 70 × 5,4/6
        (("KHT",), {"to_chuc_thuc_hien": "0", "tieu_chi_thu_sau": "0"}, "40.83"),  # 70 × 3,5/6
    ],
)
def test_leader_kpi_is_the_mean_of_six_criteria(
    subordinates: tuple[str, ...], criteria: dict[str, str], points: str
) -> None:
    leader = LeaderInput(subordinates, tuple((code, D(value)) for code, value in criteria.items()))
    assert task_points(TaskInput("Chỉ đạo", ON_TIME), leader=leader) == D(points)


def test_leader_task_penalties_weigh_one_sixth() -> None:
    leader = LeaderInput(ALL_DONE, (("to_chuc_thuc_hien", D(100)),))
    # quality 75 % is one criterion of six: 70 × 5,75/6 = 67,08
    assert task_points(TaskInput("Chỉ đạo", ON_TIME, major_errors=1), leader=leader) == D("67.08")
    # an unfinished product costs quantity, quality and timeliness: 3 of 6 criteria at 50 %
    both = (TaskInput("A", ON_TIME), TaskInput("B", NOT_DONE))
    assert task_points(*both, leader=leader) == D("52.50")


def test_leader_unit_result_explained() -> None:
    reg = regime(ND335)
    leader = LeaderInput(("HTT", "KHT"), (("to_chuc_thuc_hien", D(100)),))
    result = assess(reg, leader=leader)
    assert result.is_leader
    line = next(line for line in result.explanation if line.citation.key == "ket_qua_don_vi")
    assert line.delta == D("-5.83")
    assert "1 người thuộc quyền xếp loại dưới «Hoàn thành nhiệm vụ»" in line.reason
    assert "50 %" in line.reason


def test_sixth_leader_criterion_is_a_documented_setting() -> None:
    reg = regime(ND335)
    rules = reg.task_group.tasks  # type: ignore[union-attr]
    assert rules is not None and len(rules.leader_criteria) == 6
    sixth = rules.leader_criteria[5]
    assert sixth.default_percent == 100 and sixth.cite.is_setting
    result = assess(reg, leader=LeaderInput(ALL_DONE, (("to_chuc_thuc_hien", D(100)),)), tasks=(TaskInput("A", LATE),))
    assert result.total == D("97.08")


@pytest.mark.parametrize(
    ("leader", "field"),
    [
        (LeaderInput(ALL_DONE, ()), "leader.criteria.to_chuc_thuc_hien"),
        (LeaderInput((), (("to_chuc_thuc_hien", D(100)),)), "leader.subordinate_levels"),
        (LeaderInput(("HTT", "XYZ"), (("to_chuc_thuc_hien", D(100)),)), "leader.subordinate_levels[1]"),
        (LeaderInput(ALL_DONE, (("to_chuc_thuc_hien", D(101)),)), "leader.criteria.to_chuc_thuc_hien"),
        (LeaderInput(ALL_DONE, (("to_chuc_thuc_hien", D(-1)),)), "leader.criteria.to_chuc_thuc_hien"),
        (LeaderInput(ALL_DONE, (("to_chuc", D(90)),)), "leader.criteria.to_chuc"),
        (LeaderInput(ALL_DONE, (("so_luong", D(90)),)), "leader.criteria.so_luong"),  # computed, not given
    ],
)
def test_leader_input_errors_name_the_field(leader: LeaderInput, field: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime(ND335), leader=leader)
    assert caught.value.field == field


# --------------------------------------------------------------------------- disqualifiers (NĐ 335)


@pytest.mark.parametrize("discipline", ["khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc"])
def test_discipline_from_khien_trach_forces_not_completed(discipline: str) -> None:
    result = assess(regime(ND335), discipline=discipline)
    assert result.total == D("100.00")
    assert result.score_level is not None and result.score_level.code == "HTXS"
    assert level_code(result) == "KHT"
    assert result.level is not None and result.level.name == "Không hoàn thành nhiệm vụ"
    assert result.disqualifiers == ("ky_luat",)
    assert any("bất kể số điểm" in line.text and line.citation.key == "kht_ky_luat" for line in result.explanation)


def test_degradation_forces_not_completed() -> None:
    result = assess(regime(ND335), disqualifiers=("suy_thoai",))
    assert level_code(result) == "KHT" and result.disqualifiers == ("suy_thoai",)


def test_corruption_in_the_unit_forces_not_completed_for_leaders_only() -> None:
    leader = LeaderInput(ALL_DONE, (("to_chuc_thuc_hien", D(100)),))
    assert level_code(assess(regime(ND335), leader=leader, disqualifiers=("don_vi_tham_nhung",))) == "KHT"
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime(ND335), disqualifiers=("don_vi_tham_nhung",))
    assert caught.value.field == "disqualifiers[0]"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"discipline": "phat_tien"}, "discipline"),
        ({"disqualifiers": ("khong_co",)}, "disqualifiers[0]"),
        ({"disqualifiers": ("ky_luat",)}, "disqualifiers[0]"),  # discipline goes in «discipline»
    ],
)
def test_disqualifier_errors(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime(ND335), **kwargs)
    assert caught.value.field == field


def test_no_disqualifier_without_facts() -> None:
    result = assess(regime(ND335))
    assert result.disqualifiers == () and level_code(result) == "HTXS"
