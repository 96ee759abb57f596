"""The unit's year-end minutes ("BIÊN BẢN HỌP") and results notice ("THÔNG BÁO") as Word documents, from a year
summary built by hand: a mixed unit (công chức under NĐ 335, viên chức under NĐ 233), one person demoted by the
yearly quota, one without a result. Each document is opened with python-docx and read back (header, number and date
lines, title, the lines to fill, the grounds, the results table and its repeated header row, the counts, the
signatures, the provisional line), its page checked (A4, NĐ 30/2020 margins, Times New Roman 13), and two builds
compared byte for byte. Two tests print through LibreOffice: the mixed unit's documents, and a unit of 120 people
whose table runs over several pages with its header row on each; PNGs under test-artifacts/forms/ to look at."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table

from danhgia.reports.year_documents import minutes_docx, notice_docx
from danhgia.scoring import load_regime
from danhgia.workflow.report_data import SummaryData, SummaryRow
from tests.reports import built_twice, print_docx

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "forms"
HTXS, HTT, HT, KHT = (
    "Hoàn thành xuất sắc nhiệm vụ",
    "Hoàn thành tốt nhiệm vụ",
    "Hoàn thành nhiệm vụ",
    "Không hoàn thành nhiệm vụ",
)
DEMOTED = "hạ mức do giới hạn tỷ lệ (xếp loại năm)"
NO_PERIOD = "không có kỳ nào đã chốt trong năm"
UNIT = "Văn phòng Sở Nội vụ"
Build = Callable[[SummaryData], bytes]


def _row(
    number: int,
    name: str,
    position: str,
    category: str,
    regime: str,
    total: str | None,
    level: str,
    note: str = "",
    unit: str = UNIT,
) -> SummaryRow:
    code = {HTXS: "HTXS", HTT: "HTT", HT: "HT", KHT: "KHT"}.get(level)
    points = D(total) if total is not None else None
    return SummaryRow(
        number, f"P{number:03d}", name, position, unit, category, regime, None, None, points, level, code, note
    )


def mixed(*, closed: bool = True) -> SummaryData:
    """A Sở's office: three công chức (one demoted by the quota, one without a closed period) and two viên chức."""
    rows = (
        _row(1, "Nguyễn Văn An", "Chánh Văn phòng", "cong_chuc", "nd335-2025", "92.5", HTXS),
        _row(2, "Trần Thị Bình", "Chuyên viên", "cong_chuc", "nd335-2025", "91.25", HTT, DEMOTED),
        _row(3, "Lê Văn Cường", "Chuyên viên", "cong_chuc", "", None, "", NO_PERIOD),
        _row(4, "Phạm Thu Dung", "Kế toán viên", "vien_chuc", "nd233-2026", "86.33", HTT),
        _row(5, "Hoàng Minh Em", "Lưu trữ viên", "vien_chuc", "nd233-2026", "72", HT),
    )
    counts = ((HTXS, 1), (HTT, 2), (HT, 1), ("không nộp phiếu tự đánh giá", 1))
    return SummaryData(UNIT, "VPS", "2026", "năm 2026", load_regime("nd335-2025"), rows, counts, (), closed)


def school(people: int = 3, *, closed: bool = True) -> SummaryData:
    """A school of viên chức only (`people` of them, for the long table)."""
    levels = (HTXS, HTT, HTT, HT, HTT)
    rows = tuple(
        _row(n, f"Giáo viên thứ {n:03d}", "Giáo viên", "vien_chuc", "nd233-2026", f"{95 - n % 30}.5", levels[n % 5])
        for n in range(1, people + 1)
    )
    return SummaryData(
        "Trường Tiểu học Kim Liên", "THKL", "2026", "năm 2026", load_regime("nd233-2026"), rows, (), (), closed
    )


def _open(build: Build, data: SummaryData) -> DocxDocument:
    return docx.Document(io.BytesIO(build(data)))


