"""A unit's summary of a period as an Excel workbook ("Bảng tổng hợp kết quả đánh giá, xếp loại").

Layout (docs: forms.md §5, typography §6): the agency block and the Quốc hiệu/Tiêu ngữ, the title, the period, the
regime and — while the period is open — the mark "BẢN TẠM — kỳ chưa chốt"; one row per person; the count of each
level; the check of the top level's quota; the signatures. Times New Roman; A4 landscape, one page wide, the header
row repeated on every printed page, NĐ 30 margins. Numbers are numbers (two decimals shown), with no formula.

Every row is given the height its wrapped text needs (neither openpyxl nor LibreOffice fits rows to their text), and
from those heights a page break is put before the totals, the quota's check or the signatures when one would start
at the foot of a page and go on over the next (estimated as LibreOffice prints; see `_SheetWriter.together`).

The workbook is written by openpyxl in write-only mode (rows are streamed: 10 000 people take about 1,3 s, see
bench/report_summary.py) and is reproducible byte for byte: the document properties and every member of the zip
archive carry the period's first day (`document_time`), never the time of writing.
"""

from __future__ import annotations

import io
import math
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from os import PathLike
from typing import TYPE_CHECKING, Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from danhgia.scoring import Regime, ScoringError, load_regime
from danhgia.scoring.numbers import format_percent
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.regimes import category_name
from danhgia.workflow.report_data import NOT_SUBMITTED_NOTE, QuotaCheck, SummaryData, SummaryRow

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

__all__ = ["SUMMARY_SHEET", "columns", "document_time", "level_keys", "quota_verdict", "summary_xlsx"]

#: The name of the sheet with the whole unit (and, by sub-unit, of the overview sheet).
SUMMARY_SHEET = "Tổng hợp"

FONT = "Times New Roman"
TITLE = "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG"
DRAFT = "BẢN TẠM — kỳ chưa chốt"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PASSED = "Đạt"
EXCEEDED = "Vượt"

#: The people table: (header, width in characters, style of its cells).
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("STT", 5, "dg_center"),
    ("Họ và tên", 19, "dg_text"),
    ("Chức vụ", 15, "dg_text"),
    ("Đơn vị", 17, "dg_text"),
    ("Loại cán bộ", 14, "dg_text"),
    ("Điểm tự chấm", 9, "dg_number"),
    ("Điểm lãnh đạo chấm", 9, "dg_number"),
    ("Điểm cuối cùng", 9, "dg_number"),
    ("Xếp loại", 29, "dg_text"),  # "Hoàn thành xuất sắc nhiệm vụ" on one line
    ("Ghi chú", 17, "dg_text"),
)  # 143 digits of Times New Roman 12: printed one page wide at about 80 % (12 pt prints as 9.6 pt)


def columns(data: SummaryData) -> tuple[tuple[str, float, str], ...]:
    """The people table's columns: `COLUMNS`, or for a quarter of monthly periods each month's points, the quarter's
    points and level in place of the self, leader and final points (the same width in all)."""
    if not data.months:
        return COLUMNS
    months = tuple((f"Điểm tháng {label}", 9.0, "dg_number") for label in data.months)
    quarter = (
        ("Điểm bình quân quý", 9.0, "dg_number"),
        ("Xếp loại quý", 22.0, "dg_text"),
        ("Ghi chú", 15.0, "dg_text"),
    )
    return COLUMNS[:5] + months + quarter


