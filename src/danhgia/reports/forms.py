"""A person's monitoring form for one period as a Word document (python-docx): NĐ 335/2025 Mẫu số 01 "Phiếu theo
dõi, đánh giá công chức" and its variants per regime, laid out for A4 as NĐ 30/2020 asks (Times New Roman 13,
margins 20/20/30/15 mm). What each line rests on: forms.md, the reference on the official forms (tagged sources).

- NĐ 335: the header block, "Mẫu số 01" (no appendix number: the sources disagree on it), the title, the period,
  the header fields; I. the general criteria (TT, criterion, maximum, self points, the competent level's points —
  a column the decree's four do not have, added as the public bodies' apps do and said so in a note — and the
  final points, "Tổng cộng"); II. general points, a/b/c (a leader: each leader criterion), KPI, task points,
  total, the matching level, strengths, weaknesses, the competent level's comments; the two signatures.
- NĐ 233 (viên chức): the same layout titled "… VIÊN CHỨC" (the decree has no monthly form: the unit's rules
  define it); the month gives points only, so its level line says it is for reference.
- Hà Nội, Đà Nẵng (and any other regime): no form of theirs was found; the national layout with the regime's own
  criteria, said so in a note (Hà Nội's levels carry their letter: "… (Loại B)"). Đà Nẵng scores 360°: only the
  final points of each criterion are printed.

The yearly form (`year_form_docx`): NĐ 233/2026 Phụ lục II "Phiếu xếp loại chất lượng viên chức" for a viên
chức — I. the year's results (the mean of the periods: general criteria, task results; the number of months and the
total are added), II. the viên chức's own rating (four boxes, left for the person to tick on paper), III. the
competent level's rating (the year's level after the yearly quota, ticked; the note when the quota lowered it), IV.
comments and proposed handling (lines to fill), the two signatures. NĐ 335's yearly form was not found (only its
name and a provincial copy, forms.md §2): a công chức's yearly form — and any other regime's — follows the same
layout worded for công chức (or the regime's cán bộ, viên chức), and says so in a note.

The same data gives the same bytes: the document's dates come from the data (a year's form: 31/12 of the year),
the zip entries get a fixed time.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from danhgia.scoring import Regime, format_percent, format_points, round_points
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.report_data import DEMOTED_NOTE, CriterionRow, FormData, YearFormData

__all__ = ["form_docx", "year_form_docx"]

ND335 = "nd335-2025"
ND233 = "nd233-2026"

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FONT = "Times New Roman"
BODY = Pt(13)
TABLE = Pt(12)
HEADER = Pt(11)  # the table's column headers
NOTE = Pt(10)
# NĐ 30/2020: A4; top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm (the smallest, for the most room).
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
TEXT_WIDTH = Mm(210 - 30 - 15)
BLOCKS = (Mm(66), Mm(99))  # the header's blocks (the agency; the Quốc hiệu) and, under them, the signatures'
DOTS = "……"
UNFILLED_DATE = "……, ngày … tháng … năm ……"
SIGN = "(Ký, ghi rõ họ tên)"
SIGN_ROOM = Mm(15)  # the height left to sign in
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
LETTERS = ("a", "b", "c", "d", "đ", "e", "g", "h", "i", "k")
# The labels of a, b, c on the form (forms.md §1 II.2, as S3 prints them).
SHARE_LABELS = {
    "quantity": "về số lượng kết quả thực hiện nhiệm vụ",
    "quality": "về chất lượng kết quả thực hiện nhiệm vụ",
    "timeliness": "về tiến độ kết quả thực hiện nhiệm vụ",
}
EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry


@dataclass(frozen=True)
class _Layout:
    """What differs between the regimes' forms."""

    noun: str  # "công chức", "viên chức", "cán bộ"
    form_number: str  # "Mẫu số 01" or "" (no decree form of that number)
    per_rater: bool  # self and leader points per criterion (False under 360°: the final points only)
    roman: bool  # the criteria numbered I, II, III as Mẫu 01 numbers its three groups
    notes: tuple[str, ...]  # what the form must say about itself


def form_docx(data: FormData) -> bytes:
    """The person's monitoring form for one period as a .docx file (A4, NĐ 30/2020 typography): NĐ 335 Mẫu số 01
    and its variants per regime (see the module's docstring). A form of a period not yet closed carries the line
    "BẢN TẠM — kỳ đánh giá chưa chốt". The same data gives the same bytes."""
    layout = _layout(data)
    document = new_document()
    header_block(document, data.unit_name, data.agency_name)
    _title(document, data, layout)
    _fields(document, data.person_name, data.position, data.unit_name)
    _criteria_table(document, data, layout)
    _summary(document, data, layout)
    _signatures(document, data, layout)
    _notes(document, layout.notes)
    moment = _fixed_moment(data)
    set_core_properties(document, _title_text(layout), f"Kỳ theo dõi, đánh giá: {_period_text(data)}", moment)
    return packed(document, moment)