def _paragraphs(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def _cells(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def _after(text: list[str], start: str, count: int) -> list[str]:
    index = next(i for i, line in enumerate(text) if line.startswith(start))
    return text[index + 1 : index + 1 + count]


# -- the minutes ---------------------------------------------------------------------------------------------------


def test_minutes_have_the_header_the_number_the_title_worded_for_the_categories_present() -> None:
    document = _open(minutes_docx, mixed())
    agency, nation = _cells(document.tables[0])[0]
    assert agency.split("\n") == ["VĂN PHÒNG SỞ NỘI VỤ", "", "Số: ……/BB-……"]  # the name, the rule, the number
    assert nation.split("\n") == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]  # no date
    text = _paragraphs(document)
    assert text[:2] == ["BIÊN BẢN HỌP", "Đánh giá, xếp loại chất lượng công chức, viên chức năm 2026"]
    assert not any("BẢN TẠM" in line for line in text)  # a closed year
    title = document.paragraphs[0]
    assert title.runs[0].bold and title.runs[0].font.size is not None and title.runs[0].font.size.pt == 14


def test_minutes_leave_time_place_chair_secretary_and_attendance_to_fill_and_count_the_unit() -> None:
    text = _paragraphs(_open(minutes_docx, mixed()))
    assert _after(text, "I. THỜI GIAN, ĐỊA ĐIỂM", 2) == [
        "1. Thời gian: bắt đầu lúc …… giờ …… phút, ngày …… tháng …… năm ……",
        "2. Địa điểm: \t",  # a dotted tab to the margin
    ]
    assert _after(text, "II. THÀNH PHẦN", 5) == [
        "1. Chủ trì: \t",
        "2. Thư ký: \t",
        "3. Tổng số công chức, viên chức của Văn phòng Sở Nội vụ: 5 người (công chức: 3, viên chức: 2).",
        "4. Có mặt: …… người; vắng mặt: …… người (lý do: \t",
        "5. Khách mời (nếu có): \t",
    ]


def test_minutes_agenda_names_the_regimes_and_the_steps_of_the_meeting() -> None:
    text = _paragraphs(_open(minutes_docx, mixed()))
    agenda = _after(text, "III. NỘI DUNG", 3)
    assert agenda[0].endswith(
        "quy định áp dụng: Nghị định 335/2025/NĐ-CP về đánh giá, xếp loại chất lượng công chức; "
        "Nghị định 233/2026/NĐ-CP về đánh giá, xếp loại chất lượng viên chức."
    )
    assert agenda[1].startswith("2. Từng công chức, viên chức trình bày báo cáo kết quả tự đánh giá")
    assert agenda[2] == "3. Ý kiến nhận xét, góp ý của các thành viên dự họp đối với từng người:"
    assert _after(text, "3. Ý kiến nhận xét", 3) == ["\t"] * 3
    assert any(
        line.startswith("4. Kết quả đánh giá, xếp loại chất lượng công chức, viên chức năm 2026 đề nghị")
        for line in text
    )


def test_minutes_table_lists_the_proposed_results_by_category() -> None:
    document = _open(minutes_docx, mixed())
    rows = _cells(document.tables[1])
    assert rows[0] == ["STT", "Họ và tên", "Chức vụ", "Điểm năm", "Mức xếp loại đề nghị", "Ghi chú"]
    assert rows[1] == ["Công chức (3 người)"] * 6  # one merged cell across the table
    assert rows[2:5] == [
        ["1", "Nguyễn Văn An", "Chánh Văn phòng", "92,5", HTXS, ""],
        ["2", "Trần Thị Bình", "Chuyên viên", "91,25", HTT, DEMOTED],
        ["3", "Lê Văn Cường", "Chuyên viên", "", "", NO_PERIOD],  # no result: no points, no level
    ]
    assert rows[5] == ["Viên chức (2 người)"] * 6
    assert rows[6:] == [
        ["4", "Phạm Thu Dung", "Kế toán viên", "86,33", HTT, ""],
        ["5", "Hoàng Minh Em", "Lưu trữ viên", "72", HT, ""],
    ]


def test_the_results_tables_header_row_repeats_on_every_page_and_no_row_splits() -> None:
    for build in (minutes_docx, notice_docx):
        document = _open(build, mixed())
        for table in document.tables[1:3]:  # the people, the counts
            flags = [
                (
                    tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None,
                    tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None,
                )
                for tr in table._tbl.tr_lst
            ]
            assert flags == [(True, True)] + [(False, True)] * (len(flags) - 1)
            properties = table._tbl.tr_lst[0].trPr
            assert properties is not None
            assert [child.tag for child in properties] == [qn("w:cantSplit"), qn("w:tblHeader")]  # schema's order


def test_minutes_count_each_level_per_category_with_those_without_a_result() -> None:
    rows = _cells(_open(minutes_docx, mixed()).tables[2])
    assert rows == [
        ["Mức xếp loại", "Công chức", "Viên chức", "Tổng số"],
        [HTXS, "1", "0", "1"],
        [HTT, "1", "1", "2"],
        [HT, "0", "1", "1"],
        [KHT, "0", "0", "0"],
        ["Chưa có kết quả xếp loại", "1", "0", "1"],
        ["Tổng số", "3", "2", "5"],
    ]


def test_minutes_end_with_the_vote_the_conclusion_the_closing_time_and_two_signatures() -> None:
    document = _open(minutes_docx, mixed())
    text = _paragraphs(document)
    assert _after(text, "5. Kết quả biểu quyết", 3) == [
        "– Tán thành: …… / …… người dự họp (đạt …… %);",
        "– Không tán thành: …… người;",
        "– Ý kiến khác (ghi rõ người, nội dung): \t",
    ]
    assert _after(text, "IV. KẾT LUẬN CỦA CHỦ TRÌ", 3) == [
        "\t",
        "\t",
        "Cuộc họp kết thúc vào lúc …… giờ …… phút cùng ngày. Biên bản đã được đọc lại cho các thành viên dự họp "
        "nghe và nhất trí thông qua./.",
    ]
    signatures = _cells(document.tables[3])
    assert signatures[1] == ["THƯ KÝ\n(Ký, ghi rõ họ tên)", "CHỦ TRÌ\n(Ký, ghi rõ họ tên)"]
    assert signatures[3] == ["", ""]  # names written by hand
    assert "không ban hành mẫu biên bản họp" in text[-1] and "Nghị định số 30/2020/NĐ-CP" in text[-1]


# -- the notice ----------------------------------------------------------------------------------------------------


def test_notice_has_the_number_the_place_and_date_to_fill_and_the_title() -> None:
    document = _open(notice_docx, mixed())
    agency, nation = _cells(document.tables[0])[0]
    assert agency.endswith("Số: ……/TB-……")
    assert nation.split("\n")[-1] == "……, ngày … tháng … năm ……"
    assert document.tables[0].rows[0].cells[1].paragraphs[-1].runs[0].italic
    text = _paragraphs(document)
    assert text[:2] == ["THÔNG BÁO", "Kết quả đánh giá, xếp loại chất lượng công chức, viên chức năm 2026"]


def test_notice_grounds_name_each_categorys_regime_by_its_title() -> None:
    text = _paragraphs(_open(notice_docx, mixed()))
    grounds = [line for line in text if line.startswith("Căn cứ")]
    assert grounds == [
        "Căn cứ Nghị định 335/2025/NĐ-CP về đánh giá, xếp loại chất lượng công chức (áp dụng đối với công chức);",
        "Căn cứ Nghị định 233/2026/NĐ-CP về đánh giá, xếp loại chất lượng viên chức (áp dụng đối với viên chức);",
        "Căn cứ biên bản họp đánh giá, xếp loại chất lượng công chức, viên chức năm 2026 của Văn phòng Sở Nội vụ "
        "ngày …… tháng …… năm ……;",
        "Căn cứ quyết định xếp loại chất lượng của cấp có thẩm quyền (văn bản số …………, ngày …… tháng …… năm ……),",
    ]
    for regime_id in ("nd335-2025", "nd233-2026"):  # from the regimes' own titles
        assert load_regime(regime_id).title.split(" — ")[0] in "\n".join(grounds)
    assert (
        "Văn phòng Sở Nội vụ thông báo kết quả đánh giá, xếp loại chất lượng công chức, viên chức năm 2026 như sau:"
        in text
    )


def test_notice_shows_the_results_the_counts_publication_and_how_to_complain() -> None:
    document = _open(notice_docx, mixed())
    people = _cells(document.tables[1])
    assert people[0] == ["STT", "Họ và tên", "Chức vụ", "Điểm năm", "Mức xếp loại", "Ghi chú"]
    assert people[3] == ["2", "Trần Thị Bình", "Chuyên viên", "91,25", HTT, DEMOTED]
    assert people[4] == ["3", "Lê Văn Cường", "Chuyên viên", "", "", NO_PERIOD]
    assert _cells(document.tables[2])[-1] == ["Tổng số", "3", "2", "5"]
    text = _paragraphs(document)
    assert any(line.startswith("3. Thông báo này được công khai trong Văn phòng Sở Nội vụ") for line in text)
    complaint = next(line for line in text if line.startswith("4. "))
    assert "Công chức, viên chức không đồng ý" in complaint and "khiếu nại" in complaint
    assert "Văn phòng Sở Nội vụ thông báo để các công chức, viên chức biết./." in text


def test_notice_ends_with_the_receivers_beside_the_heads_signature() -> None:
    document = _open(notice_docx, mixed())
    receivers, head = _cells(document.tables[3])[0]
    assert receivers.split("\n") == [
        "Nơi nhận:",
        "- Cấp có thẩm quyền quản lý (để báo cáo);",
        "- Các công chức, viên chức trong đơn vị;",
        "- Đăng trên môi trường điện tử của đơn vị;",
        "- Lưu: VT, hồ sơ đánh giá.",
    ]
    assert head.split("\n")[:2] == ["THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký, ghi rõ họ tên, đóng dấu)"]
    first = document.tables[3].rows[0].cells[0].paragraphs[0].runs[0]
    assert first.bold and first.italic and first.font.size is not None and first.font.size.pt == 12


# -- wording, draft, several units ---------------------------------------------------------------------------------


def test_a_unit_of_one_category_is_worded_for_it_without_category_rows() -> None:
    for build in (minutes_docx, notice_docx):
        document = _open(build, school())
        text = _paragraphs(document)
        assert text[1].endswith("chất lượng viên chức năm 2026")
        people = _cells(document.tables[1])
        assert [row[0] for row in people] == ["STT", "1", "2", "3"]  # no "Viên chức (…)" row
        assert _cells(document.tables[2])[0] == ["Mức xếp loại", "Tổng số"]
        assert "Chưa có kết quả xếp loại" not in [row[0] for row in _cells(document.tables[2])]
    grounds = [line for line in _paragraphs(_open(notice_docx, school())) if line.startswith("Căn cứ Nghị định")]
    assert grounds == [
        "Căn cứ Nghị định 233/2026/NĐ-CP về đánh giá, xếp loại chất lượng viên chức (áp dụng đối với viên chức);"
    ]


def test_category_names_codes_or_the_regime_decide_the_wording() -> None:
    data = mixed()
    rows = (
        dataclasses.replace(data.rows[0], category="Công chức"),  # the name, as typed
        dataclasses.replace(data.rows[3], category=""),  # none: NĐ 233 is for viên chức
        dataclasses.replace(data.rows[4], category="nguoi_lao_dong"),
    )
    text = _paragraphs(_open(notice_docx, dataclasses.replace(data, rows=rows)))
    assert text[1] == "Kết quả đánh giá, xếp loại chất lượng công chức, viên chức và người lao động năm 2026"
    grounds = [line for line in text if line.startswith("Căn cứ Nghị định 233")]
    assert grounds[0].endswith("(áp dụng đối với viên chức và người lao động);")  # NĐ 233 applied to both


def test_an_open_year_is_marked_provisional_under_the_title() -> None:
    for build in (minutes_docx, notice_docx):
        text = _paragraphs(_open(build, mixed(closed=False)))
        assert text[2:4] == ["", "BẢN TẠM — kết quả năm chưa chốt"]  # under the title's rule


def test_rows_of_several_units_show_each_persons_unit_under_the_position() -> None:
    data = mixed()
    rows = (*data.rows[:4], dataclasses.replace(data.rows[4], unit_name="Trung tâm Lưu trữ lịch sử"))
    table = _open(minutes_docx, dataclasses.replace(data, rows=rows)).tables[1]
    assert _cells(table)[0][2] == "Chức vụ, đơn vị"
    assert _cells(table)[-1][2] == "Lưu trữ viên\nTrung tâm Lưu trữ lịch sử"


# -- page, font, reproducibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [minutes_docx, notice_docx])
def test_both_documents_are_a4_with_nd30_margins_in_times_new_roman_13(build: Build) -> None:
    document = _open(build, mixed())
    (section,) = document.sections
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    top, bottom, left, right = (round(m.mm) for m in margins if m is not None)
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    normal = document.styles["Normal"].font
    assert (normal.name, normal.size.pt if normal.size else None) == ("Times New Roman", 13)
    runs = [run for p in document.paragraphs for run in p.runs]
    runs += [run for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for run in p.runs]
    assert {run.font.name for run in runs} <= {None}  # everything inherits Times New Roman
    assert {run.font.size.pt for run in runs if run.font.size is not None} <= {10, 11, 12, 13, 14}
    assert section.different_first_page_header_footer  # page numbers from the second page (NĐ 30)


@pytest.mark.parametrize("build", [minutes_docx, notice_docx])
def test_the_same_summary_gives_the_same_bytes_dated_31_december(build: Build) -> None:
    first, second = built_twice(lambda: build(mixed()))
    assert second == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(2026, 12, 31, 0, 0, 0)}
        assert "docProps/thumbnail.jpeg" not in package.namelist()
    properties = docx.Document(io.BytesIO(first)).core_properties
    assert properties.created is not None and properties.created.replace(tzinfo=None) == datetime(2026, 12, 31)
    assert properties.created == properties.modified
    assert properties.title.startswith(("BIÊN BẢN HỌP đánh giá", "THÔNG BÁO kết quả")) and properties.subject == UNIT
    assert build(mixed(closed=False)) != first


