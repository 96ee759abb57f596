"""`danhgia demo` on both platforms in headless Chromium (Debian's `chromium`, driven by Playwright).

From the Telegram page, "Chuyển sang Zalo" leads to the Zalo page (and its "Chuyển sang Telegram" back again);
there Lê Minh Tuấn — linked on both platforms — types /tuannay and gets the week's panel with numbered choices,
taps a chip and types a number to move between weeks. Having written on Zalo last, he gets the next reminder (the
jump to the self-assessment window) on Zalo, not on Telegram, while his colleagues still get theirs on Telegram;
"Đặt lại bản chạy thử" forgets the Zalo chats and makes Telegram the default again. Then both pages on a phone.

Screenshots land in test-artifacts/demo-zalo/ at the repository root (ignored by git).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from danhgia.bot.demo import Demo
from tests.browser import TIMEOUT_MS, browser, demo_settings, needs_chromium
from tests.e2e.test_demo_page import DESKTOP, PHONE, last_bot_message, open_page, row

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "demo-zalo"
REMINDER = "Đã đến kỳ tự đánh giá 11/2026"
WAIT = TIMEOUT_MS / 1000

__all__ = ["browser"]  # the fixture, imported to serve this module's tests
pytestmark = [
    pytest.mark.e2e,
    needs_chromium,
]


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """`danhgia demo` in this process, starting where its story starts (a fixed Friday, whatever today is)."""
    running = Demo(folder=tmp_path / "demo", port=0, settings=demo_settings(tmp_path))
    url = await running.start()
    assert url == running.telegram_page()
    try:
        yield running
    finally:
        await running.stop()
    assert running.sandbox.violations == [], running.sandbox.violations
    assert running.sandbox.wasted_calls() == [], running.sandbox.wasted_calls()
    assert running.zalo.violations == [], running.zalo.violations


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), animations="disabled")


async def type_on_zalo(page: Page, text: str) -> None:
    box = page.locator("#text")
    await box.fill(text)
    await box.press("Enter")
    await expect(page.locator(".msg.out .text").last).to_have_text(text)


def telegram_texts(demo: Demo, staff_code: str) -> list[str]:
    """What the bot sent this person on Telegram."""
    chat = demo.sandbox.private_chat(demo.accounts[staff_code])
    return [m.text or m.caption or "" for m in chat.visible() if m.from_bot]


def zalo_texts(demo: Demo, staff_code: str) -> list[str]:
    """What the bot sent this person on Zalo."""
    return demo.zalo.received_texts(demo.zalo_accounts[staff_code])


async def reminded(demo: Demo, staff_code: str, *, on_zalo: bool) -> None:
    """Wait until the window's reminder reached this person on the given platform."""
    what = f"{staff_code}'s reminder on {'Zalo' if on_zalo else 'Telegram'}"
    if on_zalo:
        await demo.zalo.wait_for(lambda: any(REMINDER in t for t in zalo_texts(demo, staff_code)), WAIT, what)
    else:
        await demo.sandbox.wait_for(lambda: any(REMINDER in t for t in telegram_texts(demo, staff_code)), WAIT, what)


async def jump(page: Page, label: str, now_label: str) -> None:
    """Jump the demo clock from the Telegram page (the page may show the new time before the reminders are out)."""
    moment = await page.locator("#jump option", has_text=label).get_attribute("value")
    assert moment
    await page.locator("#jump").select_option(moment)
    await page.get_by_role("button", name="Đi tới").click()
    await expect(page.locator("#now-label")).to_have_text(now_label)


