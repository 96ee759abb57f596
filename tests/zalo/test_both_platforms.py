"""End to end: one bot on Telegram and Zalo at once (`danhgia run --zalo` with BOT_TOKEN set). An works on Zalo,
his leader Hoa and HR's Giang on Telegram: An's self-assessment reaches Hoa as a card with buttons on Telegram, her
approval and the closing reach An on Zalo as numbered messages — each call goes to the platform of its chat."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from tests.conftest import VN
from tests.zalo.world import zalo_world

pytestmark = pytest.mark.e2e


async def telegram_person(server: SandboxServer, code: str, name: str) -> SimUser:
    """A Telegram user who opened their invite link."""
    user = SimUser(server.sandbox, server.sandbox.add_user(name))
    user.open_link(f"https://t.me/{server.sandbox.bot_username}?start={code}")
    await user.next_message()
    return user


async def test_a_zalo_person_and_telegram_leaders(sqlite_url: str, tmp_path: Path, server: SandboxServer) -> None:
    clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=VN))
    async with zalo_world(sqlite_url, clock, tmp_path, telegram=server) as world:
        an = await world.linked("CV01", "An")
        codes = {i.staff_code: i.code for i in world.services.linking.issue_invites(Actor.cli("test"))}
        hoa = await telegram_person(server, codes["TP01"], "Hoa")
        giang = await telegram_person(server, codes["TC01"], "Giang")
        assert "Xin chào Nguyễn Thị Hoa" in hoa.last().text

        overview = await giang.say("/kydanhgia")
        unit = await giang.tap(overview, "Phòng Tổng hợp")
        opened = await giang.tap(unit, "Mở kỳ 11/2026")
        assert "✅ Đã mở kỳ 11/2026 cho 1 đơn vị: Phòng Tổng hợp" in opened.text
        await world.sandbox.wait_for(lambda: "📣 Kỳ đánh giá 11/2026" in an.last(), 10, "the notice on Zalo")

        await an.say("/tuannay")
        await an.choose("Thêm việc")
        await an.say("Báo cáo tổng hợp tháng 11")
        await an.choose("Hôm nay")
        assert "trọng số 1" in await an.say("1")
        await an.say("/baocaotuan")
        await an.choose("Xong đúng hạn")
        step = await an.say("/tudanhgia")
        for _ in range(6):
            if "📤 Gửi duyệt" in step:
                break
            step = await an.choose("Tiếp")
        assert "Nguyễn Thị Hoa" in await an.choose("Gửi duyệt")

        card = await server.sandbox.wait_for(  # on Telegram, with its buttons
            lambda: next((m for m in hoa.bot_messages() if "👤 Lê Văn An" in (m.text or "")), None), 10, "the card"
        )
        assert "👤 Lê Văn An" in card.text and "✅ Duyệt" in card.button_texts()
        await hoa.tap(card, "✅ Duyệt")
        await world.settled()

        at_closing = datetime(2026, 12, 2, 9, 0, tzinfo=VN)
        world.services.clock.set(at_closing)  # type: ignore[attr-defined]
        unit = await giang.tap(await giang.say("/kydanhgia"), "Phòng Tổng hợp")
        confirm = await giang.tap(unit, "Chốt kỳ")
        closed = await giang.tap(confirm, "✅ Chốt kỳ")
        assert "✅ Đã chốt kỳ 11/2026 — Phòng Tổng hợp" in closed.text
        await world.sandbox.wait_for(lambda: "🏁 Kết quả chính thức kỳ 11/2026" in an.last(), 10, "the result on Zalo")
        assert "1 · 📊 Xem chi tiết" in an.last()
        assert not [m for m in hoa.bot_messages() if "🏁" in (m.text or "")]  # An's result went to An alone
        assert not world.sandbox.violations and not server.sandbox.violations


async def test_a_person_on_both_platforms_hears_where_they_wrote_last(
    sqlite_url: str, tmp_path: Path, server: SandboxServer
) -> None:
    clock = ManualClock(datetime(2026, 11, 30, 9, 0, tzinfo=VN))
    async with zalo_world(sqlite_url, clock, tmp_path, telegram=server) as world:
        an_zalo = await world.linked("CV01", "An")
        # A round of Telegram codes for everyone without a Telegram account: An (on Zalo already) gets one too.
        issued = world.services.linking.issue_invites(Actor.cli("test"), channel="telegram")
        codes = {i.staff_code: i.code for i in issued}
        assert {i.zalo_code for i in issued} == {""}
        an_telegram = await telegram_person(server, codes["CV01"], "An")
        assert "Xin chào Lê Văn An" in an_telegram.last().text  # the same person on both
        giang = await telegram_person(server, codes["TC01"], "Giang")

        # An used Telegram last (he linked it last): the period's notice reaches him there, not on Zalo.
        unit = await giang.tap(await giang.say("/kydanhgia"), "Phòng Tổng hợp")
        await giang.tap(unit, "Mở kỳ 11/2026")
        notice = await an_telegram.next_message()
        assert "📣 Kỳ đánh giá 11/2026" in notice.text and notice.button_texts() == ["📝 Tự đánh giá"]
        assert not [text for text in an_zalo.texts() if "📣" in text]

        # An hour later he writes on Zalo: from now on his notices come to Zalo.
        clock.advance(timedelta(hours=1))
        assert "1 · ➕ Thêm việc" in await an_zalo.say("/tuannay")
        before = len(an_telegram.bot_messages())
        assert await world.tick()  # the day's reminders
        await world.settled()
        assert "⏳ Bạn chưa nộp bản tự đánh giá kỳ 11/2026" in "\n".join(an_zalo.texts()[-3:])
        assert an_telegram.bot_messages()[before:] == []

        # And back on Telegram the next day: what is owed to him follows him there.
        clock.advance(timedelta(days=1))
        assert "Các lệnh dành cho bạn" in (await an_telegram.say("/help")).text
        with world.services.db.reader() as uow:
            person = uow.people.get_by_code("CV01")
            assert person is not None and person.id is not None
            assert uow.links.chats_of([person.id])[person.id].chat_id == an_telegram.id
