"""A small typed async client for Zalo's bot API ("Zalo Bot", 2025): `{base}/bot{token}/{method}`, JSON bodies.

What it relies on, and the sources, are in docs/zalo-api.md. In short: an answer is judged by its JSON `ok`, never
by the HTTP status alone (Zalo answers errors with HTTP 200 and `{"ok": false, "error_code", "description"}`,
though one project measured HTTP 408/404 for the same bodies); a long poll that ends with nothing to deliver is
`error_code` 408 and means None, not a failure; polling too fast gets an HTML page with HTTP 429 from the proxy in
front of the API (`RateLimited`). getUpdates hands out ONE event, with no offset: an event is gone once handed out,
so whoever calls `get_updates` must record it before doing anything else. The token is in every URL, so no
message this module raises contains a URL or the token.
"""

from __future__ import annotations

import json
import logging
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final

import httpx

from danhgia.zalo.events import ZaloEvent, parse_event
from danhgia.zalo.text import MAX_MESSAGE, zalo_length

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://bot-api.zaloplatforms.com"
REQUEST_TIMEOUT: Final = 15.0  # seconds for an ordinary call
POLL_MARGIN: Final = 10.0  # seconds a long poll's HTTP request may take beyond the wait it asked for
POLL_EXPIRED: Final = 408  # the error_code of a long poll that ended with nothing to deliver
RATE_LIMITED: Final = 429
NOT_FOUND: Final = 404
SECRET_LENGTHS: Final = (8, 256)
CHAT_ACTIONS: Final = ("typing", "upload_photo")
_PHOTO_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


class ZaloError(Exception):
    """Anything that went wrong calling Zalo."""


class InvalidRequest(ZaloError, ValueError):
    """A call refused before it was made: Zalo would refuse it (a text over 2 000 characters, a photo that is
    not an http(s) link, a secret of the wrong length...)."""


class ZaloNetworkError(ZaloError):
    """No answer: the connection failed or timed out (the call may or may not have taken effect)."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method}: {reason}")
        self.method = method


class ZaloProtocolError(ZaloError):
    """An answer that is not Zalo's JSON envelope (a proxy's error page, a truncated body)."""

    def __init__(self, method: str, http_status: int, excerpt: str) -> None:
        super().__init__(f"{method}: HTTP {http_status}, not a Zalo answer: {excerpt}")
        self.method = method
        self.http_status = http_status


class ZaloApiError(ZaloError):
    """Zalo refused a call: `{"ok": false, "error_code": …, "description": …}`."""

    def __init__(self, method: str, error_code: int | None, description: str, http_status: int = 200) -> None:
        super().__init__(f"{method}: {error_code} {description}".rstrip())
        self.method = method
        self.error_code = error_code
        self.description = description
        self.http_status = http_status


class RateLimited(ZaloApiError):
    """Too many requests (429): an HTML page from the proxy in front of the API, or a JSON 429. Zalo publishes
    no numbers and no retry-after; back off before calling again."""


@dataclass(frozen=True)
class BotInfo:
    """getMe: the bot's id and account (documented fields; anything else is in `raw`)."""

    id: str
    account_name: str
    account_type: str
    can_join_groups: bool
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class WebhookInfo:
    """The webhook as setWebhook, getWebhookInfo and deleteWebhook report it; an empty `url` means none."""

    url: str
    updated_at_ms: int | None = None

    @property
    def is_set(self) -> bool:
        """Whether a webhook is set (polling is then refused)."""
        return bool(self.url)


@dataclass(frozen=True)
class SentMessage:
    """What Zalo answers to a message the bot sent: its id and date (milliseconds)."""

    message_id: str
    date_ms: int | None = None
    message_type: str | None = None


