"""No fact is dropped: every input field of every regime either changes what the result records (points, level,
explanation, flags, leader mark) or is refused with an error naming the field — and the national discipline
rule (NĐ 335: disciplined in the year → "Không hoàn thành nhiệm vụ" for the year) reaches every regime."""

from __future__ import annotations

import copy
import dataclasses
from importlib.resources import files
from typing import Any

import pytest

from danhgia.scoring import (
    Assessment,
    InvalidAssessmentError,
    Regime,
    evaluate,
    list_regimes,
    load_regime,
    load_regime_text,
    parse_assessment,
    parse_period_record,
    result_to_dict,
    rollup,
)

REGIMES = [regime.id for regime in list_regimes()]


def base(regime: Regime) -> dict[str, Any]:
    """A valid assessment at full points: one task done on time where the regime scores tasks."""
    full = {criterion.code: "full" for criterion in regime.criteria}
    data: dict[str, Any] = {"person_id": "CV01"}
    if regime.uses_360:
        data["evaluators"] = [{"role": "self", "criteria": full}]
    else:
        data["criteria"] = full
    if regime.task_group is not None:
        data["tasks"] = [{"id": "T1", "name": "Báo cáo", "status": "done_on_time", "weight": 1}]
    return data


def recorded(regime: Regime, data: dict[str, Any]) -> dict[str, Any]:
    """What a result records of its input (all but the person id)."""
    result = result_to_dict(evaluate(regime, parse_assessment(data)))
    return {key: value for key, value in result.items() if key != "person_id"}


def facts(regime: Regime) -> dict[str, Any]:
    """One extra fact per input field, as a caller would give it."""
    first = regime.criteria[0].code
    extra: dict[str, Any] = {
        "discipline": {"discipline": "canh_cao"},
        "leader": {"leader": {}},
        "leader.subordinate_levels": {"leader": {"subordinate_levels": [regime.levels[1].code]}},
        "leader.criteria": {"leader": {"criteria": {"to_chuc_thuc_hien": 80}}},
        "leader.unit_level": {"leader": {"unit_level": regime.levels[-1].code}},
        "note": ("criteria", first, {"note": "đã tham gia trực ban lễ"}),
        "working_time": {"working_time": {"working_days": 20, "leave": {"unpaid": 2}}},
    }
    if regime.bonus_group is not None:
        item = regime.bonus_group.items[0]
        claim = {"code": item.code, "note": "sáng kiến"} | ({"points": 1} if item.points is None else {"count": 1})
        extra["bonuses"] = {"bonuses": [claim]}
    if regime.penalty_group is not None:
        item = regime.penalty_group.items[0]
        claim = {"code": item.code} | ({"points": 1} if item.points is None else {"count": 1})
        extra["penalties"] = {"penalties": [claim]}
    if regime.task_group is not None:
        extra["tasks.major_errors"] = ("task", {"major_errors": 1})
    return extra


@pytest.mark.parametrize("regime_id", REGIMES)
def test_every_input_field_is_used_or_refused(regime_id: str) -> None:
    regime = load_regime(regime_id)
    reference = recorded(regime, base(regime))
    for name, fact in facts(regime).items():
        data = copy.deepcopy(base(regime))
        if isinstance(fact, dict):
            data.update(copy.deepcopy(fact))
        elif fact[0] == "criteria":
            target = data["evaluators"][0]["criteria"] if regime.uses_360 else data["criteria"]
            target[fact[1]] = fact[2]
        else:
            data["tasks"][0].update(fact[1])
        try:
            outcome = recorded(regime, data)
        except InvalidAssessmentError as error:
            refusal: InvalidAssessmentError | None = error
        else:
            refusal = None
            assert outcome != reference, f"{regime_id}: «{name}» changed nothing the result records"
        if refusal is not None:  # refused: the error names the field and says why
            assert refusal.field.startswith(name.split(".")[0]), (regime_id, name, refusal.field)
            assert refusal.reason, (regime_id, name)


def disciplined(regime: Regime, data: dict[str, Any]) -> Assessment:
    """The assessment of `data` with a discipline that counts: where the regime counts only a violation related to
    performing duties (NĐ 233), it is said to be one."""
    assessment = parse_assessment(data | {"discipline": "canh_cao"})
    if regime.asks_job_relation:
        assessment = dataclasses.replace(assessment, discipline_job_related=True)
    return assessment


