"""The Đà Nẵng model in the workflow: the 360° round, anonymity, the disclosure board and the council."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from danhgia.storage.db import make_engine
from danhgia.storage.models import TelegramLink
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services, WorkflowConfig
from tests.conftest import write_roster

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HEADER = ["ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren"]
WARD = [
    ["CT01", "Nguyễn Văn Chủ", "HP", "UBND phường Hòa Phát", "Chủ tịch", "lanh_dao,hoi_dong", ""],
    ["PCT01", "Trần Thị Phó", "HP", "UBND phường Hòa Phát", "Phó Chủ tịch", "lanh_dao", "CT01"],
    ["CC01", "Lê Văn Một", "HP", "UBND phường Hòa Phát", "Công chức Văn phòng - Thống kê", "nhan_vien", "PCT01"],
    ["CC02", "Phạm Thị Hai", "HP", "UBND phường Hòa Phát", "Công chức Tư pháp - Hộ tịch", "nhan_vien", "PCT01"],
    ["CC03", "Hoàng Văn Ba", "HP", "UBND phường Hòa Phát", "Công chức Địa chính - Xây dựng", "nhan_vien", "PCT01"],
    ["CC04", "Đỗ Thị Bốn", "HP", "UBND phường Hòa Phát", "Công chức Tài chính - Kế toán", "nhan_vien", "PCT01"],
    ["CC05", "Vũ Văn Năm", "HP", "UBND phường Hòa Phát", "Công chức Văn hóa - Xã hội", "nhan_vien,hoi_dong", "PCT01"],
    ["VP01", "Bùi Thị Sáu", "HP", "UBND phường Hòa Phát", "Công chức Nội vụ", "nhan_vien,to_chuc,hoi_dong", "PCT01"],
]
STAFF = ("CC01", "CC02", "CC03", "CC04", "CC05", "VP01")


@pytest.fixture
def ward(database_url: str, tmp_path: Path) -> tuple[Services, dict[str, int]]:
    """The ward's services on the Liên Chiểu regime, everyone linked, November 2026 open."""
    clock = ManualClock(datetime(2026, 11, 27, 9, 0, tzinfo=VN))
    config = WorkflowConfig(timezone=VN, invite_ttl=timedelta(days=14), regime_id="danang-lienchieu-2013")
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
    services.periods.open(Actor.person(ids["VP01"]), unit_id, "2026-11")
    yield services, ids
    services.db.dispose()


def rate_all(services: Services, rater: int, points: dict[str, str]) -> None:
    """A rater gives every colleague they must rate the same points per criterion (code → points)."""
    for task in services.ratings.todo(rater):
        view = task
        for code, value in points.items():
            view = services.ratings.points(rater, view.id, view.version, code, value)
        services.ratings.submit(rater, view.id, view.version)


def self_assess(services: Services, person: int, points: dict[str, str] | None = None) -> int:
    view = services.self_assessment.open_self(person)
    for code, value in (points or {}).items():
        view = services.self_assessment.set_points(person, view.id, view.version, code, value)
    return services.self_assessment.submit(person, view.id, view.version).id


def test_the_round_asks_each_person_to_rate_only_the_colleagues_the_model_names(
    ward: tuple[Services, dict[str, int]],
) -> None:
    services, ids = ward
    names = {row[0]: row[1] for row in WARD}
    one = {t.ratee_name: t.role for t in services.ratings.todo(ids["CC01"])}
    # a staff member rates the five other staff under the same leader, and their leader in secret
    assert one == {names[c]: "peer" for c in STAFF if c != "CC01"} | {names["PCT01"]: "subordinate"}
    deputy = {t.ratee_name: t.role for t in services.ratings.todo(ids["PCT01"])}
    assert deputy == {names[c]: "direct_leader" for c in STAFF} | {names["CT01"]: "subordinate"}
    chair = {t.ratee_name: t.role for t in services.ratings.todo(ids["CT01"])}
    assert chair == {names[c]: "higher_leader" for c in STAFF} | {names["PCT01"]: "direct_leader"}
    with services.db.uow() as uow:
        assert [m.person_id for m in uow.outbox.of_kind("rating_request")] == sorted(ids.values())
    other = services.ratings.todo(ids["CC02"])[0]
    with pytest.raises(Refusal, match="not_found"):  # nobody opens someone else's rating
        services.ratings.get(ids["CC01"], other.id)


