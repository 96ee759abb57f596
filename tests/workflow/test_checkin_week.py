"""A check-in answers with the week as it is afterwards — the same week a fresh read gives — for every outcome and
every kind of task: carried over from before, due this week, due in the weeks ahead or after them, already
finished, someone else's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import ROSTER_ROWS, VN, write_roster

DUES = {
    "carried over": date(2026, 11, 10),
    "monday": date(2026, 11, 16),
    "friday": date(2026, 11, 20),
    "sunday": date(2026, 11, 22),
    "ahead": date(2026, 12, 15),
    "last day ahead": date(2027, 1, 3),  # Sunday 22/11 + 6 weeks
    "after the weeks ahead": date(2027, 2, 20),
    "finished before": date(2026, 11, 5),
}


@pytest.fixture
def clock() -> ManualClock:
    """Two weeks before the check-ins (a task is finished then)."""
    return ManualClock(datetime(2026, 11, 6, 9, 0, tzinfo=VN))


def test_the_week_after_a_checkin_is_the_week_read_afresh(
    services: Services, clock: ManualClock, tmp_path: Path
) -> None:
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
    an, other = ids["CV01"], ids["CV02"]
    tasks = {name: services.tasks.add(Actor.person(an), an, name, due, Decimal(1)).id for name, due in DUES.items()}
    services.tasks.checkin(Actor.person(an), an, tasks["finished before"], CheckinOutcome.ON_TIME)
    theirs = services.tasks.add(Actor.person(other), other, "not mine", date(2026, 11, 20), Decimal(1)).id
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=VN))

    for outcome in (CheckinOutcome.IN_PROGRESS, CheckinOutcome.ON_TIME, CheckinOutcome.NOT_DONE, CheckinOutcome.LATE):
        for name, task_id in tasks.items():
            result = services.tasks.checkin(Actor.person(an), an, task_id, outcome)
            assert result.week == services.tasks.week(an), (outcome, name)
            assert result.task == services.tasks.get(an, task_id), (outcome, name)
            if outcome is CheckinOutcome.IN_PROGRESS:  # back to open for the next outcome
                continue
            services.tasks.checkin(Actor.person(an), an, task_id, CheckinOutcome.IN_PROGRESS)
        clock.set(clock.now() + timedelta(minutes=1))

    with pytest.raises(Refusal):
        services.tasks.checkin(Actor.person(an), an, theirs, CheckinOutcome.ON_TIME)
    services.tasks.cancel(Actor.person(an), an, tasks["friday"])
    with pytest.raises(Refusal):
        services.tasks.checkin(Actor.person(an), an, tasks["friday"], CheckinOutcome.ON_TIME)
