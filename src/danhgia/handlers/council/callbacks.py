"""The council's callback data (`v1:hd:…`): each button names an action and a case, assessment or period id
plus small indexes (a level's position in the regime), never a permission — the workflow re-authorises every
press with the presser's person id."""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "hd"


@dataclass(frozen=True)
class CaseList(Callback, feature=FEATURE, code="ls"):
    """/hoidong's list: the open cases and the recently decided ones."""


@dataclass(frozen=True)
class Commendations(Callback, feature=FEATURE, code="cm"):
    """The commendation proposals of the latest closed period."""


@dataclass(frozen=True)
class OpenCase(Callback, feature=FEATURE, code="c"):
    """Show a case's card."""

    case_id: int


@dataclass(frozen=True)
class Keep(Callback, feature=FEATURE, code="k"):
    """Vote to keep the result: ask for an optional reason first."""

    case_id: int


@dataclass(frozen=True)
class KeepNoReason(Callback, feature=FEATURE, code="k0"):
    """Vote to keep the result, without a reason."""

    case_id: int


@dataclass(frozen=True)
class ChooseLevel(Callback, feature=FEATURE, code="x"):
    """Vote to change the level: show the levels to choose from."""

    case_id: int


@dataclass(frozen=True)
class ChangeTo(Callback, feature=FEATURE, code="l"):
    """The level chosen (its position in the regime's levels); the reason is typed next."""

    case_id: int
    index: int


@dataclass(frozen=True)
class StepAside(Callback, feature=FEATURE, code="a"):
    """Step aside from a case: ask for the reason."""

    case_id: int


@dataclass(frozen=True)
class Propose(Callback, feature=FEATURE, code="p"):
    """Propose a top performer of a closed period for commendation, or withdraw the proposal."""

    period_id: int
    person_id: int


@dataclass(frozen=True)
class Contest(Callback, feature=FEATURE, code="kn"):
    """The person contests their final result (the button is on the final-result notice and /ketqua)."""

    assessment_id: int
