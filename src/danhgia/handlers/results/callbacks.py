"""The buttons of /ketqua as typed callback data (`v1:kq:<code>:…`), one class per action. Each names one of the
presser's own assessments, or a year or quarter of their own results; the workflow looks it up among the
presser's own records, so a forged id shows nothing of anyone else."""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "kq"
# The council's "contest this result" button (`v1:hd:kn:<assessment id>`, handlers/council): loose callback data,
# because the council's package imports this feature and importing its typed `Contest` back would be a cycle.
CONTEST = ("hd", "kn")


@dataclass(frozen=True)
class Latest(Callback, feature=FEATURE, code="0"):
    """The person's latest result."""


@dataclass(frozen=True)
class Entry(Callback, feature=FEATURE, code="e"):
    """One period's result, in place of the panel pressed."""

    assessment_id: int


@dataclass(frozen=True)
class Details(Callback, feature=FEATURE, code="d"):
    """One period's result in a new message (the "details" button of a notice)."""

    assessment_id: int


@dataclass(frozen=True)
class Quarter(Callback, feature=FEATURE, code="q"):
    """A quarter's summary (`quarter` 1 to 4)."""

    year: int
    quarter: int


@dataclass(frozen=True)
class Year(Callback, feature=FEATURE, code="y"):
    """A year's summary."""

    year: int
