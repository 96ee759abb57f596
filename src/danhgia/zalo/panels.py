"""What a Telegram-shaped message becomes on Zalo, and the panel each chat shows last.

Zalo has no buttons and no formatting: `render` turns a Bot API message — HTML text (parse mode HTML) and an inline
keyboard — into plain text with the choices as numbered lines (`text.render_choices`) and links as "label: url".
A choice labelled "Quay lại" (arrows and such aside) is offered as "0 · Quay lại". What a chat shows last is kept
as a `ShownPanel` in a `PanelStore`, so that a number or label typed afterwards (`ShownPanel.choose`) can be turned
into the press of that choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from danhgia.texts.telegram_html import parse_html
from danhgia.zalo.text import BACK, BACK_LABEL, SEPARATOR, check_labels, normalise_answer, parse_choice, render_choices

_BACK_KEY = normalise_answer(BACK_LABEL)
_VALUE = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?\s*%?$")
VALUES_LINE = "Gõ một giá trị: {values}"
BACK_WORDS_LINE = "Gõ «quay lại» để trở về."


@dataclass(frozen=True)
class PanelChoice:
    """One numbered choice: its number (`BACK`, 0, for going back), label and callback data; `by_words` False when
    the label cannot be told apart from a number or another label, so that only its number answers it."""

    number: int
    label: str
    data: str
    by_words: bool = True


@dataclass(frozen=True)
class ShownPanel:
    """What a chat was shown last: the Telegram-side message (id, date, text, entities, keyboard) and the content
    sent to Zalo for it, with its numbered choices."""

    message_id: int
    date: int  # seconds since the epoch
    content: str  # the plain text sent to Zalo (before splitting)
    text: str  # the message's text as Telegram would show it
    entities: tuple[Mapping[str, Any], ...] = ()
    keyboard: tuple[tuple[Mapping[str, Any], ...], ...] = ()  # inline keyboard rows, as the Bot API writes them
    choices: tuple[PanelChoice, ...] = field(default=())

    @property
    def has_back(self) -> bool:
        """Whether "0" / "quay lại" is offered."""
        return any(choice.number == BACK for choice in self.choices)

    @property
    def has_values(self) -> bool:
        """Whether some choices are typed as shown (a weight "1,5"; "quay lại" alone), not numbered."""
        return any(choice.number < BACK for choice in self.choices)

    def numbered(self, answer: str) -> PanelChoice | None:
        """The numbered (or back) choice a bare number names, or None."""
        key = normalise_answer(answer)
        if not key.isdecimal():
            return None
        number = int(key)
        return next((c for c in self.choices if c.number == number and c.number >= BACK), None)

    def choose(self, answer: str) -> PanelChoice | None:
        """The choice a typed answer names: a value typed as shown, or else `text.parse_choice` over the numbered
        choices; None when none."""
        if not self.choices:
            return None
        key = normalise_answer(answer)
        value = next((c for c in self.choices if c.number < BACK and normalise_answer(c.label) == key), None)
        if value is not None:
            return value
        numbered = sorted((c for c in self.choices if c.number > BACK), key=lambda c: c.number)
        labels = [c.label if c.by_words else "" for c in numbered]  # "" is never matched by words
        number = parse_choice(answer, labels, back=self.has_back)
        return next((c for c in self.choices if c.number == number), None) if number is not None else None

    def message(self, chat: Mapping[str, Any]) -> dict[str, Any]:
        """The Telegram Message object of this panel in `chat`."""
        message: dict[str, Any] = {"message_id": self.message_id, "date": self.date, "chat": dict(chat)}
        message["text"] = self.text
        if self.entities:
            message["entities"] = [dict(e) for e in self.entities]
        if self.keyboard:
            message["reply_markup"] = {"inline_keyboard": [[dict(b) for b in row] for row in self.keyboard]}
        return message

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able form (for a database store)."""
        return {
            "message_id": self.message_id,
            "date": self.date,
            "content": self.content,
            "text": self.text,
            "entities": [dict(e) for e in self.entities],
            "keyboard": [[dict(b) for b in row] for row in self.keyboard],
            "choices": [[c.number, c.label, c.data, c.by_words] for c in self.choices],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShownPanel:
        """The panel `as_dict` wrote."""
        return cls(
            message_id=int(data["message_id"]),
            date=int(data["date"]),
            content=str(data["content"]),
            text=str(data["text"]),
            entities=tuple(dict(e) for e in data.get("entities", ())),
            keyboard=tuple(tuple(dict(b) for b in row) for row in data.get("keyboard", ())),
            choices=tuple(PanelChoice(int(n), str(label), str(d), bool(w)) for n, label, d, w in data["choices"]),
        )


class PanelStore(Protocol):
    """The latest panel of each chat (by its integer chat id)."""

    def get(self, chat: int) -> ShownPanel | None:
        """The panel the chat was shown last, or None."""
        ...

    def put(self, chat: int, panel: ShownPanel) -> None:
        """Record the panel the chat now shows last."""
        ...


class InMemoryPanelStore:
    """`PanelStore` in memory (lost on restart: an answer then reads as plain text)."""

    def __init__(self) -> None:
        self._panels: dict[int, ShownPanel] = {}

    def get(self, chat: int) -> ShownPanel | None:
        """The panel the chat was shown last, or None."""
        return self._panels.get(chat)

    def put(self, chat: int, panel: ShownPanel) -> None:
        """Record the panel the chat now shows last."""
        self._panels[chat] = panel


@dataclass(frozen=True)
class Rendered:
    """A message rendered for Zalo: `content` to send (split it), and what Telegram would show."""

    content: str
    text: str
    entities: tuple[Mapping[str, Any], ...]
    keyboard: tuple[tuple[Mapping[str, Any], ...], ...]
    choices: tuple[PanelChoice, ...]


def plain_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's plain text and entities of a text in this parse mode (HTML parsed as Telegram does, raising
    `HtmlParseError` with Telegram's words; any other mode is taken as plain text)."""
    if parse_mode is not None and parse_mode.upper() == "HTML":
        return parse_html(text)
    return text, []


def with_links(text: str, entities: Sequence[Mapping[str, Any]]) -> str:
    """The text with each link's address written after its words ("trang (https://…)") unless they are the
    address already. Entity offsets count UTF-16 units, as Telegram's do."""
    units = text.encode("utf-16-le")
    links = sorted(
        (e for e in entities if e.get("type") == "text_link" and e.get("url")),
        key=lambda e: int(e["offset"]) + int(e["length"]),
        reverse=True,
    )
    for entity in links:
        start, end = 2 * int(entity["offset"]), 2 * (int(entity["offset"]) + int(entity["length"]))
        words, url = units[start:end].decode("utf-16-le", "replace").strip(), str(entity["url"])
        if words != url:
            units = units[:end] + f" ({url})".encode("utf-16-le") + units[end:]
    return units.decode("utf-16-le", "replace")


def render(text: str, parse_mode: str | None, reply_markup: object) -> Rendered:
    """A Bot API message as Zalo shows it: the text (links' addresses written out), a blank line, the numbered
    choices and the links of the keyboard."""
    plain, entities = plain_text(text, parse_mode)
    return render_parts(plain, entities, reply_markup)


def render_parts(plain: str, entities: Sequence[Mapping[str, Any]], reply_markup: object) -> Rendered:
    """`render` of a text already parsed into Telegram's plain text and entities."""
    keyboard = _inline_keyboard(reply_markup)
    choices, lines = _choices(keyboard)
    body = with_links(plain, entities).strip("\n")
    content = "\n\n".join(part for part in (body, lines) if part.strip())
    return Rendered(content, plain, tuple(dict(e) for e in entities), keyboard, choices)


def _inline_keyboard(reply_markup: object) -> tuple[tuple[Mapping[str, Any], ...], ...]:
    rows = reply_markup.get("inline_keyboard") if isinstance(reply_markup, Mapping) else None
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        return ()  # no keyboard, or a reply keyboard / force reply / removal: nothing to number
    kept = []
    for row in rows:
        if isinstance(row, Sequence) and not isinstance(row, str):
            buttons = tuple(dict(b) for b in row if isinstance(b, Mapping) and isinstance(b.get("text"), str))
            if buttons:
                kept.append(buttons)
    return tuple(kept)


def _choices(keyboard: Sequence[Sequence[Mapping[str, Any]]]) -> tuple[tuple[PanelChoice, ...], str]:
    """The numbered choices of a keyboard (callback buttons, the first "Quay lại" one as 0) and the lines showing
    them, followed by the link buttons as "label: url"."""
    callbacks: list[tuple[str, str]] = []
    links: list[str] = []
    back: PanelChoice | None = None
    for button in (b for row in keyboard for b in row):
        label = " ".join(str(button["text"]).split())
        if isinstance(button.get("callback_data"), str):
            if back is None and normalise_answer(label) == _BACK_KEY:
                back = PanelChoice(BACK, label, button["callback_data"])
            else:
                callbacks.append((label, button["callback_data"]))
        elif isinstance(button.get("url"), str):
            links.append(f"{label}: {button['url']}")
    values = [PanelChoice(-n, label, data) for n, (label, data) in enumerate(_values(callbacks), start=1)]
    callbacks = [(label, data) for label, data in callbacks if not _VALUE.match(label)]
    if back is not None and not callbacks and not values:  # going back is all it offers: by its words, so that
        word_back = PanelChoice(-1, BACK_LABEL, back.data)  # a step waiting for a number can be given 0
        return (word_back,), "\n".join(part for part in (BACK_WORDS_LINE, "\n".join(links)) if part)
    numbered = [PanelChoice(n, label, data) for n, (label, data) in enumerate(callbacks, start=1)]
    labels = [c.label for c in numbered]
    try:
        lines = render_choices(labels, back=back is not None) if numbered or back else ""
    except ValueError:  # some labels read as numbers, as back, or as each other: those answer by number only
        numbered = _by_number_where_needed(numbered, back=back is not None)
        shown = [f"{c.number}{SEPARATOR}{c.label}" for c in numbered]
        lines = "\n".join([*shown, *([f"{BACK}{SEPARATOR}{BACK_LABEL}"] if back else [])])
    choices = (*values, *numbered, *([back] if back else []))
    typed = VALUES_LINE.format(values=SEPARATOR.join(c.label for c in values)) if values else ""
    return choices, "\n".join(part for part in (typed, lines, "\n".join(links)) if part)


def _values(callbacks: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The buttons whose label is a value (a number: a weight, points), typed as shown rather than numbered."""
    return [(label, data) for label, data in callbacks if _VALUE.match(label)]


def _by_number_where_needed(choices: Sequence[PanelChoice], *, back: bool) -> list[PanelChoice]:
    kept: list[PanelChoice] = []
    accepted: list[str] = []
    for choice in choices:
        try:
            check_labels([*accepted, choice.label], back=back)
        except ValueError:
            kept.append(PanelChoice(choice.number, choice.label, choice.data, by_words=False))
        else:
            accepted.append(choice.label)
            kept.append(choice)
    return kept
