"""The self-assessment's buttons as typed callback data: `v1:sa:<action>:<assessment id>:<draft version>[:…]`.

Indexes (of the step in `view.steps`, of a deduction in the criterion's list, of a bonus item) and task ids,
never codes. Every button that touches the draft carries its version, so a double tap or an old panel changes
nothing (`stale`). `Open` (`v1:sa:open`) opens the person's own assessment from notices and reminders.
"""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "sa"


@dataclass(frozen=True)
class Open(Callback, feature=FEATURE, code="open"):
    """Open my assessment (at its saved step)."""


@dataclass(frozen=True)
class Show(Callback, feature=FEATURE, code="sh"):
    """Back from a question: the panel as it stands, nothing changed."""

    assessment_id: int
    version: int


@dataclass(frozen=True)
class Close(Callback, feature=FEATURE, code="x"):
    """Close the panel (everything is saved)."""

    assessment_id: int
    version: int


@dataclass(frozen=True)
class Submit(Callback, feature=FEATURE, code="sub"):
    """Send it to the reviewer."""

    assessment_id: int
    version: int


@dataclass(frozen=True)
class Menu(Callback, feature=FEATURE, code="ed"):
    """Every section of the walk, to jump to one."""

    assessment_id: int
    version: int


@dataclass(frozen=True)
class GoTo(Callback, feature=FEATURE, code="go"):
    """Go to a step (by index)."""

    assessment_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Full(Callback, feature=FEATURE, code="full"):
    """Full points for the criterion of a step."""

    assessment_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Clear(Callback, feature=FEATURE, code="clr"):
    """Back to full points, dropping typed points and deductions."""

    assessment_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Deduct(Callback, feature=FEATURE, code="ded"):
    """One more occurrence of a listed deduction (by index)."""

    assessment_id: int
    version: int
    step: int
    deduction: int


@dataclass(frozen=True)
class TypePoints(Callback, feature=FEATURE, code="pt"):
    """Type the criterion's points."""

    assessment_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Note(Callback, feature=FEATURE, code="nt"):
    """Type a note on the criterion."""

    assessment_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Percent(Callback, feature=FEATURE, code="pc"):
    """A chosen percentage for a leader's own criterion."""

    assessment_id: int
    version: int
    step: int
    percent: int


@dataclass(frozen=True)
class TypePercent(Callback, feature=FEATURE, code="pp"):
    """Type a leader criterion's percentage."""

    assessment_id: int
    version: int
    step: int


@dataclass(frozen=True)
class Cause(Callback, feature=FEATURE, code="cz"):
    """Claim (or change) an objective cause for a task."""

    assessment_id: int
    version: int
    task_id: str


@dataclass(frozen=True)
class DropCause(Callback, feature=FEATURE, code="cx"):
    """Withdraw an objective-cause claim."""

    assessment_id: int
    version: int
    task_id: str


@dataclass(frozen=True)
class ToggleBonus(Callback, feature=FEATURE, code="bt"):
    """Claim or withdraw a fixed-points bonus item (by index)."""

    assessment_id: int
    version: int
    item: int


@dataclass(frozen=True)
class BonusPoints(Callback, feature=FEATURE, code="bp"):
    """Type the points claimed for a bonus item whose points are a range."""

    assessment_id: int
    version: int
    item: int


OnDraft = (
    Menu
    | GoTo
    | Full
    | Clear
    | Deduct
    | TypePoints
    | Note
    | Percent
    | TypePercent
    | Cause
    | DropCause
    | ToggleBonus
    | BonusPoints
)  # buttons of the editor: they apply to the draft at the version shown