SIGNING_ROOM = 60.0  # points kept free under the signatures' lines on their page (about 2 cm)
_MM = 1 / 25.4  # openpyxl's margins are in inches
_PT = 72 / 25.4  # points in a millimetre
_PAGE_WIDTH = (297 - 30 - 15) * _PT  # A4 across, less the NĐ 30 margins set by `_print_setup`
_PAGE_HEIGHT = (210 - 20 - 20) * _PT
_EPOCH = datetime(1980, 1, 1)  # the earliest time a zip member can carry
_THIN = Side(style="thin", color="000000")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# Characters of Times New Roman 12 a column of width 1 holds (the width counts the default font's digits), regular
# and bold: measured on LibreOffice's rendering (Liberation Serif, the same metrics), rounded down so that a wrapped
# text never loses a line.
_CHARS = 1.08
_BOLD_CHARS = 0.9
_DIGIT_PX = 8
_INDENT = 1.5  # widths an indent takes from a cell's text (LibreOffice's indent is wider than Excel's)
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _styles() -> list[NamedStyle]:
    """The named styles of the workbook: each cell takes one by name, which keeps streaming 10 000 rows fast."""

    def style(name: str, size: int = 12, *, bold: bool = False, italic: bool = False, **kw: Any) -> NamedStyle:
        color = kw.pop("color", "000000")
        underline = kw.pop("underline", None)
        font = Font(name=FONT, size=size, bold=bold, italic=italic, color=color, underline=underline)
        return NamedStyle(name=name, font=font, **kw)

    # Text and numbers one indent away from the cell's border (the row heights allow for it: see `_line_count`).
    wrap_left = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center", indent=1)
    header_fill = PatternFill(fill_type="solid", start_color="D9D9D9", end_color="D9D9D9")
    return [
        style("dg_agency", 13, bold=True, alignment=center),
        style("dg_agency_parent", 13, alignment=center),
        style("dg_nation", 13, bold=True, alignment=center),
        style("dg_motto", 14, bold=True, underline="single", alignment=center),
        style("dg_title", 14, bold=True, alignment=center),
        style("dg_line", 13, alignment=center),
        style("dg_note", 12, italic=True, alignment=wrap_left),
        style("dg_draft", 14, bold=True, color="C00000", alignment=center),
        style("dg_section", 13, bold=True, alignment=Alignment(horizontal="left", vertical="center")),
        style("dg_header", 12, bold=True, alignment=center, border=_GRID, fill=header_fill),
        style("dg_text", 12, alignment=wrap_left, border=_GRID),
        style("dg_center", 12, alignment=center, border=_GRID),
        style("dg_number", 12, alignment=right, border=_GRID, number_format="0.00"),
        style("dg_count", 12, alignment=right, border=_GRID, number_format="0"),
        style("dg_percent", 12, alignment=right, border=_GRID, number_format="0.00%"),
        style("dg_total", 12, bold=True, alignment=wrap_left, border=_GRID),
        style("dg_total_count", 12, bold=True, alignment=right, border=_GRID, number_format="0"),
        style("dg_total_percent", 12, bold=True, alignment=right, border=_GRID, number_format="0.00%"),
        style("dg_sign_role", 13, bold=True, alignment=center),
        style("dg_sign_hint", 13, italic=True, alignment=center),
    ]


