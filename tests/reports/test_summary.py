"""A unit's summary as an Excel workbook: opened with openpyxl and read back — the heading (unit, period, regime,
the draft mark), one row per person with numbers as numbers, the count of each level, the quota's check, the frozen
and filtered header row, the print settings, Times New Roman, the sheets by unit — then two builds compared byte for
byte, 10 000 people built quickly, and the workbook printed through LibreOffice (PNGs under test-artifacts/reports/
to look at)."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from danhgia.reports.summary import SUMMARY_SHEET, document_time, summary_xlsx
from danhgia.scoring import load_regime
from danhgia.workflow.report_data import NOT_SUBMITTED_NOTE, QuotaCheck, SummaryData, SummaryRow
from tests.reports import built_twice

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
HEADER = [
    "STT",
    "Họ và tên",
    "Chức vụ",
    "Đơn vị",
    "Loại cán bộ",
    "Điểm tự chấm",
    "Điểm lãnh đạo chấm",
    "Điểm cuối cùng",
    "Xếp loại",
    "Ghi chú",
]
UNITS = ("Phòng Tổng hợp", "Phòng Công chức", "Phòng Kế hoạch – Tài chính")
NAMES = ("Trần Văn Minh", "Nguyễn Thị Hoa", "Lê Văn An", "Phạm Thị Bình", "Hoàng Văn Cường", "Đỗ Thị Dung")
CATEGORIES = ("cong_chuc", "vien_chuc", "nguoi_lao_dong", "")


def make_data(
    people: int = 12, *, closed: bool = True, regime_id: str = "nd335-2025", quota: tuple[QuotaCheck, ...] | None = None
) -> SummaryData:
    """A unit of `people` people over three sub-units: every seventh without a form, the totals falling by 1,25
    from 95, the levels those totals reach (as the workflow's summary makes them)."""
    regime = load_regime(regime_id)
    rows = []
    for i in range(people):
        name = NAMES[i % len(NAMES)] + (f" {i // len(NAMES) + 1}" if i >= len(NAMES) else "")
        position = "Trưởng phòng" if i % 5 == 0 else "Chuyên viên"
        unit = UNITS[i % len(UNITS)]
        category = CATEGORIES[i % len(CATEGORIES)]
        if i % 7 == 6:
            rows.append(
                SummaryRow(i + 1, f"CV{i:05d}", name, position, unit, category, regime.id,
                           None, None, None, "", None, NOT_SUBMITTED_NOTE)
            )  # fmt: skip
            continue
        total = D(95) - D(i % 40) * D("1.25")
        level = next(level for level in regime.levels if level.reached_by(total))
        note = "" if closed else "chưa chốt"
        rows.append(
            SummaryRow(i + 1, f"CV{i:05d}", name, position, unit, category, regime.id,
                       total + 1, total, total if closed else None, level.display, level.code, note)
        )  # fmt: skip
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.level or NOT_SUBMITTED_NOTE] = counts.get(row.level or NOT_SUBMITTED_NOTE, 0) + 1
    order = [level.display for level in regime.levels]
    level_counts = tuple(sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
    if quota is None:
        quota = (
            QuotaCheck(f"staff:{regime.id}:cong_chuc", 2, 10, 2),
            QuotaCheck(f"leaders:{regime.id}:cong_chuc", 0, 2, 1),
        )
    return SummaryData("Sở Nội vụ", "SO", "2026-11", "11/2026", regime, tuple(rows), level_counts, quota, closed)


def _open(blob: bytes) -> Workbook:
    return load_workbook(io.BytesIO(blob))


def _rows(ws: Worksheet) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(values_only=True))


def _find(ws: Worksheet, text: str, column: int = 1) -> int:
    """The number of the first row whose cell in `column` is `text`."""
    for number, row in enumerate(_rows(ws), start=1):
        if row[column - 1] == text:
            return number
    raise AssertionError(f"{text!r} not found in column {column}")


def _table(ws: Worksheet, header_row: int) -> Iterator[tuple[Any, ...]]:
    """The rows under a header row, up to the first empty row."""
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if all(value is None for value in row):
            return
        yield row


def _texts(ws: Worksheet) -> list[str]:
    return [str(value) for row in _rows(ws) for value in row if value is not None]


# -- the heading and the people ------------------------------------------------------------------------------------


