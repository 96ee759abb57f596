"""The buttons of /baocao and of a person's own form as typed callback data (`v1:bc:<code>:…`). Each names a unit,
a period or a record; the workflow checks who may read it."""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "bc"
SUMMARY, CHART, PACKAGE = "x", "c", "z"  # the kinds of report `Make` builds (the package: a year's file)


@dataclass(frozen=True)
class PickUnit(Callback, feature=FEATURE, code="u"):
    """The periods of a unit."""

    unit_id: int


@dataclass(frozen=True)
class PickPeriod(Callback, feature=FEATURE, code="p"):
    """The reports of a unit's period."""

    unit_id: int
    key: str


@dataclass(frozen=True)
class Make(Callback, feature=FEATURE, code="m"):
    """Build and send one report (`kind`: the summary, the chart or — for a year — the year-end package)."""

    unit_id: int
    key: str
    kind: str


@dataclass(frozen=True)
class OwnForm(Callback, feature=FEATURE, code="f"):
    """The monitoring form of one record: the person's own, or one HR or the person's leader picks."""

    assessment_id: int


@dataclass(frozen=True)
class Progress(Callback, feature=FEATURE, code="g"):
    """HR's picture of how far a unit's open period has got (who submitted, was approved, waits, is missing)."""

    unit_id: int
    key: str


@dataclass(frozen=True)
class OwnYearForm(Callback, feature=FEATURE, code="n"):
    """A person's own yearly form."""

    year: int


@dataclass(frozen=True)
class OwnTrend(Callback, feature=FEATURE, code="t"):
    """A person's own points month by month, as a chart."""


@dataclass(frozen=True)
class PickPerson(Callback, feature=FEATURE, code="w"):
    """Whose form to print among a unit's people for a period or a year (a page of the list)."""

    unit_id: int
    key: str
    page: int


@dataclass(frozen=True)
class PersonYearForm(Callback, feature=FEATURE, code="y"):
    """Someone's yearly form, printed by HR or their leader."""

    person_id: int
    year: int
