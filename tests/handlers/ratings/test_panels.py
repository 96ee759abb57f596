"""The 360° round's panels without the Bot API server: whom a rater must rate, a criterion step, the summary,
and the read-only and submitted panels; every button's data in the wire format, forged data unpacking to None.
Nothing on a panel tells a rater anything about anyone else's rating."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from danhgia.chat.callbacks import Callback, unpack
from danhgia.chat.panel import Panel
from danhgia.handlers.ratings.callbacks import (
    FEATURE,
    Deduct,
    Full,
    GoTo,
    OpenRating,
    RatingList,
    ShowRating,
    Submit,
    TypePoints,
)
from danhgia.handlers.ratings.panels import list_panel, nothing_text, panel, points_panel, submitted_panel
from danhgia.texts import t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.ratings import SUBMITTED, RatingTask

LANG = "vi"
REGIME = ev.regime_of("danang-2013")
CODES = [c.code for c in REGIME.criteria]


def task(**changes: Any) -> RatingTask:
    """A pending peer rating of Hoàng Văn Ba at its first step."""
    found = RatingTask(
        id=41,
        version=3,
        ratee_name="Hoàng Văn Ba",
        ratee_position="Công chức Địa chính",
        role="peer",
        state="pending",
        period_label="11/2026",
        step=0,
        criteria={code: {} for code in CODES},
        regime=REGIME,
        period_id=5,
    )
    return dataclasses.replace(found, **changes)


def data(shown: Panel) -> list[Callback | None]:
    """Every choice's data, unpacked."""
    return [unpack(choice.data) for choice in shown.choices()]


def test_the_list_groups_whom_to_rate_and_says_what_is_secret() -> None:
    tasks = [
        task(),
        task(id=42, ratee_name="Phạm Thị Hai", state=SUBMITTED),
        task(id=43, ratee_name="Trần Thị Phó", ratee_position="Phó Chủ tịch", role="direct_leader"),
    ]
    shown = list_panel(tasks, LANG)
    assert shown.text.startswith("🔒 <b>Đánh giá chéo kỳ 11/2026</b>")
    assert "Bạn cần chấm <b>3</b> người; đã gửi 1." in shown.text
    assert "<b>Đồng nghiệp (chấm kín)</b>" in shown.text  # peers rate in secret
    assert "⬜ Hoàng Văn Ba — Công chức Địa chính" in shown.text and "✅ Phạm Thị Hai" in shown.text
    assert "ít nhất 3 người" in shown.text  # the regime's min_raters
    assert t("ratings.leader_note", LANG)[:20] in shown.text
    # the pending ones first, one button each
    assert data(shown) == [OpenRating(41), OpenRating(43), OpenRating(42)]
    assert [c.label for c in shown.choices()] == ["⬜ Hoàng Văn Ba", "⬜ Trần Thị Phó", "✅ Phạm Thị Hai"]
    assert shown.choices()[0].data == "v1:dc:o:41"


def test_everyone_rated_and_nobody_to_rate() -> None:
    shown = list_panel([task(state=SUBMITTED)], LANG)
    assert "✅ Bạn đã chấm xong cả 1 người. Cảm ơn bạn!" in shown.text
    assert nothing_text("not_used", LANG) != nothing_text("no_period", LANG) != nothing_text("open", LANG)