def test_the_heading_names_the_unit_the_period_and_the_regime() -> None:
    ws = _open(summary_xlsx(make_data()))[SUMMARY_SHEET]
    texts = _texts(ws)
    assert ws["A1"].value == "SỞ NỘI VỤ"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Độc lập - Tự do - Hạnh phúc" in texts
    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG" in texts
    assert "Kỳ đánh giá: tháng 11/2026" in texts
    assert f"Quy định áp dụng: {load_regime('nd335-2025').title}" in texts
    assert not any("BẢN TẠM" in text for text in texts)
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}


def test_an_open_period_is_marked_as_a_draft() -> None:
    ws = _open(summary_xlsx(make_data(closed=False)))[SUMMARY_SHEET]
    draft = _find(ws, "BẢN TẠM — kỳ chưa chốt")
    assert ws.cell(draft, 1).font.color.rgb.endswith("C00000")
    assert "Kỳ chưa chốt: số người giữ mức chỉ được tính khi chốt kỳ." in _texts(ws)


def test_a_regime_with_yearly_levels_says_the_period_gives_only_a_band() -> None:
    texts = _texts(_open(summary_xlsx(make_data(regime_id="nd233-2026")))[SUMMARY_SHEET])
    assert any(
        text.startswith("Theo quy định áp dụng, việc xếp loại chất lượng được thực hiện theo năm") for text in texts
    )


def test_one_row_per_person_with_numbers_as_numbers() -> None:
    data = make_data(12)
    ws = _open(summary_xlsx(data))[SUMMARY_SHEET]
    header = _find(ws, "STT")
    assert list(_rows(ws)[header - 1]) == HEADER
    rows = list(_table(ws, header))
    assert len(rows) == 12
    first = rows[0]
    assert first == (1, "Trần Văn Minh", "Trưởng phòng", "Phòng Tổng hợp", "Công chức", 96, 95, 95,
                     "Hoàn thành xuất sắc nhiệm vụ", None)  # fmt: skip
    second = rows[1]
    assert second[4] == "Viên chức" and second[5:8] == (94.75, 93.75, 93.75)
    assert rows[2][4] == "Người lao động (hợp đồng)"
    assert rows[3][4] == "Chưa khai báo"
    missing = rows[6]  # the seventh person handed nothing in
    assert missing[5:9] == (None, None, None, None) and missing[9] == "Không nộp phiếu tự đánh giá"
    for column in (6, 7, 8):
        cell = ws.cell(header + 2, column)
        assert cell.data_type == "n" and cell.number_format == "0.00"
    assert [row[0] for row in rows] == list(range(1, 13))


def test_the_level_totals_count_every_level_of_the_regime() -> None:
    data = make_data(20)
    ws = _open(summary_xlsx(data))[SUMMARY_SHEET]
    start = _find(ws, "Tổng hợp theo mức xếp loại")
    assert _rows(ws)[start][:5] == ("STT", "Mức xếp loại", None, "Số người", "Tỷ lệ")
    rows = list(_table(ws, start + 1))
    counts = dict(data.level_counts)
    expected = [level.display for level in data.regime.levels] + ["Không nộp phiếu tự đánh giá"]
    assert [row[1] for row in rows[:-1]] == expected
    assert [row[3] for row in rows[:-1]] == [counts.get(level, 0) for level in expected[:-1]] + [2]
    assert rows[-1][0] == "Tổng số" and rows[-1][3] == 20 and rows[-1][4] == 1
    assert rows[0][4] == pytest.approx(counts["Hoàn thành xuất sắc nhiệm vụ"] / 20)
    assert ws.cell(start + 2, 5).number_format == "0.00%"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"B{start + 2}:C{start + 2}" in merged  # the level's name over two columns
    assert "A{0}:C{0}".format(start + 2 + len(rows) - 1) in merged


def test_the_quota_check_compares_who_kept_the_top_level_with_who_may() -> None:
    ws = _open(summary_xlsx(make_data()))[SUMMARY_SHEET]
    start = _find(ws, "Kiểm tra tỷ lệ mức xếp loại cao nhất")
    texts = _texts(ws)
    assert (
        "Số người giữ mức «Hoàn thành xuất sắc nhiệm vụ» không vượt quá 20 % số người mức «Hoàn thành tốt nhiệm vụ» "
        "của từng nhóm." in texts
    )
    header = start + 2
    assert _rows(ws)[header - 1][:7] == (
        "STT", "Nhóm", None, "Số người làm căn cứ", "Số người tối đa được giữ mức", "Số người giữ mức", "Kết quả"
    )  # fmt: skip
    assert list(_table(ws, header)) == [
        (1, "Công chức, không giữ chức vụ lãnh đạo, quản lý (NĐ 335/2025)", None, 10, 2, 2, "Đạt", *[None] * 3),
        (2, "Công chức, lãnh đạo, quản lý (NĐ 335/2025)", None, 2, 0, 1, "Vượt", *[None] * 3),
    ]


