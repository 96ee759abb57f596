"""End to end: a leader names an acting reviewer with /uyquyen; the acting reviewer is told, gets the pending
cards, and decides on the leader's behalf — every card and notice says so, and so does the audit log."""

from __future__ import annotations

import pytest

from tests.conftest import BotWorld
from tests.e2e.test_reminders import at, quiet_ticks, tick
from tests.e2e.test_review import AN_CAUSE, audit_actions, changes, open_november, seen, submit_an, tap

pytestmark = pytest.mark.e2e


async def test_an_acting_reviewer_approves_on_the_leaders_behalf(world: BotWorld) -> None:
    ids = open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    hai = await world.linked_user("QT01", "Hải")
    an = await world.linked_user("CV01", "An")
    assessment = submit_an(world)
    hoa_card = await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    panel = await hoa.say("/uyquyen")
    assert "Ủy quyền duyệt" in panel.text and "Hiện bạn chưa ủy quyền cho ai" in panel.text
    people = await tap(world, hoa, panel, "Ủy quyền người duyệt thay")
    assert people.message_id == panel.message_id and "Chọn người duyệt thay bạn" in people.text
    assert "Bùi Văn Hải — Chuyên viên CNTT" in people.button_texts()
    dates = await tap(world, hoa, people, "Bùi Văn Hải")
    assert "Ủy quyền cho Bùi Văn Hải từ ngày nào đến ngày nào" in dates.text
    assert dates.button_texts()[:3] == ["Hôm nay 20/11", "7 ngày (đến 26/11)", "Đến cuối tháng 30/11"]
    # Typed ranges: bad ones are refused and the step keeps waiting.
    assert "Ngày «31/02» không có trên lịch" in (await hoa.say("31/02")).text
    assert "chưa đúng dạng khoảng ngày" in (await hoa.say("tuần sau")).text
    assert "Ngày kết thúc phải sau ngày bắt đầu" in (await hoa.say("27/11 - 21/11")).text
    assert "Khoảng thời gian này đã qua" in (await hoa.say("01/11 - 10/11")).text
    hoa.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await hoa.next_message()).text
    confirm = await hoa.say("20/11 - 25/11")
    assert "Ủy quyền cho Bùi Văn Hải duyệt thay bạn từ 20/11/2026 đến 25/11/2026?" in confirm.text
    dates = await tap(world, hoa, confirm, "Chọn lại ngày")
    confirm = await tap(world, hoa, dates, "7 ngày")
    assert "từ 20/11/2026 đến 26/11/2026" in confirm.text
    listed = await tap(world, hoa, confirm, "Xác nhận ủy quyền")
    assert "Đã ủy quyền cho Bùi Văn Hải từ 20/11/2026 đến 26/11/2026" in listed.text
    assert "• Bùi Văn Hải: 20/11/2026 – 26/11/2026 (đang có hiệu lực)" in listed.text
    # The acting reviewer is told, and the pending card comes to them, marked "on behalf of".
    told = await seen(world, hai, "đã ủy quyền cho bạn")
    assert (
        "Nguyễn Thị Hoa đã ủy quyền cho bạn duyệt bản đánh giá thay mặt mình từ 20/11/2026 đến 26/11/2026" in told.text
    )
    card = await seen(world, hai, "Bản tự đánh giá tháng 11/2026")
    assert "Lê Văn An" in card.text and f"Báo cáo quý: {AN_CAUSE}" in card.text
    assert "🤝 Bạn duyệt thay mặt Nguyễn Thị Hoa." in card.text
    queue = await hai.say("/duyet")
    assert "Chờ bạn duyệt: 1 bản" in queue.text and "🤝 thay mặt Nguyễn Thị Hoa" in queue.text
    approved = await tap(world, hai, card, "✅ Duyệt")
    assert "✅ Đã duyệt bởi Bùi Văn Hải (thay mặt Nguyễn Thị Hoa) lúc 09:00 20/11/2026." in approved.text
    assert approved.button_texts() == ["📄 Chi tiết"]
    # The leader's own card is edited in place to the same decision; her stale press decides nothing.
    await changes(world, hoa_card, "Đã duyệt bởi Bùi Văn Hải (thay mặt Nguyễn Thị Hoa)")
    assert hoa_card.button_texts() == ["📄 Chi tiết"]
    late = await hoa.answer_to(hoa.press_forged(hoa_card, f"v1:rv:a:{assessment}"))
    assert "đã được xử lý rồi" in (late.answer_text or "")
    notice = await seen(world, an, "đã được duyệt")
    assert "Người duyệt: Bùi Văn Hải (thay mặt Nguyễn Thị Hoa)" in notice.text
    approvals = [a for a in audit_actions(world, assessment) if a[0] == "assessment.approve"]
    assert approvals == [("assessment.approve", ids["QT01"], ids["TP01"])]
    # Revoking: behind a confirmation; the acting reviewer is told.
    panel = await hoa.say("/uyquyen")
    question = await tap(world, hoa, panel, "Hủy ủy quyền: Bùi Văn Hải")
    assert "Hủy ủy quyền cho Bùi Văn Hải (20/11/2026 – 26/11/2026)?" in question.text
    kept = await tap(world, hoa, question, "Giữ lại")
    assert "(đang có hiệu lực)" in kept.text
    question = await tap(world, hoa, kept, "Hủy ủy quyền: Bùi Văn Hải")
    revoked = await tap(world, hoa, question, "🗑 Hủy ủy quyền")
    assert "Đã hủy ủy quyền cho Bùi Văn Hải" in revoked.text and "Hiện bạn chưa ủy quyền cho ai" in revoked.text
    await seen(world, hai, "đã hủy ủy quyền duyệt")


