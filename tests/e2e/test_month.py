"""End to end: November 2026 in Phòng Tổng hợp, lived through the bot's UI only.

The unit: the higher leader Minh (GD01), the direct leader Hoa (TP01), the staff An (CV01), Bình (CV02) and
Hải (QT01); Giang (TC01) from HR opens and closes the period. The month:

- Weeks 1–4  Everyone plans tasks with /tuannay and checks in on Fridays with /baocaotuan; on the first Monday
             Giang opens November for the unit with /kydanhgia and the four people of the unit are told. Bình's
             task has a quality problem; An's quarterly report slips past its due date and is recorded late.
- Mon 30/11  Hải, Bình and An (who claims an objective cause for his late report) self-assess with /tudanhgia
             and submit; a review card reaches Hoa for each.
- Tue 01/12  Hoa returns Bình's with a reason (the bot restarts while she types it); Bình adds a note and
             resubmits. Hoa adjusts Hải's on his card with a reason. Bình tries to approve An's with a forged
             button. Hoa approves the rest in bulk from /duyet. Hoa self-assesses; her card goes to Minh, who
             approves it.
- Wed 02/12  Giang closes November: NĐ 335 allows «xuất sắc» for at most 20 % of those rated «tốt» in the same
             unit and group, so An, the only excellent one of three staff, is lowered. Each person gets their
             final result and reads it with /ketqua — their own, nobody else's; in the unit's group chat
             /ketqua shows no score; forged /ketqua buttons show Bình nothing of An's.

Each kind of typed step meets hostile input on the way — a task's title, due date and weight; a criterion's
points and note; an objective cause; a leader percentage; a return reason; an adjustment's points and reason:
free text where a number is expected, a 5000-character message, a sticker, an unknown command, 31/02 as a date,
/huy. Only commands, typed text and buttons drive the bot; `world.services` only moves the clock (the `world`
fixture imports the roster) and, at the end, reads the audit log and the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.clock import ManualClock
from tests.conftest import VN, BotWorld
from tests.e2e.test_results import OWN

pytestmark = pytest.mark.e2e

EXCELLENT, GOOD = "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ"
LONG_MESSAGE = "x" * 5000
TOO_LONG = "Tin nhắn dài 5000 ký tự, quá giới hạn 2000 ký tự"
TEXT_ONLY = "Bước này đang chờ bạn gõ câu trả lời bằng chữ"
CANCELLED = "Đã thôi bước đang làm. Những gì bạn đã lưu vẫn được giữ nguyên."
AN_CAUSE = "Chờ số liệu quyết toán của Sở Tài chính"
BINH_NOTE = "Tháng này chưa có sáng kiến được công nhận; tự chấm 5 điểm"
RETURN_REASON = "Bổ sung minh chứng cho điểm tự chấm tiêu chí đổi mới sáng tạo"
ADJUST_REASON = "Chưa phối hợp tốt khi nâng cấp máy chủ; chưa có sáng kiến trong tháng"
NAMES = {
    "GD01": "Trần Văn Minh",
    "TP01": "Nguyễn Thị Hoa",
    "CV01": "Lê Văn An",
    "CV02": "Phạm Thị Bình",
    "QT01": "Bùi Văn Hải",
    "TC01": "Vũ Thị Giang",
}


@pytest.fixture
def clock() -> ManualClock:
    """The month starts on Monday 02/11/2026 at 08:00 in Hà Nội."""
    return ManualClock(datetime(2026, 11, 2, 8, 0, tzinfo=VN))


@dataclass
class Unit:
    """The people of the scenario, each with their own private chat."""

    minh: SimUser
    hoa: SimUser
    an: SimUser
    binh: SimUser
    hai: SimUser
    giang: SimUser

    def staff(self) -> dict[str, SimUser]:
        """Everyone of Phòng Tổng hợp, by staff code."""
        return {"TP01": self.hoa, "CV01": self.an, "CV02": self.binh, "QT01": self.hai}


# -- acting and looking ----------------------------------------------------------------------------------------------


def at(world: BotWorld, when: str) -> None:
    """Move the clock forward to "dd/mm hh:mm" (2026, Hà Nội time)."""
    moment = datetime.strptime(f"{when} 2026", "%d/%m %H:%M %Y").replace(tzinfo=VN)
    world.services.clock.set(moment)  # type: ignore[attr-defined]


def mark(world: BotWorld) -> int:
    """A point in the sandbox's history: anything sent or edited later has a higher sequence number."""
    return max((m.seq for chat in world.sandbox.chats.values() for m in chat.messages), default=0)


async def tap(user: SimUser, message: Message, label: str) -> Message:
    """Press a button, wait until the bot answers the press and edits that very message in place (notices to
    other people, or to the same person, may arrive meanwhile), and return it."""
    before = message.seq
    await user.answer_to(user.press(message, label))
    return await user.sandbox.wait_for(
        lambda: message if message.seq > before else None, 10, f"the panel after pressing {label!r}"
    )


async def seen(user: SimUser, fragment: str, after: int = 0) -> Message:
    """The first bot message of the person's private chat, sent or edited after `after`, containing `fragment`."""

    def found() -> Message | None:
        return next((m for m in user.bot_messages() if m.seq > after and fragment in (m.text or "")), None)

    return await user.sandbox.wait_for(found, 10, f"{fragment!r} in {user.user.display_name}'s chat")


