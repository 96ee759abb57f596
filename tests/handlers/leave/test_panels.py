"""The /nghiphep panels as pure functions, without a Bot API server: what each shows, the exact callback data of
its buttons (every button routed), forged data unpacking to nothing, and pages of people."""

from __future__ import annotations

from datetime import date

from danhgia.chat.callbacks import unpack
from danhgia.chat.panel import Panel
from danhgia.handlers.leave import panels
from danhgia.handlers.leave.callbacks import AskCancel, Confirm, Dates, Kind, List, New, NoNote, Pick, UnitPeople
from danhgia.handlers.leave.routes import routes
from danhgia.workflow.absence import LEAVE_KINDS, LeavePerson, LeaveView

VI = "vi"
AN = LeavePerson(7, "CV01", "Lê Văn An", 3, "Phòng Tổng hợp")
THURSDAY = date(2026, 11, 26)


def _data(panel: Panel) -> dict[str, object]:
    found = {choice.label: unpack(choice.data) for row in panel.keys for choice in row}
    assert all(
        value is not None and routes.route_of(choice.data)
        for row in panel.keys
        for choice in row
        for value in [found[choice.label]]
    )
    return found


def test_the_list_names_each_leave_and_offers_a_cancel_button_each() -> None:
    leave = LeaveView(12, 7, "Lê Văn An", "annual", date(2026, 11, 23), date(2026, 11, 27), "")
    panel = panels.list_panel([leave], THURSDAY, VI)
    assert "Lê Văn An" in panel.text and "23/11/2026" in panel.text
    assert list(_data(panel).values()) == [New(), AskCancel(12)]


def test_the_kinds_carry_their_index_and_the_ranges_their_days() -> None:
    kinds = _data(panels.kinds_panel(AN, VI))
    assert [Kind(7, i) for i in range(len(LEAVE_KINDS))] == [v for v in kinds.values() if isinstance(v, Kind)]
    ranges = _data(panels.range_panel(AN, 0, date(2026, 11, 25), VI))  # a Wednesday
    dates = [v for v in ranges.values() if isinstance(v, Dates)]
    assert dates == [
        Dates(7, 0, "20261125", "20261125"),  # today
        Dates(7, 0, "20261126", "20261126"),  # tomorrow
        Dates(7, 0, "20261125", "20261127"),  # to Friday
        Dates(7, 0, "20261130", "20261204"),  # next week, Monday to Friday
    ]
    thursday = [v for v in _data(panels.range_panel(AN, 0, THURSDAY, VI)).values() if isinstance(v, Dates)]
    assert len(thursday) == 3  # tomorrow is Friday: no "to Friday"
    assert Pick(7) in ranges.values()


def test_the_confirmation_records_exactly_what_it_shows() -> None:
    panel = panels.confirm_panel(AN, 1, date(2026, 11, 30), date(2026, 12, 2), "QĐ 12", 3, VI)
    assert "Lê Văn An" in panel.text and "30/11/2026" in panel.text and "02/12/2026" in panel.text
    assert "QĐ 12" in panel.text
    assert Confirm(7, 1, "20261130", "20261202") in _data(panel).values()
    note = _data(panels.note_panel(AN, 1, date(2026, 11, 30), date(2026, 12, 2), VI))
    assert NoNote(7, 1, "20261130", "20261202") in note.values() and Kind(7, 1) in note.values()


def test_people_come_in_pages_with_moves_that_keep_the_unit() -> None:
    people = [LeavePerson(i, f"CV{i:02}", f"Người {i}", 3, "Phòng Tổng hợp") for i in range(1, 30)]
    first = _data(panels.unit_people_panel(people, 3, 0, VI))
    assert sum(isinstance(v, Pick) for v in first.values()) == panels.PAGE
    assert UnitPeople(3, 1) in first.values() and New() in first.values()
    last = _data(panels.unit_people_panel(people, 3, 99, VI))  # a page past the end shows the last one
    assert UnitPeople(3, 1) in last.values() and sum(isinstance(v, Pick) for v in last.values()) == 29 - 2 * panels.PAGE
    assert List() in _data(panels.reports_panel([], 0, VI)).values()


def test_forged_or_outdated_data_unpacks_to_nothing_or_is_refused_by_its_kind() -> None:
    assert unpack("v1:lv:ok:7:0:20261123") is None  # a day missing
    assert unpack("v1:lv:x:99999999999999999999999") is None
    assert unpack("v1:lv:zz") is None
    assert (
        panels.kind_at(len(LEAVE_KINDS)) is None and panels.kind_at(-1) is None and panels.kind_at(0) == LEAVE_KINDS[0]
    )
