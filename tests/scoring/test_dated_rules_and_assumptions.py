"""Rules chosen by the year rolled up (NĐ 90/2020 as amended by NĐ 48/2023 lapsed on 01/7/2026: its working-time
rules cite it for the years before, a setting from 2026), and the assumptions that decide levels, each cited as
what it is: the rounding rule, "done late" counting as one delay, QĐ 366's step down, exclusive bounds, the Đà Nẵng
model's final marks, the Liên Chiểu bonus cap, the Đà Nẵng dates and bands, two years at the lowest level."""

from __future__ import annotations

from decimal import Decimal

import pytest

from danhgia.scoring import (
    EvaluatorInput,
    InvalidAssessmentError,
    InvalidRegimeError,
    PeriodRecord,
    TaskInput,
    list_regimes,
    load_regime,
    load_regime_text,
    rollup,
)
from danhgia.scoring.serialize import result_from_dict, result_to_dict
from tests.scoring.builders import LATE, ON_TIME, REGIME_IDS, assess, done_and_undone, full, same_for_all_roles, spread
from tests.scoring.test_regime_files import bundled_text, edit

D = Decimal
ALL = [regime.id for regime in list_regimes()]


def months(*totals: str | None, reason: str = "sick", year: int = 2026) -> list[PeriodRecord]:
    return [
        PeriodRecord(f"{year}-{m:02d}", None if t is None else D(t), absence_reason=None if t else reason)
        for m, t in enumerate(totals, start=1)
    ]


# --------------------------------------------------------------------------- dated working-time rules


@pytest.mark.parametrize("regime_id", REGIME_IDS)
def test_the_working_time_rules_cite_the_rule_in_force_for_the_year(regime_id: str) -> None:
    rules = load_regime(regime_id).rollup
    before, after = rules.for_year(2025), rules.for_year(2026)
    assert (before.valid_until, after.valid_from) == ("2026-07-01", "2026-07-01")
    assert rules.for_year(2013) == before and rules.for_year(2040) == after
    # the same numbers …
    assert (before.min_months_worked, before.exempt_leave, before.absence_cap_from, before.absence_cap_below) == (
        after.min_months_worked,
        after.exempt_leave,
        after.absence_cap_from,
        after.absence_cap_below,
    )
    # … cited as NĐ 90/2020 (NĐ 48/2023) up to 2025, as a setting after it lapsed
    for cite in (before.min_months_cite, before.exempt_cite, before.absence_cap_cite):
        assert cite is not None and cite.source == "Q" and cite.doc.startswith("NĐ 90/2020")
    for cite in (after.min_months_cite, after.exempt_cite, after.absence_cap_cite):
        assert cite is not None and cite.is_setting and "hết hiệu lực" in cite.article
        assert "01/7/2026" in cite.note and "NĐ 233/2026/NĐ-CP Điều 19 khoản 2" in cite.note


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_short_year_cites_the_rule_of_its_year(year: int) -> None:
    result = rollup("hanoi-1841-2021", months(*["95"] * 5, year=year))
    line = result.year.explanation[0]
    assert not result.year.rated and line.kind == "year_too_few_months"
    assert line.citation.key == ("duoi_6_thang" if year < 2026 else "duoi_6_thang_tu_2026")
    assert line.citation.is_setting is (year >= 2026)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_absence_cap_cites_the_rule_of_its_year(year: int) -> None:
    result = rollup("danang-lienchieu-2013", months(None, None, None, *["95"] * 9, year=year))
    assert result.year.level is not None and result.year.level.code == "HT"
    line = result.year.explanation[-1]
    assert line.kind == "year_absence_cap"
    assert line.citation.key == ("nghi_3_6_thang" if year < 2026 else "nghi_3_6_thang_tu_2026")


ROLLUP_HEAD = """[rollup]
quarter_cite = "diem_quy"
year_cite = "diem_nam"
disqualifier_cite = "kht_ca_nam"
consecutive_lowest_cite = "hai_nam_kht"
"""


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ('until = "2026-07-01"\n', "", "rollup.by_date[1].from", "nối tiếp"),  # the first block open-ended
        ('until = "2026-07-01"\n', 'from = "2020-01-01"\nuntil = "2026-07-01"\n', "rollup.by_date[0].from", "đầu tiên"),
        (
            'from = "2026-07-01"\n',
            'from = "2026-07-01"\nuntil = "2030-01-01"\n',
            "rollup.by_date[1].until",
            "cuối cùng",
        ),
        ('from = "2026-07-01"\n', 'from = "2026-08-01"\n', "rollup.by_date[1].from", "nối tiếp"),
        ('from = "2026-07-01"\n', "", "rollup.by_date[1].from", "nối tiếp"),
        ('until = "2026-07-01"\n', 'until = "1/7/2026"\n', "rollup.by_date[0].until", "NNNN-TT-NN"),
        (ROLLUP_HEAD, ROLLUP_HEAD + "min_months_worked = 6\n", "rollup.min_months_worked", "từng khối"),
        ('absence_cap_cite = "nghi_3_6_thang"\n', "", "rollup.by_date[0].absence_cap_cite", "cần đủ"),
        (
            'maternity_cite = "thai_san"\n',
            'maternity_cite = "thai_san"\nexempt_cite = "thai_san"\n',
            "rollup.by_date[0].exempt_cite",
            "chỉ ghi một",
        ),
        (
            'maternity_cite = "thai_san"\n',
            'maternity_cite = "thai_san"\nexempt_leave = ["holiday"]\n',
            "rollup.by_date[0].exempt_leave",
            "không hợp lệ",
        ),
    ],
)
def test_dated_blocks_are_checked(old: str, new: str, field: str, words: str) -> None:
    text = bundled_text("nd335-2025")
    assert old in text
    with pytest.raises(InvalidRegimeError) as caught:
        load_regime_text(text.replace(old, new, 1))
    assert caught.value.field == field
    assert words in caught.value.reason


