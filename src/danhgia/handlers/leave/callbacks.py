"""/nghiphep's buttons as typed callback data (`v1:lv:…`). A kind of leave travels as its index in
`workflow.absence.LEAVE_KINDS`, dates as yyyymmdd; the use case checks every choice again."""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "lv"


@dataclass(frozen=True)
class List(Callback, feature=FEATURE, code="l"):
    """The current and upcoming leave of the people one manages."""


@dataclass(frozen=True)
class New(Callback, feature=FEATURE, code="n"):
    """Record a leave: choose the person first."""


@dataclass(frozen=True)
class Reports(Callback, feature=FEATURE, code="lp"):
    """A page of a leader's direct reports."""

    page: int


@dataclass(frozen=True)
class UnitPeople(Callback, feature=FEATURE, code="u"):
    """A page of the people of a unit (HR)."""

    unit_id: int
    page: int


@dataclass(frozen=True)
class Pick(Callback, feature=FEATURE, code="p"):
    """A person chosen: the kinds of leave come next."""

    person_id: int


@dataclass(frozen=True)
class Kind(Callback, feature=FEATURE, code="k"):
    """A kind chosen: the dates come next (buttons or typed)."""

    person_id: int
    kind: int


@dataclass(frozen=True)
class LeaveChoice:
    """What the choices after the dates carry: the whole leave (person, kind, first and last day as yyyymmdd)."""

    person_id: int
    kind: int
    starts_on: str
    ends_on: str


@dataclass(frozen=True)
class Dates(LeaveChoice, Callback, feature=FEATURE, code="d"):
    """The dates chosen: an optional note is asked next."""


@dataclass(frozen=True)
class NoNote(LeaveChoice, Callback, feature=FEATURE, code="c"):
    """No note: the confirmation comes next."""


@dataclass(frozen=True)
class Confirm(LeaveChoice, Callback, feature=FEATURE, code="ok"):
    """Record the leave exactly as the confirmation showed it."""


@dataclass(frozen=True)
class AskCancel(Callback, feature=FEATURE, code="x"):
    """Ask before cancelling a leave."""

    leave_id: int


@dataclass(frozen=True)
class Cancel(Callback, feature=FEATURE, code="X"):
    """Cancel the leave (after the question)."""

    leave_id: int