async def say(user: SimUser, text: str, expect: str) -> Message:
    """Type a message; return the bot's answer to it (the first message after it that contains `expect`)."""
    return await seen(user, expect, user.send(text).seq)


async def sticker(user: SimUser) -> None:
    """A sticker where text is expected: the bot asks for text and keeps waiting."""
    await seen(user, TEXT_ONLY, user.send_sticker().seq)


async def changes(world: BotWorld, message: Message, fragment: str) -> Message:
    """Wait until a message (a card) is edited in place to contain `fragment`."""
    return await world.sandbox.wait_for(
        lambda: message if fragment in (message.text or "") else None, 10, f"an edit showing {fragment!r}"
    )


async def forge(user: SimUser, message: Message, data: str) -> str:
    """Send callback data that no button of the message carries (a tampered client); return the bot's answer."""
    answered = await user.answer_to(user.press_forged(message, data))
    return answered.answer_text or ""


def data_of(message: Message, label: str) -> str:
    """The callback data behind a button."""
    return str(message.button(label)["callback_data"])


def record_of(card: Message) -> str:
    """The assessment a review card is about, as its buttons name it."""
    return data_of(card, "📄 Chi tiết").split(":")[-1]


def leaks(code: str, text: str) -> list[str]:
    """Names and staff codes of the others of the unit that appear in a text meant for `code` alone."""
    return [f for other, name in NAMES.items() if other != code for f in (other, name) if f in text]


def audit_trail(world: BotWorld, record: str) -> list[tuple[str, str | None, str | None]]:
    """(action, actor's staff code, reason) of every change of an assessment, oldest first."""
    with world.services.db.uow() as uow:
        codes = {p.id: p.staff_code for p in uow.people.all()}
        return [(e.action, codes.get(e.actor_person_id), e.reason) for e in uow.audit.entries("assessment", record)]


# -- the month, phase by phase ---------------------------------------------------------------------------------------


async def link_everyone(world: BotWorld) -> Unit:
    """Each person opens their invite link on the first morning."""
    return Unit(
        minh=await world.linked_user("GD01", "Minh"),
        hoa=await world.linked_user("TP01", "Hoa"),
        an=await world.linked_user("CV01", "An"),
        binh=await world.linked_user("CV02", "Bình"),
        hai=await world.linked_user("QT01", "Hải"),
        giang=await world.linked_user("TC01", "Giang"),
    )


async def giang_opens_november(world: BotWorld, u: Unit) -> None:
    """HR opens November for Phòng Tổng hợp on one panel; the four people of the unit are told, nobody else."""
    at(world, "02/11 10:00")
    before = mark(world)
    overview = await say(u.giang, "/kydanhgia", "📋 Kỳ đánh giá 11/2026")
    assert "└ Phòng Tổng hợp (TH): chưa mở" in overview.text
    th = await tap(u.giang, overview, "Phòng Tổng hợp")
    assert th.message_id == overview.message_id
    assert "Phòng Tổng hợp (TH) · kỳ 11/2026" in th.text and "Trạng thái: chưa mở · 4 người" in th.text
    opened = await tap(u.giang, th, "Mở kỳ 11/2026")
    assert "✅ Đã mở kỳ 11/2026 cho 1 đơn vị: Phòng Tổng hợp" in opened.text
    assert "Trạng thái: đang mở · 4 người" in opened.text and "Chưa bắt đầu: 4" in opened.text
    for person in u.staff().values():
        notice = await seen(person, "📣 Kỳ đánh giá 11/2026 của Phòng Tổng hợp đã mở", before)
        assert "(từ 01/11/2026 đến 30/11/2026)" in notice.text
        assert notice.button_texts() == ["📝 Tự đánh giá"]
    for outsider in (u.minh, u.giang):
        assert not [m for m in outsider.bot_messages() if m.seq > before and "📣" in (m.text or "")]


async def add_task(user: SimUser, week: Message, title: str, due: str, weight: str) -> Message:
    """Add a task: type its title, pick the due date and the weight with buttons; returns the week panel."""
    question = await tap(user, week, "Thêm việc")
    assert "Gõ tên công việc" in question.text
    due_question = await say(user, title, "Hạn hoàn thành")
    assert question.deleted  # each typed answer replaces the question with the next one, below the answer
    weight_question = await tap(user, due_question, due)
    assert "Trọng số" in weight_question.text
    added = await tap(user, weight_question, weight)
    assert added.message_id == due_question.message_id and f"✅ Đã thêm {title}" in added.text
    return added


async def check_in(user: SimUser, *outcomes: str, flag_quality: bool = False) -> Message:
    """/baocaotuan: one tap per open task, in order (optionally flagging a quality problem on the first)."""
    panel = await say(user, "/baocaotuan", "Kết quả tuần này thế nào?")
    for number, outcome in enumerate(outcomes):
        assert f"Việc 1/{len(outcomes) - number}:" in panel.text
        if flag_quality and number == 0:
            panel = await tap(user, panel, "Có vấn đề chất lượng?")
            assert "⚠️ Bỏ đánh dấu chất lượng" in panel.button_texts()
        panel = await tap(user, panel, outcome)
    return panel


