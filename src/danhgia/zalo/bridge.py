"""The Zalo channel as a transport under python-telegram-bot (docs/zalo-api.md, "How the Zalo channel plugs into
the bot", step 2): the handlers keep calling the Bot API, and each call is translated into Zalo's.

`ZaloRequest` is a `telegram.request.BaseRequest`: a `Bot`/`ExtBot` built with `request=ZaloRequest(…)` (and
`get_updates_request` likewise) has every Bot API method it calls answered here with Telegram-shaped JSON:

- sendMessage and editMessageText send a NEW Zalo message (Zalo cannot edit): the HTML reduced to plain text, the
  inline keyboard to numbered lines, split at 2 000 characters; the message becomes the chat's latest panel. An
  edit that would show what the chat's latest panel shows already sends nothing and is answered Telegram's 400
  "message is not modified". An edit keeps the edited message's id: the new Zalo message stands for it.
- answerCallbackQuery with a text sends it as a short message; without one, nothing.
- sendPhoto and sendDocument with an uploaded file keep it behind an expiring signed link (`FileLinks`): a photo is
  sent by that link, a document as "📎 {caption or file name}: {link}".
- deleteMessage, the command menu and the descriptions succeed without a call; sendChatAction shows "typing…".
- Anything else is refused with 400 "Bad Request: method not supported on Zalo".

`choice_update` is the way in: a person's Zalo text becomes the press of a choice of their latest panel (a number,
its words, "0"/"quay lại"), or else a plain text message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from danhgia.texts.telegram_html import HtmlParseError
from danhgia.zalo.client import (
    InvalidRequest,
    RateLimited,
    SentMessage,
    ZaloApiError,
    ZaloBot,
    ZaloNetworkError,
    ZaloProtocolError,
)
from danhgia.zalo.events import TextEvent
from danhgia.zalo.files import FileLinks
from danhgia.zalo.ids import ChatIds, InMemoryMessageIds, MessageIds
from danhgia.zalo.inbound import event_update
from danhgia.zalo.panels import PanelStore, Rendered, ShownPanel, plain_text, render, render_parts, with_links
from danhgia.zalo.text import split_message

log = logging.getLogger(__name__)

UNSUPPORTED: Final = "Bad Request: method not supported on Zalo"
NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
CHAT_NOT_FOUND: Final = "Bad Request: chat not found"
EMPTY_TEXT: Final = "Bad Request: message text is empty"
BAD_QUERY: Final = "Bad Request: query is too old and response timeout expired or query id is invalid"
BAD_FILE: Final = "Bad Request: wrong file identifier/HTTP URL specified"
RETRY_AFTER: Final = 5  # seconds suggested after Zalo's 429 (Zalo publishes no number)
DOCUMENT_ICON: Final = "📎"

_SUCCEED_QUIETLY: Final = frozenset(
    {
        "deletemessage",
        "deletemessages",
        "setmycommands",
        "deletemycommands",
        "setchatmenubutton",
        "setmydescription",
        "setmyshortdescription",
    }
)

Params = Mapping[str, Any]
Files = Mapping[str, Any]


class _Refused(Exception):
    """A call answered with a Bot API error."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def _answer(status: int, body: Mapping[str, Any]) -> tuple[int, bytes]:
    return status, json.dumps(body, ensure_ascii=False).encode()


def _error(status: int, description: str, retry_after: int | None = None) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return _answer(status, body)


