"""The local Bot API server knows paid broadcasts: `allow_paid_broadcast` where the spec has it, 0.1 Star a message
from the bot's balance (refused when short), 1 000 a second instead of 30, the balance read and set by tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from danhgia.sandbox.core import BALANCE_TOO_LOW, BotApiSandbox, RateLimits
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser

TOKEN = "123456789:SANDBOX-TEST-TOKEN"


@pytest.fixture
async def api() -> AsyncIterator[tuple[BotApiSandbox, httpx.AsyncClient]]:
    sandbox = BotApiSandbox(stars_balance=Decimal("1.5"), rate_limits=RateLimits(per_chat_burst=3))
    sandbox.clock = lambda: 1_000.0  # every call in the same second
    server = SandboxServer(sandbox)
    await server.start()
    async with httpx.AsyncClient(base_url=f"{server.url}/bot{TOKEN}/", timeout=10) as client:
        yield sandbox, client
    await server.stop()


def users(sandbox: BotApiSandbox, count: int) -> list[int]:
    made = []
    for i in range(count):
        user = SimUser(sandbox, sandbox.add_user(f"Người {i}"))
        user.send("/start")
        made.append(user.id)
    return made


async def test_paid_sends_cost_a_tenth_of_a_star_and_are_refused_when_the_balance_is_short(
    api: tuple[BotApiSandbox, httpx.AsyncClient],
) -> None:
    sandbox, client = api
    chats = users(sandbox, 16)
    for chat in chats[:15]:
        sent = await client.post("sendMessage", json={"chat_id": chat, "text": "x", "allow_paid_broadcast": True})
        assert sent.json()["ok"], sent.json()
    assert sandbox.stars_spent == Decimal("1.5") and sandbox.stars_balance == 0 and sandbox.paid_messages == 15
    short = await client.post("sendMessage", json={"chat_id": chats[15], "text": "x", "allow_paid_broadcast": True})
    assert short.status_code == 400 and short.json()["description"] == BALANCE_TOO_LOW
    balance = (await client.post("getMyStarBalance")).json()["result"]
    assert balance == {"amount": 0, "nanostar_amount": 0}
    free = await client.post("sendMessage", data={"chat_id": chats[15], "text": "x", "allow_paid_broadcast": "false"})
    assert free.json()["ok"] and sandbox.paid_messages == 15
    paid_flags = [m.paid for chat in chats for m in sandbox.chats[chat].messages if m.from_bot]
    assert paid_flags == [True] * 15 + [False]
    assert sandbox.violations == []


async def test_paid_sends_are_not_counted_in_the_30_a_second_but_in_1000(
    api: tuple[BotApiSandbox, httpx.AsyncClient],
) -> None:
    sandbox, client = api
    sandbox.stars_balance = Decimal(1000)
    sandbox.rate_limits = RateLimits(paid_per_second=40)  # a small paid limit, to keep the test short
    chats = users(sandbox, 75)
    for chat in chats[:30]:  # the free 30 of this second
        assert (await client.post("sendMessage", json={"chat_id": chat, "text": "x"})).json()["ok"]
    assert (await client.post("sendMessage", json={"chat_id": chats[30], "text": "x"})).status_code == 429
    for chat in chats[30:70]:  # the paid ones go on
        sent = await client.post("sendMessage", json={"chat_id": chat, "text": "x", "allow_paid_broadcast": True})
        assert sent.json()["ok"]
    over = await client.post("sendMessage", json={"chat_id": chats[70], "text": "x", "allow_paid_broadcast": True})
    assert over.status_code == 429  # beyond the paid limit
    assert sandbox.too_many_requests == 2 and sandbox.stars_spent == Decimal(4)


async def test_the_flag_only_where_the_spec_has_it(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    chat = users(sandbox, 1)[0]
    refused = await client.post(
        "sendChatAction", json={"chat_id": chat, "action": "typing", "allow_paid_broadcast": True}
    )
    assert refused.status_code == 400 and "unknown parameter 'allow_paid_broadcast'" in refused.json()["description"]
    sandbox.violations.clear()


async def test_the_balance_through_the_control_api(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    async with httpx.AsyncClient(base_url=str(client.base_url.join("/sandbox/api/")), timeout=10) as page:
        assert (await page.get("stars")).json() == {"balance": "1.5", "spent": "0", "paid_messages": 0}
        assert (await page.post("stars", json={"balance": "250.5"})).json()["balance"] == "250.5"
        assert (await page.post("stars", json={"balance": "many"})).status_code == 400
    assert sandbox.stars_balance == Decimal("250.5")
    assert (await client.get("getMyStarBalance")).json()["result"] == {"amount": 250, "nanostar_amount": 500_000_000}