async def first_week(world: BotWorld, u: Unit) -> None:
    """Monday 02/11 everyone plans the week and HR opens the period; Friday 06/11 everyone reports, and Bình
    flags a quality problem."""
    at(world, "02/11 08:30")
    week = await say(u.an, "/tuannay", "Công việc tuần 02/11 – 08/11/2026")
    assert "Tuần này chưa có công việc nào" in week.text
    week = await add_task(u.an, week, "Báo cáo công tác tuần", "Thứ Sáu 06/11", "1")
    assert "1. ⏳ Báo cáo công tác tuần — hạn 06/11 · trọng số 1 · chưa báo cáo" in week.text
    week = await say(u.hai, "/tuannay", "Công việc tuần 02/11 – 08/11/2026")
    await add_task(u.hai, week, "Cài đặt phần mềm quản lý văn bản", "Thứ Sáu 06/11", "1")
    week = await say(u.hoa, "/tuannay", "Công việc tuần 02/11 – 08/11/2026")
    week = await add_task(u.hoa, week, "Kế hoạch công tác tháng 12 của phòng", "Thứ Sáu 06/11", "2")
    assert "1. ⏳ Kế hoạch công tác tháng 12 của phòng — hạn 06/11 · trọng số 2 · chưa báo cáo" in week.text

    # Bình gets a few things wrong; each step refuses politely, keeps waiting, and its buttons still work.
    week = await say(u.binh, "/tuannay", "Công việc tuần 02/11 – 08/11/2026")
    await tap(u.binh, week, "Thêm việc")
    assert TOO_LONG in (await say(u.binh, LONG_MESSAGE, "ký tự")).text
    due = await say(u.binh, "Thẩm định hồ sơ tuyển dụng", "Hạn hoàn thành")
    assert "Ngày «31/02» không có trên lịch" in (await say(u.binh, "31/02", "31/02")).text
    weight = await tap(u.binh, due, "Thứ Sáu 06/11")
    assert "Trọng số (số sản phẩm quy đổi) của Thẩm định hồ sơ tuyển dụng" in weight.text
    assert "Trọng số phải là một số" in (await say(u.binh, "một việc", "Trọng số phải")).text
    week = await tap(u.binh, weight, "1")
    assert "1. ⏳ Thẩm định hồ sơ tuyển dụng — hạn 06/11 · trọng số 1 · chưa báo cáo" in week.text

    await giang_opens_november(world, u)

    at(world, "06/11 16:00")
    done = await check_in(u.an, "Xong đúng hạn")
    assert "1 việc đã kết thúc, 0 việc đang tiếp tục" in done.text
    done = await check_in(u.binh, "Xong đúng hạn", flag_quality=True)
    week = await tap(u.binh, done, "Xem công việc tuần")
    assert "✅ Thẩm định hồ sơ tuyển dụng — hạn 06/11 · trọng số 1 · xong đúng hạn ⚠️ có vấn đề chất lượng" in week.text
    await check_in(u.hai, "Xong đúng hạn")
    await check_in(u.hoa, "Xong đúng hạn")


async def rest_of_the_month(world: BotWorld, u: Unit) -> None:
    """An's quarterly report, due 13/11, is still in progress that Friday and carried over as overdue; reported
    done on 20/11, the bot records it late by itself. Hải backs up the month's data by Friday 27/11."""
    at(world, "09/11 08:30")
    week = await say(u.an, "/tuannay", "Công việc tuần 09/11 – 15/11/2026")
    await tap(u.an, week, "Thêm việc")
    await say(u.an, "Tổng hợp số liệu quý IV", "Hạn hoàn thành")
    weight = await say(u.an, "13/11", "Trọng số")  # a date typed by hand
    week = await say(u.an, "2", "Đã thêm")
    assert "1. ⏳ Tổng hợp số liệu quý IV — hạn 13/11 · trọng số 2 · chưa báo cáo" in week.text and weight.deleted

    at(world, "13/11 16:30")
    done = await check_in(u.an, "Đang thực hiện")
    assert "0 việc đã kết thúc, 1 việc đang tiếp tục" in done.text

    at(world, "16/11 08:30")
    week = await say(u.an, "/tuannay", "Công việc tuần 16/11 – 22/11/2026")
    assert "1. ⚠️ Tổng hợp số liệu quý IV — hạn 13/11 · trọng số 2 · quá hạn" in week.text
    at(world, "20/11 16:30")
    panel = await say(u.an, "/baocaotuan", "Việc 1/1: Tổng hợp số liệu quý IV")
    assert "Báo cáo tuần 16/11 – 22/11/2026" in panel.text
    late = await tap(u.an, panel, "Xong đúng hạn")
    assert "ℹ️ Tổng hợp số liệu quý IV quá hạn 13/11/2026 nên được ghi là xong trễ hạn." in late.text

    at(world, "23/11 08:30")
    week = await say(u.hai, "/tuannay", "Công việc tuần 23/11 – 29/11/2026")
    await add_task(u.hai, week, "Sao lưu dữ liệu tháng 11", "Thứ Sáu 27/11", "1")
    at(world, "27/11 16:30")
    done = await check_in(u.hai, "Xong đúng hạn")
    assert "1 việc đã kết thúc, 0 việc đang tiếp tục" in done.text


