"""The unit's year-end paperwork beside the personal forms, as Word documents (python-docx), from the unit's year
summary (`SummaryData` of a year: one row per person with the year's points and level after the yearly quota):

- `minutes_docx`: the minutes of the unit's meeting ("BIÊN BẢN HỌP … đánh giá, xếp loại chất lượng … năm 2026") as
  a template pre-filled with the proposed results — time, place, chair, secretary and attendance as lines to fill;
  the agenda; a table of the proposed results (STT, name, position, the year's points, the proposed level, note) and
  the count of each level; the vote and the closing time as lines to fill; the signatures (THƯ KÝ, CHỦ TRÌ).
- `notice_docx`: the written notice of the results ("THÔNG BÁO Kết quả đánh giá, xếp loại chất lượng … năm 2026"):
  number and date lines to fill, the grounds (the regime of each category, by its title: NĐ 335/2025 for công chức,
  NĐ 233/2026 for viên chức, …; the minutes; the competent level's decision), the results table, the count of each
  level, publication in the unit and how to complain, "Nơi nhận", the head's signature.

What they rest on: NĐ 233/2026 Điều 15.2–15.3 (self-report → a meeting of the unit with minutes → the competent level
decides → a written notice, published in the unit, electronically preferred) and Điều 17 (the minutes are kept in
the year's record) — nd233-2026.md §G, read in the decree. Neither decree has a form for the minutes or the notice
(forms.md §5): the layout follows the general shape of NĐ 30/2020's administrative documents (agency block with the
number, Quốc hiệu and Tiêu ngữ with the place and date, the kind of document and its summary, the body, "Nơi nhận"
beside the signature) — an inference, said so in each document's note. The page and the type are NĐ 30's (A4,
Times New Roman 13–14, margins 20/20/30/15 mm), as in `danhgia.reports.forms`, whose helpers are reused.

Dates that belong to the meeting or the signing are left to fill. The same data gives the same bytes: the document's
properties and the zip entries are dated 31/12 of the year.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from danhgia.reports.forms import (
    DOTS,
    EPOCH,
    HALF,
    HEADER,
    NOTE,
    SIGN,
    add_paragraph,
    borderless_table,
    dotted_line,
    draw_rule,
    fill_cell,
    header_block,
    new_document,
    packed,
    row_options,
    set_core_properties,
    signature_blocks,
)
from danhgia.scoring import Regime, ScoringError, format_points, load_regime
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import parse_category
from danhgia.workflow.report_data import SummaryData, SummaryRow

__all__ = ["minutes_docx", "notice_docx"]

ND233 = "nd233-2026"

# The categories of staff as the documents name them, in the order they are named ("cán bộ, công chức, viên chức").
NOUNS = {"can_bo": "cán bộ", "cong_chuc": "công chức", "vien_chuc": "viên chức", "nguoi_lao_dong": "người lao động"}
NO_RESULT = "Chưa có kết quả xếp loại"
NO_RESULT_NOTE = "chưa có kết quả đánh giá trong năm"
YEAR_DRAFT = "BẢN TẠM — kết quả năm chưa chốt"
PERIOD_DRAFT = "BẢN TẠM — kỳ đánh giá chưa chốt"
UNFILLED_PLACE_DATE = "……, ngày … tháng … năm ……"
HEAD = "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"
HEAD_SIGN = "(Ký, ghi rõ họ tên, đóng dấu)"
INDENT = Mm(10)  # the first line of a paragraph of the body (NĐ 30/2020: 1–1,27 cm)
# STT holds four digits (a unit of a thousand people) on one line; 165 mm in all, the text's width.
PEOPLE_WIDTHS = (Mm(13), Mm(41), Mm(31), Mm(16), Mm(37), Mm(27))
COUNT_LABEL = Mm(70)
COUNT_COLUMN = Mm(24)
LAYOUT_NOTE = (
    "Nghị định số 335/2025/NĐ-CP và Nghị định số 233/2026/NĐ-CP không ban hành mẫu {kind}: văn bản theo thể thức "
    "văn bản hành chính của Nghị định số 30/2020/NĐ-CP."
)


@dataclass(frozen=True)
class _Group:
    """The people of one category, in the summary's order: the table shows a row with the category's name above
    them when the unit has more than one category."""

    noun: str
    rows: tuple[SummaryRow, ...]


# -- the minutes ---------------------------------------------------------------------------------------------------


def minutes_docx(data: SummaryData) -> bytes:
    """The minutes of the unit's year-end meeting as a .docx (A4, NĐ 30/2020 typography): a template pre-filled with
    the proposed results (see the module's docstring). A year not yet closed carries "BẢN TẠM — …". The same data
    gives the same bytes (dated 31/12 of the year)."""
    groups = _groups(data)
    noun = _nouns(groups)
    document = new_document()
    _heading(document, data, "BB")
    title = "BIÊN BẢN HỌP"
    summary = f"Đánh giá, xếp loại chất lượng {noun} {data.period_label}"
    _title(document, data, title, summary)

    _section(document, "I. THỜI GIAN, ĐỊA ĐIỂM")
    _text(document, "1. Thời gian: bắt đầu lúc …… giờ …… phút, ngày …… tháng …… năm ……")
    _to_fill(document, "2. Địa điểm: ")
    _section(document, "II. THÀNH PHẦN")
    _to_fill(document, "1. Chủ trì: ")
    _to_fill(document, "2. Thư ký: ")
    _text(document, f"3. Tổng số {noun} của {data.unit_name.strip() or 'đơn vị'}: {_people(groups)}.")
    _to_fill(document, "4. Có mặt: …… người; vắng mặt: …… người (lý do: ")
    _to_fill(document, "5. Khách mời (nếu có): ")

    _section(document, "III. NỘI DUNG")
    regimes = "; ".join(_basis(regime) for regime, _ in _regimes(data, groups))
    _text(
        document,
        "1. Chủ trì quán triệt mục đích, yêu cầu của việc đánh giá, xếp loại chất lượng và quy định áp dụng: "
        f"{regimes}.",
    )
    _text(
        document,
        f"2. Từng {noun} trình bày báo cáo kết quả tự đánh giá, xếp loại chất lượng {data.period_label} "
        "(phiếu xếp loại chất lượng năm).",
    )
    _text(document, "3. Ý kiến nhận xét, góp ý của các thành viên dự họp đối với từng người:", keep=True)
    for _ in range(3):
        dotted_line(add_paragraph(document))
    _text(
        document,
        f"4. Kết quả đánh giá, xếp loại chất lượng {noun} {data.period_label} đề nghị cấp có thẩm quyền quyết định:",
        keep=True,
        after=3,
    )
    _people_table(document, groups, "Mức xếp loại đề nghị")
    _small(
        document,
        "Điểm năm: trung bình cộng điểm các kỳ đã chốt trong năm. Mức xếp loại đề nghị: theo điểm năm, các điều kiện "
        "và giới hạn tỷ lệ của chế độ đánh giá áp dụng cho từng người.",
    )
    _text(document, "Tổng hợp số lượng theo mức xếp loại đề nghị:", before=6, keep=True, after=3)
    _count_table(document, data, groups)
    _text(document, "5. Kết quả biểu quyết thông qua kết quả đề nghị xếp loại:", before=6, keep=True)
    _text(document, "– Tán thành: …… / …… người dự họp (đạt …… %);", indent=Mm(5), keep=True)
    _text(document, "– Không tán thành: …… người;", indent=Mm(5), keep=True)
    _to_fill(document, "– Ý kiến khác (ghi rõ người, nội dung): ", indent=Mm(5))
    _section(document, "IV. KẾT LUẬN CỦA CHỦ TRÌ")
    for _ in range(2):
        dotted_line(add_paragraph(document))
    _text(
        document,
        "Cuộc họp kết thúc vào lúc …… giờ …… phút cùng ngày. Biên bản đã được đọc lại cho các thành viên dự họp "
        "nghe và nhất trí thông qua./.",
        before=6,
        first=INDENT,
        keep=True,  # on the page of the signatures
    )
    signature_blocks(document, (("", "THƯ KÝ", SIGN, ""), ("", "CHỦ TRÌ", SIGN, "")), (HALF, HALF))
    _small(document, "Ghi chú: " + LAYOUT_NOTE.format(kind="biên bản họp đánh giá, xếp loại chất lượng"), before=6)
    moment = _moment(data)
    set_core_properties(document, f"{title} {summary[:1].lower()}{summary[1:]}", data.unit_name, moment)
    return packed(document, moment)


# -- the notice ----------------------------------------------------------------------------------------------------


def notice_docx(data: SummaryData) -> bytes:
    """The written notice of the unit's results as a .docx (A4, NĐ 30/2020 typography; see the module's docstring).
    A year not yet closed carries "BẢN TẠM — …". The same data gives the same bytes (dated 31/12 of the year)."""
    groups = _groups(data)
    noun = _nouns(groups)
    unit = data.unit_name.strip() or "Cơ quan, đơn vị"
    document = new_document()
    _heading(document, data, "TB", dated=True)
    title = "THÔNG BÁO"
    summary = f"Kết quả đánh giá, xếp loại chất lượng {noun} {data.period_label}"
    _title(document, data, title, summary)

    for regime, nouns in _regimes(data, groups):
        _text(document, f"Căn cứ {_basis(regime)} (áp dụng đối với {_joined(nouns)});", first=INDENT)
    _text(
        document,
        f"Căn cứ biên bản họp đánh giá, xếp loại chất lượng {noun} {data.period_label} của {unit} ngày …… tháng …… "
        "năm ……;",
        first=INDENT,
    )
    _text(
        document,
        "Căn cứ quyết định xếp loại chất lượng của cấp có thẩm quyền (văn bản số …………, ngày …… tháng …… năm ……),",
        first=INDENT,
    )
    _text(
        document,
        f"{unit} thông báo kết quả đánh giá, xếp loại chất lượng {noun} {data.period_label} như sau:",
        first=INDENT,
        keep=True,
    )
    _text(document, "1. Kết quả đánh giá, xếp loại chất lượng của từng người:", first=INDENT, keep=True, after=3)
    _people_table(document, groups, "Mức xếp loại")
    _text(document, "2. Tổng hợp số lượng theo mức xếp loại:", first=INDENT, before=6, keep=True, after=3)
    _count_table(document, data, groups)
    _text(
        document,
        f"3. Thông báo này được công khai trong {unit}: niêm yết tại trụ sở và đăng trên môi trường điện tử của "
        "đơn vị (nếu có).",
        first=INDENT,
        before=6,
    )
    _text(
        document,
        f"4. {_capital(noun)} không đồng ý với kết quả đánh giá, xếp loại chất lượng của mình có quyền "
        "khiếu nại theo quy định của pháp luật về khiếu nại; đơn gửi về …………………… trước ngày …… tháng …… "
        "năm …… để được xem xét, giải quyết.",
        first=INDENT,
    )
    _text(document, f"{unit} thông báo để các {noun} biết./.", first=INDENT, before=3, keep=True)  # with the head
    _receivers_and_head(document, noun)
    _small(document, "Ghi chú: " + LAYOUT_NOTE.format(kind="thông báo kết quả đánh giá, xếp loại chất lượng"))
    moment = _moment(data)
    set_core_properties(document, f"{title} {summary[:1].lower()}{summary[1:]}", data.unit_name, moment)
    return packed(document, moment)


# -- who the documents are about -----------------------------------------------------------------------------------


def _noun_of(row: SummaryRow, default: Regime) -> str:
    """The category a row's person belongs to, as the documents name it: their category (a code or its name), else
    what their regime is for (NĐ 233: viên chức), else công chức."""
    try:
        code = parse_category(row.category)
    except Refusal:
        code = ""
    if code in NOUNS:
        return NOUNS[code]
    regime_id = row.regime_id or default.id
    return "viên chức" if regime_id == ND233 else "công chức"


def _groups(data: SummaryData) -> list[_Group]:
    """The rows by category, the categories in their usual order, each keeping the summary's order."""
    found: dict[str, list[SummaryRow]] = {}
    for row in data.rows:
        found.setdefault(_noun_of(row, data.regime), []).append(row)
    order = list(NOUNS.values())
    return [_Group(noun, tuple(found[noun])) for noun in order if noun in found]


