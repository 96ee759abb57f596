"""Every explanation line names its sentence (`kind`) and carries the values that fill it in (`params`); the quota's
lines name the person they are about (`subject`). `line_to_dict` writes them as data; the documented JSON output
(`result_to_dict`, the CLI) keeps its five fields."""

from __future__ import annotations

import json
from decimal import Decimal

from danhgia.scoring import ExplanationLine, apply_quota, load_regime, result_to_dict, rollup
from danhgia.scoring.model import PeriodRecord
from danhgia.scoring.serialize import line_to_dict
from tests.scoring.lines import FULL_ND335, ON_TIME, lines_of_every_kind, score

ND335 = "nd335-2025"
CITE = load_regime(ND335).citations["xep_loai"]


def test_every_line_has_a_kind_and_named_params() -> None:
    for line in lines_of_every_kind():
        assert line.kind, line.text
        names, values = line.params[::2], line.params[1::2]
        assert len(names) == len(values) and all(isinstance(name, str) and name for name in names), line.kind
        assert all(isinstance(value, str | int | Decimal) for value in values), line.kind
        assert len(set(names)) == len(names), line.kind
        json.dumps(line_to_dict(line))  # plain JSON values


def test_the_lines_of_one_persons_result_leave_the_subject_to_the_result() -> None:
    result = score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 9}, "tasks": ON_TIME})
    year = rollup(ND335, [PeriodRecord(f"2026-0{m}", Decimal(95)) for m in range(1, 7)], person_id="CV01")
    lines = [*result.explanation, *year.year.explanation, *(line for q in year.quarters for line in q.explanation)]
    assert lines and all(line.subject is None for line in lines)
    assert result.person_id == year.person_id == "CV01"


def test_a_deduction_names_the_criterion_the_item_how_many_times_and_the_note() -> None:
    criteria = {**FULL_ND335, "pham_chat": {"deductions": [{"code": "vi_pham_gio_giac", "count": 2, "note": "ngày 5"}]}}
    line = next(line for line in score(ND335, {"criteria": criteria, "tasks": ON_TIME}).explanation)
    assert line.kind == "deduction" and line.delta == Decimal(-2)
    assert line.values() == {
        "criterion": "Phẩm chất chính trị, đạo đức, văn hóa thực thi công vụ, ý thức kỷ luật",
        "item": "Đi muộn, về sớm, bỏ vị trí làm việc không có lý do",
        "count": 2,
        "note": "ngày 5",
    }


def test_task_and_level_lines_carry_their_numbers() -> None:
    tasks = [{"name": "Báo cáo quý", "status": "done_late", "delays": 1}, *ON_TIME]
    result = score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 9.5}, "tasks": tasks})
    by_kind = {line.kind: line for line in result.explanation}
    assert by_kind["criterion_points"].values() == {
        "criterion": "Năng lực đổi mới sáng tạo, dám nghĩ, dám làm",
        "points": Decimal("9.5"),
        "max": Decimal(10),
        "note": "",
    }
    assert by_kind["task_delays"].values() == {"task": "Báo cáo quý", "delays": 1}
    reached = by_kind["level_reached"].values()
    assert reached == {"total": result.total, "level": "Hoàn thành xuất sắc nhiệm vụ", "threshold": Decimal(90)}


def test_quota_lines_name_the_person_they_are_about_and_the_rule_nobody() -> None:
    people = [
        score(ND335, {"criteria": FULL_ND335, "tasks": ON_TIME}, "CV01"),
        score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 8}, "tasks": ON_TIME}, "CV02"),
    ]
    quota = apply_quota(ND335, people)
    kinds = [(line.kind, line.subject) for line in quota.explanation]
    assert kinds == [
        ("quota_cap_level", None),
        ("quota_counting", None),
        ("quota_demoted", "CV01"),
        ("quota_demoted", "CV02"),
    ]
    demoted = quota.explanation[2]
    assert demoted.values() == {
        "person": "CV01",
        "total": Decimal("100.00"),
        "level": "Hoàn thành xuất sắc nhiệm vụ",
        "lower": "Hoàn thành tốt nhiệm vụ",
    }
    assert demoted.text.startswith("CV01 (100 điểm): hạ từ «Hoàn thành xuất sắc nhiệm vụ»")


def test_a_tie_is_about_every_tied_person_and_so_nobodys_own() -> None:
    top = [score(ND335, {"criteria": FULL_ND335, "tasks": ON_TIME}, code) for code in ("CV01", "CV02")]
    good = {**FULL_ND335, "pham_chat": 0, "trach_nhiem": 5}
    rest = [score(ND335, {"criteria": good, "tasks": ON_TIME}, f"CV1{i}") for i in range(8)]
    pending = apply_quota(ND335, [*top, *rest])
    assert pending.tie is not None
    tie = next(line for line in pending.explanation if line.kind == "quota_tie_pending")
    assert tie.subject == "CV01, CV02" and tie.values()["people"] == "CV01, CV02"
    chosen = apply_quota(ND335, [*top, *rest], tie_winners=("CV02",))
    kinds = {line.kind: line.subject for line in chosen.explanation}
    assert kinds["quota_tie_chosen"] == "CV02" and kinds["quota_demoted"] == "CV01"


def test_line_to_dict_writes_the_data_and_the_documented_json_is_unchanged() -> None:
    result = score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 9.5}, "tasks": ON_TIME})
    line = result.explanation[0]
    data = line_to_dict(line)
    assert data == {
        "kind": "criterion_points",
        "params": {
            "criterion": "Năng lực đổi mới sáng tạo, dám nghĩ, dám làm",
            "points": "9.5",
            "max": "10",
            "note": "",
        },
        "subject": None,
        "delta": "-0.50",
        "part": "tieu_chi_chung",
        "text": line.text,
        "reason": line.reason,
        "citation": {"key": line.citation.key, "label": line.citation.label, "source": line.citation.source},
    }
    assert all(
        set(item) == {"delta", "text", "reason", "part", "citation"} for item in result_to_dict(result)["explanation"]
    )
    stored = result_to_dict(result, line_data=True)
    assert stored["explanation"] == [line_to_dict(item) for item in result.explanation]
    assert {k: v for k, v in stored.items() if k != "explanation"} == {
        k: v for k, v in result_to_dict(result).items() if k != "explanation"
    }


def test_a_line_built_without_a_kind_is_of_unknown_kind() -> None:
    line = ExplanationLine(None, "lý do", CITE)
    assert (line.kind, line.params, line.subject, line.values()) == ("", (), None, {})
    assert line.text == f"lý do — {CITE.label}"
