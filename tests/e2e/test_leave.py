"""End to end: /nghiphep — a leader records the leave of a direct report, HR anyone's (by staff code or from a
unit's people), the leave is listed and can be cancelled; others are refused, forged buttons change nothing, and
hostile input in the typed steps leaves the dialog where it was."""

from __future__ import annotations

import pytest

from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.absence import LeaveView
from tests.conftest import BotWorld

pytestmark = pytest.mark.e2e

HOSTILE_LONG = "x" * 5000


def person(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        found = uow.people.get_by_code(code)
        assert found is not None and found.id is not None
        return found.id


def leaves(world: BotWorld) -> list[LeaveView]:
    from datetime import date

    return world.services.absence.leaves(None, date(2026, 1, 1), date(2027, 12, 31))


async def tap(user: SimUser, message: Message, label: str) -> Message:
    """Press a button and wait for that message to be edited in place."""
    seen = message.seq
    await user.answer_to(user.press(message, label))
    return await user.sandbox.wait_for(lambda: message if message.seq > seen else None, 10, f"the edit after {label!r}")


async def alert(user: SimUser, message: Message, data: str) -> str:
    """Press a forged button; the bot's answer (toast or alert)."""
    return (await user.answer_to(user.press_forged(message, data))).answer_text or ""


async def test_a_leader_records_and_cancels_the_leave_of_a_direct_report(world: BotWorld) -> None:
    hoa = await world.linked_user("TP01", "Hoa")
    panel = await hoa.say("/nghiphep")
    assert "Nghỉ phép" in panel.text and "Chưa có ai đang nghỉ hoặc sắp nghỉ" in panel.text
    assert panel.button_texts() == ["➕ Ghi nhận nghỉ phép"]
    people = await tap(hoa, panel, "➕ Ghi nhận nghỉ phép")
    assert "Ghi nhận nghỉ phép cho ai?" in people.text
    assert people.button_texts() == ["Lê Văn An — CV01", "Phạm Thị Bình — CV02", "Bùi Văn Hải — QT01", "◀ Quay lại"]
    kinds = await tap(hoa, people, "Lê Văn An")
    assert "Lê Văn An (Phòng Tổng hợp) nghỉ loại nào?" in kinds.text
    assert kinds.button_texts() == [
        "Nghỉ phép năm",
        "Nghỉ ốm",
        "Nghỉ thai sản",
        "Đi đào tạo, bồi dưỡng",
        "Nghỉ không hưởng lương",
        "Nghỉ khác",
        "◀ Quay lại",
    ]
    dates = await tap(hoa, kinds, "Đi đào tạo, bồi dưỡng")
    assert "Lê Văn An — Đi đào tạo, bồi dưỡng." in dates.text and "Nghỉ từ ngày nào đến ngày nào?" in dates.text
    assert dates.button_texts() == [
        "Hôm nay 20/11",
        "Ngày mai 21/11",
        "Tuần sau 23/11–27/11",
        "◀ Quay lại",
    ]
    note = await tap(hoa, dates, "Tuần sau")
    assert "Gõ ghi chú nếu cần" in note.text and note.message_id == dates.message_id
    confirm = await hoa.say("Lớp bồi dưỡng ngạch chuyên viên chính, QĐ số 15/QĐ-SNV")
    assert note.deleted
    assert "Ghi nhận nghỉ phép?" in confirm.text and "Lê Văn An (Phòng Tổng hợp)" in confirm.text
    assert "Thời gian: 23/11/2026 – 27/11/2026 (4 ngày làm việc)" in confirm.text
    assert "Ghi chú: Lớp bồi dưỡng ngạch chuyên viên chính, QĐ số 15/QĐ-SNV" in confirm.text
    # Typing again replaces the note; a restart in between loses nothing.
    await world.restart()
    confirm = await hoa.say("QĐ số 15/QĐ-SNV")
    assert "Ghi chú: QĐ số 15/QĐ-SNV" in confirm.text
    listed = await tap(hoa, confirm, "✅ Ghi nhận")
    assert "✅ Đã ghi nhận nghỉ phép cho Lê Văn An: Đi đào tạo, bồi dưỡng, 23/11/2026 – 27/11/2026." in listed.text
    assert "• Lê Văn An — Đi đào tạo, bồi dưỡng: 23/11/2026 – 27/11/2026" in listed.text
    assert [(x.kind, x.note) for x in leaves(world)] == [("training", "QĐ số 15/QĐ-SNV")]
    # A second leave overlapping the first is refused with the dates of the first.
    people = await tap(hoa, listed, "➕ Ghi nhận nghỉ phép")
    kinds = await tap(hoa, people, "Lê Văn An")
    dates = await tap(hoa, kinds, "Nghỉ ốm")
    note = await hoa.say("26/11")
    confirm = await tap(hoa, note, "Không ghi chú")
    assert "Thời gian: 26/11/2026 – 26/11/2026 (1 ngày làm việc)" in confirm.text and "Ghi chú" not in confirm.text
    refused = await hoa.answer_to(hoa.press(confirm, "✅ Ghi nhận"))
    assert "đã có kỳ nghỉ từ 23/11/2026 đến 27/11/2026" in (refused.answer_text or "")
    assert len(leaves(world)) == 1
    # Cancelling, with a confirmation.
    panel = await hoa.say("/nghiphep")
    question = await tap(hoa, panel, "🗑 Hủy: Lê Văn An 23/11–27/11")
    assert "Hủy kỳ nghỉ của Lê Văn An (Đi đào tạo, bồi dưỡng, 23/11/2026 – 27/11/2026)?" in question.text
    kept = await tap(hoa, question, "Giữ lại")
    assert "• Lê Văn An" in kept.text
    question = await tap(hoa, kept, "🗑 Hủy: Lê Văn An")
    done = await tap(hoa, question, "🗑 Hủy kỳ nghỉ này")
    assert "✅ Đã hủy kỳ nghỉ của Lê Văn An (23/11/2026 – 27/11/2026)." in done.text
    assert "Chưa có ai đang nghỉ hoặc sắp nghỉ" in done.text
    assert leaves(world) == []


async def test_hr_records_leave_by_staff_code_or_from_a_units_people(world: BotWorld) -> None:
    giang = await world.linked_user("TC01", "Giang")
    panel = await giang.say("/nghiphep")
    ask = await tap(giang, panel, "➕ Ghi nhận nghỉ phép")
    assert "Gõ mã cán bộ" in ask.text
    assert ask.button_texts() == ["Phòng Công chức (3)", "Phòng Tổng hợp (4)", "Sở Nội vụ (1)", "◀ Quay lại"]
    assert "Không tìm thấy cán bộ mã «XX99»" in (await giang.say("XX99")).text
    kinds = await giang.say("cv03")  # codes are matched without regard to case
    assert "Đỗ Thị Dung (Phòng Công chức) nghỉ loại nào?" in kinds.text
    dates = await tap(giang, kinds, "Nghỉ ốm")
    note = await tap(giang, dates, "Hôm nay 20/11")
    confirm = await giang.say("Giấy ra viện số 12")
    listed = await tap(giang, confirm, "✅ Ghi nhận")
    assert "• Đỗ Thị Dung — Nghỉ ốm: 20/11/2026 – 20/11/2026 (đang nghỉ)" in listed.text
    assert note.deleted
    # From a unit's people as buttons.
    ask = await tap(giang, listed, "➕ Ghi nhận nghỉ phép")
    unit = await tap(giang, ask, "Phòng Tổng hợp (4)")
    assert "Phòng Tổng hợp — chọn người nghỉ:" in unit.text
    assert unit.button_texts() == [
        "Lê Văn An — CV01",
        "Phạm Thị Bình — CV02",
        "Bùi Văn Hải — QT01",
        "Nguyễn Thị Hoa — TP01",
        "◀ Quay lại",
    ]
    kinds = await tap(giang, unit, "Nguyễn Thị Hoa")
    dates = await tap(giang, kinds, "Nghỉ thai sản")
    note = await giang.say("01/12/2026 - 31/05/2027")
    confirm = await tap(giang, note, "Không ghi chú")
    listed = await tap(giang, confirm, "✅ Ghi nhận")
    assert "• Nguyễn Thị Hoa — Nghỉ thai sản: 01/12/2026 – 31/05/2027" in listed.text
    assert listed.button_texts()[1:] == ["🗑 Hủy: Đỗ Thị Dung 20/11–20/11", "🗑 Hủy: Nguyễn Thị Hoa 01/12–31/05"]


async def test_others_are_refused_and_forged_buttons_change_nothing(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    refused = await an.say("/nghiphep")
    assert "Lệnh /nghiphep dành cho lãnh đạo" in refused.text and "/tamdung" in refused.text
    an_id, dung_id = person(world, "CV01"), person(world, "CV03")
    answer = await alert(an, refused, f"v1:lv:ok:{an_id}:0:20261123:20261125")
    assert "Chỉ lãnh đạo và bộ phận Tổ chức cán bộ ghi nhận nghỉ phép được" in answer
    # Cường leads Phòng Công chức: he may not record leave for An (Hoa's report), whatever the button says.
    cuong = await world.linked_user("TP02", "Cường")
    panel = await cuong.say("/nghiphep")
    people = await tap(cuong, panel, "➕ Ghi nhận nghỉ phép")
    assert people.button_texts() == ["Đỗ Thị Dung — CV03", "Vũ Thị Giang — TC01", "◀ Quay lại"]
    assert "không ghi nhận nghỉ phép cho người này được" in await alert(cuong, people, f"v1:lv:p:{an_id}")
    forged = f"v1:lv:ok:{an_id}:0:20261123:20261125"
    assert "không ghi nhận nghỉ phép cho người này được" in await alert(cuong, people, forged)
    assert "Nút này không còn hiệu lực" in await alert(cuong, people, f"v1:lv:ok:{dung_id}:9:20261123:20261125")
    assert "Nút này không còn hiệu lực" in await alert(cuong, people, f"v1:lv:ok:{dung_id}:0:20261131:20261125")
    assert "Nút này không còn hiệu lực" in await alert(cuong, people, "v1:lv:x:99999999999999999999999")
    assert leaves(world) == []


async def test_hostile_input_in_the_typed_steps_keeps_the_dialog_where_it_was(world: BotWorld) -> None:
    hoa = await world.linked_user("TP01", "Hoa")
    panel = await hoa.say("/nghiphep")
    people = await tap(hoa, panel, "➕ Ghi nhận nghỉ phép")
    kinds = await tap(hoa, people, "Phạm Thị Bình")
    await tap(hoa, kinds, "Nghỉ phép năm")
    assert "quá giới hạn 2000 ký tự" in (await hoa.say(HOSTILE_LONG)).text
    assert "«mai» chưa đúng dạng khoảng ngày" in (await hoa.say("mai")).text
    assert "Ngày «31/02» không có trên lịch" in (await hoa.say("31/02")).text
    assert "Ngày «30/02» không có trên lịch" in (await hoa.say("25/02 - 30/02")).text
    assert "Ngày kết thúc phải sau ngày bắt đầu" in (await hoa.say("27/11/2026 - 23/11/2026")).text
    assert "tối đa 366 ngày nghỉ" in (await hoa.say("01/12/2026 - 31/12/2027")).text
    hoa.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await hoa.next_message()).text
    assert "Không có lệnh /abc" in (await hoa.say("/abc")).text
    # The step still waits: a good range moves on to the note, where the same protections hold.
    note = await hoa.say("30/11 - 02/12")
    assert "Phạm Thị Bình — Nghỉ phép năm, 30/11/2026 – 02/12/2026" in note.text
    assert "Ghi chú dài 300 ký tự; tối đa 255 ký tự" in (await hoa.say("y" * 300)).text
    # /huy goes back to the list; nothing was recorded.
    assert "Đã thôi bước đang làm" in (await hoa.say("/huy")).text
    back = await hoa.next_message()
    assert "Chưa có ai đang nghỉ hoặc sắp nghỉ" in back.text
    assert leaves(world) == []
    # HR's staff-code step: an over-long code and a sticker are refused too.
    giang = await world.linked_user("TC01", "Giang")
    await tap(giang, await giang.say("/nghiphep"), "➕ Ghi nhận nghỉ phép")
    assert "Không tìm thấy cán bộ mã" in (await giang.say("z" * 1500)).text
    giang.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await giang.next_message()).text
