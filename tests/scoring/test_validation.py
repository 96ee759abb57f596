"""Invalid inputs are refused with an error naming the field — never a wrong score."""

from __future__ import annotations

from typing import Any

import pytest

from danhgia.scoring import (
    Assessment,
    BonusClaim,
    CriterionInput,
    DeductionChoice,
    InvalidAssessmentError,
    LeaveEntry,
    ScoringError,
    TaskInput,
    UnknownRegimeError,
    WorkingTime,
    evaluate,
    load_regime,
    parse_assessment,
)
from tests.scoring.builders import LATE, NOT_DONE, ON_TIME, D, assess, full, perfect_tasks, regime

ND335 = "nd335-2025"


def crit(**given: CriterionInput) -> tuple[CriterionInput, ...]:
    """nd335 criteria at full points except those given."""
    return tuple(given.get(c.code, CriterionInput(c.code)) for c in regime(ND335).criteria)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        # criteria
        (
            {"criteria": crit(pham_chat=CriterionInput("pham_chat", points=D("10.5")))},
            "criteria.pham_chat.points",
            "vượt điểm tối đa 10",
        ),
        (
            {"criteria": crit(pham_chat=CriterionInput("pham_chat", points=D(-1)))},
            "criteria.pham_chat.points",
            "không được âm",
        ),
        (
            {"criteria": crit(pham_chat=CriterionInput("pham_chat", points=D("9.995")))},
            "criteria.pham_chat.points",
            "2 chữ số thập phân",
        ),
        (
            {"criteria": (*full(regime(ND335)), CriterionInput("sang_tao"))},
            "criteria.sang_tao",
            "không có trong chế độ nd335-2025",
        ),
        ({"criteria": (*full(regime(ND335)), CriterionInput("doi_moi"))}, "criteria.doi_moi", "hai lần"),
        (
            {"criteria": full(regime(ND335))[:2]},
            "criteria.doi_moi",
            "thiếu tiêu chí «Năng lực đổi mới sáng tạo, dám nghĩ, dám làm»",
        ),
        ({"criteria": ()}, "criteria.pham_chat", "thiếu tiêu chí"),
        (
            {
                "criteria": crit(
                    doi_moi=CriterionInput("doi_moi", points=D(5), deductions=(DeductionChoice("ne_tranh"),))
                )
            },
            "criteria.doi_moi",
            "chỉ chọn một trong hai",
        ),
        (
            {"criteria": crit(doi_moi=CriterionInput("doi_moi", deductions=(DeductionChoice("di_muon"),)))},
            "criteria.doi_moi.deductions[0].code",
            "khoản trừ «di_muon» không có trong danh mục; có: ne_tranh, khong_de_xuat",
        ),
        (
            {"criteria": crit(doi_moi=CriterionInput("doi_moi", deductions=(DeductionChoice("ne_tranh", 0),)))},
            "criteria.doi_moi.deductions[0].count",
            "phải từ 1 trở lên",
        ),
        # tasks
        ({"tasks": ()}, "tasks", "cần ít nhất một nhiệm vụ"),
        ({"tasks": (TaskInput("A", ON_TIME, major_errors=-1),)}, "tasks[0].major_errors", "không được âm"),
        ({"tasks": (*perfect_tasks(2), TaskInput("A", LATE, delays=-2))}, "tasks[2].delays", "không được âm"),
        ({"tasks": (TaskInput("A", ON_TIME, major_errors=True),)}, "tasks[0].major_errors", "số nguyên"),  # type: ignore[arg-type]
        ({"tasks": (TaskInput("A", ON_TIME, weight=D(0)),)}, "tasks[0].weight", "phải lớn hơn 0"),
        ({"tasks": (TaskInput("A", ON_TIME, weight=D(-1)),)}, "tasks[0].weight", "phải lớn hơn 0"),
        ({"tasks": (TaskInput("  ", ON_TIME),)}, "tasks[0].name", "cần tên nhiệm vụ"),
        ({"tasks": (TaskInput("A", "xong"),)}, "tasks[0].status", "trạng thái không hợp lệ"),  # type: ignore[arg-type]
        ({"tasks": (TaskInput("A", ON_TIME, delays=1),)}, "tasks[0].delays", "hoàn thành đúng hạn"),
        ({"tasks": (TaskInput("A", NOT_DONE, exceeded=True),)}, "tasks[0].exceeded", "đã hoàn thành"),
        # working time
        ({"working_time": WorkingTime(0)}, "working_time.working_days", "phải từ 1 trở lên"),
        ({"working_time": WorkingTime(22, (LeaveEntry("holiday", 1),))}, "working_time.leave[0].type", "không hợp lệ"),
        ({"working_time": WorkingTime(22, (LeaveEntry("sick", -1),))}, "working_time.leave[0].days", "không được âm"),
        (
            {"working_time": WorkingTime(22, (LeaveEntry("sick", 20), LeaveEntry("annual", 3)))},
            "working_time.leave",
            "tổng số ngày nghỉ (23) vượt số ngày làm việc (22)",
        ),
    ],
)
def test_invalid_assessment(kwargs: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime(ND335), **kwargs)
    assert caught.value.field == field
    assert message in caught.value.message
    assert caught.value.message.startswith(f"Dữ liệu không hợp lệ — {field}: ")


