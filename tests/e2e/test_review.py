"""End to end: the reviewer's side — a card arrives on each submission; approve, return or adjust it from the
card (edited in place), read the details, work through /duyet with bulk approval — and the person is told
privately. Submissions are set up through the workflow (the person's side has its own tests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.common import Actor
from danhgia.workflow.outbox import queue
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import BotWorld

pytestmark = pytest.mark.e2e

AN_CAUSE = "Chờ số liệu của Sở Tài chính"


def people(world: BotWorld) -> dict[str, int]:
    """Staff code → person id."""
    with world.services.db.uow() as uow:
        return {p.staff_code: p.id or 0 for p in uow.people.all()}


def open_november(world: BotWorld) -> dict[str, int]:
    """HR opens November for the whole department; the "period opened" notices are set aside (nobody is
    linked yet) so that each chat shows only what these tests are about."""
    ids = people(world)
    with world.services.db.uow() as uow:
        so = uow.units.get_by_code("SO")
        assert so is not None and so.id is not None
        unit_id = so.id
    world.services.periods.open(Actor.person(ids["TC01"]), unit_id, "2026-11")
    for item in world.services.outbox.claim_due(1000):
        world.services.outbox.skipped(item.id, "test setup")
    return ids


def submit(
    world: BotWorld,
    code: str,
    tasks: list[tuple[str, date, CheckinOutcome]],
    *,
    causes: dict[str, str] | None = None,
    deductions: list[tuple[str, str]] = (),  # type: ignore[assignment]
    leader_percent: str | None = None,
) -> int:
    """A self-assessment submitted through the workflow; returns its id."""
    services = world.services
    person = people(world)[code]
    actor = Actor.person(person)
    titles: dict[str, int] = {}
    for title, due, outcome in tasks:
        task = services.tasks.add(actor, person, title, due, Decimal(1))
        services.tasks.checkin(actor, person, task.id, outcome)
        titles[title] = task.id
    view = services.self_assessment.open_self(person)
    for title, reason in (causes or {}).items():
        view = services.self_assessment.set_cause(person, view.id, view.version, str(titles[title]), reason)
    for criterion, deduction in deductions:
        view = services.self_assessment.add_deduction(person, view.id, view.version, criterion, deduction)
    if leader_percent is not None:
        view = services.self_assessment.set_leader_percent(
            person, view.id, view.version, "to_chuc_thuc_hien", leader_percent
        )
    return services.self_assessment.submit(person, view.id, view.version).id


def submit_an(world: BotWorld) -> int:
    """An: one task late with an objective cause, one on time, one deduction — 99 points, excellent."""
    return submit(
        world,
        "CV01",
        [
            ("Báo cáo quý", date(2026, 11, 19), CheckinOutcome.LATE),
            ("Thẩm định hồ sơ", date(2026, 11, 20), CheckinOutcome.ON_TIME),
        ],
        causes={"Báo cáo quý": AN_CAUSE},
        deductions=[("pham_chat", "vi_pham_gio_giac")],
    )


def submit_binh(world: BotWorld) -> int:
    """Bình: one task on time, nothing claimed — 100 points."""
    return submit(world, "CV02", [("Tổng hợp số liệu", date(2026, 11, 20), CheckinOutcome.ON_TIME)])


async def seen(world: BotWorld, user: SimUser, needle: str, timeout: float = 10.0) -> Message:
    """The latest bot message in the user's private chat that contains `needle` (waiting for it)."""

    def find() -> Message | None:
        return next((m for m in reversed(user.bot_messages()) if needle in (m.text or "")), None)

    return await world.sandbox.wait_for(find, timeout, f"{needle!r} in {user.user.display_name}'s chat")


async def changes(world: BotWorld, message: Message, needle: str, timeout: float = 10.0) -> Message:
    """Wait until a message is edited in place to contain `needle`."""
    return await world.sandbox.wait_for(
        lambda: message if needle in (message.text or "") else None, timeout, f"an edit showing {needle!r}"
    )


