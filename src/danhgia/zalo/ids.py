"""Integer ids for the Zalo channel: python-telegram-bot wants integer chat, user and message ids, Zalo has opaque
strings. `ChatIds` maps a Zalo chat (or user) id to an integer and back; `MessageIds` allocates the integer ids of
the messages of a chat. In-memory implementations here; the database ones (the `zalo_chat` table) come with the
wiring.
"""

from __future__ import annotations

import hashlib
from typing import Final, Protocol

_ID_LIMIT: Final = 1 << 48  # below 2**52, which every Telegram id fits in (JavaScript-safe integers)
_LOWEST: Final = 10**9  # far from the small numbers tests and people type


class ChatIds(Protocol):
    """Zalo's opaque chat ids ↔ the integers python-telegram-bot sees (a person's private chat has the person's id
    on both platforms, so user ids go through the same map)."""

    def number(self, zalo_id: str) -> int:
        """The integer for a Zalo id (assigned on first sight, the same ever after)."""
        ...

    def zalo_id(self, number: int) -> str | None:
        """The Zalo id of an integer, or None when none was assigned."""
        ...


class MessageIds(Protocol):
    """The integer ids of a chat's messages, as Telegram numbers them: increasing, never reused."""

    def allocate(self, chat: int) -> int:
        """A new message id in this chat."""
        ...


class InMemoryChatIds:
    """`ChatIds` in memory. The integer is derived from the id (SHA-256), so it is the same from one run to the
    next as long as no two ids collide (a collision takes the next free number, in order of first sight)."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._ids: dict[int, str] = {}

    def number(self, zalo_id: str) -> int:
        """The integer for a Zalo id (assigned on first sight)."""
        if not zalo_id:
            raise ValueError("a Zalo id is never empty")
        found = self._numbers.get(zalo_id)
        if found is not None:
            return found
        digest = int.from_bytes(hashlib.sha256(zalo_id.encode()).digest()[:8], "big")
        number = _LOWEST + digest % (_ID_LIMIT - _LOWEST)
        while number in self._ids:
            number = number + 1 if number + 1 < _ID_LIMIT else _LOWEST
        self._numbers[zalo_id] = number
        self._ids[number] = zalo_id
        return number

    def zalo_id(self, number: int) -> str | None:
        """The Zalo id of an integer, or None."""
        return self._ids.get(number)


class InMemoryMessageIds:
    """`MessageIds` in memory: one counter per chat, from `start`."""

    def __init__(self, start: int = 1) -> None:
        self._start = start
        self._last: dict[int, int] = {}

    def allocate(self, chat: int) -> int:
        """The next message id in this chat."""
        number = self._last.get(chat, self._start - 1) + 1
        self._last[chat] = number
        return number
