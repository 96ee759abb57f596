"""End to end: the evaluation council of a ward of eight on the Liên Chiểu regime — the cards each member
receives when the period closes (never about themselves), votes with reasons up to the quorum, the decision
told privately to the person, /hoidong, commendation proposals — and a person contesting their result.
The month itself is set up through the workflow (the 360° round and the closing have their own tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from tests.conftest import BotWorld, write_roster

pytestmark = pytest.mark.e2e

HEADER = ["ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren"]
UNIT = "UBND phường Hòa Phát"
WARD = [
    ["CT01", "Nguyễn Văn Chủ", "HP", UNIT, "Chủ tịch", "lanh_dao,hoi_dong", ""],
    ["PCT01", "Trần Thị Phó", "HP", UNIT, "Phó Chủ tịch", "lanh_dao", "CT01"],
    ["CC01", "Lê Văn Một", "HP", UNIT, "Công chức Văn phòng - Thống kê", "nhan_vien", "PCT01"],
    ["CC02", "Phạm Thị Hai", "HP", UNIT, "Công chức Tư pháp - Hộ tịch", "nhan_vien", "PCT01"],
    ["CC03", "Hoàng Văn Ba", "HP", UNIT, "Công chức Địa chính - Xây dựng", "nhan_vien", "PCT01"],
    ["CC04", "Đỗ Thị Bốn", "HP", UNIT, "Công chức Tài chính - Kế toán", "nhan_vien", "PCT01"],
    ["CC05", "Vũ Văn Năm", "HP", UNIT, "Công chức Văn hóa - Xã hội", "nhan_vien,hoi_dong", "PCT01"],
    ["VP01", "Bùi Thị Sáu", "HP", UNIT, "Công chức Nội vụ", "nhan_vien,to_chuc,hoi_dong", "PCT01"],
]
STAFF = ("CC01", "CC02", "CC03", "CC04", "CC05", "VP01")
LOW = ("CC02", "CC05")  # their leader scores them far below their own score: a gap case each
CARD = "Hội đồng đánh giá — vụ việc #"
REASON = "Lãnh đạo trực tiếp chấm thấp có căn cứ, hồ sơ chậm tiến độ"


@dataclass
class Ward:
    """The ward after November was closed: person ids, assessment ids, the linked Telegram users."""

    world: BotWorld
    ids: dict[str, int]
    records: dict[str, int]
    period_id: int
    users: dict[str, SimUser] = field(default_factory=dict)

    def case_of(self, code: str, kind: str = "gap") -> int:
        with self.world.services.db.uow() as uow:
            case = uow.council.case_of(self.records[code], kind)
            assert case is not None and case.id is not None
            return case.id


async def closed_ward(world: BotWorld, tmp_path: Path, *linked: str) -> Ward:
    """The ward next to the demo roster, November opened on the Liên Chiểu regime, the deputy chair's ratings
    (low for CC02 and CC05), everyone's self-assessment approved, then the period closed by HR; the people
    named are linked before closing, so they receive what closing sends."""
    services = world.services
    services.roster.import_table(read_roster(write_roster(tmp_path / "ward.csv", WARD, HEADER)), Actor.cli("t"))
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        unit = uow.units.get_by_code("HP")
        assert unit is not None and unit.id is not None
        unit_id = unit.id
    services.periods.regime_id = "danang-lienchieu-2013"
    (period,) = services.periods.open(Actor.person(ids["VP01"]), unit_id, "2026-11")
    deputy = ids["PCT01"]
    low = {row[1] for row in WARD if row[0] in LOW}
    for task in services.ratings.todo(deputy):
        view = services.ratings.points(
            deputy, task.id, task.version, "ket_qua_cong_viec", "30" if task.ratee_name in low else "58"
        )
        services.ratings.submit(deputy, view.id, view.version)
    for code in (*STAFF, "CT01"):  # peers and the chair at full points: every result has enough assessors
        rater = ids[code]
        for task in services.ratings.todo(rater):
            services.ratings.submit(rater, task.id, task.version)
    records = {}
    for code in STAFF:
        view = services.self_assessment.open_self(ids[code])
        records[code] = services.self_assessment.submit(ids[code], view.id, view.version).id
        assert services.review.approve(Actor.person(deputy), records[code]).done
    for item in services.outbox.claim_due(1000):  # the round's requests and the reviews: not what this is about
        services.outbox.skipped(item.id, "test setup")
    ward = Ward(world, ids, records, period.id)
    for code in linked:
        name = next(row[1] for row in WARD if row[0] == code)
        ward.users[code] = await world.linked_user(code, name.split()[-1])
    assert services.periods.close(Actor.person(ids["VP01"]), period.id).closed
    await deliver_round(world.app, wait=True)
    return ward


async def seen(world: BotWorld, user: SimUser, needle: str, after: int = 0) -> Message:
    """The bot's latest private message to this person containing `needle` (waiting for it)."""

    def find() -> Message | None:
        return next((m for m in reversed(user.bot_messages()) if m.seq > after and needle in (m.text or "")), None)

    return await world.sandbox.wait_for(find, 10, f"{needle!r} in {user.user.display_name}'s chat")