async def hai_self_assesses(world: BotWorld, u: Unit) -> Message:
    """Monday 30/11: Hải goes straight to the summary and submits; returns his card in Hoa's chat."""
    at(world, "30/11 08:30")
    panel = await say(u.hai, "/tudanhgia", "Tiêu chí 1/3")
    summary = await tap(u.hai, panel, "Xem tổng hợp")
    assert "Tổng điểm: 100/100" in summary.text and f"Xếp loại tạm tính: {EXCELLENT}" in summary.text
    before = mark(world)
    await tap(u.hai, summary, "Gửi duyệt")
    card = await seen(u.hoa, "Bùi Văn Hải — Chuyên viên CNTT, Phòng Tổng hợp", before)
    assert "Tự chấm: 100/100 điểm — Hoàn thành xuất sắc nhiệm vụ" in card.text
    return card


async def binh_self_assesses(world: BotWorld, u: Unit) -> Message:
    """Bình types her points for innovation — wrong answers are refused, /huy goes back with nothing changed —
    and submits; returns her card in Hoa's chat."""
    at(world, "30/11 09:00")
    panel = await say(u.binh, "/tudanhgia", "Tiêu chí 1/3")
    panel = await tap(u.binh, await tap(u.binh, panel, "Tiếp ▶"), "Tiếp ▶")
    assert "Tiêu chí 3/3: Năng lực đổi mới sáng tạo" in panel.text
    question = await tap(u.binh, panel, "Gõ điểm")
    assert "từ 0 đến 10" in question.text
    assert "Điểm phải là một số từ 0 đến 10" in (await say(u.binh, "năm điểm", "Điểm phải")).text
    assert CANCELLED in (await say(u.binh, "/huy", "Đã thôi")).text
    panel = await seen(u.binh, "Tiêu chí 3/3", question.seq)
    assert "hiện tại: 10 điểm" in panel.text and question.deleted
    await tap(u.binh, panel, "Gõ điểm")
    panel = await say(u.binh, "5", "Đã lưu")
    assert "hiện tại: 5 điểm (điểm do bạn gõ)" in panel.text
    panel = await tap(u.binh, panel, "Tiếp ▶")
    assert "1. ✅ Thẩm định hồ sơ tuyển dụng — xong đúng hạn · trọng số 1 · ⚠️ có sai sót chất lượng" in panel.text
    summary = await tap(u.binh, panel, "Tiếp ▶")
    assert "Tổng điểm: 89,17/100" in summary.text and f"Xếp loại tạm tính: {GOOD}" in summary.text
    assert "«Thẩm định hồ sơ tuyển dụng» có 1 sai sót lớn" in summary.text
    before = mark(world)
    await tap(u.binh, summary, "Gửi duyệt")
    card = await seen(u.hoa, "Phạm Thị Bình — Chuyên viên, Phòng Tổng hợp", before)
    assert "Tự chấm: 89,17/100 điểm — Hoàn thành tốt nhiệm vụ" in card.text
    return card


async def an_self_assesses(world: BotWorld, u: Unit) -> Message:
    """An opens the walk from the notice he got when the period opened (that message becomes the panel), claims
    an objective cause for his late report and submits; returns his card in Hoa's chat."""
    at(world, "30/11 09:30")
    notice = next(m for m in u.an.bot_messages() if "📣 Kỳ đánh giá 11/2026" in (m.text or ""))
    panel = await tap(u.an, notice, "Tự đánh giá")
    assert panel.message_id == notice.message_id
    assert "Tự đánh giá kỳ 11/2026 · bước 1/5" in panel.text and "Tiêu chí 1/3" in panel.text
    assert "✅ Đủ điểm (10) ✓" in panel.button_texts()
    for _ in range(3):
        panel = await tap(u.an, panel, "Tiếp ▶")
    assert "Kết quả thực hiện nhiệm vụ (theo báo cáo tuần, 01/11 – 30/11/2026)" in panel.text
    assert "1. ✅ Báo cáo công tác tuần — xong đúng hạn · trọng số 1" in panel.text
    assert "2. 🕒 Tổng hợp số liệu quý IV — xong trễ hạn · trọng số 2" in panel.text
    question = await tap(u.an, panel, "Nêu nguyên nhân: 2. Tổng hợp số liệu quý IV")
    assert "khiến việc Tổng hợp số liệu quý IV bị trễ hạn" in question.text
    await sticker(u.an)
    assert "Không có lệnh /lydo. Bước đang làm vẫn chờ" in (await say(u.an, "/lydo", "/lydo")).text
    panel = await say(u.an, AN_CAUSE, "Đã lưu")
    assert question.deleted
    assert f"🛡 Nguyên nhân khách quan: {AN_CAUSE} — chờ lãnh đạo xác nhận" in panel.text
    summary = await tap(u.an, panel, "Tiếp ▶")
    assert "Tổng điểm: 100/100" in summary.text and f"Xếp loại tạm tính: {EXCELLENT}" in summary.text
    assert "🛡 1 việc có nguyên nhân khách quan đang chờ lãnh đạo xác nhận." in summary.text
    assert "chậm tiến độ 1 lần do nguyên nhân khách quan (đã nêu, chờ lãnh đạo xác nhận)" in summary.text
    before = mark(world)
    done = await tap(u.an, summary, "Gửi duyệt")
    assert "✅ Đã gửi bản tự đánh giá kỳ 11/2026 cho Nguyễn Thị Hoa duyệt." in done.text
    assert done.button_texts() == []
    card = await seen(u.hoa, "Lê Văn An — Chuyên viên, Phòng Tổng hợp", before)
    assert "Tự chấm: 100/100 điểm — Hoàn thành xuất sắc nhiệm vụ" in card.text
    assert f"– Tổng hợp số liệu quý IV: {AN_CAUSE}" in card.text
    assert card.button_texts() == ["✅ Duyệt", "✏️ Điều chỉnh", "↩️ Trả lại", "📄 Chi tiết"]
    return card


