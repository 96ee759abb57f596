"""The sandbox speaks Telegram's HTTP protocol: bodies, answers, long polling, errors, users' actions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from danhgia.sandbox.core import BotApiSandbox, RateLimits
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser

TOKEN = "123456789:SANDBOX-TEST-TOKEN"


@pytest.fixture
async def api() -> AsyncIterator[tuple[BotApiSandbox, httpx.AsyncClient]]:
    sandbox = BotApiSandbox()
    server = SandboxServer(sandbox)
    await server.start()
    async with httpx.AsyncClient(base_url=f"{server.url}/bot{TOKEN}/", timeout=10) as client:
        yield sandbox, client
    await server.stop()


def user_with_chat(sandbox: BotApiSandbox, name: str = "Lan") -> SimUser:
    user = SimUser(sandbox, sandbox.add_user(name, "Nguyễn"))
    user.send("/start")
    return user


async def test_get_me_by_get_and_post(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    _, client = api
    for response in (await client.get("getMe"), await client.post("getMe")):
        body = response.json()
        assert response.status_code == 200 and body["ok"] is True
        assert body["result"]["username"] == "danhgia_test_bot" and body["result"]["is_bot"] is True


async def test_wrong_token_and_unknown_method(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    response = await client.get(f"../bot{TOKEN[:-1]}X/getMe")
    assert response.status_code == 401 and response.json() == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }
    response = await client.post("sendMesage", data={"chat_id": 1, "text": "x"})
    assert response.status_code == 404 and response.json()["description"] == "Not Found: method not found"
    assert sandbox.violations == ["unknown method 'sendMesage'"]


@pytest.mark.parametrize("encoding", ["form", "json", "query", "multipart"])
async def test_send_message_in_every_body_encoding(api: tuple[BotApiSandbox, httpx.AsyncClient], encoding: str) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    params = {"chat_id": user.id, "text": "<b>Chào</b> bạn", "parse_mode": "HTML"}
    markup = {"inline_keyboard": [[{"text": "Duyệt", "callback_data": "v1:ap:1"}]]}
    if encoding == "form":
        response = await client.post("sendMessage", data={**params, "reply_markup": json.dumps(markup)})
    elif encoding == "json":
        response = await client.post("sendMessage", json={**params, "reply_markup": markup})
    elif encoding == "query":
        response = await client.get("sendMessage", params={**params, "reply_markup": json.dumps(markup)})
    else:
        response = await client.post(
            "sendMessage", data={**params, "reply_markup": json.dumps(markup)}, files={"unused": ("a.txt", b"x")}
        )
    if encoding == "multipart":  # an unknown part is an unknown parameter
        assert response.status_code == 400 and "unknown parameter 'unused'" in response.text
        sandbox.violations.clear()
        return
    result = response.json()["result"]
    assert result["text"] == "Chào bạn" and result["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert result["chat"] == {"id": user.id, "type": "private", "first_name": "Lan", "last_name": "Nguyễn"}
    assert result["reply_markup"] == markup
    assert user.last().button_texts() == ["Duyệt"]
    assert sandbox.violations == []


async def test_bad_calls_are_refused_and_recorded_as_violations(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    cases = [
        ({"chat_id": user.id}, "missing required parameter 'text'"),
        ({"chat_id": user.id, "text": "x", "colour": "red"}, "unknown parameter 'colour'"),
        ({"chat_id": user.id, "text": "x" * 4097}, "message is too long"),
        ({"chat_id": user.id, "text": "   "}, "message text is empty"),
        ({"chat_id": user.id, "text": "a < b", "parse_mode": "HTML"}, "can't parse entities"),
        (
            {
                "chat_id": user.id,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]},
            },
            "BUTTON_DATA_INVALID",
        ),
        (
            {
                "chat_id": user.id,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "url": "javascript:x"}]]},
            },
            "is invalid",
        ),
        (
            {"chat_id": user.id, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "A"}]]}},
            "exactly one action",
        ),
    ]
    for params, message in cases:
        response = await client.post("sendMessage", json=params)
        assert response.status_code == 400, params
        assert message in response.json()["description"], params
    assert len(sandbox.violations) == len(cases)
    assert user.bot_messages() == []


async def test_exactly_4096_characters_pass(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    response = await client.post("sendMessage", json={"chat_id": user.id, "text": "ệ" * 4096})
    assert response.json()["ok"] is True


async def test_runtime_refusals_are_not_violations(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    response = await client.post("sendMessage", json={"chat_id": 987654, "text": "x"})
    assert response.status_code == 400 and response.json()["description"] == "Bad Request: chat not found"
    user = user_with_chat(sandbox)
    user.block()
    response = await client.post("sendMessage", json={"chat_id": user.id, "text": "x"})
    assert response.status_code == 403
    assert response.json()["description"] == "Forbidden: bot was blocked by the user"
    assert sandbox.violations == []


async def test_long_polling_offsets_and_limits(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    empty = await client.post("getUpdates", json={"timeout": 0})
    assert empty.json() == {"ok": True, "result": []}
    waiting = asyncio.create_task(client.post("getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.2)
    user = SimUser(sandbox, sandbox.add_user("An"))
    user.send("/start abc")
    first = (await waiting).json()["result"]
    assert len(first) == 1
    message = first[0]["message"]
    assert message["text"] == "/start abc"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    for i in range(3):
        user.send(f"tin {i}")
    unconfirmed = (await client.post("getUpdates", json={"limit": 2})).json()["result"]
    assert [u["message"]["text"] for u in unconfirmed] == ["/start abc", "tin 0"]
    after = (await client.post("getUpdates", json={"offset": first[0]["update_id"] + 1})).json()["result"]
    assert [u["message"]["text"] for u in after] == ["tin 0", "tin 1", "tin 2"]
    last = (await client.post("getUpdates", json={"offset": -1})).json()["result"]
    assert [u["message"]["text"] for u in last] == ["tin 2"]
    assert len(sandbox.updates) == 1  # everything before the last was forgotten


async def test_updates_wait_until_confirmed_even_across_pollers(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    SimUser(sandbox, sandbox.add_user("An")).send("chào")
    seen_twice = [(await client.post("getUpdates")).json()["result"] for _ in range(2)]
    assert seen_twice[0] == seen_twice[1] and len(seen_twice[0]) == 1


async def test_second_poller_ends_the_first_with_a_conflict(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    _, client = api
    first = asyncio.create_task(client.post("getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(client.post("getUpdates", json={"timeout": 1}))
    response = await first
    assert response.status_code == 409 and response.json()["description"].startswith("Conflict:")
    assert (await second).json() == {"ok": True, "result": []}


async def test_edits_keep_history_and_identical_edit_is_refused(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    sent = (await client.post("sendMessage", json={"chat_id": user.id, "text": "Chờ duyệt"})).json()["result"]
    edit = {"chat_id": user.id, "message_id": sent["message_id"], "text": "Đã duyệt"}
    assert (await client.post("editMessageText", json=edit)).json()["result"]["edit_date"]
    again = await client.post("editMessageText", json=edit)
    assert again.status_code == 400 and "message is not modified" in again.json()["description"]
    message = user.last()
    assert message.text == "Đã duyệt" and [h.text for h in message.history] == ["Chờ duyệt"]
    markup = {"inline_keyboard": [[{"text": "Xem", "callback_data": "v1:x"}]]}
    await client.post(
        "editMessageReplyMarkup", json={"chat_id": user.id, "message_id": sent["message_id"], "reply_markup": markup}
    )
    assert user.last().button_texts() == ["Xem"]
    users_message = user.chat.messages[0]
    refused = await client.post(
        "editMessageText", json={"chat_id": user.id, "message_id": users_message.message_id, "text": "x"}
    )
    assert refused.status_code == 400
    sandbox.violations.clear()
    assert (await client.post("deleteMessage", json={"chat_id": user.id, "message_id": sent["message_id"]})).json()[
        "ok"
    ]
    assert user.bot_messages() == []


async def test_button_press_reaches_the_bot_and_is_answered(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    markup = {"inline_keyboard": [[{"text": "Duyệt", "callback_data": "v1:ap:7"}]]}
    await client.post("sendMessage", json={"chat_id": user.id, "text": "Thẻ", "reply_markup": markup})
    query = user.press(user.last(), "Duyệt")
    update = sandbox.updates[-1]["callback_query"]
    assert update["data"] == "v1:ap:7" and update["from"]["id"] == user.id
    assert update["message"]["text"] == "Thẻ"
    ok = await client.post("answerCallbackQuery", json={"callback_query_id": query.id, "text": "Đã duyệt"})
    assert ok.json()["result"] is True
    assert query.answered and query.answer_text == "Đã duyệt"
    twice = await client.post("answerCallbackQuery", json={"callback_query_id": query.id})
    assert twice.status_code == 400
    with pytest.raises(LookupError):
        user.press(user.last(), "Trả lại")


async def test_blocking_sends_a_member_update_and_writing_again_unblocks(
    api: tuple[BotApiSandbox, httpx.AsyncClient],
) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    user.block()
    change = sandbox.updates[-1]["my_chat_member"]
    assert change["new_chat_member"]["status"] == "kicked" and change["old_chat_member"]["status"] == "member"
    user.send("/start")
    assert sandbox.updates[-2]["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert (await client.post("sendMessage", json={"chat_id": user.id, "text": "x"})).json()["ok"]


async def test_group_privacy_mode(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, _ = api
    an = SimUser(sandbox, sandbox.add_user("An"))
    binh = SimUser(sandbox, sandbox.add_user("Bình"))
    group = sandbox.add_group("Phòng A", [an.id, binh.id])
    an.send("chào mọi người", chat=group)
    binh.send("/ketqua@other_bot", chat=group)
    assert sandbox.updates == []
    an.send("/ketqua", chat=group)
    binh.send(f"/help@{sandbox.bot_username}", chat=group)
    delivered = [u["message"] for u in sandbox.updates]
    assert [m["text"] for m in delivered] == ["/ketqua", "/help@danhgia_test_bot"]
    assert delivered[0]["chat"] == {"id": group.id, "type": "group", "title": "Phòng A"}
    outsider = SimUser(sandbox, sandbox.add_user("Người", "ngoài"))
    with pytest.raises(PermissionError):
        outsider.send("/help", chat=group)


async def test_documents_upload_and_download(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    content = "ma_can_bo,ho_ten\nCV01,Lê Văn An\n".encode()
    sent = await client.post(
        "sendDocument",
        data={"chat_id": str(user.id), "caption": "Báo cáo"},
        files={"document": ("bao-cao.csv", content, "text/csv")},
    )
    document = sent.json()["result"]["document"]
    assert document["file_name"] == "bao-cao.csv" and document["file_size"] == len(content)
    file_path = (await client.post("getFile", json={"file_id": document["file_id"]})).json()["result"]["file_path"]
    downloaded = await client.get(f"../../file/bot{TOKEN}/{file_path}")
    assert downloaded.content == content


async def test_commands_per_scope_and_language(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    commands = [{"command": "help", "description": "Trợ giúp"}]
    assert (await client.post("setMyCommands", json={"commands": commands})).json()["ok"]
    await client.post(
        "setMyCommands", json={"commands": [{"command": "help", "description": "Help"}], "language_code": "en"}
    )
    got = (await client.post("getMyCommands", json={"language_code": "en"})).json()["result"]
    assert got == [{"command": "help", "description": "Help"}]
    bad = await client.post("setMyCommands", json={"commands": [{"command": "Trợ-giúp", "description": "x"}]})
    assert bad.status_code == 400 and "BOT_COMMAND_INVALID" in bad.json()["description"]
    sandbox.violations.clear()


async def test_injected_errors_and_rate_limits(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    sandbox.inject_error(502, "Bad Gateway", method="sendMessage")
    failed = await client.post("sendMessage", json={"chat_id": user.id, "text": "x"})
    assert failed.status_code == 502
    assert (await client.post("sendMessage", json={"chat_id": user.id, "text": "x"})).json()["ok"]
    sandbox.rate_limits = RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=1)
    assert (await client.post("sendMessage", json={"chat_id": user.id, "text": "1"})).json()["ok"]
    limited = await client.post("sendMessage", json={"chat_id": user.id, "text": "2"})
    assert limited.status_code == 429 and limited.json()["parameters"]["retry_after"] >= 1
    assert sandbox.too_many_requests == 1


async def test_control_api_lets_a_page_act_as_users(api: tuple[BotApiSandbox, httpx.AsyncClient]) -> None:
    sandbox, client = api
    control = client.base_url.join("/sandbox/api/")
    async with httpx.AsyncClient(base_url=str(control), timeout=10) as page:
        user = (await page.post("users", json={"first_name": "Mai", "last_name": "Trần"})).json()
        version = (await page.get("state")).json()["version"]
        waiting = asyncio.create_task(page.get("wait", params={"since": version, "timeout": 5}))
        sent = (await page.post(f"users/{user['id']}/send", json={"text": "/start"})).json()
        assert (await waiting).json()["version"] > version
        assert sent["text"] == "/start" and not sent["from_bot"]
        await client.post(
            "sendMessage",
            json={
                "chat_id": user["id"],
                "text": "Chọn",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
            },
        )
        messages = (await page.get(f"chats/{user['id']}/messages")).json()["messages"]
        assert [m["text"] for m in messages] == ["/start", "Chọn"]
        pressed = await page.post(
            f"users/{user['id']}/press",
            json={"chat_id": user["id"], "message_id": messages[1]["message_id"], "data": "a"},
        )
        assert pressed.json()["callback_query_id"]
        wrong = await page.post(
            f"users/{user['id']}/press", json={"chat_id": user["id"], "message_id": 1, "data": "zzz"}
        )
        assert wrong.status_code == 400
    assert sandbox.updates[-1]["callback_query"]["data"] == "a"


async def test_calls_telegram_rejects_as_pointless_are_listed_as_wasted(
    api: tuple[BotApiSandbox, httpx.AsyncClient],
) -> None:
    sandbox, client = api
    user = user_with_chat(sandbox)
    sent = (await client.post("sendMessage", json={"chat_id": user.id, "text": "Thẻ"})).json()["result"]
    same = {"chat_id": user.id, "message_id": sent["message_id"], "text": "Thẻ"}
    assert (await client.post("editMessageText", json=same)).status_code == 400  # not modified
    gone = {"chat_id": user.id, "message_id": sent["message_id"]}
    assert (await client.post("deleteMessage", json=gone)).json()["ok"]
    assert (await client.post("deleteMessage", json=gone)).status_code == 400  # already deleted
    assert (await client.post("editMessageText", json={**gone, "text": "Mới"})).status_code == 400  # edit a deleted one
    markup = {"inline_keyboard": [[{"text": "Duyệt", "callback_data": "v1:ap:7"}]]}
    await client.post("sendMessage", json={"chat_id": user.id, "text": "Khác", "reply_markup": markup})
    query = user.press(user.last(), "Duyệt")
    assert (await client.post("answerCallbackQuery", json={"callback_query_id": query.id})).json()["ok"]
    assert (await client.post("answerCallbackQuery", json={"callback_query_id": query.id})).status_code == 400
    wasted = sandbox.wasted_calls()
    assert [entry.split(" (")[0] for entry in wasted] == [
        "editMessageText",
        "deleteMessage",
        "editMessageText",
        "answerCallbackQuery",
    ]
    # A failure a test injected is the server's doing, not the bot's: it is not counted.
    sandbox.inject_error(400, "Bad Request: message is not modified", method="editMessageText")
    sent = (await client.post("sendMessage", json={"chat_id": user.id, "text": "Một"})).json()["result"]
    edit = {"chat_id": user.id, "message_id": sent["message_id"], "text": "Hai"}
    assert (await client.post("editMessageText", json=edit)).status_code == 400
    assert len(sandbox.wasted_calls()) == 4
