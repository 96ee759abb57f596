"""End to end: /baocao — HR picks a unit, a period and a report and receives the unit's summary (Excel) or its level
chart (a picture); a leader sees only the units they lead, staff get nothing; from /ketqua a person receives their
own monitoring form (Word) and their trend, and nobody else's."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from danhgia.handlers.reports.callbacks import Progress
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from tests.conftest import BotWorld
from tests.e2e.test_periods import approve, open_period, person, said, settle, submit
from tests.e2e.test_results import close

pytestmark = pytest.mark.e2e


async def file_after(world: BotWorld, user: SimUser, after: int, kind: str = "document") -> tuple[Message, bytes]:
    """The next file the bot sends this person (a document or a photo), and its bytes."""

    def found() -> Message | None:
        sent = [m for m in user.bot_messages() if m.seq > after and m.document and m.document["kind"] == kind]
        return sent[0] if sent else None

    message = await world.sandbox.wait_for(found, 20, f"a {kind} for {user.user.display_name}")
    assert message.document is not None
    return message, world.sandbox.files[message.document["file_id"]].data


async def test_hr_gets_the_summary_and_the_chart_and_each_person_their_own_form(world: BotWorld) -> None:
    open_period(world)
    approve(world, "TP01", submit(world, "CV01"))  # 100 points, lowered to HTT by the quota
    approve(world, "TP01", submit(world, "CV02", good=True))  # 80 points
    close(world)
    giang, an = await world.linked_user("TC01", "Giang"), await world.linked_user("CV01", "An")
    await settle(world)
    units = await said(giang, "/baocao", "Chọn đơn vị")
    periods = await giang.tap(units, "Phòng Tổng hợp")
    assert "Chọn kỳ đánh giá" in (periods.text or "")
    assert periods.button_texts() == ["11/2026", "Quý IV/2026", "Năm 2026"]  # the period, its quarter, its year
    kinds = await giang.tap(periods, "11/2026")
    start = max(m.seq for m in giang.bot_messages())
    await giang.tap(kinds, "Bảng tổng hợp")
    message, content = await file_after(world, giang, start)
    assert message.document is not None and message.document["file_name"] == "tonghop-TH-2026-11.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Lê Văn An" in cells and "Phạm Thị Bình" in cells and "Hạ mức do giới hạn tỷ lệ" in cells
    start = max(m.seq for m in giang.bot_messages())
    await giang.tap(kinds, "Biểu đồ xếp loại")
    _, png = await file_after(world, giang, start, "photo")
    assert png.startswith(b"\x89PNG")
    # The person's own form, from /ketqua; the same record is nobody else's to fetch.
    mine = await said(an, "/ketqua", "Kết quả đánh giá kỳ")
    form_data = mine.button("Phiếu đánh giá")["callback_data"]
    start = max(m.seq for m in an.bot_messages())
    await an.tap(mine, "Phiếu đánh giá")
    message, content = await file_after(world, an, start)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "Lê Văn An" in text and "PHIẾU THEO DÕI, ĐÁNH GIÁ" in text
    # Her yearly form, from the year's summary (provisional while the year runs).
    year = await an.tap(mine, "Cả năm 2026")
    start = max(m.seq for m in an.bot_messages())
    await an.tap(year, "Phiếu xếp loại năm")
    message, content = await file_after(world, an, start)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "PHIẾU XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC" in text and "Năm 2026" in text and "BẢN TẠM" in text
    binh = await world.linked_user("CV02", "Bình")
    theirs = await said(binh, "/ketqua", "Kết quả đánh giá kỳ")
    start = max(m.seq for m in binh.bot_messages())
    query = binh.press_forged(theirs, form_data)
    answered = await binh.answer_to(query)
    assert "Không tìm thấy" in (answered.answer_text or "")
    assert not [m for m in binh.bot_messages() if m.seq > start and m.document]


async def test_a_leader_reports_on_their_units_only_and_staff_on_none(world: BotWorld) -> None:
    open_period(world)
    hoa, an = await world.linked_user("TP01", "Hoa"), await world.linked_user("CV01", "An")
    periods = await said(hoa, "/baocao", "Chọn kỳ đánh giá")  # one unit: straight to its periods
    assert "Phòng Tổng hợp" in (periods.text or "")
    forged = periods.button("11/2026")["callback_data"].replace(
        f":{unit_id(world, 'TH')}:", f":{unit_id(world, 'CC')}:"
    )
    query = hoa.press_forged(periods, forged)
    answered = await hoa.answer_to(query)
    assert "đơn vị mình phụ trách" in (answered.answer_text or "")
    # HR's progress picture of the open period (the button of /kydanhgia's unit panel).
    giang = await world.linked_user("TC01", "Giang")
    await settle(world)
    units = await said(giang, "/baocao", "Chọn đơn vị")
    start = max(m.seq for m in giang.bot_messages())
    giang.press_forged(units, Progress(unit_id(world, "TH"), "2026-11").pack())
    _, png = await file_after(world, giang, start, "photo")
    assert png.startswith(b"\x89PNG")
    refused = await said(an, "/baocao", "đơn vị mình phụ trách")
    assert "Bạn chỉ xem được báo cáo của đơn vị mình phụ trách." in (refused.text or "")
    assert person(world, "CV01")


async def test_hr_prints_anyones_form_the_quarter_and_the_year_end_file(world: BotWorld) -> None:
    """HR picks a person's form from the unit's list, the quarter's summary (each month's points) and the year-end
    file (a zip of the yearly forms, the summary, the minutes and the notice); a leader of another unit cannot."""
    open_period(world)
    approve(world, "TP01", submit(world, "CV01"))
    approve(world, "TP01", submit(world, "CV02", good=True))
    close(world)
    giang = await world.linked_user("TC01", "Giang")
    await settle(world)
    units = await said(giang, "/baocao", "Chọn đơn vị")
    periods = await giang.tap(units, "Phòng Tổng hợp")
    kinds = await giang.tap(periods, "11/2026")
    people = await giang.tap(kinds, "Phiếu đánh giá của từng người")
    assert "trang 1/1" in (people.text or "") and "Lê Văn An" in people.button_texts()
    start = max(m.seq for m in giang.bot_messages())
    await giang.tap(people, "Lê Văn An")
    message, content = await file_after(world, giang, start)
    assert "Phiếu theo dõi, đánh giá của Lê Văn An" in _said_since(giang, start)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "Họ và tên: Lê Văn An" in text
    kinds = await giang.tap(people, "Các loại báo cáo")  # one panel, edited in place: back to the periods
    periods = await giang.tap(kinds, "Chọn kỳ khác")
    quarter = await giang.tap(periods, "Quý IV/2026")
    assert "Phiếu đánh giá của từng người" not in quarter.button_texts()  # a quarter has no form of its own here
    start = max(m.seq for m in giang.bot_messages())
    await giang.tap(quarter, "Bảng tổng hợp")
    message, content = await file_after(world, giang, start)
    assert message.document is not None and message.document["file_name"] == "tonghop-TH-2026-Q4.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Điểm tháng 11/2026" in cells and "Điểm bình quân quý" in cells and "Lê Văn An" in cells
    periods = await giang.tap(quarter, "Chọn kỳ khác")
    year = await giang.tap(periods, "Năm 2026")
    start = max(m.seq for m in giang.bot_messages())
    await giang.tap(year, "Hồ sơ cuối năm")
    message, content = await file_after(world, giang, start)
    assert message.document is not None and message.document["file_name"] == "ho-so-TH-2026.zip"
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "TH-2026/bien-ban-hop.docx" in names and "TH-2026/thong-bao-ket-qua.docx" in names
    assert any(name.startswith("TH-2026/phieu/") for name in names)
    assert "Bản tạm" in _said_since(giang, start)  # the year is not over
    year_people = await giang.tap(year, "Phiếu xếp loại năm của từng người")
    start = max(m.seq for m in giang.bot_messages())
    await giang.tap(year_people, "Lê Văn An")
    message, content = await file_after(world, giang, start)
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "PHIẾU XẾP LOẠI CHẤT LƯỢNG" in text and "Lê Văn An" in _all_text(content)
    # A leader of another unit forging the year's person button gets nothing.
    cuong = await world.linked_user("TP02", "Cường")
    mine = await said(cuong, "/baocao", "Chọn kỳ đánh giá")
    start = max(m.seq for m in cuong.bot_messages())
    answered = await cuong.answer_to(cuong.press_forged(mine, year_people.button("Lê Văn An")["callback_data"]))
    assert "Không tìm thấy" in (answered.answer_text or "")
    assert not [m for m in cuong.bot_messages() if m.seq > start and m.document]


def _said_since(user: SimUser, after: int) -> str:
    """What the bot wrote this person after message `after` (texts and captions)."""
    return "\n".join(m.text or m.caption or "" for m in user.bot_messages() if m.seq > after)


def _all_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def unit_id(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        unit = uow.units.get_by_code(code)
        assert unit is not None and unit.id is not None
        return unit.id
