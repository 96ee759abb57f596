"""The review feature's buttons as typed callback data (`v1:rv:…`).

A card's buttons carry the assessment id (and `q` when the card was opened from /duyet's queue, so that it
offers the way back); the steps of an adjustment also carry the record's version, so that a double tap or an
older panel of the same walk changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback, flag

FEATURE = "rv"


@dataclass(frozen=True)
class Queue(Callback, feature=FEATURE, code="q"):
    """/duyet's queue (refreshed)."""


@dataclass(frozen=True)
class BulkAsk(Callback, feature=FEATURE, code="all"):
    """Ask to approve every record nobody is adjusting (a confirmation lists them)."""


@dataclass(frozen=True)
class BulkConfirm(Callback, feature=FEATURE, code="ALL"):
    """Approve exactly the records the confirmation listed (their fingerprint)."""

    mark: str


@dataclass(frozen=True)
class Card(Callback, feature=FEATURE, code="c"):
    """Show the card of an assessment."""

    assessment_id: int
    from_queue: bool = flag("q")


@dataclass(frozen=True)
class Approve(Callback, feature=FEATURE, code="a"):
    """Approve as submitted."""

    assessment_id: int
    from_queue: bool = flag("q")


@dataclass(frozen=True)
class Return(Callback, feature=FEATURE, code="r"):
    """Send it back to the person (a reason is typed next)."""

    assessment_id: int
    from_queue: bool = flag("q")


@dataclass(frozen=True)
class Details(Callback, feature=FEATURE, code="d"):
    """The whole self-assessment."""

    assessment_id: int
    from_queue: bool = flag("q")


@dataclass(frozen=True)
class Adjust(Callback, feature=FEATURE, code="j"):
    """Start the adjustment walk, or continue one's own."""

    assessment_id: int


@dataclass(frozen=True)
class TakeOver(Callback, feature=FEATURE, code="jt"):
    """Start over an adjustment someone else began."""

    assessment_id: int


@dataclass(frozen=True)
class CancelAdjust(Callback, feature=FEATURE, code="no"):
    """Drop one's adjustment in progress."""

    assessment_id: int


@dataclass(frozen=True)
class TypePoints(Callback, feature=FEATURE, code="p"):
    """Type the points of a criterion (by its index in the regime)."""

    assessment_id: int
    criterion: int


@dataclass(frozen=True)
class TypePercent(Callback, feature=FEATURE, code="lt"):
    """Type the percentage of one of a leader's own criteria (by index)."""

    assessment_id: int
    leader: int


@dataclass(frozen=True)
class TypeReason(Callback, feature=FEATURE, code="w"):
    """Type the reason of the adjustment."""

    assessment_id: int


@dataclass(frozen=True)
class Step(Callback, feature=FEATURE, code="s"):
    """Go to a step of the walk (by index)."""

    assessment_id: int
    version: int
    index: int


@dataclass(frozen=True)
class Full(Callback, feature=FEATURE, code="f"):
    """Full points for a criterion."""

    assessment_id: int
    version: int
    criterion: int


@dataclass(frozen=True)
class Deduct(Callback, feature=FEATURE, code="x"):
    """One more occurrence of a criterion's listed deduction."""

    assessment_id: int
    version: int
    criterion: int
    deduction: int


@dataclass(frozen=True)
class LeaderPercent(Callback, feature=FEATURE, code="l"):
    """A chosen percentage for one of a leader's own criteria."""

    assessment_id: int
    version: int
    leader: int
    percent: int


@dataclass(frozen=True)
class ToggleCause(Callback, feature=FEATURE, code="k"):
    """Confirm or reject a claimed objective cause (by task id)."""

    assessment_id: int
    version: int
    task_id: str


@dataclass(frozen=True)
class ToggleBonus(Callback, feature=FEATURE, code="b"):
    """Accept or reject a bonus claim (by the item's index in the regime)."""

    assessment_id: int
    version: int
    item: int


@dataclass(frozen=True)
class Confirm(Callback, feature=FEATURE, code="ok"):
    """Apply the adjustment."""

    assessment_id: int
    version: int


WalkStep = Step | Full | Deduct | LeaderPercent | ToggleCause | ToggleBonus | Confirm  # carry the version shown
