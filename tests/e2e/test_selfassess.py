"""End to end: the monthly self-assessment (/tudanhgia) walked on one panel edited in place, submitted to the
direct leader; the notice that a period is open; stale and forged buttons; hostile input; a restart."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest

from danhgia.handlers import notifier
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.answers import Chosen, CriterionAnswer
from danhgia.workflow.common import Actor
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import BotWorld

pytestmark = pytest.mark.e2e


# -- setting the scene -----------------------------------------------------------------------------------------


def person_id(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        person = uow.people.get_by_code(code)
        assert person is not None and person.id is not None
        return person.id


def unit_id(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        unit = uow.units.get_by_code(code)
        assert unit is not None and unit.id is not None
        return unit.id


async def open_november(world: BotWorld, *linked: SimUser) -> None:
    """HR opens November for SO and its units; each linked person gets the notice first."""
    world.services.periods.open(Actor.person(person_id(world, "TC01")), unit_id(world, "SO"), "2026-11")
    for user in linked:
        notice = await user.next_message()
        assert "Kỳ đánh giá 11/2026" in (notice.text or "")


def plan(world: BotWorld, code: str, title: str, due: date, outcome: CheckinOutcome | None = None) -> int:
    """A task of the month, checked in when an outcome is given."""
    pid = person_id(world, code)
    task = world.services.tasks.add(Actor.person(pid), pid, title, due, Decimal(1))
    if outcome is not None:
        world.services.tasks.checkin(Actor.person(pid), pid, task.id, outcome)
    return task.id


def flag_quality(world: BotWorld, code: str, task_id: int) -> None:
    pid = person_id(world, code)
    world.services.tasks.toggle_quality(Actor.person(pid), pid, task_id)


def assessment_of(world: BotWorld, code: str) -> tuple[int, str, int]:
    """(id, state, version) of a person's assessment."""
    view = world.services.self_assessment.open_self(person_id(world, code))
    return view.id, view.state, view.version


async def alert_of(user: SimUser, message: Message, callback_data: str) -> str:
    """Press a button carrying this data (an old panel's, or a forged one) and read the bot's answer."""
    query = user.press_forged(message, callback_data)
    answered = await user.answer_to(query)
    return answered.answer_text or ""


async def outbox_drained(world: BotWorld) -> None:
    """Wait until the notifier has handled everything queued."""
    for _ in range(200):
        if world.services.outbox.pending_count() == 0:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the outbox was not delivered")


# -- the main walk -----------------------------------------------------------------------------------------------