def test_a_criterion_step_offers_full_points_typed_points_each_deduction_and_the_way_on() -> None:
    criterion = REGIME.criteria[0]
    shown = panel(task(criteria={CODES[0]: {"deductions": [{"code": "chua_dat_chat_luong", "count": 1}]}}), LANG)
    assert f"🔒 <b>Chấm điểm: Hoàng Văn Ba</b> · bước 1/{len(CODES) + 1}" in shown.text
    assert "Công chức Địa chính · Đồng nghiệp (chấm kín)" in shown.text
    assert "bạn chấm: <b>67 điểm</b>" in shown.text and "×1: −3 điểm" in shown.text
    deductions = [Deduct(41, 3, 0, n) for n in range(len(criterion.deductions))]
    assert data(shown) == [
        Full(41, 3, 0),
        TypePoints(41, 3, 0),
        *deductions,
        GoTo(41, 3, 1),
        GoTo(41, 3, len(CODES)),
        RatingList(),
    ]
    assert [c.data for c in shown.choices()[:3]] == ["v1:dc:f:41:3:0", "v1:dc:p:41:3:0", "v1:dc:d:41:3:0:0"]
    assert shown.choices()[-3].label == "Tiếp ▶" and shown.choices()[-2].label == "📊 Xem tổng hợp"
    middle = panel(task(step=1), LANG)
    assert [d for d in data(middle) if isinstance(d, GoTo)] == [GoTo(41, 3, 0), GoTo(41, 3, 2), GoTo(41, 3, len(CODES))]


def test_a_note_goes_above_the_step_and_a_step_out_of_range_starts_again() -> None:
    assert panel(task(), LANG, t_html("ratings.walk.saved_line", LANG)).text.startswith("✅ Đã lưu.\n\n")
    assert "bước 1/" in panel(task(step=99), LANG).text


def test_the_summary_shows_the_raters_own_total_and_submit() -> None:
    shown = panel(task(step=len(CODES), criteria={CODES[0]: {"points": "50"}}), LANG)
    assert "📊 <b>Tổng hợp phần chấm cho Hoàng Văn Ba</b> (kỳ 11/2026)" in shown.text
    assert "Tổng: <b>80/100</b> điểm" in shown.text
    assert "chỉ được tính vào điểm trung bình của ít nhất 3 người" in shown.text
    assert data(shown) == [
        Submit(41, 3),
        *(GoTo(41, 3, n) for n in range(len(CODES))),
        GoTo(41, 3, len(CODES) - 1),
        RatingList(),
    ]
    assert shown.choices()[0].data == "v1:dc:s:41:3"
    leader = panel(task(step=len(CODES), role="direct_leader"), LANG)
    assert "Điểm này được tính là điểm của lãnh đạo trực tiếp trong kết quả của Hoàng Văn Ba." in leader.text
    assert "trung bình" not in leader.text


def test_a_sent_or_closed_rating_is_read_only_and_shows_no_points() -> None:
    sent = panel(task(state=SUBMITTED, criteria={CODES[0]: {"points": "50"}}), LANG)
    assert "đã khóa" in sent.text and "50" not in sent.text and data(sent) == [RatingList()]
    closed = panel(task(period_open=False), LANG)
    assert "đã chốt" in closed.text and data(closed) == [RatingList()]


def test_after_submit_the_next_one_to_rate() -> None:
    sent = task(state=SUBMITTED)
    shown = submitted_panel(sent, [sent, task(id=44, ratee_name="Lê Thị Bốn")], LANG)
    assert "Còn 1 người cần chấm." in shown.text
    assert data(shown) == [OpenRating(44), RatingList()]
    assert data(submitted_panel(sent, [sent], LANG)) == [RatingList()]


def test_the_points_question_goes_back_to_the_rating() -> None:
    shown = points_panel(task(), REGIME.criteria[0], LANG)
    assert "từ 0 đến 70" in shown.text and data(shown) == [ShowRating(41)]


@pytest.mark.parametrize(
    "forged",
    [
        "v1:dc:zz",
        "v1:dc:o:abc",
        "v1:dc:o:41:1",
        "v1:dc:ls:1",
        "v1:dc:go:41:3",
        "v1:dc:f:41:x:0",
        "v1:dc:d:41:3:0",
        "v1:dc:s:41:3:" + "9" * 40,
        "v1:dc:s:41:" + "9" * 40,
        "v1:dc:p:41:3:0:1",
        "v1:dg:ls",
        "",
    ],
)
def test_forged_rating_data_unpacks_to_nothing(forged: str) -> None:
    assert unpack(forged, FEATURE) is None
