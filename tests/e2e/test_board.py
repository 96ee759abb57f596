"""End to end: the disclosure board (/congkhai) of a ward of eight on the Liên Chiểu regime — nothing before the
period is closed or where the regime has no board; after closing, each colleague's self-score, bonus, final score,
level and quarter average; other closed periods; forged period ids refused; and no message anybody ever received
holds an individual secret rating."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.chat.format import points
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.common import Actor
from tests.conftest import BotWorld
from tests.e2e.ward import CODES, NAMES, STAFF, Ward, add_ward, everything_said

pytestmark = pytest.mark.e2e


async def alert_of(user: SimUser, message: Message, callback_data: str) -> str:
    """Press a button carrying this data (a forged one) and read the bot's answer."""
    query = user.press_forged(message, callback_data)
    answered = await user.answer_to(query)
    return answered.answer_text or ""


def close(ward: Ward, period_id: int) -> None:
    outcome = ward.world.services.periods.close(ward.hr, period_id)
    assert outcome.closed, outcome


def demo_ids(world: BotWorld) -> tuple[int, dict[str, int]]:
    """HR of the demo department, and the ids of its units."""
    with world.services.db.uow() as uow:
        hr = uow.people.get_by_code("TC01")
        assert hr is not None and hr.id is not None
        units = {code: unit.id or 0 for code in ("SO", "TH") if (unit := uow.units.get_by_code(code)) is not None}
        return hr.id, units


async def test_no_board_before_closing_nor_where_the_regime_has_none(world: BotWorld, tmp_path: Path) -> None:
    ward = await add_ward(world, tmp_path, "CC01")
    one = ward.users["CC01"]
    answer = await one.say("/congkhai")  # no period yet, and the organisation's regime (NĐ 335) has no board
    assert "Chế độ đánh giá của đơn vị bạn không có bảng công khai" in (answer.text or "")
    ward.open()
    await ward.settle()
    answer = await one.say("/congkhai")
    text = answer.text or ""
    assert "Bảng công khai chỉ có sau khi kỳ đánh giá được chốt" in text and answer.button_texts() == []
    # Another unit with no period yet: new periods now use the ward's regime, which has a board — not yet.
    an = await world.linked_user("CV01", "An")
    answer = await an.say("/congkhai")
    assert "Bảng công khai chỉ có sau khi kỳ đánh giá được chốt" in (answer.text or "")
    # In a group chat, nothing: a button to the private chat.
    group = world.sandbox.add_group("Phường Hòa Phát", [one.id])
    one.send("/congkhai", chat=group)
    reply = await one.next_message(chat=group)
    assert "chỉ làm việc trong cuộc trò chuyện riêng" in (reply.text or "")


# The secret ratings of November: each rater gives the same distinctive points for results to everyone they
# rate in secret (peers, and their leader). None of these may ever reach anyone but the rater.
SECRET = {"CC01": "33.19", "CC02": "36.43", "CC03": "38.61", "CC04": "42.97", "CC05": "48.03", "VP01": "44.71"}
DEPUTY_TO_CHAIR = "31.37"  # the chair's only staff rater: too few to count or show
SELF_OCTOBER = {"CC01": "60", "CC02": "58", "CC03": "56", "CC04": "57", "CC05": "59", "VP01": "55", "PCT01": "55"}
SELF_NOVEMBER = {"CC01": "58", "CC02": "60", "CC03": "57", "CC04": "56", "CC05": "59", "VP01": "55.5", "PCT01": "54"}


def as_shown(value: str) -> set[str]:
    """How a number could be written in a message: 33,19 / 33.19, and the total with full marks elsewhere."""
    number = Decimal(value)
    total = number + 40  # 15 + 25 for the other two criteria, at full points
    return {points(number), str(number), points(total), str(total)}


async def rate_through_the_bot(user: SimUser, names: list[str], value: str) -> None:
    """Every rating of one person walked in the chat: typed points for results, the rest full, submitted."""
    for name in names:
        listed = await user.say("/danhgiacheo")
        panel = await user.tap(listed, name)
        await user.tap(panel, "Gõ điểm")
        typed = await user.say(value.replace(".", ","))
        summary = await user.tap(typed, "Xem tổng hợp")
        assert f"Tổng: {points(Decimal(value) + 40)}/100 điểm" in (summary.text or "")
        done = await user.tap(summary, "Gửi phần chấm")
        assert "Đã gửi phần chấm" in (done.text or "")


