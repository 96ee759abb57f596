"""The local Zalo server's chat page in headless Chromium (Debian's `chromium`, driven by Playwright).

The test plays the bot through the sandbox's bot API while the page plays a person: the page lists the sandbox's
people, sends what is typed, shows the bot's answer live with its numbered lines as chips that type the number,
shows photos and file links, opens a chat from `?user=` and offers "Chuyển sang Telegram" only with `?switch=`
(and the Telegram page, "Chuyển sang Zalo").

Screenshots land in /tmp/danhgia-zalo-page/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from aiohttp import web
from playwright.async_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.zalo.sandbox import ZaloSandbox, ZaloSandboxServer
from tests.browser import TIMEOUT_MS, browser, needs_chromium

SHOTS = Path("/tmp/danhgia-zalo-page")
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
TELEGRAM_PAGE = "http://127.0.0.1:8081/"
CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270" viewBox="0 0 480 270">'
    '<rect width="480" height="270" fill="#fff"/>'
    '<polyline points="40,220 120,180 200,190 280,120 360,100 440,60" fill="none" stroke="#0068ff" stroke-width="4"/>'
    '<text x="40" y="36" font-family="sans-serif" font-size="18" fill="#081c36">Điểm 6 tháng gần đây</text></svg>'
)

__all__ = ["browser"]  # the fixture, imported to serve this module's tests
pytestmark = needs_chromium


@pytest.fixture
async def served() -> AsyncIterator[tuple[ZaloSandbox, str]]:
    """A Zalo sandbox with two people, served on a local port."""
    sandbox = ZaloSandbox()
    sandbox.add_user("Nguyễn Văn An")
    sandbox.add_user("Trần Thị Bình")
    server = ZaloSandboxServer(sandbox)
    url = await server.start()
    try:
        yield sandbox, url
    finally:
        await server.stop()


@pytest.fixture
async def image_host() -> AsyncIterator[str]:
    """A local web server with a chart to send as a photo (Zalo takes photos by link only)."""

    async def chart(_request: web.Request) -> web.Response:
        return web.Response(text=CHART, content_type="image/svg+xml")

    app = web.Application()
    app.router.add_get("/chart.svg", chart)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def open_page(browser: Browser, url: str, viewport: ViewportSize, errors: list[str]) -> Page:
    """A fresh browser context on the page, once it has loaded the people."""
    context = await browser.new_context(
        viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", device_scale_factor=1
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    await page.goto(url)
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    return page


def shot_path(name: str) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return str(SHOTS / f"{name}.png")


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=shot_path(name), animations="disabled")


async def bot_says(base_url: str, token: str, method: str, body: dict[str, object]) -> dict[str, object]:
    """A call of the bot API over HTTP, as the bot makes it."""
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=10) as client:
        answer: dict[str, object] = (await client.post(f"/bot{token}/{method}", json=body)).json()
    assert answer["ok"] is True, answer
    return answer


def pending_texts(sandbox: ZaloSandbox) -> list[str]:
    return [str(event["message"].get("text")) for event in sandbox.pending]


async def test_the_page_chats_as_a_person_with_chips_for_numbered_choices(
    served: tuple[ZaloSandbox, str], browser: Browser, image_host: str
) -> None:
    sandbox, url = served
    an, binh = sandbox.users.values()
    errors: list[str] = []
    page = await open_page(browser, url + "/", DESKTOP, errors)

    people = page.locator(".person")
    await expect(people).to_have_count(2)
    await expect(people.nth(0)).to_contain_text("Nguyễn Văn An")
    await expect(people.nth(1)).to_contain_text("Trần Thị Bình")
    await expect(people.nth(1)).to_contain_text("Chưa có tin nhắn")
    await expect(page.locator("#switch")).to_be_hidden()  # no ?switch=
    await shot(page, "01-desktop-list")

    # The person writes first (a Zalo bot answers only people who wrote to it).
    await page.locator(f'.person[data-user-id="{an.id}"]').click()
    await expect(page.locator("#head-name")).to_have_text("Nguyễn Văn An")
    await expect(page).to_have_url(f"{url}/?user={an.id}")
    await page.locator("#text").fill("Xin chào")
    await page.locator("#send").click()
    await expect(page.locator(".msg.out .text").last).to_have_text("Xin chào")
    assert pending_texts(sandbox) == ["Xin chào"]
    await expect(page.locator("#text")).to_have_value("")

    # The bot answers with a panel: it appears live, its numbered lines as chips.
    panel = "Phiếu tự đánh giá tháng 11 của Nguyễn Văn An.\n\n1 · ✅ Duyệt\n2 · ✏️ Điều chỉnh"
    await bot_says(url, sandbox.token, "sendMessage", {"chat_id": an.id, "text": panel})
    last = page.locator(".msg.in").last
    await expect(last.locator(".text")).to_have_text(panel)
    last = page.locator(f'.msg[data-message-id="{await last.get_attribute("data-message-id")}"]')  # stays this one
    chips = last.locator(".chip")
    await expect(chips).to_have_count(2)
    await expect(chips.nth(0)).to_have_text("1✅ Duyệt")
    await expect(chips.nth(1)).to_have_text("2✏️ Điều chỉnh")
    await expect(last.locator(".chips-hint")).to_have_text("gõ nhanh")

    # A chip types its number for the person.
    await chips.nth(1).click()
    await expect(page.locator(".msg.out .text").last).to_have_text("2")
    assert pending_texts(sandbox) == ["Xin chào", "2"]
    assert [m.text for m in sandbox.messages(an.chat_id) if not m.from_bot] == ["Xin chào", "2"]

    # Values to type, going back, a file link and a photo; only the latest panel's chips still answer.
    await bot_says(
        url,
        sandbox.token,
        "sendMessage",
        {
            "chat_id": an.id,
            "text": "Tiêu chí 2 — Hiệu quả công việc.\n\nGõ một giá trị: 0,5 · 1 · 2 · 3\n1 · Bỏ qua\n0 · Quay lại",
        },
    )
    await expect(page.locator(".msg.in").last.locator(".chip")).to_have_count(6)
    await expect(chips.nth(1)).to_be_hidden()  # a number typed now answers the latest panel
    await expect(chips.nth(1)).to_be_disabled()
    files_link = f"{url}/zalo/files/abc123/phieu.docx"
    await bot_says(
        url, sandbox.token, "sendMessage", {"chat_id": an.id, "text": f"Phiếu của bạn: {files_link}\nHạn tải: 7 ngày."}
    )
    link = page.locator(".msg.in").last.locator("a.link")
    await expect(link).to_have_attribute("href", files_link)
    await expect(page.locator(".msg.in").last.locator(".file-name")).to_have_text("phieu.docx")
    await bot_says(
        url,
        sandbox.token,
        "sendPhoto",
        {"chat_id": an.id, "photo": f"{image_host}/chart.svg", "caption": "Biểu đồ điểm của bạn"},
    )
    image = page.locator(".msg.in").last.locator(".photo img")
    await expect(image).to_have_attribute("src", f"{image_host}/chart.svg")
    await expect(image).to_have_js_property("complete", True)
    await expect(page.locator(".msg.in").last.locator(".chip")).to_have_count(0)
    values = page.locator('.msg.in .chip[data-answer="0,5"]')
    await expect(values).to_be_enabled()  # the photo carries no choices: the panel before it is still the latest
    await page.locator("#messages").evaluate("box => box.scrollTop = box.scrollHeight")
    await shot(page, "02-desktop-chat")

    # The other person's chat is another chat; the list says what An's chat ended with.
    await page.locator(f'.person[data-user-id="{binh.id}"]').click()
    await expect(page.locator("#head-name")).to_have_text("Trần Thị Bình")
    await expect(page.locator(".chat-hint")).to_contain_text("chưa nhắn tin cho bot")
    await expect(page.locator(f'.person[data-user-id="{an.id}"] .person-preview')).to_have_text(
        "[Hình ảnh] Biểu đồ điểm của bạn"
    )
    await page.context.close()
    assert errors == []


async def test_the_page_on_a_phone_opens_a_chat_from_the_address_and_offers_the_switch(
    served: tuple[ZaloSandbox, str], browser: Browser
) -> None:
    sandbox, url = served
    an, _binh = sandbox.users.values()
    sandbox.send_text(an.id, "/batdau")
    await bot_says(
        url,
        sandbox.token,
        "sendMessage",
        {
            "chat_id": an.id,
            "text": "Chào anh An! Tháng này anh cần làm gì?\n\n1 · 📝 Tự đánh giá\n2 · 📋 Xem kết quả\n3 · ❓ Trợ giúp",
        },
    )
    errors: list[str] = []

    # With ?switch= the list's header links to the Telegram page.
    page = await open_page(browser, f"{url}/?switch={TELEGRAM_PAGE}", PHONE, errors)
    switch = page.locator("#switch")
    await expect(switch).to_be_visible()
    await expect(switch).to_have_text("Chuyển sang Telegram")
    await expect(switch).to_have_attribute("href", TELEGRAM_PAGE)
    await expect(page.locator(f'.person[data-user-id="{an.id}"] .badge')).to_have_text("1")
    await shot(page, "03-phone-list")
    await page.locator(f'.person[data-user-id="{an.id}"]').click()
    await expect(page.locator("#chat-head")).to_be_visible()
    await expect(page.locator(".sidebar")).to_be_hidden()
    await expect(page).to_have_url(f"{url}/?switch={quote(TELEGRAM_PAGE, safe='')}&user={an.id}")
    await page.locator("#text").fill("3")
    await page.locator("#text").press("Enter")
    await expect(page.locator(".msg.out .text").last).to_have_text("3")
    assert pending_texts(sandbox) == ["/batdau", "3"]
    await bot_says(
        url,
        sandbox.token,
        "sendMessage",
        {"chat_id": an.id, "text": "Hướng dẫn: gõ số của lựa chọn để trả lời.\n\n1 · Đã hiểu\n0 · Quay lại"},
    )
    await expect(page.locator(".msg.in").last.locator(".chip")).to_have_count(2)
    await shot(page, "04-phone-chat")
    await page.locator("#back").click()
    await expect(page.locator(".sidebar")).to_be_visible()
    await expect(page).to_have_url(f"{url}/?switch={TELEGRAM_PAGE}")
    await page.context.close()

    # ?user= opens the chat directly; without ?switch= there is no link to Telegram.
    page = await open_page(browser, f"{url}/zalo/?user={an.id}", PHONE, errors)
    await expect(page.locator("#head-name")).to_have_text("Nguyễn Văn An")
    await expect(page.locator(".msg.in .chip:enabled")).to_have_count(2)
    await page.locator("#back").click()
    await expect(page.locator("#switch")).to_be_hidden()
    await page.context.close()
    assert errors == []


async def test_the_page_is_served_with_its_files(served: tuple[ZaloSandbox, str]) -> None:
    _sandbox, url = served
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=10) as client:
        for path in ("/", "/zalo/"):
            answer = await client.get(path)
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/html")
            assert "/zalo/static/app.js" in answer.text
        assert (await client.get("/zalo/static/app.js")).headers["content-type"].startswith("text/javascript")
        assert (await client.get("/zalo/static/style.css")).headers["content-type"].startswith("text/css")
        for missing in ("/zalo/static/nothing.js", "/zalo/static/..%2Fsandbox.py", "/zalo/static/.hidden.css"):
            assert (await client.get(missing)).status_code == 404


async def test_the_telegram_page_offers_the_switch_to_zalo_only_when_asked(browser: Browser) -> None:
    sandbox = BotApiSandbox()
    sandbox.add_user("An", "Lê Văn")
    server = SandboxServer(sandbox)
    url = await server.start()
    errors: list[str] = []
    try:
        zalo_page = "http://127.0.0.1:8082/?user=abc"
        page = await open_page(browser, f"{url}/?switch={quote(zalo_page, safe='')}", DESKTOP, errors)
        switch = page.locator("#switch")
        await expect(switch).to_be_visible()
        await expect(switch).to_have_text("Chuyển sang Zalo")
        await expect(switch).to_have_attribute("href", zalo_page)
        await shot(page, "05-telegram-desktop-switch")
        await page.context.close()
        page = await open_page(browser, f"{url}/?switch={quote(zalo_page, safe='')}", PHONE, errors)
        await expect(page.locator("#switch")).to_be_visible()
        await shot(page, "06-telegram-phone-switch")
        await page.context.close()
        for address in (f"{url}/", f"{url}/?switch=javascript:alert(1)"):
            page = await open_page(browser, address, DESKTOP, errors)
            await expect(page.locator("#switch")).to_be_hidden()
            await page.context.close()
    finally:
        await server.stop()
    assert errors == []
