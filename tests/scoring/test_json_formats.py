"""The documented JSON formats: reading (strict, errors name the field) and writing (2-decimal strings)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from danhgia.scoring import (
    InvalidAssessmentError,
    PeriodRecord,
    apply_quota,
    evaluate,
    load_regime,
    parse_assessment,
    parse_period_record,
    parse_rollup_input,
    parse_unit_input,
    quota_to_dict,
    regime_to_dict,
    result_to_dict,
    rollup,
    rollup_to_dict,
    to_json,
)
from tests.scoring.builders import REGIME_IDS, D

ND335 = load_regime("nd335-2025")


def person(person_id: str = "CV01", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "person_id": person_id,
        "criteria": {"pham_chat": "full", "trach_nhiem": "full", "doi_moi": "full"},
        "tasks": [{"name": "Báo cáo", "status": "done_on_time"}],
    }
    data.update(changes)
    return data


def test_result_dict_has_the_documented_fields() -> None:
    data = result_to_dict(evaluate(ND335, parse_assessment(person(discipline="canh_cao"))))
    assert list(data) == [
        "regime",
        "person_id",
        "rated",
        "total",
        "max_total",
        "level",
        "score_level",
        "parts",
        "is_leader",
        "disqualifiers",
        "absence_reason",
        "flags",
        "task_stats",
        "explanation",
    ]
    assert data["total"] == "100.00" and data["max_total"] == "100.00"
    assert data["level"] == {"code": "KHT", "name": "Không hoàn thành nhiệm vụ", "letter": None, "rank": 1}
    assert data["score_level"]["code"] == "HTXS" and data["disqualifiers"] == ["ky_luat"]
    line = data["explanation"][-1]
    assert set(line) == {"delta", "text", "reason", "part", "citation"}
    assert line["citation"] == {
        "key": "kht_ky_luat",
        "label": "NĐ 335/2025, Không hoàn thành nhiệm vụ khi bị kỷ luật từ khiển trách trở lên trong năm đánh giá",
        "source": "Q",
    }
    json.loads(to_json(evaluate(ND335, parse_assessment(person()))))


def test_no_negative_zero_in_json() -> None:
    reg = load_regime("danang-lienchieu-2013")
    data = person(
        regime="danang-lienchieu-2013",
        criteria=None,
        tasks=None,
        evaluators=[
            {
                "role": "self",
                "criteria": {"ket_qua_cong_viec": "full", "chap_hanh_phap_luat": "full", "thai_do_trach_nhiem": 25},
            }
        ],
    )
    out = result_to_dict(evaluate(reg, parse_assessment(data)))
    assert [p["points"] for p in out["parts"]] == ["60.00", "15.00", "25.00", "0.00", "0.00"]
    assert "-0.00" not in to_json(out)


def test_unrated_result() -> None:
    out = result_to_dict(
        evaluate(ND335, parse_assessment(person(working_time={"working_days": 20, "leave": {"maternity": 20}})))
    )
    assert out["rated"] is False and out["total"] is None and out["level"] is None and out["parts"] == []
    assert out["absence_reason"] == "maternity"
    assert any("không đánh giá, xếp loại kỳ này" in line["text"] for line in out["explanation"])


def test_a_stored_result_rolls_up_like_the_result() -> None:
    """The bot stores result_to_dict(); the roll-up accepts it back as {"period", "result"}."""
    results = {
        "2026-01": evaluate(ND335, parse_assessment(person())),
        "2026-02": evaluate(ND335, parse_assessment(person(tasks=[{"name": "A", "status": "done_late"}]))),
        "2026-03": evaluate(ND335, parse_assessment(person(working_time={"working_days": 21, "leave": {"sick": 21}}))),
        "2026-04": evaluate(ND335, parse_assessment(person(discipline="khien_trach"))),
    }
    direct = rollup(ND335, [PeriodRecord.from_result(k, r) for k, r in results.items()])
    stored = [
        parse_period_record(ND335, json.loads(json.dumps({"period": k, "result": result_to_dict(r)})), f"periods[{i}]")
        for i, (k, r) in enumerate(results.items())
    ]
    assert rollup_to_dict(rollup(ND335, stored)) == rollup_to_dict(direct)
    assert not direct.year.rated  # 3 months worked
    assert [q.level.code for q in direct.quarters if q.level] == ["HTXS", "KHT"]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"period": "2026-01"}, "periods[0].total"),
        ({"total": 90}, "periods[0].period"),
        ({"period": "2026-01", "total": "chín mươi"}, "periods[0].total"),
        ({"period": "2026-01", "total": 90, "months_worked": "một"}, "periods[0].months_worked"),
        ({"period": "2026-01", "total": 90, "task_stats": {"assigned": 1, "done": 1}}, "periods[0].task_stats.done"),
        ({"period": "2026-01", "assessment": person(tasks=[])}, "periods[0].assessment.tasks"),
        (
            {"period": "2026-01", "assessment": person(tasks=[{"name": "A", "status": "x"}])},
            "periods[0].assessment.tasks[0].status",
        ),
        ({"period": "2026-01", "tong": 90}, "periods[0].tong"),
    ],
)
def test_rollup_input_errors(record: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        parse_rollup_input(ND335, {"periods": [record]})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"period": "2026-01", "total": "91.555"}, "periods[0].total"),
        ({"period": "2026-01", "total": 91.555}, "periods[0].total"),
        ({"period": "2026-01", "total": D("91.001")}, "periods[0].total"),
        ({"period": "2026-01", "result": {"total": "91.555"}}, "periods[0].result.total"),
    ],
)
def test_rollup_totals_have_at_most_two_decimals_as_criteria_points(record: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        parse_rollup_input(ND335, {"periods": [record]})
    assert (caught.value.field, caught.value.reason) == (field, "tối đa 2 chữ số thập phân")
    with pytest.raises(InvalidAssessmentError) as criterion:
        parse_rollup_input(
            ND335,
            {
                "periods": [
                    {"period": "2026-01", "assessment": person(criteria={**person()["criteria"], "doi_moi": "9.555"})}
                ]
            },
        )
    assert criterion.value.reason == caught.value.reason  # the same message as for a criterion's points
    parsed = parse_rollup_input(ND335, {"periods": [{"period": "2026-01", "total": 91.55}]})
    assert parsed.periods[0].total == D("91.55")


def test_rollup_input() -> None:
    parsed = parse_rollup_input(
        "hanoi-1841-2021",
        {
            "person_id": "TP01",
            "cap_level": "HTT",
            "periods": [{"period": "2026-01", "total": "91.5"}, {"period": "2026-02", "absent": "annual"}],
        },
    )
    assert parsed.person_id == "TP01" and parsed.cap_level == "HTT"
    assert parsed.periods == (
        PeriodRecord("2026-01", D("91.5")),
        PeriodRecord("2026-02", None, (), None, 0, "annual"),
    )
    with pytest.raises(InvalidAssessmentError) as caught:
        parse_rollup_input(ND335, {"periods": []})
    assert caught.value.field == "periods"


def test_unit_input() -> None:
    parsed = parse_unit_input(
        {"unit": "TH", "group": "cv", "exceptional": True, "tie_winners": ["CV01"], "people": [person()]}
    )
    assert (parsed.unit, parsed.group, parsed.exceptional, parsed.tie_winners) == ("TH", "cv", True, ("CV01",))
    for data, field in (
        ({"people": []}, "people"),
        ({"people": [person(tasks="none")]}, "people[0].tasks"),
        ({"people": [person()], "tie_winners": "CV01"}, "tie_winners"),
        ({"people": [person()], "nhom": "x"}, "nhom"),
    ):
        with pytest.raises(InvalidAssessmentError) as caught:
            parse_unit_input(data)
        assert caught.value.field == field


def test_quota_dict() -> None:
    results = [evaluate(ND335, parse_assessment(person(f"CV0{i}"))) for i in range(3)]
    out = quota_to_dict(apply_quota(ND335, results))
    assert out["applies"] and out["allowed"] == 0 and out["basis_count"] == 3
    assert [d["level_after"]["code"] for d in out["decisions"]] == ["HTT"] * 3
    assert out["tie"] is None and not out["needs_human_decision"]  # nobody may stay: no tie to decide


@pytest.mark.parametrize("regime_id", REGIME_IDS)
def test_regime_dict_for_a_ui(regime_id: str) -> None:
    data = regime_to_dict(load_regime(regime_id))
    assert data["id"] == regime_id and data["max_total"] == "100.00"
    assert [level["code"] for level in data["levels"]] == ["HTXS", "HTT", "HT", "KHT"]
    assert all(s["source"] == "setting" for s in data["settings"])
    for group in data["groups"]:
        assert group["citation"]["doc"]
        for criterion in group.get("criteria", []):
            assert Decimal(criterion["max"]) > 0
    json.loads(to_json(load_regime(regime_id)))
