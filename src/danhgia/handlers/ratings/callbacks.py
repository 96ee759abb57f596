"""The 360° round's callback data (`v1:dc:…`): the list, opening a rating, and every change with the rating's
version — `v1:dc:<action>:<rating id>:<version>[:<step>[:<deduction index>]]` — so that a double tap or an old
panel changes nothing (`stale`); someone else's rating id is `not_found` (the workflow checks the rater)."""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "dc"


@dataclass(frozen=True)
class RatingList(Callback, feature=FEATURE, code="ls"):
    """The colleagues to rate (also the button of the notices)."""


@dataclass(frozen=True)
class OpenRating(Callback, feature=FEATURE, code="o"):
    """Open one rating at its saved step."""

    rating_id: int


@dataclass(frozen=True)
class ShowRating(Callback, feature=FEATURE, code="sh"):
    """Back from the typed-points question to the rating's panel."""

    rating_id: int


@dataclass(frozen=True)
class GoTo(Callback, feature=FEATURE, code="go"):
    """Move the walk to a step (a criterion, or the summary after the last one)."""

    rating_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Full(Callback, feature=FEATURE, code="f"):
    """Full points for the criterion at a step."""

    rating_id: int
    version: int
    step: int


@dataclass(frozen=True)
class TypePoints(Callback, feature=FEATURE, code="p"):
    """Ask for typed points for the criterion at a step."""

    rating_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Deduct(Callback, feature=FEATURE, code="d"):
    """One more occurrence of a listed deduction (its position in the criterion's list)."""

    rating_id: int
    version: int
    step: int
    deduction: int


@dataclass(frozen=True)
class Submit(Callback, feature=FEATURE, code="s"):
    """Send the rating; it is locked."""

    rating_id: int
    version: int