async def test_only_leaders_delegate_and_nobody_outside_can_be_named(world: BotWorld) -> None:
    open_november(world)
    an = await world.linked_user("CV01", "An")
    hoa = await world.linked_user("TP01", "Hoa")
    refused = await an.say("/uyquyen")
    assert "Chỉ lãnh đạo mới ủy quyền duyệt được" in refused.text
    forged = await an.answer_to(an.press_forged(refused, "v1:uq:n"))
    assert "Chỉ lãnh đạo" in (forged.answer_text or "")
    panel = await hoa.say("/uyquyen")
    with world.services.db.uow() as uow:
        outsider = uow.people.get_by_code("CV03")
        assert outsider is not None and outsider.id is not None
        outsider_id = outsider.id
    named = await hoa.answer_to(hoa.press_forged(panel, f"v1:uq:ok:{outsider_id}:20261120:20261127"))
    assert "không thể nhận ủy quyền" in (named.answer_text or "")
    assert world.services.delegations.of_leader(outsider_id) == []
    with world.services.db.uow() as uow:
        hoa_id = uow.people.get_by_code("TP01").id  # type: ignore[union-attr]
    assert hoa_id is not None and world.services.delegations.of_leader(hoa_id) == []


async def test_a_delegation_named_ahead_brings_the_waiting_cards_on_its_first_working_day(world: BotWorld) -> None:
    open_november(world)
    hoa = await world.linked_user("TP01", "Hoa")
    hai = await world.linked_user("QT01", "Hải")
    submit_an(world)
    await seen(world, hoa, "Bản tự đánh giá tháng 11/2026")
    panel = await hoa.say("/uyquyen")
    people = await tap(world, hoa, panel, "Ủy quyền người duyệt thay")
    await tap(world, hoa, people, "Bùi Văn Hải")
    confirm = await hoa.say("23/11 - 27/11")
    listed = await tap(world, hoa, confirm, "Xác nhận ủy quyền")
    assert "• Bùi Văn Hải: 23/11/2026 – 27/11/2026" in listed.text
    await seen(world, hai, "từ 23/11/2026 đến 27/11/2026")
    # Before the range (and on the weekend, and before the morning reminders) no card comes to Hải.
    await quiet_ticks(world, "20/11 09:30", "21/11 10:00", "22/11 10:00", "23/11 07:59")

    def cards() -> list[str]:
        return [m.text for m in hai.bot_messages() if "Bản tự đánh giá tháng 11/2026" in (m.text or "")]

    assert cards() == []
    # On Monday morning the review that was already waiting arrives, marked "on behalf of" — once.
    at(world, "23/11 08:00")
    await tick(world)
    card = await seen(world, hai, "Bản tự đánh giá tháng 11/2026")
    assert "Lê Văn An" in card.text and "🤝 Bạn duyệt thay mặt Nguyễn Thị Hoa." in card.text
    await quiet_ticks(world, "23/11 10:00", "24/11 07:30")
    assert len(cards()) == 1
    approved = await tap(world, hai, card, "✅ Duyệt")
    assert "✅ Đã duyệt bởi Bùi Văn Hải (thay mặt Nguyễn Thị Hoa)" in approved.text
