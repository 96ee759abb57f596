"""Quarter and year roll-up (reference §3.1 working-time rules, §3.2 quarterly rules, §3.3 year average).

Year score = mean of the periods actually worked; fewer than 6 months worked → not rated, except maternity
leave (rated on the time actually worked); 3 to < 6 months absent → at most "Hoàn thành nhiệm vụ" (NĐ 90/2020 as
amended by NĐ 48/2023 for the years before 2026, the same numbers as a setting after it lapsed on 01/7/2026);
a disqualifier in any period applies to its quarter and to the year; QĐ 366: Q4 is merged into the year.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from danhgia.scoring import (
    Assessment,
    InvalidAssessmentError,
    LeaveEntry,
    PeriodRecord,
    RollupResult,
    TaskStats,
    WorkingTime,
    evaluate,
    rollup,
)
from tests.scoring.builders import D, full, perfect_tasks, regime

ND335 = "nd335-2025"


def months(*totals: str | None, reason: str = "sick", year: int = 2026) -> list[PeriodRecord]:
    """Monthly records from January; None is a month absent for `reason`."""
    return [
        PeriodRecord(f"{year}-{m:02d}", None if t is None else Decimal(t), absence_reason=None if t else reason)
        for m, t in enumerate(totals, start=1)
    ]


def year_level(result: RollupResult) -> str | None:
    return None if result.year.level is None else result.year.level.code


def test_identical_months_roll_up_to_the_month() -> None:
    result = rollup(ND335, months(*["85.50"] * 12))
    assert result.year.total == D("85.50") and year_level(result) == "HTT"
    assert [q.key for q in result.quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert all(q.total == D("85.50") and q.level is not None and q.level.code == "HTT" for q in result.quarters)
    assert result.year.months_worked == 12 and result.year.months_absent == 0


def test_year_is_the_mean_of_the_months_and_quarters_of_their_months() -> None:
    result = rollup(ND335, months(*["80"] * 6, *["90"] * 6))
    assert result.year.total == D("85.00")
    assert [q.total for q in result.quarters] == [D(80), D(80), D(90), D(90)]
    assert [q.level.code for q in result.quarters if q.level] == ["HTT", "HTT", "HTXS", "HTXS"]


@pytest.mark.parametrize(
    ("totals", "mean", "level"),
    [
        (("80", "80", "80.01"), "80.00", "HTT"),  # 80,0033… → 80,00
        (("80.01", "80.01", "80"), "80.01", "HTT"),  # 80,0066… → 80,01
        (("89.99", "90", "90"), "90.00", "HTXS"),  # 89,9966… → 90,00: the rounded mean decides the level
        (("89.98", "89.99", "90"), "89.99", "HTT"),
    ],
)
def test_mean_is_rounded_once_half_up(totals: tuple[str, ...], mean: str, level: str) -> None:
    result = rollup(ND335, [PeriodRecord(f"2026-0{i + 1}", Decimal(t)) for i, t in enumerate(totals)])
    assert result.quarters[0].total == D(mean)
    assert result.quarters[0].level is not None and result.quarters[0].level.code == level


def test_half_cent_rounds_up() -> None:
    result = rollup(ND335, [PeriodRecord("2026-01", D("89.99")), PeriodRecord("2026-02", D("90.00"))])
    assert result.quarters[0].total == D("90.00")  # 89,995 → 90,00 (half away from zero)
    assert result.quarters[0].level is not None and result.quarters[0].level.code == "HTXS"


def test_absent_months_are_left_out_of_the_mean() -> None:
    result = rollup(ND335, months(None, None, *["95"] * 10))
    assert result.year.total == D("95.00") and year_level(result) == "HTXS"
    assert result.year.months_worked == 10 and result.year.months_absent == 2
    q1 = result.quarters[0]
    assert q1.rated and q1.total == D("95.00") and (q1.months_worked, q1.months_absent) == (1, 2)
    gone = rollup(ND335, months(None, None, None, *["95"] * 9)).quarters[0]
    assert not gone.rated and gone.total is None and gone.level is None


@pytest.mark.parametrize(
    ("absent", "rated", "level"),
    [
        (2, True, "HTXS"),
        (3, True, "HT"),  # 3 to < 6 months absent: at most "Hoàn thành nhiệm vụ"
        (5, True, "HT"),
        (6, True, "HTXS"),  # 6 worked: rated; 6 absent is not "dưới 06 tháng" — the rule as reported
        (7, False, None),  # 5 worked: fewer than 6 → not rated
        (12, False, None),
    ],
)
@pytest.mark.parametrize("year", [2025, 2026])
def test_working_time_rules_for_sick_leave(absent: int, rated: bool, level: str | None, year: int) -> None:
    # NĐ 90/2020 (NĐ 48/2023) for 2025; lapsed on 01/7/2026, the same numbers as a setting from 2026
    suffix = "" if year < 2026 else "_tu_2026"
    result = rollup(ND335, months(*[None] * absent, *["95"] * (12 - absent), year=year))
    assert result.year.rated is rated and year_level(result) == level
    if not rated:
        assert result.year.total is None
        assert any(line.citation.key == f"duoi_6_thang{suffix}" for line in result.year.explanation)
    elif level == "HT":
        line = next(line for line in result.year.explanation if line.citation.key == f"nghi_3_6_thang{suffix}")
        assert f"Nghỉ {absent} tháng" in line.text and "không xếp cao hơn «Hoàn thành nhiệm vụ»" in line.text
        assert line.citation.is_setting is (year >= 2026)


def test_cap_never_raises_a_lower_level() -> None:
    result = rollup(ND335, months(None, None, None, *["40"] * 9))
    assert year_level(result) == "KHT"


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize("worked", [1, 3, 5])
def test_maternity_leave_is_rated_on_the_time_actually_worked(worked: int, year: int) -> None:
    result = rollup(ND335, months(*[None] * (12 - worked), *["92"] * worked, reason="maternity", year=year))
    assert result.year.rated and result.year.total == D("92.00") and year_level(result) == "HTXS"
    key = "thai_san" if year < 2026 else "thai_san_tu_2026"
    assert any(line.citation.key == key for line in result.year.explanation)


def test_maternity_does_not_count_towards_the_absence_cap_but_other_leave_does() -> None:
    records = months(*[None] * 4, *["92"] * 8, reason="maternity")
    assert year_level(rollup(ND335, records)) == "HTXS"
    records[4] = PeriodRecord("2026-05", None, absence_reason="sick")
    records[5] = PeriodRecord("2026-06", None, absence_reason="sick")
    records[6] = PeriodRecord("2026-07", None, absence_reason="unpaid")
    assert year_level(rollup(ND335, records)) == "HT"


def test_a_short_year_without_maternity_is_not_rated() -> None:
    result = rollup(ND335, months(*["95"] * 5))  # joined in August: 5 months on the books
    assert not result.year.rated
    assert "Làm việc 5 tháng, dưới 6 tháng trong năm" in result.year.explanation[0].text


def test_a_disqualifier_applies_to_its_quarter_and_the_year() -> None:
    records = months(*["95"] * 12)
    records[4] = PeriodRecord("2026-05", D("95"), disqualifiers=("ky_luat",))
    result = rollup(ND335, records)
    assert year_level(result) == "KHT" and result.year.total == D("95.00")
    assert [q.level.code for q in result.quarters if q.level] == ["HTXS", "KHT", "HTXS", "HTXS"]
    assert any("(kỳ 2026-05): áp dụng cho cả năm" in line.text for line in result.year.explanation)


def test_records_from_evaluation_results() -> None:
    reg = regime(ND335)
    good = evaluate(reg, Assessment("CV01", full(reg), perfect_tasks()))
    away = evaluate(
        reg, Assessment("CV01", full(reg), perfect_tasks(), working_time=WorkingTime(21, (LeaveEntry("sick", 21),)))
    )
    partly = evaluate(
        reg, Assessment("CV01", full(reg), perfect_tasks(), working_time=WorkingTime(21, (LeaveEntry("sick", 4),)))
    )
    assert not away.rated and away.absence_reason == "sick"
    records = [PeriodRecord.from_result(f"2026-{m:02d}", good) for m in range(1, 9)]
    records += [PeriodRecord.from_result("2026-09", partly)]
    records += [PeriodRecord.from_result(f"2026-{m:02d}", away) for m in range(10, 13)]
    result = rollup(reg, records, person_id="CV01")
    assert result.person_id == "CV01"
    assert result.year.months_worked == 9 and result.year.months_absent == 3
    assert year_level(result) == "HT"  # 3 months sick


def test_hanoi_1841_leader_year_capped_by_the_unit() -> None:
    result = rollup("hanoi-1841-2021", months(*["95"] * 12), cap_level="HTT")
    assert year_level(result) == "HTT"
    with pytest.raises(InvalidAssessmentError) as caught:
        rollup(ND335, months(*["95"] * 12), cap_level="HTT")
    assert caught.value.field == "cap_level"
    with pytest.raises(InvalidAssessmentError):
        rollup("hanoi-1841-2021", months(*["95"] * 12), cap_level="B")


# --------------------------------------------------------------------------- quarterly regime (QĐ 366)


def quarters(*items: tuple[str | None, int | None, str | None]) -> list[PeriodRecord]:
    return [
        PeriodRecord(f"2026-Q{n}", None if t is None else Decimal(t), months_worked=w, absence_reason=r)
        for n, (t, w, r) in enumerate(items, start=1)
    ]


def test_qd366_rates_q1_to_q3_and_merges_q4_into_the_year() -> None:
    result = rollup(
        "qd366-2025", quarters(("92", None, None), ("92", None, None), ("80", None, None), ("96", None, None))
    )
    q1, q2, q3, q4 = result.quarters
    assert (q1.rated, q2.rated, q3.rated) == (True, True, True) and q3.level is not None and q3.level.code == "HTT"
    assert not q4.rated and q4.merged_into_year and q4.total == D(96) and q4.level is None
    assert "Quý IV không xếp loại riêng" in q4.explanation[0].text
    assert result.year.total == D(90) and year_level(result) == "HTXS"


def test_qd366_months_worked_within_quarters() -> None:
    records = quarters(("95", None, None), ("95", None, None), ("95", 2, "sick"), (None, None, "sick"))
    result = rollup("qd366-2025", records)
    assert result.year.months_worked == 8 and result.year.months_absent == 4
    assert year_level(result) == "HT"
    short = quarters(("95", None, None), ("95", 2, "sick"), (None, None, "sick"), (None, None, "sick"))
    assert not rollup("qd366-2025", short).year.rated  # 5 months worked


def test_qd366_year_conditions_use_the_pooled_task_stats() -> None:
    clean = TaskStats(D(10), D(10), D(10), D(3))
    late = TaskStats(D(10), D(10), D(9), D(3))
    records = [PeriodRecord(f"2026-Q{n}", D(95), task_stats=clean) for n in range(1, 5)]
    assert year_level(rollup("qd366-2025", records)) == "HTXS"
    records[1] = PeriodRecord("2026-Q2", D(95), task_stats=late)
    result = rollup("qd366-2025", records)
    assert result.quarters[1].level is not None and result.quarters[1].level.code == "HT"
    assert year_level(result) == "HT"  # 39 of 40 on time: not 100 %


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("regime_id", "records", "field"),
    [
        (ND335, [], "periods"),
        (ND335, [PeriodRecord("2026-13", D(90))], "periods[0].period"),
        (ND335, [PeriodRecord("2026-Q1", D(90))], "periods[0].period"),
        ("qd366-2025", [PeriodRecord("2026-03", D(90))], "periods[0].period"),
        (ND335, [PeriodRecord("2026-01", D(90)), PeriodRecord("2025-02", D(90))], "periods[1].period"),
        (ND335, [PeriodRecord("2026-01", D(90)), PeriodRecord("2026-01", D(80))], "periods[1].period"),
        (ND335, [PeriodRecord("2026-01", D("100.01"))], "periods[0].total"),
        (ND335, [PeriodRecord("2026-01", D(-1))], "periods[0].total"),
        (ND335, [PeriodRecord("2026-01", None)], "periods[0].absence_reason"),
        (ND335, [PeriodRecord("2026-01", None, absence_reason="holiday")], "periods[0].absence_reason"),
        (ND335, [PeriodRecord("2026-01", D(90), months_worked=2)], "periods[0].months_worked"),
        ("qd366-2025", [PeriodRecord("2026-Q1", D(90), months_worked=2)], "periods[0].absence_reason"),
        (ND335, [PeriodRecord("2026-01", D(90), disqualifiers=("xyz",))], "periods[0].disqualifiers[0]"),
        (ND335, [PeriodRecord("2026-01", D(90), task_stats=TaskStats(D(1), D(2)))], "periods[0].task_stats"),
    ],
)
def test_rollup_input_errors_name_the_field(regime_id: str, records: list[PeriodRecord], field: str) -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        rollup(regime_id, records)
    assert caught.value.field == field
