"""Vietnamese alphabetical order, for every list of people a user reads.

Python's default order puts "Đặng" after "Vũ" and "Ánh" after "Yến". Here the letters follow the Vietnamese
alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), tone marks only break ties (no mark, huyền, sắc, hỏi, ngã, nặng),
and a person's list is ordered by given name first, then family and middle names, as Vietnamese staff lists are.
No library on the registries does this without ICU's compiled bindings, hence this small table.
"""

from __future__ import annotations

import unicodedata
from typing import TypeAlias

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Combining marks that make a different letter of the alphabet (ă, â, ê, ô, ơ, ư) ...
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
# ... and the five tone marks, in the order used to break ties.
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}

SortKey: TypeAlias = tuple[tuple[int, ...], tuple[int, ...], str]


def _letters(text: str) -> tuple[list[int], list[int]]:
    primary: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", text).casefold():
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        if letter in _RANK:
            primary.append(1000 + _RANK[letter])
        elif base.isdigit():
            primary.append(100 + int(base) if base.isascii() else 200)
        elif base.isspace():
            primary.append(0)
        else:
            primary.append(2000 + ord(base))
        tones.append(tone)
    return primary, tones


def vietnamese_key(text: str) -> SortKey:
    """Sort key of a text in Vietnamese alphabetical order (letters first, then tones, then exact text)."""
    primary, tones = _letters(" ".join(text.split()))
    return tuple(primary), tuple(tones), text


def name_key(full_name: str) -> SortKey:
    """Sort key of a person's full name: given name (its last word) first, then family and middle names."""
    words = full_name.split()
    if not words:
        return vietnamese_key("")
    given, rest = words[-1], words[:-1]
    primary_given, tones_given = _letters(given)
    primary_rest, tones_rest = _letters(" ".join(rest))
    return tuple([*primary_given, -1, *primary_rest]), tuple([*tones_given, -1, *tones_rest]), full_name
