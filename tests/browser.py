"""Headless Chromium for the page tests: Debian's (/usr/bin/chromium, never a downloaded one), a fresh profile
each test, and the settings the demo runs with in a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from danhgia.bot.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture
async def browser(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Browser]:
    """Headless Chromium from the system, with a fresh temporary profile.

    Under the suite's moved-clock run (libfaketime), Playwright's driver and Chromium run on the machine's real
    clock (libfaketime hangs them), a year behind the bot, as a browser's clock may well be.
    """
    for name in ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"):
        monkeypatch.delenv(name, raising=False)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def demo_settings(tmp_path: Path) -> Settings:
    """The settings `danhgia demo` is given in a test (it replaces the token, the API and the database itself)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123:unused",
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        timezone="Asia/Ho_Chi_Minh",
    )