async def hoa_returns_binhs_across_a_restart(world: BotWorld, u: Unit, card: Message) -> Message:
    """Hoa returns Bình's assessment with a reason — the bot restarts while she is typing it — and Bình, told
    privately, adds a note and submits again. Returns Bình's new card in Hoa's chat."""
    at(world, "01/12 08:30")
    question = await tap(u.hoa, card, "↩️ Trả lại")
    assert question.message_id == card.message_id
    assert "Trả lại bản tự đánh giá của Phạm Thị Bình" in question.text and "Gõ lý do" in question.text
    assert TOO_LONG in (await say(u.hoa, LONG_MESSAGE, "ký tự")).text
    await world.restart()  # the open step lives in the database, not in the process
    before = mark(world)
    returned = await say(u.hoa, RETURN_REASON, "Đã trả lại")
    assert "↩️ Đã trả lại bởi Nguyễn Thị Hoa lúc 08:30 01/12/2026." in returned.text
    assert f"Lý do: {RETURN_REASON}" in returned.text
    assert returned.button_texts() == ["📄 Chi tiết"] and card.deleted

    notice = await seen(u.binh, "đã được trả lại để sửa", before)
    assert f"Lý do: {RETURN_REASON}" in notice.text and "Người trả lại: Nguyễn Thị Hoa" in notice.text
    at(world, "01/12 08:50")
    panel = await tap(u.binh, notice, "Mở bản tự đánh giá")
    assert panel.message_id == notice.message_id
    assert panel.text.startswith(f"↩️ Nguyễn Thị Hoa đã trả lại bản tự đánh giá để bạn sửa. Lý do: {RETURN_REASON}")
    assert "Tổng điểm: 89,17/100" in panel.text  # nothing she entered was lost
    criterion = await tap(u.binh, await tap(u.binh, panel, "Sửa"), "3. Năng lực đổi mới")
    assert "hiện tại: 5 điểm (điểm do bạn gõ)" in criterion.text
    await tap(u.binh, criterion, "Ghi chú")
    assert "Ghi chú dài 1200 ký tự; tối đa 1000 ký tự" in (await say(u.binh, "y" * 1200, "Ghi chú dài")).text
    criterion = await say(u.binh, BINH_NOTE, "Đã lưu")
    assert f"📝 Ghi chú: {BINH_NOTE}" in criterion.text
    summary = await tap(u.binh, criterion, "Xem tổng hợp")
    before = mark(world)
    done = await tap(u.binh, summary, "Gửi duyệt")
    assert "✅ Đã gửi bản tự đánh giá kỳ 11/2026 cho Nguyễn Thị Hoa duyệt." in done.text
    again = await seen(u.hoa, "Phạm Thị Bình — Chuyên viên", before)
    assert "Nộp lúc 08:50 01/12/2026" in again.text and "✅ Duyệt" in again.button_texts()
    return again


async def hoa_adjusts_hais(world: BotWorld, u: Unit, card: Message) -> None:
    """Hoa adjusts Hải's assessment on his card — a deduction, typed points, a required reason — and confirms;
    Hải is told privately and /ketqua shows him the adjusted result, not final yet."""
    at(world, "01/12 09:10")
    step = await tap(u.hoa, card, "✏️ Điều chỉnh")
    assert step.message_id == card.message_id and "Điều chỉnh — Bùi Văn Hải · bước 1/6" in step.text
    step = await tap(u.hoa, step, "Tiếp ▶")
    assert "bước 2/6" in step.text and "Tinh thần trách nhiệm" in step.text
    step = await tap(u.hoa, step, "−1 Thiếu trách nhiệm")
    assert "Người duyệt chấm: 9 điểm" in step.text
    step = await tap(u.hoa, step, "Tiếp ▶")
    assert "bước 3/6" in step.text and "Năng lực đổi mới" in step.text
    await tap(u.hoa, step, "Gõ điểm")
    assert "Điểm phải là một số từ 0 đến 10" in (await say(u.hoa, "không điểm", "Điểm phải")).text
    step = await say(u.hoa, "0", "Đã lưu")
    assert "Người duyệt chấm: 0 điểm" in step.text
    claims = await tap(u.hoa, step, "Tiếp ▶")
    assert "bước 4/6" in claims.text and "Không có đề nghị nào cần xác nhận." in claims.text
    question = await tap(u.hoa, claims, "Tiếp ▶")
    assert "Gõ lý do điều chỉnh bản của Bùi Văn Hải" in question.text
    assert CANCELLED in (await say(u.hoa, "/huy", "Đã thôi")).text
    walk = await seen(u.hoa, "Lý do điều chỉnh", question.seq)  # back on the walk, nothing lost
    assert "bước 5/6" in walk.text and "⚠️ Chưa có lý do điều chỉnh." in walk.text
    await tap(u.hoa, walk, "Gõ lý do")
    summary = await say(u.hoa, ADJUST_REASON, "tóm tắt")
    assert "Tổng điểm: 100 → 89" in summary.text and f"Xếp loại: {EXCELLENT} → {GOOD}" in summary.text
    assert "• Tinh thần trách nhiệm, thái độ phục vụ nhân dân, doanh nghiệp: 10 → 9" in summary.text
    assert "• Năng lực đổi mới sáng tạo, dám nghĩ, dám làm: 10 → 0" in summary.text
    before = mark(world)
    done = await tap(u.hoa, summary, "Xác nhận điều chỉnh")
    assert "✏️ Đã điều chỉnh bởi Nguyễn Thị Hoa lúc 09:10 01/12/2026: 100 → 89 điểm" in done.text
    assert done.button_texts() == ["📄 Chi tiết"]
    notice = await seen(u.hai, "đã được điều chỉnh", before)
    assert "Tổng điểm: 100 → 89" in notice.text and f"Lý do: {ADJUST_REASON}" in notice.text
    assert "Người điều chỉnh: Nguyễn Thị Hoa" in notice.text
    result = await say(u.hai, "/ketqua", "Kết quả đánh giá kỳ 11/2026")
    assert "Tổng điểm: 89/100" in result.text and f"Xếp loại: {GOOD} (đã duyệt, chờ chốt kỳ)" in result.text
    assert f"✏️ Người duyệt đã điều chỉnh điểm. Lý do: {ADJUST_REASON}" in result.text


