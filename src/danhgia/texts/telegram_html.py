"""Telegram's HTML parse mode: turn marked-up text into plain text and message entities, or refuse it.

Follows the Bot API "HTML style" rules: only the supported tags, properly nested and closed; only `&lt;`,
`&gt;`, `&amp;`, `&quot;` and numeric character references; a bare `<` or `&` is an error. Offsets and
lengths are in UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

_TAG_TO_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR = re.compile(r"""([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_PREFIX = "Bad Request: can't parse entities: "
_ENTITY_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message mimics Telegram's own."""


@dataclass
class _Open:
    tag: str
    entity: dict[str, Any]
    start: int


class _ByteOffset:
    """A position reported in UTF-8 bytes, as Telegram does; computed only when an error is shown."""

    def __init__(self, text: str, index: int) -> None:
        self.text, self.index = text, index

    def __str__(self) -> str:
        return str(len(self.text[: self.index].encode("utf-8")))


def utf16_len(text: str) -> int:
    """Length of a string in UTF-16 code units (how Telegram measures text)."""
    return len(text.encode("utf-16-le")) // 2


def _attrs(raw: str) -> dict[str, str]:
    return {m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "") for m in _ATTR.finditer(raw)}


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a Telegram-HTML string; raise `HtmlParseError` when Telegram would."""
    out: list[str] = []
    length = 0
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    i = 0
    while i < len(markup):
        ch = markup[i]
        offset = _ByteOffset(markup, i)
        if ch == "<":
            match = _TAG.match(markup, i)
            if match is None:
                raise HtmlParseError(f"{_PREFIX}Unexpected end of name token at byte offset {offset}")
            closing, name, raw_attrs, _self_closing = match.groups()
            tag = name.lower()
            if tag not in _TAG_TO_ENTITY:
                kind = "end" if closing else "start"
                raise HtmlParseError(
                    f'Bad Request: can\'t parse entities: Unsupported {kind} tag "{tag}" at byte offset {offset}'
                )
            if closing:
                if not stack or stack[-1].tag != tag:
                    expected = f'"</{stack[-1].tag}>"' if stack else "no end tag"
                    raise HtmlParseError(
                        f'{_PREFIX}Unmatched end tag at byte offset {offset}, expected {expected}, found "</{tag}>"'
                    )
                opened = stack.pop()
                entity = opened.entity
                entity["offset"] = opened.start
                entity["length"] = length - opened.start
                if entity["length"] > 0 and not entity.pop("_inside_pre", False):
                    entities.append(entity)
            else:
                stack.append(_Open(tag, _start_entity(tag, _attrs(raw_attrs), stack, offset), length))
            i = match.end()
            continue
        if ch == "&":
            match = _ENTITY_REF.match(markup, i)
            if match is None:
                raise HtmlParseError(f"{_PREFIX}Character '&' is reserved and must be escaped at byte offset {offset}")
            ref = match.group(1)
            if ref.startswith("#"):
                number = int(ref[2:], 16) if ref[1:2] in ("x", "X") else int(ref[1:])
                try:
                    decoded = chr(number)
                except (ValueError, OverflowError):
                    raise HtmlParseError(f"{_PREFIX}Invalid character reference at byte offset {offset}") from None
            elif ref in _NAMED_ENTITIES:
                decoded = _NAMED_ENTITIES[ref]
            else:
                raise HtmlParseError(
                    f'Bad Request: can\'t parse entities: Unsupported HTML entity "&{ref};" at byte offset {offset}'
                )
            out.append(decoded)
            length += utf16_len(decoded)
            i = match.end()
            continue
        if ch == ">":
            raise HtmlParseError(f"{_PREFIX}Character '>' is reserved and must be escaped at byte offset {offset}")
        out.append(ch)
        length += utf16_len(ch)
        i += 1
    if stack:
        raise HtmlParseError(f'{_PREFIX}Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _start_entity(tag: str, attrs: dict[str, str], stack: list[_Open], offset: _ByteOffset) -> dict[str, Any]:
    kind = _TAG_TO_ENTITY[tag]
    entity: dict[str, Any] = {"type": kind}
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(
            f'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset {offset}'
        )
    if tag == "a":
        href = html.unescape(attrs.get("href", ""))
        if not href:
            raise HtmlParseError(f"{_PREFIX}Empty href at byte offset {offset}")
        if href.startswith("tg://user?id="):
            entity = {"type": "text_mention", "user": {"id": int(href.split("=", 1)[1] or 0)}}
        else:
            entity["url"] = href
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "code" and stack and stack[-1].tag == "pre":
        entity["_inside_pre"] = True
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].entity["language"] = language[len("language-") :]
    elif tag == "tg-time":
        entity["unix_time"] = int(attrs.get("unix", "0") or 0)
        if "format" in attrs:
            entity["date_time_format"] = attrs["format"]
    return entity