async def tap(world: BotWorld, user: SimUser, message: Message, label: str, timeout: float = 10.0) -> Message:
    """Press a button and wait until the bot answers and edits that very message in place (other messages,
    such as cards refreshed by the outbox, may change meanwhile)."""
    before = message.seq
    query = user.press(message, label)
    await user.answer_to(query, timeout)
    return await world.sandbox.wait_for(
        lambda: message if message.seq > before else None, timeout, f"an edit after pressing {label!r}"
    )


def audit_actions(world: BotWorld, assessment_id: int) -> list[tuple[str, int | None, int | None]]:
    with world.services.db.uow() as uow:
        return [
            (e.action, e.actor_person_id, e.on_behalf_of_person_id)
            for e in uow.audit.entries("assessment", str(assessment_id))
        ]


async def test_a_card_arrives_and_approving_edits_it_in_place_and_tells_the_person(world: BotWorld) -> None:
    ids = open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    an = await world.linked_user("CV01", "An")
    assessment = submit_an(world)
    card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    assert "Lê Văn An — Chuyên viên, Phòng Tổng hợp" in card.text
    assert "Tự chấm: 99/100 điểm — Hoàn thành xuất sắc nhiệm vụ" in card.text
    assert "• Tiêu chí chung: 29/30" in card.text and "• Kết quả thực hiện nhiệm vụ: 70/70" in card.text
    assert "Đề nghị xác nhận nguyên nhân khách quan" in card.text and f"Báo cáo quý: {AN_CAUSE}" in card.text
    assert card.button_texts() == ["✅ Duyệt", "✏️ Điều chỉnh", "↩️ Trả lại", "📄 Chi tiết"]
    # A double tap: one decision; the second press is answered quietly (her own decision stands, no pop-up).
    first = hoa.press(card, "✅ Duyệt")
    second = hoa.press(card, "✅ Duyệt")
    answered = [await hoa.answer_to(first), await hoa.answer_to(second)]
    assert answered[0].answer_text == "Đã duyệt." and not answered[1].answer_text and not answered[1].show_alert
    await changes(world, card, "Đã duyệt")
    assert "✅ Đã duyệt bởi Nguyễn Thị Hoa lúc 09:00 20/11/2026." in card.text
    assert card.button_texts() == ["📄 Chi tiết"]
    notice = await seen(world, an, "đã được duyệt")
    assert "Tổng điểm: 99/100 — Hoàn thành xuất sắc nhiệm vụ" in notice.text
    assert "Người duyệt: Nguyễn Thị Hoa" in notice.text
    # A second leader pressing the old button (a stale client) decides nothing.
    cuong = await world.linked_user("TP02", "Cường")
    queue = await cuong.say("/duyet")
    assert "không có bản đánh giá nào chờ bạn duyệt" in queue.text
    stale = await cuong.answer_to(cuong.press_forged(queue, f"v1:rv:a:{assessment}"))
    assert stale.show_alert and "không phải người duyệt" in (stale.answer_text or "")
    # Nor can An approve his own assessment with a forged button.
    own = await an.answer_to(an.press_forged(notice, f"v1:rv:a:{assessment}"))
    assert "không thể tự duyệt" in (own.answer_text or "")
    approvals = [a for a in audit_actions(world, assessment) if a[0] == "assessment.approve"]
    assert approvals == [("assessment.approve", ids["TP01"], None)]


async def test_a_forged_button_from_another_leader_is_refused_and_changes_nothing(world: BotWorld) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    cuong = await world.linked_user("TP02", "Cường")
    assessment = submit_an(world)
    card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    panel = await cuong.say("/duyet")
    for data in (f"v1:rv:a:{assessment}", f"v1:rv:j:{assessment}", f"v1:rv:d:{assessment}", f"v1:rv:r:{assessment}"):
        answered = await cuong.answer_to(cuong.press_forged(panel, data))
        assert "không phải người duyệt" in (answered.answer_text or ""), data
    nonsense = await cuong.answer_to(cuong.press_forged(panel, "v1:rv:a:99999999999999999999999"))
    assert "Nút này" in (nonsense.answer_text or "")
    assert world.services.assessments.view(assessment).state == "submitted"
    assert "Đã duyệt" not in card.text and len(card.buttons()) == 4


