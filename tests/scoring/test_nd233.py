"""NĐ 233/2026 (viên chức): a month gives points only, the level is yearly (Điều 3.5–3.6, 12.5); bands 90 / 70 / 50
without task conditions (12.1–12.3); KHT cases (12.4) with the job-related discipline and the manager's remedied
corruption case; the 20 % / 25 % quota on the yearly level only (12.6); the head's cap (12.7); the year's working
time (Điều 14: sick and maternity leave rated on the time worked, no 3-to-6-month cap)."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from danhgia.bot.cli import app
from danhgia.scoring import (
    Assessment,
    EvaluationResult,
    InvalidAssessmentError,
    LeaderInput,
    PeriodRecord,
    Regime,
    RollupResult,
    TaskInput,
    apply_quota,
    evaluate,
    list_regimes,
    load_regime,
    parse_assessment,
    rollup,
)
from tests.scoring.builders import LATE, ON_TIME, assess, full, spread

ND233 = "nd233-2026"
D = Decimal
DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring-nd233.md"


def reg() -> Regime:
    return load_regime(ND233)


def months(*totals: str | None, reason: str = "sick", year: int = 2026, start: int = 1) -> list[PeriodRecord]:
    """Monthly records from month `start`; None is a month absent for `reason`."""
    return [
        PeriodRecord(f"{year}-{m:02d}", None if t is None else D(t), absence_reason=None if t else reason)
        for m, t in enumerate(totals, start=start)
    ]


def level(result: EvaluationResult) -> str | None:
    return None if result.level is None else result.level.code


# --------------------------------------------------------------------------- the regime as data


def test_the_regime_says_what_the_decree_says() -> None:
    r = reg()
    assert (r.period, r.in_force_from, r.max_total) == ("month", "2026-07-01", D(100))
    assert r.yearly_levels and r.yearly_levels_cite is not None and r.yearly_levels_cite.key == "xep_loai_hang_nam"
    assert [(lv.code, lv.min_score, lv.conditions) for lv in r.levels] == [
        ("HTXS", D(90), ()),
        ("HTT", D(70), ()),
        ("HT", D(50), ()),
        ("KHT", D(0), ()),
    ]
    assert [(g.code, g.max_points) for g in r.groups] == [("tieu_chi_chung", D(30)), ("ket_qua_nhiem_vu", D(70))]
    assert [c.max_points for c in r.criteria] == [D(10)] * 3
    quota = r.quota
    assert quota is not None and quota.scope == "year"
    assert (quota.ratio, quota.exceptional_ratio, quota.basis) == (D("0.20"), D("0.25"), "HTT")
    assert r.leader_cap is not None and r.leader_cap.cite.article == "Điều 12 khoản 7"
    rules = r.rollup.for_year(2026)
    assert rules.exempt_leave == ("sick", "maternity") and not rules.has_absence_cap
    assert rules.exempt_cite.source == "I"  # reading F3 of the reference: an inference, said so
    assert r.disclosure is not None and not r.disclosure_self_scores and r.disclosure_results == "year"
    assert r.period_cite is not None and r.period_cite.is_setting  # monthly monitoring: the unit's choice
    assert r.asks_job_relation


def test_every_citation_has_its_article_and_an_honest_tag() -> None:
    r = reg()
    for citation in r.citations.values():
        assert citation.article.strip(), citation.key
        assert citation.source in ("Q", "R", "I", "setting"), citation.key  # no third-party software here
        if citation.source in ("I", "setting"):
            assert citation.note.strip(), citation.key
        if citation.source == "R" and citation.doc == "NĐ 233/2026":
            assert "«" in citation.note, f"{citation.key}: a rule read in the decree quotes it"
    # the choices the decree leaves to the unit's quy chế (Điều 12.5) are settings, never the decree's
    for key in ("diem_nhom_1", "diem_nhom_2", "diem_nhom_3", "cong_thuc", "sai_sot", "cham_tien_do", "kpi_quan_ly"):
        citation = r.citations[key]
        assert citation.is_setting and "Điều 12" in citation.article, key
        assert "giống NĐ 335" in citation.note, key
    for key in ("diem_nhom_1", "diem_nhom_2", "diem_nhom_3"):
        assert "quy chế của đơn vị quyết định (Điều 12.5" in r.citations[key].note
    assert r.citations["ket_qua_don_vi"].is_setting  # how (b) is measured


def test_every_rule_is_cited_and_every_citation_used() -> None:
    r = reg()
    raw = tomllib.loads((resources.files("danhgia.scoring") / "regimes" / f"{ND233}.toml").read_text("utf-8"))
    used: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("cite") and isinstance(value, str):
                    used.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in raw.items() if k != "citations"})
    assert used == set(r.citations)


def test_every_setting_is_documented_in_its_own_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for setting in reg().settings:
        assert f"`{setting.key}`" in text, setting.key
    for name in ("levels_from", "scope", "min_exclusive", "by_date", "discipline_job_related", "previous_year_level"):
        assert name in text, name


def test_danhgia_regimes_lists_it() -> None:
    result = CliRunner().invoke(app, ["regimes"])
    assert result.exit_code == 0 and "nd233-2026 — Nghị định 233/2026/NĐ-CP" in result.stdout
    one = CliRunner().invoke(app, ["regimes", ND233])
    assert one.exit_code == 0 and "lam_tron" in one.stdout


# --------------------------------------------------------------------------- a month


def test_a_month_gives_points_and_says_the_level_is_yearly() -> None:
    r = reg()
    data = {
        "person_id": "VC01",
        "criteria": {"pham_chat": "full", "nang_luc": {"deductions": [{"code": "thieu_phoi_hop"}]}, "doi_moi": 9},
        "tasks": [
            {"name": "Hồ sơ bệnh án", "status": "done_late", "delays": 1},
            {"name": "Báo cáo tháng", "status": "done_on_time", "weight": 3},
        ],
    }
    result = evaluate(r, parse_assessment(data))
    assert result.total == D("96.54") and level(result) == "HTXS"  # the band its points reach: filled for callers
    kinds = [line.kind for line in result.explanation]
    assert kinds[-1] == "period_points_only" and "level_reached" in kinds
    line = result.explanation[-1]
    assert "chỉ chấm điểm" in line.text and "hằng năm" in line.text and "Điều 3 khoản 5" in line.citation.label
    assert line.values() == {"level": "Hoàn thành xuất sắc nhiệm vụ"}
    assert not any(line.kind == "level_condition_failed" for line in result.explanation)


def test_no_task_condition_on_the_bands() -> None:
    r = reg()
    # 95 points with a late task and an unfinished one: NĐ 233 has no task condition for viên chức (Điều 12.1–12.3)
    tasks = (
        TaskInput("A", LATE, weight=D(1), delays=1),
        TaskInput("B", ON_TIME, weight=D(30)),
    )
    result = assess(r, tasks=tasks)
    assert result.total is not None and result.total >= 90 and level(result) == "HTXS"


def test_a_manager_is_scored_on_the_four_groups_of_criteria_without_the_units_level() -> None:
    r = reg()
    leader = LeaderInput(("HTT", "HT"), (("to_chuc_thuc_hien", D(90)), ("tap_hop_doan_ket", D(80))))
    result = assess(r, leader=leader, tasks=(TaskInput("Chỉ đạo", ON_TIME),))
    # (3 + 1 + 0.9 + 0.8) / 6 × 70 = 66.5 → 96.5 (the unit's level is known at the year only: not asked here)
    assert result.total == D("96.50") and result.is_leader
    names = {line.values().get("criterion") for line in result.explanation if line.kind == "leader_criterion"}
    assert names == {
        "Khả năng tổ chức triển khai thực hiện nhiệm vụ",
        "Năng lực tập hợp, đoàn kết viên chức, người lao động thuộc thẩm quyền quản lý",
    }
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(r, leader=LeaderInput(("HTT",), (("to_chuc_thuc_hien", D(90)),)))
    assert caught.value.field == "leader.criteria.tap_hop_doan_ket"
    capped = assess(r, leader=dataclasses.replace(leader, unit_level="HT"), tasks=(TaskInput("Chỉ đạo", ON_TIME),))
    assert level(capped) == "HT"  # given, the head's cap applies (Điều 12.7)


# --------------------------------------------------------------------------- KHT cases (Điều 12.4, 14.3)


def _disciplined(related: bool | None) -> Assessment:
    base = Assessment(person_id="VC01", criteria=full(reg()), tasks=(TaskInput("Báo cáo", ON_TIME),))
    return dataclasses.replace(base, discipline="khien_trach", discipline_job_related=related)


def test_job_related_discipline_makes_the_year_kht() -> None:
    r = reg()
    month = evaluate(r, _disciplined(True))
    assert month.disqualifiers == ("ky_luat",) and level(month) == "HTXS"  # the month: points only
    assert "year_disqualifier" in [flag.code for flag in month.flags]
    year = rollup(r, [*months(*["95"] * 5, start=7), PeriodRecord.from_result("2026-12", month)])
    assert year.year.level is not None and year.year.level.code == "KHT"
    line = next(line for line in year.year.explanation if line.kind == "year_disqualifier")
    assert "Điều 14 khoản 3" in line.citation.label and "kỳ 2026-12" in line.text


def test_discipline_unrelated_to_duties_does_not_count_but_is_recorded() -> None:
    r = reg()
    month = evaluate(r, _disciplined(False))
    assert month.disqualifiers == () and month.flags == ()
    line = next(line for line in month.explanation if line.kind == "discipline_not_job_related")
    assert "không liên quan đến thực hiện nhiệm vụ" in line.text and line.citation.key == "kht_ky_luat"
    year = rollup(r, [*months(*["95"] * 5, start=7), PeriodRecord.from_result("2026-12", month)])
    assert year.year.level is not None and year.year.level.code == "HTXS"


def test_discipline_not_said_to_be_job_related_is_flagged_for_hr() -> None:
    month = evaluate(reg(), _disciplined(None))
    assert month.disqualifiers == ()
    assert [flag.code for flag in month.flags] == ["discipline_job_relation"]
    assert any(line.kind == "discipline_relation_unknown" for line in month.explanation)


def test_the_job_relation_is_refused_where_it_means_nothing() -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        evaluate("nd335-2025", dataclasses.replace(_disciplined(True), criteria=full(load_regime("nd335-2025"))))
    assert caught.value.field == "discipline_job_related"
    with pytest.raises(InvalidAssessmentError) as caught:
        evaluate(reg(), dataclasses.replace(_disciplined(True), discipline=None))
    assert caught.value.field == "discipline_job_related" and "discipline" in caught.value.reason


def test_corruption_in_the_unit_unless_the_manager_remedied_it() -> None:
    r = reg()
    leader = LeaderInput(("HTT",), (("to_chuc_thuc_hien", D(100)), ("tap_hop_doan_ket", D(100))))
    case = Assessment(
        person_id="TP01",
        criteria=full(r),
        tasks=(TaskInput("Chỉ đạo", ON_TIME),),
        leader=leader,
        disqualifiers=("don_vi_tham_nhung",),
    )
    forced = evaluate(r, case)
    assert forced.disqualifiers == ("don_vi_tham_nhung",)
    remedied = evaluate(r, dataclasses.replace(case, remedied=("don_vi_tham_nhung",)))
    assert remedied.disqualifiers == ()  # not forced: the competent level decides (Điều 12.4, last paragraph)
    assert [flag.code for flag in remedied.flags] == ["competent_level_review"]
    line = next(line for line in remedied.explanation if line.kind == "disqualifier_remedied")
    assert line.citation.key == "tham_nhung_khac_phuc" and "cấp có thẩm quyền xem xét" in line.text
    with pytest.raises(InvalidAssessmentError) as caught:
        evaluate(r, dataclasses.replace(case, disqualifiers=(), remedied=("don_vi_tham_nhung",)))
    assert caught.value.field == "remedied[0]"
    with pytest.raises(InvalidAssessmentError) as caught:
        evaluate(r, dataclasses.replace(case, disqualifiers=("suy_thoai",), remedied=("suy_thoai",)))
    assert caught.value.field == "remedied[0]"


# --------------------------------------------------------------------------- the year


def test_the_year_is_the_average_of_the_months_and_gets_the_level() -> None:
    year = rollup(reg(), months("92", "88", "91", "95", "89.5", "90", start=7))
    assert year.year.total == D("90.92") and year.year.level is not None and year.year.level.code == "HTXS"
    low = rollup(reg(), months("52", "48", "49", "50", "47", "49", start=7))
    assert low.year.total == D("49.17") and low.year.level is not None and low.year.level.code == "KHT"
    quarter = year.quarters[0]
    assert quarter.explanation[-1].kind == "quarter_points_only"  # a quarter is monitoring too


@pytest.mark.parametrize("worked", [1, 2, 5])
def test_sick_leave_under_six_months_is_rated_on_the_time_worked(worked: int) -> None:
    records = months(*[None] * (12 - worked), *["85"] * worked)
    year = rollup(reg(), records)
    assert year.year.rated and year.year.total == D("85.00") and year.year.level is not None
    line = year.year.explanation[0]
    assert line.kind == "year_exempt_leave_short" and f"nghỉ ốm {12 - worked} tháng" in line.text
    assert line.citation.key == "om_thai_san" and line.citation.source == "I"
    # NĐ 335 (công chức, 2026): sick leave is not exempt, the year is not rated
    assert not rollup("nd335-2025", records).year.rated


def test_unpaid_leave_under_six_months_worked_is_not_rated() -> None:
    year = rollup(reg(), months(*[None] * 7, *["85"] * 5, reason="unpaid"))
    assert not year.year.rated
    assert year.year.explanation[0].citation.key == "duoi_6_thang"
    assert rollup(reg(), months(*[None] * 6, *["85"] * 6, reason="unpaid")).year.rated


def test_no_cap_for_three_to_six_months_absent() -> None:
    records = months(*[None] * 4, *["95"] * 8, reason="annual")
    assert rollup(reg(), records).year.level.code == "HTXS"  # type: ignore[union-attr]
    assert rollup("nd335-2025", records).year.level.code == "HT"  # type: ignore[union-attr]


def test_the_heads_year_is_not_above_the_unit() -> None:
    year = rollup(reg(), months(*["95"] * 6, start=7), cap_level="HTT")
    assert year.year.level is not None and year.year.level.code == "HTT"
    assert year.year.explanation[-1].citation.key == "nguoi_dung_dau"


# --------------------------------------------------------------------------- the quota on the yearly level


def _year(person: str, total: str) -> RollupResult:
    return rollup(reg(), months(*[total] * 6, start=7), person_id=person)


def test_the_quota_is_on_the_yearly_level() -> None:
    # NĐ 233 Điều 12.6: the cap is on the yearly level; the scope tells the workflow not to apply it at a monthly
    # closing (every other regime keeps "period")
    assert reg().quota.scope == "year"  # type: ignore[union-attr]
    assert all(r.quota is None or r.quota.scope == "period" for r in list_regimes() if r.id != ND233)


def test_the_quota_caps_the_yearly_level() -> None:
    top = [_year("VC1", "96"), _year("VC2", "95"), _year("VC3", "92")]
    years = [*top, *(_year(f"VC{i}", "80") for i in range(4, 11))]
    quota = apply_quota(reg(), years)
    # 20 % of those rated HTT after the cut: k ≤ 0.2 × (7 + 3 − k) → k ≤ 1,67 → 1
    assert quota.applies and quota.allowed == 1
    assert quota.level_of("VC1").code == "HTXS" and quota.level_of("VC2").code == "HTT"  # type: ignore[union-attr]
    assert quota.explanation[0].kind == "quota_cap_level" and quota.explanation[0].citation.key == "ty_le"
    # a unit recognised HTXS that decides so: up to 25 % (k ≤ 0.25 × (10 − k) → 2)
    exceptional = apply_quota(reg(), years, exceptional=True)
    assert exceptional.allowed == 2 and exceptional.explanation[0].citation.key == "ty_le_ngoai_le"


def test_period_and_year_results_are_not_mixed() -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        apply_quota(reg(), [_year("VC1", "96"), assess(reg(), person_id="VC2")])
    assert caught.value.field == "results[1]"


def test_the_quota_of_a_period_regime_reads_year_results_too() -> None:
    years = [rollup("nd335-2025", months(*[t] * 12), person_id=p) for p, t in (("A", "96"), ("B", "95"), ("C", "80"))]
    quota = apply_quota("nd335-2025", years)
    assert quota.applies and quota.allowed == 0


# --------------------------------------------------------------------------- two years at the lowest level


def test_two_years_in_a_row_at_the_lowest_level_are_flagged() -> None:
    low = months(*["40"] * 6, start=7)
    year = rollup(reg(), low, previous_year_level="KHT")
    assert [flag.code for flag in year.flags] == ["two_years_lowest"]
    line = year.year.explanation[-1]
    assert line.kind == "two_years_lowest" and line.citation.key == "hai_nam_kht" and line.citation.source == "I"
    assert "Điều 29" in line.citation.label
    assert rollup(reg(), low, previous_year_level="HT").flags == ()
    assert rollup(reg(), months(*["60"] * 6, start=7), previous_year_level="KHT").flags == ()
    assert rollup(reg(), low).flags == ()
    plain = rollup(reg(), low, previous_year_level="HT")
    assert plain.year == rollup(reg(), low).year  # the previous year changes nothing else
    with pytest.raises(InvalidAssessmentError) as caught:
        rollup(reg(), low, previous_year_level="D")
    assert caught.value.field == "previous_year_level"


def test_a_disciplined_year_after_a_failed_one_is_flagged_too() -> None:
    records = [*months(*["95"] * 5, start=7), PeriodRecord("2026-12", D(95), ("ky_luat",))]
    assert [f.code for f in rollup(reg(), records, previous_year_level="KHT").flags] == ["two_years_lowest"]


def test_the_doc_names_the_articles_it_cites() -> None:
    text = DOC.read_text(encoding="utf-8")
    for article in ("Điều 3", "Điều 10", "Điều 11", "Điều 12", "Điều 14", "Điều 15", "Điều 18", "Điều 19"):
        assert re.search(rf"{article}\b", text), article
    assert "NĐ 233" in text and "nd233-2026" in text


def test_the_bands_and_their_threshold_lines() -> None:
    r = reg()
    for total, code in (("90", "HTXS"), ("89.99", "HTT"), ("70", "HTT"), ("50", "HT"), ("49.99", "KHT")):
        assert r.level_for(D(total)).code == code, total
    result = assess(r, criteria=spread(r, 20), tasks=(TaskInput("x", ON_TIME),))  # 20 + 70
    assert result.total == D(90) and level(result) == "HTXS"
    line = next(line for line in result.explanation if line.kind == "level_reached")
    assert line.citation.key == "xuat_sac+lam_tron" and "(thiết lập mặc định" in line.citation.label


def test_the_json_input_carries_the_job_relation_and_the_remedied_cases() -> None:
    from danhgia.scoring import InvalidAssessmentError, parse_assessment

    parsed = parse_assessment({"discipline": "khien_trach", "discipline_job_related": False, "remedied": ["x"]})
    assert parsed.discipline_job_related is False and parsed.remedied == ("x",)
    assert parse_assessment({}).discipline_job_related is None and parse_assessment({}).remedied == ()
    with pytest.raises(InvalidAssessmentError) as refused:
        parse_assessment({"discipline_job_related": "có"})
    assert refused.value.field == "discipline_job_related"
