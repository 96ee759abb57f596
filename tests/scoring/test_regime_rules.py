"""The rules particular to each regime: Hà Nội's leader cap, leave and bonus; Đà Nẵng's 360° inputs, bonus and
deduction points and council flags; QĐ 366's task conditions on the levels."""

from __future__ import annotations

import pytest

from danhgia.scoring import (
    BonusClaim,
    CriterionInput,
    DeductionChoice,
    EvaluatorInput,
    InvalidAssessmentError,
    LeaderInput,
    LeaveEntry,
    TaskInput,
    WorkingTime,
)
from tests.scoring.builders import (
    IN_PROGRESS,
    LATE,
    ON_TIME,
    D,
    assess,
    full,
    level_code,
    perfect_tasks,
    regime,
    same_for_all_roles,
    spread,
)

# --------------------------------------------------------------------------- structure from the reference


@pytest.mark.parametrize(
    ("regime_id", "groups"),
    [
        ("nd335-2025", {"tieu_chi_chung": "30", "ket_qua_nhiem_vu": "70"}),
        ("hanoi-1841-2021", {"nhom_1": "20", "nhom_2": "80"}),
        ("hanoi-3814-2018", {"ky_luat_dao_duc": "20", "ket_qua_nhiem_vu": "70", "diem_thuong": "10"}),
        ("danang-lienchieu-2013", {"ket_qua": "60", "chap_hanh": "15", "thai_do": "25", "diem_thuong": "5"}),
        ("danang-2013", {"ket_qua": "70", "chap_hanh": "10", "thai_do": "20"}),
        ("qd366-2025", {"tieu_chi_chung": "30", "ket_qua_nhiem_vu": "70"}),
    ],
)
def test_group_maxima_follow_the_reference(regime_id: str, groups: dict[str, str]) -> None:
    reg = regime(regime_id)
    found = {g.code: str(g.max_points) for g in reg.groups if g.max_points is not None}
    assert found == groups
    assert reg.max_total == 100


def test_hanoi_1841_group_1_has_the_four_named_criteria() -> None:
    names = [c.name for c in regime("hanoi-1841-2021").criteria]
    assert names == ["Tư tưởng chính trị", "Đạo đức, lối sống", "Tác phong, lề lối làm việc", "Ý thức tổ chức kỷ luật"]


@pytest.mark.parametrize(
    ("regime_id", "citation"),
    [
        ("hanoi-1841-2021", "diem_tieu_chi"),  # sub-criterion points: unknown
        ("danang-lienchieu-2013", "trong_so"),  # evaluator weights: unknown
        ("danang-2013", "trong_so"),
        ("nd335-2025", "ty_le_ngoai_le"),  # the quota exception: cut off in the source
        ("nd335-2025", "tieu_chi_thu_sau"),  # the sixth leader criterion: not found
        ("hanoi-1841-2021", "ty_le"),  # 1841's quota: not found
    ],
)
def test_unknown_numbers_are_named_settings(regime_id: str, citation: str) -> None:
    cite = regime(regime_id).citations[citation]
    assert cite.is_setting
    assert "không có trong văn bản gốc" in cite.note.lower()
    assert cite in regime(regime_id).settings
    assert "(thiết lập mặc định, không có trong văn bản gốc)" in cite.label


# --------------------------------------------------------------------------- criteria deductions


def test_deductions_are_subtracted_and_capped_at_the_criterion() -> None:
    reg = regime("nd335-2025")
    criteria = (
        CriterionInput("pham_chat", deductions=(DeductionChoice("vi_pham_gio_giac", 2),)),
        CriterionInput("trach_nhiem", deductions=(DeductionChoice("phan_anh_thai_do", 9),)),  # 18 > 10
        CriterionInput("doi_moi", points=D("7.5")),
    )
    result = assess(reg, criteria=criteria)
    assert result.parts[0].points == D("15.50")  # 8 + 0 + 7,5
    texts = [line.text for line in result.explanation]
    assert texts[0].startswith("−2 điểm: «Phẩm chất chính trị") and "(2 lần)" in texts[0]
    assert any("điểm trừ không vượt quá điểm tối đa của tiêu chí" in t and t.startswith("+8 điểm") for t in texts)
    assert any(
        t.startswith("−2,5 điểm: «Năng lực đổi mới sáng tạo, dám nghĩ, dám làm» được chấm 7,5/10") for t in texts
    )