async def test_return_needs_a_reason_and_the_person_is_told_with_a_button_to_their_assessment(
    world: BotWorld,
) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    an = await world.linked_user("CV01", "An")
    submit_an(world)
    card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    question = await tap(world, hoa, card, "↩️ Trả lại")
    assert question.message_id == card.message_id and "Gõ lý do" in question.text
    assert "quá giới hạn 2000 ký tự" in (await hoa.say("x" * 5000)).text
    assert "Lý do dài 1500 ký tự; tối đa 1000 ký tự" in (await hoa.say("y" * 1500)).text
    hoa.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await hoa.next_message()).text
    returned = await hoa.say("Bổ sung minh chứng cho việc thẩm định hồ sơ")
    assert "↩️ Đã trả lại bởi Nguyễn Thị Hoa lúc 09:00 20/11/2026." in returned.text
    assert "Lý do: Bổ sung minh chứng cho việc thẩm định hồ sơ" in returned.text
    assert returned.button_texts() == ["📄 Chi tiết"] and card.deleted
    notice = await seen(world, an, "đã được trả lại để sửa")
    assert "Lý do: Bổ sung minh chứng cho việc thẩm định hồ sơ" in notice.text
    assert "Người trả lại: Nguyễn Thị Hoa" in notice.text
    assert notice.button("Mở bản tự đánh giá")["callback_data"] == "v1:sa:open"


async def test_adjusting_walks_the_criteria_and_claims_with_a_required_reason(world: BotWorld) -> None:
    ids = open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    an = await world.linked_user("CV01", "An")
    assessment = submit_an(world)
    card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    step = await tap(world, hoa, card, "✏️ Điều chỉnh")
    assert step.message_id == card.message_id
    assert "Điều chỉnh — Lê Văn An · bước 1/6" in step.text and "Phẩm chất chính trị" in step.text
    assert "Cá nhân tự chấm: 9 điểm" in step.text and "Đi muộn, về sớm" in step.text
    step = await tap(world, hoa, step, "Tiếp ▶")
    assert "bước 2/6" in step.text and "Tinh thần trách nhiệm" in step.text
    # A double tap on a deduction counts once; the second press is stale.
    first = hoa.press(step, "−1 Thiếu trách nhiệm")
    second = hoa.press(step, "−1 Thiếu trách nhiệm")
    await hoa.answer_to(first)
    assert "Nút này đã cũ" in ((await hoa.answer_to(second)).answer_text or "")
    step = await changes(world, step, "Người duyệt chấm: 9 điểm")
    assert "Thiếu trách nhiệm trong phối hợp, làm ảnh hưởng đến công việc chung ×1: −1 điểm" in step.text
    step = await tap(world, hoa, step, "Tiếp ▶")
    assert "bước 3/6" in step.text and "Năng lực đổi mới" in step.text
    ask = await tap(world, hoa, step, "Gõ điểm")
    assert "từ 0 đến 10" in ask.text
    # Hostile input in the typed step: each refused, the step keeps waiting.
    assert "Điểm phải là một số từ 0 đến 10" in (await hoa.say("bảy")).text
    assert "Điểm phải từ 0 đến 10" in (await hoa.say("11")).text
    assert "quá giới hạn 2000 ký tự" in (await hoa.say("9" * 5000)).text
    hoa.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await hoa.next_message()).text
    await hoa.say("/huy")
    back = await seen(world, hoa, "bước 3/6")
    assert "Người duyệt chấm: 10 điểm" in back.text  # nothing was changed by the refused answers
    await tap(world, hoa, back, "Gõ điểm")
    step = await hoa.say("3")
    assert "✅ Đã lưu." in step.text and "Người duyệt chấm: 3 điểm" in step.text
    claims = await tap(world, hoa, step, "Tiếp ▶")
    assert (
        "bước 4/6" in claims.text and f"✅ Báo cáo quý — nguyên nhân khách quan: {AN_CAUSE} (xác nhận)" in claims.text
    )
    claims = await tap(world, hoa, claims, "✅ Báo cáo quý")
    assert "❌ Báo cáo quý" in claims.text and "(không xác nhận)" in claims.text
    reason = await tap(world, hoa, claims, "Tiếp ▶")
    assert "Gõ lý do điều chỉnh bản của Lê Văn An" in reason.text
    assert "Cần ghi lý do" in (await hoa.say("   ")).text
    summary = await hoa.say("Chưa phối hợp tốt; chậm báo cáo quý không do khách quan")
    assert "Điều chỉnh — Lê Văn An · tóm tắt" in summary.text
    assert "Tổng điểm: 99 → 88,08" in summary.text
    assert "Xếp loại: Hoàn thành xuất sắc nhiệm vụ → Hoàn thành tốt nhiệm vụ" in summary.text
    assert "• Năng lực đổi mới sáng tạo, dám nghĩ, dám làm: 10 → 3" in summary.text
    assert "• Không xác nhận nguyên nhân khách quan: Báo cáo quý" in summary.text
    done = await tap(world, hoa, summary, "Xác nhận điều chỉnh")
    assert done.message_id == summary.message_id
    assert "✏️ Đã điều chỉnh bởi Nguyễn Thị Hoa lúc 09:00 20/11/2026: 99 → 88,08 điểm" in done.text
    assert "Hoàn thành xuất sắc nhiệm vụ → Hoàn thành tốt nhiệm vụ" in done.text
    assert done.button_texts() == ["📄 Chi tiết"]
    notice = await seen(world, an, "đã được điều chỉnh")
    assert "Tổng điểm: 99 → 88,08" in notice.text
    assert "Lý do: Chưa phối hợp tốt; chậm báo cáo quý không do khách quan" in notice.text
    assert "Người điều chỉnh: Nguyễn Thị Hoa" in notice.text
    assert "• Năng lực đổi mới sáng tạo, dám nghĩ, dám làm: 10 → 3" in notice.text
    actions = audit_actions(world, assessment)
    assert ("assessment.adjust_start", ids["TP01"], None) in actions
    assert actions[-1] == ("assessment.adjust", ids["TP01"], None)