def test_a_regime_without_a_quota_says_so_and_a_period_without_a_group_too() -> None:
    texts = _texts(_open(summary_xlsx(make_data(regime_id="danang-2013", quota=())))[SUMMARY_SHEET])
    assert "Quy định áp dụng không giới hạn tỷ lệ mức xếp loại cao nhất." in texts
    texts = _texts(_open(summary_xlsx(make_data(quota=())))[SUMMARY_SHEET])
    assert "Trong kỳ này không có nhóm nào phải kiểm tra tỷ lệ." in texts


def test_an_unknown_quota_group_is_shown_as_it_is() -> None:
    data = make_data(quota=(QuotaCheck("một nhóm khác", 1, 5, 1),))
    assert "một nhóm khác" in _texts(_open(summary_xlsx(data))[SUMMARY_SHEET])


def test_signatures_close_the_sheet() -> None:
    texts = _texts(_open(summary_xlsx(make_data()))[SUMMARY_SHEET])
    for text in ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "(Ký, ghi rõ họ tên)", "……, ngày … tháng … năm …"):
        assert text in texts


# -- the sheet: panes, filter, widths, print, font -----------------------------------------------------------------


def test_the_header_row_is_frozen_filtered_and_repeated_on_each_page() -> None:
    ws = _open(summary_xlsx(make_data(12)))[SUMMARY_SHEET]
    header = _find(ws, "STT")
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.auto_filter.ref == f"A{header}:J{header + 12}"
    assert ws.print_title_rows == f"${header}:${header}"
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGHIJ"]
    assert widths == [5, 19, 15, 17, 14, 9, 9, 9, 29, 17]


def test_print_setup_is_a4_landscape_one_page_wide_with_nd30_margins() -> None:
    ws = _open(summary_xlsx(make_data()))[SUMMARY_SHEET]
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation) == (9, "landscape")  # 9: A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    margins = ws.page_margins
    in_mm = [round(value * 25.4) for value in (margins.top, margins.bottom, margins.left, margins.right)]
    assert in_mm == [20, 20, 30, 15]
    assert ws.print_options.horizontalCentered
    assert ws.oddHeader is not None and ws.oddHeader.center.text == "&P" and ws.HeaderFooter.differentFirst


def test_every_written_cell_is_times_new_roman_and_rows_fit_their_text() -> None:
    ws = _open(summary_xlsx(make_data(12)))[SUMMARY_SHEET]
    fonts = {cell.font.name for row in ws.iter_rows() for cell in row if cell.value is not None}
    assert fonts == {"Times New Roman"}
    header = _find(ws, "STT")
    one_line = ws.row_dimensions[header + 1].height
    wrapped = ws.row_dimensions[header + 3].height  # "Người lao động (hợp đồng)" takes two lines
    assert one_line is not None and wrapped is not None and wrapped > one_line * 1.5


# -- sheets by unit ------------------------------------------------------------------------------------------------


def test_sheets_by_unit_hold_each_unit_s_people_after_an_overview() -> None:
    data = make_data(20)
    wb = _open(summary_xlsx(data, sheets_by_unit=True))
    assert wb.sheetnames == [SUMMARY_SHEET, *UNITS]
    seen = 0
    for unit in UNITS:
        ws = wb[unit]
        assert ws.cell(2, 1).value == unit.upper() and ws.cell(1, 1).value == "SỞ NỘI VỤ"
        header = _find(ws, "STT")
        rows = list(_table(ws, header))
        expected = [row.name for row in data.rows if row.unit_name == unit]
        assert [row[1] for row in rows] == expected
        assert [row[0] for row in rows] == list(range(1, len(expected) + 1))  # numbered within the unit
        assert {row[3] for row in rows} == {unit}
        assert ws.freeze_panes == f"A{header + 1}" and ws.print_title_rows == f"${header}:${header}"
        totals = list(_table(ws, _find(ws, "Tổng hợp theo mức xếp loại") + 1))
        assert totals[-1][3] == len(expected)
        assert f"Kiểm tra tỷ lệ mức xếp loại cao nhất: xem trang «{SUMMARY_SHEET}»." in _texts(ws)
        seen += len(expected)
    assert seen == 20