# --------------------------------------------------------------------------- Hà Nội


def test_hanoi_1841_leader_is_not_rated_above_the_unit() -> None:
    reg = regime("hanoi-1841-2021")
    result = assess(reg, leader=LeaderInput(unit_level="HTT"))
    assert result.total == D("100.00") and result.score_level is not None and result.score_level.code == "HTXS"
    assert level_code(result) == "HTT"
    assert any(line.citation.key == "lanh_dao" for line in result.explanation)
    assert level_code(assess(reg, leader=LeaderInput(unit_level="HTXS"))) == "HTXS"
    low = assess(reg, criteria=spread(reg, 0), tasks=(TaskInput("A", ON_TIME), TaskInput("B", IN_PROGRESS)))
    assert level_code(low) == "KHT"  # 40 points; the cap never raises anyone


def test_hanoi_1841_leader_needs_the_unit_level() -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime("hanoi-1841-2021"), leader=LeaderInput())
    assert caught.value.field == "leader.unit_level"
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime("hanoi-1841-2021"), leader=LeaderInput(unit_level="A"))
    assert caught.value.field == "leader.unit_level"


def test_hanoi_1841_training_counts_as_working_time() -> None:
    reg = regime("hanoi-1841-2021")
    result = assess(reg, working_time=WorkingTime(22, (LeaveEntry("training", 22),)))
    assert result.rated and result.total == D("100.00")
    whole_month_sick = assess(reg, working_time=WorkingTime(22, (LeaveEntry("sick", 22),)))
    assert not whole_month_sick.rated and whole_month_sick.total is None and whole_month_sick.level is None
    assert whole_month_sick.absence_reason == "sick"


@pytest.mark.parametrize("regime_id", ["nd335-2025", "hanoi-1841-2021", "qd366-2025", "danang-2013"])
@pytest.mark.parametrize("leave", ["sick", "annual", "maternity", "unpaid"])
def test_partial_leave_keeps_the_period_rated_and_names_the_leave(regime_id: str, leave: str) -> None:
    result = assess(regime(regime_id), working_time=WorkingTime(22, (LeaveEntry(leave, 5),)))
    assert result.rated and result.total == D("100.00")
    assert result.absence_reason == leave
    assert any(
        line.text.startswith(f"Nghỉ {'thai sản' if leave == 'maternity' else ''}") for line in result.explanation
    )


def test_hanoi_3814_bonus_points_up_to_ten_and_total_up_to_100() -> None:
    reg = regime("hanoi-3814-2018")
    bonus = (BonusClaim("thanh_tich", points=D(10)),)
    result = assess(reg, bonuses=bonus)
    assert result.total == D("100.00") and [p.points for p in result.parts] == [D(20), D(70), D(10)]
    lower = assess(reg, criteria=spread(reg, 10), bonuses=(BonusClaim("thanh_tich", points=D("7.5")),))
    assert lower.total == D("87.50") and level_code(lower) == "HTT"
    lifted = assess(reg, criteria=spread(reg, 10), bonuses=(BonusClaim("thanh_tich", points=D(10)),))
    assert lifted.total == D("90.00") and level_code(lifted) == "HTXS"
    assert any(line.text.startswith("+10 điểm: Thành tích nổi bật") for line in lifted.explanation)
    without = assess(reg)
    assert without.total == D("90.00")
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(reg, bonuses=(BonusClaim("thanh_tich", points=D("10.5")),))
    assert caught.value.field == "bonuses[0].points"


def test_bonus_group_is_capped_when_claimed_twice() -> None:
    reg = regime("hanoi-3814-2018")
    result = assess(reg, bonuses=(BonusClaim("thanh_tich", points=D(8)), BonusClaim("thanh_tich", points=D(8))))
    assert result.parts[2].points == D(10)
    assert any("tối đa 10 điểm" in line.text for line in result.explanation)


def test_regimes_without_bonus_refuse_bonus_points() -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime("nd335-2025"), bonuses=(BonusClaim("thanh_tich", points=D(1)),))
    assert caught.value.field == "bonuses"
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime("nd335-2025"), penalties=(BonusClaim("vi_pham", points=D(1)),))
    assert caught.value.field == "penalties"


# --------------------------------------------------------------------------- Đà Nẵng 360°