async def binh_forges_an_approval(u: Unit, an_card: Message, binh_card: Message) -> None:
    """A tampered client: Bình sends the approve data of An's card (and of her own) from her own chat."""
    own = await say(u.binh, "/tudanhgia", "đang chờ")
    assert "đang chờ Nguyễn Thị Hoa duyệt" in own.text and own.button_texts() == []
    assert "Bạn không phải người duyệt bản đánh giá này" in await forge(u.binh, own, data_of(an_card, "✅ Duyệt"))
    assert "không thể tự duyệt" in await forge(u.binh, own, data_of(binh_card, "✅ Duyệt"))
    assert "✅ Duyệt" in an_card.button_texts()  # nothing was decided


async def hoa_approves_the_rest(world: BotWorld, u: Unit, an_card: Message, binh_card: Message) -> None:
    """/duyet: An's and Bình's wait; "approve all" behind a confirmation; both are told, both cards change."""
    at(world, "01/12 09:30")
    queue = await say(u.hoa, "/duyet", "📥 Chờ bạn duyệt: 2 bản")
    assert f"1. Lê Văn An — 100 điểm · {EXCELLENT}" in queue.text
    assert f"2. Phạm Thị Bình — 89,17 điểm · {GOOD}" in queue.text
    confirm = await tap(u.hoa, queue, "Duyệt tất cả 2 bản chưa điều chỉnh")
    assert confirm.message_id == queue.message_id
    assert "• Lê Văn An — 100 điểm" in confirm.text and "• Phạm Thị Bình — 89,17 điểm" in confirm.text
    before = mark(world)
    done = await tap(u.hoa, confirm, "✅ Duyệt 2 bản")
    assert "✅ Đã duyệt 2 bản; còn 0 bản chờ bạn xử lý." in done.text
    assert "✅ Hiện không có bản đánh giá nào chờ bạn duyệt." in done.text
    for person, total, level in ((u.an, "100", EXCELLENT), (u.binh, "89,17", GOOD)):
        notice = await seen(person, "đã được duyệt", before)
        assert f"Tổng điểm: {total}/100 — {level}" in notice.text and "Người duyệt: Nguyễn Thị Hoa" in notice.text
    for card in (an_card, binh_card):  # the cards in Hoa's chat follow the decision, in place
        await changes(world, card, "✅ Đã duyệt bởi Nguyễn Thị Hoa lúc 09:30 01/12/2026.")
        assert card.button_texts() == ["📄 Chi tiết"]