def test_an_undated_rollup_without_the_absence_cap_loads() -> None:
    text = bundled_text("nd233-2026")
    regime = load_regime_text(text.replace('id = "nd233-2026"', 'id = "quy-che-rieng"'))
    assert len(regime.rollup.years) == 1 and regime.rollup.years[0].valid_from == ""
    assert regime.rollup.absence_cap_level is None


# --------------------------------------------------------------------------- the rounding rule


@pytest.mark.parametrize("regime_id", ALL)
def test_the_threshold_line_cites_the_rounding_setting(regime_id: str) -> None:
    regime = load_regime(regime_id)
    assert regime.rounding_cite is not None and regime.rounding_cite.key == "lam_tron"
    assert regime.rounding_cite.is_setting and "2 chữ số thập phân" in regime.rounding_cite.rule
    result = assess(regime)
    line = next(line for line in result.explanation if line.kind.startswith("level_"))
    assert line.citation.key.endswith("+lam_tron")
    assert line.citation.label.endswith(regime.rounding_cite.label)
    assert "(thiết lập mặc định, không có trong văn bản gốc)" in line.text
    # a stored result reads back with the same citation (the combined key resolves)
    stored = result_to_dict(result, line_data=True)
    back = result_from_dict(stored, regime)
    assert [x.text for x in back.explanation] == [x.text for x in result.explanation]


def test_the_year_threshold_line_cites_it_too() -> None:
    year = rollup("nd335-2025", months(*["89.99", "90", "90"] * 4))
    assert year.year.total == D("90.00")
    assert year.year.explanation[-1].citation.key == "xep_loai+lam_tron"


# --------------------------------------------------------------------------- "done late" counts as one delay


@pytest.mark.parametrize("regime_id", ["nd335-2025", "hanoi-1841-2021", "hanoi-3814-2018", "qd366-2025", "nd233-2026"])
def test_a_late_task_without_a_count_cites_the_setting(regime_id: str) -> None:
    regime = load_regime(regime_id)
    counted = assess(regime, tasks=(TaskInput("Báo cáo", LATE), TaskInput("Hồ sơ", ON_TIME)))
    given = assess(regime, tasks=(TaskInput("Báo cáo", LATE, delays=1), TaskInput("Hồ sơ", ON_TIME)))
    assert counted.total == given.total
    late = next(line for line in counted.explanation if line.kind == "task_delays")
    assert late.citation.also and late.citation.also[0].key == "cham_mac_dinh" and late.citation.also[0].is_setting
    assert "chậm 1 lần" in late.citation.label
    explicit = next(line for line in given.explanation if line.kind == "task_delays")
    assert not explicit.citation.also


def test_nd335_delay_rule_no_longer_carries_danhgias_default() -> None:
    cite = load_regime("nd335-2025").citations["cham_tien_do"]
    assert cite.source == "R" and "danhgia" not in cite.note and "1 lần" not in cite.note


# --------------------------------------------------------------------------- QĐ 366's step down: an inference


def test_qd366_step_down_is_cited_as_an_inference() -> None:
    regime = load_regime("qd366-2025")
    result = assess(
        regime, tasks=(TaskInput("Đề án", LATE, delays=1), *(TaskInput(f"T{i}", ON_TIME) for i in range(30)))
    )
    assert result.total is not None and result.total > 90
    assert result.level is not None and result.level.code == "HT"  # 95 points, one late task: down to HT
    failed = [line for line in result.explanation if line.kind == "level_condition_failed"]
    assert failed and all(line.citation.also[-1].key == "ha_tung_muc" for line in failed)
    assert regime.step_down_cite is not None and regime.step_down_cite.source == "I"


# --------------------------------------------------------------------------- exclusive bounds ("trên 80 điểm")


def _above(level: str, minimum: int) -> str:
    return edit("nd335-2025", f"[[levels]]#{level}", f"min = {minimum}", f"min = {minimum}\nmin_exclusive = true")