async def test_a_restart_in_the_middle_of_an_adjustment_continues_where_it_was(world: BotWorld) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    submit_an(world)
    card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    step = await tap(world, hoa, card, "✏️ Điều chỉnh")
    step = await tap(world, hoa, step, "Tiếp ▶")
    step = await tap(world, hoa, step, "−1 Thiếu trách nhiệm")
    step = await tap(world, hoa, step, "Tiếp ▶")
    await tap(world, hoa, step, "Gõ điểm")
    await world.restart()
    step = await hoa.say("5")
    assert "bước 3/6" in step.text and "Người duyệt chấm: 5 điểm" in step.text
    # Leaving the walk and pressing Adjust on the card again continues at the same step, nothing lost.
    queue = await hoa.say("/duyet")
    assert "Chờ bạn duyệt: 1 bản" in queue.text and "trong đó 1 bản đang điều chỉnh" in queue.text
    opened = await tap(world, hoa, queue, "1. Lê Văn An")
    assert "Đang được điều chỉnh" in opened.text
    again = await tap(world, hoa, opened, "✏️ Điều chỉnh")
    assert "bước 3/6" in again.text and "Người duyệt chấm: 5 điểm" in again.text
    previous = await tap(world, hoa, again, "◀ Trước")
    assert "Người duyệt chấm: 9 điểm" in previous.text
    cancelled = await tap(world, hoa, previous, "Hủy điều chỉnh")
    assert "Đang được điều chỉnh" not in cancelled.text and "✅ Duyệt" in cancelled.button_texts()


async def test_details_and_back_to_the_card(world: BotWorld) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    submit_an(world)
    card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    details = await tap(world, hoa, card, "📄 Chi tiết")
    assert details.message_id == card.message_id
    assert "Chi tiết tự đánh giá — Lê Văn An · tháng 11/2026" in details.text
    assert "Đi muộn, về sớm, bỏ vị trí làm việc không có lý do ×1: −1 điểm" in details.text
    assert "• Báo cáo quý — xong trễ hạn · trọng số 1" in details.text
    assert f"Nguyên nhân khách quan: {AN_CAUSE}" in details.text
    assert "Giải trình điểm" in details.text and "Tổng tự chấm: 99/100 điểm" in details.text
    back = await tap(world, hoa, details, "◀ Quay lại thẻ")
    assert back.message_id == card.message_id and "Tự chấm: 99/100 điểm" in back.text
    assert back.button_texts() == ["✅ Duyệt", "✏️ Điều chỉnh", "↩️ Trả lại", "📄 Chi tiết"]


