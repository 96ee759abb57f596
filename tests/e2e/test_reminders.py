"""End to end: the reminders of late November / early December 2026 on the Vietnamese working calendar — weekly
prompts, self-assessment reminders only to those who have not submitted, the leader's nudge and the escalation,
HR's digest, catch-up after a downtime (once, not twice), snoozes (/tamdung), leave, and blocked users.

The scheduler does not tick by itself here: each test moves the clock and calls `world.tick()` (one scheduler tick
at that moment, then delivery), and checks what each person sees."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.scheduler.jobs import late_once
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Actor
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import VN, BotWorld

pytestmark = pytest.mark.e2e

NOVEMBER = date(2026, 11, 20)
HOSTILE_LONG = "x" * 5000


# -- setting the scene ----------------------------------------------------------------------------------------------


def at(world: BotWorld, when: str) -> None:
    """Move the clock forward to "dd/mm hh:mm" 2026 (Hà Nội time)."""
    moment = datetime.strptime(f"{when} 2026", "%d/%m %H:%M %Y").replace(tzinfo=VN)
    world.services.clock.set(moment)  # type: ignore[attr-defined]


def person(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        found = uow.people.get_by_code(code)
        assert found is not None and found.id is not None
        return found.id


def open_period(world: BotWorld, unit_code: str) -> None:
    """HR opens November for a unit (and its sub-units)."""
    with world.services.db.uow() as uow:
        unit = uow.units.get_by_code(unit_code)
        assert unit is not None and unit.id is not None
        unit_id = unit.id
    world.services.periods.open(Actor.person(person(world, "TC01")), unit_id, "2026-11")


def submit(world: BotWorld, code: str) -> AssessmentView:
    """A month of work and a submitted self-assessment."""
    services = world.services
    pid = person(world, code)
    task = services.tasks.add(Actor.person(pid), pid, "Nhiệm vụ tháng", NOVEMBER, Decimal(1))
    services.tasks.checkin(Actor.person(pid), pid, task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(pid)
    return services.self_assessment.submit(pid, view.id, view.version)


def reachable(world: BotWorld, code: str) -> bool:
    with world.services.db.uow() as uow:
        link = uow.links.by_person(person(world, code))
        return link is not None and link.unreachable_at is None


def mark(world: BotWorld) -> int:
    """A point in the sandbox's history: later messages (or edits) have a higher sequence number."""
    return max((m.seq for chat in world.sandbox.chats.values() for m in chat.messages), default=0)


def news(user: SimUser, after: int) -> list[Message]:
    """The bot's messages to a person since a mark."""
    return [m for m in user.bot_messages() if m.seq > after]


def one(user: SimUser, after: int, fragment: str) -> Message:
    """The single message since a mark containing a fragment."""
    found = [m for m in news(user, after) if fragment in (m.text or "")]
    assert len(found) == 1, f"{user.user.display_name}: {[m.text for m in news(user, after)]}"
    return found[0]


def none_with(user: SimUser, after: int, fragment: str) -> None:
    assert not [m for m in news(user, after) if fragment in (m.text or "")], [m.text for m in news(user, after)]


async def tap(user: SimUser, message: Message, label: str) -> Message:
    """Press a button and wait for that message to be edited in place."""
    seen = message.seq
    await user.answer_to(user.press(message, label))
    return await user.sandbox.wait_for(lambda: message if message.seq > seen else None, 10, f"the edit after {label!r}")


async def settle(world: BotWorld) -> None:
    """Wait until every message already due in the outbox is out (a delivery round may be running already)."""
    from sqlmodel import col, func, select

    from danhgia.storage.models import Outbox

    def done() -> bool:
        now = world.services.clock.now()
        with world.services.db.uow() as uow:
            query = select(func.count()).select_from(Outbox).where(col(Outbox.status).in_(["pending", "sending"]))
            query = query.where(col(Outbox.next_attempt_at) <= now)
            return not uow.session.exec(query).one()

    await world.sandbox.wait_for(done, 10, "the outbox to drain")


async def tick(world: BotWorld) -> int:
    """One scheduler tick at the clock's moment, then wait until everything due is delivered."""
    added = await world.tick()
    await settle(world)
    return added