def _joined(nouns: Sequence[str]) -> str:
    """ "công chức, viên chức", "công chức, viên chức và người lao động"."""
    if len(nouns) > 1 and nouns[-1] == NOUNS["nguoi_lao_dong"]:
        return ", ".join(nouns[:-1]) + " và " + nouns[-1]
    return ", ".join(nouns)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _nouns(groups: Sequence[_Group]) -> str:
    return _joined([group.noun for group in groups]) or "công chức, viên chức"


def _people(groups: Sequence[_Group]) -> str:
    """ "5 người (công chức: 3, viên chức: 2)"."""
    total = sum(len(group.rows) for group in groups)
    if len(groups) < 2:
        return f"{total} người"
    return f"{total} người (" + ", ".join(f"{group.noun}: {len(group.rows)}" for group in groups) + ")"


def _regimes(data: SummaryData, groups: Sequence[_Group]) -> list[tuple[Regime, list[str]]]:
    """The regimes the rows were rated under, in the order first met, each with the categories it applied to (the
    summary's regime when no row names one)."""
    found: dict[str, tuple[Regime, list[str]]] = {}
    for group in groups:
        for row in group.rows:
            if not row.regime_id:
                continue
            if row.regime_id not in found:
                try:
                    found[row.regime_id] = (load_regime(row.regime_id), [])
                except ScoringError:
                    continue
            nouns = found[row.regime_id][1]
            if group.noun not in nouns:
                nouns.append(group.noun)
    if not found:
        return [(data.regime, [group.noun for group in groups])]
    return list(found.values())


