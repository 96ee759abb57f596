"""Zalo events parse from every shape seen: Zalo's documented sample, bare or wrapped, ids as numbers, `date` in
seconds, an image's link as `photo` or `photo_url`, no event_name; anything else is None, never an exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from danhgia.zalo.events import ImageEvent, StickerEvent, TextEvent, UnsupportedEvent, parse_event, unwrap

# Zalo's documented webhook sample (its documentation's "Sample response").
DOCUMENTED = json.loads(
    """{"ok": true, "result": {"message": {
        "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": false},
        "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
        "text": "Xin chào", "message_id": "2d758cb5e222177a4e35", "date": 1750316131602},
      "event_name": "message.text.received"}}"""
)


def test_the_documented_sample_wrapped_and_bare() -> None:
    for body in (DOCUMENTED, DOCUMENTED["result"]):
        event = parse_event(body)
        assert isinstance(event, TextEvent)
        assert (event.text, event.message_id, event.date_ms) == ("Xin chào", "2d758cb5e222177a4e35", 1750316131602)
        assert (event.sender.id, event.sender.display_name) == ("6ede9afa66b88fe6d6a9", "Ted")
        assert not event.sender.is_bot
        assert event.chat.id == "6ede9afa66b88fe6d6a9" and event.is_private
        assert event.date.year == 2025


def test_loose_shapes() -> None:
    numbers = {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": 67890, "is_bot": False},
            "chat": {"id": 12345, "chat_type": "private"},
            "message_id": 44,
            "text": "hi",
            "date": 1750316131,
        },
    }
    event = parse_event({"ok": True, "result": numbers})
    assert isinstance(event, TextEvent)
    assert (event.sender.id, event.chat.id, event.message_id) == ("67890", "12345", "44")
    assert event.date_ms == 1750316131000 and event.chat.chat_type == "PRIVATE"
    older = {"message": {"chat": {"id": "c"}, "from": {"id": "u", "first_name": "Nguyen Van A"}, "text": "Xin chào"}}
    event = parse_event({"ok": True, "result": older})  # a copy of the docs with no event_name and first_name
    assert isinstance(event, TextEvent) and event.sender.display_name == "Nguyen Van A" and event.date_ms == 0
    image = parse_event(
        {"event_name": "message.image.received", "message": {"chat": {"id": "c"}, "photo_url": "https://x.vn/a.jpg"}}
    )
    assert isinstance(image, ImageEvent) and image.photo_url == "https://x.vn/a.jpg" and image.caption is None
    sticker = parse_event({"message": {"chat": {"id": "c"}, "sticker": "abc", "url": "https://s/abc.webp"}})
    assert isinstance(sticker, StickerEvent) and sticker.event_name == "message.sticker.received"
    voice = parse_event({"event_name": "message.voice.received", "message": {"chat": {"id": "c"}}})
    assert isinstance(voice, UnsupportedEvent) and voice.event_name == "message.voice.received"
    bot = parse_event({"message": {"chat": {"id": "c"}, "from": {"id": "b", "is_bot": True}, "text": "echo"}})
    assert bot is not None and bot.sender.is_bot
    group = parse_event({"message": {"chat": {"id": "g", "chat_type": "GROUP"}, "from": {"id": "u"}, "text": "@bot"}})
    assert group is not None and not group.is_private


def test_what_is_not_an_event() -> None:
    bodies: tuple[object, ...] = (
        None,
        [],
        "x",
        {},
        {"ok": False, "error_code": 408, "description": "Request timeout"},
        {"ok": True, "result": None},
        {"message": {"text": "no chat, no sender"}},
        {"message": {"chat": {"id": ""}, "from": {"id": True}}},
    )
    for body in bodies:
        assert parse_event(body) is None
    assert unwrap({"ok": True, "result": 1}) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
message_fields = st.fixed_dictionaries(
    {},
    optional={
        "from": st.fixed_dictionaries(
            {}, optional={"id": json_values, "display_name": json_values, "is_bot": json_values}
        )
        | json_values,
        "chat": st.fixed_dictionaries({}, optional={"id": json_values, "chat_type": json_values}) | json_values,
        "text": json_values,
        "photo": json_values,
        "photo_url": json_values,
        "sticker": json_values,
        "message_id": json_values,
        "date": json_values,
    },
)


@given(st.fixed_dictionaries({"message": message_fields}, optional={"event_name": json_values}), st.booleans())
def test_any_payload_parses_or_is_none(body: dict[str, Any], wrapped: bool) -> None:
    event = parse_event({"ok": True, "result": body} if wrapped else body)
    if event is not None:
        assert event.chat.id and event.sender.id
        assert event.date_ms >= 0
        assert event.date.year >= 1970  # any date it keeps is a real date
        if isinstance(event, TextEvent):
            assert isinstance(event.text, str)


@given(json_values)
def test_any_json_at_all_parses_or_is_none(body: Any) -> None:
    parse_event(body)
