"""Formatting every panel shares: points, dates, button labels, and messages cut to fit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from danhgia.scoring import Level, Regime, format_points
from danhgia.texts import Html, t

MESSAGE_LIMIT = 4096  # characters of one message (Telegram's limit; Zalo's is lower and its adapter cuts again)


def fit(text: Html, limit: int = MESSAGE_LIMIT - 96) -> Html:
    """Cut a long message at a line boundary (every line is balanced HTML) so that it fits one message."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return Html("\n".join(kept) + f"\n… (+{len(lines) - len(kept)})")


def points(value: Decimal | None) -> str:
    """Points in Vietnamese style ("87,5"); "—" when unknown."""
    return "—" if value is None else format_points(value)


def period_level(regime: Regime, level: Level | None, lang: str) -> str:
    """A period's level as people read it ("—" when none); under a regime that decides levels yearly (NĐ 233) the
    month's level is only what its points would give, and says so."""
    if level is None:
        return "—"
    if regime.yearly_levels:
        return t("level.points_only", lang, level=level.display)
    return level.display


def day(value: date) -> str:
    """dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y")


def short(text: str, limit: int = 40) -> str:
    """A label that fits on a phone button, cut after a whole word (never mid-word) when it is too long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1].isalnum() and " " in cut and cut.rfind(" ") >= limit // 2:  # mid-word: back to a space
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—") + "…"