def _basis(regime: Regime) -> str:
    """The regime as the grounds name it, from its title: "Nghị định 335/2025/NĐ-CP về đánh giá, xếp loại chất
    lượng công chức" (the title's trailing remark on its periods left out)."""
    head, dash, subject = regime.title.partition(" — ")
    subject = re.sub(r"\s*\([^()]*\)\s*$", "", subject).strip()
    return f"{head.strip()} về {subject}" if dash and subject else regime.title.strip()


# -- the parts -----------------------------------------------------------------------------------------------------


def _moment(data: SummaryData) -> datetime:
    """31/12 of the summary's year (its key's first four digits): the documents' fixed date."""
    year = int(data.period_key[:4]) if data.period_key[:4].isdigit() else 0
    return datetime(year, 12, 31, tzinfo=UTC) if 1980 <= year <= 2107 else EPOCH  # the years a zip entry holds


def _heading(document: DocxDocument, data: SummaryData, kind: str, *, dated: bool = False) -> None:
    """The agency and the Quốc hiệu (forms' header block), then the number "Số: ……/{kind}-……" under the agency
    and, for a document dated when signed, "……, ngày … tháng … năm ……" under the Tiêu ngữ."""
    header_block(document, data.unit_name)
    left, right = document.tables[-1].rows[0].cells
    add_paragraph(left, f"Số: {DOTS}/{kind}-{DOTS}", align=WD_ALIGN_PARAGRAPH.CENTER, before=4)
    if dated:
        add_paragraph(right, UNFILLED_PLACE_DATE, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=4)


