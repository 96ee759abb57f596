"""A confirmation binds: "approve all" and closing a period apply to exactly the set their confirmation showed
(ids, versions, states), and to nothing if it changed since — the new set comes back to be confirmed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import ROSTER_ROWS, write_roster


@pytest.fixture
def org(services: Services, tmp_path: Path) -> dict[str, int]:
    """The demo roster with November open; staff code → person id."""
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        so = uow.units.get_by_code("SO")
        assert so is not None and so.id is not None
        unit_id = so.id
    services.periods.open(Actor.person(ids["TC01"]), unit_id, "2026-11")
    return ids


def submit(services: Services, person: int) -> AssessmentView:
    task = services.tasks.add(Actor.person(person), person, "Nhiệm vụ tháng", date(2026, 11, 20), Decimal(1))
    services.tasks.checkin(Actor.person(person), person, task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(person)
    return services.self_assessment.submit(person, view.id, view.version)


def test_approve_all_binds_to_the_ids_and_versions_it_listed(services: Services, org: dict[str, int]) -> None:
    hoa = Actor.person(org["TP01"])
    an = submit(services, org["CV01"])
    shown = services.review.bulk_candidates(org["TP01"])
    assert [v.id for v in shown.ready] == [an.id]
    # An is returned and resubmits (a new version of the record): the confirmation no longer stands.
    services.review.return_(hoa, an.id, "Bổ sung minh chứng")
    view = services.self_assessment.open_self(org["CV01"])
    services.self_assessment.submit(org["CV01"], view.id, view.version)
    outcome = services.review.approve_all(hoa, shown.fingerprint)
    assert outcome.approved == 0 and outcome.changed is not None
    assert services.assessments.view(an.id).state == "submitted"
    # The list shown again is the one that applies.
    again = outcome.changed
    done = services.review.approve_all(hoa, again.fingerprint)
    assert (done.approved, done.left, done.changed) == (1, 0, None)
    assert services.assessments.view(an.id).state == "approved"
    # A forged or empty mark approves nothing.
    binh = submit(services, org["CV02"])
    assert services.review.approve_all(hoa, "").approved == 0
    assert services.assessments.view(binh.id).state == "submitted"


def test_closing_binds_to_the_preview_it_was_shown(services: Services, org: dict[str, int]) -> None:
    hr = Actor.person(org["TC01"])
    hoa = Actor.person(org["TP01"])
    services.review.approve(hoa, submit(services, org["CV01"]).id)
    with services.db.uow() as uow:
        th = uow.units.get_by_code("TH")
        assert th is not None and th.id is not None
        period = uow.periods.of_unit(th.id, "2026-11")
        assert period is not None and period.id is not None
        period_id = period.id
    preview = services.periods.close(hr, period_id, dry_run=True)
    assert preview.locked == 1 and preview.fingerprint
    services.review.approve(hoa, submit(services, org["CV02"]).id)
    refused = services.periods.close(hr, period_id, expected=preview.fingerprint)
    assert refused.changed and not refused.closed and refused.locked == 2
    assert services.periods.info(period_id).status == "open"
    closed = services.periods.close(hr, period_id, expected=refused.fingerprint)
    assert closed.closed and closed.locked == 2
