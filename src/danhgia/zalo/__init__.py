"""The Zalo channel's foundations: a typed client for Zalo's bot API, its events, and the text rules (messages of at
most 2 000 characters, numbered choices). The local Zalo server for tests and the demo is `danhgia.zalo.sandbox`
(it needs the `sandbox` extra and is not imported here). What is known of Zalo's API: docs/zalo-api.md.
"""

from danhgia.zalo.client import (
    BotInfo,
    InvalidRequest,
    RateLimited,
    SentMessage,
    WebhookInfo,
    ZaloApiError,
    ZaloBot,
    ZaloError,
    ZaloNetworkError,
    ZaloProtocolError,
)
from danhgia.zalo.events import (
    ChatRef,
    ImageEvent,
    Sender,
    StickerEvent,
    TextEvent,
    UnsupportedEvent,
    ZaloEvent,
    parse_event,
)
from danhgia.zalo.text import BACK, MAX_MESSAGE, parse_choice, render_choices, split_message

__all__ = [
    "BACK",
    "MAX_MESSAGE",
    "BotInfo",
    "ChatRef",
    "ImageEvent",
    "InvalidRequest",
    "RateLimited",
    "Sender",
    "SentMessage",
    "StickerEvent",
    "TextEvent",
    "UnsupportedEvent",
    "WebhookInfo",
    "ZaloApiError",
    "ZaloBot",
    "ZaloError",
    "ZaloEvent",
    "ZaloNetworkError",
    "ZaloProtocolError",
    "parse_choice",
    "parse_event",
    "render_choices",
    "split_message",
]
