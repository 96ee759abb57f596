"""The reminders' panels without the Bot API server: /tamdung's panel (no pause, a running one, a planned one) and
its typed question, HR's digest table, and the reminder notices with the buttons they carry — in the wire
format, /tamdung's buttons unpacking back to their typed data and forged data to None."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from danhgia.chat.callbacks import unpack
from danhgia.chat.panel import Panel
from danhgia.handlers.reminders.callbacks import OpenSnooze, Resume, SnoozeFor, TypeRange
from danhgia.handlers.reminders.panels import (
    DIGEST_UNITS,
    checkin_notice,
    digest_notice,
    digest_table,
    escalation_notice,
    plan_notice,
    range_question,
    review_notice,
    self_notice,
    snooze_panel,
    unreachable_notice,
)
from danhgia.texts import Html
from danhgia.workflow.absence import SnoozeView
from danhgia.workflow.tasks import TaskView, WeekView

LANG = "vi"
TODAY = date(2026, 11, 20)  # a Friday
MONDAY, SUNDAY = date(2026, 11, 16), date(2026, 11, 22)


def labels(panel: Panel) -> list[list[str]]:
    return [[choice.label for choice in row] for row in panel.keys]


def data(panel: Panel) -> list[str | None]:
    return [choice.data for choice in panel.choices()]


def task(reported: bool) -> TaskView:
    return TaskView(
        id=1,
        title="Soạn báo cáo tuần",
        due_on=TODAY,
        weight=Decimal(1),
        status="open",
        progress="",
        quality_problem=False,
        note="",
        completed_on=None,
        overdue=False,
        reported_this_week=reported,
    )


# -- /tamdung ---------------------------------------------------------------------------------------------------------


def test_the_snooze_panel_without_a_pause_offers_the_usual_lengths() -> None:
    panel = snooze_panel(None, TODAY, LANG)
    assert "Tạm dừng nhắc việc hằng tuần" in panel.text
    assert "Hiện bạn đang nhận nhắc nhở bình thường." in panel.text
    assert labels(panel) == [
        ["1 tuần (đến 26/11)", "2 tuần (đến 03/12)"],
        ["Đến cuối tháng (30/11)"],
        ["📅 Gõ khoảng ngày khác"],
    ]
    assert data(panel) == ["v1:rm:s:w1", "v1:rm:s:w2", "v1:rm:s:me", "v1:rm:r"]


def test_a_running_or_planned_pause_is_shown_with_resume_and_a_note_on_top() -> None:
    running = SnoozeView(3, TODAY, date(2026, 11, 26))
    note = Html("✅ Đã tạm dừng")
    panel = snooze_panel(running, TODAY, LANG, note)
    assert panel.text.startswith("✅ Đã tạm dừng\n\n")
    assert "Đang tạm dừng: <b>20/11/2026 – 26/11/2026</b>." in panel.text
    assert labels(panel)[-1] == ["🔔 Nhắc lại từ bây giờ"] and data(panel)[-1] == "v1:rm:u"
    planned = snooze_panel(SnoozeView(4, date(2026, 11, 30), date(2026, 12, 4)), TODAY, LANG)
    assert "Đã hẹn tạm dừng: <b>30/11/2026 – 04/12/2026</b>." in planned.text


def test_the_typed_range_question_goes_back_to_the_panel() -> None:
    question = range_question(LANG)
    assert "Gõ khoảng ngày tạm dừng" in question.text
    assert labels(question) == [["◀ Quay lại"]] and data(question) == ["v1:rm:p"]


@pytest.mark.parametrize(
    ("wire", "typed"),
    [("v1:rm:p", OpenSnooze()), ("v1:rm:s:w2", SnoozeFor("w2")), ("v1:rm:r", TypeRange()), ("v1:rm:u", Resume())],
)
def test_snooze_buttons_keep_their_wire_format(wire: str, typed: Any) -> None:
    assert typed.pack() == wire
    assert unpack(wire) == typed


@pytest.mark.parametrize("forged", ["v1:rm:p:1", "v1:rm:s", "v1:rm:s:w1:x", "v1:rm:zz", "v1:rm:u:1"])
def test_forged_snooze_data_unpacks_to_nothing(forged: str) -> None:
    assert unpack(forged) is None


# -- HR's digest --------------------------------------------------------------------------------------------------


def unit(name: str, submitted: int, pending: int, missing: int, overdue: int, **more: int) -> dict[str, Any]:
    row = {"unit": name, "submitted": submitted, "pending_review": pending, "not_submitted": missing}
    return {**row, "overdue": overdue, **more}


def test_the_digest_table_is_monospace_with_a_total_line() -> None:
    units = [unit("Phòng Công chức, viên chức", 3, 1, 2, 0), unit("Văn phòng", 1, 0, 4, 4)]
    table = digest_table(units, LANG)
    assert table == (
        "<pre>"
        "Đơn vị            Nộp  Chờ Chưa  Trễ\n"
        "Phòng Công chức…    3    1    2    0\n"
        "Văn phòng           1    0    4    4\n"
        "Tổng                4    1    6    4"
        "</pre>"
    )


def test_a_long_digest_is_cut_and_says_how_many_units_are_left() -> None:
    units = [unit(f"Đơn vị {n}", 1, 0, 0, 0) for n in range(DIGEST_UNITS + 5)]
    table = digest_table(units, LANG)
    assert table.count("\n") == DIGEST_UNITS + 2  # header, rows, total, then the line below the table
    assert f"Tổng               {DIGEST_UNITS + 5}" in table
    assert table.endswith("… và 5 đơn vị khác (xem trong /kydanhgia).")


def test_the_digest_notice_counts_the_360_round_and_opens_the_period_overview() -> None:
    units = [unit("Văn phòng", 1, 0, 4, 0, ratings_sent=3, ratings_asked=8)]
    on, deadline, closing = date(2026, 11, 27), date(2026, 12, 3), date(2026, 12, 9)
    panel = digest_notice("11/2026", on, deadline, closing, units, False, LANG)
    assert panel.text.startswith("📊 <b>Tình hình đánh giá kỳ 11/2026</b> — 27/11/2026\n")
    assert "Hạn tự đánh giá 03/12/2026 · chốt kỳ 09/12/2026" in panel.text
    assert "🔒 Đánh giá chéo: 3/8 phần chấm đã gửi" in panel.text
    assert labels(panel) == [["📋 Mở bảng kỳ đánh giá"]] and data(panel) == ["v1:pd:ov:0"]
    previous = digest_notice("10/2026", on, deadline, closing, [unit("Văn phòng", 1, 0, 0, 0)], True, LANG)
    assert data(previous) == ["v1:pd:ov:1"] and "Đánh giá chéo" not in previous.text


# -- the reminder notices -----------------------------------------------------------------------------------------


def test_the_weekly_prompts_open_the_week_or_the_check_in_and_offer_a_pause() -> None:
    empty = WeekView(MONDAY, SUNDAY, TODAY, ())
    plan = plan_notice(empty, LANG)
    assert plan.text.startswith("🗓 <b>Tuần mới 16/11 – 22/11/2026</b>\nHãy lập kế hoạch")
    assert data(plan) == ["v1:tk:wk:0", "v1:rm:p"]
    assert "Tuần này bạn đã có 1 việc" in plan_notice(WeekView(MONDAY, SUNDAY, TODAY, (task(False),)), LANG).text
    nothing_yet = checkin_notice(empty, LANG)
    assert "Tuần này bạn chưa ghi công việc nào" in nothing_yet.text
    assert labels(nothing_yet) == [["🗓 Ghi công việc tuần"], ["🔕 Tạm dừng nhắc"]]
    assert data(nothing_yet) == ["v1:tk:wk:0", "v1:rm:p"]
    to_report = checkin_notice(WeekView(MONDAY, SUNDAY, TODAY, (task(False), task(True))), LANG)
    assert "Bạn còn 1 việc chưa cập nhật kết quả tuần này" in to_report.text
    assert labels(to_report) == [["📝 Báo cáo tuần"], ["🔕 Tạm dừng nhắc"]]
    assert data(to_report) == ["v1:ci:go", "v1:rm:p"]


def test_the_self_assessment_reminder_by_step_and_after_a_return() -> None:
    deadline = date(2026, 12, 3)
    opening = self_notice("11/2026", deadline, 5, "open", False, LANG)
    assert opening.text == (
        "📝 <b>Đã đến kỳ tự đánh giá 11/2026</b>\nHạn nộp: <b>03/12/2026</b> (còn 5 ngày làm việc, tính cả hôm nay)."
    )
    assert labels(opening) == [["📝 Tự đánh giá"]] and data(opening) == ["v1:sa:open"]
    again = self_notice("11/2026", deadline, 2, "d1", True, LANG)
    assert "Bạn chưa nộp bản tự đánh giá kỳ 11/2026" in again.text and "đã bị trả lại" in again.text
    assert labels(again) == [["📝 Sửa và nộp lại"]] and data(again) == ["v1:sa:open"]
    assert "Hôm nay là hạn cuối" in self_notice("11/2026", deadline, 3, "d0", False, LANG).text
    assert "Hôm nay là hạn cuối" in self_notice("11/2026", deadline, 1, "d3", False, LANG).text


def test_the_review_nudge_the_escalation_and_the_unreachable_notice() -> None:
    deadline = date(2026, 12, 7)
    nudge = review_notice(2, "11/2026", deadline, 2, LANG)
    assert "2 bản tự đánh giá kỳ 11/2026 đang chờ bạn duyệt" in nudge.text and "còn 2 ngày làm việc" in nudge.text
    assert data(nudge) == ["v1:rv:q"]
    assert "Hôm nay (07/12/2026) là hạn cuối để duyệt" in review_notice(1, "11/2026", deadline, 1, LANG).text
    rows = [{"reviewer": "Nguyễn Thị Hoa", "people": ["Lê Văn An", "Bùi Văn Hải"]}]
    escalation = escalation_notice("11/2026", deadline, rows, LANG)
    assert "Quá hạn duyệt kỳ 11/2026</b> (hạn 07/12/2026)" in escalation.text
    assert "• <b>Nguyễn Thị Hoa</b> (2): Lê Văn An, Bùi Văn Hải" in escalation.text
    assert escalation.keys == ()
    blocked = unreachable_notice("Lê Văn An", "CV01", LANG)
    assert blocked.text.startswith("🚫 <b>Lê Văn An</b> (CV01) đã chặn bot") and blocked.keys == ()
