"""Integer ids for the Zalo channel: python-telegram-bot wants integer chat, user and message ids, Zalo has opaque
strings. `ChatIds` maps a Zalo chat (or user) id to an integer and back; `MessageIds` allocates the integer ids of
the messages of a chat. In-memory implementations here; the database ones are in `danhgia.zalo.store`.

Zalo numbers lie in [2**51, 2**52): Telegram's user and chat ids stay far below, so both platforms share the link
table and the inbox without ever colliding, and every number is still a JavaScript-safe integer (< 2**53). Zalo
events get inbox update ids from `ZALO_UPDATE_BASE` upward, far above Telegram's update ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Final, Protocol

from danhgia.workflow.channels import ZALO_ID_LIMIT as ZALO_ID_LIMIT
from danhgia.workflow.channels import ZALO_ID_LOWEST as ZALO_ID_LOWEST

ZALO_UPDATE_BASE: Final = 1 << 50  # the first inbox update id of a Zalo event (Telegram's stay far below)
CANDIDATES: Final = 10_000  # numbers tried for one id before giving up (among 2**51, a collision is rare already)


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


def derived_number(zalo_id: str) -> int:
    """The number a Zalo id takes unless another id took it first: from its SHA-256, in [2**51, 2**52)."""
    digest = int.from_bytes(hashlib.sha256(zalo_id.encode()).digest()[:8], "big")
    return ZALO_ID_LOWEST + digest % (ZALO_ID_LIMIT - ZALO_ID_LOWEST)


def next_number(number: int) -> int:
    """The number tried after `number` when it is taken (wrapping around within [2**51, 2**52))."""
    return number + 1 if number + 1 < ZALO_ID_LIMIT else ZALO_ID_LOWEST


def number_candidates(zalo_id: str) -> Iterator[int]:
    """The numbers a Zalo id may take, in order: its derived number, then the next ones (a collision takes the next
    free)."""
    number = derived_number(zalo_id)
    for _ in range(CANDIDATES):
        yield number
        number = next_number(number)


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
        number = derived_number(zalo_id)
        while number in self._ids:
            number = next_number(number)
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