async def test_staff_walks_the_self_assessment_and_submits_it_to_the_leader(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    hoa = await world.linked_user("TP01", "Hoa")
    plan(world, "CV01", "Báo cáo quý", date(2026, 11, 19), CheckinOutcome.LATE)
    faulty = plan(world, "CV01", "Văn bản trả lời", date(2026, 11, 20))
    flag_quality(world, "CV01", faulty)
    world.services.tasks.checkin(
        Actor.person(person_id(world, "CV01")), person_id(world, "CV01"), faulty, CheckinOutcome.ON_TIME
    )
    await open_november(world, an, hoa)
    notice = an.last()
    assert "Phòng Tổng hợp" in (notice.text or "") and "01/11/2026" in (notice.text or "")

    # The notice's button opens the panel in place, at the first criterion.
    panel = await an.tap(notice, "Tự đánh giá")
    assert panel.message_id == notice.message_id
    text = panel.text or ""
    assert "Tự đánh giá kỳ 11/2026 · bước 1/5" in text
    # Before the window opens (Friday 27/11), a word of warning: tasks due later count as unfinished if sent now.
    assert text.startswith("⚠️ Kỳ tự đánh giá mở từ 27/11/2026. Bạn có thể chuẩn bị trước")
    assert "Tiêu chí 1/3: Phẩm chất chính trị, đạo đức, văn hóa thực thi công vụ, ý thức kỷ luật" in text
    assert "Tối đa 10 điểm · hiện tại: 10 điểm" in text
    assert "✅ Đủ điểm (10) ✓" in panel.button_texts()
    # Deduction labels too long for a button: in full in the text, numbered like their (shortened) buttons.
    listed = "Các khoản trừ (số trên nút):\n1. −2: Vi phạm quy định về văn hóa công vụ, nội quy, quy chế của cơ quan"
    assert listed in text
    assert panel.button_texts()[2] == "1. −2 Vi phạm quy định về văn hóa công vụ…"  # cut after a whole word

    # Each tap on a deduction adds one occurrence.
    panel = await an.tap(panel, "Đi muộn")
    assert "hiện tại: 9 điểm" in (panel.text or "")
    panel = await an.tap(panel, "Đi muộn")
    assert "hiện tại: 8 điểm" in (panel.text or "")
    assert "• Đi muộn, về sớm, bỏ vị trí làm việc không có lý do ×2: −2 điểm" in (panel.text or "")
    assert any(label.endswith("×2") for label in panel.button_texts())
    question = await an.tap(panel, "Ghi chú")
    assert "Gõ ghi chú cho tiêu chí" in (question.text or "")
    panel = await an.say("Đi muộn hai buổi do ngập đường")
    assert question.deleted
    assert "✅ Đã lưu." in (panel.text or "") and "📝 Ghi chú: Đi muộn hai buổi do ngập đường" in (panel.text or "")

    # The second criterion: points typed by hand.
    panel = await an.tap(panel, "Tiếp ▶")
    assert "bước 2/5" in (panel.text or "") and "Tiêu chí 2/3" in (panel.text or "")
    await an.tap(panel, "Gõ điểm")
    panel = await an.say("9,5")
    assert "hiện tại: 9,5 điểm (điểm do bạn gõ)" in (panel.text or "")
    panel = await an.tap(panel, "Tiếp ▶")
    assert "Tiêu chí 3/3: Năng lực đổi mới sáng tạo" in (panel.text or "")
    panel = await an.tap(panel, "Tiếp ▶")

    # The task results, from the month's check-ins, with an objective cause claimed for the late one.
    text = panel.text or ""
    assert "Kết quả thực hiện nhiệm vụ (theo báo cáo tuần, 01/11 – 30/11/2026)" in text
    assert "1. 🕒 Báo cáo quý — xong trễ hạn · trọng số 1\n" in text
    assert "2. ✅ Văn bản trả lời — xong đúng hạn · trọng số 1 · ⚠️ có sai sót chất lượng" in text
    assert "cần lãnh đạo xác nhận" in text
    question = await an.tap(panel, "Nêu nguyên nhân: 1. Báo cáo quý")
    assert "Báo cáo quý" in (question.text or "") and "bị trễ hạn" in (question.text or "")
    panel = await an.say("Chờ số liệu của Sở Tài chính")
    assert "🛡 Nguyên nhân khách quan: Chờ số liệu của Sở Tài chính — chờ lãnh đạo xác nhận" in (panel.text or "")

    # The summary: total, provisional level, each part, then the explanation from scoring.
    summary = await an.tap(panel, "Tiếp ▶")
    text = summary.text or ""
    assert "Tổng hợp tự đánh giá kỳ 11/2026" in text
    view = world.services.assessments.view(assessment_of(world, "CV01")[0])
    assert view.self_result is not None and view.self_result.level is not None
    total = str(view.self_result.total).replace(".", ",")
    assert f"Tổng điểm: {total}/100" in text
    assert f"Xếp loại tạm tính: {view.self_result.level.name}" in text
    assert "• Tiêu chí chung: 27,5/30" in text
    assert "• Kết quả thực hiện nhiệm vụ:" in text
    assert "🛡 1 việc có nguyên nhân khách quan đang chờ lãnh đạo xác nhận." in text
    assert text.index("• Tiêu chí chung") < text.index("Giải trình điểm")
    assert "−2 điểm: «Phẩm chất chính trị" in text and "«Văn bản trả lời» có 1 sai sót lớn" in text
    assert summary.button_texts()[0] == "📤 Gửi duyệt"

    done = await an.tap(summary, "Gửi duyệt")
    text = done.text or ""
    assert "✅ Đã gửi bản tự đánh giá kỳ 11/2026 cho Nguyễn Thị Hoa duyệt." in text
    assert "Nguyễn Thị Hoa sẽ nhận được thông báo ngay" in text
    assert done.button_texts() == []
    aid, state, _ = assessment_of(world, "CV01")
    assert state == "submitted"
    with world.services.db.uow() as uow:
        cards = uow.outbox.of_kind("review_card")
    assert [(m.person_id, m.payload) for m in cards] == [(person_id(world, "TP01"), {"assessment_id": aid})]
    if "review_card" in notifier._renderers:  # the review card exists: Hoa sees it in her chat
        card = await hoa.next_message()
        assert "Lê Văn An" in (card.text or "")

    # Opened again, the submitted record is shown read-only.
    again = await an.say("/tudanhgia")
    assert "đang chờ Nguyễn Thị Hoa duyệt" in (again.text or "") and again.button_texts() == []


async def test_a_leader_rates_the_leader_criteria_as_a_percentage(world: BotWorld) -> None:
    hoa = await world.linked_user("TP01", "Hoa")
    plan(world, "TP01", "Chỉ đạo tổng kết năm", date(2026, 11, 18), CheckinOutcome.ON_TIME)
    await open_november(world, hoa)
    panel = await hoa.say("/tudanhgia")
    assert "bước 1/7" in (panel.text or "")
    # Straight to the summary: the leader criterion still has no percentage, so nothing can be submitted yet.
    summary = await hoa.tap(panel, "Xem tổng hợp")
    text = summary.text or ""
    assert "Chưa tính được điểm." in text and "Hãy chọn tỷ lệ cho các tiêu chí dành cho lãnh đạo" in text
    assert "Bạn vẫn có thể xem và lưu các tiêu chí" in text
    assert summary.button_texts()[0] == "✏️ Chấm tiêu chí lãnh đạo"  # to what is missing, not a refused submit
    mine = world.services.self_assessment.open_self(person_id(world, "TP01"))
    refused = await alert_of(hoa, summary, f"v1:sa:sub:{mine.id}:{mine.version}")
    assert "Hãy chọn tỷ lệ cho các tiêu chí dành cho lãnh đạo" in refused
    assert assessment_of(world, "TP01")[1] == "draft"

    # Edit lets her jump to a section.
    menu = await hoa.tap(summary, "Sửa")
    assert "Chọn phần muốn sửa" in (menu.text or "")
    assert menu.button_texts()[0].startswith("1. Phẩm chất chính trị")
    leader = await hoa.tap(menu, "Năng lực tổ chức")
    text = leader.text or ""
    assert (
        "bước 5/7" in text and "Tiêu chí dành cho lãnh đạo 1/2: Năng lực tổ chức triển khai thực hiện nhiệm vụ" in text
    )
    assert "Chưa chọn tỷ lệ." in text
    assert "«Kết quả thực hiện nhiệm vụ của cơ quan, đơn vị» được tính từ kết quả của cán bộ thuộc quyền" in text
    assert "Hiện là tạm tính" in text
    assert leader.button_texts()[:6] == ["100 %", "90 %", "75 %", "50 %", "25 %", "0 %"]
    leader = await hoa.tap(leader, "90 %")
    assert "Bạn tự đánh giá: 90 %" in (leader.text or "") and "90 % ✓" in leader.button_texts()
    # Typed instead: a word and an out-of-range number are refused, the step keeps waiting.
    await hoa.tap(leader, "Gõ tỷ lệ")
    assert "Tỷ lệ phải là một số từ 0 đến 100" in ((await hoa.say("khá tốt")).text or "")
    assert "Tỷ lệ phải là một số từ 0 đến 100" in ((await hoa.say("150")).text or "")
    leader = await hoa.say("85%")
    assert "Bạn tự đánh giá: 85 %" in (leader.text or "")
    sixth = await hoa.tap(leader, "Tiếp ▶")
    assert "Tiêu chí dành cho lãnh đạo 2/2" in (sixth.text or "") and "mặc định 100 %" in (sixth.text or "")
    summary = await hoa.tap(sixth, "Tiếp ▶")
    text = summary.text or ""
    assert "Tổng điểm:" in text and "Xếp loại tạm tính: Hoàn thành" in text
    assert "Tiêu chí kết quả của đơn vị đang tạm tính" in text
    assert "«Năng lực tổ chức triển khai thực hiện nhiệm vụ» đạt 85 %" in text
    done = await hoa.tap(summary, "Gửi duyệt")
    assert "cho Trần Văn Minh duyệt" in (done.text or "")
    with world.services.db.uow() as uow:
        cards = uow.outbox.of_kind("review_card")
    assert [m.person_id for m in cards] == [person_id(world, "GD01")]


async def test_without_tasks_the_criteria_are_saved_but_submission_is_refused(world: BotWorld) -> None:
    binh = await world.linked_user("CV02", "Bình")
    await open_november(world, binh)
    panel = await binh.say("/tudanhgia")
    panel = await binh.tap(panel, "Vi phạm quy định về văn hóa công vụ")
    assert "hiện tại: 8 điểm" in (panel.text or "")
    for _ in range(3):
        panel = await binh.tap(panel, "Tiếp ▶")
    text = panel.text or ""
    assert "bước 4/5" in text and "Tháng này bạn chưa có công việc nào" in text and "/tuannay" in text
    summary = await binh.tap(panel, "Tiếp ▶")
    assert "Chưa tính được điểm. Tháng này bạn chưa có công việc nào" in (summary.text or "")
    # No "submit" that could only be refused: a button to the week's tasks instead; an old one is still refused.
    assert "Gửi duyệt" not in " ".join(summary.button_texts())
    assert summary.button_texts()[0] == "🗓 Ghi công việc tuần"
    view = world.services.self_assessment.open_self(person_id(world, "CV02"))
    refused = await alert_of(binh, summary, f"v1:sa:sub:{view.id}:{view.version}")
    assert "chưa có công việc nào" in refused
    view = world.services.self_assessment.open_self(person_id(world, "CV02"))
    assert view.state == "draft" and view.step == "summary"
    assert view.own.criterion("pham_chat").deductions == (Chosen("vi_pham_noi_quy", 1),)
    # Close keeps the draft; /tudanhgia continues at the same step.
    closed = await binh.tap(summary, "Đóng")
    assert "Bản nháp của bạn được giữ nguyên" in (closed.text or "") and closed.button_texts() == []
    again = await binh.say("/tudanhgia")
    assert "Tổng hợp tự đánh giá kỳ 11/2026" in (again.text or "")


async def test_double_taps_and_old_panels_change_nothing(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    plan(world, "CV01", "Báo cáo tháng", date(2026, 11, 20), CheckinOutcome.ON_TIME)
    await open_november(world, an)
    panel = await an.say("/tudanhgia")
    old_next = panel.button("Tiếp ▶")["callback_data"]
    # Two taps before the panel changes: one occurrence is recorded, the second tap is told it was stale.
    first = an.press(panel, "Đi muộn")
    second = an.press(panel, "Đi muộn")
    assert (await an.answer_to(first)).answer_text == "Đã lưu."
    assert "Nút này đã cũ" in ((await an.answer_to(second)).answer_text or "")
    panel = await an.next_message()
    assert "×1: −1 điểm" in (panel.text or "")
    # A button of the panel as it was before that change.
    assert "Nút này đã cũ" in await alert_of(an, panel, old_next)
    view = world.services.self_assessment.open_self(person_id(world, "CV01"))
    assert view.step == "crit:pham_chat"
    assert view.own.criterion("pham_chat").deductions == (Chosen("vi_pham_gio_giac", 1),)
    # After submission, an old panel's buttons cannot change the record.
    editing = panel.button("Tiếp ▶")["callback_data"]
    world.services.self_assessment.submit(person_id(world, "CV01"), view.id, view.version)
    assert "không sửa được" in await alert_of(an, panel, editing)
    assert world.services.assessments.view(view.id).state == "submitted"


async def test_a_forged_button_cannot_touch_someone_elses_assessment(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    binh = await world.linked_user("CV02", "Bình")
    plan(world, "CV01", "Báo cáo tháng", date(2026, 11, 20), CheckinOutcome.ON_TIME)
    await open_november(world, an, binh)
    await an.say("/tudanhgia")
    aid, _, version = assessment_of(world, "CV01")
    own = await binh.say("/tudanhgia")
    for data in (
        f"v1:sa:ded:{aid}:{version}:0:0",
        f"v1:sa:full:{aid}:{version}:0",
        f"v1:sa:go:{aid}:{version}:4",
        f"v1:sa:pt:{aid}:{version}:0",
        f"v1:sa:sub:{aid}:{version}",
        f"v1:sa:x:{aid}:{version}",
    ):
        assert "không thuộc về bạn" in await alert_of(binh, own, data), data
    mine, _, my_version = assessment_of(world, "CV02")
    for data in ("v1:sa:go:abc", f"v1:sa:zz:{mine}:{my_version}", f"v1:sa:ded:{mine}:{my_version}:9{'9' * 30}:0"):
        assert "Nút này không còn hiệu lực" in await alert_of(binh, own, data), data
    assert "Nút này không còn hiệu lực" in await alert_of(binh, own, f"v1:sa:ded:{mine}:{my_version}:0:7")
    assert "Nút này không còn hiệu lực" in await alert_of(binh, own, f"v1:sa:go:{mine}:{my_version}:99")
    view = world.services.assessments.view(aid)
    assert view.version == version and view.state == "draft" and view.step == "crit:pham_chat"


async def test_hostile_input_in_every_typed_step_changes_nothing(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    late = plan(world, "CV01", "Báo cáo quý", date(2026, 11, 19), CheckinOutcome.LATE)
    await open_november(world, an)
    panel = await an.say("/tudanhgia")

    # Points.
    await an.tap(panel, "Gõ điểm")
    assert "Điểm phải là một số từ 0 đến 10" in ((await an.say("mười điểm")).text or "")
    assert "Điểm phải từ 0 đến 10" in ((await an.say("11")).text or "")
    assert "Điểm phải là một số từ 0 đến 10" in ((await an.say("8,125")).text or "")
    assert "quá giới hạn 2000 ký tự" in ((await an.say("9" * 5000)).text or "")
    an.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in ((await an.next_message()).text or "")
    assert "Không có lệnh /lamgi. Bước đang làm vẫn chờ" in ((await an.say("/lamgi")).text or "")
    cancelled = await an.say("/huy")
    assert "Đã thôi bước đang làm" in (cancelled.text or "")
    panel = await an.next_message()
    assert "Tiêu chí 1/3" in (panel.text or "") and "hiện tại: 10 điểm" in (panel.text or "")

    # A note: too long for a note, then a command of the bot in the middle closes the step and shows the panel.
    await an.tap(panel, "Ghi chú")
    assert "Ghi chú dài 1500 ký tự; tối đa 1000 ký tự" in ((await an.say("x" * 1500)).text or "")
    an.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in ((await an.next_message()).text or "")
    panel = await an.say("/tudanhgia")
    assert "Tiêu chí 1/3" in (panel.text or "")
    assert "chưa hiểu" in ((await an.say("Ghi chú muộn")).text or "")  # the step is closed: nothing saved

    # An objective cause.
    for _ in range(3):
        panel = await an.tap(panel, "Tiếp ▶")
    await an.tap(panel, "Nêu nguyên nhân: 1. Báo cáo quý")
    assert "Lý do dài 1200 ký tự; tối đa 1000 ký tự" in ((await an.say("y" * 1200)).text or "")
    assert "quá giới hạn 2000 ký tự" in ((await an.say("z" * 5000)).text or "")
    an.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in ((await an.next_message()).text or "")
    await an.say("/huy")
    panel = await an.next_message()
    assert "Kết quả thực hiện nhiệm vụ" in (panel.text or "") and "Nguyên nhân khách quan:" not in (panel.text or "")

    view = world.services.self_assessment.open_self(person_id(world, "CV01"))
    assert view.own.criterion("pham_chat") == CriterionAnswer() and view.causes == {}
    assert view.step == "tasks" and str(late) in {t.id for t in view.tasks}


async def test_hostile_input_in_the_leader_percent_step(world: BotWorld) -> None:
    hoa = await world.linked_user("TP01", "Hoa")
    plan(world, "TP01", "Chỉ đạo", date(2026, 11, 18), CheckinOutcome.ON_TIME)
    await open_november(world, hoa)
    panel = await hoa.say("/tudanhgia")
    menu = await hoa.tap(await hoa.tap(panel, "Xem tổng hợp"), "Sửa")
    leader = await hoa.tap(menu, "Năng lực tổ chức")
    leader = await hoa.tap(leader, "75 %")
    await hoa.tap(leader, "Gõ tỷ lệ")
    assert "Tỷ lệ phải là một số" in ((await hoa.say("-5")).text or "")
    assert "Tỷ lệ phải là một số" in ((await hoa.say("1e3")).text or "")
    assert "quá giới hạn 2000 ký tự" in ((await hoa.say("8" * 5000)).text or "")
    hoa.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in ((await hoa.next_message()).text or "")
    assert "Không có lệnh /100. Bước đang làm vẫn chờ" in ((await hoa.say("/100")).text or "")
    await hoa.say("/huy")
    back = await hoa.next_message()
    assert "Bạn tự đánh giá: 75 %" in (back.text or "")


async def test_a_restart_in_the_middle_continues_at_the_saved_step(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    plan(world, "CV01", "Báo cáo tháng", date(2026, 11, 20), CheckinOutcome.ON_TIME)
    await open_november(world, an)
    panel = await an.say("/tudanhgia")
    panel = await an.tap(panel, "Tiếp ▶")
    question = await an.tap(panel, "Gõ điểm")
    await world.restart()
    panel = await an.say("8")
    assert question.deleted
    assert "Tiêu chí 2/3" in (panel.text or "") and "hiện tại: 8 điểm (điểm do bạn gõ)" in (panel.text or "")
    panel = await an.tap(panel, "Tiếp ▶")
    await world.restart()
    again = await an.say("/tudanhgia")
    assert "bước 3/5" in (again.text or "") and "Tiêu chí 3/3" in (again.text or "")
    # The panel from before the restart still works: it is the same version.
    following = await an.tap(panel, "Tiếp ▶")
    assert "Kết quả thực hiện nhiệm vụ" in (following.text or "")


async def test_a_returned_assessment_shows_the_reason_and_can_be_resubmitted(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    plan(world, "CV01", "Báo cáo tháng", date(2026, 11, 20), CheckinOutcome.ON_TIME)
    await open_november(world, an)
    an_id, hoa_id = person_id(world, "CV01"), person_id(world, "TP01")
    view = world.services.self_assessment.open_self(an_id)
    world.services.self_assessment.submit(an_id, view.id, view.version)
    world.services.review.return_(Actor.person(hoa_id), view.id, "Bổ sung minh chứng cho báo cáo tháng")
    before = len(an.bot_messages())
    await outbox_drained(world)
    for _ in range(len(an.bot_messages()) - before):  # the decision notice, once that feature exists
        await an.next_message()
    panel = await an.say("/tudanhgia")
    text = panel.text or ""
    assert text.startswith("↩️ Nguyễn Thị Hoa đã trả lại bản tự đánh giá để bạn sửa.")
    assert "Lý do: Bổ sung minh chứng cho báo cáo tháng" in text
    assert "Tổng hợp tự đánh giá kỳ 11/2026" in text
    first = await an.tap(await an.tap(panel, "Sửa"), "1. Phẩm chất")
    assert "↩️ Nguyễn Thị Hoa đã trả lại" in (first.text or "") and "Tiêu chí 1/3" in (first.text or "")
    summary = await an.tap(first, "Xem tổng hợp")
    done = await an.tap(summary, "Gửi duyệt")
    assert "cho Nguyễn Thị Hoa duyệt" in (done.text or "")
    # Approved later: /tudanhgia shows the decision, read-only.
    world.services.review.approve(Actor.person(hoa_id), view.id)
    before = len(an.bot_messages())
    await outbox_drained(world)
    for _ in range(len(an.bot_messages()) - before):
        await an.next_message()
    shown = await an.say("/tudanhgia")
    assert "✅ Đã được Nguyễn Thị Hoa duyệt lúc" in (shown.text or "") and shown.button_texts() == []


async def test_period_opened_reaches_each_linked_person_with_a_button_to_the_panel(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    dung = await world.linked_user("CV03", "Dung")
    world.services.periods.open(Actor.person(person_id(world, "TC01")), unit_id(world, "SO"), "2026-11")
    notice = await an.next_message()
    assert (notice.text or "").startswith(
        "📣 Kỳ đánh giá 11/2026 của Phòng Tổng hợp đã mở (từ 01/11/2026 đến 30/11/2026)."
    )
    assert notice.button("Tự đánh giá")["callback_data"] == "v1:sa:open"
    other = await dung.next_message()
    assert "Kỳ đánh giá 11/2026 của Phòng Công chức đã mở" in (other.text or "")
    await outbox_drained(world)
    with world.services.db.uow() as uow:
        rows = uow.outbox.of_kind("period_opened")
    sent = {m.person_id for m in rows if m.status == "sent"}
    assert sent == {person_id(world, "CV01"), person_id(world, "CV03")}
    assert all(m.status in ("sent", "skipped") for m in rows)  # the others have no Telegram account yet
    panel = await dung.tap(other, "Tự đánh giá")
    assert panel.message_id == other.message_id and "Tiêu chí 1/3" in (panel.text or "")


async def test_bonus_claims_where_the_regime_has_a_bonus_group(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    plan(world, "CV01", "Báo cáo tháng", date(2026, 11, 20), CheckinOutcome.ON_TIME)
    world.services.periods.regime_id = "hanoi-3814-2018"  # a regime with bonus points
    await open_november(world, an)
    panel = await an.say("/tudanhgia")
    assert "bước 1/5" in (panel.text or "")
    for _ in range(3):
        panel = await an.tap(panel, "Tiếp ▶")
    text = panel.text or ""
    assert "bước 4/5" in text and "Đề nghị cộng điểm nếu bạn có thành tích" in text
    assert "⬜ Thành tích nổi bật" in text and "(tối đa 10 điểm)" in text
    await an.tap(panel, "Đề nghị: Thành tích")
    assert "Điểm phải từ 0 đến 10" in ((await an.say("12")).text or "")
    assert "Điểm phải là một số" in ((await an.say("nhiều")).text or "")
    panel = await an.say("4")
    assert "☑️ Thành tích nổi bật" in (panel.text or "") and "+4 điểm" in (panel.text or "")
    summary = await an.tap(panel, "Tiếp ▶")
    assert "🎖 1 đề nghị cộng điểm đang chờ xác nhận." in (summary.text or "")
    panel = await an.tap(summary, "◀ Quay lại")
    panel = await an.tap(panel, "Bỏ đề nghị")
    assert "⬜ Thành tích nổi bật" in (panel.text or "")
    assert world.services.self_assessment.open_self(person_id(world, "CV01")).bonus_claims == ()


async def test_a_long_month_still_fits_in_one_message(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    pid = person_id(world, "CV01")
    for number in range(1, 46):
        title = f"Việc số {number}: " + "thẩm định hồ sơ đề nghị cấp phép xây dựng công trình " * 3
        task = plan(world, "CV01", title[:200], date(2026, 11, 1 + number % 19), CheckinOutcome.LATE)
        if number % 2:
            world.services.tasks.toggle_quality(Actor.person(pid), pid, task)
    await open_november(world, an)
    panel = await an.say("/tudanhgia")
    tasks = await an.tap(panel, "Xem tổng hợp")
    text = tasks.text or ""
    assert len(text) <= 4096 and "Tổng điểm:" in text and "• Kết quả thực hiện nhiệm vụ:" in text
    assert "Giải trình điểm" in text and text.rstrip().endswith(")")  # cut at a line boundary, with the count left out
    menu = await an.tap(tasks, "Sửa")
    tasks = await an.tap(menu, "Kết quả thực hiện nhiệm vụ")
    assert len(tasks.text or "") <= 4096 and "1. 🕒 Việc số 1" in (tasks.text or "")
    assert len(tasks.buttons()) <= 100