def shown(user: SimUser, needle: str) -> list[Message]:
    """Every visible bot message to this person containing `needle`."""
    return [m for m in user.bot_messages() if needle in (m.text or "")]


async def tap(world: BotWorld, user: SimUser, message: Message, label: str) -> Message:
    """Press a button and wait until the bot answers and edits that very message in place."""
    before = message.seq
    await user.answer_to(user.press(message, label))
    return await world.sandbox.wait_for(
        lambda: message if message.seq > before else None, 10, f"an edit after pressing {label!r}"
    )


async def alert(user: SimUser, message: Message, label: str) -> str:
    """Press a button whose press is refused: the alert the bot answered with."""
    query = await user.answer_to(user.press(message, label))
    assert query.show_alert, query.answer_text
    return query.answer_text or ""


async def forge(user: SimUser, message: Message, data: str) -> str:
    query = await user.answer_to(user.press_forged(message, data))
    return query.answer_text or ""


async def typed(world: BotWorld, user: SimUser, text: str, needle: str) -> Message:
    """Type text and wait for the bot's new message containing `needle`."""
    sent = user.send(text)
    return await seen(world, user, needle, sent.seq)


def card_about(user: SimUser, name: str) -> Message:
    (card,) = [m for m in shown(user, CARD) if f"👤 {name}" in (m.text or "")]
    return card