class _StableZip(zipfile.ZipFile):
    """A zip archive whose members all carry the same date and permissions, whatever the clock says: openpyxl
    names its members by string (`writestr`) or copies a streamed sheet from a temporary file (`write`), and the
    zip module would stamp both with the time of writing."""

    def __init__(self, file: io.BytesIO, moment: datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.stamp = moment.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: SizedBuffer | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """As ZipFile.writestr, with the fixed date for a member named by string."""
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: str | PathLike[str],
        arcname: str | PathLike[str] | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """As ZipFile.write (streaming the file), with the fixed date instead of the file's."""
        info = self._info(str(arcname if arcname is not None else filename))
        if compress_type is not None:
            info.compress_type = compress_type
        with open(filename, "rb") as source, self.open(info, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


class _SheetWriter:
    """Streams one sheet row by row (a write-only sheet: widths and panes are set before the rows, merges beside
    them; nothing is read back). Every row gets a height that fits its wrapped text: neither openpyxl nor
    LibreOffice fits rows to their text, so a row is as high as its longest cell needs."""

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float]) -> None:
        # A write-only sheet has the print, view and dimension attributes of a Worksheet (openpyxl copies them).
        self.ws = cast(Worksheet, wb.create_sheet(title))
        self.widths = list(widths)
        self.ncols = len(widths)
        self.row = 0
        self.heights: list[float] = []  # of the rows written, in points
        self.breaks: set[int] = set()  # rows a page break follows
        self.staged: list[tuple[list[Any], Sequence[tuple[int, int]], float]] | None = None  # `together`'s rows
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        _print_setup(self.ws)

    def cell(self, value: Any, style: str) -> Any:
        """A cell with a named style (the value None leaves it empty, still framed by its style)."""
        cell = WriteOnlyCell(self.ws, value=value)
        cell.style = style
        return cell

    def add(self, values: Iterable[Any], *, merges: Sequence[tuple[int, int]] = (), height: float | None = None) -> int:
        """Appends a row (values or cells), merging the column spans `merges` (first, last), and returns its
        number. Without `height`, the row is as high as its text needs."""
        values = list(values)
        height = height if height is not None else self._height(values, merges)
        if self.staged is not None:
            self.staged.append((values, merges, height))
            return self.row + len(self.staged)
        self.row += 1
        self.heights.append(height)
        self.ws.row_dimensions[self.row].height = height
        self.ws.append(values)
        for first, last in merges:
            if last > first:
                self.ws.merged_cells.add(f"{get_column_letter(first)}{self.row}:{get_column_letter(last)}{self.row}")
        return self.row

    @contextmanager
    def together(self, room: float = 0) -> Iterator[None]:
        """Keeps the rows added inside on one printed page, with `room` points free under them (to sign): when they
        would not fit in what is left of the page (estimated from the rows' heights and the fit-to-width scale), a
        page break goes before them — so that the totals, the quota's check and the signatures do not start at the
        foot of a page. Rows taller than a page are left to break where they fall."""
        self.staged = []
        try:
            yield
        finally:
            staged, self.staged = self.staged, None
        block = sum(height for _, _, height in staged) + room
        page, title = self._page_height(), self._title_height()
        if self.row and block > page - self._used_on_last_page() and block <= page - title:
            self.ws.row_breaks.append(Break(id=self.row))
            self.breaks.add(self.row)
        for values, merges, height in staged:
            self.add(values, merges=merges, height=height)

    def _page_height(self) -> float:
        """The height of a page's body in the sheet's points (before the fit-to-width scale shrinks them)."""
        width = sum(_column_points(width) for width in self.widths)
        scale = min(1.0, math.floor(_PAGE_WIDTH / width * 100) / 100)  # a whole percent, as spreadsheets use
        return _PAGE_HEIGHT / scale

    def _title_height(self) -> float:
        rows = self.ws.print_title_rows
        if not rows:
            return 0.0
        first, last = (int(part.strip("$")) for part in rows.split(":"))
        return sum(self.heights[first - 1 : last])

    def _used_on_last_page(self) -> float:
        """How much of the current page the rows written so far take, pages breaking where a row does not fit."""
        page, title = self._page_height(), self._title_height()
        title_row = int(self.ws.print_title_rows.split(":")[0].strip("$")) if self.ws.print_title_rows else 0
        used = 0.0
        for row, height in enumerate(self.heights, start=1):
            if used + height > page:
                used = title if title_row and row > title_row else 0.0
            used += height
            if row in self.breaks:
                used = title if title_row and row >= title_row else 0.0
        return used

    def _height(self, values: Sequence[Any], merges: Sequence[tuple[int, int]]) -> float:
        spans = dict(merges)
        height = _row_height(1, 12)
        for column, value in enumerate(values, start=1):
            text = getattr(value, "value", None)
            if not isinstance(text, str) or not text:
                continue
            font = value.font
            size = float(font.sz or 12)
            width = sum(self.widths[column - 1 : spans.get(column, column)]) - _INDENT * (value.alignment.indent or 0)
            lines = _line_count(text, width * (_BOLD_CHARS if font.b else _CHARS) * 12 / size)
            height = max(height, _row_height(lines, size))
        return height

    def merged(self, text: str, style: str, first: int = 1, last: int | None = None) -> int:
        """A row whose text spans columns `first`..`last` (all by default)."""
        last = self.ncols if last is None else last
        return self.add([None] * (first - 1) + [self.cell(text, style)], merges=[(first, last)])

    def blank(self) -> None:
        """An empty row."""
        self.add([])

    def pair(self, left: Any, right: Any) -> None:
        """A row with a block on the left (about two fifths of the width) and one on the right (the rest but one
        column): the agency and the Quốc hiệu, the compiler and the head of the agency."""
        half = max(3, self.ncols * 2 // 5)
        start = half + 2 if self.ncols - half >= 4 else half + 1
        self.add([left, *[None] * (start - 2), right], merges=[(1, half), (start, self.ncols)])

    # -- blocks ------------------------------------------------------------------------------------------------

    def heading(self, data: SummaryData, unit: str | None) -> None:
        """The agency block beside the Quốc hiệu/Tiêu ngữ, then the title, the period, the regime and the draft
        mark. `unit` is the sub-unit a sheet is about (its agency block then shows the unit above it). The table
        that follows has its header row frozen: a write-only sheet writes its panes with its first row, so they
        are set here, from the heading's size."""
        lines = [(TITLE, "dg_title"), (f"Kỳ đánh giá: {_period(data)}", "dg_line")]
        lines.append((f"Quy định áp dụng: {data.regime.title}", "dg_line"))
        if data.regime.yearly_levels:
            note = (
                "Theo quy định áp dụng, việc xếp loại chất lượng được thực hiện theo năm; cột «Xếp loại» của kỳ "
                "chỉ ghi mức tương ứng với số điểm."
            )
            lines.append((note, "dg_note"))
        if not data.closed:
            lines.append((DRAFT, "dg_draft"))
        assert self.row == 0
        self.ws.freeze_panes = f"A{2 + 1 + len(lines) + 1 + 2}"  # under the header row after this heading
        if unit is None:
            self.pair(self.cell(data.unit_name.upper(), "dg_agency"), self.cell(NATION, "dg_nation"))
            self.pair(None, self.cell(MOTTO, "dg_motto"))
        else:
            self.pair(self.cell(data.unit_name.upper(), "dg_agency_parent"), self.cell(NATION, "dg_nation"))
            self.pair(self.cell(unit.upper(), "dg_agency"), self.cell(MOTTO, "dg_motto"))
        self.blank()
        for text, style in lines:
            self.merged(text, style)
        self.blank()

    def header(self, texts: Sequence[str], *, repeat: bool = True) -> int:
        """The header row of the table under the heading (frozen by `heading`) and, with `repeat`, repeated on
        each printed page."""
        row = self.add([self.cell(text, "dg_header") for text in texts])
        assert self.ws.freeze_panes == f"A{row + 1}", "the table must follow the heading"
        if repeat:
            self.ws.print_title_rows = f"{row}:{row}"
        return row

    def people(self, data: SummaryData, rows: Sequence[SummaryRow], *, renumber: bool) -> None:
        """The people table, its header row frozen, filtered and repeated on each printed page."""
        assert self.staged is None, "the people's cells are reused row after row: they cannot wait in `together`"
        table = columns(data)
        header = self.header([name for name, _, _ in table])
        categories: dict[str, str] = {}
        # One styled cell per column, given each row's values in turn: a write-only sheet writes a row out as soon
        # as it is appended, and styling 100 000 cells one by one would take most of the time.
        cells = [self.cell(None, style) for _, _, style in table]
        wrapped = [
            (index, (self.widths[index] - _INDENT) * _CHARS)
            for index, (*_, style) in enumerate(table)
            if style == "dg_text"
        ]
        for number, person in enumerate(rows, start=1):
            category = categories.get(person.category)
            if category is None:
                category = categories[person.category] = _capital(category_name(person.category))
            values = (
                number if renumber else person.number,
                person.name or None,  # an empty text is an empty cell
                person.position or None,
                person.unit_name or None,
                category,
                *(person.month_totals if data.months else (person.self_total, person.leader_total)),
                person.total,
                person.level or None,
                _capital(person.note) or None,
            )
            for cell, value in zip(cells, values, strict=True):
                cell.value = value
            lines = max(_line_count(cast(str, values[index] or ""), capacity) for index, capacity in wrapped)
            self.add(cells, height=_row_height(lines, 12))
        self.ws.auto_filter.ref = f"A{header}:{get_column_letter(self.ncols)}{self.row}"

    def level_totals(self, keys: Sequence[str], counts: dict[str, int]) -> None:
        """The number and share of people at each level, then the total (on one printed page)."""
        with self.together():
            self._level_totals(keys, counts)

    def _level_totals(self, keys: Sequence[str], counts: dict[str, int]) -> None:
        total = sum(counts.values())
        wide = [(2, 3)]  # the level's name over two columns: one line each
        self.merged("Tổng hợp theo mức xếp loại", "dg_section", last=5)
        header = ("STT", "Mức xếp loại", None, "Số người", "Tỷ lệ")
        self.add([self.cell(text, "dg_header") for text in header], merges=wide)
        for number, key in enumerate(keys, start=1):
            count = counts.get(key, 0)
            self.add(
                [
                    self.cell(number, "dg_center"),
                    self.cell(_capital(key), "dg_text"),
                    self.cell(None, "dg_text"),
                    self.cell(count, "dg_count"),
                    self.cell(count / total if total else 0, "dg_percent"),
                ],
                merges=wide,
            )
        cells = [
            self.cell("Tổng số", "dg_total"),
            *[self.cell(None, "dg_total")] * 2,
            self.cell(total, "dg_total_count"),
            self.cell(1 if total else 0, "dg_total_percent"),
        ]
        self.add(cells, merges=[(1, 3)])

    def quota(self, data: SummaryData) -> None:
        """The check of the top level's quota, group by group: at most `allowed` may keep it (on one printed
        page)."""
        with self.together():
            self._quota(data)

    def _quota(self, data: SummaryData) -> None:
        self.merged("Kiểm tra tỷ lệ mức xếp loại cao nhất", "dg_section", last=7)
        rule = data.regime.quota
        if rule is None:
            self.merged("Quy định áp dụng không giới hạn tỷ lệ mức xếp loại cao nhất.", "dg_note")
            return
        top = _level_name(data.regime, rule.level)
        if rule.basis == "rated":
            basis = "số người được xếp loại"
        else:
            basis = f"số người mức «{_level_name(data.regime, rule.basis)}»"
        ratio = format_percent(rule.ratio * 100)
        self.merged(f"Số người giữ mức «{top}» không vượt quá {ratio} {basis} của từng nhóm.", "dg_note")
        if data.months:
            self.merged(
                "Tỷ lệ được kiểm tra khi chốt từng tháng (xem bảng tổng hợp của tháng) và khi xếp loại năm.", "dg_note"
            )
            return
        if not data.quota:
            self.merged("Trong kỳ này không có nhóm nào phải kiểm tra tỷ lệ.", "dg_note")
            return
        wide = [(2, 3)]  # the group's name over two columns
        header = (
            "STT",
            "Nhóm",
            None,
            "Số người làm căn cứ",
            "Số người tối đa được giữ mức",
            "Số người giữ mức",
            "Kết quả",
        )
        self.add([self.cell(text, "dg_header") for text in header], merges=wide)
        names: dict[str, str] = {}
        several = len({check.unit_name for check in data.quota}) > 1  # each unit's period applied its own quota
        for number, check in enumerate(data.quota, start=1):
            group = _group_name(check, data.regime, names)
            self.add(
                [
                    self.cell(number, "dg_center"),
                    self.cell(f"{check.unit_name}: {group}" if several and check.unit_name else group, "dg_text"),
                    self.cell(None, "dg_text"),
                    self.cell(check.basis_count, "dg_count"),
                    self.cell(check.allowed, "dg_count"),
                    self.cell(check.kept, "dg_count"),
                    self.cell(quota_verdict(check), "dg_center"),
                ],
                merges=wide,
            )
        if not data.closed:
            self.merged("Kỳ chưa chốt: số người giữ mức chỉ được tính khi chốt kỳ.", "dg_note")

    def signatures(self) -> None:
        """The compiler (left) and the head of the agency (right), each with the line to sign: on one printed page,
        with `SIGNING_ROOM` free under them."""
        self.blank()
        with self.together(room=SIGNING_ROOM):
            self._signatures()

    def _signatures(self) -> None:
        self.pair(None, self.cell("……, ngày … tháng … năm …", "dg_sign_hint"))
        self.pair(self.cell("NGƯỜI LẬP BIỂU", "dg_sign_role"), self.cell("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "dg_sign_role"))
        self.pair(
            self.cell("(Ký, ghi rõ họ tên)", "dg_sign_hint"), self.cell("(Ký, ghi rõ họ tên, đóng dấu)", "dg_sign_hint")
        )


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, one page wide, NĐ 30 margins, centred, the page number on top from the second page on."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = 30 * _MM
    ws.page_margins.right = 15 * _MM
    ws.page_margins.top = 20 * _MM
    ws.page_margins.bottom = 20 * _MM
    ws.page_margins.header = 8 * _MM
    ws.page_margins.footer = 8 * _MM
    ws.HeaderFooter.differentFirst = True
    header = ws.oddHeader
    assert header is not None  # openpyxl makes every header and footer with the sheet
    header.center.text = "&P"
    header.center.font = f"{FONT},Regular"
    header.center.size = 13


def _line_count(text: str, capacity: float) -> int:
    """How many lines a text wraps to in a cell holding about `capacity` characters a line (greedy, by words)."""
    if len(text) <= capacity and "\n" not in text:
        return 1
    limit = max(1, int(capacity))
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            size = len(word)
            if used and used + 1 + size <= limit:
                used += 1 + size
                continue
            if used:
                lines += 1
            lines += (size - 1) // limit
            used = size - (size - 1) // limit * limit
    return lines


def _column_points(width: float) -> float:
    """A column's printed width in points: `width` digits of the default font (Times New Roman 12: 8 pixels at
    96 dpi) and 5 pixels of padding — what LibreOffice prints (its scale to one page wide matches within 1 %)."""
    return (math.trunc(width * _DIGIT_PX) + 5) * 0.75


def _row_height(lines: int, size: float) -> float:
    """The height in points of a row of `lines` lines of text of `size` points."""
    return round(lines * size * 1.2 + 3, 2)


def document_time(data: SummaryData) -> datetime:
    """The moment the workbook says it was made (UTC, naive as openpyxl writes it): the period's first day, so that
    the same data gives the same bytes; 01/01/1980 for a key that is not a period's."""
    try:
        first = span_from_key(data.period_key).starts_on
    except ValueError:
        return _EPOCH
    return max(datetime(first.year, first.month, first.day), _EPOCH)


def _period(data: SummaryData) -> str:
    """ "tháng 11/2026" for a month (its label is "11/2026"), the label itself otherwise ("Quý IV/2026")."""
    label = data.period_label
    return f"tháng {label}" if label[:1].isdigit() else label


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _level_name(regime: Regime, code: str) -> str:
    level = regime.level_by_code.get(code)
    return level.display if level is not None else code


def _group_name(check: QuotaCheck, regime: Regime, names: dict[str, str]) -> str:
    """ "Công chức, không giữ chức vụ lãnh đạo (NĐ 335/2025)" for the group "staff:nd335-2025:cong_chuc"."""
    parts = check.group.split(":")
    if len(parts) != 3 or parts[0] not in ("staff", "leaders"):
        return check.group
    kind, regime_id, category = parts
    if regime_id not in names:
        try:
            names[regime_id] = regime.name if regime_id in ("", regime.id) else load_regime(regime_id).name
        except ScoringError:
            names[regime_id] = regime_id
    who = "lãnh đạo, quản lý" if kind == "leaders" else "không giữ chức vụ lãnh đạo, quản lý"
    what = category_name(category) if category else "Chưa khai báo loại cán bộ"
    return f"{what}, {who} ({names[regime_id]})"


def quota_verdict(check: QuotaCheck) -> str:
    """ "Đạt" when no more than the allowed number keep the top level, "Vượt" otherwise."""
    return PASSED if check.kept <= check.allowed else EXCEEDED


def level_keys(data: SummaryData) -> list[str]:
    """The levels a summary counts, in order: the regime's levels (best first), then whatever else the data counts
    (another regime's levels, "không nộp phiếu tự đánh giá")."""
    keys = [level.display for level in data.regime.levels]
    return keys + [key for key, _ in data.level_counts if key not in keys]


def _count_levels(rows: Iterable[SummaryRow]) -> dict[str, int]:
    """The count of each level among some rows, as the summary's `level_counts` counts them."""
    counts: dict[str, int] = {}
    for row in rows:
        key = row.level or NOT_SUBMITTED_NOTE
        counts[key] = counts.get(key, 0) + 1
    return counts


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unused sheet name for a unit: no []:*?/\\, at most 31 characters, "(2)" on a repeated name."""
    base = " ".join(name.translate(_BAD_SHEET_CHARS).split()).strip("'") or "Đơn vị"
    candidate, n = _cut(base, 31), 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = _cut(base, 31 - len(suffix)) + suffix
    taken.add(candidate.casefold())
    return candidate


def _cut(text: str, size: int) -> str:
    """At most `size` characters of a text, cut after a whole word when there is one."""
    if len(text) <= size:
        return text
    head = text[: size + 1].rsplit(" ", 1)[0]
    return (head if " " in text[: size + 1] else text[:size]).strip()


def _whole_unit(wb: Workbook, data: SummaryData) -> None:
    sheet = _SheetWriter(wb, SUMMARY_SHEET, [width for _, width, _ in columns(data)])
    sheet.heading(data, None)
    sheet.people(data, data.rows, renumber=False)
    sheet.blank()
    sheet.level_totals(level_keys(data), dict(data.level_counts))
    sheet.blank()
    sheet.quota(data)
    sheet.signatures()


def _overview(wb: Workbook, data: SummaryData, units: dict[str, list[SummaryRow]]) -> None:
    """The "Tổng hợp" sheet beside the sheets by unit: each unit's count of each level, the totals, the quota."""
    keys = level_keys(data)
    widths = [5.0, 26.0, 9.0, *[13.0] * len(keys)]
    sheet = _SheetWriter(wb, SUMMARY_SHEET, widths)
    sheet.heading(data, None)
    # A short table (one row per unit): its header is not repeated above the totals on a second page.
    header = sheet.header(["STT", "Đơn vị", "Số người", *map(_capital, keys)], repeat=False)
    for number, (unit, rows) in enumerate(units.items(), start=1):
        counts = _count_levels(rows)
        cells = [sheet.cell(number, "dg_center"), sheet.cell(unit, "dg_text"), sheet.cell(len(rows), "dg_count")]
        sheet.add(cells + [sheet.cell(counts.get(key, 0), "dg_count") for key in keys])
    totals = dict(data.level_counts)
    row = sheet.add(
        [sheet.cell("Tổng số", "dg_total"), sheet.cell(None, "dg_total"), sheet.cell(len(data.rows), "dg_total_count")]
        + [sheet.cell(totals.get(key, 0), "dg_total_count") for key in keys],
        merges=[(1, 2)],
    )
    sheet.ws.auto_filter.ref = f"A{header}:{get_column_letter(sheet.ncols)}{row - 1}"
    sheet.blank()
    sheet.level_totals(keys, totals)
    sheet.blank()
    sheet.quota(data)
    sheet.signatures()


def _unit_sheet(wb: Workbook, data: SummaryData, unit: str, rows: list[SummaryRow], title: str) -> None:
    sheet = _SheetWriter(wb, title, [width for _, width, _ in columns(data)])
    sheet.heading(data, unit)
    sheet.people(data, rows, renumber=True)
    sheet.blank()
    sheet.level_totals(level_keys(data), _count_levels(rows))
    sheet.blank()
    sheet.merged(f"Kiểm tra tỷ lệ mức xếp loại cao nhất: xem trang «{SUMMARY_SHEET}».", "dg_note")
    sheet.signatures()


def summary_xlsx(data: SummaryData, *, sheets_by_unit: bool = False) -> bytes:
    """The unit's summary as an .xlsx workbook.

    One sheet "Tổng hợp" with everyone; with `sheets_by_unit`, one sheet per sub-unit (the rows grouped by their
    `unit_name`, in the order they come) after a "Tổng hợp" sheet counting each unit's levels. The same data gives
    the same bytes."""
    moment = document_time(data)
    wb = Workbook(write_only=True)
    # The default font (the "Normal" style, font 0) is Times New Roman 12 rather than Calibri 11: column widths are
    # counted in its digits, so Excel and LibreOffice (which has no Calibri) print the sheet at the same scale, and
    # a cell typed in later is in the sheet's font. openpyxl has no public setter for it.
    cast(Any, wb)._fonts = IndexedList([Font(name=FONT, size=12)])
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = "danhgia"
    wb.properties.title = f"{TITLE} — {data.unit_name} — {_period(data)}"
    wb.properties.language = "vi-VN"
    for style in _styles():
        wb.add_named_style(style)
    if sheets_by_unit:
        units: dict[str, list[SummaryRow]] = {}
        for row in data.rows:
            units.setdefault(row.unit_name, []).append(row)
        _overview(wb, data, units)
        taken = {SUMMARY_SHEET.casefold()}
        for unit, rows in units.items():
            _unit_sheet(wb, data, unit, rows, _sheet_name(unit, taken))
    else:
        _whole_unit(wb, data)
    out = io.BytesIO()
    with _StableZip(out, moment) as archive:
        ExcelWriter(wb, archive).save()
    return out.getvalue()