# -- what differs per regime ---------------------------------------------------------------------------------------


def _layout(data: FormData) -> _Layout:
    regime = data.regime
    notes: list[str] = []
    per_rater = not regime.uses_360
    if regime.id == ND335:
        noun, number = "công chức", "Mẫu số 01"
    elif regime.id == ND233:
        noun, number = "viên chức", ""
        notes.append(
            "Nghị định số 233/2026/NĐ-CP không có mẫu phiếu hằng tháng, hằng quý (do quy chế của đơn vị quy định): "
            "phiếu theo bố cục Mẫu số 01 của Nghị định số 335/2025/NĐ-CP."
        )
    else:
        noun, number = _noun_of(data.category), ""
        notes.append(
            f"Không tìm thấy mẫu phiếu riêng của chế độ đánh giá «{regime.name}»: phiếu theo bố cục Mẫu số 01 của "
            "Nghị định số 335/2025/NĐ-CP, với các tiêu chí của chế độ này."
        )
    if per_rater:
        first = (
            "Cột (5) bổ sung so với mẫu, như phần mềm của các cơ quan nhà nước: điểm do cấp có thẩm quyền chấm lại "
            "(ô trống: giữ điểm tự chấm)."
        )
    else:
        first = (
            "Đánh giá 360° (cá nhân, đồng nghiệp, lãnh đạo cùng chấm): phiếu chỉ ghi điểm cuối cùng của từng tiêu chí."
        )
    notes.insert(0, first)
    return _Layout(noun, number, per_rater, regime.id in (ND335, ND233), tuple(notes))


def _noun_of(category: str) -> str:
    """Who the form is about under a local regime (which covers cán bộ, công chức and viên chức alike)."""
    plain = category.strip().lower()
    return plain if plain in ("cán bộ", "viên chức") else "công chức"


# -- page, styles, document properties -----------------------------------------------------------------------------


def new_document() -> DocxDocument:
    """An empty A4 document with the NĐ 30/2020 page and the Times New Roman 13 body."""
    document = Document()
    _page_setup(document.sections[0])
    _styles(document)
    return document


def packed(document: DocxDocument, moment: datetime) -> bytes:
    """The document's bytes, every zip entry stamped `moment` (the same document gives the same bytes)."""
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue(), moment)


def _page_setup(section: Section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = section.footer_distance = Mm(10)
    # NĐ 30/2020: page numbers centred in the top margin, from the second page on.
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(paragraph)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field (python-docx has no fields)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _styles(document: DocxDocument) -> None:
    normal = document.styles["Normal"]
    font = normal.font
    font.name = FONT
    font.size = BODY
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    lang = OxmlElement("w:lang")  # Vietnamese, for the spelling checker (python-docx has no language setting)
    lang.set(qn("w:val"), "vi-VN")
    rpr.append(lang)
    paragraph_format = normal.paragraph_format
    paragraph_format.space_before = paragraph_format.space_after = Pt(0)
    paragraph_format.line_spacing = 1.0


def _fixed_moment(data: FormData) -> datetime:
    """The moment the document says it was made: the decision's, else the period's first day (same data, same
    bytes)."""
    if data.decided_at is not None:
        moment = data.decided_at if data.decided_at.tzinfo else data.decided_at.replace(tzinfo=UTC)
    else:
        first = _first_day(data.period_key)
        moment = datetime(first.year, first.month, first.day, tzinfo=UTC) if first else EPOCH
    return max(moment.astimezone(UTC).replace(microsecond=0), EPOCH)


def _first_day(period_key: str) -> date | None:
    try:
        return span_from_key(period_key).starts_on
    except ValueError:
        return None


def set_core_properties(document: DocxDocument, title: str, subject: str, moment: datetime) -> None:
    """The document's title and subject, and its dates fixed at `moment` (never the moment it was built)."""
    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.author = properties.last_modified_by = "danhgia"
    properties.keywords = properties.comments = properties.category = ""
    properties.revision = 1
    naive = moment.replace(tzinfo=None)  # python-docx writes these as UTC
    properties.created = properties.modified = properties.last_printed = naive
    # python-docx's template carries the picture of another (blank) page as the file's preview: left out
    relationships = document.part.package.rels
    for key in [key for key, rel in relationships.items() if rel.reltype == RT.THUMBNAIL]:
        del relationships[key]
        relationships.related_parts.pop(key, None)


def _fixed_zip(blob: bytes, moment: datetime) -> bytes:
    """The package re-written with every entry stamped `moment` (python-docx stamps them with the current time)."""
    stamp = moment.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


# -- small builders ------------------------------------------------------------------------------------------------


def add_paragraph(
    container: DocxDocument | _Cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: Length | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    before: int = 0,
    after: int = 0,
    keep: bool = False,
    reuse: bool = False,
) -> Paragraph:
    """A paragraph with one run; `reuse`: a cell's first (empty) paragraph instead of a new one."""
    first = reuse and isinstance(container, _Cell)
    paragraph: Paragraph = container.paragraphs[0] if first else container.add_paragraph()
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)
    if align is not None:
        paragraph.alignment = align
    paragraph_format = paragraph.paragraph_format
    paragraph_format.space_before, paragraph_format.space_after = Pt(before), Pt(after)
    if keep:
        paragraph_format.keep_with_next = True
    return paragraph


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: Length | None = None,
    underline: bool = False,
) -> None:
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    run.underline = underline or None
    if size is not None:
        run.font.size = size


