"""End to end: a staff member plans the week's tasks and checks in on them, on one panel edited in place."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url

from danhgia.sandbox.state import Message
from tests.conftest import BotWorld

pytestmark = pytest.mark.e2e


async def add_task(user: object, panel: Message, title: str, due_label: str, weight_label: str) -> Message:
    """Add a task through the buttons; returns the week panel shown afterwards."""
    from danhgia.sandbox.users import SimUser

    assert isinstance(user, SimUser)
    question = await user.tap(panel, "Thêm việc")
    assert "Gõ tên công việc" in question.text
    due = await user.say(title)
    assert "Hạn hoàn thành" in due.text and title in due.text
    weight = await user.tap(due, due_label)
    assert weight.message_id == due.message_id  # edited in place
    assert "Trọng số" in weight.text
    return await user.tap(weight, weight_label)


async def test_plan_the_week_with_buttons_and_typed_answers(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    panel = await an.say("/tuannay")
    assert "Công việc tuần 16/11 – 22/11/2026" in panel.text
    assert "chưa có công việc nào" in panel.text
    await an.tap(panel, "Thêm việc")
    due = await an.say("Báo cáo tổng hợp tháng 11")
    # On a Friday, "today" is Friday: the day is offered once; the example is next Friday, not a fixed date.
    assert due.button_texts() == ["Hôm nay 20/11", "Cuối tháng 30/11", "◀ Danh sách tuần"]
    assert "(ví dụ 27/11)" in due.text
    weight = await an.tap(due, "Hôm nay 20/11")
    week = await an.tap(weight, "2")
    assert "Đã thêm Báo cáo tổng hợp tháng 11, hạn 20/11/2026" in week.text
    assert "1. ⏳ Báo cáo tổng hợp tháng 11 — hạn 20/11 · trọng số 2 · chưa báo cáo" in week.text
    # A date typed by hand: a nonexistent one is refused politely and the step keeps waiting.
    await an.tap(week, "Thêm việc")
    due = await an.say("Thẩm định hồ sơ đất đai")
    assert "Ngày «31/02» không có trên lịch" in (await an.say("31/02")).text
    assert "không phải là ngày" in (await an.say("thứ hai tuần sau")).text
    weight = await an.say("27/11")
    assert "Trọng số" in weight.text and weight.message_id != due.message_id
    assert due.deleted  # the question's panel was replaced below the answer
    assert "Trọng số phải là một số" in (await an.say("nhiều")).text
    week = await an.say("1,5")
    assert "Đã thêm Thẩm định hồ sơ đất đai, hạn 27/11/2026" in week.text
    # Planned ahead: shown under "coming up" in this week's list, with its edit button.
    assert "Sắp đến hạn (các tuần sau):\n2. ⏳ Thẩm định hồ sơ đất đai — hạn 27/11" in week.text
    assert "✏️ 2. Thẩm định hồ sơ đất đai" in week.button_texts()
    following = await an.tap(week, "Tuần sau")
    assert "Công việc tuần 23/11 – 29/11/2026" in following.text
    assert "Thẩm định hồ sơ đất đai — hạn 27/11 · trọng số 1,5 · chưa báo cáo" in following.text


async def test_edit_and_cancel_a_task(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    week = await add_task(an, await an.say("/tuannay"), "Soạn công văn", "Hôm nay", "1")
    detail = await an.tap(week, "1. Soạn công văn")
    assert "Hạn hoàn thành: 20/11/2026" in detail.text
    ask = await an.tap(detail, "Đổi tên")
    renamed = await an.say("Soạn công văn trả lời UBND phường")
    assert "Đã lưu" in renamed.text and "Soạn công văn trả lời UBND phường" in renamed.text
    ask = await an.tap(renamed, "Đổi hạn")
    assert "Hạn hoàn thành" in ask.text
    moved = await an.tap(ask, "Cuối tháng")
    assert "Hạn hoàn thành: 30/11/2026" in moved.text
    confirm = await an.tap(moved, "Hủy công việc")
    assert "Hủy công việc" in confirm.text
    week = await an.tap(confirm, "Hủy việc này")
    assert "chưa có công việc nào" in week.text


async def test_a_typed_due_date_already_past_is_asked_about_first(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    await an.tap(await an.say("/tuannay"), "Thêm việc")
    await an.say("Báo cáo tháng 10")
    asked = await an.say("15/11")  # Friday 20/11 today: 15/11 has passed
    assert "Ngày 15/11/2026 đã qua" in asked.text and "quá hạn ngay" in asked.text
    assert asked.button_texts()[0] == "✅ Vẫn đặt hạn 15/11"
    again = await an.say("27/11")  # typed again: a day to come is taken at once
    assert "Trọng số" in again.text
    week = await an.tap(again, "1")
    assert "Báo cáo tháng 10 — hạn 27/11" in week.text
    # Editing a due date: the same question, and confirming keeps the past day.
    detail = await an.tap(week, "1. Báo cáo tháng 10")
    await an.tap(detail, "Đổi hạn")
    past = await an.say("16/11")
    assert "Ngày 16/11/2026 đã qua" in past.text
    kept = await an.tap(past, "✅ Vẫn đặt hạn 16/11")
    assert "Hạn hoàn thành: 16/11/2026" in kept.text


async def test_editing_or_cancelling_a_task_returns_to_the_week_being_looked_at(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    week = await add_task(an, await an.say("/tuannay"), "Chuẩn bị hội nghị", "Cuối tháng", "1")
    assert "Công việc tuần 16/11 – 22/11/2026" in week.text and "Chuẩn bị hội nghị" in week.text  # coming up
    detail = await an.tap(week, "1. Chuẩn bị hội nghị")
    await an.tap(detail, "Đổi tên")
    renamed = await an.say("Chuẩn bị hội nghị tổng kết")
    assert "Đã lưu" in renamed.text
    back = await an.tap(renamed, "Danh sách tuần")
    assert "Công việc tuần 16/11 – 22/11/2026" in back.text  # the week she was looking at, not 30/11's
    detail = await an.tap(back, "1. Chuẩn bị hội nghị tổng kết")
    confirm = await an.tap(detail, "Hủy công việc")
    after = await an.tap(confirm, "Hủy việc này")
    assert "Công việc tuần 16/11 – 22/11/2026" in after.text


async def test_weekly_checkin_one_tap_per_task_and_late_by_itself(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    week = await add_task(an, await an.say("/tuannay"), "Báo cáo tiến độ", "Hôm nay", "1")
    week = await add_task(an, week, "Kế hoạch tháng 12", "Hôm nay", "2")
    report = await an.tap(week, "📝 Báo cáo tuần")
    assert "Việc 1/2: Báo cáo tiến độ" in report.text
    flagged = await an.tap(report, "Có vấn đề chất lượng")
    assert "Bỏ đánh dấu chất lượng" in flagged.button_texts()[4]
    nxt = await an.tap(flagged, "Xong đúng hạn")
    assert "Việc 2/2: Kế hoạch tháng 12" in nxt.text  # the round's count stays: the second of two
    done = await an.tap(nxt, "Đang thực hiện")
    assert "Bạn đã báo cáo hết các việc đang mở của tuần này: 1 việc đã kết thúc, 1 việc đang tiếp tục" in done.text
    week = await an.tap(done, "Xem công việc tuần")
    assert "✅ Báo cáo tiến độ — hạn 20/11 · trọng số 1 · xong đúng hạn ⚠️ có vấn đề chất lượng" in week.text
    assert "🔄 Kế hoạch tháng 12 — hạn 20/11 · trọng số 2 · đang thực hiện" in week.text
    # Next Tuesday the open task is reported again; "done on time" after its due date is recorded late.
    world.services.clock.advance(timedelta(days=11))  # type: ignore[attr-defined]
    report = await an.say("/baocaotuan")
    assert "Báo cáo tuần 30/11 – 06/12/2026" in report.text and "Kế hoạch tháng 12" in report.text
    late = await an.tap(report, "Xong đúng hạn")
    assert "quá hạn 20/11/2026 nên được ghi là xong trễ hạn" in late.text


async def test_a_restart_in_the_middle_of_adding_a_task_continues_where_it_was(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    panel = await an.say("/tuannay")
    await an.tap(panel, "Thêm việc")
    due = await an.say("Tổng hợp số liệu quý IV")
    await world.restart()
    weight = await an.say("04/12")
    assert "Trọng số" in weight.text and "Tổng hợp số liệu quý IV" in weight.text
    assert due.deleted
    week = await an.say("1")
    assert "Đã thêm Tổng hợp số liệu quý IV, hạn 04/12/2026" in week.text


async def test_hostile_input_in_every_task_step_changes_nothing(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    panel = await an.say("/tuannay")
    await an.tap(panel, "Thêm việc")
    assert "quá giới hạn 2000 ký tự" in (await an.say("x" * 5000)).text
    assert "Tên công việc dài 300 ký tự" in (await an.say("y" * 300)).text
    an.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await an.next_message()).text
    # A command in the middle of a step runs, and the task step is closed without saving anything.
    week = await an.say("/tuannay")
    assert "chưa có công việc nào" in week.text
    cancelled = await an.say("/huy")
    assert "Không có bước nào" in cancelled.text
    # /huy in the middle of a step goes back to the week panel.
    await an.tap(week, "Thêm việc")
    await an.say("/huy")
    back = await an.next_message()
    assert "Công việc tuần" in back.text
    with world.services.db.uow() as uow:
        assert uow.tasks.for_week(an_id(world, "CV01"), *week_of(world)) == []


async def test_nobody_can_touch_another_persons_task_with_a_forged_button(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    week = await add_task(an, await an.say("/tuannay"), "Việc của An", "Hôm nay", "1")
    task_button = week.button("1. Việc của An")["callback_data"]
    task_id = task_button.split(":")[3]  # v1:tk:t:<task>:<week shown>
    binh = await world.linked_user("CV02", "Bình")
    own = await binh.say("/tuannay")
    query = binh.press_forged(own, f"v1:ci:{task_id}:ok")
    answered = await binh.answer_to(query)
    assert answered.answer_text is not None and "không thuộc về bạn" in answered.answer_text
    forged = binh.press_forged(own, "v1:tk:t:99999999999999999999")
    assert "Nút này" in ((await binh.answer_to(forged)).answer_text or "")
    with world.services.db.uow() as uow:
        task = uow.tasks.get(int(task_id))
    assert task is not None and task.status == "open"


async def test_while_another_program_holds_the_database_panels_answer_and_a_check_in_waits_its_turn(
    world: BotWorld,
) -> None:
    """HR's import (or any other program) writing to the SQLite file: nobody's screen freezes, nothing is lost."""
    an = await world.linked_user("CV01", "An")
    binh = await world.linked_user("CV02", "Bình")
    report = await an.tap(
        await add_task(an, await an.say("/tuannay"), "Báo cáo tiến độ", "Hôm nay", "1"), "📝 Báo cáo tuần"
    )
    holder = sqlite3.connect(make_url(world.settings.database_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        tapped = asyncio.create_task(an.tap(report, "Xong đúng hạn", timeout=20))
        week = await binh.say("/tuannay")  # reading goes on meanwhile
        assert "Công việc tuần 16/11 – 22/11/2026" in week.text
        await asyncio.sleep(0.3)
        assert not tapped.done()  # An's check-in waits for the other program, on a worker thread
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    done = await tapped
    assert "Bạn đã báo cáo hết các việc đang mở của tuần này" in done.text
    with world.services.db.reader() as uow:
        tasks = uow.tasks.for_week(an_id(world, "CV01"), *week_of(world))
    assert [task.status for task in tasks] == ["done_on_time"]


def an_id(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        person = uow.people.get_by_code(code)
        assert person is not None and person.id is not None
        return person.id


def week_of(world: BotWorld) -> tuple[object, object]:
    from danhgia.workflow.calendar import week_bounds

    return week_bounds(world.services.tasks.today())