# -- printed -------------------------------------------------------------------------------------------------------


def _pages(pdf: Path) -> list[str]:
    """The text of each page, A4 checked and the fonts Times New Roman (Liberation Serif on Linux)."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size is not None and (round(float(size[1])), round(float(size[2]))) == (595, 842), info  # A4
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    used = {line.split()[0].split("+")[-1].split("-")[0] for line in fonts.splitlines()[2:]}
    assert used <= {"TimesNewRomanPSMT", "TimesNewRoman", "LiberationSerif"}, fonts
    count = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def _pictures(name: str, pdf: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):  # this document's pictures only (the folder is shared)
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True)


@pytest.mark.timeout(300)
def test_the_mixed_units_minutes_and_notice_print_on_a4(tmp_path: Path) -> None:
    """LibreOffice prints both (the minutes on two pages, the notice on one or two); PNGs kept to look at."""
    files = {"bien-ban-hop": minutes_docx(mixed(closed=False)), "thong-bao-ket-qua": notice_docx(mixed())}
    for name, pdf in print_docx(tmp_path, files).items():
        pages = _pages(pdf)
        printed = " ".join(" ".join(page.split()) for page in pages)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in printed and "Độc lập - Tự do - Hạnh phúc" in printed
        assert "Trần Thị Bình" in printed and "91,25" in printed and "hạ mức do" in printed  # the note wraps
        assert len(pages) <= 3
        if name == "bien-ban-hop":
            assert "BẢN TẠM — kết quả năm chưa chốt" in printed and "CHỦ TRÌ" in printed and "THƯ KÝ" in printed
        else:
            assert "BẢN TẠM" not in printed and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in printed and "Nơi nhận:" in printed
        _pictures(name, pdf)


@pytest.mark.timeout(300)
def test_a_large_units_table_runs_over_pages_with_its_header_row_on_each(tmp_path: Path) -> None:
    data = school(120)
    files = {"thong-bao-120-nguoi": notice_docx(data), "bien-ban-120-nguoi": minutes_docx(data)}
    for name, pdf in print_docx(tmp_path, files).items():
        pages = _pages(pdf)
        assert len(pages) >= 4
        with_people = [page for page in pages if re.search(r"Giáo viên thứ \d{3}", page)]
        assert len(with_people) >= 3
        for page in with_people:  # the header row printed above the people on every page they run over
            header = page.find("Họ và tên")
            assert header != -1 and header < page.find("Giáo viên thứ"), page[:400]
        every = " ".join(pages)
        assert all(f"Giáo viên thứ {n:03d}" in every for n in range(1, 121))
        _pictures(name, pdf)