async def test_the_queue_approves_all_not_adjusted_behind_a_confirmation(world: BotWorld) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    an = await world.linked_user("CV01", "An")
    binh = await world.linked_user("CV02", "Bình")
    submit_an(world)
    binh_id = submit_binh(world)
    binh_card = await seen(world, hoa, "Phạm Thị Bình")
    await tap(world, hoa, binh_card, "✏️ Điều chỉnh")  # Bình's assessment is being adjusted: bulk approval leaves it
    queue = await hoa.say("/duyet")
    assert "Chờ bạn duyệt: 2 bản" in queue.text and "trong đó 1 bản đang điều chỉnh" in queue.text
    assert "1. Lê Văn An — 99 điểm · Hoàn thành xuất sắc nhiệm vụ" in queue.text
    assert "2. Phạm Thị Bình — 100 điểm" in queue.text and "✏️ đang điều chỉnh" in queue.text
    confirm = await tap(world, hoa, queue, "Duyệt tất cả 1 bản chưa điều chỉnh")
    assert confirm.message_id == queue.message_id
    assert "Duyệt tất cả 1 bản chưa điều chỉnh" in confirm.text and "• Lê Văn An — 99 điểm" in confirm.text
    assert (
        "Phạm Thị Bình" not in confirm.text and "đang điều chỉnh hoặc mở lại (1 bản) không bị ảnh hưởng" in confirm.text
    )
    back = await tap(world, hoa, confirm, "◀ Quay lại")
    assert "Chờ bạn duyệt: 2 bản" in back.text  # nothing approved without the confirmation
    confirm = await tap(world, hoa, back, "Duyệt tất cả")
    done = await tap(world, hoa, confirm, "✅ Duyệt 1 bản")
    assert "Đã duyệt 1 bản; còn 1 bản chờ bạn xử lý" in done.text
    assert "Chờ bạn duyệt: 1 bản" in done.text and "Phạm Thị Bình" in done.text
    assert "Duyệt tất cả" not in " ".join(done.button_texts())
    await seen(world, an, "đã được duyệt")
    assert world.services.assessments.view(binh_id).state == "submitted"
    assert not [m for m in binh.bot_messages() if "đã được duyệt" in (m.text or "")]
    # A card opened from the queue leads back to it.
    opened = await tap(world, hoa, done, "1. Phạm Thị Bình")
    assert "Phạm Thị Bình — Chuyên viên" in opened.text and "Danh sách chờ duyệt" in opened.button_texts()[-1]
    approved = await tap(world, hoa, opened, "✅ Duyệt")
    assert "Đã duyệt bởi Nguyễn Thị Hoa" in approved.text
    empty = await tap(world, hoa, approved, "Danh sách chờ duyệt")
    assert "không có bản đánh giá nào chờ bạn duyệt" in empty.text


async def test_approve_all_approves_exactly_the_list_its_confirmation_showed(world: BotWorld) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    binh = await world.linked_user("CV02", "Bình")
    an_id = submit_an(world)
    sent = hoa.send("/duyet")  # An's review card may arrive meanwhile: wait for the queue itself

    def the_queue() -> Message | None:
        return next(
            (m for m in hoa.bot_messages() if m.seq > sent.seq and any("Duyệt tất cả" in b for b in m.button_texts())),
            None,
        )

    queue = await world.sandbox.wait_for(the_queue, 10, "the review queue")
    confirm = await tap(world, hoa, queue, "Duyệt tất cả 1 bản chưa điều chỉnh")
    assert "• Lê Văn An — 99 điểm" in confirm.text and "Phạm Thị Bình" not in confirm.text
    # Meanwhile Bình submits: the confirmation on Hoa's screen did not list her.
    binh_id = submit_binh(world)
    query = hoa.press(confirm, "✅ Duyệt 1 bản")
    answered = await hoa.answer_to(query)
    assert answered.answer_text == "Danh sách chờ duyệt đã thay đổi: chưa duyệt bản nào."
    again = await world.sandbox.wait_for(lambda: confirm if "đã thay đổi" in (confirm.text or "") else None)
    assert "• Lê Văn An — 99 điểm" in again.text and "• Phạm Thị Bình — 100 điểm" in again.text
    assert world.services.assessments.view(an_id).state == "submitted"
    assert world.services.assessments.view(binh_id).state == "submitted"
    # The new list, confirmed, is approved — both, as shown.
    done = await tap(world, hoa, again, "✅ Duyệt 2 bản")
    assert "Đã duyệt 2 bản; còn 0 bản chờ bạn xử lý" in done.text
    await seen(world, binh, "đã được duyệt")
    assert world.services.assessments.view(an_id).state == "approved"


