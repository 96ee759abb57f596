"""The data of the official paperwork, read from the records: a unit's summary of a closed month (every member, the
quota's demotions noted, the level counts and the quota's checks) and a person's form (criteria by the person, the
leader and as final; a, b, c; the level before and after the quota), and who may read them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.storage.models import Unit
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.reports import report_periods
from danhgia.workflow.services import Services
from tests.workflow.test_regimes import build_mixed, records, submit_and_approve


@pytest.fixture
def closed(services: Services, tmp_path: Path) -> tuple[Services, dict[str, int], int]:
    """Phòng Mười's November closed: C0 100, C1–C4 99–96 (lowered by the quota), HR10 80, V0 100 under NĐ 233, the
    rest without a self-assessment."""
    services, ids, unit_id = build_mixed(services, tmp_path)
    hr = Actor.person(ids["HR10"])
    (period,) = services.periods.open(hr, unit_id, "2026-11")
    for i in range(5):
        submit_and_approve(services, ids, f"C{i}", less=i)
    submit_and_approve(services, ids, "HR10", less=20)
    submit_and_approve(services, ids, "V0")
    assert services.periods.close(hr, period.id).closed
    return services, ids, period.id


def test_the_summary_lists_every_member_with_their_final_level_and_why(
    closed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, _ = closed
    summary = services.reports.summary(Actor.person(ids["HR10"]), "P10", "2026-11")
    assert (summary.unit_name, summary.period_label, summary.closed) == ("Phòng Mười", "11/2026", True)
    rows = {row.staff_code: row for row in summary.rows}
    assert len(rows) == 16 and [row.number for row in summary.rows] == list(range(1, 17))
    assert (rows["C0"].total, rows["C0"].level, rows["C0"].note) == (Decimal(100), "Hoàn thành xuất sắc nhiệm vụ", "")
    assert (rows["C1"].self_total, rows["C1"].leader_total, rows["C1"].total) == (Decimal(99),) * 3
    assert rows["C1"].level == "Hoàn thành tốt nhiệm vụ" and rows["C1"].note == "hạ mức do giới hạn tỷ lệ"
    assert rows["V0"].regime_id == "nd233-2026" and rows["V0"].level == "Hoàn thành xuất sắc nhiệm vụ"
    assert rows["V1"].total is None and rows["V1"].note == "không nộp phiếu tự đánh giá"
    counts = dict(summary.level_counts)
    assert counts == {
        "Hoàn thành xuất sắc nhiệm vụ": 2,
        "Hoàn thành tốt nhiệm vụ": 5,
        "không nộp phiếu tự đánh giá": 9,
    }
    (check,) = summary.quota  # the công chức's group; NĐ 233's quota waits for the year
    assert (check.group, check.allowed, check.kept) == ("staff:nd335-2025:cong_chuc", 1, 1)


def test_a_persons_form_holds_their_points_the_leaders_and_the_final_level(
    closed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, period_id = closed
    record = records(services, period_id)["C1"]
    assert record.id is not None
    form = services.reports.form(Actor.person(ids["C1"]), record.id)
    assert (form.person_name, form.unit_name, form.period_label, form.final) == (
        "Công chức 1",
        "Phòng Mười",
        "11/2026",
        True,
    )
    assert [(c.name, c.max_points, c.self_points) for c in form.criteria][-1][1:] == (Decimal(10), Decimal(9))
    assert form.criteria[-1].final_points == Decimal(9) and form.criteria[-1].leader_points is None
    assert (form.general_points, form.general_max, form.task_points, form.task_max) == (
        Decimal(29),
        Decimal(30),
        Decimal(70),
        Decimal(70),
    )
    assert form.percentages is not None and form.percentages.quantity == Decimal(100)
    assert (form.total, form.level, form.level_before_quota) == (
        Decimal(99),
        "Hoàn thành tốt nhiệm vụ",
        "Hoàn thành xuất sắc nhiệm vụ",
    )
    assert form.reviewer_name == "Trưởng phòng Mười" and not form.points_only
    v0 = records(services, period_id)["V0"]
    assert v0.id is not None and services.reports.form(Actor.person(ids["HR10"]), v0.id).points_only


def test_nobody_reads_a_form_or_a_summary_that_is_not_theirs(closed: tuple[Services, dict[str, int], int]) -> None:
    services, ids, period_id = closed
    record = records(services, period_id)["C1"]
    assert record.id is not None
    for reader in ("TP10", "HR10"):  # the leader of the unit, HR
        assert services.reports.form(Actor.person(ids[reader]), record.id).staff_code == "C1"
    with pytest.raises(Refusal) as refused:
        services.reports.form(Actor.person(ids["C2"]), record.id)
    assert refused.value.code == "not_found"
    assert services.reports.summary(Actor.person(ids["TP10"]), "P10", "2026-11").rows
    with pytest.raises(Refusal) as refused:
        services.reports.summary(Actor.person(ids["C2"]), "P10", "2026-11")
    assert refused.value.code == "report_not_allowed"
    with pytest.raises(Refusal) as refused:
        services.reports.summary(Actor.person(ids["HR10"]), "P10", "2026-10")
    assert refused.value.code == "report_no_period"


def test_a_form_names_the_agency_above_the_unit_and_the_engines_kpi(
    closed: tuple[Services, dict[str, int], int],
) -> None:
    """The form's header names the governing body above the unit; its KPI is the engine's exact mean, rounded once."""
    services, ids, period_id = closed
    with services.db.uow() as uow:
        parent = uow.units.add(Unit(code="SNV", name="Sở Nội vụ"))
        unit = uow.units.get_by_code("P10")
        assert unit is not None
        unit.parent_id = parent.id
        uow.commit()
    record = records(services, period_id)["C1"]
    assert record.id is not None
    form = services.reports.form(Actor.person(ids["C1"]), record.id)
    assert (form.agency_name, form.unit_name) == ("Sở Nội vụ", "Phòng Mười")
    assert form.percentages is not None and form.percentages.kpi == Decimal(100)
    assert form.extras == ()  # NĐ 335 has neither bonus nor penalty points


def test_a_quarter_of_monthly_periods_shows_each_months_points_and_the_quarters(
    closed: tuple[Services, dict[str, int], int],
) -> None:
    """Quý IV/2026 with only November closed: each person's months (October and December empty, said in the note),
    the quarter's points and level as the roll-up gives them; the summary is provisional while months are missing."""
    services, ids, _ = closed
    summary = services.reports.summary(Actor.person(ids["TP10"]), "P10", "2026-Q4")
    assert (summary.period_label, summary.months, summary.closed) == (
        "Quý IV/2026",
        ("10/2026", "11/2026", "12/2026"),
        False,
    )
    rows = {row.staff_code: row for row in summary.rows}
    assert rows["C1"].month_totals == (None, Decimal(99), None) and rows["C1"].total == Decimal(99)
    assert rows["C1"].level == "Hoàn thành xuất sắc nhiệm vụ"  # the quarter's points, before any yearly quota
    assert rows["C1"].note == "chưa chốt tháng 10/2026; chưa chốt tháng 12/2026"
    assert rows["V1"].month_totals == (None, None, None) and rows["V1"].note == "không có kết quả đã chốt trong quý"
    assert dict(summary.level_counts)["không có kết quả đã chốt trong quý"] == 9
    assert summary.quota == ()
    with pytest.raises(Refusal) as refused:
        services.reports.summary(Actor.person(ids["C2"]), "P10", "2026-Q4")
    assert refused.value.code == "report_not_allowed"
    with pytest.raises(Refusal) as refused:
        services.reports.summary(Actor.person(ids["HR10"]), "P10", "2026-Q3")
    assert refused.value.code == "report_no_period"


