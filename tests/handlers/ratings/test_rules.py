"""The rules a rating's buttons ask of the workflow before they only ask for input (RatingTask): still open,
not sent, at the version shown — in that order, as the workflow itself refuses a change — and the walk's steps."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from danhgia.workflow import evaluation as ev
from danhgia.workflow.ratings import SUBMITTED, RatingTask
from danhgia.workflow.refusal import Refusal

REGIME = ev.regime_of("danang-2013")


def task(**changes: Any) -> RatingTask:
    found = RatingTask(41, 3, "Ba", "", "peer", "pending", "11/2026", 0, {}, REGIME, period_id=5)
    return dataclasses.replace(found, **changes)


@pytest.mark.parametrize(
    ("changes", "version", "code"),
    [
        ({"period_open": False, "state": SUBMITTED}, 2, "period_closed"),
        ({"state": SUBMITTED}, 2, "rating_submitted"),
        ({}, 2, "stale"),
    ],
)
def test_a_rating_that_can_no_longer_change_is_refused(changes: dict[str, Any], version: int, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        task(**changes).check_editable(version)
    assert refused.value.code == code


def test_an_open_rating_at_its_version_may_change() -> None:
    task().check_editable(3)


def test_the_walk_has_a_step_per_criterion_and_the_summary() -> None:
    last = len(REGIME.criteria)
    assert task().has_step(0) and task().has_step(last) and not task().has_step(last + 1)
    assert not task().has_step(-1)
    assert task().criterion_at(0) == REGIME.criteria[0] and task().criterion_at(last) is None


def test_peers_rate_in_secret_and_leaders_count_as_the_leader() -> None:
    assert task().secret and not task().by_leader and task().min_raters == 3
    leader = task(role="direct_leader")
    assert not leader.secret and leader.by_leader