async def hoa_self_assesses_and_minh_approves(world: BotWorld, u: Unit) -> str:
    """Hoa rates her own month — the leader criteria as percentages — and submits it to Minh, who reads the
    details and approves it. Returns the id of Hoa's assessment."""
    at(world, "01/12 10:00")
    panel = await say(u.hoa, "/tudanhgia", "Tự đánh giá kỳ 11/2026 · bước 1/7")
    summary = await tap(u.hoa, panel, "Xem tổng hợp")
    assert "Chưa tính được điểm." in summary.text
    assert "Hãy chọn tỷ lệ cho các tiêu chí dành cho lãnh đạo" in summary.text
    leader = await tap(u.hoa, await tap(u.hoa, summary, "Sửa"), "Năng lực tổ chức")
    assert "Tiêu chí dành cho lãnh đạo 1/2: Năng lực tổ chức triển khai thực hiện nhiệm vụ" in leader.text
    assert "Hiện là tạm tính" not in leader.text  # every one of her staff has been decided
    leader = await tap(u.hoa, leader, "50 %")
    assert "Bạn tự đánh giá: 50 %" in leader.text and "50 % ✓" in leader.button_texts()
    sixth = await tap(u.hoa, leader, "Tiếp ▶")
    assert "Tiêu chí dành cho lãnh đạo 2/2" in sixth.text and "mặc định 100 %" in sixth.text
    await tap(u.hoa, sixth, "Gõ tỷ lệ")
    assert "Tỷ lệ phải là một số từ 0 đến 100" in (await say(u.hoa, "150", "Tỷ lệ phải")).text
    sixth = await say(u.hoa, "60", "Đã lưu")
    assert "Bạn tự đánh giá: 60 %" in sixth.text
    summary = await tap(u.hoa, sixth, "Tiếp ▶")
    assert "Tổng điểm: 89,5/100" in summary.text and f"Xếp loại tạm tính: {GOOD}" in summary.text
    assert "«Năng lực tổ chức triển khai thực hiện nhiệm vụ» đạt 50 %" in summary.text
    before = mark(world)
    done = await tap(u.hoa, summary, "Gửi duyệt")
    assert "✅ Đã gửi bản tự đánh giá kỳ 11/2026 cho Trần Văn Minh duyệt." in done.text

    at(world, "01/12 14:00")
    card = await seen(u.minh, "Nguyễn Thị Hoa — Trưởng phòng, Phòng Tổng hợp", before)
    assert "Tự chấm: 89,5/100 điểm — Hoàn thành tốt nhiệm vụ" in card.text
    details = await tap(u.minh, card, "📄 Chi tiết")
    assert "• Năng lực tổ chức triển khai thực hiện nhiệm vụ: 50 %" in details.text
    card = await tap(u.minh, details, "◀ Quay lại thẻ")
    before = mark(world)
    approved = await tap(u.minh, card, "✅ Duyệt")
    assert "✅ Đã duyệt bởi Trần Văn Minh lúc 14:00 01/12/2026." in approved.text
    notice = await seen(u.hoa, "đã được duyệt", before)
    assert "Tổng điểm: 89,5/100 — Hoàn thành tốt nhiệm vụ" in notice.text
    assert "Người duyệt: Trần Văn Minh" in notice.text
    # Minh reviews leaders only: the staff's cards never reached him.
    assert [m.message_id for m in u.minh.bot_messages() if "Bản tự đánh giá" in (m.text or "")] == [card.message_id]
    return record_of(card)


async def giang_closes_november(world: BotWorld, u: Unit) -> None:
    """HR closes November (in December, /kydanhgia opens on November while it is still open). The quota —
    «xuất sắc» for at most 20 % of those rated «tốt» in the same unit and group — lowers An: three staff are too
    few for even one. Hoa, alone in the leaders' group, is rated «tốt» and untouched. Each person of the unit
    receives their final result privately."""
    at(world, "02/12 09:00")
    overview = await say(u.giang, "/kydanhgia", "📋 Kỳ đánh giá 11/2026")  # still open: November comes first
    assert "Phòng Tổng hợp (TH): đang mở · 4 đã duyệt" in overview.text
    th = await tap(u.giang, overview, "Phòng Tổng hợp")
    assert "• Đã duyệt: 4" in th.text and "• Chờ duyệt: 0" in th.text
    confirm = await tap(u.giang, th, "Chốt kỳ")
    assert "📭 Mọi người đã nộp tự đánh giá." in confirm.text
    assert "✅ Đã duyệt, sẵn sàng chốt: 4 bản." in confirm.text
    assert "⚖️ Dự kiến hạ mức do giới hạn tỷ lệ (1): Lê Văn An." in confirm.text
    assert f"Tỷ lệ «{EXCELLENT}» tối đa: 20 % (đơn vị thường)." in confirm.text
    before = mark(world)
    closed = await tap(u.giang, confirm, "✅ Chốt kỳ")
    assert closed.message_id == overview.message_id
    assert "✅ Đã chốt kỳ 11/2026 — Phòng Tổng hợp" in closed.text and "Đã khóa 4 bản đánh giá." in closed.text
    assert "Hạ mức do giới hạn tỷ lệ (1): Lê Văn An" in closed.text
    assert "Không nộp tự đánh giá (0): không có ai" in closed.text

    finals = {}
    for code, person in u.staff().items():
        final = await seen(person, "🏁 Kết quả chính thức kỳ 11/2026", before)
        assert final.button_texts() == ["📊 Xem chi tiết"] and leaks(code, final.text) == [], code
        finals[code] = final
    assert "Tổng điểm: 100/100" in finals["CV01"].text and f"Xếp loại: {GOOD}" in finals["CV01"].text
    assert f"⚖️ Điểm của bạn đạt mức «{EXCELLENT}», nhưng do giới hạn tỷ lệ" in finals["CV01"].text
    assert f"CV01 (100 điểm): hạ từ «{EXCELLENT}» xuống «{GOOD}» do vượt tỷ lệ" in finals["CV01"].text
    for code, total in (("CV02", "89,17"), ("QT01", "89"), ("TP01", "89,5")):
        assert f"Tổng điểm: {total}/100" in finals[code].text and f"Xếp loại: {GOOD}" in finals[code].text
        assert "giới hạn tỷ lệ" not in finals[code].text
    for outsider in (u.minh, u.giang):
        assert not [m for m in outsider.bot_messages() if m.seq > before and "🏁" in (m.text or "")]


