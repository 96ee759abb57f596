"""The buttons of /kydanhgia as typed callback data (`v1:pd:<code>:…`), one class per action.

`which` is "0" for the current period and "1" for the previous one. A tie's buttons carry the `mark` of the ties
and records they were made for, and HR's picks so far as hex bit masks joined by "." (`choices`): bit i keeps the
i-th tied person, the last mask is the pick being made.
"""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "pd"
CURRENT, PREVIOUS = "0", "1"
TIE_MAX = 60  # tied people one pick can carry in its button (a hex bit mask)


@dataclass(frozen=True)
class Overview(Callback, feature=FEATURE, code="ov"):
    """Every unit and its period (the current or the previous one)."""

    which: str


@dataclass(frozen=True)
class ShowUnit(Callback, feature=FEATURE, code="u"):
    """One unit's period and what HR can do with it."""

    unit_id: int
    which: str


@dataclass(frozen=True)
class OpenUnit(Callback, feature=FEATURE, code="o"):
    """Open the period for a unit and its sub-units that do not have it yet."""

    unit_id: int
    which: str


@dataclass(frozen=True)
class AskClose(Callback, feature=FEATURE, code="c"):
    """The confirmation step of closing (its preview)."""

    period_id: int


@dataclass(frozen=True)
class AskCloseTree(Callback, feature=FEATURE, code="ct"):
    """The confirmation step of closing a unit's period and every open one below it (its preview)."""

    unit_id: int
    which: str


@dataclass(frozen=True)
class CloseTree(Callback, feature=FEATURE, code="CT"):
    """Close the unit's period and every open one below it, bound to the preview shown (`mark`)."""

    unit_id: int
    which: str
    mark: str


@dataclass(frozen=True)
class MarkExceptional(Callback, feature=FEATURE, code="x"):
    """Mark (1) or unmark (0) the unit as outstanding, on the confirmation step."""

    period_id: int
    value: str


@dataclass(frozen=True)
class Close(Callback, feature=FEATURE, code="C"):
    """Close, bound to the preview the confirmation showed (`mark`: its fingerprint)."""

    period_id: int
    mark: str


@dataclass(frozen=True)
class PickTie(Callback, feature=FEATURE, code="t"):
    """Choose or unchoose a tied person (the panel shown again with the pick)."""

    period_id: int
    mark: str
    choices: str


@dataclass(frozen=True)
class CloseWithTie(Callback, feature=FEATURE, code="T"):
    """Confirm the pick for the tie on screen and go on closing."""

    period_id: int
    mark: str
    choices: str


@dataclass(frozen=True)
class ReopenList(Callback, feature=FEATURE, code="r"):
    """The locked records of a closed period, a page at a time, to choose whose to reopen."""

    period_id: int
    page: int


@dataclass(frozen=True)
class Reopen(Callback, feature=FEATURE, code="R"):
    """Reopen one locked record (a typed reason is asked for)."""

    period_id: int
    assessment_id: int


def write_choices(masks: tuple[int, ...]) -> str:
    """HR's picks as they travel in a tie button."""
    return ".".join(format(mask, "x") for mask in masks)


def read_choices(text: str) -> tuple[int, ...] | None:
    """HR's picks from a tie button; None when forged."""
    masks = []
    for part in text.split("."):
        try:
            value = int(part, 16)
        except ValueError:
            return None
        if value < 0 or value >= 1 << TIE_MAX:
            return None
        masks.append(value)
    return tuple(masks) or None
