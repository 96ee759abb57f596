"""End to end on Zalo: the month that runs on Telegram (tests/e2e/test_month.py, shortened), lived through the local
Zalo server by typing only — linking with "LIENKET code", HR opening the period, a plan and a check-in, a weekly
reminder, a self-assessment, the leader's approval by number, HR closing the period, the final result, /ketqua and
its Word form through a signed link — each panel a new message with numbered choices."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from danhgia.workflow.clock import ManualClock
from tests.conftest import VN
from tests.zalo.world import ZaloBotWorld, zalo_world

pytestmark = pytest.mark.e2e


def at(world: ZaloBotWorld, when: str) -> None:
    """Move the clock to "dd/mm hh:mm" (2026, Hà Nội time)."""
    moment = datetime.strptime(f"{when} 2026", "%d/%m %H:%M %Y").replace(tzinfo=VN)
    world.services.clock.set(moment)  # type: ignore[attr-defined]


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_a_month_on_zalo(sqlite_url: str, tmp_path: Path, webhook: bool) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 8, 0, tzinfo=VN))
    async with zalo_world(sqlite_url, clock, tmp_path, webhook=webhook) as world:
        an = await world.linked("CV01", "An")
        assert "Xin chào Lê Văn An!" in an.texts()[0] and "Tài khoản này từ nay gắn với hồ sơ của bạn" in an.texts()[0]
        hoa = await world.linked("TP01", "Hoa")
        giang = await world.linked("TC01", "Giang")
        assert "không hợp lệ" in await world.people["CV01"].say("LIENKET ABCD2345")  # a wrong code changes nothing

        # HR opens November for the unit, by numbers; An is told.
        assert "📋 Kỳ đánh giá 11/2026" in await giang.say("/kydanhgia")
        unit = await giang.choose("Phòng Tổng hợp")
        assert "Trạng thái: chưa mở · 4 người" in unit
        assert "✅ Đã mở kỳ 11/2026 cho 1 đơn vị: Phòng Tổng hợp" in await giang.choose("Mở kỳ 11/2026")
        await world.sandbox.wait_for(lambda: "📣 Kỳ đánh giá 11/2026" in an.last(), 10, "the opening notice")
        assert an.last().endswith("1 · 📝 Tự đánh giá")

        # An plans a task: its title typed, the due date chosen by number, the weight typed as shown.
        assert "1 · ➕ Thêm việc" in await an.say("/tuannay")
        assert "Gõ tên công việc" in await an.choose("Thêm việc")
        due = await an.say("Báo cáo tổng hợp tháng 11")
        assert "3 · Cuối tháng 30/11" in due
        weight = await an.say("3")  # the third choice: a bare number is a choice where the step takes a date
        assert "Gõ một giá trị: 0,5 · 1 · 2 · 3" in weight
        week = await an.say("2")  # a value shown: the weight 2, not the second line
        assert "Báo cáo tổng hợp tháng 11 — hạn 30/11 · trọng số 2 · chưa báo cáo" in week

        # Friday's reminder reaches An on Zalo.
        at(world, "27/11 16:30")
        await world.tick()
        await world.settled()
        assert "📝 Báo cáo tuần 23/11 – 29/11/2026" in an.last() and "1 · 🗓 Ghi công việc tuần" in an.last()

        # Check-in and self-assessment on the last day.
        at(world, "30/11 09:00")
        assert "Việc 1/1: Báo cáo tổng hợp tháng 11" in await an.say("/baocaotuan")
        assert "Báo cáo tổng hợp tháng 11 — xong đúng hạn" in await an.choose("Xong đúng hạn")
        step = await an.say("/tudanhgia")
        for _ in range(6):
            if "📤 Gửi duyệt" in step:
                break
            step = await an.choose("Tiếp")
        assert "Tổng điểm: 100/100" in step
        sent = await an.choose("Gửi duyệt")
        assert "✅ Đã gửi bản tự đánh giá kỳ 11/2026 cho Nguyễn Thị Hoa duyệt." in sent

        # Hoa's card arrives as a numbered message; she approves with "1".
        await world.sandbox.wait_for(lambda: "👤 Lê Văn An" in hoa.last(), 10, "the review card")
        assert "1 · ✅ Duyệt\n2 · ✏️ Điều chỉnh\n3 · ↩️ Trả lại\n4 · 📄 Chi tiết" in hoa.last()
        assert "✅ Đã duyệt bởi Nguyễn Thị Hoa" in await hoa.say("1")

        # HR closes the period; An's result is lowered by the quota and told to him alone.
        at(world, "02/12 09:00")
        await giang.say("/kydanhgia")
        await giang.choose("Phòng Tổng hợp")
        confirm = await giang.choose("Chốt kỳ")
        assert "⚖️ Dự kiến hạ mức do giới hạn tỷ lệ (1): Lê Văn An." in confirm
        assert "✅ Đã chốt kỳ 11/2026 — Phòng Tổng hợp" in await giang.choose("✅ Chốt kỳ")
        await world.sandbox.wait_for(lambda: "🏁 Kết quả chính thức kỳ 11/2026" in an.last(), 10, "the result")
        assert "Xếp loại: Hoàn thành tốt nhiệm vụ" in an.last()
        assert not [text for text in hoa.texts() + giang.texts() if "🏁 Kết quả chính thức" in text]
        result = await an.say("/ketqua")
        assert "✅ Kết quả chính thức (kỳ đã chốt)." in result and "Tổng điểm: 100/100" in result

        # The official form: no documents on Zalo, so a link signed for An's chat, served by the bot.
        linked = await an.choose("Phiếu đánh giá")
        link = re.search(r"(http://\S+/zalo/files/\S+)", linked)
        assert link is not None, linked
        async with httpx.AsyncClient(trust_env=False) as client:
            form = await client.get(link.group(1))
            assert form.status_code == 200 and form.content.startswith(b"PK")  # a .docx
            forged = await client.get(link.group(1).replace("/zalo/files/", "/zalo/files/x"))
            assert forged.status_code == 404 and "hết hạn hoặc không hợp lệ" in forged.text
        assert not world.sandbox.violations
