"""The sandbox over HTTP: Telegram's `/bot{token}/{method}` protocol and a JSON control API for users.

Bot API bodies may be query strings, form-urlencoded, JSON or multipart, as with Telegram. The control API
under `/sandbox/api/` lets a test or a page act as users and read the chats.
"""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from aiohttp import web

from danhgia.sandbox.core import ApiError, BotApiSandbox, Disrupted
from danhgia.sandbox.demo_api import DemoController, add_routes
from danhgia.sandbox.spec import UploadedFile
from danhgia.sandbox.state import Message

log = logging.getLogger(__name__)
SANDBOX_KEY = web.AppKey("sandbox", BotApiSandbox)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], bool]:
    params: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return params, False
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the JSON body must be an object")
        params.update(body)
        return params, not request.query
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        parts: dict[str, Any] = {}
        for name, value in form.items():
            if isinstance(value, web.FileField):
                parts[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                parts[name] = str(value)
        for name, value in list(parts.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                parts[name] = parts.pop(value[len("attach://") :], value)
        params.update(parts)
        return params, False
    return params, False


async def bot_api(request: web.Request) -> web.Response:
    """`/bot{token}/{method}`: run one Bot API method."""
    sandbox = request.app[SANDBOX_KEY]
    token = request.match_info["token"]
    method = request.match_info["method"]
    try:
        params, typed = await _read_params(request)
        result = await sandbox.call(token, method, params, typed=typed)
    except ApiError as error:
        if error.code not in (409,):
            log.debug("sandbox %s → %s %s", method, error.code, error.description)
        return web.json_response(error.to_api(), status=error.code)
    except Disrupted as fault:  # no answer reaches the bot
        if fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
        elif request.transport is not None:
            request.transport.abort()
        return web.json_response({"ok": False, "error_code": 504, "description": "Gateway Timeout"}, status=504)
    return web.json_response({"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def file_download(request: web.Request) -> web.Response:
    """`/file/bot{token}/{path}`: download a file the bot sent."""
    sandbox = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sandbox.token:
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    file_id = request.match_info["path"].split("/")[1] if "/" in request.match_info["path"] else ""
    stored = sandbox.files.get(file_id)
    if stored is None:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
    return web.Response(body=stored.data, content_type=stored.content_type or "application/octet-stream")


def message_view(sandbox: BotApiSandbox, message: Message) -> dict[str, Any]:
    """A message as the control API shows it (what a person sees, with the markup for rendering)."""
    return {
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "from_bot": message.from_bot,
        "sender_id": message.sender_id,
        "date": message.date,
        "text": message.text,
        "caption": message.caption,
        "markup": message.markup,
        "parse_mode": message.parse_mode,
        "buttons": message.reply_markup["inline_keyboard"] if message.reply_markup else [],
        "edited": message.edit_date is not None,
        "edits": len(message.history),
        "document": message.document,
        "seq": message.seq,
    }


async def control_state(request: web.Request) -> web.Response:
    """GET `/sandbox/api/state`: users, chats, violations and the change counter."""
    sandbox = request.app[SANDBOX_KEY]
    return web.json_response(
        {
            "version": sandbox.version,
            "bot": sandbox.bot_user(),
            "users": [{**u.to_api(), "blocked_bot": u.blocked_bot} for u in sandbox.users.values()],
            "chats": [
                {"id": c.id, "type": c.type, "title": c.title, "members": sorted(c.members)}
                for c in sandbox.chats.values()
            ],
            "violations": sandbox.violations,
        }
    )


async def control_stars(request: web.Request) -> web.Response:
    """GET or POST `/sandbox/api/stars` {balance?}: the bot's balance of Telegram Stars (POST sets it), what paid
    broadcasts have cost, and how many went out."""
    sandbox = request.app[SANDBOX_KEY]
    if request.method == "POST":
        body = await request.json()
        try:
            sandbox.stars_balance = Decimal(str(body["balance"]))
        except (KeyError, ArithmeticError, TypeError) as error:
            return web.json_response({"error": f"balance: {error}"}, status=400)
    return web.json_response(
        {
            "balance": str(sandbox.stars_balance),
            "spent": str(sandbox.stars_spent),
            "paid_messages": sandbox.paid_messages,
        }
    )


async def control_add_user(request: web.Request) -> web.Response:
    """POST `/sandbox/api/users` {first_name, last_name?, username?, language_code?}: a new user."""
    sandbox = request.app[SANDBOX_KEY]
    body = await request.json()
    user = sandbox.add_user(
        str(body["first_name"]),
        body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code", "vi"),
        user_id=body.get("id"),
    )
    return web.json_response(user.to_api())


async def control_user_action(request: web.Request) -> web.Response:
    """POST `/sandbox/api/users/{id}/{action}`: send, press, open_link, block, unblock."""
    sandbox = request.app[SANDBOX_KEY]
    user_id = int(request.match_info["user_id"])
    action = request.match_info["action"]
    if user_id not in sandbox.users:
        return web.json_response({"error": "unknown user"}, status=404)
    body: dict[str, Any] = await request.json() if request.can_read_body else {}
    try:
        if action == "send":
            message = sandbox.act_send(user_id, str(body["text"]), body.get("chat_id"))
            return web.json_response(message_view(sandbox, message))
        if action == "press":
            query = sandbox.act_press(user_id, int(body["chat_id"]), int(body["message_id"]), str(body["data"]))
            return web.json_response({"callback_query_id": query.id})
        if action == "open_link":
            message = sandbox.act_open_link(user_id, str(body["url"]))
            return web.json_response(message_view(sandbox, message))
        if action == "block":
            sandbox.act_block(user_id)
            return web.json_response({"ok": True})
        if action == "unblock":
            sandbox.act_unblock(user_id)
            return web.json_response({"ok": True})
    except (KeyError, ValueError, LookupError, PermissionError) as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"error": f"unknown action {action}"}, status=404)


async def control_messages(request: web.Request) -> web.Response:
    """GET `/sandbox/api/chats/{id}/messages`: the chat's visible messages, oldest first."""
    sandbox = request.app[SANDBOX_KEY]
    chat = sandbox.chats.get(int(request.match_info["chat_id"]))
    if chat is None:
        return web.json_response({"messages": []})
    callbacks = [
        {
            "id": q.id,
            "message_id": q.message_id,
            "answered": q.answered,
            "text": q.answer_text,
            "alert": q.show_alert,
        }
        for q in sandbox.callbacks.values()
        if q.chat_id == chat.id
    ]
    return web.json_response(
        {"messages": [message_view(sandbox, m) for m in chat.visible()], "callbacks": callbacks},
        dumps=lambda o: json.dumps(o, ensure_ascii=False),
    )


async def control_wait(request: web.Request) -> web.Response:
    """GET `/sandbox/api/wait?since=N&timeout=S`: long-poll until the state changes."""
    sandbox = request.app[SANDBOX_KEY]
    since = int(request.query.get("since", "0"))
    timeout = min(float(request.query.get("timeout", "25")), 60.0)
    version = await sandbox.wait_changed(since, timeout)
    return web.json_response({"version": version})


async def control_menu(request: web.Request) -> web.Response:
    """GET `/sandbox/api/users/{id}/commands`: the command menu the user sees in their private chat."""
    sandbox = request.app[SANDBOX_KEY]
    user_id = int(request.match_info["user_id"])
    if user_id not in sandbox.users:
        return web.json_response({"error": "unknown user"}, status=404)
    return web.json_response({"commands": sandbox.menu_of(user_id)}, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def control_file(request: web.Request) -> web.Response:
    """GET `/sandbox/api/files/{file_id}`: a file the bot sent, as the person downloads it (the page)."""
    sandbox = request.app[SANDBOX_KEY]
    stored = sandbox.files.get(request.match_info["file_id"])
    if stored is None:
        return web.json_response({"error": "unknown file"}, status=404)
    name = quote(stored.filename or "file")
    return web.Response(
        body=stored.data,
        content_type=stored.content_type or "application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


def build_web_app(sandbox: BotApiSandbox, demo: DemoController | None = None) -> web.Application:
    """The aiohttp application serving the Bot API, the control API and the chat page for one sandbox."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[SANDBOX_KEY] = sandbox
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", file_download)
    app.router.add_get("/sandbox/api/state", control_state)
    app.router.add_route("*", "/sandbox/api/stars", control_stars)
    app.router.add_post("/sandbox/api/users", control_add_user)
    app.router.add_post("/sandbox/api/users/{user_id}/{action}", control_user_action)
    app.router.add_get("/sandbox/api/chats/{chat_id}/messages", control_messages)
    app.router.add_get("/sandbox/api/wait", control_wait)
    app.router.add_get("/sandbox/api/users/{user_id}/commands", control_menu)
    app.router.add_get("/sandbox/api/files/{file_id}", control_file)
    add_routes(app, demo)
    return app


class SandboxServer:
    """Runs a sandbox on a local port (127.0.0.1 only)."""

    def __init__(
        self, sandbox: BotApiSandbox, host: str = "127.0.0.1", port: int = 0, demo: DemoController | None = None
    ) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self.app = build_web_app(sandbox, demo)
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Start serving and return the base URL (the value for `TELEGRAM_API_URL`)."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self.url

    @property
    def url(self) -> str:
        """The base URL of the server."""
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Stop serving (and delivering to a webhook)."""
        await self.sandbox.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
