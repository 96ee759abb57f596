"""The data of the official paperwork, read from the records: a unit's summary of a closed month (every member, the
quota's demotions noted, the level counts and the quota's checks) and a person's form (criteria by the person, the
leader and as final; a, b, c; the level before and after the quota), and who may read them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
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
