"""The /kydanhgia panels as pure functions of workflow views, without a Bot API server: what each shows, the exact
callback data of its buttons, and forged callback data unpacking to nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from danhgia.chat.callbacks import unpack
from danhgia.chat.panel import Panel
from danhgia.handlers.periods import panels
from danhgia.handlers.periods.callbacks import (
    FEATURE,
    AskClose,
    Close,
    CloseWithTie,
    MarkExceptional,
    OpenUnit,
    Overview,
    PickTie,
    Reopen,
    ReopenList,
    ShowUnit,
    read_choices,
    write_choices,
)
from danhgia.handlers.periods.routes import routes
from danhgia.scoring.loader import DEFAULT_REGIME_ID
from danhgia.texts import Html
from danhgia.workflow.assessments import PeriodInfo
from danhgia.workflow.closing_tree import TreeOutcome, TreePreview
from danhgia.workflow.periods import CloseOutcome, Closing, PersonStatus, TieChoice, UnitStatus
from danhgia.workflow.quota import GROUP_STAFF

VI = "vi"
NOVEMBER = PeriodInfo(
    id=41,
    key="2026-11",
    label="11/2026",
    unit_id=7,
    unit_code="TH",
    unit_name="Phòng Tổng hợp",
    status="open",
    regime_id=DEFAULT_REGIME_ID,
    starts_on=date(2026, 11, 1),
    ends_on=date(2026, 11, 30),
    exceptional=False,
)


def data_of(panel: Panel) -> dict[str, str]:
    """Button label → callback data."""
    return {choice.label: choice.data or "" for choice in panel.choices()}


def unit(unit_id: int, code: str, name: str, depth: int, period: PeriodInfo | None, **counts: int) -> UnitStatus:
    values = {"not_started": 0, "drafts": 0, "pending": 0, "returned": 0, "approved": 0, "locked": 0} | counts
    return UnitStatus(unit_id, code, name, depth, period, sum(values.values()), **values)


def person(person_id: int, name: str, state: str, total: str | None = None, level: str | None = None) -> PersonStatus:
    record = None if state == "none" else 100 + person_id
    amount = Decimal(total) if total else None
    return PersonStatus(person_id, f"CV{person_id:02}", name, state, record, amount, level, None)


def preview(**values: Any) -> CloseOutcome:
    return CloseOutcome(NOVEMBER, False, fingerprint="0a1b2c3d4e5f", **values)


# -- the units ---------------------------------------------------------------------------------------------------


def tree() -> list[UnitStatus]:
    closed = replace(NOVEMBER, id=42, unit_id=8, unit_code="CC", status="closed")
    return [
        unit(5, "SO", "Sở Nội vụ", 0, None, not_started=1),
        unit(7, "TH", "Phòng Tổng hợp", 1, NOVEMBER, not_started=2, pending=1),
        unit(8, "CC", "Phòng Công chức", 1, closed, locked=3, pending=1),
    ]


def test_the_overview_lists_the_units_as_a_tree_with_a_button_each_and_the_other_period() -> None:
    panel = panels.overview_panel(tree(), "2026-11", "0", VI, "2026-10")
    assert "Kỳ đánh giá 11/2026" in panel.text
    assert "<b>Sở Nội vụ</b> (SO): chưa mở" in panel.text
    assert "└ <b>Phòng Tổng hợp</b> (TH): đang mở · 2 chưa bắt đầu, 1 chờ duyệt" in panel.text
    assert "└ <b>Phòng Công chức</b> (CC): đã chốt · 3 bản đã chốt, 1 đang xem xét lại" in panel.text
    assert data_of(panel) == {
        "Sở Nội vụ": "v1:pd:u:5:0",
        "· Phòng Tổng hợp": "v1:pd:u:7:0",
        "· Phòng Công chức": "v1:pd:u:8:0",
        "◀ Kỳ trước (10/2026)": "v1:pd:ov:1",
    }
    previous = panels.overview_panel([], "2026-10", "1", VI, "2026-11")
    assert "Chưa có đơn vị nào" in previous.text
    assert data_of(previous) == {"Kỳ này (11/2026) ▶": "v1:pd:ov:0"}


def test_a_units_panel_offers_what_hr_can_do_with_its_period() -> None:
    rows = tree()
    not_open = panels.unit_panel(rows, 5, "2026-11", "0", VI, None, can_reopen=True)
    assert "Trạng thái: <b>chưa mở</b> · 1 người" in not_open.text
    assert data_of(not_open) == {"🔓 Mở kỳ 11/2026": "v1:pd:o:5:0", "📋 Danh sách đơn vị": "v1:pd:ov:0"}
    note = Html("✅ Đã mở")
    open_ = panels.unit_panel(rows, 7, "2026-11", "0", VI, note, can_reopen=True)
    assert open_.text.startswith("✅ Đã mở\n\n🏢 <b>Phòng Tổng hợp</b> (TH) · kỳ 11/2026")
    assert "Chưa bắt đầu: 2" in open_.text and "Chờ duyệt: 1" in open_.text
    assert data_of(open_)["🔒 Chốt kỳ"] == "v1:pd:c:41"
    closed = panels.unit_panel(rows, 8, "2026-11", "1", VI, None, can_reopen=True)
    assert "Đã chốt kết quả: 3" in closed.text
    assert data_of(closed)["↩️ Mở lại một bản đã chốt"] == "v1:pd:r:42:0"
    assert "↩️ Mở lại một bản đã chốt" not in data_of(
        panels.unit_panel(rows, 8, "2026-11", "1", VI, None, can_reopen=False)
    )


# -- closing -------------------------------------------------------------------------------------------------------


PEOPLE = [
    person(1, "Lê Văn An", "none"),
    person(2, "Phạm Thị Bình", "draft"),
    person(3, "Bùi Văn Hải", "returned"),
    person(4, "Nguyễn Thị Hoa", "submitted"),
    person(5, "Trần Văn Minh", "approved"),
]


def test_the_confirmation_says_who_has_not_submitted_who_is_pending_and_binds_to_its_preview() -> None:
    panel = panels.confirm_panel(NOVEMBER, PEOPLE, preview(), "0", VI)
    assert "Chốt kỳ 11/2026 — Phòng Tổng hợp" in panel.text
    assert "Chưa nộp tự đánh giá (2): Lê Văn An, Phạm Thị Bình" in panel.text
    assert "Còn chờ xử lý (2): Bùi Văn Hải (bị trả lại để sửa), Nguyễn Thị Hoa (đã nộp, chờ duyệt)" in panel.text
    assert "Đã duyệt, sẵn sàng chốt: 1 bản" in panel.text
    assert "cần được duyệt (hoặc nộp lại) trước khi chốt" in panel.text
    assert "Tỷ lệ «Hoàn thành xuất sắc nhiệm vụ» tối đa: 20 % (đơn vị thường)" in panel.text
    assert data_of(panel) == {  # records wait: no "close" that could only be refused, a "check again" instead
        "🔄 Xem lại": "v1:pd:c:41",
        "⭐ Đánh dấu đơn vị xuất sắc (tỷ lệ 25 %)": "v1:pd:x:41:1",
        "◀ Quay lại đơn vị": "v1:pd:u:7:0",
    }
    ready = [p for p in PEOPLE if p.state not in ("submitted", "returned", "reopened")]
    closable = panels.confirm_panel(NOVEMBER, ready, preview(), "0", VI)
    assert data_of(closable)["✅ Chốt kỳ"] == "v1:pd:C:41:0a1b2c3d4e5f"  # bound to the preview it shows
    early = panels.confirm_panel(NOVEMBER, ready, preview(), "0", VI, early=date(2026, 12, 9))
    assert "chưa tới ngày chốt kỳ theo lịch (<b>09/12/2026</b>)" in early.text and "✅ Chốt kỳ" in data_of(early)


def test_the_confirmation_says_what_the_quota_will_do() -> None:
    ready = [person(5, "Trần Văn Minh", "approved"), person(6, "Đỗ Văn Nam", "approved")]
    demoted = panels.confirm_panel(NOVEMBER, ready, preview(demoted=("Trần Văn Minh",)), None, VI)
    assert "Mọi người đã nộp tự đánh giá" in demoted.text and "Không còn bản nào chờ xử lý" in demoted.text
    assert "Dự kiến hạ mức do giới hạn tỷ lệ (1): Trần Văn Minh." in demoted.text
    assert data_of(demoted)["📋 Danh sách đơn vị"] == "v1:pd:ov:0"  # neither this period nor the last: the units
    tie = TieChoice(GROUP_STAFF, ("CV05", "CV06"), ("Trần Văn Minh", "Đỗ Văn Nam"), "100", 1)
    tied = panels.confirm_panel(NOVEMBER, ready, preview(tie=tie), "0", VI)
    assert "Có người bằng điểm ở ngưỡng tỷ lệ" in tied.text
    nobody = panels.confirm_panel(NOVEMBER, ready, preview(), "0", VI)
    assert "Không ai bị hạ mức do giới hạn tỷ lệ." in nobody.text
    outstanding = replace(NOVEMBER, exceptional=True)
    marked = panels.confirm_panel(outstanding, ready, preview(), "0", VI, Html("⚠️ Đã thay đổi"))
    assert marked.text.startswith("⚠️ Đã thay đổi\n\n🔒")
    assert "tối đa: 25 % (đơn vị có thành tích xuất sắc)" in marked.text
    assert data_of(marked)["Bỏ đánh dấu đơn vị xuất sắc"] == "v1:pd:x:41:0"


def test_blockers_and_summary_panels() -> None:
    blocked = panels.blockers_panel(NOVEMBER, preview(blockers=(("Lê Văn An", "submitted"),)), "0", VI)
    assert "• Lê Văn An — đã nộp, chờ duyệt" in blocked.text and "Chưa có gì thay đổi" in blocked.text
    assert data_of(blocked)["🔄 Thử chốt lại"] == "v1:pd:c:41"
    closed = CloseOutcome(NOVEMBER, True, locked=2, demoted=("Lê Văn An",), flagged=(("Lê Văn An", "tie"),))
    summary = panels.summary_panel(closed, "1", VI)
    assert "Đã khóa 2 bản đánh giá" in summary.text and "Hạ mức do giới hạn tỷ lệ (1): Lê Văn An" in summary.text
    assert "Không nộp tự đánh giá (0): không có ai" in summary.text
    assert "Lê Văn An (bằng điểm tại ngưỡng tỷ lệ)" in summary.text
    assert data_of(summary) == {"◀ Quay lại đơn vị": "v1:pd:u:7:1", "📋 Danh sách đơn vị": "v1:pd:ov:1"}


def tie_step(choices: tuple[int, ...], slots: int = 1) -> Closing:
    names = ("Chuyên viên 0", "Chuyên viên 1", "Chuyên viên 2")
    tie = TieChoice(GROUP_STAFF, ("N0", "N1", "N2"), names, "100.00", slots)
    return Closing(preview(tie=tie), (tie,), choices, "abcd1234")


def test_the_tie_panel_has_a_button_per_tied_person_and_confirms_only_a_full_choice() -> None:
    panel = panels.tie_panel(NOVEMBER, tie_step((0,)), "0", VI)
    assert "Cần bạn chọn — kỳ 11/2026, Phòng Tổng hợp" in panel.text
    assert "3 người (nhóm công chức, viên chức) cùng 100 điểm" in panel.text and "chỉ còn 1 suất" in panel.text
    assert "Đã chọn: 0/1" in panel.text
    assert data_of(panel) == {
        "⬜ Chuyên viên 0": "v1:pd:t:41:abcd1234:1",
        "⬜ Chuyên viên 1": "v1:pd:t:41:abcd1234:2",
        "⬜ Chuyên viên 2": "v1:pd:t:41:abcd1234:4",
        "◀ Quay lại đơn vị": "v1:pd:u:7:0",
    }
    chosen = panels.tie_panel(NOVEMBER, tie_step((5, 2)), "0", VI)  # a pick for an earlier tie travels along
    assert "Đã chọn: 1/1" in chosen.text
    assert data_of(chosen)["⬜ Chuyên viên 0"] == "v1:pd:t:41:abcd1234:5.1"  # one place: a tap moves the choice
    assert data_of(chosen)["☑️ Chuyên viên 1"] == "v1:pd:t:41:abcd1234:5.0"
    assert data_of(chosen)["✅ Xác nhận và chốt kỳ"] == "v1:pd:T:41:abcd1234:5.2"
    two = panels.tie_panel(NOVEMBER, tie_step((1,), slots=2), "0", VI)
    assert data_of(two)["⬜ Chuyên viên 2"] == "v1:pd:t:41:abcd1234:5"  # two places: a tap adds
    assert "✅ Xác nhận và chốt kỳ" not in data_of(two)


# -- reopening ------------------------------------------------------------------------------------------------------


def test_the_reopening_list_pages_the_locked_records() -> None:
    locked = [person(i, f"Người {i:02}", "locked", "80", "HTT") for i in range(1, 13)]
    people = [*locked, person(20, "Lê Văn An", "reopened")]
    first = panels.reopen_panel(NOVEMBER, people, 0, "0", VI)
    assert "• Người 01: Hoàn thành tốt nhiệm vụ (80 điểm)" in first.text
    assert "Đang xem xét lại: Lê Văn An" in first.text
    assert data_of(first)["Người 01"] == "v1:pd:R:41:101"
    assert data_of(first)["Trang sau ▶"] == "v1:pd:r:41:1"
    second = panels.reopen_panel(NOVEMBER, people, 7, "0", VI)  # a page past the end: the last one
    assert "Người 12" in data_of(second) and data_of(second)["◀ Trang trước"] == "v1:pd:r:41:0"
    question = panels.reason_question(NOVEMBER, locked[0], VI)
    assert "của <b>Người 01</b> (hiện: Hoàn thành tốt nhiệm vụ, 80 điểm)" in question.text
    assert data_of(question) == {"◀ Danh sách bản đã chốt": "v1:pd:r:41:0"}


# -- callback data -------------------------------------------------------------------------------------------------


def test_every_action_keeps_its_wire_format_and_has_a_route() -> None:
    actions = {
        Overview("1"): "v1:pd:ov:1",
        ShowUnit(7, "0"): "v1:pd:u:7:0",
        OpenUnit(7, "1"): "v1:pd:o:7:1",
        AskClose(41): "v1:pd:c:41",
        MarkExceptional(41, "1"): "v1:pd:x:41:1",
        Close(41, "0a1b2c3d4e5f"): "v1:pd:C:41:0a1b2c3d4e5f",
        PickTie(41, "abcd1234", "5.1"): "v1:pd:t:41:abcd1234:5.1",
        CloseWithTie(41, "abcd1234", "2"): "v1:pd:T:41:abcd1234:2",
        ReopenList(41, 3): "v1:pd:r:41:3",
        Reopen(41, 101): "v1:pd:R:41:101",
    }
    for action, wire in actions.items():
        assert action.pack() == wire
        assert unpack(wire, FEATURE) == action
        assert routes.route_of(wire) is not None


@pytest.mark.parametrize(
    "data",
    [
        "v1:pd:C:41",  # the fingerprint left out
        "v1:pd:u:abc:0",
        "v1:pd:r:41:x",
        "v1:pd:R:41:101:9",  # one field too many
        "v1:pd:zz:1",
        "v1:pd",
        "v2:pd:ov:0",
        "v1:kq:C:41:0a1b",  # another feature's
        "",
    ],
)
def test_forged_callback_data_unpacks_to_nothing(data: str) -> None:
    assert unpack(data, FEATURE) is None
    assert routes.route_of(data) is None


def test_tie_choices_travel_as_hex_masks_and_forged_ones_are_refused() -> None:
    assert write_choices((5, 0, 255)) == "5.0.ff"
    assert read_choices("5.0.ff") == (5, 0, 255)
    for forged in ("", "zz", "1..2", "-1", "f" * 16):
        assert read_choices(forged) is None, forged


# -- closing a branch ----------------------------------------------------------------------------------------------


def tree_preview(**values: Any) -> TreePreview:
    fields: dict[str, Any] = {"unit_id": 5, "unit_name": "Sở Nội vụ", "key": "2026-11", "ready": 3, "records": 40}
    fields |= {"not_submitted": 2, "blocked": (), "mark": "0a1b2c3d4e5f", "marks": {}, "sizes": {}}
    return TreePreview(**(fields | values))


def test_a_unit_with_open_units_below_offers_closing_the_whole_branch() -> None:
    rows = tree()
    rows[0] = unit(5, "SO", "Sở Nội vụ", 0, replace(NOVEMBER, id=40, unit_id=5, unit_code="SO"), approved=1)
    rows[2] = unit(8, "CC", "Phòng Công chức", 1, replace(NOVEMBER, id=42, unit_id=8), approved=3)
    panel = panels.unit_panel(rows, 5, "2026-11", "0", VI, None, can_reopen=True)
    assert data_of(panel)["🔒 Chốt kỳ toàn khối (3 đơn vị)"] == "v1:pd:ct:5:0"
    alone = panels.unit_panel(tree(), 7, "2026-11", "0", VI, None, can_reopen=True)  # nothing open below
    assert not any("toàn khối" in label for label in data_of(alone))


def test_the_branch_confirmation_counts_the_units_and_names_those_that_wait() -> None:
    waiting = tuple((f"Phòng {i}", i) for i in range(1, 15))
    panel = panels.tree_confirm_panel(tree_preview(blocked=waiting), "0", VI)
    assert "Chốt kỳ 11/2026 — Sở Nội vụ và các đơn vị trực thuộc" in panel.text
    assert "Sẵn sàng chốt: <b>3</b> đơn vị, 40 bản đã duyệt." in panel.text
    assert "Chưa nộp tự đánh giá: 2 người" in panel.text
    assert "(14 đơn vị): Phòng 1 (1), Phòng 2 (2)" in panel.text and "Phòng 12 (12) và 2 đơn vị khác" in panel.text
    assert "Phòng 13" not in panel.text
    assert data_of(panel) == {
        "✅ Chốt 3 đơn vị": "v1:pd:CT:5:0:0a1b2c3d4e5f",
        "🔄 Xem lại": "v1:pd:ct:5:0",
        "◀ Quay lại đơn vị": "v1:pd:u:5:0",
    }
    none = panels.tree_confirm_panel(tree_preview(ready=0, records=0, blocked=waiting[:1]), "0", VI)
    assert "Chưa có đơn vị nào sẵn sàng chốt." in none.text and "✅" not in " ".join(data_of(none))


def test_the_branch_summary_says_what_closed_and_what_was_left_open() -> None:
    done = TreeOutcome(tree_preview(), 2, 38, 1, 2, 0, tied=("Phòng Chín",), moved=("Phòng Mười",))
    panel = panels.tree_summary_panel(done, "0", VI)
    assert "Đã chốt: 2 đơn vị, khóa 38 bản đánh giá." in panel.text
    assert "Hạ mức do giới hạn tỷ lệ: 1 người." in panel.text and "Không có kết quả (không nộp): 2 người." in panel.text
    assert "cần bạn chọn (1): Phòng Chín" in panel.text and "sau khi bạn xem (1): Phòng Mười" in panel.text
    assert "Mỗi người đã được gửi kết quả riêng." in panel.text