def _ev(role: str, reg_id: str = "danang-lienchieu-2013", **points: str) -> EvaluatorInput:
    reg = regime(reg_id)
    return EvaluatorInput(
        role,
        tuple(
            CriterionInput(c, points=D(points[c])) if c in points else CriterionInput(c) for c in reg.criteria_by_code
        ),
    )


def _peers(count: int, reg_id: str = "danang-lienchieu-2013", **points: str) -> tuple[EvaluatorInput, ...]:
    """`count` peers: the first gives `points`, the others full points."""
    return tuple(_ev("peer", reg_id, **(points if i == 0 else {})) for i in range(count))


def test_360_roles_weigh_20_percent_each_scaled_over_the_roles_present() -> None:
    reg = regime("danang-lienchieu-2013")
    evaluators = (
        _ev("self"),
        *_peers(3, ket_qua_cong_viec="40"),  # −20 × 25 % / 3
        _ev("direct_leader", thai_do_trach_nhiem="21"),  # −4 × 25 %
        _ev("higher_leader"),
    )
    result = assess(reg, evaluators=evaluators)  # no subordinate: 20 % each over four roles = 25 % each
    assert result.total == D("97.33")
    assert [p.points for p in result.parts[:3]] == [D("58.33"), D(15), D(24)]
    facts = [line.text for line in result.explanation if line.delta is None]
    assert any(text.startswith("Tự đánh giá chấm 100 điểm, trọng số 25 %") for text in facts)
    assert any(
        text.startswith("Đồng nghiệp (3 người, chấm kín) cho trung bình 93,33 điểm, trọng số 25 %") for text in facts
    )
    assert any(
        line.text.startswith("−1 điểm: Lãnh đạo trực tiếp: «Thái độ, trách nhiệm") for line in result.explanation
    )
    assert any(
        line.text.startswith("−1,67 điểm: Đồng nghiệp (trung bình): «Kết quả thực hiện công việc» chưa đạt điểm tối đa")
        for line in result.explanation
    )
    assert not any(
        line.text.startswith(("Đồng nghiệp chấm", "Đồng nghiệp 1", "Đồng nghiệp:")) for line in result.explanation
    )


def test_360_peers_count_from_three_and_missing_roles_are_reweighted() -> None:
    reg = regime("danang-lienchieu-2013")
    others = (_ev("self"), _ev("direct_leader"), _ev("higher_leader"))
    two = assess(reg, evaluators=(*others, *_peers(2, ket_qua_cong_viec="40")))
    assert two.total == D("100.00")  # two peers: left out, self and the leaders weigh a third each
    assert any(line.text.startswith("Đồng nghiệp: chưa đủ 3 người đánh giá") for line in two.explanation)
    three = assess(reg, evaluators=(*others, *_peers(3, ket_qua_cong_viec="40")))
    assert three.total == D("98.33")  # −20 × 25 % / 3
    four = assess(reg, evaluators=(*others, *_peers(4, ket_qua_cong_viec="40")))
    assert four.total == D("98.75")  # −20 × 25 % / 4
    pair = (_ev("self"), _ev("direct_leader", ket_qua_cong_viec="40"))
    assert assess(reg, evaluators=pair).total == D("90.00")  # each role 50 %


def test_360_council_flag_for_a_large_self_vs_leader_gap() -> None:
    for reg_id, top in (("danang-lienchieu-2013", 60), ("danang-2013", 70)):
        reg = regime(reg_id)
        flagged = assess(
            reg, evaluators=(_ev("self", reg_id), _ev("direct_leader", reg_id, ket_qua_cong_viec=str(top - 10)))
        )
        gaps = [f for f in flagged.flags if f.code == "council_review_gap"]
        assert len(gaps) == 1, reg_id
        assert "là 10 điểm (từ 10 điểm): Hội đồng đánh giá rà soát" in gaps[0].message
        assert any(line.text.startswith(gaps[0].message) for line in flagged.explanation)
        quiet = assess(
            reg, evaluators=(_ev("self", reg_id), _ev("direct_leader", reg_id, ket_qua_cong_viec=f"{top - 10}.01"))
        )
        assert not [f for f in quiet.flags if f.code == "council_review_gap"], reg_id
    # peers and staff are not the leader: their gap with the self-score raises no flag
    reg = regime("danang-2013")
    low = _peers(3, "danang-2013", ket_qua_cong_viec="0")
    leaders = (_ev("direct_leader", "danang-2013"), _ev("higher_leader", "danang-2013"))
    assert assess(reg, evaluators=(_ev("self", "danang-2013"), *low, *leaders)).flags == ()