def test_a_full_round_combines_the_parts_and_never_shows_an_individual_rating(
    ward: tuple[Services, dict[str, int]],
) -> None:
    services, ids = ward
    # Distinctive ratings: each peer gives CC01 a different total, none of which may appear anywhere.
    peer_points = {"CC02": "41.25", "CC03": "43.75", "CC04": "47.5", "CC05": "52.5", "VP01": "57.25"}
    for code, points in peer_points.items():
        for task in services.ratings.todo(ids[code]):
            view = services.ratings.points(ids[code], task.id, task.version, "ket_qua_cong_viec", points)
            services.ratings.submit(ids[code], view.id, view.version)
    for code in ("PCT01", "CT01", "CC01"):
        rate_all(services, ids[code], {"ket_qua_cong_viec": "55"})
    assessment = self_assess(services, ids["CC01"])
    services.review.approve(Actor.person(ids["PCT01"]), assessment)
    leader = self_assess(services, ids["PCT01"])
    services.review.approve(Actor.person(ids["CT01"]), leader)
    chair = self_assess(services, ids["CT01"])
    services.review.approve(Actor.person(ids["VP01"]), chair)
    # While the round is open, the decided result holds the self-assessment and the direct leader only.
    view = services.assessments.view(assessment)
    assert view.result is not None
    lines = [line.text for line in view.result.explanation]
    assert not any("chấm kín) cho trung bình" in line or "Cấp trên" in line for line in lines)
    assert any(line.startswith("Lãnh đạo trực tiếp chấm 95 điểm") for line in lines)
    assert any("vòng chấm kín chỉ được tính khi chốt kỳ" in line for line in lines)
    closed = services.periods.close(Actor.person(ids["VP01"]), view.period.id)
    assert closed.closed, closed
    view = services.assessments.view(assessment)
    assert view.result is not None and view.result.total is not None
    lines = [line.text for line in view.result.explanation]
    assert any("Đồng nghiệp (5 người, chấm kín) cho trung bình" in line for line in lines)
    assert any(line.startswith("Lãnh đạo trực tiếp chấm 95 điểm") for line in lines)
    assert not any("vòng chấm kín chỉ được tính khi chốt kỳ" in line for line in lines)
    for points in peer_points.values():  # no peer's own score, anywhere
        total = str(Decimal(points) + 40).replace(".", ",")
        assert not any(total in line for line in lines), total
    # "Tự chấm" stays the person's own score.
    assert view.self_result is not None and view.self_result.total == Decimal(100)
    # The leader's own staff rated them (six of them): an average only.
    leader_view = services.assessments.view(leader)
    assert leader_view.result is not None
    leader_lines = [line.text for line in leader_view.result.explanation]
    assert any("Cán bộ thuộc quyền (6 người, chấm kín)" in line for line in leader_lines)
    # The chair's own staff: one rater, left out, no number shown.
    chair_view = services.assessments.view(chair)
    assert chair_view.result is not None
    chair_lines = [line.text for line in chair_view.result.explanation]
    assert any("Cán bộ thuộc quyền: chưa đủ 3 người đánh giá" in line for line in chair_lines)
    with services.db.uow() as uow:
        stored = json.dumps([a.result for a in uow.assessments.in_period(view.period.id)], ensure_ascii=False)
        messages = json.dumps([m.payload for m in uow.outbox.of_kind("rating_request")], ensure_ascii=False)
    for points in peer_points.values():
        assert str(Decimal(points) + 40) not in stored and str(Decimal(points) + 40) not in messages