def dotted_line(paragraph: Paragraph) -> Paragraph:
    """Dots from the end of the text to the right margin (a dotted tab leader), a line to fill by hand."""
    paragraph.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    paragraph.add_run("\t")
    return paragraph


def draw_rule(paragraph: Paragraph, indent: Length) -> None:
    """A short solid line: the paragraph's bottom border between indents (python-docx has no borders)."""
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = indent
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr"
    )


def borderless_table(document: DocxDocument, widths: Iterable[Length], rows: int = 1) -> Table:
    """A table without borders for laying blocks side by side (the template's default table style has none)."""
    sizes = list(widths)
    table: Table = document.add_table(rows=rows, cols=len(sizes))
    _widths(table, sizes)
    return table


def _widths(table: Table, widths: Sequence[Length]) -> None:
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _points(value: Decimal | None) -> str:
    return format_points(value) if value is not None else ""


def _points_or_dots(value: Decimal | None) -> str:
    return format_points(value) if value is not None else DOTS


def _percent(value: Decimal | None) -> str:
    """ "87,5 %" with a no-break space, so that the sign never wraps away from its number."""
    return format_percent(value).replace(" ", "\u00a0") if value is not None else DOTS + "\u00a0%"


def _date_line(moment: datetime | None) -> str:
    """ "……, ngày 03 tháng 12 năm 2026" (NĐ 30/2020: a day below 10 and the months 1, 2 with a leading 0)."""
    if moment is None:
        return UNFILLED_DATE
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(VN)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"……, ngày {local.day:02d} tháng {month} năm {local.year}"


# -- the parts of the form -----------------------------------------------------------------------------------------


def header_block(document: DocxDocument, unit_name: str, agency: str = "") -> None:
    """The agency (left: the governing body above, upright, over the unit, bold — NĐ 30/2020) and the Quốc hiệu with
    the Tiêu ngữ (right)."""
    table = borderless_table(document, BLOCKS)
    left, right = table.rows[0].cells
    name = unit_name.strip().upper() or "TÊN CƠ QUAN, TỔ CHỨC, ĐƠN VỊ"
    if agency.strip():
        add_paragraph(left, agency.strip().upper(), size=Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER, reuse=True)
        add_paragraph(left, name, bold=True, size=Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER)
    else:
        add_paragraph(left, name, bold=True, size=Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER, reuse=True)
    rule = add_paragraph(left)
    rule.paragraph_format.line_spacing = Pt(3)
    draw_rule(rule, Mm(20))  # the short solid line under the agency's name
    add_paragraph(
        right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER, reuse=True
    )
    motto = add_paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(motto, "Độc lập - Tự do - Hạnh phúc", bold=True, size=Pt(13), underline=True)


def _title_text(layout: _Layout) -> str:
    return f"PHIẾU THEO DÕI, ĐÁNH GIÁ {layout.noun.upper()}"


def _period_text(data: FormData) -> str:
    """ "Tháng 11 năm 2026" / "Quý IV năm 2026"."""
    try:
        span = span_from_key(data.period_key)
    except ValueError:
        return data.period_label
    if span.is_quarter:
        return f"Quý {ROMAN[(span.starts_on.month - 1) // 3]} năm {span.year}"
    return f"Tháng {span.starts_on.month} năm {span.year}"


