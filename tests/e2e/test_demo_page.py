"""The chat page of `danhgia demo` in headless Chromium (Debian's `chromium`, driven by Playwright).

The README's tour, from the story's fixed start: the page says who is who; a staff member checks in and
self-assesses, the leader approves from the review card, the staff member reads /ketqua, the demo clock jumps to
the window's opening (the reminder arrives live) and into December (November's moments stay on the list), HR
closes November on its closing day, the staff member contests his result and two council members decide it;
then the same chat on a phone-sized screen and the reset. A second test renders the bot's Telegram HTML,
keyboards, edits, alerts and deep links under `danhgia sandbox` (no demo), with the test playing the bot.

Screenshots land in test-artifacts/demo-page/ at the repository root (ignored by git).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, ConsoleMessage, Locator, Page, ViewportSize, expect

from danhgia.bot.demo import Demo
from danhgia.reports.charts import trend_chart
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.spec import UploadedFile
from tests.browser import TIMEOUT_MS, browser, demo_settings, needs_chromium

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "demo-page"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}

__all__ = ["browser"]  # the fixture, imported to serve this module's tests
pytestmark = [
    pytest.mark.e2e,
    needs_chromium,
]


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """`danhgia demo` in this process, starting where its story starts (a fixed Friday, whatever today is)."""
    running = Demo(folder=tmp_path / "demo", port=0, settings=demo_settings(tmp_path))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
    assert running.sandbox.violations == [], running.sandbox.violations
    assert running.sandbox.wasted_calls() == [], running.sandbox.wasted_calls()


async def open_page(browser: Browser, url: str, viewport: ViewportSize, errors: list[str]) -> Page:
    """A fresh browser context on the page, once it has loaded the people and the chats."""
    context = await browser.new_context(
        viewport=viewport,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        device_scale_factor=1,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        # A 404 from /sandbox/api/demo is how the page learns that it runs under `danhgia sandbox`.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    await page.goto(url)
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    return page


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), animations="disabled")


def row(page: Page, user_id: int | str) -> Locator:  # both pages list people as .person[data-user-id]
    return page.locator(f'.person[data-user-id="{user_id}"]')


def last_bot_message(page: Page) -> Locator:  # on both pages
    return page.locator(".msg.in").last


async def message_by_id(page: Page, message: Locator) -> Locator:
    """The same message by its id, so that it can be followed while the bot edits it in place."""
    ident = await message.get_attribute("data-id")
    return page.locator(f'.msg[data-id="{ident}"]')


async def send(page: Page, text: str) -> None:
    box = page.locator("#text")
    await box.fill(text)
    await box.press("Enter")
    await expect(page.locator(".msg.out").last).to_contain_text(text)


async def test_demo_page_whole_cycle(demo: Demo, browser: Browser) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    url = demo.server.url + "/"
    ids = demo.accounts
    staff, leader, colleague, other = ids["CV01"], ids["TP01"], ids["CV02"], ids["CV03"]
    errors: list[str] = []
    page = await open_page(browser, url, DESKTOP, errors)

    # The story starts on the last Friday before November's self-assessment window, whatever today's date.
    assert demo.services is not None
    start = demo.clock.now().astimezone(VN)
    window = demo.services.reminders.dates(demo.services.periods.span(start.date())).window_opens
    assert start.weekday() == 4 and start.date() < window <= start.date() + timedelta(days=7)
    # Before anyone is chosen, the page says who is who and what to try first.
    empty = page.locator("#chat-empty")
    await expect(empty).to_contain_text("Ai là ai")
    await expect(empty).to_contain_text("Trần Thị Mai")
    await expect(empty.locator(".tour-steps li")).to_have_count(6)
    await shot(page, "00-desktop-tour")

    # The side list: the organisation's people with their positions, grouped by unit; the demo clock.
    await expect(page.locator(".person")).to_have_count(9)
    await expect(row(page, staff)).to_contain_text("Lê Minh Tuấn")
    await expect(row(page, staff)).to_contain_text("Chuyên viên")
    await expect(page.locator(".people-group").first).to_have_text("Sở Nội vụ")
    await expect(page.locator("#now-label")).to_have_text("Thứ Sáu 20/11/2026 14:00")
    await expect(row(page, staff).locator(".badge")).to_have_text("1")  # "the period is open", unread

    # The staff member checks in: /baocaotuan, one tap per task, the card edited in place.
    await row(page, staff).click()
    await expect(page.locator("#head-name")).to_have_text("Lê Minh Tuấn")
    await expect(row(page, staff).locator(".badge")).to_have_count(0)
    await send(page, "/baocaotuan")
    await expect(last_bot_message(page)).to_contain_text("Kết quả tuần này thế nào?")
    await expect(page.locator(".day").last).to_have_text("Hôm nay")  # the demo clock's day, not the browser's
    card = await message_by_id(page, last_bot_message(page))
    await shot(page, "01-desktop-checkin")
    for _ in range(6):
        if "Kết quả tuần này thế nào?" not in await card.inner_text():
            break
        current = re.search(r"Việc \d+/\d+: (.+)", await card.inner_text())
        assert current, await card.inner_text()
        task = current.group(1).strip()
        await card.locator(".kb-btn", has_text="Xong đúng hạn").click()
        await expect(page.locator("#toast")).to_contain_text(f"Đã ghi: {task}")
        await expect(card.locator(".text")).not_to_contain_text(task)
    await expect(card).to_contain_text("Bạn đã báo cáo hết các việc")
    await expect(card.locator(".edited")).to_have_text("đã sửa")

    # …and self-assesses, step by step through to "Gửi duyệt" (the same message, edited at each step).
    await send(page, "/tudanhgia")
    await expect(last_bot_message(page)).to_contain_text("bước 1/5")
    wizard = await message_by_id(page, last_bot_message(page))
    for step in (2, 3, 4):
        await wizard.locator(".kb-btn", has_text="Tiếp ▶").click()
        await expect(wizard).to_contain_text(f"bước {step}/5")
    await wizard.locator(".kb-btn", has_text="Tiếp ▶").click()
    await expect(wizard).to_contain_text("Tổng hợp tự đánh giá kỳ 11/2026")
    await shot(page, "02-desktop-self-assessment-summary")
    await wizard.locator(".kb-btn", has_text="Gửi duyệt").click()
    await expect(wizard).to_contain_text("Đã gửi bản tự đánh giá kỳ 11/2026 cho Trần Thị Mai")
    await expect(wizard.locator(".kb-btn")).to_have_count(0)

    # The leader sees a new message waiting, opens it and approves from the card.
    await expect(row(page, leader).locator(".badge")).to_have_text("2")
    await row(page, leader).click()
    await expect(page.locator("#head-name")).to_have_text("Trần Thị Mai")
    review = page.locator(".msg.in", has_text="Bản tự đánh giá tháng 11/2026")
    await expect(review).to_contain_text("Lê Minh Tuấn")
    await shot(page, "03-desktop-leader-review-card")
    await review.locator(".kb-btn", has_text="Duyệt").first.click()
    await expect(page.locator("#toast")).to_contain_text("Đã duyệt.")
    await expect(review).to_contain_text("Đã duyệt bởi Trần Thị Mai")
    await shot(page, "04-desktop-approved")

    # Back to the staff member: the history is kept, the approval arrived, /ketqua tells the result.
    await expect(row(page, staff).locator(".badge")).to_have_text("1")
    await row(page, staff).click()
    await expect(page.locator(".msg", has_text="Đã gửi bản tự đánh giá kỳ 11/2026")).to_be_visible()
    await expect(last_bot_message(page)).to_contain_text("đã được duyệt")
    await page.locator("#text").fill("/ke")  # typing a command suggests the matching ones; Enter takes the first
    await expect(page.locator(".cmd-item")).to_have_count(1)
    await expect(page.locator(".cmd-item")).to_contain_text("/ketqua")
    await page.locator("#text").press("Enter")
    await expect(page.locator(".msg.out").last).to_have_text(re.compile(r"^/ketqua"))
    await expect(last_bot_message(page)).to_contain_text("Kết quả đánh giá kỳ 11/2026")
    await expect(last_bot_message(page)).to_contain_text("Đã được duyệt")
    await shot(page, "05-desktop-ketqua")

    # The "/" menu shows the person's commands; choosing one sends it.
    await page.get_by_role("button", name="Danh sách lệnh").click()
    await expect(page.locator("#cmd-menu")).to_be_visible()
    await expect(page.locator(".cmd-item", has_text="/tudanhgia")).to_contain_text("Tự đánh giá")
    await shot(page, "06-desktop-command-menu")
    await page.locator(".cmd-item", has_text="/help").click()
    await expect(page.locator(".msg.out").last).to_have_text(re.compile(r"^/help"))
    await expect(page.locator("#cmd-menu")).to_be_hidden()

    # A colleague who has not self-assessed yet: jump to the month's end and the reminder arrives live.
    await row(page, colleague).click()
    await expect(page.locator("#head-name")).to_have_text("Phạm Thu Hà")
    before = await page.locator(".msg").count()
    option = page.locator("#jump option", has_text="Mở tự đánh giá kỳ 11/2026")
    moment = await option.get_attribute("value")
    assert moment
    await page.locator("#jump").select_option(moment)
    await page.get_by_role("button", name="Đi tới").click()
    await expect(page.locator("#now-label")).to_have_text("Thứ Sáu 27/11/2026 08:00")
    await expect(last_bot_message(page)).to_contain_text("Đã đến kỳ tự đánh giá 11/2026")
    assert await page.locator(".msg").count() > before
    await expect(row(page, other).locator(".badge")).to_have_text("2")  # the others got it too
    await shot(page, "07-desktop-month-end-reminder")
    # Into December: November's review deadline, HR's digest and its closing day stay on the list.
    moment = await page.locator("#jump option", has_text="Hạn tự đánh giá kỳ 11/2026").get_attribute("value")
    assert moment
    await page.locator("#jump").select_option(moment)
    await page.get_by_role("button", name="Đi tới").click()
    await expect(page.locator("#now-label")).to_have_text("Thứ Năm 03/12/2026 08:00")
    labels = await page.locator("#jump option").all_inner_texts()
    for wanted in ("Hạn duyệt kỳ 11/2026", "Ngày chốt kỳ 11/2026", "Bản tin cho Tổ chức cán bộ kỳ 11/2026"):
        assert any(wanted in label for label in labels), (wanted, labels)
    assert errors == []

    # The tour's end: HR closes November on its closing day, Tuấn contests his result, the council hears it.
    hr, director, head = ids["TC01"], ids["GD01"], ids["TP02"]
    moment = await page.locator("#jump option", has_text="Ngày chốt kỳ 11/2026").get_attribute("value")
    assert moment
    await page.locator("#jump").select_option(moment)
    await page.get_by_role("button", name="Đi tới").click()
    await expect(page.locator("#now-label")).to_have_text("Thứ Tư 09/12/2026 08:30")
    await row(page, hr).click()
    await send(page, "/kydanhgia")
    await expect(last_bot_message(page)).to_contain_text("Kỳ đánh giá 11/2026")  # November first: still open
    periods = await message_by_id(page, last_bot_message(page))
    await periods.locator(".kb-btn", has_text="Phòng Công chức, viên chức").click()
    await periods.locator(".kb-btn", has_text="Chốt kỳ").first.click()
    await periods.locator(".kb-btn", has_text="✅ Chốt kỳ").click()
    await expect(periods).to_contain_text("Đã chốt kỳ 11/2026 — Phòng Công chức, viên chức")
    await shot(page, "11-desktop-closed")
    await row(page, staff).click()
    final = page.locator(".msg.in", has_text="Kết quả chính thức").last
    await final.locator(".kb-btn", has_text="Khiếu nại kết quả").click()
    await expect(last_bot_message(page)).to_contain_text("Khiếu nại kết quả tháng 11/2026")
    await send(page, "Tôi đã hoàn thành đúng hạn mọi việc được giao, đề nghị xem xét lại mức xếp loại.")
    await expect(page.locator(".msg.in", has_text="Đã gửi khiếu nại tới Hội đồng đánh giá")).to_be_visible()
    for member in (director, head):  # two matching votes decide (the council's quorum)
        await row(page, member).click()
        await send(page, "/hoidong")
        # The list answers /hoidong; the notice of the new case may arrive just before or after it.
        listing = page.locator(".msg.in", has_text="Vụ việc chờ quyết định (1)").last
        await expect(listing).to_be_visible()
        await listing.locator(".kb-btn", has_text="Lê Minh Tuấn").click()
        await expect(last_bot_message(page)).to_contain_text("Lý do khiếu nại")
        case = await message_by_id(page, last_bot_message(page))
        await case.locator(".kb-btn", has_text="Giữ nguyên kết quả").click()
        keep = page.locator(".kb-btn", has_text="Giữ nguyên, không ghi lý do").last
        await keep.click()
        await expect(page.locator(".kb-btn", has_text="Giữ nguyên, không ghi lý do")).to_have_count(0)
        await shot(page, f"12-desktop-council-vote-{member}")
    await row(page, staff).click()
    await expect(last_bot_message(page)).to_contain_text("Hội đồng đánh giá đã xem xét kết quả tháng 11/2026")
    await expect(last_bot_message(page)).to_contain_text("giữ nguyên")
    await shot(page, "13-desktop-contest-decided")
    assert errors == []

    # A phone-sized screen: the list is a screen of its own, the chat has a back button.
    phone = await open_page(browser, url, PHONE, errors)
    await expect(phone.locator(".sidebar")).to_be_visible()
    await expect(phone.locator("#chat")).to_be_hidden()
    await expect(phone.locator("#tour")).to_have_attribute("open", "")  # the tour, folded away with one tap
    await expect(phone.locator("#tour")).to_contain_text("Thử theo các bước")
    await phone.locator("#tour summary").click()
    await expect(phone.locator("#tour .tour-steps")).to_be_hidden()
    await shot(phone, "08-phone-people")
    await row(phone, staff).click()
    await expect(phone.locator(".sidebar")).to_be_hidden()
    await expect(phone.locator("#head-name")).to_have_text("Lê Minh Tuấn")
    await expect(phone.locator("#chat #clock")).to_be_visible()  # the demo clock comes into the chat
    await expect(phone.get_by_role("button", name="Quay lại danh sách người")).to_be_visible()
    await expect(phone.locator(".msg", has_text="Kết quả đánh giá kỳ 11/2026")).to_be_visible()
    overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the phone layout scrolls sideways"
    await shot(phone, "09-phone-chat")
    await phone.get_by_role("button", name="Quay lại danh sách người").click()
    await expect(phone.locator(".sidebar")).to_be_visible()
    await expect(phone.locator("#chat")).to_be_hidden()
    await expect(phone.locator(".sidebar #clock")).to_be_visible()  # and back to the list

    # "Đặt lại bản chạy thử" asks first, then brings back the seeded organisation and clock; both pages follow.
    await page.get_by_role("button", name="Đặt lại bản chạy thử").click()
    await expect(page.locator("#confirm-reset")).to_be_visible()
    await shot(page, "10-desktop-reset-confirm")
    await page.locator("#confirm-reset").get_by_role("button", name="Đặt lại").click()
    await expect(page.locator("#now-label")).to_have_text("Thứ Sáu 20/11/2026 14:00")
    await expect(page.locator(".msg")).to_have_count(1)
    await expect(page.locator(".msg")).to_contain_text("Kỳ đánh giá 11/2026")
    await expect(row(phone, staff).locator(".badge")).to_have_text("1")
    assert errors == []


async def test_sandbox_page_renders_the_bots_html_safely(browser: Browser) -> None:
    """Under `danhgia sandbox` (no demo): the sandbox's users, no clock; the test plays the bot."""
    expect.set_options(timeout=TIMEOUT_MS)
    sandbox = BotApiSandbox()
    server = SandboxServer(sandbox)
    url = await server.start()
    try:
        user = sandbox.add_user("An", "Lê Văn")
        errors: list[str] = []
        page = await open_page(browser, url + "/", DESKTOP, errors)
        await expect(page.locator("#clock")).to_be_hidden()
        await expect(row(page, user.id)).to_contain_text("Lê Văn An")
        await page.locator("#add-user-name").fill("Trần Thị Bình")  # a developer adds a test user from the page
        await page.locator("#add-user-name").press("Enter")
        await expect(page.locator("#head-name")).to_have_text("Trần Thị Bình")
        await expect(page.locator(".person")).to_have_count(2)
        await row(page, user.id).click()
        await expect(page.locator("#head-name")).to_have_text("Lê Văn An")
        await send(page, "xin chào")

        markup = (
            "<b>Đậm</b> <i>nghiêng</i> <u>gạch dưới</u> <s>gạch</s> <code>mã</code> "
            '<a href="https://example.org/a?b=1&amp;c=2">liên kết</a> <a href="javascript:alert(1)">xấu</a> '
            "&lt;script&gt;alert(1)&lt;/script&gt; <tg-spoiler>bí mật</tg-spoiler>\n"
            "<blockquote>trích dẫn</blockquote><pre>khối\nmã</pre> Gõ /help để xem lệnh."
        )
        keyboard = {
            "inline_keyboard": [
                [{"text": "Bấm tôi", "callback_data": "hi"}],
                [{"text": "Mở liên kết", "url": f"https://t.me/{sandbox.bot_username}?start=abc"}],
            ]
        }
        sent = await sandbox.call(
            sandbox.token,
            "sendMessage",
            {"chat_id": user.id, "text": markup, "parse_mode": "HTML", "reply_markup": keyboard},
            typed=True,
        )
        bubble = page.locator(f'.msg[data-id="{sent["message_id"]}"]')
        await expect(bubble.locator("strong")).to_have_text("Đậm")
        await expect(bubble.locator("em")).to_have_text("nghiêng")
        await expect(bubble.locator("u")).to_have_text("gạch dưới")
        await expect(bubble.locator("s")).to_have_text("gạch")
        await expect(bubble.locator("code").first).to_have_text("mã")
        await expect(bubble.locator('a[href="https://example.org/a?b=1&c=2"]')).to_have_text("liên kết")
        await expect(bubble.locator("a", has_text="xấu")).to_have_count(0)
        await expect(bubble.locator("script")).to_have_count(0)
        await expect(bubble.locator(".text")).to_contain_text("<script>alert(1)</script>")
        await expect(bubble.locator(".spoiler")).to_have_text("bí mật")
        await expect(bubble.locator("blockquote")).to_have_text("trích dẫn")
        await expect(bubble.locator("pre")).to_have_text(re.compile(r"^khối\s+mã$"))
        await expect(bubble.locator("a.bot-command")).to_have_text("/help")
        await expect(bubble.locator('a[href^="javascript"]')).to_have_count(0)
        await shot(page, "11-sandbox-html")

        # A button press reaches the "bot"; its alert answer shows as a dialog; edits replace in place.
        await bubble.locator(".kb-btn", has_text="Bấm tôi").click()
        query = await sandbox.wait_for(lambda: next(iter(sandbox.callbacks.values()), None), 5.0, "a press")
        assert query.data == "hi"
        await sandbox.call(
            sandbox.token,
            "answerCallbackQuery",
            {"callback_query_id": query.id, "text": "Cảnh báo thử", "show_alert": True},
            typed=True,
        )
        await expect(page.locator("#alert")).to_be_visible()
        await expect(page.locator("#alert-text")).to_have_text("Cảnh báo thử")
        await shot(page, "12-sandbox-alert")
        await page.locator("#alert").get_by_role("button", name="OK").click()
        await sandbox.call(
            sandbox.token,
            "editMessageText",
            {"chat_id": user.id, "message_id": sent["message_id"], "text": "Đã <b>sửa</b>", "parse_mode": "HTML"},
            typed=True,
        )
        await expect(bubble.locator(".text")).to_contain_text("Đã sửa")
        await expect(bubble.locator(".edited")).to_have_text("đã sửa")
        await expect(bubble.locator(".kb-btn")).to_have_count(0)
        await expect(page.locator(".msg.in")).to_have_count(1)

        # A t.me deep link to the bot sends /start <payload> as the person; a command in the text is a link.
        await sandbox.call(
            sandbox.token,
            "sendMessage",
            {
                "chat_id": user.id,
                "text": "Mở lại",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "Mở", "url": f"https://t.me/{sandbox.bot_username}?start=xyz"}]]
                },
            },
            typed=True,
        )
        await last_bot_message(page).locator(".kb-btn", has_text="Mở").click()
        await expect(page.locator(".msg.out").last).to_contain_text("/start xyz")

        # A document the bot sends can be downloaded from the page.
        upload = UploadedFile("kết quả.csv", "text/csv", "ma,ten\nCV01,Lê Văn An\n".encode())
        await sandbox.call(sandbox.token, "sendDocument", {"chat_id": user.id, "document": upload}, typed=True)
        document = last_bot_message(page).locator("a.doc")
        await expect(document.locator(".doc-name")).to_have_text("kết quả.csv")
        href = await document.get_attribute("href")
        assert href
        download = await page.request.get(url + href)
        assert download.ok
        assert (await download.body()).decode() == "ma,ten\nCV01,Lê Văn An\n"

        # A chart the bot sends is shown inline, as Telegram shows a photo.
        chart = trend_chart("Lê Văn An", [("09/2026", D(88)), ("10/2026", D("91.5")), ("11/2026", D(95))], D(100))
        photo = UploadedFile("xu-huong.png", "image/png", chart)
        await sandbox.call(sandbox.token, "sendPhoto", {"chat_id": user.id, "photo": photo}, typed=True)
        image = last_bot_message(page).locator("img.photo")
        await expect(image).to_be_visible()
        await page.wait_for_function("() => { const i = document.querySelector('img.photo'); return i && i.complete }")
        assert await image.evaluate("i => i.naturalWidth") > 300
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "photo.png"), animations="disabled")
        assert errors == []
    finally:
        await server.stop()
