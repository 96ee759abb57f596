"""A regime per person: a Sở with công chức (NĐ 335), viên chức (NĐ 233) and contract staff (the unit's choice, NĐ 233
Điều 20.2) runs a month with each person's record under their own regime, quota-ed in their own group; the
roster's category column, the organisation's and the units' choices, and records made before categories existed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.storage.models import Assessment
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import parse_category, parse_category_map
from danhgia.workflow.roster_file import RosterRejected, read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import ROSTER_HEADER, VN, make_services, write_roster

VC = "nd233-2026"
HEADER = [*ROSTER_HEADER, "loai_can_bo"]


def sở_rows() -> list[list[str]]:
    """Phòng Mười: a leader, five công chức, seven viên chức, two contract workers and HR."""
    rows = [["TP10", "Trưởng phòng Mười", "P10", "Phòng Mười", "Trưởng phòng", "lanh_dao", "", "", "Công chức"]]
    rows += [
        [f"C{i}", f"Công chức {i}", "P10", "Phòng Mười", "Chuyên viên", "nhan_vien", "TP10", "", "cong_chuc"]
        for i in range(5)
    ]
    rows += [
        [f"V{i}", f"Viên chức {i}", "P10", "Phòng Mười", "Viên chức", "nhan_vien", "TP10", "", "Viên chức"]
        for i in range(7)
    ]
    rows += [
        [f"L{i}", f"Hợp đồng {i}", "P10", "Phòng Mười", "Nhân viên", "nhan_vien", "TP10", "", "người lao động"]
        for i in range(2)
    ]
    rows += [["HR10", "Tổ chức Mười", "P10", "Phòng Mười", "Chuyên viên", "to_chuc", "TP10", "", "cong_chuc"]]
    return rows


def build_mixed(services: Services, tmp_path: Path) -> tuple[Services, dict[str, int], int]:
    """Viên chức under NĐ 233 for the whole organisation, and Phòng Mười imported: the services, the people, the
    unit's id."""
    services.regimes.by_category = parse_category_map(f"vien_chuc={VC}")
    table = read_roster(write_roster(tmp_path / "p10.csv", sở_rows(), HEADER))
    services.roster.import_table(table, Actor.cli("test"))
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        unit = uow.units.get_by_code("P10")
        assert unit is not None and unit.id is not None
        return services, ids, unit.id


@pytest.fixture
def mixed(services: Services, tmp_path: Path) -> tuple[Services, dict[str, int], int]:
    """The services with Phòng Mười (see `build_mixed`)."""
    return build_mixed(services, tmp_path)


def month_of_work(services: Services, pid: int) -> None:
    today = services.clock.now().astimezone(VN).date()
    task = services.tasks.add(Actor.person(pid), pid, "Việc", today, Decimal(1))
    services.tasks.checkin(Actor.person(pid), pid, task.id, CheckinOutcome.ON_TIME)


def submit_and_approve(services: Services, ids: dict[str, int], code: str, less: int = 0) -> None:
    """A month of work and a self-assessment at full points (`less` points off the last general criterion of the
    person's regime, up to 10, then off the one before), approved by TP10."""
    month_of_work(services, ids[code])
    view = services.self_assessment.open_self(ids[code])
    if less:
        pid = ids[code]
        last, before = view.regime.criteria[-1], view.regime.criteria[-2]
        kept = str(max(Decimal(0), last.max_points - less))
        view = services.self_assessment.set_points(pid, view.id, view.version, last.code, kept)
        if less > last.max_points:
            kept = str(before.max_points + last.max_points - less)
            view = services.self_assessment.set_points(pid, view.id, view.version, before.code, kept)
    view = services.self_assessment.submit(ids[code], view.id, view.version)
    services.review.approve(Actor.person(ids["TP10"]), view.id)


def records(services: Services, period_id: int) -> dict[str, Assessment]:
    with services.db.uow() as uow:
        codes = {p.id: p.staff_code for p in uow.people.all()}
        return {codes[r.person_id]: r for r in uow.assessments.in_period(period_id)}