def _title_lines(document: DocxDocument, title: str, *, below_number: bool, provisional: str | None) -> None:
    """The form's title (closer to a form number or appendix line above it) and, for a form not final yet, the
    provisional mark under it."""
    add_paragraph(
        document,
        title,
        bold=True,
        size=Pt(14),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        before=4 if below_number else 10,
        keep=True,
    )
    if provisional is not None:
        add_paragraph(document, provisional, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _title(document: DocxDocument, data: FormData, layout: _Layout) -> None:
    if layout.form_number:
        add_paragraph(document, layout.form_number, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, before=4)
    provisional = None if data.final else "BẢN TẠM — kỳ đánh giá chưa chốt"
    _title_lines(document, _title_text(layout), below_number=bool(layout.form_number), provisional=provisional)
    add_paragraph(document, f"(Kỳ theo dõi, đánh giá: {_period_text(data)})", align=WD_ALIGN_PARAGRAPH.CENTER, after=4)


def _fields(document: DocxDocument, person_name: str, position: str, unit_name: str) -> None:
    """Họ và tên, Chức vụ, chức danh, Đơn vị công tác: the value, or a dotted line to fill."""
    for label, value in (
        ("Họ và tên: ", person_name),
        ("Chức vụ, chức danh: ", position),
        ("Đơn vị công tác: ", unit_name),
    ):
        paragraph = add_paragraph(document)
        _run(paragraph, label)
        if value.strip():
            _run(paragraph, value.strip(), bold=label.startswith("Họ"))
        else:
            dotted_line(paragraph)


def _criteria_table(document: DocxDocument, data: FormData, layout: _Layout) -> None:
    """I. The general criteria: one row per criterion (with its group's row when a group has several), the total."""
    heading = "I. KẾT QUẢ THEO DÕI, ĐÁNH GIÁ THEO TIÊU CHÍ" + ("" if data.regime.uses_360 else " CHUNG")
    add_paragraph(document, heading, bold=True, before=4, after=2, keep=True)
    if layout.per_rater:
        headers = [
            "TT",
            "Tiêu chí chấm điểm",
            "Điểm tối đa",
            "Điểm do cá nhân tự chấm",
            "Điểm do cấp có thẩm quyền chấm",
            "Điểm đạt",
        ]
        widths = [Mm(9), Mm(76), Mm(15), Mm(22), Mm(27), Mm(16)]
    else:
        headers = ["TT", "Tiêu chí chấm điểm", "Điểm tối đa", "Điểm đạt"]
        widths = [Mm(10), Mm(109), Mm(23), Mm(23)]
    lines = _criteria_lines(data, layout)
    table = document.add_table(rows=2 + len(lines) + 1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    _widths(table, widths)
    for index, text in enumerate(headers):
        fill_cell(table.cell(0, index), text, bold=True, size=HEADER)
        fill_cell(table.cell(1, index), f"({index + 1})", italic=True, size=HEADER)
    for row in table.rows[:2]:
        row_options(row, header=True)
    for offset, (number, name, values, bold) in enumerate(lines, start=2):
        fill_cell(table.cell(offset, 0), number, bold=bold)
        fill_cell(table.cell(offset, 1), name, bold=bold, align=WD_ALIGN_PARAGRAPH.LEFT)
        for column, value in enumerate(values, start=2):
            fill_cell(table.cell(offset, column), value, bold=bold)
    last = len(lines) + 2
    merged = table.cell(last, 0).merge(table.cell(last, 1))
    fill_cell(merged, "Tổng cộng", bold=True)
    for column, value in enumerate(_totals(data, layout), start=2):
        fill_cell(table.cell(last, column), value, bold=True)


Line = tuple[str, str, list[str], bool]


def row_options(row: _Row, *, header: bool = False) -> None:
    """A row never split over two pages; a header row repeated at the top of every page the table runs over
    (`w:cantSplit`, `w:tblHeader`: python-docx has no property for them, its oxml element for the row's
    properties takes them in the schema's order)."""
    properties = row._tr.get_or_add_trPr()
    properties.insert_element_before(
        OxmlElement("w:cantSplit"), "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins",
        "w:del", "w:trPrChange",
    )  # fmt: skip
    if header:
        properties.insert_element_before(
            OxmlElement("w:tblHeader"), "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange"
        )


def _criteria_lines(data: FormData, layout: _Layout) -> list[Line]:
    """The table's rows: (TT, name, the points' cells, bold). A regime with several groups of criteria, one of which
    has more than one criterion, gets a row per group (I, II, …) above its criteria (1, 2, … in each group)."""
    groups = [group for group in data.regime.groups if group.kind == "criteria" and group.criteria]
    by_group = _rows_by_group(data.regime, data.criteria)
    nested = len(groups) > 1 and any(len(group.criteria) > 1 for group in groups)
    lines: list[Line] = []
    if not nested:
        for index, row in enumerate(data.criteria):
            number = ROMAN[index] if layout.roman and index < len(ROMAN) else str(row.number)
            lines.append((number, row.name, _values(row, layout), False))
        return lines
    for index, group in enumerate(groups):
        rows = by_group.get(group.code, [])
        maximum = group.max_points if group.max_points is not None else sum((r.max_points for r in rows), Decimal(0))
        sums = [_sum(values) for values in _columns(rows, layout)]
        lines.append((ROMAN[index % len(ROMAN)], group.name, [format_points(maximum), *sums], True))
        lines.extend((str(place), row.name, _values(row, layout), False) for place, row in enumerate(rows, start=1))
    return lines


def _rows_by_group(regime: Regime, rows: tuple[CriterionRow, ...]) -> dict[str, list[CriterionRow]]:
    """The rows under their group's code; a row is the criterion of the regime at its number (1 = the first)."""
    criteria = regime.criteria
    grouped: dict[str, list[CriterionRow]] = {}
    for row in rows:
        group = criteria[row.number - 1].group if 0 < row.number <= len(criteria) else ""
        grouped.setdefault(group, []).append(row)
    return grouped


def _values(row: CriterionRow, layout: _Layout) -> list[str]:
    if layout.per_rater:
        return [
            format_points(row.max_points),
            _points(row.self_points),
            _points(row.leader_points),
            _points(row.final_points),
        ]
    return [format_points(row.max_points), _points(row.final_points)]


def _columns(rows: list[CriterionRow], layout: _Layout) -> list[list[Decimal | None]]:
    """The point columns after the maximum: self, leader, final (per rater) or final only."""
    finals = [row.final_points for row in rows]
    if not layout.per_rater:
        return [finals]
    return [[row.self_points for row in rows], [row.leader_points for row in rows], finals]


def _sum(values: list[Decimal | None]) -> str:
    """The column's sum when every cell has points; blank otherwise."""
    if not values or any(value is None for value in values):
        return ""
    return format_points(sum((value for value in values if value is not None), Decimal(0)))


def _totals(data: FormData, layout: _Layout) -> list[str]:
    rows = list(data.criteria)
    maximum = sum((row.max_points for row in rows), Decimal(0))
    return [format_points(maximum), *(_sum(values) for values in _columns(rows, layout))]


def fill_cell(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    size: Length = TABLE,
) -> None:
    """A table cell's text, vertically centred, without paragraph spacing."""
    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)


def _summary(document: DocxDocument, data: FormData, layout: _Layout) -> None:
    """II. General points, task points (a, b, c, KPI), total and level, then strengths, weaknesses, comments."""
    add_paragraph(
        document, f"II. TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ {layout.noun.upper()}", bold=True, before=4, keep=True
    )
    number = 1
    if data.regime.uses_360:
        finals = [row.final_points for row in data.criteria]
        summed = None if any(v is None for v in finals) else sum((v for v in finals if v is not None), Decimal(0))
        maximum = sum((row.max_points for row in data.criteria), Decimal(0))
        _line(document, f"{number}. Điểm theo các tiêu chí: ", summed, f"tối đa {format_points(maximum)} điểm")
        number += 1
    else:
        _line(document, f"{number}. Điểm tiêu chí chung: ", data.general_points, _maximum(data.general_max))
        number += 1
        if data.regime.task_group is not None:
            _tasks(document, data, number)
            number += 1
    for kind, name, points in data.extras:
        what = "Điểm thưởng" if kind == "bonus" else "Điểm trừ"
        named = what if name.casefold() == what.casefold() else f"{what} ({name[:1].lower()}{name[1:]})"
        _line(document, f"{number}. {named}: ", points, "")
        number += 1
    label = f"{number}. Tổng điểm theo dõi, đánh giá {layout.noun}"
    if data.extras:
        kinds = dict.fromkeys("điểm thưởng" if kind == "bonus" else "điểm trừ" for kind, _, _ in data.extras)
        label += " (gồm cả " + " và ".join(kinds) + ")"
    _line(document, label + ": ", data.total, _maximum(data.max_total), bold=True)
    number += 1
    _level(document, data)
    _fill(document, f"{number}. Ưu điểm:", "", lines=1)
    _fill(document, f"{number + 1}. Hạn chế, khuyết điểm:", "", lines=1)
    _fill(document, f"{number + 2}. Ý kiến nhận xét của cấp có thẩm quyền theo dõi, đánh giá:", data.decision_reason)


def _maximum(value: Decimal | None) -> str:
    return f"tối đa {format_points(value)} điểm" if value is not None else ""


def _line(document: DocxDocument, label: str, value: Decimal | None, note: str, *, bold: bool = False) -> Paragraph:
    """ "1. Điểm tiêu chí chung: 29 điểm (tối đa 30 điểm)"; dots for a value not known yet."""
    paragraph = add_paragraph(document, label, bold=bold)
    if value is None:
        _run(paragraph, DOTS + " điểm")
    else:
        _run(paragraph, f"{format_points(value)} điểm", bold=True)
    if note:
        _run(paragraph, f" ({note})")
    _run(paragraph, ".")
    return paragraph


def _tasks(document: DocxDocument, data: FormData, number: int) -> None:
    """2. The task points with a, b, c (a leader: each leader criterion) and KPI × the part's maximum."""
    label = f"{number}. Điểm tiêu chí kết quả thực hiện nhiệm vụ: "
    paragraph = add_paragraph(document, label)
    _run(paragraph, f"{_points_or_dots(data.task_points)} điểm", bold=data.task_points is not None)
    if data.task_max is not None:
        _run(paragraph, f" ({_maximum(data.task_max)})")
    _run(paragraph, ", trong đó:")
    shares = _shares(data)
    for _letter, text, value in shares:
        line = add_paragraph(document)
        line.paragraph_format.left_indent = Mm(8)
        _run(line, f"{text}: ")
        _run(line, _percent(value))
    letters = [letter for letter, _, _ in shares]
    values = [value for _, _, value in shares]
    kpi = data.percentages.kpi if data.percentages is not None else None  # the engine's, rounded once
    if kpi is None and values and all(value is not None for value in values):
        kpi = round_points(sum((v for v in values if v is not None), Decimal(0)) / len(values))
    formula = add_paragraph(document)
    formula.paragraph_format.left_indent = Mm(8)
    mean = f"({' + '.join(letters)}) / {len(letters)}"
    share = _percent(data.task_max) if data.task_max is not None else "70\u00a0%"
    _run(formula, f"KPI = {mean} = {_percent(kpi)}; điểm = KPI × {share} = {_points_or_dots(data.task_points)} điểm.")


def _shares(data: FormData) -> list[tuple[str, str, Decimal | None]]:
    """(letter, what it measures, percent) of each component of the KPI, in the form's order."""
    found = data.percentages
    group = data.regime.task_group
    rules = group.tasks if group is not None else None
    base = {
        "quantity": found.quantity if found else None,
        "quality": found.quality if found else None,
        "timeliness": found.timeliness if found else None,
    }
    items: list[tuple[str, str, Decimal | None]]
    if found is not None and found.leader:
        items = [(criterion.compute, criterion.name, value) for criterion, value in found.leader]
    elif data.is_leader and rules is not None and rules.leader_criteria:
        items = [(criterion.compute, criterion.name, None) for criterion in rules.leader_criteria]
    else:
        items = [(key, "", value) for key, value in base.items()]
    shares: list[tuple[str, str, Decimal | None]] = []
    for index, (compute, name, value) in enumerate(items):
        letter = LETTERS[index % len(LETTERS)]
        if compute in SHARE_LABELS:
            text = f"{letter} là điểm tỷ lệ phần trăm (%) {SHARE_LABELS[compute]}"
        else:  # a leader's own criteria: shorter, so that a line holds the name and its percent
            text = f"{letter} là điểm (%) về {name[:1].lower()}{name[1:]}"
        shares.append((letter, text, value))
    return shares


def _level(document: DocxDocument, data: FormData) -> None:
    if data.points_only:
        label = "Mức tương ứng với điểm (chỉ để tham khảo; xếp loại chất lượng theo năm): "
    else:
        label = "Mức xếp loại tương ứng: "
    paragraph = add_paragraph(document, label)
    if data.level:
        _run(paragraph, data.level, bold=True)
        if data.level_before_quota:
            _run(paragraph, f" (điểm đạt mức «{data.level_before_quota}»; {DEMOTED_NOTE})")
        _run(paragraph, ".")
    else:
        dotted_line(paragraph)


def _fill(document: DocxDocument, label: str, text: str, *, lines: int = 2) -> None:
    """A heading to be filled: the text when there is one, else `lines` dotted lines to fill by hand."""
    paragraph = add_paragraph(document, label + " ", keep=True)
    if text.strip():
        _run(paragraph, text.strip())
        return
    dotted_line(paragraph)
    for _ in range(lines - 1):
        dotted_line(add_paragraph(document))


def _signatures(document: DocxDocument, data: FormData, layout: _Layout) -> None:
    """The person (left, signs first) and the competent level (right, signs after reviewing)."""
    signature_blocks(
        document,
        (
            (_date_line(None), f"{layout.noun.upper()} TỰ ĐÁNH GIÁ", SIGN, data.person_name),
            (_date_line(data.decided_at), "CẤP CÓ THẨM QUYỀN\nTHEO DÕI, ĐÁNH GIÁ", SIGN, data.reviewer_name),
        ),
    )


Signature = tuple[str, str, str, str]  # the date line, the role (bold capitals), "(Ký, …)", the name


def signature_blocks(
    document: DocxDocument, blocks: tuple[Signature, Signature], widths: tuple[Length, Length] = BLOCKS
) -> None:
    """Two signature blocks side by side, each a date line, a role, how to sign, room to sign and the name; the
    names in a row of their own, so that they stay level whatever wraps above them."""
    table = borderless_table(document, widths, rows=4)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for column, (when, role, sign, name) in enumerate(blocks):
        add_paragraph(table.cell(0, column), when, italic=True, align=center, before=6, keep=True, reuse=True)
        add_paragraph(table.cell(1, column), role, bold=True, align=center, keep=True, reuse=True)
        add_paragraph(table.cell(1, column), sign, italic=True, align=center, keep=True)
        add_paragraph(table.cell(2, column), keep=True, reuse=True)  # the room to sign
        add_paragraph(table.cell(3, column), name.strip(), bold=True, align=center, reuse=True)
    table.rows[2].height = SIGN_ROOM
    for row in table.rows:  # a page break never falls inside a block: rows kept whole and with the next
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _notes(document: DocxDocument, notes: Sequence[str]) -> None:
    """What the form says about itself, in one small paragraph at the foot."""
    if not notes:
        return
    paragraph = add_paragraph(document, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=4)
    _run(paragraph, "Ghi chú: ", bold=True, italic=True, size=NOTE)
    _run(paragraph, " ".join(notes), italic=True, size=NOTE)


# -- the yearly form -----------------------------------------------------------------------------------------------

# NĐ 233/2026 Phụ lục II (forms.md §3, read in the decree's transcript).
APPENDIX = "Phụ lục II"
APPENDIX_OF = "(Kèm theo Nghị định số 233/2026/NĐ-CP ngày 26 tháng 6 năm 2026 của Chính phủ)"
HANDLING_FOOTNOTE = "Việc đề xuất phương án xử lý căn cứ quy định tại Điều 16 Nghị định này."
SIGN_NAME = "(Ký tên, ghi rõ họ tên)"
YEAR_PROVISIONAL = "BẢN TẠM — kết quả năm chưa chốt"
UNFILLED_DAY = "Ngày … tháng … năm ……"
# A box to tick: a run with a border all round (the box glyphs ☐, ☒ are neither in Times New Roman nor in Liberation
# Serif, and a tick drawn over □ by condensing is not printed by LibreOffice). Two en spaces make a box 1 em wide; the
# ticked one holds a bold × between thin spaces, 0,97 em. In Word one can tick a box by typing into it.
BOX_EMPTY = "\u2002\u2002"
BOX_SIZE = Pt(11)  # the box a little smaller than the line's text: a gap between the boxes of successive lines
HALF = Mm((210 - 30 - 15) / 2)
BOX_TICKED = "\u2009\u00d7\u2009"


@dataclass(frozen=True)
class _YearLayout:
    """What differs between the regimes' yearly forms."""

    noun: str  # "viên chức", "công chức", "cán bộ"
    appendix: bool  # NĐ 233 Phụ lục II itself (its number, its footnote on IV)
    notes: tuple[str, ...]


def year_form_docx(data: YearFormData) -> bytes:
    """The person's yearly form as a .docx file (A4, NĐ 30/2020 typography): NĐ 233 Phụ lục II "Phiếu xếp loại chất
    lượng viên chức" for a viên chức, the same layout worded for the others (see the module's docstring). A year not
    yet closed carries the line "BẢN TẠM — kết quả năm chưa chốt". The same data gives the same bytes (dated 31/12
    of the year)."""
    layout = _year_layout(data)
    document = new_document()
    header_block(document, data.unit_name)
    _year_title(document, data, layout)
    _fields(document, data.person_name, data.position, data.unit_name)
    _year_results(document, data)
    add_paragraph(
        document, f"II. {layout.noun.upper()} TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG", bold=True, before=4, keep=True
    )
    _boxes(document, data.regime, "")  # the person ticks on paper
    _year_rating(document, data, layout)
    _year_comments(document, layout)
    signature_blocks(
        document,
        (
            (UNFILLED_DATE, f"{layout.noun.upper()} TỰ XẾP LOẠI", SIGN_NAME, data.person_name),
            (UNFILLED_DAY, "CẤP CÓ THẨM QUYỀN XẾP LOẠI", SIGN_NAME, ""),
        ),
        (HALF, HALF),  # two roles of the same length: halves, so that a long name does not wrap
    )
    if layout.appendix:
        footnote = add_paragraph(document, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=4)
        _superscript(footnote, "1", size=NOTE)
        _run(footnote, " " + HANDLING_FOOTNOTE, italic=True, size=NOTE)
    _notes(document, layout.notes)
    moment = datetime(data.year, 12, 31, tzinfo=UTC) if 1980 <= data.year <= 2107 else EPOCH  # a zip's years
    set_core_properties(document, _year_title_text(layout), f"Năm {data.year}", moment)
    return packed(document, moment)


def _year_layout(data: YearFormData) -> _YearLayout:
    regime = data.regime
    unit = _period_unit(regime)
    notes = [
        f"Mục I: trung bình cộng điểm các {unit} trong năm"
        + ("; số " + unit + " và tổng điểm bổ sung so với mẫu." if regime.id == ND233 else ".")
    ]
    if regime.id == ND233:
        return _YearLayout("viên chức", True, tuple(notes))
    if regime.id == ND335:
        noun = "công chức"
        notes.append(
            "Không tìm thấy văn bản mẫu phiếu xếp loại chất lượng năm của Nghị định số 335/2025/NĐ-CP: phiếu theo "
            "bố cục Phụ lục II của Nghị định số 233/2026/NĐ-CP (phiếu xếp loại chất lượng viên chức), thay «viên "
            "chức» bằng «công chức»."
        )
    else:
        noun = _noun_of(data.category)
        notes.append(
            f"Không tìm thấy mẫu phiếu xếp loại năm của chế độ đánh giá «{regime.name}»: phiếu theo bố cục Phụ lục II "
            "của Nghị định số 233/2026/NĐ-CP."
        )
    return _YearLayout(noun, False, tuple(notes))


def _period_unit(regime: Regime) -> str:
    """What the regime's periods are called on the form: "tháng" or "quý"."""
    return "quý" if regime.period == "quarter" else "tháng"


def _year_title_text(layout: _YearLayout) -> str:
    return f"PHIẾU XẾP LOẠI CHẤT LƯỢNG {layout.noun.upper()}"


def _year_title(document: DocxDocument, data: YearFormData, layout: _YearLayout) -> None:
    """(Phụ lục II and the decree it is appended to,) the title, the provisional line, the year."""
    if layout.appendix:
        add_paragraph(document, APPENDIX, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, before=4)
        add_paragraph(document, APPENDIX_OF, italic=True, size=HEADER, align=WD_ALIGN_PARAGRAPH.RIGHT)
    provisional = None if data.final else YEAR_PROVISIONAL
    _title_lines(document, _year_title_text(layout), below_number=bool(layout.appendix), provisional=provisional)
    add_paragraph(document, f"Năm {data.year}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=4)


def _year_results(document: DocxDocument, data: YearFormData) -> None:
    """I. The number of periods, the year's general points and task points (the means), and the total."""
    add_paragraph(document, "I. TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ", bold=True, before=4, keep=True)
    months = add_paragraph(document, f"Số {_period_unit(data.regime)} được theo dõi, đánh giá trong năm: ")
    _run(months, str(data.months), bold=True)
    lines = [("Kết quả theo dõi, đánh giá theo tiêu chí chung", data.general_max, data.general_points)]
    if data.task_max is not None or data.task_points is not None:
        lines.append(
            ("Kết quả theo dõi, đánh giá theo tiêu chí kết quả thực hiện nhiệm vụ", data.task_max, data.task_points)
        )
    for number, (label, maximum, value) in enumerate(lines, start=1):
        _year_line(document, f"{number}. {label}", maximum, value)
    _year_line(
        document, f"{len(lines) + 1}. Tổng điểm theo dõi, đánh giá cả năm", data.max_total, data.total, bold=True
    )


def _year_line(
    document: DocxDocument, label: str, maximum: Decimal | None, value: Decimal | None, *, bold: bool = False
) -> None:
    """ "1. Kết quả … (tối đa 30 điểm): 27,5 điểm." as Phụ lục II words it; dots for a value not known."""
    paragraph = add_paragraph(
        document, label + (f" ({_maximum(maximum)})" if maximum is not None else "") + ": ", bold=bold
    )
    _run(paragraph, f"{_points_or_dots(value)} điểm", bold=value is not None)
    _run(paragraph, ".")


def _boxes(document: DocxDocument, regime: Regime, ticked: str) -> bool:
    """The regime's levels, one a line, each after a box; the box of `ticked` (a level's name) ticked and its name
    bold. Whether a box was ticked."""
    found = False
    for level in regime.levels:
        on = bool(ticked) and level.display == ticked
        found = found or on
        paragraph = add_paragraph(document)
        paragraph.paragraph_format.left_indent = Mm(10)
        _box(paragraph, ticked=on)
        _run(paragraph, " " + level.display, bold=on)
    return found


def _box(paragraph: Paragraph, *, ticked: bool) -> None:
    """A box (a run with a border all round), empty or with a ×."""
    run = paragraph.add_run(BOX_TICKED if ticked else BOX_EMPTY)
    run.bold = ticked or None
    run.font.size = BOX_SIZE
    border = OxmlElement("w:bdr")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"), ("w:color", "000000")):
        border.set(qn(key), value)
    run._r.get_or_add_rPr().insert_element_before(
        border, "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
        "w:specVanish", "w:oMath",
    )  # fmt: skip


def _superscript(paragraph: Paragraph, text: str, *, size: Length | None = None) -> None:
    run = paragraph.add_run(text)
    run.font.superscript = True
    if size is not None:
        run.font.size = size


def _year_rating(document: DocxDocument, data: YearFormData, layout: _YearLayout) -> None:
    """III. The year's level (after the yearly quota) ticked; the note (the quota lowered it, not rated, …)."""
    heading = f"III. KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG {layout.noun.upper()} CỦA CẤP CÓ THẨM QUYỀN"
    add_paragraph(document, heading, bold=True, before=4, keep=True)
    ticked = _boxes(document, data.regime, data.level)
    lines = []
    if data.level and not ticked:  # a level the regime does not list (should not happen): said, not lost
        lines.append(("Mức xếp loại: ", data.level.strip()))
    if data.note.strip():
        lines.append(("Ghi chú: ", data.note.strip().rstrip(".")))
    for label, text in lines:
        paragraph = add_paragraph(document)
        paragraph.paragraph_format.left_indent = Mm(10)
        _run(paragraph, label, italic=True)
        _run(paragraph, text + ".", italic=True)


def _year_comments(document: DocxDocument, layout: _YearLayout) -> None:
    """IV. Comments and the proposed handling (the footnote's mark under NĐ 233): lines to fill by hand."""
    heading = add_paragraph(document, before=4, keep=True)
    _run(heading, "IV. Ý KIẾN NHẬN XÉT CỦA CẤP CÓ THẨM QUYỀN VÀ ĐỀ XUẤT PHƯƠNG ÁN XỬ LÝ", bold=True)
    if layout.appendix:
        _superscript(heading, "1")
    for _ in range(3):
        dotted_line(add_paragraph(document))
