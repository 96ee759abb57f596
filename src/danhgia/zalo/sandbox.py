"""A local Zalo bot API server for tests and the demo — the role `danhgia.sandbox` plays for Telegram.

It serves `/bot{token}/{method}` with exactly the nine methods Zalo documents (method names are case-sensitive;
any other answers `{"ok": false, "error_code": 404, "description": "Not Found"}`, as the live API does), and
answers every refusal with HTTP 200 and Zalo's envelope. It checks what Zalo checks: texts and captions of 1–2 000
characters, photos only by an http(s) link, a webhook secret of 8–256 characters, and a bot writing only to people
who wrote to it first. getUpdates hands out ONE event per call and forgets it (no offset, no acknowledgement) and
answers `error_code` 408 when its wait ends with nothing; it is refused while a webhook is set, and then each event
is POSTed to the webhook — wrapped in `{ok, result}` as Zalo's documentation shows — with the
`X-Bot-Api-Secret-Token` header. Ids are opaque strings; `date` is in milliseconds.

A JSON control API under `/zalo/api/` lets a test or a page act as users (send a text, an image, a sticker,
something unsupported) and read each chat; `GET /` (and `/zalo/`) is such a page, looking like a Zalo chat (the
static files in `zalo/web/`). Where the sources do not give Zalo's exact wording (docs/zalo-api.md
lists which), the refusal's words here are the sandbox's own; the codes follow Zalo's table.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Final, TypeVar

import httpx
from aiohttp import web

from danhgia.zalo.text import MAX_MESSAGE, zalo_length

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TOKEN: Final = "2718281828459045235:SANDBOX-zalo-token"
SECRET_HEADER: Final = "X-Bot-Api-Secret-Token"
DEFAULT_POLL_TIMEOUT: Final = 30.0  # seconds, Zalo's documented default
FIRST_RETRY: Final = 0.05  # seconds before a failed webhook delivery is tried again; doubles up to RETRY_CAP
RETRY_CAP: Final = 1.0
# Measured on the live API (docs/zalo-api.md); the other refusals' words are the sandbox's own.
NOT_FOUND: Final = "Not Found"
POLL_EXPIRED: Final = "Request timeout"
WEBHOOK_SET: Final = "You cannot use this API while a webhook is set"  # reported by one project, not confirmed
NO_CHAT_ID: Final = "The chat_id must not be empty"
NO_PHOTO: Final = "The photo must not be empty"
PHOTO_NOT_URL: Final = "The photo must start with http:// or https://"
CHAT_NOT_REACHABLE: Final = "Bad request: invalid chat_id"
RATE_LIMIT_PAGE: Final = (
    "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
    "<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
METHODS: Final = {  # method: (required parameters, optional parameters)
    "getMe": ((), ()),
    "getUpdates": ((), ("timeout",)),
    "setWebhook": (("url", "secret_token"), ()),
    "deleteWebhook": ((), ()),
    "getWebhookInfo": ((), ()),
    "sendMessage": (("chat_id", "text"), ("parse_mode",)),
    "sendPhoto": (("chat_id", "photo"), ("caption",)),
    "sendSticker": (("chat_id", "sticker"), ()),
    "sendChatAction": (("chat_id", "action"), ()),
}
WEB: Final = files("danhgia.zalo") / "web"  # the chat page's static files
CONTENT_TYPES: Final = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]{6,}$")
_HTTP_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


class Refusal(Exception):
    """A call Zalo answers with `{"ok": false, "error_code", "description"}`."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class Throttled(Exception):
    """A call answered by the proxy's HTML page with HTTP 429 (the sandbox does this only when told to)."""


@dataclass
class ZaloUser:
    """A simulated Zalo user; their private chat with the bot has the same opaque id."""

    id: str
    display_name: str
    wrote_to_bot: bool = False

    @property
    def chat_id(self) -> str:
        """The id of their private chat with the bot (Zalo's examples show it equal to the user's id)."""
        return self.id

    def to_api(self) -> dict[str, Any]:
        """The `from` object of an event."""
        return {"id": self.id, "display_name": self.display_name, "is_bot": False}