def test_the_roster_names_each_persons_category_in_the_words_hr_types(
    mixed: tuple[Services, dict[str, int], int],
) -> None:
    services, _, _ = mixed
    with services.db.uow() as uow:
        found = {p.staff_code: p.category for p in uow.people.all() if p.staff_code in ("TP10", "C0", "V0", "L0")}
    assert found == {"TP10": "cong_chuc", "C0": "cong_chuc", "V0": "vien_chuc", "L0": "nguoi_lao_dong"}


def test_an_unknown_category_refuses_the_file_and_says_which_are_allowed(services: Services, tmp_path: Path) -> None:
    rows = sở_rows()
    rows[3][8] = "biên chế"
    with pytest.raises(RosterRejected) as refused:
        services.roster.import_table(read_roster(write_roster(tmp_path / "bad.csv", rows, HEADER)), Actor.cli("t"))
    (problem,) = [p for p in refused.value.problems if p.code == "unknown_category"]
    assert problem.row == 5 and problem.params["value"] == "biên chế" and "vien_chuc" in str(problem.params["allowed"])
    with services.db.uow() as uow:
        assert uow.people.get_by_code("C0") is None  # nothing was imported


def test_a_file_without_the_column_keeps_the_categories_already_recorded(
    mixed: tuple[Services, dict[str, int], int], tmp_path: Path
) -> None:
    services, _, _ = mixed
    rows = [row[:8] for row in sở_rows()]
    services.roster.import_table(read_roster(write_roster(tmp_path / "again.csv", rows)), Actor.cli("test"))
    with services.db.uow() as uow:
        person = uow.people.get_by_code("V1")
        assert person is not None and person.category == "vien_chuc"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Viên chức", "vien_chuc"),
        ("VIEN CHUC", "vien_chuc"),
        ("công_chức", "cong_chuc"),
        ("cán bộ", "can_bo"),
        ("Người lao động (hợp đồng)", "nguoi_lao_dong"),
        ("hợp đồng", "nguoi_lao_dong"),
        ("  ", ""),
    ],
)
def test_one_parser_reads_a_category_as_people_write_it(typed: str, code: str) -> None:
    assert parse_category(typed) == code


@pytest.mark.parametrize("typed", ["biên chế", "vien", "1", "viên chức x"])
def test_anything_else_is_not_a_category(typed: str) -> None:
    with pytest.raises(Refusal) as refused:
        parse_category(typed)
    assert refused.value.code == "unknown_category"


