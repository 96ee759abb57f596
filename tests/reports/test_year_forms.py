"""The yearly form as a Word document: NĐ 233/2026 Phụ lục II "Phiếu xếp loại chất lượng viên chức" for a viên chức
and the same layout worded for a công chức (NĐ 335, whose own yearly form was not found) and for a local regime. Each
is opened with python-docx and read back (header, title, year, the person's fields, the number of months, the
year's points, the four self-rating boxes left empty, the competent level's box ticked with the quota's note, the
lines to fill, the signatures, the provisional line), its page checked (A4, NĐ 30/2020 margins, Times New Roman 13),
and two builds compared byte for byte. One test prints the forms through LibreOffice: one A4 page each, and PNGs under
test-artifacts/forms/ to look at."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from danhgia.reports.forms import year_form_docx
from danhgia.scoring import load_regime
from danhgia.workflow.report_data import YearFormData
from tests.reports import built_twice, print_docx

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "forms"
LEVELS = ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ"]
DEMOTED = "hạ mức do giới hạn tỷ lệ (xếp loại năm)"
EMPTY, TICKED = "\u2002\u2002 ", "\u2009×\u2009 "  # what a box reads as: two en spaces, or × between thin spaces


def _year(regime_id: str, **changes: object) -> YearFormData:
    base = YearFormData(
        regime=load_regime(regime_id),
        person_name="Phạm Thu Trang",
        staff_code="GV07",
        position="Giáo viên",
        unit_name="Trường Tiểu học Kim Liên",
        category="Viên chức",
        year=2026,
        months=6,
        general_points=D("28.5"),
        general_max=D(30),
        task_points=D("65.33"),
        task_max=D(70),
        total=D("93.83"),
        max_total=D(100),
        level="Hoàn thành tốt nhiệm vụ",
        note=DEMOTED,
        explanation=(),
        final=True,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def nd233() -> YearFormData:
    return _year("nd233-2026")


def nd335() -> YearFormData:
    return _year(
        "nd335-2025",
        person_name="Nguyễn Thị Hương",
        staff_code="CV01",
        position="Chuyên viên",
        unit_name="Phòng Tổng hợp",
        category="Công chức",
        months=12,
        general_points=D("27"),
        task_points=D("58.1"),
        total=D("85.1"),
        level="Hoàn thành tốt nhiệm vụ",
        note="",
        final=False,
    )


def hanoi() -> YearFormData:
    return _year(
        "hanoi-1841-2021",
        person_name="Đỗ Minh Quân",
        position="Chuyên viên",
        unit_name="Văn phòng HĐND và UBND phường Ba Đình",
        category="Công chức",
        months=11,
        general_points=D("19.5"),
        general_max=D(20),
        task_points=D("71.25"),
        task_max=D(80),
        total=D("90.75"),
        level="Hoàn thành xuất sắc nhiệm vụ (Loại A)",
        note="",
    )


def nd233_longest() -> YearFormData:
    """A long viên chức's form that still holds on one page: provisional, a long name, a position on two lines, the
    agency on three, a two-part note."""
    return _year(
        "nd233-2026",
        person_name="Tôn Nữ Hoàng Phương Thảo Nguyên",
        position="Phó Trưởng khoa Hồi sức tích cực – Chống độc kiêm Điều dưỡng trưởng khoa",
        unit_name="Trung tâm Kiểm soát bệnh tật tỉnh Thừa Thiên Huế – Khoa Dinh dưỡng",
        note="hai năm liên tiếp không hoàn thành nhiệm vụ: cấp có thẩm quyền xem xét; " + DEMOTED,
        final=False,
    )


def nd233_overlong() -> YearFormData:
    """Longer still (the agency on four lines, twice in the fields on two): the last note goes to a second page."""
    unit = "Trung tâm Kiểm soát bệnh tật tỉnh Thừa Thiên Huế – Khoa Phòng, chống bệnh không lây nhiễm"
    return dataclasses.replace(nd233_longest(), unit_name=unit)


FORMS = {"nam-nd233": nd233, "nam-nd335": nd335, "nam-hanoi-1841": hanoi, "nam-nd233-dai": nd233_longest}


def _open(data: YearFormData) -> DocxDocument:
    return docx.Document(io.BytesIO(year_form_docx(data)))


def _paragraphs(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def _table(document: DocxDocument, index: int) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[index].rows]


def _boxes(ticked: str = "") -> list[str]:
    """The four levels after their boxes, as python-docx reads them; `ticked`'s box holds the ×."""
    return [(TICKED if level == ticked else EMPTY) + level for level in LEVELS]


