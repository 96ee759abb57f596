"""The messaging platforms a person may use, told apart by their account's id: a Zalo account's number lies in
[2**51, 2**52) (danhgia.zalo.ids assigns them there), where no Telegram id lies. A person may link one account on
each platform; notices go to the one they used last."""

from __future__ import annotations

from typing import Final

TELEGRAM: Final = "telegram"
ZALO: Final = "zalo"
CHANNELS: Final = (TELEGRAM, ZALO)
ZALO_ID_LOWEST: Final = 1 << 51  # every Zalo number is at least this (Telegram ids stay far below)
ZALO_ID_LIMIT: Final = 1 << 52  # and below this (JavaScript-safe: < 2**53)


def channel_of(account_id: int) -> str:
    """The platform of an account (or chat) id."""
    return ZALO if ZALO_ID_LOWEST <= account_id < ZALO_ID_LIMIT else TELEGRAM