def test_the_board_after_closing_and_the_council_on_a_gap_and_a_contest(ward: tuple[Services, dict[str, int]]) -> None:
    services, ids = ward
    hr = Actor.person(ids["VP01"])
    with pytest.raises(Refusal, match="board_not_yet"):
        services.disclosure.board(ids["CC01"])
    # CC02 gives themselves full marks; their leader rates them far lower: a gap of at least 10 points.
    for task in services.ratings.todo(ids["PCT01"]):
        points = "30" if task.ratee_name == "Phạm Thị Hai" else "58"
        view = services.ratings.points(ids["PCT01"], task.id, task.version, "ket_qua_cong_viec", points)
        services.ratings.submit(ids["PCT01"], view.id, view.version)
    for code in (*STAFF, "CT01"):  # peers and the chair at full points: enough assessors for everyone
        rate_all(services, ids[code], {})
    records = {code: self_assess(services, ids[code]) for code in STAFF}
    for code in STAFF:
        services.review.approve(Actor.person(ids["PCT01"]), records[code])
    with services.db.uow() as uow:
        unit = uow.units.get_by_code("HP")
        assert unit is not None and unit.id is not None
        period_id = uow.periods.of_unit(unit.id, "2026-11").id  # type: ignore[union-attr]
    assert period_id is not None
    closed = services.periods.close(hr, period_id)
    assert closed.closed
    board = services.disclosure.board(ids["CC01"])
    assert board.unit_name == "UBND phường Hòa Phát" and board.period_label == "11/2026"
    rows = {row.name: row for row in board.rows}
    assert rows["Phạm Thị Hai"].self_total == Decimal("100.00")
    assert rows["Phạm Thị Hai"].total is not None and rows["Phạm Thị Hai"].total < Decimal("100")
    assert rows["Phạm Thị Hai"].quarter_average == rows["Phạm Thị Hai"].total
    # the council: the gap was flagged; two members change the level, with reasons
    cases = services.council.cases(ids["CT01"])
    assert [(c.person_name, c.kind) for c in cases] == [("Phạm Thị Hai", "gap")]
    with pytest.raises(Refusal, match="not_council"):
        services.council.cases(ids["CC01"])
    case = cases[0]
    with pytest.raises(Exception, match="reason_empty"):
        services.council.vote(ids["CT01"], case.id, "change", "HT", "")
    first = services.council.vote(ids["CT01"], case.id, "change", "HT", "Kết quả công việc chưa đạt yêu cầu")
    assert first.state == "open"
    decided = services.council.vote(ids["VP01"], case.id, "change", "HT", "Đồng ý với Chủ tịch")
    assert decided.state == "decided" and decided.new_level == "HT"
    with pytest.raises(Refusal, match="case_decided"):
        services.council.vote(ids["CC05"], case.id, "confirm", None, "")
    assert services.assessments.view(records["CC02"]).final_level == "HT"
    with services.db.uow() as uow:
        told = [m.person_id for m in uow.outbox.of_kind("council_decision")]
        actions = [e.action for e in uow.audit.entries("council_case", str(case.id))]
    assert told == [ids["CC02"]]
    assert actions == ["council.case", "council.vote", "council.vote", "council.decide"]
    # a contest within the days allowed, then none after them
    assert services.council.can_contest(ids["CC01"], records["CC01"]) is not None
    contest = services.council.contest(ids["CC01"], records["CC01"], "Tôi đã hoàn thành vượt kế hoạch tháng")
    assert contest.kind == "contest" and contest.reason == "Tôi đã hoàn thành vượt kế hoạch tháng"
    with pytest.raises(Refusal, match="already_contested"):
        services.council.contest(ids["CC01"], records["CC01"], "Lần nữa")
    services.clock.set(services.clock.now() + timedelta(days=6))  # type: ignore[attr-defined]
    with pytest.raises(Refusal, match="contest_too_late"):
        services.council.contest(ids["CC03"], records["CC03"], "Muộn rồi")
    # commendation: proposals by two members reach the quorum and the person is told once
    candidates = services.commendations.candidates(ids["CT01"])
    if candidates:
        top = candidates[0]
        assert services.commendations.propose(ids["CT01"], top.period_id, top.person_id)
        if top.person_id != ids["VP01"]:
            services.commendations.propose(ids["VP01"], top.period_id, top.person_id)
            with services.db.uow() as uow:
                assert [m.person_id for m in uow.outbox.of_kind("commended")] == [top.person_id]
