"""Roster import: the organisation is created and updated from CSV/XLSX; a bad file changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from danhgia.texts import t
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import RosterProblem, RosterRejected, read_roster
from danhgia.workflow.services import Services
from tests.conftest import ROSTER_HEADER, ROSTER_ROWS, write_roster

ACTOR = Actor.cli("test")


def import_rows(services: Services, tmp_path: Path, rows: list[list[str]], **kwargs: object) -> object:
    path = write_roster(tmp_path / f"r{len(list(tmp_path.iterdir()))}.csv", rows)
    return services.roster.import_table(read_roster(path), ACTOR, **kwargs)  # type: ignore[arg-type]


def snapshot(services: Services) -> dict[str, object]:
    """Everything an import may touch, to compare before and after."""
    with services.db.uow() as uow:
        return {
            "units": [(u.code, u.name, u.parent_id) for u in uow.units.all()],
            "people": [(p.staff_code, p.full_name, p.unit_id, p.position, p.email, p.active) for p in uow.people.all()],
            "roles": sorted((k, sorted(v)) for k, v in uow.people.roles_by_person().items()),
            "lines": sorted(
                (line.person_id, line.supervisor_id, line.valid_from, line.valid_to)
                for p in uow.people.all()
                for line in uow.reporting.history(p.id or 0)
            ),
            "audit": len(uow.audit.entries()),
        }


def rejected(
    services: Services, tmp_path: Path, rows: list[list[str]], header: list[str] | None = None
) -> list[RosterProblem]:
    path = write_roster(tmp_path / "bad.csv", rows, header)
    before = snapshot(services)
    with pytest.raises(RosterRejected) as caught:
        services.roster.import_table(read_roster(path), ACTOR)
    assert snapshot(services) == before, "a rejected file must leave the database untouched"
    for problem in caught.value.problems:  # every problem renders as a Vietnamese sentence
        assert t(f"roster.problem.{problem.code}", **problem.params)
    return caught.value.problems


def test_import_creates_the_org_tree_people_roles_and_reporting_lines(services: Services, tmp_path: Path) -> None:
    report = import_rows(services, tmp_path, ROSTER_ROWS)
    assert sorted(report.units_created) == ["CC", "SO", "TH"]  # type: ignore[attr-defined]
    assert len(report.people_created) == 8  # type: ignore[attr-defined]
    with services.db.uow() as uow:
        units = {u.code: u for u in uow.units.all()}
        assert units["TH"].parent_id == units["SO"].id and units["SO"].parent_id is None
        hoa = uow.people.get_by_code("TP01")
        an = uow.people.get_by_code("CV01")
        hai = uow.people.get_by_code("QT01")
        assert hoa and an and hai and hoa.id and an.id and hai.id
        assert an.full_name == "Lê Văn An" and an.position == "Chuyên viên" and an.unit_id == units["TH"].id
        assert uow.people.roles(hai.id) == {"nhan_vien", "quan_tri"}
        today = date(2026, 11, 20)
        line = uow.reporting.current(an.id, today)
        assert line is not None and line.supervisor_id == hoa.id and line.valid_from == today
        assert [p.staff_code for p in uow.reporting.subordinates(hoa.id, today)] == ["CV01", "CV02", "QT01"]
        assert uow.units.subtree_ids(units["SO"].id or 0) == {u.id for u in units.values()}
        actions = [e.action for e in uow.audit.entries()]
    assert actions.count("person.create") == 8 and actions.count("unit.create") == 3


def test_reimporting_the_same_file_changes_nothing(services: Services, tmp_path: Path) -> None:
    import_rows(services, tmp_path, ROSTER_ROWS)
    before = snapshot(services)
    report = import_rows(services, tmp_path, ROSTER_ROWS)
    assert not report.changed  # type: ignore[attr-defined]
    assert report.people_unchanged == 8  # type: ignore[attr-defined]
    assert snapshot(services) == before


def test_changed_row_updates_that_person_only(services: Services, tmp_path: Path) -> None:
    import_rows(services, tmp_path, ROSTER_ROWS)
    rows = [list(r) for r in ROSTER_ROWS]
    rows[2][4] = "Chuyên viên chính"  # CV01's position
    report = import_rows(services, tmp_path, rows)
    assert report.people_updated == ["CV01"]  # type: ignore[attr-defined]
    with services.db.uow() as uow:
        an = uow.people.get_by_code("CV01")
        assert an is not None and an.position == "Chuyên viên chính"
        updates = [e for e in uow.audit.entries("person", str(an.id)) if e.action == "person.update"]
    assert updates[-1].old["position"] == "Chuyên viên" and updates[-1].new["position"] == "Chuyên viên chính"  # type: ignore[index]


def test_new_supervisor_closes_the_old_line_and_keeps_history(services: Services, tmp_path: Path) -> None:
    import_rows(services, tmp_path, ROSTER_ROWS)
    services.clock.advance(timedelta(days=11))  # type: ignore[attr-defined]
    rows = [list(r) for r in ROSTER_ROWS]
    rows[2] = ["CV01", "Lê Văn An", "CC", "Phòng Công chức", "Chuyên viên", "nhan_vien", "TP02", "SO"]
    report = import_rows(services, tmp_path, rows, effective=date(2026, 12, 1))
    assert report.reporting_changed == ["CV01"]  # type: ignore[attr-defined]
    with services.db.uow() as uow:
        an = uow.people.get_by_code("CV01")
        hoa = uow.people.get_by_code("TP01")
        cuong = uow.people.get_by_code("TP02")
        assert an and hoa and cuong and an.id
        assert uow.reporting.current(an.id, date(2026, 11, 30)).supervisor_id == hoa.id  # type: ignore[union-attr]
        assert uow.reporting.current(an.id, date(2026, 12, 1)).supervisor_id == cuong.id  # type: ignore[union-attr]
        history = uow.reporting.history(an.id)
    assert [(h.valid_from, h.valid_to) for h in history] == [
        (date(2026, 11, 20), date(2026, 12, 1)),
        (date(2026, 12, 1), None),
    ]


def test_units_names_and_parents_are_updated(services: Services, tmp_path: Path) -> None:
    import_rows(services, tmp_path, ROSTER_ROWS)
    rows = [[*r[:3], "Văn phòng Sở" if r[2] == "TH" else r[3], *r[4:]] for r in ROSTER_ROWS]
    report = import_rows(services, tmp_path, rows)
    assert report.units_updated == ["TH"]  # type: ignore[attr-defined]
    with services.db.uow() as uow:
        assert uow.units.get_by_code("TH").name == "Văn phòng Sở"  # type: ignore[union-attr]


def test_people_missing_from_the_file_are_reported_and_optionally_deactivated(
    services: Services, tmp_path: Path
) -> None:
    import_rows(services, tmp_path, ROSTER_ROWS)
    rows = [r for r in ROSTER_ROWS if r[0] != "CV02"]
    report = import_rows(services, tmp_path, rows)
    assert report.not_in_file == ["CV02"] and report.deactivated == []  # type: ignore[attr-defined]
    report = import_rows(services, tmp_path, rows, deactivate_missing=True)
    assert report.deactivated == ["CV02"]  # type: ignore[attr-defined]
    with services.db.uow() as uow:
        assert uow.people.get_by_code("CV02").active is False  # type: ignore[union-attr]
    report = import_rows(services, tmp_path, ROSTER_ROWS)  # back in the file → active again
    assert report.people_updated == ["CV02"]  # type: ignore[attr-defined]


def test_dry_run_validates_but_writes_nothing(services: Services, tmp_path: Path) -> None:
    before = snapshot(services)
    report = import_rows(services, tmp_path, ROSTER_ROWS, dry_run=True)
    assert len(report.people_created) == 8  # type: ignore[attr-defined]
    assert snapshot(services) == before


def test_csv_with_bom_semicolons_and_vietnamese_headers(services: Services, tmp_path: Path) -> None:
    header = ["Mã cán bộ", "Họ tên", "Mã đơn vị", "Tên đơn vị", "Chức vụ", "Vai trò", "Mã cấp trên"]
    lines = [
        ";".join(header),
        "A1;Nguyễn  Văn   Tư;U1;Phòng A;Trưởng phòng;lanh_dao;",
        "A2;Trần Thị Năm;U1;Phòng A;;NHAN_VIEN;A1",
    ]
    path = tmp_path / "excel.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    report = services.roster.import_table(read_roster(path), ACTOR)
    assert report.people_created == ["A1", "A2"]
    with services.db.uow() as uow:
        tu = uow.people.get_by_code("A1")
        assert tu is not None and tu.full_name == "Nguyễn Văn Tư"
        assert uow.people.roles(uow.people.get_by_code("A2").id or 0) == {"nhan_vien"}  # type: ignore[union-attr]


def test_decomposed_unicode_is_normalised(services: Services, tmp_path: Path) -> None:
    import unicodedata

    rows = [["B1", unicodedata.normalize("NFD", "Đặng Thị Ngọc"), "U1", "Phòng A", "Chuyên viên", "nhan_vien", "", ""]]
    import_rows(services, tmp_path, rows)
    with services.db.uow() as uow:
        assert uow.people.get_by_code("B1").full_name == "Đặng Thị Ngọc"  # type: ignore[union-attr]


def test_xlsx_import_with_numeric_codes(services: Services, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([*ROSTER_HEADER, "email", "so_dien_thoai"])
    sheet.append(
        [
            1001,
            "Ngô Văn Bảy",
            "U9",
            "Phòng Chín",
            "Trưởng phòng",
            "lanh_dao",
            None,
            None,
            "bay@hanoi.gov.vn",
            "0912 345 678",
        ]
    )
    sheet.append([1002, "Lý Thị Tám", "U9", "Phòng Chín", "Chuyên viên", "nhan_vien", 1001, None, None, None])
    path = tmp_path / "staff.xlsx"
    workbook.save(path)
    report = services.roster.import_table(read_roster(path), ACTOR)
    assert report.people_created == ["1001", "1002"]
    with services.db.uow() as uow:
        bay = uow.people.get_by_code("1001")
        tam = uow.people.get_by_code("1002")
        assert bay and tam and tam.id
        assert bay.email == "bay@hanoi.gov.vn" and bay.phone == "0912 345 678"
        assert uow.reporting.current(tam.id, date(2026, 11, 20)).supervisor_id == bay.id  # type: ignore[union-attr]


def test_missing_columns_are_named(services: Services, tmp_path: Path) -> None:
    problems = rejected(services, tmp_path, [["X1", "Tên"]], header=["ma_can_bo", "ho_ten"])
    assert problems == [
        RosterProblem(1, "missing_columns", {"columns": "ma_don_vi, ten_don_vi, chuc_vu, vai_tro, ma_cap_tren"})
    ]


def test_every_problem_is_listed_by_row_and_nothing_is_written(services: Services, tmp_path: Path) -> None:
    import_rows(services, tmp_path, ROSTER_ROWS)
    rows = [
        ["N1", "Người Một", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "TP01", "SO"],  # fine
        ["N2", "", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "TP01", "SO"],  # empty name
        ["N3", "Người Ba", "TH", "Phòng Tổng hợp", "Chuyên viên", "giam_doc", "TP01", "SO"],  # unknown role
        ["N4", "Người Bốn", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "ZZ99", "SO"],  # unknown supervisor
        ["N1", "Người Một Lặp", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "TP01", "SO"],  # duplicate
        ["N6", "Người Sáu", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "N7", "SO"],  # cycle N6 → N7 → N6
        ["N7", "Người Bảy", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "N6", "SO"],
        ["N8", "Người Tám", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "N8", "SO"],  # own supervisor
    ]
    problems = rejected(services, tmp_path, rows)
    found = {(p.row, p.code) for p in problems}
    assert found == {
        (3, "empty_ho_ten"),
        (4, "unknown_role"),
        (5, "unknown_supervisor"),
        (6, "duplicate_staff_code"),
        (7, "reporting_cycle"),
        (9, "own_supervisor"),
    }
    cycle = next(p for p in problems if p.code == "reporting_cycle")
    assert cycle.params["cycle"] == "N6 (dòng 7) → N7 (dòng 8) → N6 (dòng 7)"
    duplicate = next(p for p in problems if p.code == "duplicate_staff_code")
    assert duplicate.params == {"code": "N1", "first": 2}


def test_cycle_through_people_already_in_the_database(services: Services, tmp_path: Path) -> None:
    import_rows(services, tmp_path, ROSTER_ROWS)
    # GD01 (the director) would now report to CV01, who reports (in the database) to TP01 → GD01.
    problems = rejected(
        services, tmp_path, [["GD01", "Trần Văn Minh", "SO", "Sở Nội vụ", "Giám đốc", "lanh_dao", "CV01", ""]]
    )
    assert [p.code for p in problems] == ["reporting_cycle"]
    assert problems[0].params["cycle"] == "CV01 → TP01 → GD01 (dòng 2) → CV01"


def test_unit_problems(services: Services, tmp_path: Path) -> None:
    rows = [
        ["U1", "Người A", "P1", "Phòng Một", "", "nhan_vien", "", "P2"],
        ["U2", "Người B", "P1", "Phòng Khác Tên", "", "nhan_vien", "", "P2"],  # name conflict
        ["U3", "Người C", "P2", "Phòng Hai", "", "nhan_vien", "", "P1"],  # P1 → P2 → P1 cycle
        ["U4", "Người D", "P3", "", "", "nhan_vien", "", ""],  # new unit without a name
        ["U5", "Người E", "P4", "Phòng Bốn", "", "nhan_vien", "", "KHONGCO"],  # unknown parent
        ["U6", "Người F", "P5", "Phòng Năm", "", "nhan_vien", "", "P5"],  # own parent
    ]
    found = {(p.row, p.code) for p in rejected(services, tmp_path, rows)}
    assert found == {
        (3, "unit_name_conflict"),
        (2, "unit_cycle"),
        (5, "empty_ten_don_vi"),
        (6, "unknown_parent_unit"),
        (7, "unit_own_parent"),
    }


def test_cell_format_problems(services: Services, tmp_path: Path) -> None:
    header = [*ROSTER_HEADER, "email", "so_dien_thoai"]
    rows = [
        ["C 1", "Người A", "P1", "Phòng Một", "", "nhan_vien", "", "", "a@b.vn", "0901234567"],
        ["C2", "Người B", "P1", "Phòng Một", "", "nhan_vien", "", "", "khong-phai-email", "abc"],
        ["C3", "Người C" * 50, "P1", "Phòng Một", "", "", "", "", "", ""],
    ]
    found = {(p.row, p.code) for p in rejected(services, tmp_path, rows, header)}
    assert found == {(2, "bad_code"), (3, "bad_email"), (3, "bad_phone"), (4, "too_long"), (4, "empty_vai_tro")}


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.csv", b"", "empty_file"),
        ("header-only.csv", ",".join(ROSTER_HEADER).encode(), "no_rows"),
        (
            "latin1.csv",
            ",".join(ROSTER_HEADER).encode() + "\nX,Nguy\xean,U,P,,nhan_vien,\n".encode("latin-1"),
            "not_utf8",
        ),
        ("staff.pdf", b"%PDF-1.4", "unsupported_format"),
        ("broken.xlsx", b"not a zip file", "unreadable_xlsx"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(
    services: Services, tmp_path: Path, name: str, content: bytes, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(services)
    with pytest.raises(RosterRejected) as caught:
        services.roster.import_table(read_roster(path), ACTOR)
    assert [p.code for p in caught.value.problems] == [code]
    assert snapshot(services) == before


def test_missing_file(services: Services, tmp_path: Path) -> None:
    with pytest.raises(RosterRejected) as caught:
        services.roster.import_table(read_roster(tmp_path / "khong-co.csv"), ACTOR)
    assert caught.value.problems[0].code == "file_not_found"