@pytest.mark.parametrize(
    ("regime_id", "kwargs", "field"),
    [
        ("hanoi-3814-2018", {"bonuses": (BonusClaim("sang_kien", points=D(1)),)}, "bonuses[0].code"),
        ("hanoi-3814-2018", {"bonuses": (BonusClaim("thanh_tich"),)}, "bonuses[0].points"),
        ("hanoi-3814-2018", {"bonuses": (BonusClaim("thanh_tich", count=2, points=D(1)),)}, "bonuses[0].count"),
        ("hanoi-3814-2018", {"bonuses": (BonusClaim("thanh_tich", count=0, points=D(1)),)}, "bonuses[0].count"),
        ("hanoi-3814-2018", {"bonuses": (BonusClaim("thanh_tich", points=D(-1)),)}, "bonuses[0].points"),
        ("danang-lienchieu-2013", {"penalties": (BonusClaim("vi_pham", points=D(11)),)}, "penalties[0].points"),
        ("danang-2013", {"tasks": perfect_tasks()}, "tasks"),
    ],
)
def test_invalid_bonus_penalty_and_tasks(regime_id: str, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(regime(regime_id), **kwargs)
    assert caught.value.field == field


def test_unknown_regime() -> None:
    with pytest.raises(UnknownRegimeError) as caught:
        evaluate("nd999-2030", Assessment())
    assert caught.value.regime_id == "nd999-2030"
    assert str(caught.value).startswith("Không có chế độ đánh giá «nd999-2030». Các chế độ có sẵn: danang-2013,")
    assert isinstance(caught.value, ScoringError)
    with pytest.raises(UnknownRegimeError):
        load_regime("../regimes/nd335-2025")


# --------------------------------------------------------------------------- JSON reading


def base_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "person_id": "CV01",
        "criteria": {"pham_chat": "full", "trach_nhiem": {}, "doi_moi": None},
        "tasks": [{"name": "Báo cáo", "status": "done_on_time"}],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"criterias": {}}, "criterias", "trường không được hỗ trợ"),
        ({"criteria": []}, "criteria", "phải là một đối tượng JSON"),
        (
            {"criteria": {"pham_chat": "7,5", "trach_nhiem": {}, "doi_moi": {}}},
            "criteria.pham_chat",
            "dấu chấm thập phân",
        ),
        (
            {"criteria": {"pham_chat": True, "trach_nhiem": {}, "doi_moi": {}}},
            "criteria.pham_chat",
            "phải là một đối tượng",
        ),
        (
            {"criteria": {"pham_chat": {"diem": 5}, "trach_nhiem": {}, "doi_moi": {}}},
            "criteria.pham_chat.diem",
            "không được hỗ trợ",
        ),
        (
            {"tasks": [{"name": "A", "status": "done"}]},
            "tasks[0].status",
            "done_on_time, done_late, in_progress, not_done",
        ),
        ({"tasks": [{"status": "done_on_time"}]}, "tasks[0].name", "thiếu trường bắt buộc"),
        ({"tasks": [{"name": "A", "status": "done_late", "delays": 1.5}]}, "tasks[0].delays", "số nguyên"),
        ({"tasks": [{"name": "A", "status": "done_late", "delays": "1"}]}, "tasks[0].delays", "số nguyên"),
        ({"tasks": [{"name": "A", "status": "done_on_time", "weight": "một"}]}, "tasks[0].weight", "không phải là số"),
        (
            {"tasks": [{"name": "A", "status": "done_on_time", "exceeded": "yes"}]},
            "tasks[0].exceeded",
            "true hoặc false",
        ),
        ({"tasks": {"name": "A"}}, "tasks", "phải là một danh sách"),
        ({"working_time": {"leave": {"sick": 2}}}, "working_time.working_days", "thiếu trường bắt buộc"),
        ({"working_time": {"working_days": 22, "leave": {"sick": "hai"}}}, "working_time.leave.sick", "số nguyên"),
        (
            {"leader": {"criteria": {"to_chuc_thuc_hien": "nhiều"}}},
            "leader.criteria.to_chuc_thuc_hien",
            "không phải là số",
        ),
        ({"disqualifiers": "ky_luat"}, "disqualifiers", "phải là một danh sách"),
        ({"discipline": 1}, "discipline", "chuỗi ký tự"),
    ],
)
def test_invalid_json_assessment(changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        evaluate(ND335, parse_assessment(base_json(**changes)))
    assert caught.value.field == field
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("value", "points"), [(7, "7"), (7.5, "7.5"), ("7.25", "7.25"), (D("7.10"), "7.10"), (0.1, "0.1")]
)
def test_json_numbers(value: object, points: str) -> None:
    data = base_json(criteria={"pham_chat": value, "trach_nhiem": "full", "doi_moi": "full"})
    parsed = parse_assessment(data)
    assert parsed.criteria[0].points == D(points)
    assert evaluate(ND335, parsed).parts[0].points == D(points) + 20


def test_json_full_points_spellings_are_equivalent() -> None:
    spellings = [base_json(), base_json(criteria={"pham_chat": {}, "trach_nhiem": None, "doi_moi": "full"})]
    totals = {evaluate(ND335, parse_assessment(data)).total for data in spellings}
    assert totals == {D("100.00")}


def test_missing_criterion_error_says_how_to_give_full_points() -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        evaluate(ND335, parse_assessment(base_json(criteria={"pham_chat": "full", "trach_nhiem": "full"})))
    assert caught.value.field == "criteria.doi_moi"
    assert '"full"' in caught.value.message


def test_criteria_in_any_order_give_the_same_result() -> None:
    """JSON objects have no order: a reordered "criteria" gives the same points and explanation."""
    reg = regime(ND335)
    given = (
        CriterionInput("pham_chat", deductions=(DeductionChoice("vi_pham_gio_giac", 2),)),
        CriterionInput("trach_nhiem", points=D("7.5")),
        CriterionInput("doi_moi"),
    )
    in_order = assess(reg, criteria=given)
    for order in ((2, 1, 0), (1, 0, 2), (0, 2, 1)):
        shuffled = assess(reg, criteria=tuple(given[i] for i in order))
        assert shuffled.total == in_order.total == D("95.50")
        assert shuffled.explanation == in_order.explanation