async def test_demo_shows_telegram_and_zalo_side_by_side(demo: Demo, browser: Browser) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    tuan = demo.zalo_accounts["CV01"]
    zalo_base = demo.zalo_server.url

    # The Telegram page offers the switch; every person is there, Tuấn's notice of the open period came on Telegram.
    page = await open_page(browser, demo.telegram_page(), DESKTOP, errors)
    switch = page.locator("#switch")
    await expect(switch).to_be_visible()
    await expect(switch).to_have_text("Chuyển sang Zalo")
    await expect(row(page, demo.accounts["CV01"]).locator(".badge")).to_have_text("1")
    assert zalo_texts(demo, "CV01") == []
    await switch.click()

    # The Zalo page: the same nine people by their full names, a switch back to the Telegram page.
    await expect(page).to_have_url(re.compile("^" + re.escape(zalo_base + "/?switch=")))
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await expect(page.locator(".person")).to_have_count(9)
    await expect(row(page, tuan)).to_contain_text("Lê Minh Tuấn")
    back = page.locator("#switch")
    await expect(back).to_have_text("Chuyển sang Telegram")
    await expect(back).to_have_attribute("href", demo.telegram_page())

    # Tuấn types /tuannay: the week's panel arrives with its choices numbered, repeated as chips.
    await row(page, tuan).click()
    await expect(page.locator("#head-name")).to_have_text("Lê Minh Tuấn")
    await type_on_zalo(page, "/tuannay")
    await expect(last_bot_message(page)).to_contain_text("Công việc tuần 16/11 – 22/11/2026")
    week = page.locator(".msg.in", has_text="Công việc tuần 16/11 – 22/11/2026").last
    await expect(week.locator(".text")).to_contain_text("1 · ➕ Thêm việc")
    await expect(week.locator(".chip", has_text="Tuần sau")).to_be_enabled()
    await shot(page, "01-desktop-zalo-week")

    # A chip types its number: the next week's panel comes as a new message (Zalo has no edits).
    chip = week.locator(".chip", has_text="Tuần sau")
    number = await chip.get_attribute("data-answer")
    assert number and number.isdecimal()
    await chip.click()
    await expect(page.locator(".msg.out .text").last).to_have_text(number)
    await expect(last_bot_message(page)).to_contain_text("Công việc tuần 23/11 – 29/11/2026")
    await expect(week.locator(".chip").first).to_be_disabled()  # only the latest panel answers a number
    # Typing the number works as well: back to this week.
    latest = last_bot_message(page)
    previous = await latest.locator(".chip", has_text="Tuần trước").get_attribute("data-answer")
    assert previous and previous.isdecimal()
    await type_on_zalo(page, previous)
    await expect(last_bot_message(page)).to_contain_text("Công việc tuần 16/11 – 22/11/2026")
    await shot(page, "02-desktop-zalo-next-panel")

    # Back to Telegram (its switch still leads to Zalo): the window opens; Tuấn, who wrote on Zalo last, gets his
    # reminder there; Phạm Thu Hà, who did not, gets hers on Telegram.
    await page.locator("#switch").click()
    await expect(page).to_have_url(demo.telegram_page())
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#switch")).to_have_text("Chuyển sang Zalo")
    await jump(page, "Mở tự đánh giá kỳ 11/2026", "Thứ Sáu 27/11/2026 08:00")
    await reminded(demo, "CV02", on_zalo=False)
    await reminded(demo, "CV01", on_zalo=True)
    assert not any(REMINDER in text for text in telegram_texts(demo, "CV01"))  # one notice, on one platform
    assert not any(REMINDER in text for text in zalo_texts(demo, "CV02"))
    await row(page, demo.accounts["CV02"]).click()
    await expect(page.locator(".msg.in").last).to_contain_text(REMINDER)
    await page.locator("#switch").click()
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await row(page, tuan).click()
    await expect(last_bot_message(page)).to_contain_text(REMINDER)
    await shot(page, "03-desktop-zalo-reminder")

    # A phone: the Zalo page's list and Tuấn's chat, then the Telegram page with its switch.
    phone = await open_page(browser, demo.zalo_page(), PHONE, errors)
    await expect(phone.locator("#switch")).to_be_visible()
    await expect(phone.locator(".person")).to_have_count(9)
    overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the Zalo page scrolls sideways on a phone"
    await shot(phone, "04-phone-zalo-people")
    await row(phone, tuan).click()
    await expect(phone.locator("#head-name")).to_have_text("Lê Minh Tuấn")
    await expect(last_bot_message(phone)).to_contain_text(REMINDER)
    await type_on_zalo(phone, "/tuannay")
    await expect(last_bot_message(phone)).to_contain_text("Công việc tuần 23/11 – 29/11/2026")
    await expect(last_bot_message(phone).locator(".chip").first).to_be_visible()
    overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the Zalo chat scrolls sideways on a phone"
    await shot(phone, "05-phone-zalo-chat")
    await phone.locator("#back").click()
    await phone.locator("#switch").click()
    await expect(phone).to_have_url(demo.telegram_page())
    await expect(phone.locator("body")).to_have_attribute("data-ready", "true")
    await expect(phone.locator(".sidebar #switch")).to_be_visible()
    await shot(phone, "06-phone-telegram-people")
    await phone.context.close()

    # "Đặt lại bản chạy thử" (from the Telegram page) forgets the Zalo chats too; Telegram is the default again.
    zalo_page = page  # still on Tuấn's Zalo chat
    await expect(zalo_page.locator(".msg.in")).not_to_have_count(0)
    telegram = await open_page(browser, demo.telegram_page(), DESKTOP, errors)
    await telegram.get_by_role("button", name="Đặt lại bản chạy thử").click()
    await telegram.locator("#confirm-reset").get_by_role("button", name="Đặt lại").click()
    await expect(telegram.locator("#now-label")).to_have_text("Thứ Sáu 20/11/2026 14:00")
    await expect(zalo_page.locator(".msg")).to_have_count(0)
    await expect(row(zalo_page, tuan).locator(".badge")).to_have_count(0)
    assert zalo_texts(demo, "CV01") == []
    await jump(telegram, "Mở tự đánh giá kỳ 11/2026", "Thứ Sáu 27/11/2026 08:00")
    await reminded(demo, "CV01", on_zalo=False)
    assert zalo_texts(demo, "CV01") == []
    assert errors == []