async def test_a_gap_reaches_the_council_and_two_matching_votes_decide_it(world: BotWorld, tmp_path: Path) -> None:
    ward = await closed_ward(world, tmp_path, "CT01", "CC05", "VP01", "CC02")
    chu, nam, sau, hai = (ward.users[c] for c in ("CT01", "CC05", "VP01", "CC02"))
    case = ward.case_of("CC02")
    # Every member gets the card about Hai; Năm, a member himself, never gets the card about himself.
    card = await seen(world, chu, f"{CARD}{case}")
    assert "👤 Phạm Thị Hai — Công chức Tư pháp - Hộ tịch, UBND phường Hòa Phát" in card.text
    assert "Kỳ đánh giá: tháng 11/2026" in card.text
    assert "Lý do đưa ra Hội đồng: chênh lệch tự đánh giá và lãnh đạo" in card.text
    assert "⚑ Chênh lệch giữa tự đánh giá và lãnh đạo trực tiếp là 30 điểm (từ 10 điểm)" in card.text
    assert "Tự chấm: 100 điểm" in card.text
    assert "Kết quả cuối: 92,5 điểm — Hoàn thành xuất sắc nhiệm vụ" in card.text  # (100 + 100 + 70 + 100) / 4
    assert "Chưa có phiếu nào (cần 2 phiếu giống nhau để quyết định)." in card.text
    assert card.button_texts() == [
        "✅ Giữ nguyên kết quả",
        "✏️ Đổi mức xếp loại",
        "🙋 Không tham gia vụ này",
        "◀ Danh sách vụ việc",
    ]
    await seen(world, chu, "👤 Vũ Văn Năm")
    await seen(world, sau, "👤 Vũ Văn Năm")
    nam_card = await seen(world, nam, f"{CARD}{case}")
    assert shown(nam, "👤 Vũ Văn Năm") == [] and shown(hai, CARD) == []
    # The chair changes the level; the reason step refuses what is not a reason and keeps waiting.
    levels = await tap(world, chu, card, "✏️ Đổi mức xếp loại")
    assert "Chọn mức mới" in levels.text and "hiện là Hoàn thành xuất sắc nhiệm vụ" in levels.text
    assert levels.button_texts() == [
        "Hoàn thành tốt",
        "Hoàn thành nhưng còn hạn chế về năng lực",
        "Chưa hoàn thành công việc được giao",
        "◀ Quay lại vụ việc",
    ]
    question = await tap(world, chu, levels, "Hoàn thành tốt")
    assert question.message_id == card.message_id
    assert "Đổi mức xếp loại của Phạm Thị Hai thành Hoàn thành tốt" in question.text and "Gõ lý do" in question.text
    assert "Cần ghi lý do" in (await typed(world, chu, "   ", "lý do")).text
    assert "quá giới hạn 2000 ký tự" in (await typed(world, chu, "x" * 5000, "ký tự")).text
    assert "tối đa 1000 ký tự" in (await typed(world, chu, "y" * 1500, "ký tự")).text
    sticker = chu.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await seen(world, chu, "bằng chữ", sticker.seq)).text
    assert world.services.council.case_for_notice(case).votes == ()
    # /huy: no vote, back to the card (below), which still offers both choices.
    cancelled = chu.send("/huy")
    back = await seen(world, chu, f"{CARD}{case}", cancelled.seq)
    assert question.deleted and "Chưa có phiếu nào" in back.text
    assert back.button_texts()[:2] == ["✅ Giữ nguyên kết quả", "✏️ Đổi mức xếp loại"]
    # Now for real: the first vote leaves the case open.
    levels = await tap(world, chu, back, "✏️ Đổi mức xếp loại")
    await tap(world, chu, levels, "Hoàn thành tốt")
    voted = await typed(world, chu, REASON, "Đã ghi phiếu")
    assert "Phiếu đã có: 1 (cần 2 phiếu giống nhau để quyết định)" in voted.text
    assert f"• Nguyễn Văn Chủ: đổi thành Hoàn thành tốt — {REASON}" in voted.text
    assert "Phiếu của bạn: đổi thành Hoàn thành tốt" in voted.text
    assert world.services.council.case_for_notice(case).state == "open"
    # Sáu, the second member, agrees from her own card: the quorum decides and her card is edited in place.
    sau_card = card_about(sau, "Phạm Thị Hai")
    levels = await tap(world, sau, sau_card, "✏️ Đổi mức xếp loại")
    await tap(world, sau, levels, "Hoàn thành tốt")
    decided = await typed(world, sau, "Đồng ý với Chủ tịch", "Hội đồng đã quyết định")
    assert "✅ Hội đồng đã quyết định đổi mức xếp loại thành Hoàn thành tốt (09:00 20/11/2026)." in decided.text
    assert f"Lý do: {REASON}; Đồng ý với Chủ tịch" in decided.text
    assert decided.button_texts() == ["◀ Danh sách vụ việc"] and sau_card.deleted
    # Hai is told privately, with the reason, and can open her result.
    notice = await seen(world, hai, "Hội đồng đánh giá đã xem xét kết quả tháng 11/2026 của bạn")
    assert "(chênh lệch tự đánh giá và lãnh đạo)" in notice.text
    assert "Hội đồng đổi mức xếp loại của bạn thành: Hoàn thành tốt." in notice.text
    assert f"Lý do: {REASON}; Đồng ý với Chủ tịch" in notice.text
    assert notice.button_texts() == ["📊 Xem kết quả"]
    assert "Nguyễn Văn Chủ" not in notice.text and "Bùi Thị Sáu" not in notice.text
    assert world.services.assessments.view(ward.records["CC02"]).final_level == "HTT"
    # The other members hear of the decision; the member who decided does not get it twice.
    told = await seen(world, chu, f"Hội đồng đã quyết định vụ việc #{case}")
    assert (
        "của Phạm Thị Hai (tháng 11/2026, chênh lệch tự đánh giá và lãnh đạo): đổi thành Hoàn thành tốt." in told.text
    )
    await seen(world, nam, f"Hội đồng đã quyết định vụ việc #{case}")
    assert shown(sau, f"Hội đồng đã quyết định vụ việc #{case}") == []
    # Năm's untouched card: a late vote is refused and the card shows the decision instead.
    late = await alert(nam, nam_card, "✅ Giữ nguyên kết quả")
    assert "Hội đồng đã quyết định vụ việc này rồi" in late
    await world.sandbox.wait_for(lambda: "Hội đồng đã quyết định đổi" in (nam_card.text or ""), 10, "the edit")
    assert nam_card.button_texts() == ["◀ Danh sách vụ việc"]
    # /hoidong keeps the decided case among the recent ones, and opens it.
    listed = await typed(world, chu, "/hoidong", "Hội đồng đánh giá")
    assert "Vụ việc chờ quyết định (1)" in listed.text and "Đã quyết định gần đây" in listed.text
    assert (
        f"• #{case} Phạm Thị Hai · tháng 11/2026 · chênh lệch tự đánh giá và lãnh đạo — đổi thành Hoàn thành tốt"
        in (listed.text)
    )
    reopened = await tap(world, chu, listed, f"✔ #{case} Phạm Thị Hai")
    assert "Hội đồng đã quyết định đổi mức xếp loại thành Hoàn thành tốt" in reopened.text
    # The audit log holds each vote, by whom, and the decision.
    with world.services.db.uow() as uow:
        entries = [(e.action, e.actor_person_id) for e in uow.audit.entries("council_case", str(case))]
    assert entries == [
        ("council.case", ward.ids["VP01"]),
        ("council.vote", ward.ids["CT01"]),
        ("council.vote", ward.ids["VP01"]),
        ("council.decide", None),
    ]