@dataclass
class ZaloMessage:
    """A message in a private chat, from the person or from the bot."""

    message_id: str
    chat_id: str
    from_bot: bool
    date_ms: int
    kind: str  # text, image, sticker, unsupported
    text: str | None = None
    photo: str | None = None
    caption: str | None = None
    sticker: str | None = None
    seq: int = 0

    def view(self) -> dict[str, Any]:
        """The message as the control API shows it."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "from_bot": self.from_bot,
            "date": self.date_ms,
            "kind": self.kind,
            "text": self.text,
            "photo": self.photo,
            "caption": self.caption,
            "sticker": self.sticker,
            "seq": self.seq,
        }


@dataclass
class Webhook:
    """The webhook the bot set."""

    url: str
    secret_token: str
    updated_at_ms: int


@dataclass
class Call:
    """One request the bot made, for tests to inspect."""

    method: str
    params: dict[str, Any]
    ok: bool
    error: str | None = None


@dataclass
class Attempt:
    """One POST of an event to the webhook."""

    message_id: str
    url: str
    secret_token: str
    status: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether the webhook answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(eq=False)
class ZaloSandbox:
    """A local Zalo bot API for one bot: its users, their chats, the events waiting, the webhook, the calls made.

    `wrap_webhook` posts events as `{ok, result}` (Zalo's documentation) or bare (seen by another project);
    `mirror_http_status` answers refusals with their code as HTTP status (measured once for 408 and 404) instead
    of 200; `queue_while_idle` False drops what a person sends while nobody polls and no webhook is set (one
    project's observation); `webhook_retry` False gives up an event whose delivery failed (Zalo's retries are
    not documented)."""

    token: str = DEFAULT_TOKEN
    account_name: str = "bot.DanhGiaSandbox"
    clock: Callable[[], float] = time.time
    wrap_webhook: bool = True
    mirror_http_status: bool = False
    queue_while_idle: bool = True
    webhook_retry: bool = True
    users: dict[str, ZaloUser] = field(default_factory=dict)
    chats: dict[str, list[ZaloMessage]] = field(default_factory=dict)
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    handed_out: list[dict[str, Any]] = field(default_factory=list)  # events getUpdates or the webhook delivered
    dropped: list[dict[str, Any]] = field(default_factory=list)  # events nobody received
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    typing: dict[str, int] = field(default_factory=dict)  # chat id: when the bot last showed "typing…"
    webhook: Webhook | None = None
    webhook_ever_set: bool = False
    throttle: int = 0  # how many coming calls get the HTML 429 page

    def __post_init__(self) -> None:
        match = _TOKEN.match(self.token)
        if match is None:
            raise ValueError("a Zalo bot token looks like '<digits>:<secret>'")
        self.bot_id = match.group(1)
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._version = 0
        self._changed = asyncio.Event()
        self._polls = 0
        self._delivery: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "getMe": self._api_get_me,
            "getUpdates": self._api_get_updates,
            "setWebhook": self._api_set_webhook,
            "deleteWebhook": self._api_delete_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "sendMessage": self._api_send_message,
            "sendPhoto": self._api_send_photo,
            "sendSticker": self._api_send_sticker,
            "sendChatAction": self._api_send_chat_action,
        }

    # -- change notification -----------------------------------------------------------------------

    @property
    def version(self) -> int:
        """A counter that grows with every change (for pollers such as a page)."""
        return self._version

    def _bump(self) -> None:
        self._version += 1
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_changed(self, since: int, timeout: float) -> int:
        """Wait until something changes after `since` (or the timeout) and return the version."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._version <= since and (remaining := deadline - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self._version

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
        """Wait until `predicate()` is truthy and return it; TimeoutError after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := predicate()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"zalo sandbox: waited {timeout} s for {what or 'a condition'}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return result

    @property
    def polls_waiting(self) -> int:
        """How many getUpdates calls are waiting for an event."""
        return self._polls

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _opaque(self, kind: str) -> str:
        """A 20-hex-digit id like Zalo's, stable from one run to the next."""
        return hashlib.sha1(f"{self.token}:{kind}:{next(self._ids)}".encode()).hexdigest()[:20]

    # -- the bot API -------------------------------------------------------------------------------

    async def call(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Run one method for the bot with this token: the HTTP status and the JSON body to answer with."""
        if self.throttle > 0:
            self.throttle -= 1
            self.calls.append(Call(method, params, False, "429 (HTML)"))
            raise Throttled
        try:
            if token != self.token:
                raise Refusal(401, "Unauthorized")
            if method not in METHODS:
                self.violations.append(f"unknown method {method!r}")
                raise Refusal(404, NOT_FOUND)
            required, optional = METHODS[method]
            unknown = sorted(set(params) - set(required) - set(optional))
            if unknown:
                self.violations.append(f"{method}: parameters Zalo does not document: {', '.join(unknown)}")
            result = await self._handlers[method](params)
        except Refusal as refusal:
            if method != "getUpdates" or refusal.code != 408:
                self.calls.append(Call(method, params, False, f"{refusal.code} {refusal.description}"))
            status = refusal.code if self.mirror_http_status and 400 <= refusal.code < 600 else 200
            return status, {"ok": False, "error_code": refusal.code, "description": refusal.description}
        if method != "getUpdates":  # polls are not calls to inspect: the events they hand out are in handed_out
            self.calls.append(Call(method, params, True))
        return 200, {"ok": True} if result is None else {"ok": True, "result": result}

    async def _api_get_me(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.bot_id, "account_name": self.account_name, "account_type": "BASIC", "can_join_groups": False}

    async def _api_get_updates(self, params: dict[str, Any]) -> dict[str, Any]:
        timeout = _seconds(params.get("timeout"), DEFAULT_POLL_TIMEOUT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._polls += 1
        self._bump()  # a page or a test may wait for the poll to be there
        try:
            while True:
                if self.webhook is not None:
                    raise Refusal(400, WEBHOOK_SET)
                if self.pending:
                    event = self.pending.popleft()
                    self.handed_out.append(event)  # gone from the queue: no offset, no second chance
                    self._bump()
                    return event
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise Refusal(408, POLL_EXPIRED)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        finally:
            self._polls -= 1

    async def _api_set_webhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url = str(params.get("url") or "").strip()
        secret = str(params.get("secret_token") or "")
        if not url:
            raise Refusal(400, "The url must not be empty")
        if not _HTTP_URL.match(url):  # Zalo wants HTTPS; plain HTTP is taken so that a local bot can be reached
            raise Refusal(400, "The url must start with https://")
        if not 8 <= len(secret) <= 256:
            raise Refusal(400, "The secret_token must have 8 to 256 characters")
        self.webhook = Webhook(url, secret, self._now_ms())
        self.webhook_ever_set = True
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.get_running_loop().create_task(self._deliver())
        self._bump()
        return {"url": url, "updated_at": self.webhook.updated_at_ms}

    async def _api_delete_webhook(self, _params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = None
        await self._stop_delivery()
        self._bump()
        return {"url": "", "updated_at": self._now_ms()}

    async def _api_get_webhook_info(self, _params: dict[str, Any]) -> dict[str, Any]:
        if not self.webhook_ever_set:
            raise Refusal(404, NOT_FOUND)  # what a bot that never had a webhook was measured to get
        hook = self.webhook
        return {"url": hook.url if hook else "", "updated_at": hook.updated_at_ms if hook else self._now_ms()}

    def _chat_for_sending(self, params: dict[str, Any]) -> str:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise Refusal(400, NO_CHAT_ID)
        user = self.users.get(str(chat_id))
        if user is None or not user.wrote_to_bot:  # a bot writes only to people who wrote to it
            raise Refusal(400, CHAT_NOT_REACHABLE)
        return user.chat_id

    def _check_text(self, params: dict[str, Any], name: str, *, required: bool) -> str | None:
        value = params.get(name)
        if value in (None, "") and not required:
            return None
        text = str(value or "")
        if not text.strip():
            raise Refusal(400, f"The {name} must not be empty")
        if zalo_length(text) > MAX_MESSAGE:
            self.violations.append(f"{name} of {zalo_length(text)} characters, over {MAX_MESSAGE}")
            raise Refusal(400, f"The {name} must have at most {MAX_MESSAGE} characters")
        return text

    def _bot_message(self, chat_id: str, kind: str, **content: str | None) -> dict[str, Any]:
        message = ZaloMessage(self._opaque("message"), chat_id, True, self._now_ms(), kind, seq=next(self._seq))
        for name, value in content.items():
            setattr(message, name, value)
        self.chats.setdefault(chat_id, []).append(message)
        self.typing.pop(chat_id, None)
        self._bump()
        return {"message_id": message.message_id, "date": message.date_ms}

    async def _api_send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_for_sending(params)
        text = self._check_text(params, "text", required=True)
        return self._bot_message(chat_id, "text", text=text)

    async def _api_send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_for_sending(params)
        photo = str(params.get("photo") or "").strip()
        if not photo:
            raise Refusal(400, NO_PHOTO)
        if not _HTTP_URL.match(photo):
            self.violations.append("sendPhoto without an http(s) link: Zalo takes no upload")
            raise Refusal(400, PHOTO_NOT_URL)
        caption = self._check_text(params, "caption", required=False)
        return {**self._bot_message(chat_id, "image", photo=photo, caption=caption), "message_type": "CHAT_PHOTO"}

    async def _api_send_sticker(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_for_sending(params)
        sticker = str(params.get("sticker") or "").strip()
        if not sticker:
            raise Refusal(400, "The sticker must not be empty")
        return self._bot_message(chat_id, "sticker", sticker=sticker)

    async def _api_send_chat_action(self, params: dict[str, Any]) -> None:
        chat_id = self._chat_for_sending(params)
        if params.get("action") not in ("typing", "upload_photo"):
            raise Refusal(400, "The action must be typing or upload_photo")
        self.typing[chat_id] = self._now_ms()
        self._bump()

    # -- users' side -------------------------------------------------------------------------------

    def add_user(self, display_name: str) -> ZaloUser:
        """A new person who has not written to the bot yet."""
        user = ZaloUser(self._opaque("user"), display_name)
        self.users[user.id] = user
        self._bump()
        return user

    def _user(self, user_id: str) -> ZaloUser:
        user = self.users.get(user_id)
        if user is None:
            raise LookupError(f"no user {user_id!r}")
        return user

    def _receive(self, user_id: str, kind: str, event_name: str, **content: str | None) -> ZaloMessage:
        user = self._user(user_id)
        user.wrote_to_bot = True
        message = ZaloMessage(self._opaque("message"), user.chat_id, False, self._now_ms(), kind, seq=next(self._seq))
        for name, value in content.items():
            setattr(message, name, value)
        self.chats.setdefault(user.chat_id, []).append(message)
        payload: dict[str, Any] = {
            "from": user.to_api(),
            "chat": {"id": user.chat_id, "chat_type": "PRIVATE"},
            "message_id": message.message_id,
            "date": message.date_ms,
        }
        payload.update({name: value for name, value in content.items() if value is not None})
        event = {"event_name": event_name, "message": payload}
        if self.webhook is None and self._polls == 0 and not self.queue_while_idle:
            self.dropped.append(event)
        else:
            self.pending.append(event)
        self._bump()
        return message

    def send_text(self, user_id: str, text: str) -> ZaloMessage:
        """The person types a text (or a command such as "/huy")."""
        return self._receive(user_id, "text", "message.text.received", text=text)

    def send_image(self, user_id: str, photo_url: str, caption: str | None = None) -> ZaloMessage:
        """The person sends a photo (Zalo gives the bot a link to it)."""
        return self._receive(user_id, "image", "message.image.received", photo=photo_url, caption=caption)

    def send_sticker(self, user_id: str, sticker: str = "0e078a2fb66a5f34067b") -> ZaloMessage:
        """The person sends a sticker."""
        url = f"https://sticker.invalid/{sticker}.webp"  # a link to the sticker's image, as Zalo gives one
        return self._receive(user_id, "sticker", "message.sticker.received", sticker=sticker, url=url)

    def send_unsupported(self, user_id: str) -> ZaloMessage:
        """The person sends something the bot API does not pass on (a voice note, a file, a protected account)."""
        return self._receive(user_id, "unsupported", "message.unsupported.received")

    def messages(self, chat_id: str) -> list[ZaloMessage]:
        """A chat's messages, oldest first."""
        return list(self.chats.get(chat_id, []))

    def bot_messages(self, user_id: str) -> list[ZaloMessage]:
        """What the bot sent this person, oldest first."""
        return [m for m in self.messages(self._user(user_id).chat_id) if m.from_bot]

    def received_texts(self, user_id: str) -> list[str]:
        """The texts (and captions) the bot sent this person, oldest first."""
        return [m.text or m.caption or "" for m in self.bot_messages(user_id)]

    def reset_conversations(self) -> None:
        """Forget every chat, event and call; keep the people (who have still written to the bot)."""
        for forgotten in (
            self.chats,
            self.pending,
            self.handed_out,
            self.dropped,
            self.calls,
            self.attempts,
            self.typing,
        ):
            forgotten.clear()
        self._bump()

    def inject_rate_limit(self, times: int = 1) -> None:
        """Answer the next `times` calls with the HTML 429 page, as the proxy in front of Zalo does."""
        self.throttle += times

    # -- webhook delivery --------------------------------------------------------------------------

    async def _deliver(self) -> None:
        """POST the waiting events to the webhook one at a time, in order, while one is set."""
        delay = FIRST_RETRY
        while (hook := self.webhook) is not None:
            if not self.pending:
                await self.wait_changed(self._version, 0.25)
                continue
            event = self.pending[0]
            attempt = Attempt(event["message"]["message_id"], hook.url, hook.secret_token)
            self.attempts.append(attempt)
            await self._post(hook, event, attempt)
            if self.pending and self.pending[0] is event and (attempt.delivered or not self.webhook_retry):
                self.pending.popleft()
                (self.handed_out if attempt.delivered else self.dropped).append(event)
                delay = FIRST_RETRY
                self._bump()
            elif not attempt.delivered:
                await self._pause(hook, delay)
                delay = min(delay * 2, RETRY_CAP)

    async def _pause(self, hook: Webhook, delay: float) -> None:
        """Wait `delay` seconds before trying again, or less if the bot sets another webhook or removes it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while self.webhook is hook and (remaining := deadline - loop.time()) > 0:
            await self.wait_changed(self._version, remaining)

    async def _post(self, hook: Webhook, event: dict[str, Any], attempt: Attempt) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0), trust_env=False)
        body = {"ok": True, "result": event} if self.wrap_webhook else event
        headers = {"Content-Type": "application/json", SECRET_HEADER: hook.secret_token}
        try:
            response = await self._http.post(hook.url, content=json.dumps(body, ensure_ascii=False), headers=headers)
        except httpx.HTTPError as error:
            attempt.error = type(error).__name__
        else:
            attempt.status = response.status_code

    async def _stop_delivery(self) -> None:
        task, self._delivery = self._delivery, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        """Stop delivering to the webhook and close its connections (the events stay waiting)."""
        await self._stop_delivery()
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def _seconds(value: object, default: float) -> float:
    """getUpdates' `timeout` (Zalo documents a string of seconds; numbers are taken too)."""
    if value in (None, ""):
        return default
    try:
        seconds = float(str(value))
    except ValueError:
        raise Refusal(400, "The timeout must be a number of seconds") from None
    return max(0.0, seconds) if seconds == seconds else default


# -- over HTTP ---------------------------------------------------------------------------------------

SANDBOX_KEY: Final = web.AppKey("zalo_sandbox", ZaloSandbox)


async def bot_api(request: web.Request) -> web.Response:
    """`/bot{token}/{method}`: a method with its parameters from a JSON body (and the query string)."""
    sandbox = request.app[SANDBOX_KEY]
    method = request.match_info["method"]
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        raw = await request.read()
        if request.content_type == "application/json":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if isinstance(body, dict):
                params.update(body)
            else:
                sandbox.violations.append(f"{method}: the body is not a JSON object")
        elif raw:  # measured: a multipart body is not read ("The chat_id must not be empty")
            sandbox.violations.append(f"{method}: a {request.content_type} body; Zalo reads JSON")
    try:
        status, answer = await sandbox.call(request.match_info["token"], method, params)
    except Throttled:
        return web.Response(status=429, text=RATE_LIMIT_PAGE, content_type="text/html")
    return web.json_response(answer, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _json(data: object) -> web.Response:
    return web.json_response(data, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def control_state(request: web.Request) -> web.Response:
    """GET `/zalo/api/state`: the bot, users, webhook, waiting events, violations and the change counter."""
    sandbox = request.app[SANDBOX_KEY]
    hook = sandbox.webhook
    return _json(
        {
            "version": sandbox.version,
            "bot": {"id": sandbox.bot_id, "account_name": sandbox.account_name},
            "users": [{**u.to_api(), "wrote_to_bot": u.wrote_to_bot} for u in sandbox.users.values()],
            "webhook": {"url": hook.url, "updated_at": hook.updated_at_ms} if hook else None,
            "pending": len(sandbox.pending),
            "typing": sandbox.typing,
            "violations": sandbox.violations,
        }
    )


async def control_add_user(request: web.Request) -> web.Response:
    """POST `/zalo/api/users` {display_name}: a new person."""
    body = await request.json()
    return _json(request.app[SANDBOX_KEY].add_user(str(body["display_name"])).to_api())


async def control_user_action(request: web.Request) -> web.Response:
    """POST `/zalo/api/users/{id}/{action}`: text {text}, image {photo_url, caption?}, sticker {sticker?},
    unsupported."""
    sandbox = request.app[SANDBOX_KEY]
    user_id, action = request.match_info["user_id"], request.match_info["action"]
    body: dict[str, Any] = await request.json() if request.can_read_body else {}
    try:
        if action == "text":
            message = sandbox.send_text(user_id, str(body["text"]))
        elif action == "image":
            message = sandbox.send_image(user_id, str(body["photo_url"]), body.get("caption"))
        elif action == "sticker":
            message = sandbox.send_sticker(user_id, str(body.get("sticker") or "0e078a2fb66a5f34067b"))
        elif action == "unsupported":
            message = sandbox.send_unsupported(user_id)
        else:
            return web.json_response({"error": f"unknown action {action}"}, status=404)
    except (KeyError, LookupError) as error:
        return web.json_response({"error": str(error)}, status=400)
    return _json(message.view())


async def control_messages(request: web.Request) -> web.Response:
    """GET `/zalo/api/chats/{chat_id}/messages`: the chat's messages, oldest first."""
    sandbox = request.app[SANDBOX_KEY]
    return _json({"messages": [m.view() for m in sandbox.messages(request.match_info["chat_id"])]})


async def control_wait(request: web.Request) -> web.Response:
    """GET `/zalo/api/wait?since=N&timeout=S`: long-poll until the state changes."""
    sandbox = request.app[SANDBOX_KEY]
    since = int(request.query.get("since", "0"))
    timeout = min(float(request.query.get("timeout", "25")), 60.0)
    return _json({"version": await sandbox.wait_changed(since, timeout)})


async def page(_request: web.Request) -> web.Response:
    """GET `/` and `/zalo/`: the chat page (people on the side, the chosen person's chat with the bot)."""
    return web.Response(
        text=(WEB / "index.html").read_text(encoding="utf-8"),
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


async def static(request: web.Request) -> web.Response:
    """GET `/zalo/static/{name}`: the page's script and styles (no build step)."""
    name = request.match_info["name"]
    suffix = name[name.rfind(".") :] if "." in name else ""
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in CONTENT_TYPES or not (WEB / name).is_file():
        raise web.HTTPNotFound
    return web.Response(
        body=(WEB / name).read_bytes(),
        content_type=CONTENT_TYPES[suffix],
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


def build_web_app(sandbox: ZaloSandbox) -> web.Application:
    """The aiohttp application serving the bot API, the control API and the chat page for one sandbox."""
    app = web.Application()
    app[SANDBOX_KEY] = sandbox
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/zalo/api/state", control_state)
    app.router.add_post("/zalo/api/users", control_add_user)
    app.router.add_post("/zalo/api/users/{user_id}/{action}", control_user_action)
    app.router.add_get("/zalo/api/chats/{chat_id}/messages", control_messages)
    app.router.add_get("/zalo/api/wait", control_wait)
    app.router.add_get("/", page)
    app.router.add_get("/zalo/", page)
    app.router.add_get("/zalo/static/{name}", static)
    return app


class ZaloSandboxServer:
    """Runs a Zalo sandbox on a local port (127.0.0.1 only)."""

    def __init__(self, sandbox: ZaloSandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self.app = build_web_app(sandbox)
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Start serving and return the base URL (what `ZaloBot(base_url=…)` takes)."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1])
        return self.url

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Stop serving and delivering."""
        await self.sandbox.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
