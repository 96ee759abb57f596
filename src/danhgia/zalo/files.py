"""Files for Zalo: its bot API takes no upload (a photo goes by a public http(s) link, a document not at all), so a
file the bot sends is kept and offered as an expiring link signed for one chat.

`FileLinks` is what the bridge needs: `link(chat_key, filename, content)` → an https URL. `SignedFileLinks` keeps
the files in memory and signs each link with HMAC-SHA256 over (file id, chat key, expiry); `verify(token, now)`
tells a request for it (serving it over HTTP is the bot's web endpoint's business, not this module's).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol
from urllib.parse import quote

DEFAULT_LIFETIME: Final = timedelta(days=7)
MIN_SECRET: Final = 16  # bytes
_HTTP_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$", re.IGNORECASE)


class FileLinks(Protocol):
    """Keeps a file for a chat and gives the link that serves it."""

    def link(self, chat_key: str, filename: str, content: bytes) -> str:
        """An expiring https URL for this file, good for this chat only."""
        ...


@dataclass(frozen=True)
class FileGrant:
    """What a valid token grants: one file, for one chat, until a moment."""

    file_id: str
    chat_key: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredFile:
    """A file kept for a link."""

    file_id: str
    chat_key: str
    filename: str
    content: bytes
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, file_id: str, chat_key: str, expires: int) -> bytes:
    message = json.dumps([file_id, chat_key, expires], ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def sign(secret: bytes, file_id: str, chat_key: str, expires_at: datetime) -> str:
    """The token of a link: `{file id}.{chat key, base64url}.{expiry, epoch seconds}.{HMAC-SHA256, base64url}`."""
    if len(secret) < MIN_SECRET:
        raise ValueError(f"the signing secret needs at least {MIN_SECRET} bytes")
    if not file_id or "." in file_id:
        raise ValueError("a file id is non-empty and has no dot")
    expires = int(expires_at.timestamp())
    return ".".join([file_id, _b64(chat_key.encode()), str(expires), _b64(_mac(secret, file_id, chat_key, expires))])


def verify_token(secret: bytes, token: str, now: datetime) -> FileGrant | None:
    """What a token grants at `now`, or None when it is forged, damaged or expired."""
    parts = token.split(".")
    if len(parts) != 4 or not parts[2].isascii() or not parts[2].isdecimal():
        return None
    file_id, raw_chat, raw_expires, raw_mac = parts
    try:
        chat_key, mac = _unb64(raw_chat).decode(), _unb64(raw_mac)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    expires = int(raw_expires)
    if not file_id or not hmac.compare_digest(mac, _mac(secret, file_id, chat_key, expires)):
        return None
    if now.timestamp() >= expires:
        return None
    return FileGrant(file_id, chat_key, datetime.fromtimestamp(expires, tz=UTC))


def _now() -> datetime:
    return datetime.now(UTC)


class SignedFileLinks:
    """`FileLinks` keeping the files in memory: `{base_url}/{token}/{filename}`, valid for `lifetime`.

    `base_url` is the bot's public HTTPS endpoint for files (plain http is taken for a local server)."""

    def __init__(
        self,
        secret: bytes,
        base_url: str,
        *,
        lifetime: timedelta = DEFAULT_LIFETIME,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        if len(secret) < MIN_SECRET:
            raise ValueError(f"the signing secret needs at least {MIN_SECRET} bytes")
        if not _HTTP_URL.match(base_url):
            raise ValueError("the files' base URL must be an http(s) URL")
        if lifetime <= timedelta(0):
            raise ValueError("a link must live a while")
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._lifetime = lifetime
        self._clock = clock
        self._files: dict[str, StoredFile] = {}

    def link(self, chat_key: str, filename: str, content: bytes) -> str:
        """Keep the file and return its link (files whose links expired are forgotten)."""
        now = self._clock()
        self._files = {k: f for k, f in self._files.items() if f.expires_at > now}
        file_id = secrets.token_urlsafe(12).replace(".", "_")
        expires_at = datetime.fromtimestamp(int((now + self._lifetime).timestamp()), tz=UTC)
        name = filename.strip().replace("/", "_") or "tep"
        self._files[file_id] = StoredFile(file_id, chat_key, name, bytes(content), expires_at)
        token = sign(self._secret, file_id, chat_key, expires_at)
        return f"{self._base_url}/{token}/{quote(name)}"

    def verify(self, token: str, now: datetime) -> FileGrant | None:
        """What a token grants at `now`, or None (forged, damaged or expired)."""
        return verify_token(self._secret, token, now)

    def open(self, token: str, now: datetime) -> StoredFile | None:
        """The file a token grants at `now`, or None."""
        grant = self.verify(token, now)
        stored = self._files.get(grant.file_id) if grant is not None else None
        return stored if stored is not None and grant is not None and stored.chat_key == grant.chat_key else None


def token_of(url: str) -> str:
    """The token in a link `SignedFileLinks.link` made (the path segment before the file name)."""
    return url.rstrip("/").rsplit("/", 2)[-2]