def _after(text: list[str], heading: str, count: int) -> list[str]:
    start = next(i for i, line in enumerate(text) if line.startswith(heading))
    return text[start + 1 : start + 1 + count]


# -- NĐ 233 Phụ lục II ---------------------------------------------------------------------------------------------


def test_nd233_form_has_the_header_the_appendix_the_title_the_year_and_the_persons_fields() -> None:
    document = _open(nd233())
    header = _table(document, 0)[0]
    assert header[0].startswith("TRƯỜNG TIỂU HỌC KIM LIÊN")
    assert header[1].split("\n")[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    text = _paragraphs(document)
    title = text.index("PHIẾU XẾP LOẠI CHẤT LƯỢNG VIÊN CHỨC")
    assert text[title - 2 : title] == [
        "Phụ lục II",
        "(Kèm theo Nghị định số 233/2026/NĐ-CP ngày 26 tháng 6 năm 2026 của Chính phủ)",
    ]
    assert text[title + 1] == "Năm 2026"  # a closed year: no provisional line
    assert not any("BẢN TẠM" in line for line in text)
    assert text[title + 2 : title + 5] == [
        "Họ và tên: Phạm Thu Trang",
        "Chức vụ, chức danh: Giáo viên",
        "Đơn vị công tác: Trường Tiểu học Kim Liên",
    ]


def test_nd233_section_i_shows_the_months_the_two_parts_and_the_total() -> None:
    text = _paragraphs(_open(nd233()))
    assert _after(text, "I. TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ", 4) == [
        "Số tháng được theo dõi, đánh giá trong năm: 6",
        "1. Kết quả theo dõi, đánh giá theo tiêu chí chung (tối đa 30 điểm): 28,5 điểm.",
        "2. Kết quả theo dõi, đánh giá theo tiêu chí kết quả thực hiện nhiệm vụ (tối đa 70 điểm): 65,33 điểm.",
        "3. Tổng điểm theo dõi, đánh giá cả năm (tối đa 100 điểm): 93,83 điểm.",
    ]


def test_nd233_self_rating_boxes_are_left_empty_and_the_competent_levels_box_is_ticked() -> None:
    document = _open(nd233())
    text = _paragraphs(document)
    assert _after(text, "II. VIÊN CHỨC TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG", 4) == _boxes()  # the person ticks
    heading = "III. KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG VIÊN CHỨC CỦA CẤP CÓ THẨM QUYỀN"
    assert _after(text, heading, 5) == [
        *_boxes("Hoàn thành tốt nhiệm vụ"),
        "Ghi chú: hạ mức do giới hạn tỷ lệ (xếp loại năm).",
    ]
    lines = [p for p in document.paragraphs if p.text.startswith((EMPTY, TICKED))]
    assert len(lines) == 8
    for line in lines:  # a border all round the first run: the box
        border = line.runs[0]._r.find(qn("w:rPr")).find(qn("w:bdr"))
        assert border is not None and border.get(qn("w:val")) == "single"
        assert line.runs[0].text in (EMPTY.strip(" "), TICKED.strip(" ")) and line.runs[1].text.startswith(" ")
    bold = [[run.bold for run in line.runs] for line in lines]
    assert bold == [[None, None]] * 5 + [[True, True]] + [[None, None]] * 2  # the × and its level's name


def test_nd233_section_iv_has_lines_to_fill_and_the_article_16_footnote() -> None:
    document = _open(nd233())
    text = _paragraphs(document)
    heading = "IV. Ý KIẾN NHẬN XÉT CỦA CẤP CÓ THẨM QUYỀN VÀ ĐỀ XUẤT PHƯƠNG ÁN XỬ LÝ1"
    assert _after(text, heading, 3) == ["\t"] * 3  # dotted lines to the margin
    mark = next(p for p in document.paragraphs if p.text == heading).runs[-1]
    assert mark.text == "1" and mark.font.superscript
    assert "1 Việc đề xuất phương án xử lý căn cứ quy định tại Điều 16 Nghị định này." in text
    assert any(line.startswith("Ghi chú: Mục I: trung bình cộng điểm các tháng") for line in text)


def test_nd233_signatures_are_the_viên_chức_self_rating_and_the_competent_level() -> None:
    rows = _table(_open(nd233()), 1)
    assert rows[0] == ["……, ngày … tháng … năm ……", "Ngày … tháng … năm ……"]  # signed on paper
    assert rows[1] == [
        "VIÊN CHỨC TỰ XẾP LOẠI\n(Ký tên, ghi rõ họ tên)",
        "CẤP CÓ THẨM QUYỀN XẾP LOẠI\n(Ký tên, ghi rõ họ tên)",
    ]
    assert rows[3] == ["Phạm Thu Trang", ""]


# -- công chức and other regimes -----------------------------------------------------------------------------------


def test_nd335_form_is_the_same_layout_for_a_công_chức_marked_provisional() -> None:
    document = _open(nd335())
    text = _paragraphs(document)
    title = text.index("PHIẾU XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC")
    assert text[title + 1 : title + 3] == ["BẢN TẠM — kết quả năm chưa chốt", "Năm 2026"]
    assert not any(line == "Phụ lục II" or line.startswith("(Kèm theo") for line in text)
    assert not any(line.startswith("Mẫu số") for line in text)  # NĐ 335's yearly form: not found (forms.md §2)
    assert "Số tháng được theo dõi, đánh giá trong năm: 12" in text
    assert "3. Tổng điểm theo dõi, đánh giá cả năm (tối đa 100 điểm): 85,1 điểm." in text
    assert _after(text, "II. CÔNG CHỨC TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG", 4) == _boxes()
    rated = _after(text, "III. KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC CỦA CẤP CÓ THẨM QUYỀN", 5)
    assert rated[:4] == _boxes("Hoàn thành tốt nhiệm vụ") and not rated[4].startswith("Ghi chú")  # no note
    heading = "IV. Ý KIẾN NHẬN XÉT CỦA CẤP CÓ THẨM QUYỀN VÀ ĐỀ XUẤT PHƯƠNG ÁN XỬ LÝ"
    assert heading in text and not any("Điều 16" in line for line in text)  # NĐ 233's own footnote
    assert any("Nghị định số 335/2025/NĐ-CP" in line and "thay «viên chức» bằng «công chức»" in line for line in text)
    assert _table(document, 1)[1][0] == "CÔNG CHỨC TỰ XẾP LOẠI\n(Ký tên, ghi rõ họ tên)"


def test_a_local_regime_ticks_its_own_levels_and_its_own_maxima() -> None:
    text = _paragraphs(_open(hanoi()))
    assert "1. Kết quả theo dõi, đánh giá theo tiêu chí chung (tối đa 20 điểm): 19,5 điểm." in text
    assert (
        "2. Kết quả theo dõi, đánh giá theo tiêu chí kết quả thực hiện nhiệm vụ (tối đa 80 điểm): 71,25 điểm." in text
    )
    rated = _after(text, "III. KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC", 4)
    assert rated[0] == TICKED + "Hoàn thành xuất sắc nhiệm vụ (Loại A)"
    assert rated[3] == EMPTY + "Không hoàn thành nhiệm vụ (Loại D)"
    assert any("«Hà Nội 1841/2021»" in line and "Phụ lục II" in line for line in text)


def test_a_year_without_points_or_level_leaves_dots_and_no_box_ticked() -> None:
    data = dataclasses.replace(
        nd233(),
        months=0,
        general_points=None,
        task_points=None,
        total=None,
        level="",
        note="không xếp loại",
        position="",
        final=False,
    )
    text = _paragraphs(_open(data))
    assert "BẢN TẠM — kết quả năm chưa chốt" in text
    assert "Số tháng được theo dõi, đánh giá trong năm: 0" in text
    assert "1. Kết quả theo dõi, đánh giá theo tiêu chí chung (tối đa 30 điểm): …… điểm." in text
    assert "3. Tổng điểm theo dõi, đánh giá cả năm (tối đa 100 điểm): …… điểm." in text
    assert "Chức vụ, chức danh: \t" in text
    assert not any("×" in line for line in text)
    assert "Ghi chú: không xếp loại." in text


def test_a_quarterly_regime_counts_quarters() -> None:
    data = _year("qd366-2025", months=4, category="Công chức", level="", note="")
    assert "Số quý được theo dõi, đánh giá trong năm: 4" in _paragraphs(_open(data))


# -- page, font, reproducibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_year_form_is_a4_with_nd30_margins_in_times_new_roman_13(name: str) -> None:
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
    assert fonts <= {None}  # every run, the boxes too, inherits Times New Roman
    assert section.different_first_page_header_footer


@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_same_year_data_gives_the_same_bytes_dated_31_december(name: str) -> None:
    first, second = built_twice(lambda: year_form_docx(FORMS[name]()))
    assert second == first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        stamps = {info.date_time for info in package.infolist()}
        assert "docProps/thumbnail.jpeg" not in package.namelist()
    assert stamps == {(2026, 12, 31, 0, 0, 0)}
    properties = docx.Document(io.BytesIO(first)).core_properties
    assert properties.created == properties.modified == properties.last_printed
    assert properties.created is not None and properties.created.replace(tzinfo=None) == datetime(2026, 12, 31)
    assert properties.title.startswith("PHIẾU XẾP LOẠI CHẤT LƯỢNG") and properties.subject == "Năm 2026"


def test_a_different_level_gives_different_bytes() -> None:
    assert year_form_docx(nd233()) != year_form_docx(dataclasses.replace(nd233(), level=LEVELS[0], note=""))


# -- printed -------------------------------------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_each_year_form_prints_on_one_a4_page(tmp_path: Path) -> None:
    """LibreOffice turns every yearly form into a PDF of one A4 page; the pages are kept as PNGs to look at."""
    print_docx(tmp_path, {name: year_form_docx(make()) for name, make in FORMS.items()})
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
        assert used <= {"TimesNewRomanPSMT", "TimesNewRoman", "LiberationSerif"}, fonts  # the boxes too
        printed = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert "PHIẾU XẾP LOẠI CHẤT LƯỢNG" in printed and "Độc lập - Tự do - Hạnh phúc" in printed
        assert printed.count("×") == 1 and "(Ký tên, ghi rõ họ tên)" in printed  # the competent level's tick
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True)
    assert pages == dict.fromkeys(FORMS, 1)


@pytest.mark.timeout(300)
def test_an_overlong_form_goes_on_to_a_second_page_without_splitting_a_signature_block(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the printed form cannot be checked")
    if not all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext")):
        pytest.skip("poppler-utils (pdfinfo, pdftotext) are missing: the print cannot be checked")
    path = tmp_path / "overlong.docx"
    path.write_bytes(year_form_docx(nd233_overlong()))
    profile = (tmp_path / "profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir"]
    subprocess.run([*command, str(tmp_path), str(path)], check=True, capture_output=True)
    pdf = str(tmp_path / "overlong.pdf")
    info = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    assert count <= 2
    pages = [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), pdf, "-"], check=True, capture_output=True, text=True
        ).stdout.replace("\n", " ")
        for n in range(1, count + 1)
    ]
    signed = [page for page in pages if "VIÊN CHỨC TỰ XẾP LOẠI" in page]
    assert len(signed) == 1 and "Tôn Nữ Hoàng Phương Thảo Nguyên" in signed[0]  # the role and the name together
    assert "CẤP CÓ THẨM QUYỀN XẾP LOẠI" in signed[0]