class ZaloRequest(BaseRequest):
    """Bot API calls of python-telegram-bot answered through Zalo's bot API (see the module's docstring).

    The stores are shared by the requests of one bot: `chats` maps ids, `panels` keeps each chat's latest panel
    (which `choice_update` reads), `files` keeps uploaded files behind links. The `ZaloBot` is the caller's to
    close. `clock` gives the time (seconds) when Zalo's answer has no date."""

    def __init__(
        self,
        zalo: ZaloBot,
        *,
        chats: ChatIds,
        panels: PanelStore,
        files: FileLinks,
        message_ids: MessageIds | None = None,
        clock: Callable[[], float] = time.time,
        read_timeout: float | None = None,
    ) -> None:
        self._zalo = zalo
        self._chats = chats
        self._panels = panels
        self._files = files
        self._message_ids = message_ids if message_ids is not None else InMemoryMessageIds()
        self._clock = clock
        self._read_timeout = read_timeout
        self._locks: dict[int, asyncio.Lock] = {}
        self._methods: dict[str, Callable[[Params, Files], Awaitable[object]]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "getmycommands": self._no_commands,
        }

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (the Zalo client has its own)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up: the Zalo client is ready when given."""

    async def shutdown(self) -> None:
        """Nothing to release: the Zalo client belongs to the caller."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Run one Bot API method (the last segment of `url`) on Zalo and answer as the Bot API would."""
        name = url.rstrip("/").rsplit("/", 1)[-1]
        key = name.lower()
        if method != "POST" or (key not in self._methods and key not in _SUCCEED_QUIETLY):
            log.info("zalo bridge: %s %s refused (not supported on Zalo)", method, name)
            return _error(400, UNSUPPORTED)
        params: Params = request_data.parameters if request_data is not None else {}
        files: Files = request_data.multipart_data if request_data is not None and request_data.contains_files else {}
        try:
            result = True if key in _SUCCEED_QUIETLY else await self._methods[key](params, files)
        except _Refused as refused:
            return _error(refused.status, refused.description, refused.retry_after)
        except RateLimited:
            return _error(429, "Too Many Requests: retry after Zalo's limit", RETRY_AFTER)
        except InvalidRequest as error:
            return _error(400, f"Bad Request: {error}")
        except ZaloApiError as error:
            return _error(*_from_zalo(error))
        except ZaloProtocolError as error:
            return _error(502, f"Bad Gateway: {error}")
        except ZaloNetworkError as error:
            raise (TimedOut if "timed out" in str(error) else NetworkError)(str(error)) from None
        except HtmlParseError as error:
            return _error(400, str(error))
        except (ValueError, TypeError, KeyError) as error:
            return _error(400, f"Bad Request: {name}: {type(error).__name__}: {error}")
        return _answer(200, {"ok": True, "result": result})

    # -- helpers -------------------------------------------------------------------------------------

    def _chat(self, params: Params) -> tuple[int, str]:
        raw = params.get("chat_id")
        if isinstance(raw, str) and raw.strip().lstrip("-").isdecimal():
            raw = int(raw)
        zalo_id = self._chats.zalo_id(raw) if isinstance(raw, int) and not isinstance(raw, bool) else None
        if zalo_id is None or not isinstance(raw, int):
            raise _Refused(400, CHAT_NOT_FOUND)
        return raw, zalo_id

    def _lock(self, chat: int) -> asyncio.Lock:
        return self._locks.setdefault(chat, asyncio.Lock())

    def _date(self, sent: SentMessage | None) -> int:
        if sent is not None and sent.date_ms:
            return sent.date_ms // 1000
        return int(self._clock())

    async def _send_text(self, zalo_id: str, text: str) -> SentMessage | None:
        """Send a text in as many messages as it needs; the last one sent (None when the text is empty)."""
        sent = None
        for part in split_message(text):
            sent = await self._zalo.send_message(zalo_id, part)
        return sent

    def _chat_object(self, chat: int) -> dict[str, Any]:
        return {"id": chat, "type": "private"}

    async def _show(self, chat: int, zalo_id: str, message_id: int | None, rendered: Rendered) -> object:
        """Send a rendered message as the chat's latest panel (`message_id` None: a new message); an edit to what the
        latest panel shows already sends nothing."""
        if not rendered.content.strip():
            raise _Refused(400, EMPTY_TEXT)
        async with self._lock(chat):
            latest = self._panels.get(chat)
            unchanged = message_id is not None and latest is not None and latest.content == rendered.content
            if unchanged and latest is not None and latest.choices == rendered.choices:
                raise _Refused(400, NOT_MODIFIED)
            sent = None if unchanged else await self._send_text(zalo_id, rendered.content)
            panel = ShownPanel(
                message_id=message_id if message_id is not None else self._message_ids.allocate(chat),
                date=latest.date if unchanged and latest is not None else self._date(sent),
                content=rendered.content,
                text=rendered.text,
                entities=rendered.entities,
                keyboard=rendered.keyboard,
                choices=rendered.choices,
            )
            self._panels.put(chat, panel)  # same words, other callback data: the person's answers now mean these
        return panel.message(self._chat_object(chat))

    # -- the methods ---------------------------------------------------------------------------------

    async def _get_me(self, _params: Params, _files: Files) -> object:
        info = await self._zalo.get_me()
        number = int(info.id) if info.id.isascii() and info.id.isdecimal() else self._chats.number(info.id or "bot")
        name = info.account_name or "Zalo bot"
        return {"id": number, "is_bot": True, "first_name": name, "username": name}

    async def _send_message(self, params: Params, _files: Files) -> object:
        chat, zalo_id = self._chat(params)
        rendered = render(str(params.get("text") or ""), params.get("parse_mode"), params.get("reply_markup"))
        return await self._show(chat, zalo_id, None, rendered)

    async def _edit_message_text(self, params: Params, _files: Files) -> object:
        if params.get("inline_message_id") is not None:
            raise _Refused(400, UNSUPPORTED)
        chat, zalo_id = self._chat(params)
        rendered = render(str(params.get("text") or ""), params.get("parse_mode"), params.get("reply_markup"))
        return await self._show(chat, zalo_id, int(params["message_id"]), rendered)

    async def _edit_reply_markup(self, params: Params, _files: Files) -> object:
        """Other choices under the latest panel: shown again with them; under an older message: nothing to do (what
        Zalo shows of it cannot change)."""
        if params.get("inline_message_id") is not None:
            raise _Refused(400, UNSUPPORTED)
        chat, zalo_id = self._chat(params)
        message_id = int(params["message_id"])
        latest = self._panels.get(chat)
        if latest is None or latest.message_id != message_id:
            return True
        rendered = render_parts(latest.text, latest.entities, params.get("reply_markup"))
        return await self._show(chat, zalo_id, message_id, rendered)

    async def _answer_callback_query(self, params: Params, _files: Files) -> object:
        chat_part = str(params.get("callback_query_id") or "").split(":", 1)[0]
        zalo_id = self._chats.zalo_id(int(chat_part)) if chat_part.isascii() and chat_part.isdecimal() else None
        if zalo_id is None:
            raise _Refused(400, BAD_QUERY)
        text = str(params.get("text") or "").strip()
        if text:
            await self._send_text(zalo_id, text)
        return True

    async def _send_chat_action(self, params: Params, _files: Files) -> object:
        _chat, zalo_id = self._chat(params)
        await self._zalo.send_chat_action(zalo_id, "typing")
        return True

    async def _no_commands(self, _params: Params, _files: Files) -> object:
        return []

    def _caption(self, params: Params) -> str:
        plain, entities = plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
        return with_links(plain, entities).strip()

    def _upload(self, chat: str, field: str, params: Params, files: Files) -> tuple[str, str] | None:
        """The link of an uploaded file and its name, or None when the file was given as a string."""
        if field not in files:
            return None
        filename, content, _mime = files[field]
        data = content.read() if hasattr(content, "read") else content
        data = data.encode() if isinstance(data, str) else bytes(data)
        name = str(filename or field)
        return self._files.link(chat, name, data), name

    async def _send_photo(self, params: Params, files: Files) -> object:
        chat, zalo_id = self._chat(params)
        uploaded = self._upload(zalo_id, "photo", params, files)
        url = uploaded[0] if uploaded else str(params.get("photo") or "")
        if not url.lower().startswith(("http://", "https://")):
            raise _Refused(400, BAD_FILE)
        caption, *rest = split_message(self._caption(params)) or [""]
        sent = await self._zalo.send_photo(zalo_id, url, caption or None)
        for part in rest:
            await self._zalo.send_message(zalo_id, part)
        message = self._attachment(chat, sent, caption)
        message["photo"] = [{"file_id": url, "file_unique_id": url[-32:], "width": 0, "height": 0}]
        return message

    async def _send_document(self, params: Params, files: Files) -> object:
        chat, zalo_id = self._chat(params)
        uploaded = self._upload(zalo_id, "document", params, files)
        if uploaded is None:
            given = str(params.get("document") or "")
            if not given.lower().startswith(("http://", "https://")):
                raise _Refused(400, BAD_FILE)
            uploaded = given, given.rsplit("/", 1)[-1] or given
        url, name = uploaded
        caption = self._caption(params)
        sent = await self._send_text(zalo_id, f"{DOCUMENT_ICON} {caption or name}: {url}")
        message = self._attachment(chat, sent, caption)
        message["document"] = {"file_id": url, "file_unique_id": url[-32:], "file_name": name}
        return message

    def _attachment(self, chat: int, sent: SentMessage | None, caption: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._message_ids.allocate(chat),
            "date": self._date(sent),
            "chat": self._chat_object(chat),
        }
        if caption:
            message["caption"] = caption
        return message