async def test_the_head_reviews_a_leaders_assessment(world: BotWorld) -> None:
    ids = open_november(world)
    minh = await world.linked_user("GD01", "Minh")
    hoa = await world.linked_user("TP01", "Hoa")
    assessment = submit(
        world,
        "TP01",
        [("Kế hoạch công tác của phòng", date(2026, 11, 20), CheckinOutcome.ON_TIME)],
        leader_percent="100",
    )
    card = await seen(world, minh, "Bản tự đánh giá tháng 11/2026")
    assert "Nguyễn Thị Hoa — Trưởng phòng, Phòng Tổng hợp" in card.text
    details = await tap(world, minh, card, "📄 Chi tiết")
    assert "Tiêu chí dành cho lãnh đạo" in details.text and "Năng lực tổ chức triển khai" in details.text
    card = await tap(world, minh, details, "◀ Quay lại thẻ")
    approved = await tap(world, minh, card, "✅ Duyệt")
    assert "Đã duyệt bởi Trần Văn Minh" in approved.text
    notice = await seen(world, hoa, "đã được duyệt")
    assert "Người duyệt: Trần Văn Minh" in notice.text
    assert audit_actions(world, assessment)[-1] == ("assessment.approve", ids["GD01"], None)


async def test_a_reopened_assessment_comes_back_to_the_reviewer_and_the_person_is_told(world: BotWorld) -> None:
    ids = open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    an = await world.linked_user("CV01", "An")
    assessment = submit_an(world)
    card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    await tap(world, hoa, card, "✅ Duyệt")
    await seen(world, an, "đã được duyệt")
    world.services.review.reopen(Actor.person(ids["TC01"]), assessment, "Khiếu nại về điểm tiến độ")
    notice = await seen(world, an, "đã được mở lại để xem xét")
    assert "tháng 11/2026" in notice.text
    await world.sandbox.wait_for(lambda: "✅ Duyệt" in card.button_texts())  # the old card is pending again
    assert "Đã duyệt" not in card.text
    fresh = await world.sandbox.wait_for(
        lambda: next((m for m in hoa.bot_messages() if m.message_id > card.message_id and "Lê Văn An" in m.text), None)
    )
    assert fresh.button_texts() == ["✅ Duyệt", "✏️ Điều chỉnh", "↩️ Trả lại", "📄 Chi tiết"]
    approved = await tap(world, hoa, fresh, "✅ Duyệt")
    assert "Đã duyệt bởi Nguyễn Thị Hoa" in approved.text
    await changes(world, card, "Đã duyệt")


