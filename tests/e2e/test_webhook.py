"""The bot behind python-telegram-bot's webhook server, the sandbox posting to it: the webhook is set as Telegram
wants it, a request without the secret is refused and never handled, an update is acknowledged only once it is
recorded (a recording failure makes Telegram retry), a restart at another address loses nothing, and going back to
long polling removes the webhook."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from danhgia.bot.app import ALLOWED_UPDATES
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.sandbox.webhook import SECRET_HEADER
from danhgia.workflow.clock import ManualClock
from tests.conftest import WEBHOOK_SECRET, BotWorld, open_world

pytestmark = pytest.mark.e2e
HELP = "Các lệnh dành cho bạn"


@pytest.fixture
async def hooked(server: SandboxServer, sqlite_url: str, clock: ManualClock, tmp_path: Path) -> AsyncIterator[BotWorld]:
    """The bot behind a webhook, whatever DANHGIA_TEST_TRANSPORT says."""
    async with open_world(server, sqlite_url, clock, tmp_path, "webhook") as world:
        yield world


def helps(user: SimUser) -> int:
    return sum(1 for m in user.bot_messages() if HELP in (m.text or ""))


def forged_help(user: SimUser, update_id: int) -> dict[str, Any]:
    """An update as Telegram would post it: the user typing /help."""
    who = {"id": user.id, "is_bot": False, "first_name": user.user.first_name}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 9_999,
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.user.first_name},
            "from": who,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def test_the_webhook_is_set_as_telegram_wants_and_answers(hooked: BotWorld) -> None:
    sandbox = hooked.sandbox
    hook = sandbox.webhook
    assert hook is not None and hook.secret_token == WEBHOOK_SECRET
    assert hook.url.startswith("http://127.0.0.1:") and hook.url.endswith("/telegram")
    (call,) = [c for c in sandbox.calls if c.method == "setWebhook"]
    assert call.params["allowed_updates"] == ALLOWED_UPDATES
    assert call.params["drop_pending_updates"] is False
    assert call.params["secret_token"] == WEBHOOK_SECRET
    an = await hooked.linked_user("CV01", "An")
    assert HELP in (await an.say("/help")).text
    assert sandbox.delivery.attempts and all(a.status == 200 for a in sandbox.delivery.attempts)
    assert not any(c.method == "getUpdates" for c in sandbox.calls)  # nothing polls


async def test_a_request_without_the_secret_is_refused_and_never_handled(hooked: BotWorld) -> None:
    an = await hooked.linked_user("CV01", "An")
    hook = hooked.sandbox.webhook
    assert hook is not None
    recorded = hooked.services.inbox.counts()
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        for headers in ({SECRET_HEADER: "not-the-secret"}, {}, {SECRET_HEADER: WEBHOOK_SECRET.lower()}):
            response = await client.post(hook.url, json=forged_help(an, 990_000_001), headers=headers)
            assert response.status_code == 403
        # The secret alone is not enough either: only JSON is taken.
        response = await client.post(
            hook.url, content=b"update_id=1", headers={SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "text/plain"}
        )
        assert response.status_code == 403
    # The person's next message is answered; the forged /help never was, and the inbox never saw it.
    assert "chưa hiểu" in (await an.say("xin chào")).text
    assert helps(an) == 0
    after = hooked.services.inbox.counts()
    assert sum(after.values()) == sum(recorded.values()) + 1


async def test_an_update_is_acknowledged_only_once_recorded(hooked: BotWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    an = await hooked.linked_user("CV01", "An")
    inbox = hooked.services.inbox
    write = inbox.write
    failures: list[int] = []

    def failing_once(records: list[tuple[int, dict[str, Any], int | None]], done: list[Any], **how: Any) -> list[bool]:
        if records and not failures:
            failures.append(records[0][0])
            raise RuntimeError("the database is away for a moment")
        return write(records, done, **how)

    monkeypatch.setattr(inbox, "write", failing_once)
    attempts_before = len(hooked.sandbox.delivery.attempts)
    assert HELP in (await an.say("/help", 20)).text
    (update_id,) = failures
    tries = [a for a in hooked.sandbox.delivery.attempts[attempts_before:] if a.update_id == update_id]
    # Not recorded → not acknowledged: Telegram was told 500 and posted the update again, which was then handled.
    assert [a.status for a in tries] == [500, 200]
    assert tries[0].error == "Wrong response from the webhook: 500 Internal Server Error"
    assert helps(an) == 1
    await an.say("xin chào")  # handled after the retried update, so nothing more of it can be on its way
    assert helps(an) == 1


async def test_what_is_sent_while_the_bot_is_down_is_answered_in_order_at_its_new_address(hooked: BotWorld) -> None:
    an = await hooked.linked_user("CV01", "An")
    sandbox = hooked.sandbox
    first = sandbox.webhook
    await hooked.stop()
    an.send("/help")
    an.send("xin chào")
    await sandbox.wait_for(
        lambda: first is not None and first.last_error_message == "Connection refused", 10, "a refused delivery"
    )
    await hooked.restart()
    assert sandbox.webhook is not None and first is not None and sandbox.webhook.url != first.url
    assert HELP in (await an.next_message(20)).text
    assert "chưa hiểu" in (await an.next_message(20)).text
    assert helps(an) == 1
    assert sandbox.webhook.last_error_message == "Connection refused"  # getWebhookInfo still tells the last error


async def test_back_to_long_polling_removes_the_webhook(hooked: BotWorld) -> None:
    an = await hooked.linked_user("CV01", "An")
    await hooked.stop()
    an.send("/help")
    hooked.transport = "polling"
    await hooked.restart()
    assert hooked.sandbox.webhook is None
    assert any(c.method == "deleteWebhook" for c in hooked.sandbox.calls)
    assert HELP in (await an.next_message(20)).text
    assert helps(an) == 1