async def test_after_closing_the_unit_sees_its_board_and_no_secret_rating_ever_reaches_anyone(
    world: BotWorld, tmp_path: Path
) -> None:
    ward = await add_ward(world, tmp_path)
    ids = ward.ids
    # October: self-assessments approved as they are, closed.
    october = ward.open("2026-10")
    records = {code: ward.self_assess(code, SELF_OCTOBER[code]) for code in (*STAFF, "PCT01")}
    for code in STAFF:
        ward.approve("PCT01", records[code])
    ward.approve("CT01", records["PCT01"])
    close(ward, october)

    # November: the 360° round, then self-assessments, approvals, closing.
    november = ward.open("2026-11")
    await ward.settle()
    for rater, value in SECRET.items():
        if rater != "CC05":
            for ratee in (*(c for c in STAFF if c != rater), "PCT01"):
                ward.rate(rater, ratee, value)
    names = [NAMES[c] for c in STAFF if c != "CC05"] + [NAMES["PCT01"]]
    await rate_through_the_bot(ward.users["CC05"], names, SECRET["CC05"])
    for code in STAFF:
        ward.rate("PCT01", code, "55")
        ward.rate("CT01", code, "52")
    ward.rate("PCT01", "CT01", DEPUTY_TO_CHAIR)
    ward.rate("CT01", "PCT01", "50")
    records = {code: ward.self_assess(code, SELF_NOVEMBER[code]) for code in (*STAFF, "PCT01")}
    for code in STAFF:
        ward.approve("PCT01", records[code])
    ward.approve("CT01", records["PCT01"])
    await ward.settle()
    answer = await ward.users["CC01"].say("/congkhai")  # October is closed, November not yet
    assert "kỳ 10/2026" in (answer.text or "")
    close(ward, november)
    await ward.settle()

    # Everyone looks at the board of their unit, and at their own result.
    boards: dict[str, Message] = {}
    for code in CODES:
        boards[code] = await ward.users[code].say("/congkhai")
        await ward.users[code].say("/ketqua")
    board = world.services.disclosure.board(ids["CC01"])
    assert board.period_id == november and board.has_bonus
    everyone = {row.name: row for row in board.rows}
    assert set(everyone) == {NAMES[c] for c in (*STAFF, "PCT01", "CT01")}
    # The chair has no final result (nobody above reviews them): listed, without numbers.
    chair = everyone.pop(NAMES["CT01"])
    assert chair.total is None and chair.self_total is None and chair.level == ""
    rows = everyone
    text = boards["CC01"].text or ""
    assert text.startswith("📋 Công khai kết quả đánh giá kỳ 11/2026\nUBND phường Hòa Phát · kỳ đã chốt")
    assert "TB quý: trung bình các kỳ đã chốt của Quý IV/2026" in text
    assert "Thưởng: điểm thưởng" in text
    for name, row in rows.items():
        level = row.level
        prefix = "👉 " if name == NAMES["CC01"] else ""
        mark = " (bạn)" if name == NAMES["CC01"] else ""
        assert f"{prefix}{name}{mark} — {level}\n" in text, name
        line = (
            f"Tự chấm {points(row.self_total)} · Thưởng {points(row.bonus)} · Cuối {points(row.total)}"
            f" · TB quý {points(row.quarter_average)}"
        )
        assert line in text, line
        assert row.quarter_periods == 2
    # The numbers, by hand: self-scores as given; CC01's final is the equal-weight mean of self (98), the
    # peers' average, the direct leader (95) and the higher leader (92); the quarter averages October (100).
    assert rows[NAMES["CC02"]].self_total == Decimal("100")
    assert rows[NAMES["VP01"]].self_total == Decimal("95.5")
    peers_of_one = [Decimal(SECRET[c]) + 40 for c in STAFF if c != "CC01"]
    expected = (Decimal(98) + sum(peers_of_one, Decimal(0)) / 5 + 95 + 92) / 4
    one = rows[NAMES["CC01"]]
    assert one.total is not None and abs(one.total - expected) < Decimal("0.01")
    assert one.quarter_average is not None and abs(one.quarter_average - (one.total + 100) / 2) < Decimal("0.01")
    assert f"Tự chấm 98 · Thưởng {points(one.bonus)} · Cuối {points(one.total)}" in text
    assert one.level == "Hoàn thành xuất sắc nhiệm vụ"
    assert "🔒 Điểm chấm chéo của từng người không bao giờ được công khai" in text
    assert "Đồng nghiệp" not in text and "Lãnh đạo" not in text
    # Every colleague sees the same board, marked with themselves.
    for code in CODES:
        shown = boards[code].text or ""
        assert all(f"Cuối {points(row.total)}" in shown for row in rows.values()), code
    assert "👉 Trần Thị Phó (bạn)" in (boards["PCT01"].text or "")
    assert "👉 Nguyễn Văn Chủ (bạn) — chưa xếp loại\nTự chấm — · Thưởng — · Cuối — · TB quý —" in (
        boards["CT01"].text or ""
    )

    # The other closed period, in place.
    assert boards["CC01"].button_texts() == ["📅 10/2026"]
    earlier = await ward.users["CC01"].tap(boards["CC01"], "10/2026")
    assert earlier.message_id == boards["CC01"].message_id
    text = earlier.text or ""
    assert "Công khai kết quả đánh giá kỳ 10/2026" in text
    assert f"Tự chấm 100 · Thưởng {points(one.bonus)} · Cuối 100" in text
    assert earlier.button_texts() == ["📅 11/2026"]

    # No message anybody received holds a secret rating — not its total, not its points — except, for a rating
    # walked in the chat, the rater's own panel while they gave it.
    said = list(everything_said(world))
    assert len(said) > 100
    own_chat = {code: ward.users[code].chat.id for code in CODES}
    for rater, value in [*SECRET.items(), ("PCT01", DEPUTY_TO_CHAIR)]:
        for chat_id, text in said:
            if chat_id == own_chat[rater]:
                continue
            for shown in as_shown(value):
                assert shown not in text, (rater, shown, text)
    # The rater's own chat: the summary they were shown, which is gone once sent.
    mine = [text for chat_id, text in said if chat_id == own_chat["CC05"] and "88,03" in text]
    assert mine and all("Tổng hợp phần chấm" in text for text in mine)
    visible = [m.text or "" for m in ward.users["CC05"].bot_messages()]
    assert not any("88,03" in text for text in visible)