class ZaloBot:
    """One bot's calls to Zalo's bot API over httpx; close it (or use `async with`) when done."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = REQUEST_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        trust_env: bool = True,
    ) -> None:
        if not token or "/" in token or any(c.isspace() for c in token):
            raise ValueError("a Zalo bot token looks like '<digits>:<secret>'")
        self._token = token
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._http = httpx.AsyncClient(transport=transport, trust_env=trust_env)
        self._pending: deque[ZaloEvent] = deque()  # events of a list answer, handed out one by one

    def __repr__(self) -> str:
        return f"ZaloBot(base_url={self._base_url!r}, token=<hidden>)"

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def __aenter__(self) -> ZaloBot:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- the envelope ------------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        secret = self._token.split(":", 1)[-1]
        text = text.replace(self._token, "<token>")
        return text.replace(secret, "<token>") if len(secret) >= 8 else text

    async def request(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """Call a method with a JSON body and return its `result`; raise `ZaloApiError` (or `RateLimited`) when
        `ok` is not true, `ZaloProtocolError` for an answer that is not Zalo's JSON, `ZaloNetworkError` for none."""
        url = f"{self._base_url}/bot{self._token}/{method}"
        try:
            response = await self._http.post(url, json=dict(params or {}), timeout=timeout or self._timeout)
        except httpx.TimeoutException:
            raise ZaloNetworkError(method, "timed out") from None
        except httpx.HTTPError as error:  # the message may hold the URL, hence the token: only the kind is kept
            raise ZaloNetworkError(method, type(error).__name__) from None
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            excerpt = self._redact(" ".join(response.text[:300].split()))[:160]
            if response.status_code == RATE_LIMITED:
                raise RateLimited(method, RATE_LIMITED, excerpt or "Too Many Requests", response.status_code)
            raise ZaloProtocolError(method, response.status_code, excerpt)
        if body.get("ok") is True:
            return body.get("result")
        code = _int_or_none(body.get("error_code"))
        if code is None and response.status_code != 200:
            code = response.status_code
        description = self._redact(str(body.get("description") or body.get("message") or ""))
        error_type = RateLimited if code == RATE_LIMITED else ZaloApiError
        raise error_type(method, code, description, response.status_code)

    # -- receiving ---------------------------------------------------------------------------------

    async def get_updates(self, timeout: float = 30) -> ZaloEvent | None:
        """Long-poll for the next event: it, or None when `timeout` seconds passed with nothing (Zalo's 408).

        The event is gone from Zalo once this returns: record it before anything else (no offset, no replay)."""
        if self._pending:
            return self._pending.popleft()
        try:
            result = await self.request("getUpdates", {"timeout": _seconds(timeout)}, timeout=timeout + POLL_MARGIN)
        except ZaloApiError as error:
            if error.error_code == POLL_EXPIRED:
                return None
            raise
        for item in result if isinstance(result, list) else [result]:
            event = parse_event(item)
            if event is not None:
                self._pending.append(event)
            elif item:
                log.warning("zalo getUpdates: an answer with no event was dropped (keys %s)", _keys(item))
        return self._pending.popleft() if self._pending else None

    async def set_webhook(self, url: str, secret_token: str) -> WebhookInfo:
        """Have Zalo POST each event to `url` (HTTPS) with `secret_token` (8–256 characters) in the
        `X-Bot-Api-Secret-Token` header; polling is refused while it is set."""
        low, high = SECRET_LENGTHS
        if not low <= len(secret_token) <= high:
            raise InvalidRequest(f"setWebhook: the secret token must have {low}–{high} characters")
        if not url.strip():
            raise InvalidRequest("setWebhook: the URL is empty")
        return _webhook_info(await self.request("setWebhook", {"url": url, "secret_token": secret_token}))

    async def delete_webhook(self) -> WebhookInfo:
        """Remove the webhook (events then wait for getUpdates)."""
        return _webhook_info(await self.request("deleteWebhook"))

    async def get_webhook_info(self) -> WebhookInfo:
        """The webhook set, or one with an empty URL; a bot that never had one is answered 404 "Not Found"."""
        try:
            return _webhook_info(await self.request("getWebhookInfo"))
        except ZaloApiError as error:
            if error.error_code == NOT_FOUND:
                return WebhookInfo(url="")
            raise

    # -- sending -----------------------------------------------------------------------------------

    async def get_me(self) -> BotInfo:
        """Check the token and read the bot's account."""
        result = await self.request("getMe")
        data: Mapping[str, Any] = result if isinstance(result, Mapping) else {}
        return BotInfo(
            id=str(data.get("id", "")),
            account_name=str(data.get("account_name", "")),
            account_type=str(data.get("account_type", "")),
            can_join_groups=data.get("can_join_groups") is True,
            raw=dict(data),
        )

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        """Send a text of 1–2 000 characters (split longer ones with `text.split_message` first)."""
        _check_chat(chat_id, "sendMessage")
        _check_text(text, "sendMessage", "text")
        return _sent(await self.request("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> SentMessage:
        """Send a photo by its public http(s) link (Zalo fetches it; no upload exists), with an optional caption."""
        _check_chat(chat_id, "sendPhoto")
        if not _PHOTO_URL.match(photo_url):
            raise InvalidRequest("sendPhoto: the photo must be an http:// or https:// link")
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            _check_text(caption, "sendPhoto", "caption")
            params["caption"] = caption
        return _sent(await self.request("sendPhoto", params))

    async def send_sticker(self, chat_id: str, sticker: str) -> SentMessage:
        """Send a sticker by its Zalo sticker id."""
        _check_chat(chat_id, "sendSticker")
        if not sticker.strip():
            raise InvalidRequest("sendSticker: the sticker id is empty")
        return _sent(await self.request("sendSticker", {"chat_id": chat_id, "sticker": sticker}))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" in the chat for a moment (Zalo documents `typing`; `upload_photo` is "coming")."""
        _check_chat(chat_id, "sendChatAction")
        if action not in CHAT_ACTIONS:
            raise InvalidRequest(f"sendChatAction: the action must be one of {', '.join(CHAT_ACTIONS)}")
        await self.request("sendChatAction", {"chat_id": chat_id, "action": action})


def _check_chat(chat_id: str, method: str) -> None:
    if not isinstance(chat_id, str) or not chat_id.strip():
        raise InvalidRequest(f"{method}: the chat_id is empty")


def _check_text(text: str, method: str, name: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest(f"{method}: the {name} is empty")
    if zalo_length(text) > MAX_MESSAGE:
        raise InvalidRequest(f"{method}: the {name} has {zalo_length(text)} characters, over {MAX_MESSAGE}")


def _seconds(timeout: float) -> str:
    """The poll timeout as Zalo documents it: a string of seconds (whole when it is whole)."""
    return str(int(timeout)) if float(timeout).is_integer() else str(timeout)


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
        return int(value)
    return None


def _keys(item: object) -> list[str]:
    return sorted(str(k) for k in item) if isinstance(item, Mapping) else [type(item).__name__]


def _webhook_info(result: object) -> WebhookInfo:
    data: Mapping[str, Any] = result if isinstance(result, Mapping) else {}
    return WebhookInfo(url=str(data.get("url") or ""), updated_at_ms=_int_or_none(data.get("updated_at")))


def _sent(result: object) -> SentMessage:
    data: Mapping[str, Any] = result if isinstance(result, Mapping) else {}
    kind = data.get("message_type")
    return SentMessage(
        message_id=str(data.get("message_id", "")),
        date_ms=_int_or_none(data.get("date")),
        message_type=str(kind) if kind is not None else None,
    )