async def quiet_ticks(world: BotWorld, *moments: str) -> None:
    """Nothing is due at any of these moments (a day off, a weekend, quiet hours, or already sent)."""
    for when in moments:
        at(world, when)
        before = mark(world)
        assert await tick(world) == 0, when
        assert mark(world) == before, when


PLAN, CHECKIN = "🗓 Tuần mới", "📝 Báo cáo tuần"
OPENING, SELF = "Đã đến kỳ tự đánh giá 11/2026", "nộp bản tự đánh giá kỳ 11/2026"


# -- weekly prompts ---------------------------------------------------------------------------------------------------


async def test_weekly_prompts_follow_the_vietnamese_working_calendar(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    hoa = await world.linked_user("TP01", "Hoa")
    pid = person(world, "CV01")
    world.services.tasks.add(Actor.person(pid), pid, "Soạn báo cáo tuần", NOVEMBER, Decimal(1))
    assert await tick(world) == 0  # Friday 09:00: the check-in is due at 15:00
    # Friday 15:00: the check-in prompt, with a button that opens the check-in panel in place.
    at(world, "20/11 15:00")
    before = mark(world)
    assert await tick(world) == 2
    prompt = one(an, before, "Báo cáo tuần 16/11 – 22/11/2026")
    assert "Bạn còn 1 việc chưa cập nhật kết quả tuần này" in prompt.text
    assert prompt.button_texts() == ["📝 Báo cáo tuần", "🔕 Tạm dừng nhắc"]
    empty = one(hoa, before, "Báo cáo tuần 16/11 – 22/11/2026")
    assert "Tuần này bạn chưa ghi công việc nào" in empty.text
    assert empty.button_texts() == ["🗓 Ghi công việc tuần", "🔕 Tạm dừng nhắc"]
    report = await tap(an, prompt, "📝 Báo cáo tuần")
    assert "Việc 1/1: Soạn báo cáo tuần" in report.text
    done = await tap(an, report, "Xong đúng hạn")
    assert "Bạn đã báo cáo hết các việc đang mở của tuần này" in done.text
    # Never twice; nothing in quiet hours, at the weekend, or on Monday before 08:00.
    await quiet_ticks(world, "20/11 15:30", "20/11 22:00", "21/11 10:00", "22/11 15:00", "23/11 07:59")
    # Monday 08:00: the plan prompt opens /tuannay's week panel; "🔕 Tạm dừng nhắc" opens the snooze panel.
    at(world, "23/11 08:00")
    before = mark(world)
    assert await tick(world) == 2
    plan = one(an, before, "Tuần mới 23/11 – 29/11/2026")
    assert "Hãy lập kế hoạch công việc tuần này" in plan.text
    assert plan.button_texts() == ["🗓 Lập kế hoạch tuần", "🔕 Tạm dừng nhắc"]
    week = await tap(an, plan, "🗓 Lập kế hoạch tuần")
    assert "Công việc tuần 23/11 – 29/11/2026" in week.text
    pause = await tap(hoa, one(hoa, before, "Tuần mới 23/11 – 29/11/2026"), "🔕 Tạm dừng nhắc")
    assert "Tạm dừng nhắc việc hằng tuần" in pause.text and "đang nhận nhắc nhở bình thường" in pause.text
    # Tuesday 24/11 is a public holiday (Ngày Văn hóa Việt Nam): nothing at all.
    await quiet_ticks(world, "23/11 09:00", "24/11 08:00", "24/11 15:00")
    # Hoa plans a task on Wednesday and reports it on Thursday: Friday's prompt has lost its purpose for her.
    at(world, "25/11 10:00")
    hoa_id = person(world, "TP01")
    task = world.services.tasks.add(Actor.person(hoa_id), hoa_id, "Họp giao ban", date(2026, 11, 26), Decimal(1))
    world.services.tasks.checkin(Actor.person(hoa_id), hoa_id, task.id, CheckinOutcome.ON_TIME)
    # Friday 27/11 15:00: the check-in again, once, to An only.
    at(world, "27/11 15:00")
    before = mark(world)
    assert await tick(world) == 2
    assert "Báo cáo tuần 23/11 – 29/11/2026" in one(an, before, CHECKIN).text
    assert news(hoa, before) == []
    await quiet_ticks(world, "27/11 16:00")


async def test_snoozed_or_on_leave_people_get_no_weekly_prompt(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    binh = await world.linked_user("CV02", "Bình")
    hai = await world.linked_user("QT01", "Hải")
    hoa = await world.linked_user("TP01", "Hoa")
    # Bình pauses her weekly prompts for a week with /tamdung.
    panel = await binh.say("/tamdung")
    assert "Hiện bạn đang nhận nhắc nhở bình thường" in panel.text
    assert panel.button_texts() == [
        "1 tuần (đến 26/11)",
        "2 tuần (đến 03/12)",
        "Đến cuối tháng (30/11)",
        "📅 Gõ khoảng ngày khác",
    ]
    paused = await tap(binh, panel, "1 tuần")
    assert "✅ Đã tạm dừng nhắc việc hằng tuần từ 20/11/2026 đến 26/11/2026" in paused.text
    assert "Đang tạm dừng: 20/11/2026 – 26/11/2026" in paused.text
    assert "🔔 Nhắc lại từ bây giờ" in paused.button_texts()
    # Hoa records Hải's annual leave on Monday to Wednesday with /nghiphep.
    leave = await hoa.say("/nghiphep")
    assert "Chưa có ai đang nghỉ hoặc sắp nghỉ" in leave.text
    people = await tap(hoa, leave, "➕ Ghi nhận nghỉ phép")
    assert people.button_texts()[:3] == ["Lê Văn An — CV01", "Phạm Thị Bình — CV02", "Bùi Văn Hải — QT01"]
    kinds = await tap(hoa, people, "Bùi Văn Hải")
    dates = await tap(hoa, kinds, "Nghỉ phép năm")
    note = await hoa.say("23/11 - 25/11")
    assert "Bùi Văn Hải — Nghỉ phép năm, 23/11/2026 – 25/11/2026" in note.text
    confirm = await tap(hoa, note, "Không ghi chú")
    assert "Thời gian: 23/11/2026 – 25/11/2026 (2 ngày làm việc)" in confirm.text  # 24/11 is a holiday
    recorded = await tap(hoa, confirm, "✅ Ghi nhận")
    assert "Bùi Văn Hải — Nghỉ phép năm: 23/11/2026 – 25/11/2026" in recorded.text
    assert dates.message_id != recorded.message_id or dates.deleted
    # Monday: An and Hoa get the plan prompt; Bình (paused) and Hải (on leave) do not.
    at(world, "23/11 08:00")
    before = mark(world)
    assert await tick(world) == 2
    one(an, before, PLAN)
    one(hoa, before, PLAN)
    assert news(binh, before) == [] and news(hai, before) == []
    # Friday: the pause and the leave are over, so everyone gets the check-in prompt.
    at(world, "27/11 15:00")
    before = mark(world)
    assert await tick(world) == 4
    for user in (an, binh, hai, hoa):
        one(user, before, "Báo cáo tuần 23/11 – 29/11/2026")


async def test_snooze_panel_typed_ranges_and_hostile_input(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    panel = await an.say("/tamdung")
    ask = await tap(an, panel, "📅 Gõ khoảng ngày khác")
    assert "Gõ khoảng ngày tạm dừng" in ask.text and ask.button_texts() == ["◀ Quay lại"]
    assert "quá giới hạn 2000 ký tự" in (await an.say(HOSTILE_LONG)).text
    assert "«tuần sau» chưa đúng dạng khoảng ngày" in (await an.say("tuần sau")).text
    assert "Ngày «31/02» không có trên lịch" in (await an.say("31/02 - 05/03")).text
    assert "Ngày «31/02» không có trên lịch" in (await an.say("31/02")).text
    assert "Ngày kết thúc phải sau ngày bắt đầu" in (await an.say("27/11/2026 - 23/11/2026")).text
    assert "Khoảng thời gian này đã qua" in (await an.say("02/11 - 06/11")).text
    assert "tối đa 92 ngày" in (await an.say("23/11 - 31/03/2027")).text
    an.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await an.next_message()).text
    assert "Không có lệnh /abc" in (await an.say("/abc")).text
    # /huy goes back to the panel; nothing was paused.
    assert "Đã thôi bước đang làm" in (await an.say("/huy")).text
    back = await an.next_message()
    assert "Hiện bạn đang nhận nhắc nhở bình thường" in back.text
    assert world.services.absence.snoozed(person(world, "CV01")) is None
    # A restart in the middle of the step loses nothing; a later start is a planned pause.
    await tap(an, back, "📅 Gõ khoảng ngày khác")
    await world.restart()
    planned = await an.say("30/11 - 04/12")
    assert "✅ Đã tạm dừng nhắc việc hằng tuần từ 30/11/2026 đến 04/12/2026" in planned.text
    assert "Đã hẹn tạm dừng: 30/11/2026 – 04/12/2026" in planned.text
    # A dash without spaces, and an end in the next year.
    again = await tap(an, planned, "📅 Gõ khoảng ngày khác")
    assert "Gõ khoảng ngày" in again.text
    assert "đến 05/01/2027" in (await an.say("28/12-05/01")).text
    # "Nhắc lại từ bây giờ" resumes; a forged length changes nothing.
    current = await an.say("/tamdung")
    resumed = await tap(an, current, "🔔 Nhắc lại từ bây giờ")
    assert "Từ bây giờ bot nhắc bạn trở lại như bình thường" in resumed.text
    assert "🔔 Nhắc lại từ bây giờ" not in resumed.button_texts()
    forged = await an.answer_to(an.press_forged(resumed, "v1:rm:s:w9"))
    assert forged.answer_text == "Nút này không còn hiệu lực."
    assert world.services.absence.snoozed(person(world, "CV01")) is None


# -- the month-end self-assessment ------------------------------------------------------------------------------------


async def test_self_assessment_reminders_only_to_those_who_have_not_submitted(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    binh = await world.linked_user("CV02", "Bình")
    hai = await world.linked_user("QT01", "Hải")
    hoa = await world.linked_user("TP01", "Hoa")
    open_period(world, "TH")
    dates = world.services.reminders.dates(world.services.periods.span())
    assert (dates.window_opens, dates.self_deadline, dates.review_deadline, dates.closing) == (
        date(2026, 11, 27),
        date(2026, 12, 3),
        date(2026, 12, 7),
        date(2026, 12, 9),
    )
    at(world, "26/11 10:00")
    submit(world, "CV02")
    # Friday 27/11 08:00, the window opens: a reminder to those who have not submitted, with a working button.
    at(world, "27/11 08:00")
    before = mark(world)
    await tick(world)
    opening = one(an, before, OPENING)
    assert "Hạn nộp: 03/12/2026 (còn 5 ngày làm việc, tính cả hôm nay)" in opening.text
    assert opening.button_texts() == ["📝 Tự đánh giá"]
    one(hai, before, OPENING)
    one(hoa, before, OPENING)
    none_with(binh, before, OPENING)
    panel = await tap(an, opening, "📝 Tự đánh giá")
    assert "Tự đánh giá kỳ 11/2026 · bước 1/" in panel.text
    # Monday 30/11 is D-3; the bot is "down" at 08:00 and back at 10:30: the reminder arrives once, late.
    at(world, "30/11 10:30")
    before = mark(world)
    await tick(world)
    d3 = one(an, before, "Bạn chưa nộp bản tự đánh giá kỳ 11/2026")
    assert "Hạn nộp: 03/12/2026, còn 4 ngày làm việc (tính cả hôm nay)" in d3.text
    one(an, before, "Tuần mới 30/11 – 06/12/2026")  # Monday's plan prompt was caught up too
    await world.restart()
    await quiet_ticks(world, "30/11 10:31", "30/11 16:00")
    assert [m for m in news(an, before) if SELF in m.text] == [d3]
    # Tuesday: An submits, Hoa returns Bình's self-assessment.
    at(world, "01/12 10:00")
    submit(world, "CV01")
    returned = world.services.review.queue_for(person(world, "TP01"))
    binh_view = next(v for v in returned if v.staff_code == "CV02")
    world.services.review.return_(Actor.person(person(world, "TP01")), binh_view.id, "Bổ sung minh chứng")
    # Wednesday 02/12 is D-1: Bình is reminded again (her record was returned), An is not.
    at(world, "02/12 08:00")
    before = mark(world)
    await tick(world)
    none_with(an, before, SELF)
    again = one(binh, before, "Bạn chưa nộp bản tự đánh giá kỳ 11/2026")
    assert "còn 2 ngày làm việc" in again.text and "đã bị trả lại" in again.text
    assert again.button_texts() == ["📝 Sửa và nộp lại"]
    one(hai, before, "Bạn chưa nộp bản tự đánh giá kỳ 11/2026")
    # Thursday 03/12, the deadline morning: queued at 08:00, but Hải submits before it goes out — he is not told.
    at(world, "03/12 08:00")
    before = mark(world)
    assert world.services.reminders.queue_due() > 0
    submit(world, "QT01")
    await deliver_round(world.app)
    await settle(world)
    last = one(hoa, before, "Hôm nay là hạn cuối")
    assert "nộp bản tự đánh giá kỳ 11/2026 (03/12/2026)" in last.text
    one(binh, before, "Hôm nay là hạn cuối")
    none_with(hai, before, SELF)
    none_with(an, before, SELF)
    # After the deadline, no more self-assessment reminders.
    at(world, "04/12 08:00")
    before = mark(world)
    await tick(world)
    for user in (an, binh, hai, hoa):
        none_with(user, before, SELF)


# -- leaders and HR ----------------------------------------------------------------------------------------------------


async def test_leader_nudges_escalation_to_the_higher_leader_and_hr_digest(world: BotWorld) -> None:
    minh = await world.linked_user("GD01", "Minh")
    hoa = await world.linked_user("TP01", "Hoa")
    cuong = await world.linked_user("TP02", "Cường")
    giang = await world.linked_user("TC01", "Giang")
    await world.linked_user("CV01", "An")
    open_period(world, "SO")
    at(world, "26/11 10:00")
    submit(world, "CV01")
    submit(world, "CV02")
    # HR's digest every working morning at 08:30 from the window's opening, with a button to /kydanhgia.
    at(world, "27/11 08:30")
    before = mark(world)
    await tick(world)
    digest = one(giang, before, "Tình hình đánh giá kỳ 11/2026")
    assert "— 27/11/2026" in digest.text and "Hạn tự đánh giá 03/12/2026 · chốt kỳ 09/12/2026" in digest.text
    assert "Đơn vị            Nộp  Chờ Chưa  Trễ" in digest.text
    assert "Sở Nội vụ           0    0    1    0" in digest.text
    assert "Phòng Tổng hợp      2    2    2    0" in digest.text
    assert "Phòng Công chức     0    0    3    0" in digest.text
    assert "Tổng                2    2    6    0" in digest.text
    overview = await tap(giang, digest, "📋 Mở bảng kỳ đánh giá")
    assert "Kỳ đánh giá 11/2026" in overview.text
    none_with(hoa, before, "Tình hình đánh giá")
    await quiet_ticks(world, "27/11 09:00")
    # Friday 04/12, the working day before the review deadline: Hoa is nudged; Cường has nothing pending.
    at(world, "04/12 08:00")
    before = mark(world)
    await tick(world)
    nudge = one(hoa, before, "2 bản tự đánh giá kỳ 11/2026 đang chờ bạn duyệt")
    assert "Hạn duyệt: 07/12/2026, còn 2 ngày làm việc" in nudge.text
    queue = await tap(hoa, nudge, "👥 Mở danh sách chờ duyệt")
    assert "Chờ bạn duyệt: 2 bản" in queue.text
    none_with(cuong, before, "chờ bạn duyệt")
    # Hoa approves Bình's; on the deadline morning she is nudged about the one left.
    views = world.services.review.queue_for(person(world, "TP01"))
    binh_view = next(v for v in views if v.staff_code == "CV02")
    world.services.review.approve(Actor.person(person(world, "TP01")), binh_view.id)
    at(world, "07/12 08:00")
    before = mark(world)
    await tick(world)
    last = one(hoa, before, "1 bản tự đánh giá kỳ 11/2026 đang chờ bạn duyệt")
    assert "Hôm nay (07/12/2026) là hạn cuối để duyệt" in last.text
    none_with(minh, before, "Quá hạn duyệt")
    # The day after: the escalation to the higher leader, once; HR's digest counts those overdue.
    at(world, "08/12 08:30")
    before = mark(world)
    await tick(world)
    escalation = one(minh, before, "Quá hạn duyệt kỳ 11/2026")
    assert "(hạn 07/12/2026)" in escalation.text
    assert "• Nguyễn Thị Hoa (1): Lê Văn An" in escalation.text
    none_with(hoa, before, "Quá hạn duyệt")
    digest = one(giang, before, "Tình hình đánh giá kỳ 11/2026")
    assert "Phòng Tổng hợp      2    1    2    2" in digest.text
    await quiet_ticks(world, "08/12 10:00")


async def test_a_nudge_that_lost_its_purpose_is_dropped(world: BotWorld) -> None:
    cuong = await world.linked_user("TP02", "Cường")
    open_period(world, "CC")
    at(world, "26/11 10:00")
    dung = submit(world, "CV03")
    at(world, "04/12 08:00")
    before = mark(world)
    assert world.services.reminders.queue_due() > 0
    world.services.review.approve(Actor.person(person(world, "TP02")), dung.id)  # before the nudge goes out
    await deliver_round(world.app)
    await settle(world)
    none_with(cuong, before, "chờ bạn duyệt")


# -- blocked users ---------------------------------------------------------------------------------------------------


async def test_a_blocked_user_is_marked_unreachable_and_the_leader_told_once(world: BotWorld) -> None:
    hoa = await world.linked_user("TP01", "Hoa")
    an = await world.linked_user("CV01", "An")
    binh = await world.linked_user("CV02", "Bình")
    before = mark(world)
    an.block()
    notice = await hoa.sandbox.wait_for(
        lambda: next((m for m in news(hoa, before) if "Lê Văn An" in m.text), None), 10, "the leader's notice"
    )
    assert notice.text == "🚫 Lê Văn An (CV01) đã chặn bot nên không nhận được nhắc nhở; hãy liên hệ trực tiếp."
    # Bình's chat refuses messages without the bot having been told (a 403 when the reminder goes out).
    world.sandbox.users[binh.id].blocked_bot = True
    at(world, "23/11 08:00")
    before = mark(world)
    assert await tick(world) == 2  # Hoa and Bình: An is no longer reminded
    one(hoa, before, PLAN)
    one(hoa, before, "🚫 Phạm Thị Bình (CV02) đã chặn bot")
    assert news(an, before) == [] and news(binh, before) == []
    # Later reminders skip both, and Hoa is not told again.
    at(world, "27/11 15:00")
    before = mark(world)
    assert await tick(world) == 1
    assert [m.text.split("\n")[0] for m in news(hoa, before)] == ["📝 Báo cáo tuần 23/11 – 29/11/2026"]
    # An unblocks the bot: reminded again.
    an.unblock()
    await hoa.sandbox.wait_for(lambda: reachable(world, "CV01") or None, 10, "An reachable again")
    at(world, "30/11 08:00")
    before = mark(world)
    await tick(world)
    one(an, before, PLAN)


async def test_every_notice_waits_for_working_hours_as_reminders_do(world: BotWorld) -> None:
    hoa = await world.linked_user("TP01", "Hoa")
    an = await world.linked_user("CV01", "An")
    # Saturday 22:00: An blocks the bot. Hoa is told — on Monday morning, not in the night of her weekend.
    at(world, "21/11 22:00")
    before = mark(world)
    an.block()
    await hoa.sandbox.wait_for(lambda: not reachable(world, "CV01") or None, 10, "An unreachable")
    await deliver_round(world.app, wait=True)
    assert news(hoa, before) == []
    at(world, "22/11 15:00")  # Sunday: a day off
    await deliver_round(world.app, wait=True)
    assert news(hoa, before) == []
    at(world, "23/11 07:00")  # Monday, the end of the quiet hours
    await deliver_round(world.app, wait=True)
    notice = await hoa.sandbox.wait_for(
        lambda: next((m for m in news(hoa, before) if "Lê Văn An" in m.text), None), 10, "the leader's notice"
    )
    assert notice.text.startswith("🚫 Lê Văn An (CV01) đã chặn bot")


def test_a_tick_missed_while_the_process_was_busy_runs_late_once() -> None:

    kwargs = late_once(60)
    assert kwargs["misfire_grace_time"] >= 60 and kwargs["coalesce"] is True and kwargs["max_instances"] == 1
