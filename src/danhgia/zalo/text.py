"""Text for Zalo: long texts split into messages of at most 2 000 characters, and numbered choices — rendered as
lines ("1 · Duyệt") and parsed back from what a person types (a number or the choice's words, any case, with or
without diacritics; "0" or "quay lại" for back). Every numbered answer on Zalo goes through `parse_choice`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

MAX_MESSAGE: Final = 2000
"""Zalo's limit for a message's text and a photo's caption (its documentation: "từ 1 đến 2000 ký tự")."""

BACK: Final = 0
"""What `parse_choice` returns for "0" or "quay lại" (the choices themselves are numbered from 1)."""

BACK_LABEL: Final = "Quay lại"
SEPARATOR: Final = " · "

_BACK_WORDS = frozenset({"0", "quay lai"})
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w\s]|_")
_NUMBERED = re.compile(r"^([0-9]{1,9})(?: (.*))?$")
_STARTS_WITH_NUMBER = re.compile(r"^[0-9]+(?: |$)")


def zalo_length(text: str) -> int:
    """The length Zalo may count: UTF-16 code units (an emoji counts twice), never less than the characters.

    Zalo does not say how it counts; counting UTF-16 units keeps every message within the limit either way."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


# -- splitting ---------------------------------------------------------------------------------------


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split a text into messages of at most `limit` (UTF-16 units), cut between lines — at a blank line when one
    falls in the second half of a message — and inside a line only between words; a word longer than a whole
    message is the only thing ever cut. Blank lines at a message's edges are dropped; an empty text gives []."""
    if limit < 2:
        raise ValueError("a message must hold at least two characters")
    pieces: list[str] = []
    for line in text.split("\n"):
        pieces.extend([line] if zalo_length(line) <= limit else _split_line(line, limit))
    chunks: list[list[str]] = []
    current: list[str] = []
    for piece in pieces:
        while current and _joined_length([*current, piece]) > limit:
            cut = _blank_line_cut(current, limit)
            chunks.append(current[:cut])
            current = current[cut + 1 :] if cut < len(current) else []
        current.append(piece)
    chunks.append(current)
    messages = ["\n".join(_trim_blank_edges(chunk)) for chunk in chunks]
    return [message for message in messages if message.strip()]


def _joined_length(lines: list[str]) -> int:
    return sum(zalo_length(line) for line in lines) + len(lines) - 1


def _blank_line_cut(lines: list[str], limit: int) -> int:
    """Where to end a full message: at its last blank line in the second half, else after all of its lines."""
    for index in range(len(lines) - 1, 0, -1):
        if not lines[index].strip() and _joined_length(lines[:index]) >= limit // 2:
            return index
    return len(lines)


def _trim_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _split_line(line: str, limit: int) -> list[str]:
    """A line longer than a message, cut between words (the spaces at a cut dropped)."""
    parts: list[str] = []
    current = ""
    for match in re.finditer(r"(\s*)(\S+)", line):
        space, word = match.group(1), match.group(2)
        candidate = current + space + word
        if zalo_length(candidate) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current.rstrip())
        if zalo_length(word) <= limit:
            current = word
            continue
        pieces = _cut_word(word, limit)
        parts.extend(pieces[:-1])
        current = pieces[-1]
    if current.strip():
        parts.append(current.rstrip())
    return parts


def _cut_word(word: str, limit: int) -> list[str]:
    """A word longer than a message, cut into pieces that fit, never before a combining mark or in a pair."""
    pieces: list[str] = []
    start = 0
    while start < len(word):
        end, size = start, 0
        while end < len(word) and size + zalo_length(word[end]) <= limit:
            size += zalo_length(word[end])
            end += 1
        if end < len(word):
            backed = end
            while backed > start + 1 and unicodedata.combining(word[backed]):
                backed -= 1
            end = backed
        pieces.append(word[start:end])
        start = end
    return pieces


# -- numbered choices --------------------------------------------------------------------------------


def normalise_answer(text: str) -> str:
    """What an answer is compared by: compatibility forms folded, lower case, no diacritics (đ as d), no
    punctuation or symbols, single spaces."""
    folded = _without_marks(_without_marks(unicodedata.normalize("NFKC", text)).upper().casefold())
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", folded.replace("đ", "d"))).strip()


def _without_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def check_labels(labels: Sequence[str], *, back: bool = True) -> None:
    """Refuse labels a person could not answer unambiguously: empty once normalised, starting with a number (it
    would read as a numbered line), the same as another label, or (with back) the same as "quay lại"."""
    seen: dict[str, str] = {}
    for label in labels:
        key = normalise_answer(label)
        if not key:
            raise ValueError(f"label {label!r} has no letters or digits")
        if _STARTS_WITH_NUMBER.match(key):
            raise ValueError(f"label {label!r} starts with a number, like a numbered line")
        if back and key in _BACK_WORDS:
            raise ValueError(f"label {label!r} reads as back")
        if key in seen:
            raise ValueError(f"labels {seen[key]!r} and {label!r} read the same")
        seen[key] = label


def render_choices(labels: Sequence[str], *, back: bool = True) -> str:
    """The choices as numbered lines ("1 · Duyệt"), with "0 · Quay lại" last when going back is offered."""
    check_labels(labels, back=back)
    lines = [f"{number}{SEPARATOR}{label}" for number, label in enumerate(labels, start=1)]
    if back:
        lines.append(f"{BACK}{SEPARATOR}{BACK_LABEL}")
    return "\n".join(lines)


def parse_choice(answer: str, labels: Sequence[str], *, back: bool = True) -> int | None:
    """Which choice an answer names: its number (1 for the first label), `BACK` (0) for "0" or "quay lại" when
    going back is offered, or None. A number, a label's words (any case, with or without diacritics) or a copied
    line ("2 · Điều chỉnh") are understood; a number and words that disagree are not."""
    key = normalise_answer(answer)
    if not key:
        return None
    keys = [normalise_answer(label) for label in labels]
    if back and key in _BACK_WORDS:
        return BACK
    if key in keys:
        return keys.index(key) + 1
    numbered = _NUMBERED.match(key)
    if numbered is None:
        return None
    number, rest = int(numbered.group(1)), numbered.group(2) or ""
    if number == BACK:
        return BACK if back and rest in ("", "quay lai") else None
    if not 1 <= number <= len(labels):
        return None
    return number if rest in ("", keys[number - 1]) else None