async def test_keeping_the_result_needs_no_reason_and_the_person_hears_it_was_kept(
    world: BotWorld, tmp_path: Path
) -> None:
    ward = await closed_ward(world, tmp_path, "CT01", "VP01", "CC05")
    chu, sau, nam = ward.users["CT01"], ward.users["VP01"], ward.users["CC05"]
    case = ward.case_of("CC05")
    card = card_about(chu, "Vũ Văn Năm")
    question = await tap(world, chu, card, "✅ Giữ nguyên kết quả")
    assert "Giữ nguyên kết quả của Vũ Văn Năm (tháng 11/2026: Hoàn thành xuất sắc nhiệm vụ)" in question.text
    assert question.button_texts() == ["✅ Giữ nguyên, không ghi lý do", "◀ Quay lại vụ việc"]
    voted = await tap(world, chu, question, "✅ Giữ nguyên, không ghi lý do")
    assert "• Nguyễn Văn Chủ: giữ nguyên kết quả" in voted.text and "Phiếu đã có: 1" in voted.text
    sau_card = card_about(sau, "Vũ Văn Năm")
    await tap(world, sau, sau_card, "✅ Giữ nguyên kết quả")
    await world.restart()  # the step waits in the database: the reason typed after a restart still counts
    decided = await typed(world, sau, "Điểm tự chấm phù hợp minh chứng", "Hội đồng đã quyết định")
    assert "Hội đồng đã quyết định giữ nguyên kết quả" in decided.text
    notice = await seen(world, nam, "Hội đồng đánh giá đã xem xét kết quả tháng 11/2026 của bạn")
    assert "Hội đồng giữ nguyên mức xếp loại: Hoàn thành xuất sắc nhiệm vụ." in notice.text
    assert "Lý do: Điểm tự chấm phù hợp minh chứng" in notice.text
    assert world.services.council.case_for_notice(case).outcome == "confirm"


