"""The tasks' buttons as typed callback data: /tuannay's week and task panels (`v1:tk:…`) and /baocaotuan's
check-in (`v1:ci:…`). Dates travel as yyyymmdd ("0": today), weights with "_" for the decimal point. A task's
buttons carry the week the person was looking at (`week`, its Monday) so that going back, cancelling or editing
returns there, not to the task's own week."""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "tk"
CHECKIN = "ci"
TODAY = "0"


@dataclass(frozen=True)
class Week(Callback, feature=FEATURE, code="wk"):
    """The week that holds a date (yyyymmdd, or "0" for this week)."""

    when: str


@dataclass(frozen=True)
class Add(Callback, feature=FEATURE, code="add"):
    """Add a task: its title is typed next."""


@dataclass(frozen=True)
class AddDue(Callback, feature=FEATURE, code="ad"):
    """The new task's due date, chosen."""

    when: str


@dataclass(frozen=True)
class AddWeight(Callback, feature=FEATURE, code="aw"):
    """The new task's weight, chosen; then it is saved."""

    weight: str


@dataclass(frozen=True)
class Task(Callback, feature=FEATURE, code="t"):
    """One task's panel."""

    task_id: int
    week: str | None = None


@dataclass(frozen=True)
class EditTitle(Callback, feature=FEATURE, code="ti"):
    """Type a new title."""

    task_id: int
    week: str | None = None


@dataclass(frozen=True)
class EditDue(Callback, feature=FEATURE, code="td"):
    """Choose or type a new due date."""

    task_id: int
    week: str | None = None


@dataclass(frozen=True)
class SetDue(Callback, feature=FEATURE, code="ed"):
    """A new due date, chosen."""

    task_id: int
    when: str
    week: str | None = None


@dataclass(frozen=True)
class EditWeight(Callback, feature=FEATURE, code="tw"):
    """Choose or type a new weight."""

    task_id: int
    week: str | None = None


@dataclass(frozen=True)
class SetWeight(Callback, feature=FEATURE, code="ew"):
    """A new weight, chosen."""

    task_id: int
    weight: str
    week: str | None = None


@dataclass(frozen=True)
class EditNote(Callback, feature=FEATURE, code="tn"):
    """Type a note."""

    task_id: int
    week: str | None = None


@dataclass(frozen=True)
class AskCancel(Callback, feature=FEATURE, code="tx"):
    """Ask before cancelling a task."""

    task_id: int
    week: str | None = None


@dataclass(frozen=True)
class ConfirmCancel(Callback, feature=FEATURE, code="tX"):
    """Cancel the task."""

    task_id: int
    week: str | None = None


@dataclass(frozen=True)
class CheckinStart(Callback, feature=CHECKIN, code="go"):
    """/baocaotuan's panel: the next task to report on."""


@dataclass(frozen=True)
class Checkin(Callback, feature=CHECKIN):
    """A tap on a task of the check-in: an outcome (ok, late, prog, no), the quality flag (q), a note (n) or
    skip (s)."""

    task_id: int
    action: str
