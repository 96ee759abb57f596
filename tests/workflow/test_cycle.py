"""The monthly cycle in the workflow layer: tasks, self-assessment, review decisions, closing with the quota,
reopening — every state change audited, every refusal leaving the record as it was."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.workflow import evaluation as ev
from danhgia.workflow.answers import Chosen, CriterionAnswer
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import ROSTER_ROWS, write_roster

HR = "TC01"


@pytest.fixture
def org(services: Services, tmp_path: Path) -> dict[str, int]:
    """The demo roster imported; staff code → person id."""
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    with services.db.uow() as uow:
        return {p.staff_code: p.id or 0 for p in uow.people.all()}


def actor(org: dict[str, int], code: str) -> Actor:
    return Actor.person(org[code])


def open_november(services: Services, org: dict[str, int]) -> None:
    with services.db.uow() as uow:
        so = uow.units.get_by_code("SO")
        assert so is not None and so.id is not None
        unit_id = so.id
    opened = services.periods.open(actor(org, HR), unit_id, "2026-11")
    assert {p.unit_code for p in opened} == {"SO", "TH", "CC"}


def plan(services: Services, org: dict[str, int], code: str, *tasks: tuple[str, date, str]) -> list[int]:
    ids = []
    for title, due, weight in tasks:
        ids.append(services.tasks.add(actor(org, code), org[code], title, due, Decimal(weight)).id)
    return ids


def submit(services: Services, org: dict[str, int], code: str) -> AssessmentView:
    view = services.self_assessment.open_self(org[code])
    return services.self_assessment.submit(org[code], view.id, view.version)


def test_a_task_reported_done_after_its_due_date_is_late_and_overdue_tasks_carry_over(
    services: Services, org: dict[str, int], clock: ManualClock
) -> None:
    an = org["CV01"]
    early, due_today = plan(
        services, org, "CV01", ("Báo cáo tuần", date(2026, 11, 18), "1"), ("Thẩm định hồ sơ", date(2026, 11, 20), "2")
    )
    week = services.tasks.week(an)
    assert [t.title for t in week.tasks] == ["Báo cáo tuần", "Thẩm định hồ sơ"]
    assert week.tasks[0].overdue and not week.tasks[1].overdue
    result = services.tasks.checkin(actor(org, "CV01"), an, early, CheckinOutcome.ON_TIME)
    assert result.auto_late and result.task.status == "done_late"
    assert [t.id for t in result.week.to_report] == [due_today]
    # Next week the unfinished task is still on the list, now overdue.
    clock.advance(timedelta(days=3))
    next_week = services.tasks.week(an)
    assert [t.title for t in next_week.tasks] == ["Thẩm định hồ sơ"] and next_week.tasks[0].overdue
    assert [t.id for t in next_week.to_report] == [due_today]


def test_task_input_is_checked_and_nobody_touches_anothers_task(services: Services, org: dict[str, int]) -> None:
    an = org["CV01"]
    with pytest.raises(Refusal, match="title_empty"):
        services.tasks.add(actor(org, "CV01"), an, "   ", date(2026, 11, 27))
    with pytest.raises(Refusal, match="title_too_long"):
        services.tasks.add(actor(org, "CV01"), an, "x" * 5000, date(2026, 11, 27))
    with pytest.raises(Refusal, match="weight_invalid"):
        services.tasks.add(actor(org, "CV01"), an, "Việc", date(2026, 11, 27), Decimal("-1"))
    with pytest.raises(Refusal, match="due_too_early"):
        services.tasks.add(actor(org, "CV01"), an, "Việc", date(2025, 1, 1))
    (task,) = plan(services, org, "CV01", ("Việc của An", date(2026, 11, 27), "1"))
    with pytest.raises(Refusal, match="not_found"):
        services.tasks.checkin(actor(org, "CV02"), org["CV02"], task, CheckinOutcome.ON_TIME)
    assert services.tasks.get(an, task).status == "open"


def test_self_assessment_needs_an_open_period_and_tasks(services: Services, org: dict[str, int]) -> None:
    with pytest.raises(Refusal, match="no_period"):
        services.self_assessment.open_self(org["CV01"])
    open_november(services, org)
    view = services.self_assessment.open_self(org["CV01"])
    assert view.state == "draft" and view.score_error == "no_tasks"
    with pytest.raises(Refusal, match="no_tasks"):
        services.self_assessment.submit(org["CV01"], view.id, view.version)


def test_drafts_are_saved_step_by_step_and_stale_taps_change_nothing(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    (task,) = plan(services, org, "CV01", ("Báo cáo tháng", date(2026, 11, 27), "1"))
    an = org["CV01"]
    services.tasks.checkin(actor(org, "CV01"), an, task, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(an)
    assert view.step == "crit:pham_chat"
    view = services.self_assessment.add_deduction(an, view.id, view.version, "pham_chat", "vi_pham_gio_giac")
    with pytest.raises(Refusal, match="stale"):  # a double tap on the old panel
        services.self_assessment.add_deduction(an, view.id, view.version - 1, "pham_chat", "vi_pham_gio_giac")
    view = services.self_assessment.set_note(an, view.id, view.version, "pham_chat", "Đi muộn ngày 12/11")
    with pytest.raises(Refusal, match="points_out_of_range"):
        services.self_assessment.set_points(an, view.id, view.version, "trach_nhiem", "11")
    with pytest.raises(Refusal, match="points_invalid"):
        services.self_assessment.set_points(an, view.id, view.version, "trach_nhiem", "mười")
    view = services.self_assessment.go_to(an, view.id, view.version, "summary")
    # Coming back later (a restart, another process) continues where the person was.
    again = services.self_assessment.open_self(an)
    assert again.step == "summary" and again.version == view.version
    assert again.own.criterion("pham_chat") == CriterionAnswer(
        deductions=(Chosen("vi_pham_gio_giac", 1),), note="Đi muộn ngày 12/11"
    )
    assert again.self_result is not None and again.self_result.total == Decimal("99.00")


def test_submit_approve_and_the_audit_log(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    (late,) = plan(services, org, "CV01", ("Báo cáo quý", date(2026, 11, 19), "1"))
    plan(services, org, "CV01", ("Thẩm định", date(2026, 11, 20), "1"))
    services.tasks.checkin(actor(org, "CV01"), org["CV01"], late, CheckinOutcome.LATE)
    view = services.self_assessment.open_self(org["CV01"])
    view = services.self_assessment.set_cause(
        org["CV01"], view.id, view.version, str(late), "Chờ số liệu của Sở Tài chính"
    )
    submitted = services.self_assessment.submit(org["CV01"], view.id, view.version)
    assert submitted.state == "submitted" and submitted.reviewer_name == "Nguyễn Thị Hoa"
    assert submitted.self_result is not None
    claim_lines = [line.reason for line in submitted.self_result.explanation if "Báo cáo quý" in line.reason]
    assert claim_lines == [
        "nhiệm vụ «Báo cáo quý» chậm tiến độ 1 lần do nguyên nhân khách quan "
        "(đã nêu, chờ lãnh đạo xác nhận): không trừ điểm"
    ]
    with services.db.uow() as uow:
        cards = uow.outbox.of_kind("review_card")
    assert [(m.person_id, m.payload) for m in cards] == [(org["TP01"], {"assessment_id": view.id})]
    with pytest.raises(Refusal, match="not_editable"):
        services.self_assessment.choose_full(org["CV01"], view.id, submitted.version, "pham_chat")
    with pytest.raises(Refusal, match="not_reviewer"):
        services.review.approve(actor(org, "TP02"), view.id)
    with pytest.raises(Refusal, match="own_assessment"):
        services.review.approve(actor(org, "CV01"), view.id)
    decided = services.review.approve(actor(org, "TP01"), view.id)
    assert decided.done and decided.view.state == "approved"
    assert decided.view.result is not None
    assert any("đã được xác nhận: không trừ điểm" in line.reason for line in decided.view.result.explanation)
    assert decided.view.decided_by_name == "Nguyễn Thị Hoa"
    again = services.review.approve(actor(org, "TP01"), view.id)
    assert not again.done  # a double tap decides nothing twice
    with services.db.uow() as uow:
        actions = [e.action for e in uow.audit.entries("assessment", str(view.id))]
    # the two refused attempts are in the log too
    assert actions == [
        "assessment.create",
        "assessment.submit",
        "assessment.refused",
        "assessment.refused",
        "assessment.approve",
    ]


def test_return_and_resubmit(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    plan(services, org, "CV02", ("Tổng hợp số liệu", date(2026, 11, 25), "1"))
    view = submit(services, org, "CV02")
    with pytest.raises(Refusal, match="reason_empty"):
        services.review.return_(actor(org, "TP01"), view.id, "   ")
    returned = services.review.return_(actor(org, "TP01"), view.id, "Bổ sung minh chứng việc tổng hợp")
    assert returned.view.state == "returned" and returned.view.decision_reason == "Bổ sung minh chứng việc tổng hợp"
    draft = services.self_assessment.open_self(org["CV02"])
    assert draft.id == view.id and draft.editable
    resubmitted = services.self_assessment.submit(org["CV02"], draft.id, draft.version)
    assert resubmitted.state == "submitted"


def test_adjustment_needs_a_reason_and_records_old_and_new(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    (faulty,) = plan(services, org, "CV01", ("Văn bản trả lời", date(2026, 11, 20), "1"))
    services.tasks.toggle_quality(actor(org, "CV01"), org["CV01"], faulty)
    services.tasks.checkin(actor(org, "CV01"), org["CV01"], faulty, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(org["CV01"])
    view = services.self_assessment.set_cause(org["CV01"], view.id, view.version, str(faulty), "Mẫu biểu thay đổi")
    view = services.self_assessment.submit(org["CV01"], view.id, view.version)
    assert view.self_result is not None and view.self_result.total == Decimal("100.00")
    hoa = actor(org, "TP01")
    services.review.adjust_start(hoa, view.id)
    services.review.adjust_points(hoa, view.id, "doi_moi", "7")
    adjusted = services.review.adjust_toggle_cause(hoa, view.id, str(faulty))
    preview = services.review.adjust_preview(adjusted.id)
    assert preview.total is not None and preview.total < Decimal("100")
    with pytest.raises(Refusal, match="reason_required"):
        services.review.adjust_confirm(hoa, view.id)
    services.review.adjust_reason(hoa, view.id, "Sai sót do chủ quan, chưa có đề xuất cải tiến")
    decided = services.review.adjust_confirm(hoa, view.id)
    assert decided.done and decided.view.decision == "adjusted"
    assert decided.view.result is not None and decided.view.result.total == preview.total
    with services.db.uow() as uow:
        entry = uow.audit.entries("assessment", str(view.id))[-1]
    assert entry.action == "assessment.adjust" and entry.reason == "Sai sót do chủ quan, chưa có đề xuất cải tiến"
    assert entry.old is not None and entry.old["total"] == "100.00"
    assert entry.new is not None and entry.new["total"] == str(preview.total)


def test_a_leaders_own_percentages_can_be_adjusted_but_a_staff_members_have_none(
    services: Services, org: dict[str, int]
) -> None:
    open_november(services, org)
    plan(services, org, "TP01", ("Kế hoạch của phòng", date(2026, 11, 20), "1"))
    plan(services, org, "CV02", ("Tổng hợp", date(2026, 11, 25), "1"))
    hoa = services.self_assessment.open_self(org["TP01"])
    hoa = services.self_assessment.set_leader_percent(org["TP01"], hoa.id, hoa.version, "to_chuc_thuc_hien", "100")
    hoa = services.self_assessment.submit(org["TP01"], hoa.id, hoa.version)
    head = actor(org, "GD01")
    services.review.adjust_start(head, hoa.id)
    for bad in ("101", "-1", "nhiều"):
        with pytest.raises(Refusal, match="percent_invalid"):
            services.review.adjust_leader_percent(head, hoa.id, "to_chuc_thuc_hien", bad)
    with pytest.raises(Refusal, match="unknown_choice"):  # computed from the unit, not given by anyone
        services.review.adjust_leader_percent(head, hoa.id, "ket_qua_don_vi", "50")
    adjusted = services.review.adjust_leader_percent(head, hoa.id, "to_chuc_thuc_hien", "40")
    assert adjusted.self_result is not None and adjusted.self_result.total is not None
    preview = services.review.adjust_preview(adjusted.id)
    assert preview.total == adjusted.self_result.total - Decimal("7.00")  # 60 % of 1/6 of 70 points
    services.review.adjust_reason(head, hoa.id, "Chậm triển khai kế hoạch quý")
    decided = services.review.adjust_confirm(head, hoa.id)
    assert decided.view.result is not None and decided.view.result.total == preview.total
    assert decided.view.own.leader["to_chuc_thuc_hien"] == 100  # her own answer is kept as she gave it
    binh = submit(services, org, "CV02")
    services.review.adjust_start(actor(org, "TP01"), binh.id)
    with pytest.raises(Refusal, match="unknown_choice"):
        services.review.adjust_leader_percent(actor(org, "TP01"), binh.id, "to_chuc_thuc_hien", "50")


def test_acting_reviewer_decides_on_the_leaders_behalf(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    plan(services, org, "CV02", ("Tổng hợp", date(2026, 11, 25), "1"))
    view = submit(services, org, "CV02")
    today = date(2026, 11, 20)
    with pytest.raises(Refusal, match="not_candidate"):
        services.delegations.create(actor(org, "TP01"), org["CV03"], today, today)  # CV03 is not linked here
    # Only linked people can act: link QT01 (same unit) through the workflow.
    from danhgia.storage.models import TelegramLink

    with services.db.uow() as uow:
        uow.links.add(TelegramLink(person_id=org["QT01"], telegram_user_id=9001, chat_id=9001))
        uow.commit()
    services.delegations.create(actor(org, "TP01"), org["QT01"], today, today + timedelta(days=3))
    decided = services.review.approve(actor(org, "QT01"), view.id)
    assert decided.done
    with services.db.uow() as uow:
        entry = uow.audit.entries("assessment", str(view.id))[-1]
    assert entry.actor_person_id == org["QT01"] and entry.on_behalf_of_person_id == org["TP01"]
    assert decided.view.decided_for_name == "Nguyễn Thị Hoa"


def test_closing_applies_the_quota_locks_and_reopening_is_audited(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    for code in ("CV01", "CV02"):
        (task,) = plan(services, org, code, ("Nhiệm vụ tháng", date(2026, 11, 20), "1"))
        services.tasks.checkin(actor(org, code), org[code], task, CheckinOutcome.ON_TIME)
        view = submit(services, org, code)
        assert view.self_result is not None and view.self_result.level is not None
        assert view.self_result.level.code == "HTXS"
        services.review.approve(actor(org, "TP01"), view.id)
    th = services.self_assessment.open_self(org["CV01"]).period
    with pytest.raises(Refusal, match="not_hr"):
        services.periods.close(actor(org, "CV01"), th.id)
    closed = services.periods.close(actor(org, HR), th.id)
    # Hoàn thành xuất sắc ≤ 20 % of those rated Hoàn thành tốt: in a unit of two, nobody keeps it.
    assert closed.closed and closed.locked == 2 and set(closed.demoted) == {"Lê Văn An", "Phạm Thị Bình"}
    assert set(closed.not_submitted) == {"Bùi Văn Hải", "Nguyễn Thị Hoa"}
    an = services.results.history(org["CV01"])[0]
    assert an.state == "locked" and an.level == "HTXS" and an.final_level == "HTT" and an.demoted
    after = services.self_assessment.open_self(org["CV01"])  # nothing open any more: the last record, to read
    assert after.id == an.assessment_id and after.state == "locked" and not after.editable
    assert an.result is not None and an.result["quota"]["explanation"]
    assert any(line["subject"] == "CV01" for line in an.result["quota"]["explanation"])
    assert not any("CV02" in str(line) for line in an.result["quota"]["explanation"])  # nothing of a colleague
    with services.db.uow() as uow:
        kinds = sorted(
            (m.kind, m.person_id) for m in uow.outbox.of_kind("final_result") + uow.outbox.of_kind("no_result")
        )
    assert kinds == sorted(
        [
            ("final_result", org["CV01"]),
            ("final_result", org["CV02"]),
            ("no_result", org["QT01"]),
            ("no_result", org["TP01"]),
        ]
    )
    with pytest.raises(Refusal, match="period_closed"):
        services.periods.close(actor(org, HR), th.id)
    with pytest.raises(Refusal, match="reason_empty"):
        services.review.reopen(actor(org, HR), an.assessment_id, "")
    reopened = services.review.reopen(actor(org, HR), an.assessment_id, "Khiếu nại về tỷ lệ")
    assert reopened.state == "reopened"
    with services.db.uow() as uow:
        entry = uow.audit.entries("assessment", str(an.assessment_id))[-1]
    assert entry.action == "assessment.reopen" and entry.reason == "Khiếu nại về tỷ lệ"
    assert entry.old is not None and entry.old["final_level"] == "HTT" and entry.new == {"state": "reopened"}
    relocked = services.review.approve(actor(org, "TP01"), an.assessment_id)
    assert relocked.view.state == "locked" and relocked.view.final_level == "HTT"  # the quota still holds


def test_people_tied_on_the_quota_line_are_left_to_hr(services: Services, tmp_path: Path) -> None:
    rows = [["TP09", "Trưởng phòng Chín", "P9", "Phòng Chín", "Trưởng phòng", "lanh_dao", "", ""]]
    rows += [
        [f"N{i}", f"Chuyên viên {i}", "P9", "Phòng Chín", "Chuyên viên", "nhan_vien", "TP09", ""] for i in range(8)
    ]
    rows += [["HR9", "Tổ chức Chín", "P9", "Phòng Chín", "Chuyên viên", "to_chuc", "TP09", ""]]
    services.roster.import_table(read_roster(write_roster(tmp_path / "p9.csv", rows)), Actor.cli("test"))
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        unit = uow.units.get_by_code("P9")
        assert unit is not None and unit.id is not None
        unit_id = unit.id
    (period,) = services.periods.open(Actor.person(ids["HR9"]), unit_id, "2026-11")
    for i in range(8):
        code = f"N{i}"
        (task,) = plan(services, ids, code, ("Việc", date(2026, 11, 20), "1"))
        services.tasks.checkin(Actor.person(ids[code]), ids[code], task, CheckinOutcome.ON_TIME)
        view = services.self_assessment.open_self(ids[code])
        if i >= 2:  # six people at 80 points (Hoàn thành tốt), two at 100 (Hoàn thành xuất sắc)
            view = services.self_assessment.set_points(ids[code], view.id, view.version, "doi_moi", "0")
            view = services.self_assessment.set_points(ids[code], view.id, view.version, "trach_nhiem", "0")
        view = services.self_assessment.submit(ids[code], view.id, view.version)
        services.review.approve(Actor.person(ids["TP09"]), view.id)
    outcome = services.periods.close(Actor.person(ids["HR9"]), period.id)
    assert not outcome.closed and outcome.tie is not None
    assert set(outcome.tie.staff_codes) == {"N0", "N1"} and outcome.tie.slots == 1
    assert services.periods.info(period.id).status == "open"  # nothing was locked
    closed = services.periods.close(Actor.person(ids["HR9"]), period.id, tie_winners=("N1",))
    assert closed.closed and closed.demoted == ("Chuyên viên 0",)


def test_closing_waits_for_pending_reviews(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    plan(services, org, "CV01", ("Việc", date(2026, 11, 20), "1"))
    view = submit(services, org, "CV01")
    outcome = services.periods.close(actor(org, HR), view.period.id)
    assert not outcome.closed and outcome.blockers == (("Lê Văn An", "submitted"),)


def test_a_leaders_unit_result_comes_from_the_people_reporting_to_them(services: Services, org: dict[str, int]) -> None:
    open_november(services, org)
    plan(services, org, "CV01", ("Việc", date(2026, 11, 20), "1"))
    plan(services, org, "TP01", ("Kế hoạch của phòng", date(2026, 11, 20), "1"))
    view = services.self_assessment.open_self(org["TP01"])
    assert view.is_leader and view.leader_provisional
    assert "leader:to_chuc_thuc_hien" in view.steps
    # An's level is "Không hoàn thành" (his only task not done): Hoa's unit criterion falls to 50 %.
    with services.db.uow() as uow:
        task_id = uow.tasks.in_range(org["CV01"], date(2026, 11, 1), date(2026, 11, 30))[0].id
    assert task_id is not None
    services.tasks.checkin(actor(org, "CV01"), org["CV01"], task_id, CheckinOutcome.NOT_DONE)
    an = services.self_assessment.open_self(org["CV01"])
    for code in ("pham_chat", "trach_nhiem", "doi_moi"):
        an = services.self_assessment.set_points(org["CV01"], an.id, an.version, code, "0")
    an = services.self_assessment.submit(org["CV01"], an.id, an.version)
    assert an.self_result is not None and an.self_result.level is not None and an.self_result.level.code == "KHT"
    hoa = services.self_assessment.open_self(org["TP01"])
    assert hoa.score_error == "leader_input_missing"
    hoa = services.self_assessment.set_leader_percent(org["TP01"], hoa.id, hoa.version, "to_chuc_thuc_hien", "100")
    assert hoa.self_result is not None
    assert any("50 %" in line.reason for line in hoa.self_result.explanation)


def test_a_decided_record_reads_the_result_that_was_decided(
    services: Services, org: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    open_november(services, org)
    plan(services, org, "CV01", ("Báo cáo quý", date(2026, 11, 19), "1"))
    view = submit(services, org, "CV01")
    decided = services.review.approve(actor(org, "TP01"), view.id).view
    assert decided.result is not None
    stored = services.assessments.view(view.id)
    assert stored.result == decided.result  # read back as the very result that was decided
    with services.db.uow() as uow:
        stored_json = uow.assessments.get(view.id).result  # type: ignore[union-attr]
    assert stored_json is not None and all(line["kind"] for line in stored_json["explanation"])
    # The view evaluates the person's own score only; the decided result is not computed again.
    calls: list[object] = []
    original = ev.evaluate_record
    monkeypatch.setattr(ev, "evaluate_record", lambda *a, **k: calls.append(a) or original(*a, **k))
    again = services.assessments.view(view.id)
    assert again.result == decided.result and len(calls) == 1
    # A result stored by an older version (lines without their kind) is evaluated again instead.
    with services.db.uow() as uow:
        record = uow.assessments.get(view.id)
        assert record is not None
        record.result = {**stored_json, "explanation": [{"text": "…"}]}
        uow.session.add(record)
        uow.commit()
    calls.clear()
    older = services.assessments.view(view.id)
    assert older.result is not None and older.result.total == decided.result.total and len(calls) == 2