@pytest.mark.parametrize("regime_id", [r for r in REGIMES if load_regime(r).asks_job_relation])
def test_a_discipline_not_said_to_be_job_related_is_kept_and_flagged(regime_id: str) -> None:
    regime = load_regime(regime_id)
    result = evaluate(regime, parse_assessment(base(regime) | {"discipline": "canh_cao"}))
    assert not result.disqualifiers  # HR decides whether it counts: nothing forced
    assert [flag.code for flag in result.flags] == ["discipline_job_relation"]
    line = next(line for line in result.explanation if line.kind == "discipline_relation_unknown")
    assert "kỷ luật cảnh cáo" in line.text and "bộ phận tổ chức cán bộ xác định" in line.text
    unrelated = dataclasses.replace(
        parse_assessment(base(regime) | {"discipline": "canh_cao"}), discipline_job_related=False
    )
    result = evaluate(regime, unrelated)
    assert not result.disqualifiers and not result.flags
    assert any(line.kind == "discipline_not_job_related" for line in result.explanation)


@pytest.mark.parametrize("regime_id", REGIMES)
def test_discipline_is_never_silent(regime_id: str) -> None:
    regime = load_regime(regime_id)
    result = evaluate(regime, disciplined(regime, base(regime)))
    lines = " ".join(line.text for line in result.explanation)
    assert "kỷ luật" in lines
    assert result.disqualifiers  # recorded on the result, so the year roll-up sees it
    rule = regime.disqualifier_by_code[result.disqualifiers[0]]
    if rule.scope == "period":
        assert result.level == regime.lowest_level
    else:
        # a local monthly regime: the month keeps its level, the year will be the lowest, HR is told
        assert result.level != regime.lowest_level
        assert "xếp loại cả năm" in lines and "kỳ này vẫn xếp loại theo điểm" in lines
        assert "year_disqualifier" in [flag.code for flag in result.flags]


@pytest.mark.parametrize("regime_id", [r for r in REGIMES if load_regime(r).period == "month"])
def test_a_year_with_a_disciplined_month_is_the_lowest_level_whatever_the_regime(regime_id: str) -> None:
    regime = load_regime(regime_id)
    stored = result_to_dict(evaluate(regime, disciplined(regime, base(regime))))
    clean = result_to_dict(evaluate(regime, parse_assessment(base(regime))))
    periods = [
        parse_period_record(regime, {"period": f"2026-{month:02d}", "result": stored if month == 5 else clean})
        for month in range(1, 13)
    ]
    summary = rollup(regime, periods)
    assert summary.year.level == regime.lowest_level
    assert any("kỳ 2026-05" in line.text and "áp dụng cho cả năm" in line.text for line in summary.year.explanation)
    second = next(q for q in summary.quarters if q.key.endswith("Q2"))
    if regime.disqualifier_by_code["ky_luat"].scope == "year":
        assert second.level != regime.lowest_level  # the quarter is rated on its points, the rule stated
        assert any("xếp loại cả năm" in line.text for line in second.explanation)


def test_a_regime_without_any_discipline_rule_refuses_the_fact() -> None:
    # A unit's own regime file that says nothing about discipline (the bundled file without its last section).
    source = files("danhgia.scoring.regimes").joinpath("hanoi-3814-2018.toml").read_text(encoding="utf-8")
    head, _, _ = source.partition("# " + "-" * 75 + " discipline")
    regime = load_regime_text(head.replace('id = "hanoi-3814-2018"', 'id = "quy-che-rieng"'))
    with pytest.raises(InvalidAssessmentError) as caught:
        evaluate(regime, parse_assessment(base(regime) | {"discipline": "canh_cao"}))
    assert caught.value.field == "discipline" and "không có quy định về kỷ luật" in caught.value.reason


def test_notes_are_kept_for_accountable_raters_and_never_shown_for_secret_ones() -> None:
    regime = load_regime("danang-lienchieu-2013")
    full = {c.code: "full" for c in regime.criteria}
    noted = full | {"ket_qua_cong_viec": {"note": "GHI-CHU-KIN"}}
    data = {
        "person_id": "CV01",
        "evaluators": [
            {"role": "self", "criteria": full | {"ket_qua_cong_viec": {"note": "tự ghi chú"}}},
            *({"role": "peer", "id": f"P{n}", "criteria": noted} for n in range(3)),
        ],
    }
    lines = [line.text for line in evaluate(regime, parse_assessment(data)).explanation]
    assert any("Tự đánh giá: «Kết quả thực hiện công việc»: đủ điểm (tự ghi chú)" in line for line in lines)
    assert not any("GHI-CHU-KIN" in line for line in lines)
    twice = copy.deepcopy(data)
    twice["evaluators"][2]["id"] = "P0"
    with pytest.raises(InvalidAssessmentError, match="đã chấm một lần"):
        evaluate(regime, parse_assessment(twice))