def test_the_reports_of_a_unit_are_its_periods_quarters_and_years(
    closed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, _ = closed
    found = services.reports.report_periods(Actor.person(ids["TP10"]), "P10")
    assert [(p.key, p.label, p.kind) for p in found] == [
        ("2026-11", "11/2026", "period"),
        ("2026-Q4", "Quý IV/2026", "quarter"),
        ("2026", "Năm 2026", "year"),
    ]
    assert [p.key for p in report_periods(["2025-12", "2026-01", "2026-02", "2026-04"])] == [
        "2026-04", "2026-02", "2026-01", "2025-12", "2026-Q2", "2026-Q1", "2025-Q4", "2026", "2025",
    ]  # fmt: skip
    assert [p.kind for p in report_periods(["2026-Q1"])] == ["period", "year"]  # a quarterly regime's own quarter


def test_whose_form_a_leader_or_hr_can_print(closed: tuple[Services, dict[str, int], int]) -> None:
    """The records handed in for a month (by name), the people with a closed period in a year; nobody else's."""
    services, ids, period_id = closed
    by_code = records(services, period_id)
    month = services.reports.members(Actor.person(ids["TP10"]), "P10", "2026-11")
    assert [name for _, name in month] == sorted(
        ["Công chức 0", "Công chức 1", "Công chức 2", "Công chức 3", "Công chức 4", "Tổ chức Mười", "Viên chức 0"]
    )
    assert dict(month)[by_code["C3"].id or 0] == "Công chức 3"
    year = services.reports.members(Actor.person(ids["HR10"]), "P10", "2026")
    assert dict(year)[ids["V0"]] == "Viên chức 0" and ids["V1"] not in dict(year)
    form = services.reports.year_form_of(Actor.person(ids["HR10"]), ids["V0"], 2026)
    assert (form.staff_code, form.months) == ("V0", 1)  # one month: too few for a yearly level yet
    with pytest.raises(Refusal):
        services.reports.members(Actor.person(ids["C2"]), "P10", "2026-11")
    with pytest.raises(Refusal) as refused:
        services.reports.year_form_of(Actor.person(ids["C2"]), ids["V0"], 2026)
    assert refused.value.code == "not_found"
