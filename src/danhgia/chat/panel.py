"""A panel is what one bot message shows: HTML text, rows of choices, and files. Feature panels are pure
functions of workflow views that return one; the platform adapter renders it (Telegram: an inline keyboard)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from danhgia.texts import Html

CALLBACK_MAX_BYTES = 64


@dataclass(frozen=True)
class Choice:
    """One choice under a panel: a label and the action it carries (callback data), or a link to open."""

    label: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a choice carries either callback data or a link")
        if self.data is not None and len(self.data.encode()) > CALLBACK_MAX_BYTES:
            raise ValueError(f"callback data over {CALLBACK_MAX_BYTES} bytes: {self.data!r}")


Keys = tuple[tuple[Choice, ...], ...]  # rows of choices; () when there is none


@dataclass(frozen=True)
class Attachment:
    """A file sent with a panel (a form, a report)."""

    filename: str
    content: bytes
    caption: Html | None = None
    photo: bool = False  # a picture shown inline (a chart), not a file to download


@dataclass(frozen=True)
class Panel:
    """Text, choices and files of one message."""

    text: Html
    keys: Keys = ()
    attachments: tuple[Attachment, ...] = field(default=())

    def with_text(self, text: Html) -> Panel:
        """The same choices under another text."""
        return replace(self, text=text)

    def under(self, note: Html) -> Panel:
        """The same panel below a note (a blank line between)."""
        return replace(self, text=Html(note + "\n\n" + self.text))

    def with_keys(self, keys: Keys) -> Panel:
        """The same text with other choices."""
        return replace(self, keys=keys)

    def choices(self) -> list[Choice]:
        """Every choice, row after row (a platform without buttons numbers them in this order)."""
        return [choice for row in self.keys for choice in row]


def keyboard(rows: Iterable[Sequence[Choice]]) -> Keys:
    """Rows of choices, empty rows dropped."""
    return tuple(tuple(row) for row in rows if row)


def chunks(items: Sequence[Choice], size: int) -> list[list[Choice]]:
    """Choices in rows of `size`."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def link(label: str, url: str) -> Choice:
    """A choice that opens a link."""
    return Choice(label, url=url)