def test_360_long_absence_flag() -> None:
    reg = regime("danang-lienchieu-2013")
    assert [f.code for f in assess(reg, working_time=WorkingTime(22, (LeaveEntry("sick", 10),))).flags] == [
        "council_review_absence"
    ]
    assert assess(reg, working_time=WorkingTime(22, (LeaveEntry("sick", 9),))).flags == ()


def test_lienchieu_bonus_and_deduction_points() -> None:
    reg = regime("danang-lienchieu-2013")
    base = same_for_all_roles(reg, spread(reg, 80))
    result = assess(reg, evaluators=base, bonuses=(BonusClaim("thanh_tich", points=D(5)),))
    assert result.total == D("85.00") and level_code(result) == "HTXS"
    result = assess(reg, evaluators=base, penalties=(BonusClaim("vi_pham", points=D("0.01")),))
    assert result.total == D("79.99") and level_code(result) == "HT"
    assert result.parts[-1].points == D("-0.01") and result.parts[-1].max_points is None
    capped = assess(reg, bonuses=(BonusClaim("thanh_tich", points=D(5)),))
    assert capped.total == D("100.00")
    assert any("tổng điểm không vượt quá 100" in line.text for line in capped.explanation)
    floor = assess(
        reg,
        evaluators=same_for_all_roles(reg, spread(reg, 5)),
        penalties=(BonusClaim("vi_pham", points=D(10)),),
    )
    assert floor.total == D("0.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"evaluators": ()}, "evaluators"),
        ({"evaluators": (EvaluatorInput("boss", ()),)}, "evaluators[0].role"),
        ({"evaluators": (EvaluatorInput("peer", full(regime("danang-2013"))),) * 2}, "evaluators"),  # none counts
        ({"criteria": full(regime("danang-2013"))}, "criteria"),
    ],
)
def test_360_input_errors(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime("danang-2013"), **kwargs)
    assert caught.value.field == field


def test_evaluators_refused_by_a_single_assessor_regime() -> None:
    reg = regime("nd335-2025")
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(reg, evaluators=(EvaluatorInput("self", full(reg)),))
    assert caught.value.field == "evaluators"


def test_360_evaluator_error_names_the_evaluator() -> None:
    reg = regime("danang-2013")
    bad = _ev("peer", "danang-2013", ket_qua_cong_viec="71")
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(reg, evaluators=(_ev("self", "danang-2013"), bad))
    assert caught.value.field == "evaluators[1].criteria.ket_qua_cong_viec.points"


# --------------------------------------------------------------------------- QĐ 366 conditions


def test_qd366_excellent_needs_30_percent_exceeded() -> None:
    reg = regime("qd366-2025")
    assert level_code(assess(reg, tasks=perfect_tasks(10, exceeded=3))) == "HTXS"
    short = assess(reg, tasks=perfect_tasks(10, exceeded=2))
    assert short.total == D("100.00") and level_code(short) == "HTT"
    assert any("ít nhất 30 % nhiệm vụ vượt mức (đạt 20 %)" in line.text for line in short.explanation)


def test_qd366_excellent_and_good_need_every_task_on_time_with_quality() -> None:
    reg = regime("qd366-2025")
    tasks = (*perfect_tasks(9, exceeded=5), TaskInput("Báo cáo", LATE))
    result = assess(reg, tasks=tasks)
    assert result.total == D("99.42") and level_code(result) == "HT"
    excused = (*perfect_tasks(9, exceeded=5), TaskInput("Báo cáo", LATE, objective_cause_confirmed=True))
    assert level_code(assess(reg, tasks=excused)) == "HTXS"
    errors = (*perfect_tasks(9, exceeded=5), TaskInput("Báo cáo", ON_TIME, major_errors=1))
    assert level_code(assess(reg, tasks=errors)) == "HT"


def test_qd366_completed_needs_every_task_completed() -> None:
    reg = regime("qd366-2025")
    tasks = (*perfect_tasks(9, exceeded=5), TaskInput("Đề án", IN_PROGRESS))
    result = assess(reg, tasks=tasks)
    assert result.total == D("93.00") and level_code(result) == "KHT"
    assert any("hoàn thành 100 % nhiệm vụ (đạt 90 %)" in line.text for line in result.explanation)