def test_each_person_is_scored_under_the_regime_of_their_category(
    mixed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, unit_id = mixed
    hr = Actor.person(ids["HR10"])
    services.regimes.set(Actor.cli("test"), "P10", "nguoi_lao_dong", "hanoi-1841-2021")  # the head's choice
    (period,) = services.periods.open(hr, unit_id, "2026-11")
    views = {code: services.self_assessment.open_self(ids[code]) for code in ("TP10", "C0", "V0", "L0")}
    assert {code: v.regime.id for code, v in views.items()} == {
        "TP10": "nd335-2025",
        "C0": "nd335-2025",
        "V0": VC,
        "L0": "hanoi-1841-2021",
    }
    assert views["V0"].period.regime_id == "nd335-2025"  # the period keeps the unit's default
    stored = records(services, period.id)
    assert (stored["V0"].regime_id, stored["V0"].category) == (VC, "vien_chuc")
    # A later choice changes only records made after it: V0 keeps the regime it was made with.
    services.regimes.by_category = {}
    assert services.self_assessment.open_self(ids["V0"]).regime.id == VC
    assert services.self_assessment.open_self(ids["V1"]).regime.id == "nd335-2025"


def test_the_quota_groups_follow_the_categories_and_a_yearly_quota_waits_for_the_year(
    mixed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, unit_id = mixed
    hr = Actor.person(ids["HR10"])
    (period,) = services.periods.open(hr, unit_id, "2026-11")
    for i in range(5):
        submit_and_approve(services, ids, f"C{i}", less=i)  # 100, 99, 98, 97, 96 points
    submit_and_approve(services, ids, "HR10", less=20)  # 80 points
    for code in [f"V{i}" for i in range(7)] + ["L0", "L1"]:
        submit_and_approve(services, ids, code)  # 100 points each
    outcome = services.periods.close(hr, period.id)
    assert outcome.closed
    finals = {code: r.final_level for code, r in records(services, period.id).items()}
    # Công chức: HTXS ≤ 20 % of HTT in their group (counted after the cut): C0 keeps it, C1–C4 and HR10 at HTT.
    assert finals["C0"] == "HTXS" and {finals[f"C{i}"] for i in range(1, 5)} | {finals["HR10"]} == {"HTT"}
    # Contract staff, under REGIME but a group of their own: two at 100 and nobody at HTT — neither keeps HTXS.
    assert {finals["L0"], finals["L1"]} == {"HTT"}
    # Viên chức: NĐ 233 counts its 20 % on the yearly level, so the month keeps its points' band.
    assert {finals[f"V{i}"] for i in range(7)} == {"HTXS"}
    groups = set(outcome.quota)
    assert "staff:nd335-2025:cong_chuc" in groups and "staff:nd335-2025:nguoi_lao_dong" in groups
    assert not any(VC in group for group in groups)


def test_records_made_before_categories_keep_the_regime_of_their_period(
    mixed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, unit_id = mixed
    (period,) = services.periods.open(Actor.person(ids["HR10"]), unit_id, "2026-11")
    view = services.self_assessment.open_self(ids["V2"])
    with services.db.uow() as uow:  # as the migration leaves a record of before: no regime of its own
        record = uow.assessments.get(view.id)
        assert record is not None
        record.regime_id, record.category = None, ""
        uow.session.add(record)
        uow.commit()
    assert services.self_assessment.open_self(ids["V2"]).regime.id == "nd335-2025"
    assert period.regime_id == "nd335-2025"


def test_a_regime_not_yet_in_force_gives_way_to_the_periods(mixed: tuple[Services, dict[str, int], int]) -> None:
    services, ids, unit_id = mixed
    (june,) = services.periods.open(Actor.person(ids["HR10"]), unit_id, "2026-06")
    view = services.self_assessment.open_self(ids["V3"])
    assert view.period.key == "2026-06" and view.regime.id == "nd335-2025"  # NĐ 233 is in force from 01/07/2026
    assert june.regime_id == "nd335-2025"


def test_a_unit_choice_holds_below_it_and_can_be_withdrawn(mixed: tuple[Services, dict[str, int], int]) -> None:
    services, _, _ = mixed
    services.regimes.set(Actor.cli("test"), "P10", "vien_chuc", "hanoi-1841-2021")
    table = {(code, category): choice for code, _, category, choice in services.regimes.table()}
    assert (table[("P10", "vien_chuc")].regime_id, table[("P10", "vien_chuc")].source) == ("hanoi-1841-2021", "unit")
    assert table[("P10", "cong_chuc")].source == "default"
    assert services.regimes.clear(Actor.cli("test"), "P10", "vien_chuc")
    table = {(code, category): choice for code, _, category, choice in services.regimes.table()}
    assert (table[("P10", "vien_chuc")].regime_id, table[("P10", "vien_chuc")].source) == (VC, "organisation")


@pytest.mark.parametrize(
    ("category", "regime", "code"),
    [
        ("vien_chuc", "qd366-2025", "regime_period_mismatch"),
        ("vien_chuc", "nd999", "unknown_regime"),
        ("biên chế", "nd335-2025", "unknown_category"),
    ],
)
def test_a_choice_that_cannot_share_the_units_periods_is_refused(
    mixed: tuple[Services, dict[str, int], int], category: str, regime: str, code: str
) -> None:
    services, _, _ = mixed
    with pytest.raises(Refusal) as refused:
        services.regimes.set(Actor.cli("test"), "P10", category, regime)
    assert refused.value.code == code


def test_the_settings_refuse_a_category_map_that_cannot_work(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from danhgia.bot.settings import Settings

    monkeypatch.setenv("BOT_TOKEN", "1:x")
    for bad in ("vien_chuc=qd366-2025", "bien_che=nd335-2025", "vien_chuc"):
        monkeypatch.setenv("REGIME_BY_CATEGORY", bad)
        with pytest.raises(ValidationError):
            Settings()
    monkeypatch.setenv("REGIME_BY_CATEGORY", f"vien_chuc={VC}; nguoi_lao_dong=nd335-2025")
    config = Settings().workflow_config()
    assert dict(config.regime_by_category) == {"vien_chuc": VC, "nguoi_lao_dong": "nd335-2025"}
    assert replace(config).regime_id == "nd335-2025"


def test_a_year_of_the_mixed_sở_each_under_their_regime_with_nd233s_yearly_quota(
    database_url: str, tmp_path: Path
) -> None:
    """June to November 2026: viên chức are scored under the unit's regime in June (NĐ 233 is in force from
    01/07/2026), under NĐ 233 after; their year is judged under NĐ 233 from the six months' average, and its 20 %
    is counted on the yearly levels of their own group."""
    clock = ManualClock(datetime(2026, 6, 1, 9, 0, tzinfo=VN))
    services, ids, unit_id = build_mixed(make_services(database_url, clock), tmp_path)
    hr = Actor.person(ids["HR10"])
    less = {"V0": 0, "V1": 5, **{f"V{i}": 20 for i in range(2, 7)}, "C0": 0, "L0": 0}  # 100, 95, 80 × 5, 100, 100
    for month in range(6, 12):
        clock.set(datetime(2026, month, 15, 9, 0, tzinfo=VN))
        (period,) = services.periods.open(hr, unit_id, f"2026-{month:02d}")
        for code, off in less.items():
            submit_and_approve(services, ids, code, less=off)
        assert services.periods.close(hr, period.id).closed
        stored = records(services, period.id)
        assert stored["V0"].regime_id == ("nd335-2025" if month == 6 else VC)
        assert stored["C0"].regime_id == "nd335-2025"
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=VN))
    rows = {row.staff_code: row for row in services.years.unit_year(hr, "P10", 2026)}
    assert set(rows) == set(less)
    assert {code: rows[code].regime_id for code in ("V0", "C0", "L0")} == {
        "V0": VC,
        "C0": "nd335-2025",
        "L0": "nd335-2025",
    }
    assert (rows["V0"].total, rows["V0"].level, rows["V0"].final_level) == (Decimal(100), "HTXS", "HTXS")
    # Two viên chức at HTXS by points, five at HTT: one may keep it (20 % of the HTT), the other is lowered.
    assert (rows["V1"].total, rows["V1"].level, rows["V1"].final_level) == (Decimal(95), "HTXS", "HTT")
    assert "giới hạn tỷ lệ" in rows["V1"].note
    assert {rows[f"V{i}"].final_level for i in range(2, 7)} == {"HTT"}
    # Công chức and contract staff had their quota at each closing; the year adds none.
    assert rows["C0"].note == "" and rows["L0"].note == ""
    # The person sees the year under NĐ 233, and the quarters as points only.
    summary, _ = services.results.year(ids["V1"], 2026)
    assert summary is not None and summary.regime_id == VC and summary.year.total == Decimal(95)
    from danhgia.handlers.results.panels import year_panel

    shown = year_panel(summary, services.results.history(ids["V1"]), 2026, date(2026, 12, 20), "vi").text
    assert "chỉ chấm điểm" in shown
    # Her yearly form (NĐ 233 Phụ lục II): the year's averages of each part, the level after the yearly quota.
    form = services.reports.year_form(hr, "V1", 2026)
    assert (form.regime.id, form.months, form.total, form.level) == (VC, 6, Decimal(95), "Hoàn thành tốt nhiệm vụ")
    assert (form.general_points, form.general_max, form.task_points, form.task_max) == (
        Decimal(25),
        Decimal(30),
        Decimal(70),
        Decimal(70),
    )
    assert "giới hạn tỷ lệ" in form.note and not form.final  # the year is not over on 20/12/2026
    assert services.reports.year_form(Actor.person(ids["V1"]), "V1", 2026).staff_code == "V1"
    forms = {form.staff_code: form for form in services.reports.year_forms(hr, "P10", 2026)}
    assert set(forms) == set(less) and forms["V1"] == form
    # The unit's year as HR prints it: every member, the year's level under their regime, the yearly quota noted.
    year = services.reports.year_summary(hr, "P10", 2026)
    rows = {row.staff_code: row for row in year.rows}
    assert (year.period_label, year.closed, len(rows)) == ("năm 2026", False, 16)
    assert (rows["V1"].total, rows["V1"].level, rows["V1"].regime_id) == (Decimal(95), "Hoàn thành tốt nhiệm vụ", VC)
    assert "giới hạn tỷ lệ" in rows["V1"].note and rows["C1"].note == "không có kỳ nào đã chốt trong năm"
    from danhgia.reports.summary import summary_xlsx

    assert summary_xlsx(year).startswith(b"PK")
    with pytest.raises(Refusal):
        services.reports.year_form(Actor.person(ids["V2"]), "V1", 2026)
    services.db.dispose()


def test_the_head_is_not_rated_above_the_level_hr_entered_for_the_unit(
    mixed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, unit_id = mixed
    services.periods.regime_id = services.regimes.default_regime_id = "hanoi-1841-2021"  # a regime with that rule
    (period,) = services.periods.open(Actor.person(ids["HR10"]), unit_id, "2026-11")
    month_of_work(services, ids["TP10"])
    before = services.self_assessment.open_self(ids["TP10"])
    assert before.self_result is not None and before.self_result.level is not None
    assert before.self_result.level.code == "HTXS"
    assert not any(line.kind == "leader_capped_by_unit" for line in before.self_result.explanation)
    services.regimes.set_unit_level(Actor.cli("test"), "P10", period.key, "HT")
    after = services.self_assessment.open_self(ids["TP10"])
    assert after.self_result is not None and after.self_result.level is not None
    assert after.self_result.level.code == "HT" and after.self_result.total == before.self_result.total
    (capped,) = [line for line in after.self_result.explanation if line.kind == "leader_capped_by_unit"]
    assert "không xếp cao hơn" in capped.text
    for key, level, code in (("2026-13", "HT", "unknown_period_key"), ("2026-11", "A+", "unknown_level")):
        with pytest.raises(Refusal) as refused:
            services.regimes.set_unit_level(Actor.cli("test"), "P10", key, level)
        assert refused.value.code == code


def test_the_hanoi_board_publishes_final_results_only_and_a_viên_chức_with_the_year(
    mixed: tuple[Services, dict[str, int], int],
) -> None:
    services, ids, unit_id = mixed
    services.periods.regime_id = services.regimes.default_regime_id = "hanoi-1841-2021"
    (period,) = services.periods.open(Actor.person(ids["HR10"]), unit_id, "2026-11")
    for code in ("C0", "C1", "V0"):
        submit_and_approve(services, ids, code)
    assert services.periods.close(Actor.person(ids["HR10"]), period.id).closed
    board = services.disclosure.board(ids["C2"])
    rows = {row.name: row for row in board.rows}
    assert not board.self_scores
    assert rows["Công chức 0"].total == Decimal(100) and rows["Công chức 0"].self_total is None
    viên = rows["Viên chức 0"]
    assert viên.yearly and viên.total is None and viên.level == "" and viên.quarter_average is None
    from danhgia.handlers.board import board_panel

    text = board_panel(board, ids["C2"], "vi").text
    assert "Tự chấm" not in text and "Viên chức 0</b> — kết quả được công khai theo năm" in text
    assert "Cuối <b>100</b>" in text


def test_hr_reads_a_second_year_in_a_row_at_the_lowest_level() -> None:
    from danhgia.scoring import PeriodRecord, rollup
    from danhgia.workflow.years import YearRow, _note, describe

    months = [PeriodRecord(f"2027-{m:02d}", Decimal(40)) for m in range(1, 13)]
    summary = rollup(VC, months, person_id="V9", previous_year_level="KHT")
    assert summary.year.level is not None and summary.year.level.code == "KHT"
    note = _note(summary)
    assert note == "hai năm liên tiếp không hoàn thành nhiệm vụ: cấp có thẩm quyền xem xét"
    row = YearRow("V9", "Viên chức 9", "", "vien_chuc", VC, "staff", Decimal(40), "KHT", "KHT", note, summary)
    assert describe(row) == f"V9\tViên chức 9\tViên chức\t{VC}\t40\tKHT — {note}"
    assert _note(rollup(VC, months, person_id="V9", previous_year_level="HT")) == ""
