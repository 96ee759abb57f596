"""The Zalo client against the local Zalo server over real HTTP: every method, the events, the errors Zalo
answers (HTTP 200 with ok false, 404 for a method that does not exist, 408 for an empty poll, the HTML 429 page),
the 2 000-character limit checked before calling, and the one-event getUpdates that loses what it handed out."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from danhgia.zalo.client import (
    InvalidRequest,
    RateLimited,
    ZaloApiError,
    ZaloBot,
    ZaloNetworkError,
    ZaloProtocolError,
)
from danhgia.zalo.events import ImageEvent, StickerEvent, TextEvent, UnsupportedEvent
from danhgia.zalo.sandbox import CHAT_NOT_REACHABLE, NO_CHAT_ID, PHOTO_NOT_URL, ZaloSandbox
from tests.zalo.conftest import ZaloWorld, close_world, open_world

OPAQUE_ID = re.compile(r"^[0-9a-f]{20}$")


def sent_calls(world: ZaloWorld, method: str) -> list[str]:
    return [call.params.get("text", "") for call in world.sandbox.calls if call.method == method]


async def test_get_me_reads_the_bot_account(zalo: ZaloWorld) -> None:
    me = await zalo.bot.get_me()
    assert me.id == zalo.sandbox.bot_id
    assert (me.account_name, me.account_type, me.can_join_groups) == ("bot.DanhGiaSandbox", "BASIC", False)


async def test_a_text_arrives_as_one_typed_event(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Nguyễn Thị Lan")
    zalo.sandbox.send_text(lan.id, "Xin chào")
    event = await zalo.bot.get_updates(timeout=5)
    assert isinstance(event, TextEvent)
    assert event.text == "Xin chào" and event.event_name == "message.text.received"
    assert event.sender.id == lan.id and event.sender.display_name == "Nguyễn Thị Lan" and not event.sender.is_bot
    assert event.chat.id == lan.chat_id and event.is_private
    assert OPAQUE_ID.match(event.message_id) and OPAQUE_ID.match(event.sender.id)
    assert event.date_ms > 1_000_000_000_000  # milliseconds
    assert event.date.tzinfo is not None


async def test_images_stickers_and_the_unsupported_have_their_own_types(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_image(lan.id, "https://example.org/bang-cham-cong.jpg", "Bảng chấm công")
    zalo.sandbox.send_sticker(lan.id, "0e078a2fb66a5f34067b")
    zalo.sandbox.send_unsupported(lan.id)
    image, sticker, other = [await zalo.bot.get_updates(timeout=5) for _ in range(3)]
    assert isinstance(image, ImageEvent)
    assert (image.photo_url, image.caption) == ("https://example.org/bang-cham-cong.jpg", "Bảng chấm công")
    assert isinstance(sticker, StickerEvent) and sticker.sticker == "0e078a2fb66a5f34067b" and sticker.url
    assert isinstance(other, UnsupportedEvent) and other.event_name == "message.unsupported.received"


async def test_a_poll_with_nothing_to_deliver_is_408_with_http_200_and_means_none(zalo: ZaloWorld) -> None:
    response = await zalo.raw_call("getUpdates", {"timeout": "0.2"})
    assert response.status_code == 200
    assert response.json() == {"ok": False, "error_code": 408, "description": "Request timeout"}
    assert await zalo.bot.get_updates(timeout=0.2) is None


async def test_a_408_sent_as_the_http_status_also_means_none() -> None:
    world = await open_world(ZaloSandbox(mirror_http_status=True))
    try:
        response = await world.raw_call("getUpdates", {"timeout": 0.1})
        assert response.status_code == 408 and response.json()["error_code"] == 408
        assert await world.bot.get_updates(timeout=0.1) is None
        with pytest.raises(ZaloApiError) as refused:
            await world.bot.request("sendDocument", {"chat_id": "x"})
        assert (refused.value.error_code, refused.value.http_status) == (404, 404)
    finally:
        await close_world(world)


async def test_a_poll_waits_for_the_next_event(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Lan")
    poll = asyncio.create_task(zalo.bot.get_updates(timeout=10))
    await zalo.sandbox.wait_for(lambda: zalo.sandbox.polls_waiting, what="the poll")
    zalo.sandbox.send_text(lan.id, "/tuannay")
    event = await poll
    assert isinstance(event, TextEvent) and event.text == "/tuannay"


async def test_each_poll_hands_out_one_event_in_order(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Lan")
    for text in ("1", "2", "3"):
        zalo.sandbox.send_text(lan.id, text)
    response = await zalo.raw_call("getUpdates", {"timeout": 1})
    assert response.json()["result"]["message"]["text"] == "1"  # one object, not a list
    events = [await zalo.bot.get_updates(timeout=1) for _ in range(2)]
    assert [e.text for e in events if isinstance(e, TextEvent)] == ["2", "3"]
    assert await zalo.bot.get_updates(timeout=0.1) is None


async def test_an_event_handed_out_and_not_recorded_is_lost_for_good(zalo: ZaloWorld) -> None:
    """No offset, no acknowledgement: a process that polled an event and died before recording it cannot get
    it back — the restarted process polls nothing. Hence: record each event before any work on it."""
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "Duyệt")
    handed = await zalo.bot.get_updates(timeout=5)
    assert isinstance(handed, TextEvent) and handed.text == "Duyệt"
    del handed  # the process dies here, before recording it
    restarted = zalo.new_bot()
    try:
        assert await restarted.get_updates(timeout=0.2) is None
        assert [e["message"]["text"] for e in zalo.sandbox.handed_out] == ["Duyệt"]
        assert not zalo.sandbox.pending
        zalo.sandbox.send_text(lan.id, "Duyệt")  # only a person writing again brings it back
        again = await restarted.get_updates(timeout=5)
        assert isinstance(again, TextEvent) and again.text == "Duyệt"
    finally:
        await restarted.aclose()


async def test_the_bot_writes_only_to_someone_who_wrote_to_it(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Lan")
    with pytest.raises(ZaloApiError) as refused:
        await zalo.bot.send_message(lan.chat_id, "Nhắc: báo cáo tuần")
    assert (refused.value.error_code, refused.value.description) == (400, CHAT_NOT_REACHABLE)
    assert refused.value.http_status == 200
    zalo.sandbox.send_text(lan.id, "Chào")
    sent = await zalo.bot.send_message(lan.chat_id, "Nhắc: báo cáo tuần")
    assert OPAQUE_ID.match(sent.message_id) and sent.date_ms and sent.date_ms > 1_000_000_000_000
    later = await zalo.bot.send_message(lan.chat_id, "Nhắc lần hai")  # later messages go through too
    assert later.message_id != sent.message_id
    assert zalo.sandbox.received_texts(lan.id) == ["Nhắc: báo cáo tuần", "Nhắc lần hai"]


async def test_2000_characters_go_and_2001_are_refused_before_calling(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "Chào")
    await zalo.bot.send_message(lan.chat_id, "ệ" * 2000)
    await zalo.bot.send_message(lan.chat_id, "😀" * 1000)  # an emoji may count as two
    for too_long in ("ệ" * 2001, "😀" * 1001, "a" * 1999 + "😀"):
        with pytest.raises(InvalidRequest):
            await zalo.bot.send_message(lan.chat_id, too_long)
    for empty in ("", "   \n"):
        with pytest.raises(InvalidRequest):
            await zalo.bot.send_message(lan.chat_id, empty)
    assert len(sent_calls(zalo, "sendMessage")) == 2  # nothing refused reached the server
    response = await zalo.raw_call("sendMessage", {"chat_id": lan.chat_id, "text": "a" * 2001})
    assert response.status_code == 200 and response.json()["ok"] is False
    assert response.json()["error_code"] == 400
    assert zalo.sandbox.violations == ["text of 2001 characters, over 2000"]
    response = await zalo.raw_call("sendMessage", {"chat_id": lan.chat_id, "text": ""})
    assert response.json()["description"] == "The text must not be empty"


async def test_a_photo_goes_only_as_an_http_link(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "Chào")
    sent = await zalo.bot.send_photo(lan.chat_id, "https://bot.example.gov.vn/f/abc.png", "Biểu đồ xếp loại")
    assert sent.message_type == "CHAT_PHOTO"
    photo = zalo.sandbox.bot_messages(lan.id)[-1]
    assert (photo.kind, photo.photo) == ("image", "https://bot.example.gov.vn/f/abc.png")
    assert photo.caption == "Biểu đồ xếp loại"
    for not_a_link in ("data:image/png;base64,iVBORw0KGgo=", "iVBORw0KGgo=", "ftp://x/y.png", "/tmp/chart.png"):
        with pytest.raises(InvalidRequest):
            await zalo.bot.send_photo(lan.chat_id, not_a_link)
    with pytest.raises(InvalidRequest):
        await zalo.bot.send_photo(lan.chat_id, "https://x.vn/a.png", "c" * 2001)
    response = await zalo.raw_call("sendPhoto", {"chat_id": lan.chat_id, "photo": "data:image/png;base64,AAAA"})
    assert response.json() == {"ok": False, "error_code": 400, "description": PHOTO_NOT_URL}
    upload = await zalo.raw.post(
        f"/bot{zalo.sandbox.token}/sendPhoto",
        data={"chat_id": lan.chat_id},
        files={"photo": ("chart.png", b"\x89PNG", "image/png")},
    )
    assert upload.json() == {"ok": False, "error_code": 400, "description": NO_CHAT_ID}  # multipart is not read
    assert "sendPhoto: a multipart/form-data body; Zalo reads JSON" in zalo.sandbox.violations


async def test_stickers_and_typing(zalo: ZaloWorld) -> None:
    lan = zalo.sandbox.add_user("Lan")
    zalo.sandbox.send_text(lan.id, "Chào")
    await zalo.bot.send_chat_action(lan.chat_id)
    assert lan.chat_id in zalo.sandbox.typing
    await zalo.bot.send_sticker(lan.chat_id, "0e078a2fb66a5f34067b")
    assert zalo.sandbox.bot_messages(lan.id)[-1].sticker == "0e078a2fb66a5f34067b"
    assert lan.chat_id not in zalo.sandbox.typing  # a message ends "typing…"
    with pytest.raises(InvalidRequest):
        await zalo.bot.send_chat_action(lan.chat_id, "record_voice")
    response = await zalo.raw_call("sendChatAction", {"chat_id": lan.chat_id, "action": "record_voice"})
    assert response.json()["error_code"] == 400


async def test_a_method_zalo_does_not_have_is_404_not_found_with_http_200(zalo: ZaloWorld) -> None:
    for method in ("sendDocument", "editMessageText", "answerCallbackQuery", "setMyCommands", "sendmessage"):
        response = await zalo.raw_call(method, {"chat_id": "x"})
        assert response.status_code == 200
        assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(ZaloApiError) as refused:
        await zalo.bot.request("deleteMessage", {"chat_id": "x", "message_id": "y"})
    assert (refused.value.error_code, refused.value.description) == (404, "Not Found")
    assert "unknown method 'sendmessage'" in zalo.sandbox.violations  # names are case-sensitive


async def test_a_wrong_token_is_401(zalo: ZaloWorld) -> None:
    wrong = ZaloBot("2718281828459045235:not-the-token", base_url=zalo.server.url, trust_env=False)
    try:
        with pytest.raises(ZaloApiError) as refused:
            await wrong.get_me()
        assert refused.value.error_code == 401
        assert "not-the-token" not in str(refused.value)
    finally:
        await wrong.aclose()


async def test_the_html_429_page_is_rate_limited(zalo: ZaloWorld) -> None:
    zalo.sandbox.inject_rate_limit(2)
    response = await zalo.raw_call("getMe", {})
    assert response.status_code == 429 and response.headers["content-type"].startswith("text/html")
    with pytest.raises(RateLimited) as limited:
        await zalo.bot.get_updates(timeout=1)
    assert (limited.value.error_code, limited.value.http_status) == (429, 429)
    assert zalo.sandbox.token not in str(limited.value)
    assert (await zalo.bot.get_me()).id == zalo.sandbox.bot_id  # and then it answers again


async def test_ok_decides_not_the_http_status() -> None:
    """A 200 with ok false is an error; a JSON error under another status keeps its error_code; a JSON 429 is
    RateLimited; a body that is not Zalo's JSON is a protocol error — none of them shows the token."""
    token = "2718281828459045235:very-secret-token"
    answers = {
        "getMe": httpx.Response(200, json={"ok": False, "error_code": 400, "description": "Bad request: x"}),
        "sendMessage": httpx.Response(500, json={"ok": False, "error_code": 403, "description": "Internal"}),
        "sendSticker": httpx.Response(200, json={"ok": False, "error_code": 429, "description": "Quota exceeded"}),
        "getWebhookInfo": httpx.Response(502, text=f"<html>bad gateway for /bot{token}/getWebhookInfo</html>"),
        "deleteWebhook": httpx.Response(200, json={"ok": True, "result": {"url": "", "updated_at": 1}}),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return answers[request.url.path.rsplit("/", 1)[-1]]

    bot = ZaloBot(token, base_url="https://zalo.test", transport=httpx.MockTransport(answer))
    try:
        with pytest.raises(ZaloApiError) as refused:
            await bot.get_me()
        assert (refused.value.error_code, refused.value.http_status) == (400, 200)
        with pytest.raises(ZaloApiError) as refused:
            await bot.send_message("abc", "x")
        assert (refused.value.error_code, refused.value.http_status) == (403, 500)
        with pytest.raises(RateLimited):
            await bot.send_sticker("abc", "s")
        with pytest.raises(ZaloProtocolError) as garbled:
            await bot.get_webhook_info()
        assert garbled.value.http_status == 502
        assert token not in str(garbled.value) and "very-secret-token" not in str(garbled.value)
        assert not (await bot.delete_webhook()).is_set
        assert "very-secret-token" not in repr(bot)
    finally:
        await bot.aclose()


async def test_no_answer_is_a_network_error_without_the_token() -> None:
    server = ZaloSandbox()
    world = await open_world(server)
    url = world.server.url
    await close_world(world)  # nothing listens there any more
    bot = ZaloBot(server.token, base_url=url, trust_env=False)
    try:
        with pytest.raises(ZaloNetworkError) as failed:
            await bot.get_me()
        assert server.token not in str(failed.value) and url not in str(failed.value)
    finally:
        await bot.aclose()


async def test_a_list_answer_is_handed_out_one_event_at_a_time() -> None:
    """Zalo answers one object; were it ever a list, no event of it would be dropped."""

    def event(text: str) -> dict[str, object]:
        message = {"from": {"id": "u1"}, "chat": {"id": "u1"}, "message_id": text, "date": 1, "text": text}
        return {"event_name": "message.text.received", "message": message}

    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json={"ok": True, "result": [event("a"), {"junk": 1}, event("b")]})

    bot = ZaloBot("1:abcdefgh", base_url="https://zalo.test", transport=httpx.MockTransport(answer))
    try:
        first, second = await bot.get_updates(), await bot.get_updates()
        assert isinstance(first, TextEvent) and isinstance(second, TextEvent)
        assert (first.text, second.text, len(calls)) == ("a", "b", 1)
    finally:
        await bot.aclose()