async def test_hoidong_lists_the_cases_and_refuses_others_and_forged_buttons(world: BotWorld, tmp_path: Path) -> None:
    ward = await closed_ward(world, tmp_path, "CT01", "CC05", "CC01")
    chu, nam, mot = ward.users["CT01"], ward.users["CC05"], ward.users["CC01"]
    hai_case, nam_case = ward.case_of("CC02"), ward.case_of("CC05")
    panel = await typed(world, chu, "/hoidong", "Hội đồng đánh giá")
    assert "Vụ việc chờ quyết định (2)" in panel.text
    assert f"• #{hai_case} Phạm Thị Hai · tháng 11/2026 · chênh lệch tự đánh giá và lãnh đạo — 0/2 phiếu" in panel.text
    assert panel.button_texts() == [
        f"#{hai_case} Phạm Thị Hai — chênh lệch tự đánh giá và lãnh đạo",
        f"#{nam_case} Vũ Văn Năm — chênh lệch tự đánh giá và lãnh đạo",
        "🏅 Đề cử khen thưởng",
    ]
    opened = await tap(world, chu, panel, f"#{hai_case} Phạm Thị Hai")
    assert f"{CARD}{hai_case}" in opened.text
    listed = await tap(world, chu, opened, "◀ Danh sách vụ việc")
    assert "Vụ việc chờ quyết định (2)" in listed.text
    # Năm's own case is not on his list, and a forged button for it is refused.
    his = await typed(world, nam, "/hoidong", "Hội đồng đánh giá")
    assert "Vụ việc chờ quyết định (1)" in his.text and "Vũ Văn Năm" not in his.text
    assert "không thể bỏ phiếu hay đề cử cho chính mình" in await forge(nam, his, f"v1:hd:c:{nam_case}")
    assert "không thể bỏ phiếu hay đề cử cho chính mình" in await forge(nam, his, f"v1:hd:k0:{nam_case}")
    # Someone outside the council is refused politely, whatever they press.
    refused = await typed(world, mot, "/hoidong", "Hội đồng")
    assert "Chức năng này dành cho thành viên Hội đồng đánh giá." in refused.text
    assert "dành cho thành viên Hội đồng" in await forge(mot, refused, f"v1:hd:k0:{hai_case}")
    assert "dành cho thành viên Hội đồng" in await forge(mot, refused, "v1:hd:cm")
    # Forged or stale data: an unknown case, a level out of range, nonsense.
    assert "Không tìm thấy mục này" in await forge(chu, listed, "v1:hd:c:999999")
    assert "không còn hiệu lực" in await forge(chu, listed, f"v1:hd:l:{hai_case}:99")
    assert "không còn hiệu lực" in await forge(chu, listed, "v1:hd:c:abc")
    assert "không còn hiệu lực" in await forge(chu, listed, "v1:hd:zz:1")
    assert world.services.council.case_for_notice(hai_case).votes == ()
    assert world.services.council.case_for_notice(nam_case).votes == ()