async def test_a_forged_period_id_shows_nothing_of_another_unit(world: BotWorld, tmp_path: Path) -> None:
    ward = await add_ward(world, tmp_path, "CC01")
    period = ward.open()
    record = ward.self_assess("CC01", "58")
    ward.approve("PCT01", record)
    close(ward, period)
    await ward.settle()
    one = ward.users["CC01"]
    shown = await one.say("/congkhai")
    assert "Lê Văn Một (bạn)" in (shown.text or "") and shown.button_texts() == []
    # Another unit's closed period, an open period, nonsense.
    hr, units = demo_ids(world)
    world.services.periods.open(Actor.person(hr), units["SO"], "2026-11")
    with world.services.db.uow() as uow:
        other = uow.periods.of_unit(units["TH"], "2026-11")
        assert other is not None and other.id is not None
        other_id = other.id
    world.services.periods.close(Actor.person(hr), other_id)
    december = ward.open("2026-12")
    for data in (f"v1:ck:p:{other_id}", f"v1:ck:p:{december}", "v1:ck:p:999999"):
        assert "Không tìm thấy mục này" in await alert_of(one, shown, data), data
    for data in ("v1:ck:p:abc", "v1:ck:zz", f"v1:ck:p:{period}:1"):
        assert "Nút này không còn hiệu lực" in await alert_of(one, shown, data), data
    # Someone of the other department cannot read the ward's board by its period id either.
    an = await world.linked_user("CV01", "An")
    mine = await an.say("/congkhai")
    refused = await alert_of(an, mine, f"v1:ck:p:{period}")
    assert refused.startswith("⚠️") and "Lê Văn Một" not in refused
    assert all("Lê Văn Một" not in (m.text or "") for m in an.bot_messages())
