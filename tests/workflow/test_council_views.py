"""The council's rules on a case as a member sees it (CaseView) and on a commendation candidate: who may vote,
step aside or propose, and which level a case is about — the predicates the handlers ask instead of restating."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from danhgia.workflow import evaluation as ev
from danhgia.workflow.commendations import Candidate
from danhgia.workflow.council import CHANGE, CONFIRM, DECIDED, OPEN, RECUSE, CaseView, VoteView

ME, OTHER, PERSON = 10, 11, 20


def case(**changes: Any) -> CaseView:
    view = CaseView(
        id=7,
        kind="gap",
        state=OPEN,
        assessment_id=30,
        person_id=PERSON,
        person_name="Phạm Thị Hai",
        position="",
        unit_name="",
        period_label="11/2026",
        regime=ev.regime_of("danang-2013"),
        total=Decimal(72),
        level="HT",
        final_level=None,
        self_total=None,
        facts={},
        reason=None,
        votes=(),
        outcome=None,
        new_level=None,
        decision_reason=None,
        quorum=2,
        deadline=date(2026, 12, 14),
        eligible=3,
    )
    return dataclasses.replace(view, **changes)


def test_members_may_vote_on_an_open_case_not_their_own_and_step_aside_once() -> None:
    aside = case(votes=(VoteView("Khác", RECUSE, None, "Người thân", OTHER),))
    assert aside.may_vote(ME) and aside.may_step_aside(ME)
    assert aside.may_vote(OTHER) and not aside.may_step_aside(OTHER) and aside.stepped_aside(OTHER)
    assert not aside.may_vote(PERSON) and not aside.may_step_aside(PERSON)
    assert aside.ballots == () and not aside.has_voted(OTHER)
    decided = case(state=DECIDED, votes=(VoteView("Tôi", CONFIRM, None, None, ME),))
    assert not decided.is_open and not decided.may_vote(ME) and not decided.may_step_aside(ME)
    assert decided.has_voted(ME) and decided.vote_by(ME) == decided.votes[0]


def test_the_deciding_vote_is_the_last_one_of_a_decided_case() -> None:
    votes = (VoteView("Khác", CHANGE, "HTT", "x", OTHER), VoteView("Tôi", CHANGE, "HTT", "y", ME))
    assert case(state=DECIDED, votes=votes).cast_deciding_vote(ME)
    assert not case(state=DECIDED, votes=votes).cast_deciding_vote(OTHER)
    assert not case(votes=votes).cast_deciding_vote(ME)  # still open
    assert not case(state=DECIDED).cast_deciding_vote(ME)


def test_the_level_a_case_is_about_and_the_level_now() -> None:
    assert case().level_before == "HT" and case().current_level == "HT"
    changed = case(final_level="HTT", facts={"final_level": "HT"})
    assert changed.level_before == "HT" and changed.current_level == "HTT"
    assert case().level_at(0) is not None and case().level_at(0) == case().regime.levels[0]
    assert case().level_at(len(case().regime.levels)) is None and case().level_at(-1) is None


def test_a_case_is_short_of_members_only_while_open() -> None:
    assert case(eligible=1).short and not case(eligible=2).short and not case(eligible=1, state=DECIDED).short


def test_a_proposal_is_final_at_the_quorum_and_nobody_proposes_themselves() -> None:
    def candidate(proposals: int) -> Candidate:
        return Candidate(3, "11/2026", PERSON, "Hai", "", Decimal(95), "HTXS", proposals, False)

    assert candidate(1).may_propose(ME, 2) and not candidate(1).final(2)
    assert candidate(2).final(2) and not candidate(2).may_propose(ME, 2)
    assert not candidate(0).may_propose(PERSON, 2)