async def test_the_head_adjusts_a_leaders_own_criterion_given_as_a_percentage(world: BotWorld) -> None:
    ids = open_november(world)
    minh = await world.linked_user("GD01", "Minh")
    hoa = await world.linked_user("TP01", "Hoa")
    assessment = submit(
        world,
        "TP01",
        [("Kế hoạch công tác của phòng", date(2026, 11, 20), CheckinOutcome.ON_TIME)],
        leader_percent="100",
    )
    card = await seen(world, minh, "Bản tự đánh giá tháng 11/2026")
    step = await tap(world, minh, card, "✏️ Điều chỉnh")
    assert "Điều chỉnh — Nguyễn Thị Hoa · bước 1/8" in step.text
    for _ in range(3):
        step = await tap(world, minh, step, "Tiếp ▶")
    assert "bước 4/8" in step.text
    assert "Tiêu chí dành cho lãnh đạo: Năng lực tổ chức triển khai thực hiện nhiệm vụ" in step.text
    assert "Cá nhân tự đánh giá: 100 %" in step.text and "Người duyệt đánh giá: 100 %" in step.text
    assert "100 % ✓" in step.button_texts()
    step = await tap(world, minh, step, "50 %")
    assert "Người duyệt đánh giá: 50 %" in step.text and "50 % ✓" in step.button_texts()
    # Typed: a bad percentage is refused and the step keeps waiting; a good one is saved.
    await tap(world, minh, step, "⌨️ Gõ tỷ lệ")
    assert "Tỷ lệ phải là một số từ 0 đến 100" in (await minh.say("120")).text
    assert "Tỷ lệ phải là một số từ 0 đến 100" in (await minh.say("tốt")).text
    step = await minh.say("75")
    assert "✅ Đã lưu." in step.text and "Người duyệt đánh giá: 75 %" in step.text
    sixth = await tap(world, minh, step, "Tiếp ▶")
    assert "bước 5/8" in sixth.text and "Tiêu chí dành cho lãnh đạo" in sixth.text
    claims = await tap(world, minh, sixth, "Tiếp ▶")
    assert "bước 6/8" in claims.text
    reason = await tap(world, minh, claims, "Tiếp ▶")
    assert "Gõ lý do điều chỉnh bản của Nguyễn Thị Hoa" in reason.text
    summary = await minh.say("Phòng còn chậm triển khai hai kế hoạch")
    assert "• Năng lực tổ chức triển khai thực hiện nhiệm vụ: 100 % → 75 %" in summary.text
    old, new = totals_in(summary.text)
    assert old - new == Decimal("2.92")  # 25 % of one of the six criteria averaged into 70 points
    done = await tap(world, minh, summary, "Xác nhận điều chỉnh")
    assert "✏️ Đã điều chỉnh bởi Trần Văn Minh" in done.text
    notice = await seen(world, hoa, "đã được điều chỉnh")
    assert "• Năng lực tổ chức triển khai thực hiện nhiệm vụ: 100 % → 75 %" in notice.text
    assert "Lý do: Phòng còn chậm triển khai hai kế hoạch" in notice.text
    assert audit_actions(world, assessment)[-1] == ("assessment.adjust", ids["GD01"], None)


def totals_in(text: str) -> tuple[Decimal, Decimal]:
    """The old and new totals of an adjustment summary ("Tổng điểm: 98,33 → 95,42")."""
    line = next(line for line in text.splitlines() if line.startswith("Tổng điểm:"))
    old, new = line.removeprefix("Tổng điểm:").split("→")
    return Decimal(old.strip().replace(",", ".")), Decimal(new.strip().replace(",", "."))


async def test_a_card_sent_twice_by_a_dying_process_is_adopted_and_never_disagrees(world: BotWorld) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    an_id = submit_an(world)
    first = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    # The process died after Telegram sent a second card and before recording it: a card nobody remembers.
    with world.services.db.uow() as uow:
        queue(uow, "review_card", people(world)["TP01"], {"assessment_id": an_id}, world.services.clock.now())
        uow.commit()
    await deliver_round(world.app, wait=True)
    second = await world.sandbox.wait_for(
        lambda: next((m for m in hoa.bot_messages() if m.seq > first.seq and "Bản tự đánh giá" in m.text), None)
    )
    with world.services.db.uow() as uow:
        for card in uow.cards.at(second.chat_id, second.message_id):
            uow.cards.forget(card)
        uow.commit()
    # Hoa presses on it (details, then back): it is adopted. Approving on the other card refreshes both.
    details = await tap(world, hoa, second, "📄 Chi tiết")
    back = await tap(world, hoa, details, "◀ Quay lại thẻ")
    approved = await tap(world, hoa, first, "✅ Duyệt")
    assert "Đã duyệt bởi Nguyễn Thị Hoa" in approved.text
    await changes(world, back, "Đã duyệt bởi Nguyễn Thị Hoa")
    assert back.button_texts() == ["📄 Chi tiết"]