async def test_a_contest_within_the_days_goes_to_the_council_and_none_after_them(
    world: BotWorld, tmp_path: Path
) -> None:
    ward = await closed_ward(world, tmp_path, "CC01", "CC03", "CT01")
    mot, ba, chu = ward.users["CC01"], ward.users["CC03"], ward.users["CT01"]
    final = await seen(world, mot, "Kết quả chính thức kỳ 11/2026")
    assert final.button_texts() == ["📊 Xem chi tiết", "⚖️ Khiếu nại kết quả"]
    contest_data = str(final.button("⚖️ Khiếu nại kết quả")["callback_data"])
    before = final.text
    question_press = mot.press(final, "⚖️ Khiếu nại kết quả")
    await mot.answer_to(question_press)
    question = await seen(world, mot, "Khiếu nại kết quả tháng 11/2026")
    assert "Hạn khiếu nại: hết ngày 25/11/2026" in question.text and final.text == before  # the notice stays
    assert "Cần ghi lý do" in (await typed(world, mot, " ", "lý do")).text
    sent = await typed(world, mot, "Tôi đã hoàn thành vượt kế hoạch tháng", "Đã gửi khiếu nại")
    assert "📨 Đã gửi khiếu nại tới Hội đồng đánh giá." in sent.text and question.deleted
    assert "Lý do bạn gửi: Tôi đã hoàn thành vượt kế hoạch tháng" in sent.text
    # The council gets the contest as a case, with the person's reason.
    case = ward.case_of("CC01", "contest")
    card = await seen(world, chu, f"{CARD}{case}")
    assert "Lý do đưa ra Hội đồng: khiếu nại" in card.text
    assert "Lý do khiếu nại: Tôi đã hoàn thành vượt kế hoạch tháng" in card.text
    # Once is enough: the notice loses its contest button, an old one is refused, /ketqua no longer offers it.
    await world.sandbox.wait_for(lambda: "⚖️ Khiếu nại kết quả" not in final.button_texts(), 10, "the button gone")
    assert final.button_texts() == ["📊 Xem chi tiết"]
    answered = await mot.answer_to(mot.press_forged(final, contest_data))
    assert "Bạn đã khiếu nại kết quả này rồi" in (answered.answer_text or "")
    mine = await typed(world, mot, "/ketqua", "Kết quả đánh giá kỳ 11/2026")
    assert "⚖️ Khiếu nại kết quả" not in mine.button_texts()
    # Ba still may, until 25/11; after that the button is refused and /ketqua no longer offers it.
    his = await typed(world, ba, "/ketqua", "Kết quả đánh giá kỳ 11/2026")
    assert "⚖️ Khiếu nại kết quả" in his.button_texts()
    ba_final = await seen(world, ba, "Kết quả chính thức kỳ 11/2026")
    world.services.clock.advance(timedelta(days=6))  # type: ignore[attr-defined]
    late = await alert(ba, ba_final, "⚖️ Khiếu nại kết quả")
    assert "Đã hết hạn khiếu nại kết quả này (hạn cuối là ngày 25/11/2026)." in late
    later = await typed(world, ba, "/ketqua", "Kết quả đánh giá kỳ 11/2026")
    assert "⚖️ Khiếu nại kết quả" not in later.button_texts()
    with world.services.db.uow() as uow:
        assert uow.council.case_of(ward.records["CC03"], "contest") is None


async def test_commendation_proposals_reaching_the_quorum_tell_the_person(world: BotWorld, tmp_path: Path) -> None:
    ward = await closed_ward(world, tmp_path, "CT01", "CC05", "VP01", "CC01")
    chu, nam, sau, mot = (ward.users[c] for c in ("CT01", "CC05", "VP01", "CC01"))
    panel = await typed(world, chu, "/hoidong", "Hội đồng đánh giá")
    commend = await tap(world, chu, panel, "🏅 Đề cử khen thưởng")
    assert "Đề cử khen thưởng — tháng 11/2026" in commend.text
    assert "• Lê Văn Một (UBND phường Hòa Phát) — 99,5 điểm · 0/2 đề cử" in commend.text
    assert "Bạn đang đề cử 0 người." in commend.text
    assert "☆ Đề cử Lê Văn Một" in commend.button_texts()
    proposed = await tap(world, chu, commend, "☆ Đề cử Lê Văn Một")
    assert "1/2 đề cử ★ bạn đã đề cử" in proposed.text and "Bạn đang đề cử 1 người." in proposed.text
    assert "★ Rút đề cử Lê Văn Một" in proposed.button_texts()
    withdrawn = await tap(world, chu, proposed, "★ Rút đề cử Lê Văn Một")
    assert "Bạn đang đề cử 0 người." in withdrawn.text
    again = await tap(world, chu, withdrawn, "☆ Đề cử Lê Văn Một")
    assert "1/2 đề cử" in again.text
    assert shown(mot, "Chúc mừng") == []
    # Sáu sees herself on the list without a button for herself; Năm's proposal reaches the quorum.
    hers = await tap(world, sau, await typed(world, sau, "/hoidong", "Hội đồng đánh giá"), "🏅 Đề cử khen thưởng")
    assert "• Bùi Thị Sáu (UBND phường Hòa Phát) — 99,5 điểm · 0/2 đề cử (chính bạn)" in hers.text
    assert not any("Bùi Thị Sáu" in label for label in hers.button_texts())
    assert "không thể bỏ phiếu hay đề cử cho chính mình" in await forge(
        sau, hers, f"v1:hd:p:{ward.period_id}:{ward.ids['VP01']}"
    )
    his = await tap(world, nam, await typed(world, nam, "/hoidong", "Hội đồng đánh giá"), "🏅 Đề cử khen thưởng")
    done = await tap(world, nam, his, "☆ Đề cử Lê Văn Một")
    assert (
        "• Lê Văn Một (UBND phường Hòa Phát) — 99,5 điểm · ✅ đã được đề cử khen thưởng (2/2), đã báo tin" in done.text
    )
    assert not any("Lê Văn Một" in label for label in done.button_texts())
    told = await seen(world, mot, "Chúc mừng")
    assert "Hội đồng đánh giá đã đề cử bạn khen thưởng" in told.text and "tháng 11/2026" in told.text
    # What the person has been told stands: withdrawing now (an older panel's button) is refused.
    assert "không rút đề cử được nữa" in await forge(chu, again, f"v1:hd:p:{ward.period_id}:{ward.ids['CC01']}")
    final = await tap(world, chu, await typed(world, chu, "/hoidong", "Hội đồng đánh giá"), "🏅 Đề cử khen thưởng")
    assert "đã được đề cử khen thưởng (2/2)" in final.text
    # A forged proposal for someone who is not a candidate changes nothing.
    assert "không còn hiệu lực" in await forge(nam, done, f"v1:hd:p:{ward.period_id}:{ward.ids['PCT01']}")
    with world.services.db.uow() as uow:
        assert [m.person_id for m in uow.outbox.of_kind("commended")] == [ward.ids["CC01"]]


