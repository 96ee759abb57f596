"""The Đà Nẵng model's safeguards: a result from too few assessors goes to the council and HR at closing; a case
the council cannot decide (too few members may vote, one steps aside) is told to HR; cases have a deadline;
the board marks results still before the council; HR sees the round's progress as counts, raters are reminded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from danhgia.storage.db import make_engine
from danhgia.storage.models import TelegramLink
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.council import CouncilSettings
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services, WorkflowConfig
from tests.conftest import write_roster
from tests.workflow.test_council import HEADER, STAFF, WARD, rate_all, self_assess

VN = ZoneInfo("Asia/Ho_Chi_Minh")
Ward = tuple[Services, dict[str, int], int]


def build(database_url: str, tmp_path: Path, council: CouncilSettings) -> Ward:
    """The ward of eight on the Liên Chiểu regime, everyone linked, November open."""
    clock = ManualClock(datetime(2026, 11, 27, 9, 0, tzinfo=VN))
    config = WorkflowConfig(
        timezone=VN, invite_ttl=timedelta(days=14), regime_id="danang-lienchieu-2013", council=council
    )
    services = Services(Database(make_engine(database_url)), config, clock)
    services.roster.import_table(read_roster(write_roster(tmp_path / "w.csv", WARD, HEADER)), Actor.cli("test"))
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        for pid in ids.values():
            uow.links.add(TelegramLink(person_id=pid, telegram_user_id=50_000 + pid, chat_id=50_000 + pid))
        unit = uow.units.get_by_code("HP")
        assert unit is not None and unit.id is not None
        unit_id = unit.id
        uow.commit()
    (info,) = services.periods.open(Actor.person(ids["VP01"]), unit_id, "2026-11")
    return services, ids, info.id


@pytest.fixture
def ward(database_url: str, tmp_path: Path) -> Iterator[Ward]:
    built = build(database_url, tmp_path, CouncilSettings(quorum=2))
    yield built
    built[0].db.dispose()


def outbox(services: Services, kind: str) -> list[tuple[int, dict[str, object]]]:
    with services.db.uow() as uow:
        return [(m.person_id, dict(m.payload)) for m in uow.outbox.of_kind(kind)]


def everyone_approved(services: Services, ids: dict[str, int], *, rated: bool = True) -> dict[str, int]:
    """Everyone rates everyone they are asked to (unless not `rated`), self-assesses and is approved."""
    if rated:
        for code in (*STAFF, "PCT01", "CT01"):
            rate_all(services, ids[code], {"ket_qua_cong_viec": "55"})
    records = {code: self_assess(services, ids[code]) for code in STAFF}
    for record in records.values():
        services.review.approve(Actor.person(ids["PCT01"]), record)
    return records


def test_too_few_assessors_goes_to_the_council_and_hr_at_closing(ward: Ward) -> None:
    services, ids, period = ward
    # Five peers rate everyone but CC01, who gets two peers' ratings (left out) and their leader's decision.
    for code in STAFF:
        for task in services.ratings.todo(ids[code]):
            if task.ratee_name == "Lê Văn Một" and code not in ("CC02", "CC03"):
                continue
            view = services.ratings.points(ids[code], task.id, task.version, "ket_qua_cong_viec", "50")
            services.ratings.submit(ids[code], view.id, view.version)
    records = everyone_approved(services, ids, rated=False)
    closed = services.periods.close(Actor.person(ids["VP01"]), period)
    assert closed.closed
    assert ("Lê Văn Một", "raters") in closed.flagged
    assert all(name == "Lê Văn Một" for name, kind in closed.flagged if kind == "raters")
    (case,) = [c for c in services.council.cases(ids["CT01"]) if c.kind == "raters"]
    assert case.assessment_id == records["CC01"]
    # The council (and HR) read whose part was left out and why; the person reads only that it is reviewed.
    assert case.facts["message"] == (
        "Chỉ 2 người chấm được tính, dưới mức tối thiểu 4 người: không tính phần Đồng nghiệp (2 người, chưa đủ 3)"
    )
    mine = services.results.entry(ids["CC01"], records["CC01"])
    lines = [line["text"] for line in (mine.result or {})["explanation"]]
    assert any(line.startswith("Số người chấm được tính dưới mức tối thiểu 4 người") for line in lines)
    assert not any("Chỉ 2 người" in line for line in lines)


def test_a_case_the_council_cannot_decide_is_told_to_hr_and_a_member_may_step_aside(ward: Ward) -> None:
    services, ids, period = ward
    records = everyone_approved(services, ids)
    services.periods.close(Actor.person(ids["VP01"]), period)
    # CC05 (a council member) contests: CT01 and VP01 may vote, the quorum of two can still be reached.
    contest = services.council.contest(ids["CC05"], records["CC05"], "Tôi đã hoàn thành vượt kế hoạch")
    assert contest.eligible == 2 and not contest.short
    assert outbox(services, "council_short") == []
    # VP01 steps aside (they rated CC05 as a peer): only CT01 remains, HR is told at once.
    with pytest.raises(Exception, match="reason_empty"):
        services.council.step_aside(ids["VP01"], contest.id, "  ")
    aside = services.council.step_aside(ids["VP01"], contest.id, "Tôi là đồng nghiệp chấm điểm trực tiếp")
    assert aside.eligible == 1 and aside.short
    assert [(p, m["eligible"]) for p, m in outbox(services, "council_short")] == [(ids["VP01"], 1)]
    # A member who stepped aside has no vote that counts; CT01's single vote cannot decide.
    voted = services.council.vote(ids["CT01"], contest.id, "confirm", None, "")
    assert voted.state == "open" and len(voted.ballots) == 1
    # Changing one's mind: VP01 votes after all, and the quorum is reached.
    decided = services.council.vote(ids["VP01"], contest.id, "confirm", None, "")
    assert decided.state == "decided"
    with pytest.raises(Refusal, match="case_decided"):
        services.council.step_aside(ids["CT01"], contest.id, "Muộn rồi")
    with pytest.raises(Refusal, match="own_case"):
        services.council.step_aside(ids["CC05"], contest.id, "Của tôi")


def test_a_quorum_larger_than_the_members_who_may_vote_is_told_to_hr_when_the_case_opens(
    database_url: str, tmp_path: Path
) -> None:
    services, ids, period = build(database_url, tmp_path, CouncilSettings(quorum=3))
    try:
        records = everyone_approved(services, ids)
        services.periods.close(Actor.person(ids["VP01"]), period)
        case = services.council.contest(ids["CC05"], records["CC05"], "Đề nghị xem xét lại")
        assert case.short and case.eligible == 2 and case.quorum == 3
        told = [
            (p, m["eligible"], m["quorum"]) for p, m in outbox(services, "council_short") if m["case_id"] == case.id
        ]
        assert told == [(ids["VP01"], 2, 3)]
    finally:
        services.db.dispose()


def test_cases_have_a_deadline_and_hr_is_told_once_it_has_passed(ward: Ward) -> None:
    services, ids, period = ward
    records = everyone_approved(services, ids)
    services.periods.close(Actor.person(ids["VP01"]), period)
    case = services.council.contest(ids["CC01"], records["CC01"], "Đề nghị xem xét lại")
    assert case.deadline == date(2026, 11, 27) + timedelta(days=10)
    kinds = {p.kind for p in services.reminders.plan(date(2026, 12, 7))}
    assert "council_overdue" not in kinds  # the deadline itself: still in time
    overdue = [p for p in services.reminders.plan(date(2026, 12, 8)) if p.kind == "council_overdue"]
    assert [(p.person_id, p.payload["case_id"]) for p in overdue] == [(ids["VP01"], case.id)]
    services.council.vote(ids["CT01"], case.id, "confirm", None, "")
    services.council.vote(ids["VP01"], case.id, "confirm", None, "")
    assert not [p for p in services.reminders.plan(date(2026, 12, 8)) if p.kind == "council_overdue"]


def test_the_board_marks_a_result_still_before_the_council(ward: Ward) -> None:
    services, ids, period = ward
    records = everyone_approved(services, ids)
    services.periods.close(Actor.person(ids["VP01"]), period)
    case = services.council.contest(ids["CC02"], records["CC02"], "Đề nghị xem xét lại")
    rows = {row.name: row for row in services.disclosure.board(ids["CC01"]).rows}
    assert rows["Phạm Thị Hai"].under_review and not rows["Lê Văn Một"].under_review
    services.council.vote(ids["CT01"], case.id, "change", "HTT", "Chưa đủ minh chứng")
    services.council.vote(ids["VP01"], case.id, "change", "HTT", "Đồng ý")
    rows = {row.name: row for row in services.disclosure.board(ids["CC01"]).rows}
    assert not rows["Phạm Thị Hai"].under_review and rows["Phạm Thị Hai"].level == "Hoàn thành tốt"


def test_hr_sees_the_rounds_progress_as_counts_and_raters_are_reminded(ward: Ward) -> None:
    services, ids, _period = ward
    rate_all(services, ids["CC01"], {"ket_qua_cong_viec": "55"})
    (row,) = [r for r in services.periods.overview(Actor.person(ids["VP01"]), "2026-11") if r.unit_code == "HP"]
    assert row.ratings_asked > row.ratings_sent == 6
    behind = dict(row.raters_behind)
    assert "Lê Văn Một" not in behind and behind["Phạm Thị Hai"] == 6 and behind["Trần Thị Phó"] == 7
    # The window opens on 27/11 (the 2nd-last working day of November): each rater still owing is reminded.
    reminders = [p for p in services.reminders.plan(date(2026, 11, 27)) if p.kind == "remind_rating"]
    owed = {p.person_id: p.payload["count"] for p in reminders}
    assert ids["CC01"] not in owed and owed[ids["CC02"]] == 6 and owed[ids["PCT01"]] == 7
    # The digest holds counts only.
    (digest, *_) = [p for p in services.reminders.plan(date(2026, 11, 27)) if p.kind == "hr_digest"]
    (unit,) = digest.payload["units"]
    assert (unit["ratings_sent"], unit["ratings_asked"]) == (6, row.ratings_asked)