def _title(document: DocxDocument, data: SummaryData, kind: str, summary: str) -> None:
    """The kind of document, its summary (both bold, 14 pt), a short rule under them, and "BẢN TẠM" while open."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    add_paragraph(document, kind, bold=True, size=Pt(14), align=center, before=12, keep=True)
    add_paragraph(document, summary, bold=True, size=Pt(14), align=center, keep=True)
    rule = add_paragraph(document, keep=True)
    rule.paragraph_format.line_spacing = Pt(6)  # the rule clear of the summary's descenders
    draw_rule(rule, Mm((210 - 30 - 15 - 40) / 2))  # 4 cm under the summary
    if not data.closed:
        draft = YEAR_DRAFT if data.period_key.isdigit() else PERIOD_DRAFT
        add_paragraph(document, draft, bold=True, italic=True, align=center, before=4)
    document.paragraphs[-1].paragraph_format.space_after = Pt(8)


def _section(document: DocxDocument, text: str) -> None:
    add_paragraph(document, text, bold=True, before=6, after=2, keep=True)


def _text(
    document: DocxDocument,
    text: str,
    *,
    first: Length | None = None,
    indent: Length | None = None,
    before: int = 0,
    after: int = 2,
    keep: bool = False,
) -> Paragraph:
    """A justified paragraph of the body."""
    paragraph = add_paragraph(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=before, after=after, keep=keep)
    if first is not None:
        paragraph.paragraph_format.first_line_indent = first
    if indent is not None:
        paragraph.paragraph_format.left_indent = indent
    return paragraph


def _to_fill(document: DocxDocument, label: str, *, indent: Length | None = None) -> None:
    """A label followed by dots to the right margin."""
    paragraph = add_paragraph(document, label, after=2)
    if indent is not None:
        paragraph.paragraph_format.left_indent = indent
    dotted_line(paragraph)


def _small(document: DocxDocument, text: str, *, before: int = 2) -> None:
    add_paragraph(document, text, italic=True, size=NOTE, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=before)


def _new_table(
    document: DocxDocument, headers: Sequence[str], widths: Sequence[Length], count: int
) -> Iterator[list[_Cell]]:
    """A bordered table of `count` rows under its header row (bold, repeated on every page), centred, with the
    given column widths: the cells of each row in turn. The rows are made at once and walked once (python-docx's
    `table.cell` and `table.add_row` read the whole table at each call: slow for a large unit)."""
    table: Table = document.add_table(rows=1 + count, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    rows = iter(table.rows)
    header = next(rows)
    row_options(header, header=True)
    for cell, width, text in zip(header.cells, widths, headers, strict=True):
        cell.width = width
        fill_cell(cell, text, bold=True, size=HEADER)
    for row in rows:
        row_options(row)
        cells = list(row.cells)
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
        yield cells


def _people_table(document: DocxDocument, groups: Sequence[_Group], level_header: str) -> None:
    """One row per person: STT, name, position (and unit, when the rows are of several units), the year's points,
    the level, the note; under a row naming the category when there are several."""
    several_units = len({row.unit_name.strip() for group in groups for row in group.rows}) > 1
    headers = ["STT", "Họ và tên", "Chức vụ, đơn vị" if several_units else "Chức vụ", "Điểm năm", level_header]
    count = sum(len(group.rows) for group in groups) + (len(groups) if len(groups) > 1 else 0)
    rows = _new_table(document, [*headers, "Ghi chú"], PEOPLE_WIDTHS, count)
    left = WD_ALIGN_PARAGRAPH.LEFT
    number = 0
    for group in groups:
        if len(groups) > 1:
            cells = next(rows)
            merged = cells[0].merge(cells[-1])
            label = f"{_capital(group.noun)} ({len(group.rows)} người)"
            fill_cell(merged, label, bold=True, italic=True, align=left)
            merged.paragraphs[0].paragraph_format.keep_with_next = True
        for row in group.rows:
            number += 1
            cells = next(rows)
            fill_cell(cells[0], str(number))
            fill_cell(cells[1], row.name.strip(), align=left)
            fill_cell(cells[2], row.position.strip(), align=left)
            if several_units and row.unit_name.strip():
                add_paragraph(cells[2], row.unit_name.strip(), italic=True, size=HEADER)
            fill_cell(cells[3], format_points(row.total) if row.total is not None else "")
            fill_cell(cells[4], row.level.strip(), align=left)
            note = row.note.strip() or ("" if row.level.strip() else NO_RESULT_NOTE)
            fill_cell(cells[5], note, italic=bool(note), align=left, size=HEADER)


def _level_keys(data: SummaryData, groups: Sequence[_Group]) -> list[str]:
    """The levels counted, best first: the summary's regime's, then the other regimes' (another regime may name its
    levels otherwise), then any other level the rows carry."""
    keys = [level.display for level in data.regime.levels]
    for regime, _ in _regimes(data, groups):
        keys += [level.display for level in regime.levels if level.display not in keys]
    for group in groups:
        keys += [row.level.strip() for row in group.rows if row.level.strip() and row.level.strip() not in keys]
    return keys


def _count_table(document: DocxDocument, data: SummaryData, groups: Sequence[_Group]) -> None:
    """The number of people at each level (a column per category when there are several, and the total); a row for
    those without a result when there are any; the total."""
    keys = _level_keys(data, groups)
    columns = [_capital(group.noun) for group in groups] if len(groups) > 1 else []
    widths = [COUNT_LABEL, *([COUNT_COLUMN] * len(columns)), COUNT_COLUMN]
    lines = [(key, [sum(1 for row in g.rows if row.level.strip() == key) for g in groups]) for key in keys]
    missing = [sum(1 for row in g.rows if not row.level.strip()) for g in groups]
    if any(missing):
        lines.append((NO_RESULT, missing))
    lines.append(("Tổng số", [len(g.rows) for g in groups]))
    left = WD_ALIGN_PARAGRAPH.LEFT
    rows = _new_table(document, ["Mức xếp loại", *columns, "Tổng số"], widths, len(lines))
    for index, ((label, counts), cells) in enumerate(zip(lines, rows, strict=True)):
        bold = index == len(lines) - 1
        fill_cell(cells[0], label, bold=bold, align=left)
        values = [*counts, sum(counts)] if len(groups) > 1 else [sum(counts)]
        for cell, value in zip(cells[1:], values, strict=True):
            fill_cell(cell, str(value), bold=bold)


def _receivers_and_head(document: DocxDocument, noun: str) -> None:
    """ "Nơi nhận:" (left, 12 pt bold italic; its lines 11 pt) beside the head's signature (right)."""
    table = borderless_table(document, (Mm(75), Mm(90)), rows=1)
    left, right = table.rows[0].cells
    row_options(table.rows[0])
    first = add_paragraph(left, "Nơi nhận:", bold=True, italic=True, size=Pt(12), before=10, keep=True, reuse=True)
    first.paragraph_format.keep_with_next = True
    for line in (
        "- Cấp có thẩm quyền quản lý (để báo cáo);",
        f"- Các {noun} trong đơn vị;",
        "- Đăng trên môi trường điện tử của đơn vị;",
        "- Lưu: VT, hồ sơ đánh giá.",
    ):
        add_paragraph(left, line, size=Pt(11))
    center = WD_ALIGN_PARAGRAPH.CENTER
    add_paragraph(right, HEAD, bold=True, align=center, before=10, keep=True, reuse=True)
    add_paragraph(right, HEAD_SIGN, italic=True, align=center, keep=True)
    for _ in range(4):  # the room to sign and seal
        add_paragraph(right, keep=True)
    add_paragraph(right, DOTS * 3, align=center)
