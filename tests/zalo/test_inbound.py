"""What a person's Zalo text becomes (zalo/inbound.py): a choice of the latest panel, a value for a waiting step, a
LIENKET code, or the text itself — never lost, never a choice the person could not see. Fuzzed with Hypothesis."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from danhgia.zalo.events import ChatRef, ImageEvent, Sender, StickerEvent, TextEvent, UnsupportedEvent, ZaloEvent
from danhgia.zalo.inbound import event_update, link_code
from danhgia.zalo.panels import ShownPanel, render

CHAT, USER = 2**51 + 11, 2**51 + 11


def panel(text: str, *rows: list[tuple[str, str]]) -> ShownPanel:
    """A panel as the bridge keeps it after showing `text` with these (label, data) button rows."""
    markup = {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in rows]}
    shown = render(text, None, markup)
    return ShownPanel(7, 1, shown.content, shown.text, shown.entities, shown.keyboard, shown.choices)


WEIGHT = panel("Trọng số?", [("0,5", "w:0.5"), ("1", "w:1"), ("2", "w:2"), ("3", "w:3")], [("◀ Danh sách tuần", "wk")])
DUE = panel("Hạn hoàn thành?", [("Hôm nay 20/11", "d:1"), ("Cuối tháng 30/11", "d:2")], [("◀ Danh sách tuần", "wk")])
POINTS = panel("Gõ số điểm, từ 0 đến 10.", [("◀ Quay lại", "back")])
CARD = panel("Bản tự đánh giá", [("✅ Duyệt", "ok"), ("✏️ Điều chỉnh", "adj")], [("↩️ Trả lại", "ret")])


def text_event(text: str, message_id: str = "m1") -> TextEvent:
    return TextEvent(
        event_name="message.text.received",
        message_id=message_id,
        sender=Sender("u", "An", False),
        chat=ChatRef("u", "PRIVATE"),
        date_ms=1_796_000_000_000,
        text=text,
    )


def update(event: ZaloEvent, latest: ShownPanel | None, *, waits: bool = False) -> dict[str, Any]:
    ids = iter(range(100, 200))
    return event_update(
        event,
        chat=CHAT,
        user=USER,
        latest=latest,
        next_message_id=lambda: next(ids),
        update_id=5,
        now=1_796_000_000,
        awaits_text=waits,
    )


def pressed(result: dict[str, Any]) -> str | None:
    query = result.get("callback_query")
    return str(query["data"]) if query else None


def typed(result: dict[str, Any]) -> str | None:
    message = result.get("message")
    return message.get("text") if message else None


def test_numbers_and_words_press_the_latest_panels_choices() -> None:
    assert "1 · ✅ Duyệt\n2 · ✏️ Điều chỉnh\n3 · ↩️ Trả lại" in CARD.content
    assert pressed(update(text_event("2"), CARD)) == "adj"
    assert pressed(update(text_event("trả lại"), CARD)) == "ret"  # its words, any case, no diacritics needed
    assert pressed(update(text_event("tra lai"), CARD)) == "ret"
    assert typed(update(text_event("4"), CARD)) == "4"  # no such choice: the text goes on, the handlers answer it
    assert typed(update(text_event("/huy"), CARD)) == "/huy"  # a command is never a choice
    query = update(text_event("1"), CARD)["callback_query"]
    assert query["message"]["message_id"] == 7 and query["from"]["id"] == USER  # re-authorised like a tap


def test_a_step_waiting_for_a_value_takes_the_value() -> None:
    assert "Gõ một giá trị: 0,5 · 1 · 2 · 3\n1 · ◀ Danh sách tuần" in WEIGHT.content
    assert pressed(update(text_event("2"), WEIGHT, waits=True)) == "w:2"  # the value shown, not the second line
    assert pressed(update(text_event("0.5"), WEIGHT, waits=True)) == "w:0.5"
    assert typed(update(text_event("4"), WEIGHT, waits=True)) == "4"  # a value not shown: the step parses it
    assert pressed(update(text_event("danh sách tuần"), WEIGHT, waits=True)) == "wk"
    # A date step: a bare number is no date, so it names a choice; a date goes to the step.
    assert pressed(update(text_event("2"), DUE, waits=True)) == "d:2"
    assert typed(update(text_event("27/11"), DUE, waits=True)) == "27/11"
    # A points step offers only going back, by its words: 0 is zero points.
    assert POINTS.content.endswith("Gõ «quay lại» để trở về.") and "0 · " not in POINTS.content
    assert typed(update(text_event("0"), POINTS, waits=True)) == "0"
    assert typed(update(text_event("10"), POINTS, waits=True)) == "10"
    assert pressed(update(text_event("Quay lại"), POINTS, waits=True)) == "back"


def test_lienket_is_start_with_the_code() -> None:
    for written in ("LIENKET 4K7Q2PXM", "lienket 4k7q2pxm", "Liên kết: 4K7Q2PXM", "LIÊN KẾT 4k7q2pxm"):
        assert link_code(written) == "4K7Q2PXM", written
        result = update(text_event(written), CARD)
        assert typed(result) == "/start 4K7Q2PXM"
        assert result["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    long_code = "Ab-" * 14 + "x"  # a Telegram code typed on Zalo keeps its case (the workflow then refuses it)
    assert link_code(f"LIENKET {long_code}") == long_code
    for not_a_code in ("LIENKET", "LIENKET a b", "liên hệ 4K7Q2PXM", "LIENKET 4K7"):
        assert link_code(not_a_code) is None


def test_what_is_not_text_arrives_as_what_it_is() -> None:
    base: dict[str, Any] = {
        "message_id": "m2",
        "sender": Sender("u", "An", False),
        "chat": ChatRef("u", "PRIVATE"),
        "date_ms": 1_796_000_000_000,
    }
    photo = update(ImageEvent(event_name="message.image.received", photo_url="https://x/p.jpg", **base), CARD)
    assert photo["message"]["photo"][0]["file_id"] == "zalo-m2" and "text" not in photo["message"]
    sticker = update(StickerEvent(event_name="message.sticker.received", sticker="s1", **base), CARD)
    assert sticker["message"]["sticker"]["type"] == "regular"
    other = update(UnsupportedEvent(event_name="message.unsupported.received", **base), CARD)
    assert set(other["message"]) == {"from", "chat", "date", "message_id"}


@given(st.text(max_size=300), st.sampled_from([WEIGHT, DUE, POINTS, CARD, None]), st.booleans())
def test_any_text_is_a_shown_choice_or_the_text_itself(text: str, latest: ShownPanel | None, waits: bool) -> None:
    result = update(text_event(text), latest, waits=waits)
    data = pressed(result)
    if data is None:  # nothing typed is dropped: the text (or its LIENKET as /start) goes to the handlers
        assert typed(result) in (text, f"/start {link_code(text)}")
    else:  # a press is always of a choice the panel showed
        assert latest is not None and data in {choice.data for choice in latest.choices}