async def test_a_member_steps_aside_and_hr_hears_when_the_council_can_no_longer_decide(
    world: BotWorld, tmp_path: Path
) -> None:
    ward = await closed_ward(world, tmp_path, "CT01", "CC05", "VP01", "CC01")
    chu, sau, mot = (ward.users[c] for c in ("CT01", "VP01", "CC01"))
    # Năm (himself a council member) contests; the board shows his result as before the council meanwhile.
    case = world.services.council.contest(ward.ids["CC05"], ward.records["CC05"], "Tôi đã vượt kế hoạch tháng")
    await deliver_round(world.app, wait=True)
    board = await typed(world, mot, "/congkhai", "Công khai kết quả")
    assert "Vũ Văn Năm — ⏳ Hội đồng đang xem xét" in board.text
    assert "Lê Văn Một (bạn) — Hoàn thành xuất sắc nhiệm vụ" in board.text
    card = await seen(world, sau, f"{CARD}{case.id}")
    assert "⏳ Hạn quyết định: 30/11/2026" in card.text  # ten days after the contest (20/11)
    asked = await tap(world, sau, card, "🙋 Không tham gia vụ này")
    assert "Gõ lý do (bắt buộc" in asked.text
    done = await typed(world, sau, "Tôi là đồng nghiệp chấm điểm trực tiếp", "Đã ghi nhận: bạn không tham gia")
    assert "🙋 Bạn đã xin không tham gia vụ này" in done.text
    assert "• Bùi Thị Sáu: không tham gia vụ này — Tôi là đồng nghiệp chấm điểm trực tiếp" in done.text
    assert "🙋 Không tham gia vụ này" not in done.button_texts()
    # HR (Sáu is also HR) is told that the council can no longer decide: one member left, two votes needed.
    await deliver_round(world.app, wait=True)
    notice = await seen(world, sau, "Hội đồng không đủ thành viên để quyết định vụ việc")
    assert f"vụ việc #{case.id}" in notice.text and "chỉ 1 thành viên được bỏ phiếu, cần 2 phiếu" in notice.text
    mine = await typed(world, chu, "/hoidong", "Hội đồng đánh giá")
    opened = await tap(world, chu, mine, f"#{case.id} Vũ Văn Năm")
    assert "⚠️ Chỉ 1 thành viên được bỏ phiếu vụ này, chưa đủ 2 phiếu" in opened.text