def test_the_overview_counts_each_unit_s_levels_and_adds_them_up() -> None:
    data = make_data(20)
    ws = _open(summary_xlsx(data, sheets_by_unit=True))[SUMMARY_SHEET]
    header = _find(ws, "STT")
    keys = [level.display for level in data.regime.levels] + ["Không nộp phiếu tự đánh giá"]
    assert list(_rows(ws)[header - 1][:8]) == ["STT", "Đơn vị", "Số người", *keys]
    rows = list(_table(ws, header))
    assert [row[1] for row in rows[:-1]] == list(UNITS)
    for row, unit in zip(rows, UNITS, strict=False):
        members = [r for r in data.rows if r.unit_name == unit]
        assert row[2] == len(members)
        assert row[3] == sum(1 for r in members if r.level == keys[0])
        assert sum(row[3:8]) == len(members)
    total = rows[-1]
    counts = dict(data.level_counts)
    assert total[:3] == ("Tổng số", None, 20)
    assert list(total[3:8]) == [counts.get(key, 0) for key in [*keys[:-1], NOT_SUBMITTED_NOTE]]
    assert "Kiểm tra tỷ lệ mức xếp loại cao nhất" in _texts(ws)
    assert ws.page_setup.orientation == "landscape" and ws.freeze_panes == f"A{header + 1}"


def test_unit_names_become_valid_distinct_sheet_names() -> None:
    data = make_data(3)
    odd = "Phòng Quản lý đầu tư / xây dựng: [công trình] giao thông"
    rows = (
        dataclasses.replace(data.rows[0], unit_name=odd),
        dataclasses.replace(data.rows[1], unit_name=odd + " nông thôn"),
        dataclasses.replace(data.rows[2], unit_name="Tổng hợp"),
    )
    wb = _open(summary_xlsx(dataclasses.replace(data, rows=rows), sheets_by_unit=True))
    names = wb.sheetnames
    assert names[0] == SUMMARY_SHEET and len(names) == 4 and len(set(names)) == 4
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
    assert names[1] == "Phòng Quản lý đầu tư xây dựng" and names[2] == "Phòng Quản lý đầu tư xây (2)"
    assert names[3] == "Tổng hợp (2)"


# -- the same bytes, and fast --------------------------------------------------------------------------------------


def test_the_same_data_gives_the_same_bytes() -> None:
    for by_unit in (False, True):
        first, second = built_twice(lambda: summary_xlsx(make_data(), sheets_by_unit=by_unit))  # noqa: B023
        assert second == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        stamps = {info.date_time for info in package.infolist()}
        assert {info.compress_type for info in package.infolist()} == {zipfile.ZIP_DEFLATED}
    assert stamps == {(2026, 11, 1, 0, 0, 0)}
    properties = _open(first).properties
    assert properties.created == properties.modified == datetime(2026, 11, 1)
    assert properties.creator == "danhgia"
    assert properties.title == "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG — Sở Nội vụ — tháng 11/2026"


def test_the_document_time_is_the_period_s_first_day() -> None:
    quarter = dataclasses.replace(make_data(), period_key="2026-Q4", period_label="Quý IV/2026")
    assert document_time(quarter) == datetime(2026, 10, 1)
    assert document_time(dataclasses.replace(make_data(), period_key="?")) == datetime(1980, 1, 1)
    assert "Kỳ đánh giá: Quý IV/2026" in _texts(_open(summary_xlsx(quarter))[SUMMARY_SHEET])


def test_different_data_gives_different_bytes() -> None:
    assert summary_xlsx(make_data(12)) != summary_xlsx(make_data(13))


@pytest.mark.timeout(300)
def test_ten_thousand_people_are_all_in_the_summary() -> None:
    """Every row of a large unit is written (how fast is bench/report_summary.py's question, not a test's)."""
    blob = summary_xlsx(make_data(10_000))
    ws = load_workbook(io.BytesIO(blob), read_only=True)[SUMMARY_SHEET]
    names = [row[1] for row in ws.iter_rows(values_only=True) if len(row) > 1 and isinstance(row[0], int) and row[1]]
    assert len(names) >= 10_000