async def everyone_reads_ketqua(world: BotWorld, u: Unit) -> dict[str, Message]:
    """Each person's /ketqua: their own final result with its parts and explanation, and nobody else's."""
    at(world, "02/12 10:00")
    totals = {"TP01": "89,5", "CV01": "100", "CV02": "89,17", "QT01": "89"}
    panels = {}
    for code, person in u.staff().items():
        panel = await say(person, "/ketqua", "📊 Kết quả đánh giá kỳ 11/2026")
        assert "✅ Kết quả chính thức (kỳ đã chốt)." in panel.text
        assert f"Tổng điểm: {totals[code]}/100" in panel.text and f"Xếp loại: {GOOD}" in panel.text
        assert "Các phần:" in panel.text and "Giải trình điểm:" in panel.text
        assert panel.button_texts() == ["Quý IV/2026", "Cả năm 2026", *OWN]
        assert leaks(code, panel.text) == [], code
        panels[code] = panel
    assert f"Điểm của bạn đạt mức «{EXCELLENT}»" in panels["CV01"].text
    assert "chậm tiến độ 1 lần do nguyên nhân khách quan đã được xác nhận: không trừ điểm" in panels["CV01"].text
    assert f"được chấm 5/10 điểm ({BINH_NOTE})" in panels["CV02"].text
    assert f"✏️ Người duyệt đã điều chỉnh điểm. Lý do: {ADJUST_REASON}" in panels["QT01"].text
    for code in ("TP01", "CV02", "QT01"):
        assert "giới hạn tỷ lệ" not in panels[code].text
    for person in (u.minh, u.giang):  # neither was assessed in Phòng Tổng hợp
        nothing = await say(person, "/ketqua", "chưa có kết quả")
        assert "Bạn chưa có kết quả đánh giá nào" in nothing.text
    return panels


async def ketqua_in_the_group_shows_no_score(world: BotWorld, u: Unit) -> None:
    """In the unit's group chat /ketqua answers with a button to the private chat, and no score."""
    group = world.sandbox.add_group("Phòng Tổng hợp", [p.id for p in u.staff().values()])
    u.an.send("/ketqua", chat=group)
    answer = await u.an.next_message(chat=group)
    assert "trò chuyện riêng" in answer.text
    assert answer.buttons()[0]["url"] == f"https://t.me/{world.sandbox.bot_username}"
    for secret in ("100", "Hoàn thành", "Lê Văn An", "11/2026", "điểm"):
        assert secret not in answer.text
    assert len(u.an.bot_messages(group)) == 1


async def binh_forges_ans_result(u: Unit, own: Message, an_record: str) -> None:
    """Bình's /ketqua panel with forged buttons naming An's record: refused, her panel untouched."""
    before = (own.seq, own.text)
    for data in (f"v1:kq:e:{an_record}", f"v1:kq:d:{an_record}"):
        assert "Không tìm thấy mục này, hoặc nó không thuộc về bạn" in await forge(u.binh, own, data)
    assert (own.seq, own.text) == before
    assert not [m for m in u.binh.bot_messages() if "100/100" in (m.text or "")]


# -- the whole month -------------------------------------------------------------------------------------------------


async def test_a_month_in_phong_tong_hop(world: BotWorld) -> None:
    u = await link_everyone(world)

    # Weeks 1–4: plans and Friday check-ins; HR opens the period on the first Monday.
    await first_week(world, u)
    await rest_of_the_month(world, u)

    # Month end: the staff self-assess; Hoa returns one, adjusts one and approves the rest in bulk.
    cards = {"QT01": await hai_self_assesses(world, u)}
    cards["CV02"] = await binh_self_assesses(world, u)
    cards["CV01"] = await an_self_assesses(world, u)
    records = {code: record_of(card) for code, card in cards.items()}
    binh_card = await hoa_returns_binhs_across_a_restart(world, u, cards["CV02"])
    await hoa_adjusts_hais(world, u, cards["QT01"])
    await binh_forges_an_approval(u, cards["CV01"], binh_card)
    await hoa_approves_the_rest(world, u, cards["CV01"], binh_card)
    records["TP01"] = await hoa_self_assesses_and_minh_approves(world, u)

    # Closing, and everyone reads their own result.
    await giang_closes_november(world, u)
    panels = await everyone_reads_ketqua(world, u)
    await ketqua_in_the_group_shows_no_score(world, u)
    await binh_forges_ans_result(u, panels["CV02"], records["CV01"])

    # The audit log tells the same story — who, what, why — and Bình's forged presses are there as refusals.
    trails = {code: audit_trail(world, record) for code, record in records.items()}
    assert trails["CV01"] == [
        ("assessment.create", "CV01", None),
        ("assessment.submit", "CV01", None),
        ("assessment.refused", "CV02", None),
        ("assessment.approve", "TP01", None),
        ("assessment.lock", "TC01", None),
    ]
    assert trails["CV02"] == [
        ("assessment.create", "CV02", None),
        ("assessment.submit", "CV02", None),
        ("assessment.return", "TP01", RETURN_REASON),
        ("assessment.submit", "CV02", None),
        ("assessment.refused", "CV02", None),
        ("assessment.approve", "TP01", None),
        ("assessment.lock", "TC01", None),
    ]
    assert [(action, who) for action, who, _ in trails["QT01"]][-3:] == [
        ("assessment.adjust_start", "TP01"),
        ("assessment.adjust", "TP01"),
        ("assessment.lock", "TC01"),
    ]
    assert trails["QT01"][-2][2] == ADJUST_REASON
    assert ("assessment.approve", "GD01", None) in trails["TP01"]
    # Everything queued for delivery went out.
    assert world.services.outbox.pending_count() == 0
