"""The shortcuts that make closing a city's month fast give exactly what the plain ways give: a group's quota lines
read once, an evaluation not remembered, a scoring input copied without `copy.deepcopy`, a citation's label
remembered, the cyclic garbage collector paused during a batch and given back as it was, and notices queued at once
counted without reading back their ids."""

from __future__ import annotations

import copy
import gc
from typing import Any

import pytest
from sqlmodel import col, select

from danhgia.scoring import apply_quota, load_regime
from danhgia.storage.models import Outbox
from danhgia.workflow import closing_tree
from danhgia.workflow import evaluation as ev
from danhgia.workflow.outbox import queue_many
from danhgia.workflow.quota import QuotaLines, own_quota_lines, quota_summary
from danhgia.workflow.services import Services
from tests.scoring.lines import FULL_ND335, ON_TIME, score
from tests.workflow.test_closing_tree import KEY, branch  # noqa: F401 (the fixture)

ND335 = "nd335-2025"


def summaries() -> list[dict[str, Any]]:
    """A quota summary as closing stores it (three people demoted), and the forms older versions stored."""
    people = [
        score(ND335, {"criteria": FULL_ND335, "tasks": ON_TIME}, "CV01"),
        score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 8}, "tasks": ON_TIME}, "CV02"),
        score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 9}, "tasks": ON_TIME}, "CV03"),
    ]
    summary = quota_summary(apply_quota(ND335, people))
    lines = summary["explanation"]
    older = [
        "CV01 (100 điểm): hạ từ …",  # a bare sentence
        {**lines[2], "kind": ""},  # a line without its kind
        {**lines[2], "subject": ""},  # about nobody in particular
        {**lines[2], "subject": "CV01, CV02"},  # about several people
        None,
    ]
    mixed = {**summary, "explanation": [*lines, *older]}
    return [summary, mixed, {**summary, "explanation": "not a list"}, {"applies": False}]


@pytest.mark.parametrize("summary", summaries())
def test_a_groups_quota_lines_read_once_are_what_each_member_would_keep(summary: dict[str, Any]) -> None:
    lines = QuotaLines(summary)
    for viewer in ("CV01", "CV02", "CV03", "TP01", ""):
        assert lines.of(viewer) == own_quota_lines(summary, viewer=viewer)


def test_an_evaluation_not_remembered_is_the_one_remembered() -> None:
    regime = load_regime(ND335)
    tasks = [{"id": "1", "name": "Việc", "status": "done_late", "weight": "1", "major_errors": 0, "delays": 1}]
    full = ev.default_self_input(regime)["criteria"]
    drafts: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
        ({"criteria": {**full, "doi_moi": {"points": "9.75", "note": "n"}}, "bonuses": [], "causes": {}}, None),
        ({"criteria": full, "causes": {"1": "mưa bão"}}, None),  # a claim nobody confirmed yet
        ({"criteria": full, "causes": {"1": "mưa bão"}}, {"criteria": {"pham_chat": {"points": "8"}}}),
    ]
    for self_input, review in drafts:
        before = copy.deepcopy((self_input, tasks, review))
        plain = ev.evaluate_record(regime, "CV01", self_input, tasks, review, None, remember=False)
        assert plain == ev.evaluate_record(regime, "CV01", self_input, tasks, review, None)
        assert (self_input, tasks, review) == before


def test_the_scoring_input_shares_nothing_with_the_stored_record() -> None:
    regime = load_regime(ND335)
    self_input = {"criteria": {"doi_moi": {"deductions": [{"code": "x", "count": 1}]}}, "leader": {}}
    review = {"criteria": {"pham_chat": {"points": "8"}}}
    before = copy.deepcopy((self_input, review))
    data = ev.scoring_input(regime, "CV01", self_input, [], review, None)
    assert data["criteria"] == {"doi_moi": {"deductions": [{"code": "x", "count": 1}]}, "pham_chat": {"points": "8"}}
    data["criteria"]["doi_moi"]["deductions"][0]["count"] = 5
    data["criteria"]["pham_chat"]["points"] = "1"
    assert (self_input, review) == before


def test_a_citations_label_is_remembered_and_stays_its_own() -> None:
    citations = load_regime(ND335).citations
    first, second = citations["ty_le"], citations["cham_tien_do"]
    combined = first.with_also(second)
    assert combined.label == f"{first.label}; {second.label}"
    twin = copy.copy(combined)  # an equal citation, another object
    assert twin is not combined and twin.label == combined.label
    assert first.label == first.label and first.label != second.label


@pytest.mark.parametrize("enabled", [True, False])
def test_closing_a_branch_gives_the_garbage_collector_back_as_it_was(
    services: Services,
    branch: dict[str, Any],  # noqa: F811 (the fixture)
    enabled: bool,
) -> None:
    seen: list[bool] = []
    close_batch = closing_tree._close_batch  # what runs while the collector is paused

    def watched(*args: Any) -> closing_tree.BatchDone:
        seen.append(gc.isenabled())
        return close_batch(*args)

    preview = services.periods.preview_tree(branch["hr"], branch["units"]["SO"], KEY)
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(closing_tree, "_close_batch", watched)
            done = services.periods.close_tree(branch["hr"], branch["units"]["SO"], KEY, preview.mark)
        assert done.closed == 2 and seen == [False]
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


def test_notices_queued_at_once_are_counted_and_a_used_key_is_skipped(
    services: Services,
    branch: dict[str, Any],  # noqa: F811 (the fixture)
) -> None:
    a0, a1 = branch["ids"]["A0"], branch["ids"]["A1"]
    now = services.clock.now()
    with services.db.uow() as uow:
        first = queue_many(uow, [("no_result", a0, {"n": 1}, "k1"), ("no_result", a1, {"n": 2}, "k2")], now)
        again = [
            ("no_result", a0, {"n": 3}, "k2"),
            ("no_result", a0, {"n": 4}, "k3"),
            ("no_result", a1, {"n": 5}, "k3"),
        ]
        second = queue_many(uow, again, now)
        uow.commit()
    assert (first, second) == (2, 1)
    with services.db.uow() as uow:
        rows = uow.session.exec(select(Outbox).where(col(Outbox.dedupe_key).in_(["k1", "k2", "k3"]))).all()
        kept = {row.dedupe_key: (row.person_id, row.payload) for row in rows}
    assert kept == {"k1": (a0, {"n": 1}), "k2": (a1, {"n": 2}), "k3": (a0, {"n": 4})}