def test_a_level_from_above_80_points() -> None:
    regime = load_regime_text(_above("2", 70).replace("min = 70\nmin_exclusive", "min = 80\nmin_exclusive"))
    htt = regime.level("HTT")
    assert htt.min_exclusive and htt.min_score == D(80)
    exactly = assess(regime, criteria=spread(regime, 10))  # 10 + 70 = 80: not above 80
    assert exactly.total == D(80) and exactly.level is not None and exactly.level.code == "HT"
    above = assess(regime, criteria=spread(regime, "10.01"))
    assert above.level is not None and above.level.code == "HTT"
    line = next(line for line in above.explanation if line.kind == "level_reached_above")
    assert "(trên 80 điểm)" in line.text and line.values()["threshold"] == D(80)


def test_the_lowest_level_below_an_exclusive_bound() -> None:
    regime = load_regime_text(_above("3", 50))
    result = assess(regime, criteria=spread(regime, 0), tasks=done_and_undone(5, 2))  # 0 + 50
    assert result.total == D(50) and result.level is not None and result.level.code == "KHT"
    line = next(line for line in result.explanation if line.kind == "level_not_above")
    assert "Tổng 50 điểm, không quá 50 điểm" in line.text


def test_the_lowest_level_cannot_be_exclusive() -> None:
    with pytest.raises(InvalidRegimeError) as caught:
        load_regime_text(_above("4", 0))
    assert caught.value.field == "levels[3].min_exclusive"


# --------------------------------------------------------------------------- Đà Nẵng: four assessors, final marks


@pytest.mark.parametrize("regime_id", ["danang-2013", "danang-lienchieu-2013"])
def test_the_higher_leader_gives_the_final_marks(regime_id: str) -> None:
    regime = load_regime(regime_id)
    review = regime.review_360
    assert review is not None and review.min_assessors == 4 and review.min_assessors_cite is not None
    assert review.final_role == "higher_leader" and review.final_role_cite is not None
    assert review.final_role_cite.source == "R" and "vietnamnet" in review.final_role_cite.url
    assert "seed 004" in review.final_role_cite.note  # said where it does NOT come from
    everyone = same_for_all_roles(regime, full(regime))
    assert assess(regime, evaluators=everyone).flags == ()
    without = tuple(e for e in everyone if e.role != "higher_leader")
    flags = [flag.code for flag in assess(regime, evaluators=without).flags]
    assert flags == ["council_review_final_marks"]  # self + 3 peers + direct leader: still four people
    lone = (EvaluatorInput("self", full(regime)),)
    assert [f.code for f in assess(regime, evaluators=lone).flags] == [
        "council_review_raters",
        "council_review_final_marks",
    ]


def test_the_final_role_needs_a_weight() -> None:
    text = edit("danang-2013", "[review_360]", 'final_role = "higher_leader"', 'final_role = "mayor"')
    with pytest.raises(InvalidRegimeError) as caught:
        load_regime_text(text)
    assert caught.value.field == "review_360.final_role"


def test_lienchieu_bonus_cap_is_a_setting() -> None:
    regime = load_regime("danang-lienchieu-2013")
    group = regime.bonus_group
    assert group is not None and group.max_points == D(5)
    assert group.cite.source == "R" and group.max_cite is not None and group.max_cite.is_setting


def test_danang_city_date_and_bands_are_inferences() -> None:
    regime = load_regime("danang-2013")
    assert regime.in_force_cite is not None and regime.in_force_cite.source == "I"
    assert "30/5" in regime.in_force_cite.note
    assert regime.level("HTXS").cite.source == "I" and regime.level("KHT").cite.source == "I"


# --------------------------------------------------------------------------- quota scope, two years


@pytest.mark.parametrize("regime_id", REGIME_IDS)
def test_every_other_regime_keeps_its_quota_at_the_period(regime_id: str) -> None:
    quota = load_regime(regime_id).quota
    assert quota is None or quota.scope == "period"


def test_a_quota_scope_is_period_or_year() -> None:
    with pytest.raises(InvalidRegimeError) as caught:
        load_regime_text(edit("nd335-2025", "[quota]", 'level = "HTXS"', 'scope = "month"\nlevel = "HTXS"'))
    assert caught.value.field == "quota.scope"


def test_two_years_at_the_lowest_level_for_a_civil_servant() -> None:
    low = months(*["40"] * 12)
    year = rollup("nd335-2025", low, previous_year_level="KHT")
    assert [flag.code for flag in year.flags] == ["two_years_lowest"]
    line = year.year.explanation[-1]
    assert line.citation.key == "hai_nam_kht" and line.citation.source == "I" and "Luật Cán bộ" in line.citation.label
    assert rollup("danang-2013", low, previous_year_level="KHT").flags[0].code == "two_years_lowest"


def test_previous_year_level_is_refused_where_the_regime_has_no_rule() -> None:
    text = bundled_text("nd335-2025").replace('consecutive_lowest_cite = "hai_nam_kht"\n', "")
    regime = load_regime_text(text.replace("[citations.hai_nam_kht]", "[citations.khong_dung]"))
    with pytest.raises(InvalidAssessmentError) as caught:
        rollup(regime, months(*["40"] * 12), previous_year_level="KHT")
    assert caught.value.field == "previous_year_level"
