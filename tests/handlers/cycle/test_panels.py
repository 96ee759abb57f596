"""The panels of the monthly cycle — /tuannay and /baocaotuan, the self-assessment, the review card, the queue and
its bulk confirmation — as pure functions of real workflow views (read from the database, no Bot API server):
what each person reads at each state, and exactly which buttons, in their wire format, every one routed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from danhgia.chat.callbacks import Callback, unpack
from danhgia.chat.panel import Panel
from danhgia.handlers.review import panels as review
from danhgia.handlers.review.callbacks import Adjust, Approve, BulkConfirm, Details, Queue, Return
from danhgia.handlers.review.routes import routes as review_routes
from danhgia.handlers.selfassess import editor
from danhgia.handlers.selfassess.callbacks import Submit
from danhgia.handlers.selfassess.routes import routes as selfassess_routes
from danhgia.handlers.tasks import panels as tasks
from danhgia.handlers.tasks.callbacks import Add, Checkin, Task
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import ROSTER_ROWS, write_roster

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VI = "vi"


@pytest.fixture
def org(services: Services, tmp_path: Path) -> dict[str, int]:
    """The test roster imported and November open; staff code → person id."""
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    with services.db.uow() as uow:
        people = {p.staff_code: p.id or 0 for p in uow.people.all()}
        so = uow.units.get_by_code("SO")
        assert so is not None and so.id is not None
        unit = so.id
    services.periods.open(Actor.person(people["TC01"]), unit, "2026-11")
    return people


def choices(panel: Panel) -> list[Callback]:
    """Every button's data, unpacked (each must be well formed)."""
    found = [unpack(choice.data) for row in panel.keys for choice in row]
    assert all(data is not None for data in found), panel.keys
    return [data for data in found if data is not None]


def test_the_week_and_its_check_in(services: Services, org: dict[str, int]) -> None:
    an = Actor.person(org["CV01"])
    task = services.tasks.add(an, org["CV01"], "Báo cáo <quý>", date(2026, 11, 20), Decimal("1.5"))
    week = services.tasks.week(org["CV01"], date(2026, 11, 18))
    panel = tasks.week_panel(week, VI)
    assert "Báo cáo &lt;quý&gt;" in panel.text and "20/11" in panel.text  # typed text is escaped, never markup
    assert Add() in choices(panel) and Task(task.id, "20261116") in choices(panel)  # carries the week shown
    check = tasks.checkin_panel(week, tasks.next_to_report(week), VI)
    outcomes = [c for c in choices(check) if isinstance(c, Checkin)]
    assert {c.task_id for c in outcomes} == {task.id} and len(outcomes) >= 4
    services.tasks.checkin(an, org["CV01"], task.id, CheckinOutcome.ON_TIME)
    done = services.tasks.week(org["CV01"], date(2026, 11, 18))
    assert tasks.next_to_report(done) is None


def test_the_self_assessment_summary_and_the_card_it_brings(services: Services, org: dict[str, int]) -> None:
    an = Actor.person(org["CV01"])
    services.tasks.add(an, org["CV01"], "Báo cáo quý", date(2026, 11, 19), Decimal(1))
    view = services.self_assessment.open_self(org["CV01"])
    at_summary = services.self_assessment.go_to(org["CV01"], view.id, view.version, view.steps[-1])
    summary = editor.panel(at_summary, VI, TZ)
    assert "Tổng điểm" in summary.text
    submit = [c for c in choices(summary) if isinstance(c, Submit)]
    assert len(submit) == 1 and submit[0].assessment_id == view.id
    assert all(selfassess_routes.route_of(choice.data) for row in summary.keys for choice in row)
    current = services.self_assessment.open_self(org["CV01"])
    submitted = services.self_assessment.submit(org["CV01"], current.id, current.version)
    card = review.card_panel(services.assessments.view(submitted.id), VI, TZ, org["TP01"])
    assert "Lê Văn An" in card.text and "Tự chấm" in card.text
    assert choices(card) == [Approve(view.id), Adjust(view.id), Return(view.id), Details(view.id)]
    assert all(review_routes.route_of(choice.data) for row in card.keys for choice in row)
    decided = services.review.approve(Actor.person(org["TP01"]), view.id).view
    after = review.card_panel(decided, VI, TZ, org["TP01"])
    assert choices(after) == [Details(view.id)] and "Đã duyệt</b> bởi Nguyễn Thị Hoa" in after.text


def test_the_queue_and_its_bulk_confirmation_bind_the_list_shown(services: Services, org: dict[str, int]) -> None:
    for code in ("CV01", "CV02"):
        services.tasks.add(Actor.person(org[code]), org[code], "Báo cáo", date(2026, 11, 19), Decimal(1))
        view = services.self_assessment.open_self(org[code])
        services.self_assessment.submit(org[code], view.id, view.version)
    waiting = services.review.queue_for(org["TP01"])
    queue = review.queue_panel(waiting, VI)
    assert "Lê Văn An" in queue.text and "Phạm Thị Bình" in queue.text
    choice = services.review.bulk_candidates(org["TP01"])
    assert [v.person_name for v in choice.ready] == ["Lê Văn An", "Phạm Thị Bình"]
    confirm = review.bulk_panel(choice, VI)
    confirms = [c for c in choices(confirm) if isinstance(c, BulkConfirm)]
    assert len(confirms) == 1 and Queue() in choices(confirm)
    assert confirms[0].mark == choice.fingerprint  # the confirmation names exactly the list it shows
    assert all(review_routes.route_of(c.data) for row in confirm.keys for c in row)