def _from_zalo(error: ZaloApiError) -> tuple[int, str]:
    """A Zalo refusal as a Bot API error: 400 and 401 kept, an unknown method as not supported, the rest (Zalo's
    403 is its "Internal server error") as a server error, which python-telegram-bot reports as a network error."""
    if error.error_code == 400:
        return 400, f"Bad Request: {error.description}"
    if error.error_code == 401:
        return 401, "Unauthorized"
    if error.error_code == 404:
        return 400, UNSUPPORTED
    return 500, f"Internal Server Error: Zalo {error.error_code}: {error.description}"


# -- the way in ------------------------------------------------------------------------------------------


def choice_update(
    event: TextEvent,
    *,
    panels: PanelStore,
    chats: ChatIds,
    message_ids: MessageIds,
    update_id: int,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The Telegram update of a person's Zalo text (`inbound.event_update`) with the stores at hand: the press of the
    choice it names on the chat's latest panel, or else a text `message` (commands such as "/huy" always are)."""
    chat = chats.number(event.chat.id)
    return event_update(
        event,
        chat=chat,
        user=chats.number(event.sender.id),
        latest=panels.get(chat),
        next_message_id=lambda: message_ids.allocate(chat),
        update_id=update_id,
        now=int(clock()),
    )


__all__ = ["BAD_QUERY", "CHAT_NOT_FOUND", "NOT_MODIFIED", "UNSUPPORTED", "ZaloRequest", "choice_update"]
