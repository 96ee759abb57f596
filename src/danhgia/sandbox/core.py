"""The sandbox's Bot API: the methods the bot calls, the updates it polls for (or that go to its webhook), and the
users' side.

One `BotApiSandbox` serves one bot. Everything runs on the asyncio loop that owns it; tests and the demo
page act as users through `act_*` methods and wait for the bot with `wait_for`.

Paid broadcasts: a send with `allow_paid_broadcast` (where the spec has it) costs `PAID_MESSAGE_STARS` from the bot's
balance of Stars (`stars_balance`, set by a test or `/sandbox/api/stars`; getMyStarBalance reads it), is refused when
the balance is short (`BALANCE_TOO_LOW`), and is counted against 1 000 a second instead of the 30 of the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse

from danhgia.sandbox.spec import ApiSpec, MethodSpec, UploadedFile
from danhgia.sandbox.state import CallbackQuery, Chat, Edit, Message, User, Webhook
from danhgia.sandbox.webhook import WebhookDelivery
from danhgia.texts.telegram_html import HtmlParseError, parse_html, utf16_len

T = TypeVar("T")
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(@[A-Za-z0-9_]+)?")
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]{8,}$")
_BOT_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_URL = re.compile(r"^(https?|tg)://\S+$")
RECHECK = 0.2  # seconds: `wait_for` looks again at least this often
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]*$")
PAID_MESSAGE_STARS = Decimal("0.1")  # Telegram: 0.1 Star a message sent with allow_paid_broadcast
# Telegram's answer to a paid broadcast the bot's balance cannot pay for: its exact wording is not documented; this
# is the error Telegram gives for Stars payments the balance cannot cover.
BALANCE_TOO_LOW = "Bad Request: BALANCE_TOO_LOW"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


class ApiError(Exception):
    """An error answer of the Bot API (`{"ok": false, ...}`)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_api(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Call:
    """One request the bot made, for tests to inspect."""

    method: str
    params: dict[str, Any]
    ok: bool
    error: str | None = None
    injected: bool = False  # refused by a fault a test injected, not by the request itself


# Refusals that mean the bot asked for something it could have known was pointless (Bot API descriptions).
_WASTED = (
    "message is not modified",
    "message to edit not found",
    "message to delete not found",
    "query is too old and response timeout expired or query ID is invalid",
)


@dataclass
class InjectedError:
    """A fault the sandbox will answer a call with (to test retries): an error answer (`kind` "error"), no answer
    within `delay` seconds ("timeout") or a connection closed without an answer ("drop"); a timeout or a drop
    may come after the call took effect (`apply`), as when Telegram did the work and the answer was lost."""

    method: str | None
    code: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | None = None
    kind: str = "error"
    apply: bool = False
    delay: float = 0.0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Whether this fault answers a call of this method with these parameters."""
        if self.remaining <= 0 or method == "getupdates" or self.method not in (None, method):
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


class Disrupted(Exception):
    """A call answered by no answer: the server stalls (`kind` "timeout") or closes the connection ("drop")."""

    def __init__(self, kind: str, delay: float) -> None:
        super().__init__(kind)
        self.kind = kind
        self.delay = delay


@dataclass
class StoredFile:
    """A file the bot sent."""

    file_id: str
    file_unique_id: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RateLimits:
    """Telegram's sending limits, enforced when given: overall and per chat, per second; a paid broadcast counts in
    `paid_per_second` instead of `overall_per_second`."""

    overall_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    paid_per_second: float = 1000.0
    _sent: list[float] = field(default_factory=list)
    _paid: list[float] = field(default_factory=list)
    _per_chat: dict[int, list[float]] = field(default_factory=dict)

    def check(self, chat_id: int, now: float, paid: bool = False) -> int | None:
        """None if a message may go now, else the seconds to wait."""
        self._sent = [t for t in self._sent if now - t < 1.0]
        self._paid = [t for t in self._paid if now - t < 1.0]
        window = 1.0 * self.per_chat_burst / self.per_chat_per_second
        chat = self._per_chat.setdefault(chat_id, [])
        chat[:] = [t for t in chat if now - t < window]
        overall, limit = (self._paid, self.paid_per_second) if paid else (self._sent, self.overall_per_second)
        if len(overall) >= limit:
            return 1
        if len(chat) >= self.per_chat_burst:
            return max(1, int(window - (now - chat[0]) + 0.999))
        overall.append(now)
        chat.append(now)
        return None


class BotApiSandbox:
    """A local Bot API for one bot, with simulated users, chats and checks of every call."""

    def __init__(
        self,
        *,
        token: str = "123456789:SANDBOX-TEST-TOKEN",
        bot_username: str = "danhgia_test_bot",
        bot_name: str = "Đánh giá cán bộ",
        spec: ApiSpec | None = None,
        use_spec: bool = True,
        clock: Callable[[], float] = time.time,
        rate_limits: RateLimits | None = None,
        stars_balance: Decimal | int = 0,
    ) -> None:
        match = _TOKEN.match(token)
        if match is None:
            raise ValueError("token must look like '<digits>:<secret>'")
        self.token = token
        self.bot_id = int(match.group(1))
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.spec = spec if spec is not None else (ApiSpec.find() if use_spec else None)
        self.clock = clock
        self.date_clock: Callable[[], float] = clock  # the dates messages carry (the demo's clock in the demo)
        self.rate_limits = rate_limits
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_settings: dict[str, Any] = {}
        self.violations: list[str] = []
        self.calls: list[Call] = []
        self.injected: list[InjectedError] = []
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: list[str] | None = None
        self.too_many_requests = 0
        self.stars_balance = Decimal(stars_balance)  # the bot's Telegram Stars (paid broadcasts are paid from it)
        self.stars_spent = Decimal(0)  # Stars paid broadcasts have cost
        self.paid_messages = 0  # messages sent as paid broadcasts
        self._webhook: Webhook | None = None
        self.delivery = WebhookDelivery(self)  # posts the updates while a webhook is set
        self._next_update_id = 700_000_001
        self._next_user_id = 10_000_001
        self._next_group_id = -1_000_000_001
        self._callback_ids = itertools.count(5_000_001)
        self._seq = itertools.count(1)
        self._poll_generation = 0
        self._version = 0
        self._changed = asyncio.Event()
        self._methods: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "getme": self._get_me,
            "logout": self._true,
            "close": self._true,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "deletewebhook": self._delete_webhook,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._store_setting,
            "setmyshortdescription": self._store_setting,
            "setmyname": self._store_setting,
            "setchatmenubutton": self._store_setting,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
            "senddocument": self._send_document,
            "sendphoto": self._send_document,
            "getfile": self._get_file,
            "getmystarbalance": self._get_my_star_balance,
        }

    def reset_conversations(self) -> None:
        """Forget every chat, message, pending update, button press, file and menu; keep the users (the demo's
        "Reset")."""
        self.chats.clear()
        self.callbacks.clear()
        self.files.clear()
        self.commands.clear()
        self.calls.clear()
        self.updates.clear()
        self.injected.clear()
        for user in self.users.values():
            user.blocked_bot = False
        self._bump()

    # -- change notification -----------------------------------------------------------------------

    @property
    def version(self) -> int:
        """A counter that grows with every change of state (for pollers such as the demo page)."""
        return self._version

    def _bump(self) -> None:
        self._version += 1
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_changed(self, since: int, timeout: float) -> int:
        """Wait until the state changes after `since` (or the timeout) and return the new version."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._version <= since:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                break
        return self._version

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
        """Wait until `predicate()` returns something truthy and return it; TimeoutError after `timeout` s.

        The predicate is checked at every change of the sandbox and at least every RECHECK seconds: it may look at
        what the sandbox does not see change (the bot's database), and nothing else may happen meanwhile (no
        getUpdates call wakes the sandbox while a webhook is set)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"sandbox: waited {timeout} s for {what or 'a condition'}")
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), min(remaining, RECHECK))
            except TimeoutError:
                continue

    # -- the Bot API -------------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        """The bot as a Bot API `User`."""
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    async def call(self, token: str, method_name: str, raw: dict[str, Any], *, typed: bool = False) -> Any:
        """Run one Bot API method for the bot with this token; `typed` when the body was JSON."""
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        method: MethodSpec | None = self.spec.method(method_name) if self.spec else None
        if self.spec is not None and method is None:
            self._violate(f"unknown method '{method_name}'")
            raise ApiError(404, "Not Found: method not found")
        params = raw if typed or method is None else self.spec.decode(method, raw) if self.spec else raw
        if method is not None and self.spec is not None:
            problems = self.spec.check_call(method, params)
            if problems:
                for problem in problems:
                    self._violate(problem)
                self.calls.append(Call(method.name, params, False, problems[0]))
                raise ApiError(400, f"Bad Request: {problems[0]}")
        name = method.name if method else method_name
        handler = self._methods.get(name.lower())
        if handler is None:
            self._violate(f"method '{name}' is not implemented by the sandbox")
            raise ApiError(400, f"Bad Request: method {name} is not supported by the sandbox")
        for injected in self.injected:
            if injected.matches(name.lower(), params):
                injected.remaining -= 1
                if injected.kind == "error":
                    self.calls.append(Call(name, params, False, injected.description, injected=True))
                    raise ApiError(injected.code, injected.description, injected.retry_after)
                if injected.apply:  # Telegram did the work; only its answer is lost
                    await handler(params)
                    self.calls.append(Call(name, params, True))
                self.calls.append(Call(name, params, False, injected.kind, injected=True))
                raise Disrupted(injected.kind, injected.delay)
        try:
            result = await handler(params)
        except ApiError as error:
            self.calls.append(Call(name, params, False, error.description))
            raise
        if name.lower() != "getupdates":
            self.calls.append(Call(name, params, True))
        return result

    def wasted_calls(self) -> list[str]:
        """Calls Telegram rejected that the bot could have known better than to make: an edit of a message that
        is gone or of one that would not change, a deletion of a message already deleted, a callback query
        answered twice (injected faults left out). Each one costs a request against the sending budget."""
        wasted = []
        lost: set[tuple[str, str]] = set()  # (method, chat) whose last answer was lost: a retry may find it done
        for call in self.calls:
            key = (call.method, str(call.params.get("chat_id", call.params.get("callback_query_id", ""))))
            if call.injected:
                if call.error in ("timeout", "drop"):
                    lost.add(key)
                continue
            if call.ok or call.error is None:
                lost.discard(key)
                continue
            if key in lost:  # the retry of a call whose answer was lost: Telegram had done it
                lost.discard(key)
                continue
            if any(reason in call.error for reason in _WASTED):
                shown = str(call.params.get("text", ""))[:60].replace("\n", " ")
                wasted.append(f"{call.method} ({call.error[:40]}…) {shown}")
        return wasted

    def _violate(self, problem: str) -> None:
        self.violations.append(problem)

    def _bad(self, description: str, violation: bool = True) -> ApiError:
        if violation:
            self._violate(description)
        return ApiError(400, f"Bad Request: {description}")

    async def _true(self, _params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # -- webhooks ----------------------------------------------------------------------------------

    @property
    def webhook(self) -> Webhook | None:
        """The webhook the bot set (updates are then posted to it, and getUpdates is refused), or None."""
        return self._webhook

    async def close(self) -> None:
        """Stop delivering to the webhook (the server stops; the updates stay pending)."""
        await self.delivery.stop()

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "").strip()
        secret = params.get("secret_token")
        secret = str(secret) if secret not in (None, "") else None
        if secret is not None and len(secret) > 256:
            raise self._bad("secret token is too long")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise self._bad("secret token contains unallowed characters")
        if params.get("certificate") is not None:
            raise self._bad("the sandbox does not take custom certificates")
        if not url:  # an empty URL removes the webhook
            return await self._delete_webhook(params)
        parsed = urlparse(url)
        # Telegram takes HTTPS on ports 80, 88, 443 and 8443 only; the sandbox also takes plain HTTP on any port,
        # so that a bot on this machine can be reached without a certificate.
        if parsed.scheme not in ("http", "https"):
            raise self._bad("bad webhook: An HTTPS URL must be provided for webhook")
        if not parsed.hostname:
            raise self._bad("bad webhook: Failed to resolve host: Name or service not known")
        raw_connections = params.get("max_connections")
        max_connections = 40 if raw_connections in (None, "") else min(100, max(1, int(raw_connections)))  # clamped
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or []) or None
        if params.get("drop_pending_updates"):
            self.updates.clear()
        earlier = self._webhook
        self._webhook = Webhook(url, secret, max_connections, params.get("ip_address"))
        if earlier is not None:  # the last delivery error is still the last one
            self._webhook.last_error_date = earlier.last_error_date
            self._webhook.last_error_message = earlier.last_error_message
        self.delivery.start()
        self._bump()
        return True

    async def _get_webhook_info(self, _params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.deliverable()),
        }
        hook = self._webhook
        if hook is None:
            return info
        info["url"] = hook.url
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
        info["max_connections"] = hook.max_connections
        if self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        return info

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if self._webhook is not None:
            self._webhook = None
            await self.delivery.stop()
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self._bump()
        return True

    def is_pending(self, update_id: int) -> bool:
        """Whether an update still waits to be delivered (by getUpdates or the webhook)."""
        return any(u["update_id"] == update_id for u in self.updates)

    def acknowledge(self, update_id: int) -> None:
        """The webhook answered 2xx to an update: it is delivered."""
        self.updates = [u for u in self.updates if u["update_id"] != update_id]
        self._bump()

    def webhook_failed(self, message: str) -> None:
        """A delivery to the webhook failed: the error getWebhookInfo reports."""
        if self._webhook is not None:
            self._webhook.last_error_date = int(self.date_clock())
            self._webhook.last_error_message = message
            self._bump()

    # -- getUpdates --------------------------------------------------------------------------------

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    def deliverable(self) -> list[dict[str, Any]]:
        """The pending updates of the kinds the bot asked for (allowed_updates), oldest first."""
        if not self.allowed_updates:
            return [u for u in self.updates if "chat_member" not in u and "message_reaction" not in u]
        return [u for u in self.updates if any(kind in u for kind in self.allowed_updates)]

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._confirm(int(params.get("offset", 0) or 0))
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or []) or None
        limit = max(1, min(100, int(params.get("limit", 100) or 100)))
        timeout = max(0.0, float(params.get("timeout", 0) or 0))
        self._poll_generation += 1
        generation = self._poll_generation
        self._bump()  # wakes an older poll so that it ends with a conflict
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._webhook is not None:  # set while this request waited
                raise ApiError(409, WEBHOOK_CONFLICT)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            ready = self.deliverable()[:limit]
            remaining = deadline - loop.time()
            if ready or remaining <= 0:
                return ready
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self.updates.append(update)
        self._bump()
        return update

    def _chat_for_sending(self, chat_id: Any) -> Chat:
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            raise ApiError(400, "Bad Request: chat not found")
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.type == "private":
            user = self.users[chat.user_id or 0]
            if user.blocked_bot:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _rate_limit(self, chat_id: int, params: dict[str, Any] | None = None) -> bool:
        """Refuse a send beyond the limits (429) or one the Stars balance cannot pay for; True for a paid one (its
        price is taken with `_charge` once the message is sent)."""
        paid = bool(params and params.get("allow_paid_broadcast"))
        if paid and self.stars_balance < PAID_MESSAGE_STARS:
            raise ApiError(400, BALANCE_TOO_LOW)
        if self.rate_limits is None:
            return paid
        wait = self.rate_limits.check(chat_id, self.clock(), paid)
        if wait is not None:
            self.too_many_requests += 1
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        return paid

    def _charge(self, message: Message, paid: bool) -> None:
        """A paid broadcast went out: its price leaves the bot's balance."""
        if paid:
            message.paid = True
            self.stars_balance -= PAID_MESSAGE_STARS
            self.stars_spent += PAID_MESSAGE_STARS
            self.paid_messages += 1

    async def _get_my_star_balance(self, _params: dict[str, Any]) -> dict[str, Any]:
        whole = int(self.stars_balance)
        return {"amount": whole, "nanostar_amount": int((self.stars_balance - whole) * 1_000_000_000)}

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise self._bad("reply_markup must be an object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        count = 0
        for row in rows:
            for button in row:
                count += 1
                if not str(button.get("text", "")).strip():
                    raise self._bad("text buttons are unallowed in the inline keyboard")
                actions = [
                    k
                    for k in button
                    if k not in ("text", "icon_custom_emoji_id", "style") and button[k] not in (None, False)
                ]
                if len(actions) != 1:
                    raise self._bad(f"inline keyboard button must have exactly one action, got {actions}")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise self._bad("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not _URL.match(str(url)):
                    raise self._bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        if count > 100:
            raise self._bad("reply markup is too long")
        return markup

    def _format(self, text: str, parse_mode: str | None, limit: int, empty: str) -> tuple[str, list[Any]]:
        if parse_mode and parse_mode.upper() == "HTML":
            try:
                plain, entities = parse_html(text)
            except HtmlParseError as error:
                self._violate(str(error))
                raise ApiError(400, str(error)) from None
        elif parse_mode:
            raise self._bad(f"unsupported parse_mode {parse_mode!r} (the sandbox checks HTML only)")
        else:
            plain, entities = text, []
        if not plain.strip():
            raise self._bad(empty)
        if utf16_len(plain) > limit:
            raise self._bad("message is too long" if limit == MAX_TEXT else "message caption is too long")
        return plain, entities

    def _new_message(self, chat: Chat, sender_id: int, from_bot: bool) -> Message:
        message = Message(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            sender_id=sender_id,
            from_bot=from_bot,
            date=int(self.date_clock()),
            seq=next(self._seq),
            at=self.clock(),
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        return message

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_sending(params["chat_id"])
        plain, entities = self._format(str(params["text"]), params.get("parse_mode"), MAX_TEXT, "message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        paid = self._rate_limit(chat.id, params)
        message = self._new_message(chat, self.bot_id, True)
        self._charge(message, paid)
        message.text, message.entities = plain, entities
        message.markup, message.parse_mode = str(params["text"]), params.get("parse_mode")
        message.reply_markup = markup if markup and "inline_keyboard" in markup else None
        self._bump()
        return self.message_to_api(message)

    def _own_message(self, params: dict[str, Any]) -> tuple[Chat, Message]:
        if "inline_message_id" in params:
            raise self._bad("inline messages are not supported by the sandbox")
        if "chat_id" not in params or "message_id" not in params:
            raise self._bad("chat_id and message_id are required to edit a message")
        chat = self._chat_for_sending(params["chat_id"])
        message = chat.find(int(params["message_id"]))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not message.from_bot:
            raise self._bad("message can't be edited")
        return chat, message

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        _chat, message = self._own_message(params)
        plain, entities = self._format(str(params["text"]), params.get("parse_mode"), MAX_TEXT, "message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if message.text == plain and message.entities == entities and message.reply_markup == new_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        message.history.append(
            Edit(message.text, message.markup, message.reply_markup, message.edit_date or message.date)
        )
        message.text, message.entities = plain, entities
        message.markup, message.parse_mode = str(params["text"]), params.get("parse_mode")
        message.reply_markup = new_markup
        message.edit_date = int(self.date_clock())
        message.seq = next(self._seq)
        self._bump()
        return self.message_to_api(message)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        _chat, message = self._own_message(params)
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if message.reply_markup == new_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        message.history.append(
            Edit(message.text, message.markup, message.reply_markup, message.edit_date or message.date)
        )
        message.reply_markup = new_markup
        message.edit_date = int(self.date_clock())
        message.seq = next(self._seq)
        self._bump()
        return self.message_to_api(message)

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self.chats.get(int(params["chat_id"]))
        message = chat.find(int(params["message_id"])) if chat else None
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        message.deleted = True
        self._bump()
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query = self.callbacks.get(str(params["callback_query_id"]))
        if query is None or query.answered:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER:
            raise self._bad("MESSAGE_TOO_LONG (callback answer over 200 characters)")
        query.answered = True
        query.answer_text = text
        query.show_alert = bool(params.get("show_alert", False))
        self._bump()
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            return "default"
        return json.dumps(scope, sort_keys=True, ensure_ascii=False)

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise self._bad("too many commands")
        for command in commands:
            if not _BOT_COMMAND_NAME.match(str(command.get("command", ""))):
                raise self._bad(f"BOT_COMMAND_INVALID: {command.get('command')!r}")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise self._bad(f"BOT_COMMAND_DESCRIPTION_INVALID: {command.get('command')!r}")
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        self._bump()
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def _store_setting(self, params: dict[str, Any]) -> bool:
        self.bot_settings.update(params)
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat_for_sending(params["chat_id"])
        return True

    async def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats.get(int(params["chat_id"]))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {
            **self.chat_to_api(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {},
        }

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_sending(params["chat_id"])
        kind = "photo" if "photo" in params else "document"
        upload = params[kind]
        if not isinstance(upload, UploadedFile):
            stored = self.files.get(str(upload))
            if stored is None:
                raise self._bad(f"wrong file identifier/HTTP URL specified for {kind}")
        else:
            digest = hashlib.sha1(upload.data).hexdigest()[:16]
            stored = StoredFile(
                f"F{digest}{len(self.files)}", f"U{digest}", upload.filename, upload.content_type, upload.data
            )
            self.files[stored.file_id] = stored
        caption = params.get("caption")
        markup = self._check_markup(params.get("reply_markup"))
        paid = self._rate_limit(chat.id, params)
        message = self._new_message(chat, self.bot_id, True)
        self._charge(message, paid)
        if caption:
            message.caption, message.entities = self._format(
                str(caption), params.get("parse_mode"), MAX_CAPTION, "caption is empty"
            )
            message.markup, message.parse_mode = str(caption), params.get("parse_mode")
        message.document = {
            "kind": kind,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.filename,
            "mime_type": stored.content_type,
            "file_size": len(stored.data),
        }
        message.reply_markup = markup if markup and "inline_keyboard" in markup else None
        self._bump()
        return self.message_to_api(message)

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params["file_id"]))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": f"documents/{stored.file_id}/{stored.filename}",
        }

    # -- rendering state as Bot API objects ----------------------------------------------------------

    def chat_to_api(self, chat: Chat) -> dict[str, Any]:
        """The Bot API `Chat` object."""
        if chat.type == "private":
            user = self.users[chat.user_id or 0]
            data: dict[str, Any] = {"id": chat.id, "type": "private", "first_name": user.first_name}
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            return data
        return {"id": chat.id, "type": chat.type, "title": chat.title or ""}

    def message_to_api(self, message: Message) -> dict[str, Any]:
        """The Bot API `Message` object."""
        chat = self.chats[message.chat_id]
        sender = self.bot_user() if message.from_bot else self.users[message.sender_id].to_api()
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self.chat_to_api(chat),
            "from": sender,
        }
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.sticker is not None:
            data["sticker"] = message.sticker
        if message.document is not None:
            doc = {k: v for k, v in message.document.items() if k != "kind"}
            if message.document["kind"] == "photo":
                data["photo"] = [
                    {
                        "file_id": doc["file_id"],
                        "file_unique_id": doc["file_unique_id"],
                        "width": 1,
                        "height": 1,
                    }
                ]
            else:
                data["document"] = doc
            if message.caption:
                data["caption"] = message.caption
                if message.entities:
                    data["caption_entities"] = message.entities
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edit_date:
            data["edit_date"] = message.edit_date
        return data

    # -- the users' side ---------------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = "vi",
        user_id: int | None = None,
    ) -> User:
        """Create a simulated Telegram user (who has not talked to the bot yet)."""
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        user = User(user_id, first_name, last_name, username, language_code)
        self.users[user.id] = user
        self._bump()
        return user

    def add_group(self, title: str, members: list[int]) -> Chat:
        """Create a group chat with these users and the bot in it."""
        chat = Chat(id=self._next_group_id, type="group", title=title, members=set(members))
        self._next_group_id -= 1
        self.chats[chat.id] = chat
        self._bump()
        return chat

    def private_chat(self, user_id: int) -> Chat:
        """The user's private chat with the bot (created when the user first writes)."""
        chat = self.chats.get(user_id)
        if chat is None:
            chat = Chat(id=user_id, type="private", user_id=user_id, members={user_id})
            self.chats[user_id] = chat
        return chat

    def act_send(self, user_id: int, text: str, chat_id: int | None = None) -> Message:
        """The user types a message (or a command) in a chat; the bot receives an update."""
        user = self.users[user_id]
        if chat_id is None or chat_id == user_id:
            chat = self.private_chat(user_id)
            if user.blocked_bot:
                self.act_unblock(user_id)
        else:
            chat = self.chats[chat_id]
            if user_id not in chat.members:
                raise PermissionError(f"user {user_id} is not a member of chat {chat_id}")
        if not text:
            raise ValueError("a message needs text")
        message = self._new_message(chat, user_id, False)
        message.text = text
        command = _COMMAND.match(text)
        if command:
            message.entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}]
        addressed = command is not None and command.group(2) in (None, f"@{self.bot_username}")
        if chat.type == "private" or addressed or f"@{self.bot_username}" in text:
            self._enqueue("message", self.message_to_api(message))
        else:
            self._bump()  # privacy mode: the bot does not see ordinary group chatter
        return message

    def act_send_sticker(self, user_id: int, emoji: str = "👍") -> Message:
        """The user sends a sticker in their private chat (a message without text)."""
        chat = self.private_chat(user_id)
        if self.users[user_id].blocked_bot:
            self.act_unblock(user_id)
        message = self._new_message(chat, user_id, False)
        unique = f"sticker{message.seq}"
        message.sticker = {
            "file_id": f"CAAC-{unique}",
            "file_unique_id": unique,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        self._enqueue("message", self.message_to_api(message))
        return message

    def act_open_link(self, user_id: int, url: str) -> Message:
        """The user taps a `https://t.me/<bot>?start=<payload>` link: Telegram sends `/start <payload>`."""
        parsed = urlparse(url)
        if parsed.netloc not in ("t.me", "telegram.me") or parsed.path.strip("/") != self.bot_username:
            raise ValueError(f"not a deep link to @{self.bot_username}: {url}")
        payload = parse_qs(parsed.query).get("start", [""])[0]
        return self.act_send(user_id, f"/start {payload}" if payload else "/start")

    def act_press(
        self, user_id: int, chat_id: int, message_id: int, callback_data: str, *, forged: bool = False
    ) -> CallbackQuery:
        """The user presses an inline button of a bot message; the bot receives a callback query.

        `forged` sends data that no button carries (a tampered client), to test that the bot re-checks it.
        """
        chat = self.chats[chat_id]
        message = chat.find(message_id)
        if message is None or message.deleted:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        if not forged and not any(b.get("callback_data") == callback_data for b in message.buttons()):
            raise LookupError(f"message {message_id} has no button with callback_data {callback_data!r}")
        if user_id not in chat.members:
            raise PermissionError(f"user {user_id} cannot see chat {chat_id}")
        query = CallbackQuery(str(next(self._callback_ids)), user_id, chat_id, message_id, callback_data)
        self.callbacks[query.id] = query
        self._enqueue(
            "callback_query",
            {
                "id": query.id,
                "from": self.users[user_id].to_api(),
                "message": self.message_to_api(message),
                "chat_instance": str(abs(chat_id) * 7 + 3),
                "data": callback_data,
            },
        )
        return query

    def _member_update(self, user_id: int, old: str, new: str) -> None:
        chat = self.private_chat(user_id)
        member: dict[str, Any] = {"status": new, "user": self.bot_user()}
        if new == "kicked":
            member["until_date"] = 0
        self._enqueue(
            "my_chat_member",
            {
                "chat": self.chat_to_api(chat),
                "from": self.users[user_id].to_api(),
                "date": int(self.date_clock()),
                "old_chat_member": {
                    "status": old,
                    "user": self.bot_user(),
                    **({"until_date": 0} if old == "kicked" else {}),
                },
                "new_chat_member": member,
            },
        )

    def act_block(self, user_id: int) -> None:
        """The user blocks the bot: sending to them now fails with 403."""
        user = self.users[user_id]
        if not user.blocked_bot:
            user.blocked_bot = True
            self._member_update(user_id, "member", "kicked")

    def act_unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        user = self.users[user_id]
        if user.blocked_bot:
            user.blocked_bot = False
            self._member_update(user_id, "kicked", "member")

    def inject_error(
        self,
        code: int,
        description: str,
        *,
        method: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `count` calls (of `method`, or any but getUpdates; to `chat_id`, or any) with this error
        (a 5xx, or a 429 with `retry_after`)."""
        self.injected.append(
            InjectedError(method.lower() if method else None, code, description, retry_after, count, chat_id)
        )

    def inject_fault(
        self,
        kind: str,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        count: int = 1,
        apply: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `count` calls with no answer: "timeout" (the server stalls `delay` seconds) or "drop"
        (the connection is closed); with `apply`, the call takes effect first (only its answer is lost)."""
        if kind not in ("timeout", "drop"):
            raise ValueError("a fault is a timeout or a drop")
        method_name = method.lower() if method else None
        self.injected.append(InjectedError(method_name, 0, kind, None, count, chat_id, kind, apply, delay))

    def commands_for(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[str]:
        """The command names registered for a scope and language."""
        return [c["command"] for c in self.commands.get((self._scope_key(scope), language_code), [])]

    def menu_of(self, user_id: int) -> list[dict[str, str]]:
        """The command menu a user sees in their private chat, as Telegram picks it: the chat's own scope,
        then all private chats, then the default; the user's language first, then the language-less list."""
        user = self.users[user_id]
        languages = [user.language_code or "", ""] if user.language_code else [""]
        scopes: list[dict[str, Any] | None] = [
            {"type": "chat", "chat_id": user_id},
            {"type": "all_private_chats"},
            None,
        ]
        for scope in scopes:
            for language in languages:
                found = self.commands.get((self._scope_key(scope), language))
                if found:
                    return [dict(c) for c in found]
        return []
