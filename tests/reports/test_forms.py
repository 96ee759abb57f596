"""The monitoring form as a Word document: NĐ 335 Mẫu số 01 for a công chức and a leader, the viên chức form of
NĐ 233 (points only), Hà Nội 1841 (levels with their letter, task points out of 80) and Đà Nẵng – Liên Chiểu (360°:
final points only). Each is opened with python-docx and read back (names, each criterion's points, a/b/c, total,
level, signatures, the provisional line), its page checked (A4, NĐ 30/2020 margins, Times New Roman 13), and two
builds compared byte for byte. One test prints the forms through LibreOffice: one A4 page each, and PNGs under
test-artifacts/forms/ to look at."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from danhgia.reports.forms import form_docx
from danhgia.scoring import Regime, load_regime
from danhgia.scoring.serialize import TaskPercentages
from danhgia.workflow.report_data import CriterionRow, FormData
from tests.reports import built_twice, print_docx

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "forms"
DECIDED = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)  # 09:30 on 03/12/2026 in Hà Nội


def _rows(regime: Regime, self_less: list[str], leader: list[str | None], *, final: bool = True) -> list[CriterionRow]:
    rows = []
    for number, (criterion, less, given) in enumerate(zip(regime.criteria, self_less, leader, strict=True), start=1):
        mine = criterion.max_points - D(less)
        theirs = D(given) if given is not None else None
        last = (theirs if theirs is not None else mine) if final else None
        rows.append(CriterionRow(number, criterion.name, criterion.max_points, mine, theirs, last))
    return rows


def _form(regime_id: str, **changes: object) -> FormData:
    regime = load_regime(regime_id)
    base = FormData(
        regime=regime,
        person_name="Nguyễn Thị Hương",
        staff_code="CV01",
        position="Chuyên viên",
        unit_name="Phòng Tổng hợp",
        category="Công chức",
        period_key="2026-11",
        period_label="11/2026",
        is_leader=False,
        state="locked",
        criteria=(),
        general_points=None,
        general_max=D(30),
        task_points=None,
        task_max=D(70),
        percentages=None,
        total=None,
        max_total=D(100),
        level="",
        level_before_quota="",
        points_only=False,
        reviewer_name="Trần Văn Bình",
        decided_at=DECIDED,
        decision_reason="",
        explanation=(),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def nd335_staff() -> FormData:
    regime = load_regime("nd335-2025")
    return _form(
        "nd335-2025",
        criteria=tuple(_rows(regime, ["0", "0.5", "1"], [None, None, "8.5"])),
        general_points=D("28"),
        task_points=D("61.25"),
        percentages=TaskPercentages(D(100), D(75), D("87.5")),
        total=D("89.25"),
        level="Hoàn thành tốt nhiệm vụ",
        level_before_quota="Hoàn thành xuất sắc nhiệm vụ",
        decision_reason="Hoàn thành tốt các nhiệm vụ được giao; cần chủ động hơn trong phối hợp.",
    )


def nd335_leader() -> FormData:
    regime = load_regime("nd335-2025")
    group = regime.task_group
    assert group is not None and group.tasks is not None
    shares = [D(100), D(75), D("87.5"), D(100), D(50), D(100)]
    return _form(
        "nd335-2025",
        person_name="Lê Văn Cường",
        position="Trưởng phòng",
        is_leader=True,
        state="approved",
        criteria=tuple(_rows(regime, ["0", "0", "0"], [None, "9", None], final=False)),
        general_points=D("29"),
        task_points=D("59.79"),
        percentages=TaskPercentages(
            D(100), D(75), D("87.5"), tuple(zip(group.tasks.leader_criteria, shares, strict=True))
        ),
        total=D("88.79"),
        level="Hoàn thành tốt nhiệm vụ",
        reviewer_name="",
        decided_at=None,
    )


def nd233() -> FormData:
    regime = load_regime("nd233-2026")
    return _form(
        "nd233-2026",
        person_name="Phạm Thu Trang",
        position="Giáo viên",
        unit_name="Trường Tiểu học Kim Liên",
        category="Viên chức",
        criteria=tuple(_rows(regime, ["0", "0", "2"], [None, None, None])),
        general_points=D("28"),
        task_points=D("70"),
        percentages=TaskPercentages(D(100), D(100), D(100)),
        total=D("98"),
        level="Hoàn thành xuất sắc nhiệm vụ",
        points_only=True,
    )


def hanoi() -> FormData:
    regime = load_regime("hanoi-1841-2021")
    return _form(
        "hanoi-1841-2021",
        person_name="Đỗ Minh Quân",
        unit_name="Văn phòng HĐND và UBND phường Ba Đình",
        criteria=tuple(_rows(regime, ["0", "0", "1", "0"], [None, None, "4.5", None])),
        general_points=D("19.5"),
        general_max=D(20),
        task_points=D("70"),
        task_max=D(80),
        percentages=TaskPercentages(D(100), D("87.5"), D("75")),
        total=D("89.5"),
        level="Hoàn thành tốt nhiệm vụ (Loại B)",
    )


def danang() -> FormData:
    regime = load_regime("danang-lienchieu-2013")
    return _form(
        "danang-lienchieu-2013",
        person_name="Hồ Thị Lan",
        position="Công chức Văn phòng – Thống kê",
        unit_name="UBND phường Hòa Khánh Bắc",
        criteria=tuple(_rows(regime, ["3", "1", "2"], ["55.4", "14.2", "23.6"])),
        general_points=D("55.4"),
        general_max=D(60),
        task_points=None,
        task_max=None,
        total=D("96.2"),
        extras=(("bonus", "Điểm thưởng", D(3)), ("penalty", "Điểm trừ", D(0))),
        level="Hoàn thành xuất sắc nhiệm vụ",
    )


FORMS = {"nd335": nd335_staff, "nd335-lanh-dao": nd335_leader, "nd233": nd233, "hanoi-1841": hanoi, "danang": danang}


def _open(data: FormData) -> DocxDocument:
    return docx.Document(io.BytesIO(form_docx(data)))


def _paragraphs(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def _table(document: DocxDocument, index: int) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[index].rows]


def _all_text(document: DocxDocument) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(_paragraphs(document) + cells)


# -- NĐ 335 --------------------------------------------------------------------------------------------------------


def test_nd335_form_has_the_header_the_title_and_the_persons_fields() -> None:
    document = _open(nd335_staff())
    header = _table(document, 0)[0]
    assert header[0].startswith("PHÒNG TỔNG HỢP")
    assert header[1].split("\n")[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    motto = document.tables[0].cell(0, 1).paragraphs[1].runs[0]
    assert motto.bold and motto.underline
    text = _paragraphs(document)
    assert text[text.index("PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC") - 1] == "Mẫu số 01"
    assert "(Kỳ theo dõi, đánh giá: Tháng 11 năm 2026)" in text
    assert "Họ và tên: Nguyễn Thị Hương" in text
    assert "Chức vụ, chức danh: Chuyên viên" in text
    assert "Đơn vị công tác: Phòng Tổng hợp" in text
    assert not any("BẢN TẠM" in line for line in text)  # a final form
    assert not any("Phụ lục" in line for line in text)  # the appendix number is unresolved (forms.md §1)


def test_nd335_criteria_table_shows_each_criterion_max_self_leader_and_final_points() -> None:
    data = nd335_staff()
    rows = _table(_open(data), 1)
    assert rows[0] == [
        "TT",
        "Tiêu chí chấm điểm",
        "Điểm tối đa",
        "Điểm do cá nhân tự chấm",
        "Điểm do cấp có thẩm quyền chấm",
        "Điểm đạt",
    ]
    assert rows[1] == ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
    names = [c.name for c in data.criteria]
    assert rows[2] == ["I", names[0], "10", "10", "", "10"]
    assert rows[3] == ["II", names[1], "10", "9,5", "", "9,5"]
    assert rows[4] == ["III", names[2], "10", "9", "8,5", "8,5"]
    assert rows[5] == ["Tổng cộng", "Tổng cộng", "30", "28,5", "", "28"]  # TT and criterion merged


def test_nd335_summary_shows_a_b_c_kpi_total_level_and_the_comment() -> None:
    text = _paragraphs(_open(nd335_staff()))
    assert "II. TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC" in text
    assert "1. Điểm tiêu chí chung: 28 điểm (tối đa 30 điểm)." in text
    assert "2. Điểm tiêu chí kết quả thực hiện nhiệm vụ: 61,25 điểm (tối đa 70 điểm), trong đó:" in text
    nbsp = "\u00a0"
    assert f"a là điểm tỷ lệ phần trăm (%) về số lượng kết quả thực hiện nhiệm vụ: 100{nbsp}%" in text
    assert f"b là điểm tỷ lệ phần trăm (%) về chất lượng kết quả thực hiện nhiệm vụ: 75{nbsp}%" in text
    assert f"c là điểm tỷ lệ phần trăm (%) về tiến độ kết quả thực hiện nhiệm vụ: 87,5{nbsp}%" in text
    assert f"KPI = (a + b + c) / 3 = 87,5{nbsp}%; điểm = KPI × 70{nbsp}% = 61,25 điểm." in text
    assert "3. Tổng điểm theo dõi, đánh giá công chức: 89,25 điểm (tối đa 100 điểm)." in text
    assert (
        "Mức xếp loại tương ứng: Hoàn thành tốt nhiệm vụ "
        "(điểm đạt mức «Hoàn thành xuất sắc nhiệm vụ»; hạ mức do giới hạn tỷ lệ)." in text
    )
    assert "4. Ưu điểm: \t" in text and "5. Hạn chế, khuyết điểm: \t" in text  # dotted lines to fill
    assert (
        "6. Ý kiến nhận xét của cấp có thẩm quyền theo dõi, đánh giá: "
        "Hoàn thành tốt các nhiệm vụ được giao; cần chủ động hơn trong phối hợp." in text
    )
    assert any(line.startswith("Ghi chú: Cột (5) bổ sung so với mẫu") for line in text)


def test_nd335_signatures_name_the_person_and_the_competent_level() -> None:
    rows = _table(_open(nd335_staff()), 2)
    assert rows[0] == ["……, ngày … tháng … năm ……", "……, ngày 03 tháng 12 năm 2026"]
    assert rows[1] == [
        "CÔNG CHỨC TỰ ĐÁNH GIÁ\n(Ký, ghi rõ họ tên)",
        "CẤP CÓ THẨM QUYỀN\nTHEO DÕI, ĐÁNH GIÁ\n(Ký, ghi rõ họ tên)",
    ]
    assert rows[3] == ["Nguyễn Thị Hương", "Trần Văn Bình"]


def test_a_leaders_form_not_yet_closed_is_marked_provisional_and_lists_six_criteria() -> None:
    data = nd335_leader()
    document = _open(data)
    text = _paragraphs(document)
    assert text[text.index("PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC") + 1] == "BẢN TẠM — kỳ đánh giá chưa chốt"
    nbsp = "\u00a0"
    assert f"c là điểm tỷ lệ phần trăm (%) về tiến độ kết quả thực hiện nhiệm vụ: 87,5{nbsp}%" in text
    assert f"d là điểm (%) về kết quả thực hiện nhiệm vụ của cơ quan, đơn vị: 100{nbsp}%" in text
    assert f"đ là điểm (%) về năng lực tổ chức triển khai thực hiện nhiệm vụ: 50{nbsp}%" in text
    assert any(line.startswith("e là điểm (%) về tiêu chí thứ sáu") for line in text)
    assert f"KPI = (a + b + c + d + đ + e) / 6 = 85,42{nbsp}%; điểm = KPI × 70{nbsp}% = 59,79 điểm." in text
    assert "Chức vụ, chức danh: Trưởng phòng" in text
    rows = _table(document, 1)
    assert [row[3:] for row in rows[2:5]] == [["10", "", ""], ["10", "9", ""], ["10", "", ""]]  # no final yet
    assert rows[5][2:] == ["30", "30", "", ""]
    signatures = _table(document, 2)
    assert signatures[0][1] == "……, ngày … tháng … năm ……" and signatures[3] == ["Lê Văn Cường", ""]


# -- other regimes -------------------------------------------------------------------------------------------------


def test_nd233_form_is_for_a_vien_chuc_and_its_level_is_only_a_reference() -> None:
    document = _open(nd233())
    text = _paragraphs(document)
    assert "PHIẾU THEO DÕI, ĐÁNH GIÁ VIÊN CHỨC" in text and "Mẫu số 01" not in text
    assert "II. TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ VIÊN CHỨC" in text
    assert (
        "Mức tương ứng với điểm (chỉ để tham khảo; xếp loại chất lượng theo năm): Hoàn thành xuất sắc nhiệm vụ." in text
    )
    assert "3. Tổng điểm theo dõi, đánh giá viên chức: 98 điểm (tối đa 100 điểm)." in text
    assert any("Nghị định số 233/2026/NĐ-CP không có mẫu phiếu hằng tháng" in line for line in text)
    assert _table(document, 2)[1][0] == "VIÊN CHỨC TỰ ĐÁNH GIÁ\n(Ký, ghi rõ họ tên)"
    assert [row[0] for row in _table(document, 1)[2:5]] == ["I", "II", "III"]


def test_hanoi_form_shows_the_levels_letter_and_the_80_point_task_part() -> None:
    data = hanoi()
    document = _open(data)
    text = _paragraphs(document)
    assert "Mức xếp loại tương ứng: Hoàn thành tốt nhiệm vụ (Loại B)." in text
    assert "1. Điểm tiêu chí chung: 19,5 điểm (tối đa 20 điểm)." in text
    assert "KPI = (a + b + c) / 3 = 87,5\u00a0%; điểm = KPI × 80\u00a0% = 70 điểm." in text
    assert any("phiếu theo bố cục Mẫu số 01" in line and "«Hà Nội 1841/2021»" in line for line in text)
    rows = _table(document, 1)
    assert [row[0] for row in rows[2:6]] == ["1", "2", "3", "4"]  # the regime's own four criteria
    assert rows[4][1:] == [data.criteria[2].name, "5", "4", "4,5", "4,5"]
    assert rows[6][2:] == ["20", "19", "", "19,5"]


def test_danang_form_prints_only_the_final_points_of_each_criterion() -> None:
    data = danang()
    document = _open(data)
    rows = _table(document, 1)
    assert rows[0] == ["TT", "Tiêu chí chấm điểm", "Điểm tối đa", "Điểm đạt"]
    assert rows[2:5] == [
        ["1", data.criteria[0].name, "60", "55,4"],
        ["2", data.criteria[1].name, "15", "14,2"],
        ["3", data.criteria[2].name, "25", "23,6"],
    ]
    assert rows[5][2:] == ["100", "93,2"]
    text = _paragraphs(document)
    assert "I. KẾT QUẢ THEO DÕI, ĐÁNH GIÁ THEO TIÊU CHÍ" in text
    assert "1. Điểm theo các tiêu chí: 93,2 điểm (tối đa 100 điểm)." in text
    assert "2. Điểm thưởng: 3 điểm." in text  # the result's bonus and penalty parts, each on its line
    assert "3. Điểm trừ: 0 điểm." in text
    assert (
        "4. Tổng điểm theo dõi, đánh giá công chức (gồm cả điểm thưởng và điểm trừ): 96,2 điểm "
        "(tối đa 100 điểm)." in text
    )
    assert not any("KPI" in line for line in text)
    assert any("Đánh giá 360°" in line and "chỉ ghi điểm cuối cùng" in line for line in text)
    assert "57" not in _all_text(document)  # the person's own points (60 − 3) are not printed


def test_criteria_in_several_groups_are_listed_under_their_group() -> None:
    """A regime whose groups of criteria hold several criteria each: a row per group (I, II) with its sums."""
    hanoi_regime = load_regime("hanoi-1841-2021")
    (first, tasks) = hanoi_regime.groups
    criteria = list(first.criteria)
    moved = [dataclasses.replace(c, group="nhom_1b") for c in criteria[2:]]
    groups = (
        dataclasses.replace(first, name="Chính trị, đạo đức", max_points=D(10), criteria=tuple(criteria[:2])),
        dataclasses.replace(first, code="nhom_1b", name="Tác phong, kỷ luật", max_points=D(10), criteria=tuple(moved)),
        tasks,
    )
    regime = dataclasses.replace(
        hanoi_regime, groups=groups, criteria_by_code={c.code: c for c in (*criteria[:2], *moved)}
    )
    data = dataclasses.replace(hanoi(), regime=regime)
    rows = _table(_open(data), 1)
    assert [row[:3] for row in rows[2:8]] == [
        ["I", "Chính trị, đạo đức", "10"],
        ["1", criteria[0].name, "5"],
        ["2", criteria[1].name, "5"],
        ["II", "Tác phong, kỷ luật", "10"],
        ["1", criteria[2].name, "5"],
        ["2", criteria[3].name, "5"],
    ]
    assert rows[2][3:] == ["10", "", "10"] and rows[5][3:] == ["9", "", "9,5"]
    assert rows[8][2:] == ["20", "19", "", "19,5"]


def test_a_quarter_and_a_form_without_points_yet() -> None:
    data = dataclasses.replace(
        nd335_staff(),
        period_key="2026-Q4",
        period_label="Quý IV/2026",
        state="submitted",
        general_points=None,
        task_points=None,
        percentages=None,
        total=None,
        level="",
        level_before_quota="",
        decision_reason="",
        position="",
    )
    text = _paragraphs(_open(data))
    assert "(Kỳ theo dõi, đánh giá: Quý IV năm 2026)" in text
    assert "BẢN TẠM — kỳ đánh giá chưa chốt" in text
    assert "1. Điểm tiêu chí chung: …… điểm (tối đa 30 điểm)." in text
    assert "a là điểm tỷ lệ phần trăm (%) về số lượng kết quả thực hiện nhiệm vụ: ……\u00a0%" in text
    assert "Mức xếp loại tương ứng: \t" in text and "Chức vụ, chức danh: \t" in text


# -- page, font, reproducibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_is_a4_with_nd30_margins_in_times_new_roman_13(name: str) -> None:
    document = _open(FORMS[name]())
    (section,) = document.sections
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    top, bottom, left, right = (round(m.mm) for m in margins if m is not None)
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    normal = document.styles["Normal"].font
    assert (normal.name, normal.size.pt) == ("Times New Roman", 13)
    fonts = {run.font.name for p in document.paragraphs for run in p.runs}
    assert fonts <= {None}  # every run inherits Times New Roman
    assert section.different_first_page_header_footer  # page numbers from the second page on


@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_same_data_gives_the_same_bytes(name: str) -> None:
    first, second = built_twice(lambda: form_docx(FORMS[name]()))
    assert second == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        stamps = {info.date_time for info in package.infolist()}
        assert "docProps/thumbnail.jpeg" not in package.namelist()  # the template's preview of a blank page
    properties = docx.Document(io.BytesIO(first)).core_properties
    data = FORMS[name]()
    expected = (data.decided_at or datetime(2026, 11, 1, tzinfo=UTC)).astimezone(UTC).replace(tzinfo=None)
    assert stamps == {expected.timetuple()[:6]}
    assert properties.created == properties.modified == properties.last_printed == expected.replace(tzinfo=UTC)
    assert properties.title.startswith("PHIẾU THEO DÕI, ĐÁNH GIÁ")


def test_a_different_person_gives_different_bytes() -> None:
    assert form_docx(nd335_staff()) != form_docx(dataclasses.replace(nd335_staff(), person_name="Ngô Văn Đức"))


# -- printed -------------------------------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_each_form_prints_on_one_a4_page(tmp_path: Path) -> None:
    """LibreOffice turns every form into a PDF of one A4 page; the pages are kept as PNGs to look at."""
    print_docx(tmp_path, {name: form_docx(make()) for name, make in FORMS.items()})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in FORMS:  # this test's pictures only (the folder is shared)
        for old in ARTIFACTS.glob(f"{name}-*.png"):
            old.unlink()
    pages = {}
    for name in FORMS:
        pdf = tmp_path / f"{name}.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert size is not None and (round(float(size[1])), round(float(size[2]))) == (595, 842), info  # A4
        pages[name] = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
        used = {line.split()[0].split("+")[-1].split("-")[0] for line in fonts.splitlines()[2:]}
        assert used <= {"TimesNewRomanPSMT", "TimesNewRoman", "LiberationSerif"}, fonts  # no fallback font
        printed = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert "PHIẾU THEO DÕI, ĐÁNH GIÁ" in printed and "Độc lập - Tự do - Hạnh phúc" in printed  # diacritics kept
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True)
    assert pages == dict.fromkeys(FORMS, 1)


def test_the_form_names_the_agency_above_the_unit_and_repeats_its_table_header_on_each_page() -> None:
    """NĐ 30's agency block: the governing body (upright) over the unit (bold); the criteria table's two header rows
    are repeated at the top of every printed page and never split."""
    document = _open(dataclasses.replace(nd335_staff(), agency_name="Sở Nội vụ", unit_name="Phòng Công chức"))
    left = document.tables[0].rows[0].cells[0].paragraphs
    assert [(p.text, any(r.bold for r in p.runs)) for p in left[:2]] == [
        ("SỞ NỘI VỤ", False),
        ("PHÒNG CÔNG CHỨC", True),
    ]
    rows = document.tables[1].rows
    repeated = [row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None for row in rows]
    assert repeated[:3] == [True, True, False]


def test_the_kpi_printed_is_the_engines_not_the_mean_of_the_rounded_shares() -> None:
    """b = c = 1/6: each printed 16,67 %; the KPI is (1 + 1/6 + 1/6) / 3 = 44,44 %, not (100 + 16,67 + 16,67) / 3."""
    shares = TaskPercentages(D(100), D("16.67"), D("16.67"), (), D("44.44"))
    text = _paragraphs(_open(dataclasses.replace(nd335_staff(), percentages=shares)))
    assert any(line.startswith("KPI = (a + b + c) / 3 = 44,44\u00a0%") for line in text)