# -- printed -------------------------------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_the_workbooks_print_on_a4_landscape_pages(tmp_path: Path) -> None:
    """LibreOffice prints the workbooks to PDF: A4 landscape pages in Times New Roman (Liberation Serif), no table of
    the totals, the quota or the signatures cut by a page break; the pages are kept as PNGs to look at."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the printed summary cannot be checked")
    if any(shutil.which(tool) is None for tool in ("pdfinfo", "pdftoppm", "pdftotext", "pdffonts")):
        pytest.skip("poppler-utils (pdfinfo, pdftoppm, pdftotext, pdffonts) are not installed: cannot check the print")
    books = {
        "summary": summary_xlsx(make_data(30, closed=False)),
        "summary-by-unit": summary_xlsx(make_data(30), sheets_by_unit=True),
        "summary-hanoi": summary_xlsx(make_data(8, regime_id="hanoi-1841-2021")),
    }
    files = []
    for name, blob in books.items():
        (tmp_path / f"{name}.xlsx").write_bytes(blob)
        files.append(str(tmp_path / f"{name}.xlsx"))
    profile = (tmp_path / "profile").as_uri()  # a profile of its own: no clash with another LibreOffice
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir"]
    done = subprocess.run([*command, str(tmp_path), *files], capture_output=True, text=True)
    if not (tmp_path / "summary.pdf").exists() and "could not be loaded" in done.stderr:
        pytest.skip("LibreOffice has no spreadsheet component (Debian: libreoffice-calc-nogui): cannot print .xlsx")
    assert done.returncode == 0, done.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("summary*.png"):
        old.unlink()
    pages: dict[str, list[str]] = {}
    for name in books:
        pdf = tmp_path / f"{name}.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert size is not None and (round(float(size[1])), round(float(size[2]))) == (842, 595), info  # A4 across
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts.replace(" ", ""), fonts
        assert "DejaVu" not in fonts, fonts  # no fallback font for a missing letter
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
        pages[name] = text.stdout.rstrip("\f").split("\f")
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True)
    for name, texts in pages.items():
        for page in texts:  # each block starts and ends on the same page
            for first, last in (
                ("Tổng hợp theo mức xếp loại", "Tổng số"),
                ("Kiểm tra tỷ lệ mức xếp loại cao nhất", "Vượt"),
                ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"),
            ):
                if first in page and f"{first}:" not in page:  # not the unit sheets' pointer to the overview
                    assert last in page.split(first, 1)[1], f"{name}: «{first}» is cut by a page break"
        assert sum("NGƯỜI LẬP BIỂU" in page for page in texts) == (4 if name == "summary-by-unit" else 1)
    assert "BẢN TẠM — kỳ chưa chốt" in pages["summary"][0]
    assert len(pages["summary"]) <= 4 and len(pages["summary-hanoi"]) <= 2


def test_a_quarter_summary_shows_each_months_points_and_the_quarters_level() -> None:
    """A quarter of monthly periods: the three months' points, the quarter's points and level, in place of the
    self, leader and final points; the quota is said to be checked at each month and at the year."""
    base = make_data(4)
    rows = tuple(
        dataclasses.replace(row, self_total=None, leader_total=None, month_totals=(row.total, None, row.total))
        for row in base.rows
    )
    data = dataclasses.replace(
        base, period_key="2026-Q4", period_label="Quý IV/2026", rows=rows, quota=(),
        months=("10/2026", "11/2026", "12/2026"),
    )  # fmt: skip
    ws = _open(summary_xlsx(data))[SUMMARY_SHEET]
    header = _find(ws, "STT")
    assert list(_rows(ws)[header - 1]) == [
        *HEADER[:5], "Điểm tháng 10/2026", "Điểm tháng 11/2026", "Điểm tháng 12/2026", "Điểm bình quân quý",
        "Xếp loại quý", "Ghi chú",
    ]  # fmt: skip
    first = next(_table(ws, header))
    assert first[5:9] == (95, None, 95, 95) and first[9] == rows[0].level
    texts = [row[0] for row in _rows(ws) if isinstance(row[0], str)]
    assert "Kỳ đánh giá: Quý IV/2026" in texts
    assert any("khi chốt từng tháng" in text for text in texts)


def test_a_summary_over_several_units_names_the_unit_of_each_quota_check() -> None:
    data = make_data(
        6,
        quota=(
            QuotaCheck("staff:nd335-2025:cong_chuc", 1, 5, 1, "Phòng A"),
            QuotaCheck("staff:nd335-2025:cong_chuc", 0, 2, 0, "Phòng B"),
        ),
    )
    ws = _open(summary_xlsx(data))[SUMMARY_SHEET]
    groups = [row[1] for row in _table(ws, _find(ws, "Nhóm", 2))]
    assert groups == [
        "Phòng A: Công chức, không giữ chức vụ lãnh đạo, quản lý (NĐ 335/2025)",
        "Phòng B: Công chức, không giữ chức vụ lãnh đạo, quản lý (NĐ 335/2025)",
    ]
