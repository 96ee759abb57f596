"""Webhooks on the local Zalo server: setWebhook with a secret of 8–256 characters, each event POSTed with the
X-Bot-Api-Secret-Token header (wrapped in {ok, result}, or bare), getUpdates refused while a webhook is set,
getWebhookInfo, deleteWebhook bringing polling back, and a failed delivery tried again."""

from __future__ import annotations

import pytest

from danhgia.zalo.client import InvalidRequest, ZaloApiError
from danhgia.zalo.events import TextEvent, parse_event
from danhgia.zalo.sandbox import SECRET_HEADER, WEBHOOK_SET, ZaloSandbox
from tests.zalo.conftest import Receiver, ZaloWorld, close_world, open_world

SECRET = "zalo-webhook-SECRET_0123456789"


async def test_a_bot_that_never_had_a_webhook_reads_an_empty_url(zalo: ZaloWorld) -> None:
    response = await zalo.raw_call("getWebhookInfo", {})
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}  # as measured
    info = await zalo.bot.get_webhook_info()
    assert info.url == "" and not info.is_set


async def test_events_are_posted_with_the_secret_and_polling_is_refused(zalo: ZaloWorld, receiver: Receiver) -> None:
    info = await zalo.bot.set_webhook(receiver.url, SECRET)
    assert info.url == receiver.url and info.updated_at_ms
    assert (await zalo.bot.get_webhook_info()).url == receiver.url
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "Xin chào")
    await zalo.sandbox.wait_for(lambda: receiver.requests, what="a delivery")
    headers, body = receiver.requests[0]
    assert headers[SECRET_HEADER] == SECRET
    assert headers["Content-Type"] == "application/json"
    assert body["ok"] is True and body["result"]["event_name"] == "message.text.received"
    event = parse_event(body)
    assert isinstance(event, TextEvent) and event.text == "Xin chào" and event.sender.id == lan.id
    with pytest.raises(ZaloApiError) as refused:
        await zalo.bot.get_updates(timeout=1)
    assert (refused.value.error_code, refused.value.description) == (400, WEBHOOK_SET)
    await zalo.sandbox.wait_for(lambda: not zalo.sandbox.pending or None, what="the event to leave the queue")
    assert zalo.sandbox.handed_out == [body["result"]]


async def test_deleting_the_webhook_brings_polling_back(zalo: ZaloWorld, receiver: Receiver) -> None:
    await zalo.bot.set_webhook(receiver.url, SECRET)
    removed = await zalo.bot.delete_webhook()
    assert removed.url == "" and not removed.is_set
    assert (await zalo.bot.get_webhook_info()).url == ""
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "/ketqua")
    event = await zalo.bot.get_updates(timeout=5)
    assert isinstance(event, TextEvent) and event.text == "/ketqua"
    assert receiver.requests == []


async def test_the_secret_has_8_to_256_characters(zalo: ZaloWorld, receiver: Receiver) -> None:
    for wrong in ("1234567", "s" * 257):
        with pytest.raises(InvalidRequest):
            await zalo.bot.set_webhook(receiver.url, wrong)
        response = await zalo.raw_call("setWebhook", {"url": receiver.url, "secret_token": wrong})
        assert response.json()["ok"] is False and response.json()["error_code"] == 400
    response = await zalo.raw_call("setWebhook", {"url": receiver.url})
    assert response.json()["error_code"] == 400  # the secret is required
    for right in ("12345678", "s" * 256):
        assert (await zalo.bot.set_webhook(receiver.url, right)).url == receiver.url
    assert zalo.sandbox.webhook is not None and zalo.sandbox.webhook.secret_token == "s" * 256


async def test_a_failed_delivery_is_tried_again_in_order(zalo: ZaloWorld, receiver: Receiver) -> None:
    async def fail_first(count: int) -> int:
        return 500 if count == 1 else 200

    receiver.answer = fail_first
    await zalo.bot.set_webhook(receiver.url, SECRET)
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "một")
    zalo.sandbox.send_text(lan.id, "hai")
    await zalo.sandbox.wait_for(lambda: len(receiver.requests) >= 3 or None, what="three deliveries")
    texts = [body["result"]["message"]["text"] for _, body in receiver.requests]
    assert texts == ["một", "một", "hai"]
    assert [a.status for a in zalo.sandbox.attempts[:3]] == [500, 200, 200]


async def test_without_retries_a_failed_delivery_is_lost(receiver: Receiver) -> None:
    world = await open_world(ZaloSandbox(webhook_retry=False))
    try:

        async def fail_first(count: int) -> int:
            return 503 if count == 1 else 200

        receiver.answer = fail_first
        await world.bot.set_webhook(receiver.url, SECRET)
        lan = world.sandbox.add_user("Lan")
        world.sandbox.send_text(lan.id, "mất")
        world.sandbox.send_text(lan.id, "còn")
        await world.sandbox.wait_for(lambda: len(receiver.requests) >= 2 or None, what="two deliveries")
        assert [e["message"]["text"] for e in world.sandbox.dropped] == ["mất"]
        assert [e["message"]["text"] for e in world.sandbox.handed_out] == ["còn"]
    finally:
        await close_world(world)


async def test_a_bare_webhook_body_parses_the_same(receiver: Receiver) -> None:
    world = await open_world(ZaloSandbox(wrap_webhook=False))
    try:
        await world.bot.set_webhook(receiver.url, SECRET)
        lan = world.sandbox.add_user("Lan")
        world.sandbox.send_text(lan.id, "Chào")
        await world.sandbox.wait_for(lambda: receiver.requests, what="a delivery")
        _headers, body = receiver.requests[0]
        assert "ok" not in body and body["event_name"] == "message.text.received"
        event = parse_event(body)
        assert isinstance(event, TextEvent) and event.text == "Chào"
    finally:
        await close_world(world)


async def test_events_waiting_before_the_webhook_are_delivered_to_it(zalo: ZaloWorld, receiver: Receiver) -> None:
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "trước")
    await zalo.bot.set_webhook(receiver.url, SECRET)
    await zalo.sandbox.wait_for(lambda: receiver.requests, what="a delivery")
    assert receiver.requests[0][1]["result"]["message"]["text"] == "trước"


async def test_messages_sent_while_nobody_polls_may_be_dropped() -> None:
    """One project saw getUpdates return only what arrived while a poll was open; the sandbox can behave so."""
    world = await open_world(ZaloSandbox(queue_while_idle=False))
    try:
        lan = world.sandbox.add_user("Lan")
        world.sandbox.send_text(lan.id, "lúc không ai nghe")
        assert await world.bot.get_updates(timeout=0.1) is None
        assert [e["message"]["text"] for e in world.sandbox.dropped] == ["lúc không ai nghe"]
    finally:
        await close_world(world)
