"""Closing as HR does it, one use case of the workflow: the confirmation binds to the preview it showed, ties on the
quota line are chosen one at a time (earlier picks replayed by dry runs), a pick made for other tied people or
before a record changed closes nothing, and nothing closes before the last confirmation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from danhgia.workflow.common import Actor
from danhgia.workflow.periods import CloseOutcome, TieChoice, picked, tie_mark
from danhgia.workflow.quota import GROUP_LEADERS, GROUP_STAFF
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import write_roster
from tests.workflow.test_regimes import build_mixed
from tests.workflow.test_regimes import submit_and_approve as approved_at_full_points


@pytest.fixture
def p9(services: Services, tmp_path: Path) -> tuple[Actor, int, dict[str, int]]:
    """Phòng Chín with November open: two staff at 100 points and six at 80, all approved — one place left for
    «Hoàn thành xuất sắc», so N0 and N1 are tied on the quota line. HR, the period, staff code → person id."""
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
    hr = Actor.person(ids["HR9"])
    (period,) = services.periods.open(hr, unit_id, "2026-11")
    for i in range(8):
        submit_and_approve(services, ids, f"N{i}", good=i >= 2)
    return hr, period.id, ids


def submit_and_approve(services: Services, ids: dict[str, int], code: str, *, good: bool = False) -> None:
    """A month of work, a submitted self-assessment (100 points, or 80 when `good`) and TP09's approval."""
    pid = ids[code]
    task = services.tasks.add(Actor.person(pid), pid, "Việc", date(2026, 11, 20), Decimal(1))
    services.tasks.checkin(Actor.person(pid), pid, task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(pid)
    if good:
        view = services.self_assessment.set_points(pid, view.id, view.version, "doi_moi", "0")
        view = services.self_assessment.set_points(pid, view.id, view.version, "trach_nhiem", "0")
    view = services.self_assessment.submit(pid, view.id, view.version)
    services.review.approve(Actor.person(ids["TP09"]), view.id)


def test_the_confirmation_leads_to_the_tie_and_the_pick_closes_the_period(
    services: Services, p9: tuple[Actor, int, dict[str, int]]
) -> None:
    hr, period_id, _ = p9
    preview = services.periods.close(hr, period_id, dry_run=True)
    step = services.periods.close_confirmed(hr, period_id, preview.fingerprint)
    assert step.tie is not None and set(step.tie.staff_codes) == {"N0", "N1"} and step.tie.slots == 1
    assert step.choices == (0,) and step.ties == (step.tie,)
    assert step.mark == tie_mark(step.ties, step.outcome) and not step.outcome.closed
    assert services.periods.info(period_id).status == "open"
    n1 = 1 << step.tie.staff_codes.index("N1")
    shown = services.periods.choose_tie(hr, period_id, (n1,), step.mark, confirm=False)
    assert (shown.refused, shown.choices, shown.mark) == (None, (n1,), step.mark)
    assert services.periods.info(period_id).status == "open"  # a tap on a name closes nothing
    closed = services.periods.choose_tie(hr, period_id, (n1,), step.mark, confirm=True)
    assert closed.outcome.closed and closed.outcome.demoted == ("Chuyên viên 0",)
    assert services.periods.info(period_id).status == "closed"
    with services.db.uow() as uow:
        codes = {p.id: p.staff_code for p in uow.people.all()}
        finals = {codes[r.person_id]: r.final_level for r in uow.assessments.in_period(period_id)}
    assert finals["N1"] == "HTXS" and finals["N0"] == "HTT"


def test_a_pick_that_does_not_fit_the_tie_is_refused_and_closes_nothing(
    services: Services, p9: tuple[Actor, int, dict[str, int]]
) -> None:
    hr, period_id, _ = p9
    step = services.periods.close_confirmed(
        hr, period_id, services.periods.close(hr, period_id, dry_run=True).fingerprint
    )
    both, nobody, beyond = 0b11, 0, 0b100
    assert services.periods.choose_tie(hr, period_id, (both,), step.mark, confirm=False).refused == "tie_full"
    assert services.periods.choose_tie(hr, period_id, (nobody,), step.mark, confirm=True).refused == "tie_choose"
    assert services.periods.choose_tie(hr, period_id, (beyond,), step.mark, confirm=True).refused == "outdated"
    with pytest.raises(Refusal, match="stale"):  # a pick for an earlier tie that is not a full choice
        services.periods.choose_tie(hr, period_id, (both, 0), step.mark, confirm=True)
    assert services.periods.info(period_id).status == "open"


def test_a_pick_made_before_anything_changed_shows_the_new_preview_and_closes_nothing(
    services: Services, p9: tuple[Actor, int, dict[str, int]]
) -> None:
    hr, period_id, _ = p9
    step = services.periods.close_confirmed(
        hr, period_id, services.periods.close(hr, period_id, dry_run=True).fingerprint
    )
    forged = services.periods.choose_tie(hr, period_id, (1,), "00000000", confirm=True)
    assert forged.outcome.changed and not forged.outcome.closed and forged.tie is not None
    services.periods.set_exceptional(hr, period_id, True)  # the records' fingerprint moves on
    late = services.periods.choose_tie(hr, period_id, (1,), step.mark, confirm=True)
    assert late.outcome.changed and not late.outcome.closed
    assert services.periods.info(period_id).status == "open"
    stale = services.periods.close_confirmed(hr, period_id, step.outcome.fingerprint)
    assert stale.outcome.changed and not stale.outcome.closed and stale.choices == ()
    assert services.periods.info(period_id).status == "open"


def test_only_hr_closes(services: Services, p9: tuple[Actor, int, dict[str, int]]) -> None:
    _, period_id, ids = p9
    with pytest.raises(Refusal, match="not_hr"):
        services.periods.close_confirmed(Actor.person(ids["N0"]), period_id, "0123456789ab")
    with pytest.raises(Refusal, match="not_hr"):
        services.periods.choose_tie(Actor.person(ids["TP09"]), period_id, (1,), "00000000", confirm=True)


def test_ties_in_both_groups_are_chosen_one_after_the_other(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The orchestration alone, over a scripted closing: leaders tied first, then staff; every earlier pick is
    replayed by dry runs, and only the last confirmation closes."""
    periods = services.periods
    leaders = TieChoice(GROUP_LEADERS, ("L1", "L2"), ("Lãnh đạo 1", "Lãnh đạo 2"), "95", 1)
    staff = TieChoice(GROUP_STAFF, ("S1", "S2", "S3"), ("Một", "Hai", "Ba"), "90", 2)
    info = object()
    calls: list[tuple[tuple[str, ...], bool, str | None]] = []

    def close(
        actor: Actor,
        period_id: int,
        *,
        tie_winners: tuple[str, ...] = (),
        dry_run: bool = False,
        expected: str | None = None,
    ) -> CloseOutcome:
        calls.append((tie_winners, dry_run, expected))
        base: dict[str, Any] = {"period": info, "closed": False, "fingerprint": "records"}
        if expected is not None and expected != "records":
            return CloseOutcome(**base, changed=True)
        if not set(tie_winners) & set(leaders.staff_codes):
            return CloseOutcome(**base, tie=leaders)
        if not set(tie_winners) & set(staff.staff_codes):
            return CloseOutcome(**base, tie=staff)
        return CloseOutcome(**{**base, "closed": not dry_run}, demoted=("Lãnh đạo 1", "Hai"))

    monkeypatch.setattr(periods, "close", close)
    hr = Actor.cli("test")
    first = periods.close_confirmed(hr, 9, "records")
    assert first.tie == leaders and first.choices == (0,)
    second = periods.choose_tie(hr, 9, (0b10,), first.mark, confirm=True)
    assert second.tie == staff and second.ties == (leaders, staff) and second.choices == (0b10, 0)
    assert second.mark == tie_mark((leaders, staff), second.outcome) != first.mark
    assert [c for c in calls if not c[1]] == [((), False, "records"), (("L2",), False, "records")]  # none closed
    calls.clear()
    shown = periods.choose_tie(hr, 9, (0b10, 0b101), second.mark, confirm=False)
    assert shown.refused is None and all(dry for _, dry, _ in calls)
    with pytest.raises(Refusal, match="stale"):  # the leaders' pick is not a full choice any more
        periods.choose_tie(hr, 9, (0b11, 0b101), second.mark, confirm=True)
    assert periods.choose_tie(hr, 9, (0b10, 0b101), first.mark, confirm=True).outcome.changed  # other ties' mark
    done = periods.choose_tie(hr, 9, (0b10, 0b101), second.mark, confirm=True)
    assert done.outcome.closed and calls[-1] == (("L2", "S1", "S3"), False, "records")


def test_a_pick_keeps_the_tied_people_its_bits_name() -> None:
    tie = TieChoice(GROUP_STAFF, ("S1", "S2", "S3"), ("Một", "Hai", "Ba"), "90", 2)
    assert picked(tie, 0b101) == ("S1", "S3")
    assert picked(tie, 0b001) is None and picked(tie, 0b111) is None and picked(tie, 0b1000 | 0b11) is None


def test_locking_in_one_batch_writes_nothing_when_any_record_changed(services: Services, tmp_path: Path) -> None:
    """The records of a closing are written in one statement, each only at the version read: one record changed
    meanwhile and the batch reports it (closing then refuses as stale and rolls back) — on SQLite and PostgreSQL."""
    services, ids, unit_id = build_mixed(services, tmp_path)
    (period,) = services.periods.open(Actor.person(ids["HR10"]), unit_id, "2026-11")
    for code in ("C0", "C1"):
        approved_at_full_points(services, ids, code)
    with services.db.uow() as uow:
        first, second = uow.assessments.in_period(period.id)[:2]
        assert first.id is not None and second.id is not None
        changes = [(first.id, first.version, {"state": "locked"}), (second.id, second.version + 7, {"state": "locked"})]
        assert not uow.assessments.bump_many(changes)
        uow.rollback()
    with services.db.uow() as uow:
        assert {r.state for r in uow.assessments.in_period(period.id)} == {"approved"}
        first, second = uow.assessments.in_period(period.id)[:2]
        assert first.id is not None and second.id is not None
        assert uow.assessments.bump_many([(r.id or 0, r.version, {"state": "locked"}) for r in (first, second)])
        uow.commit()
    with services.db.reader() as uow:
        assert [(r.state, r.version) for r in uow.assessments.in_period(period.id)] == [
            ("locked", first.version + 1),
            ("locked", second.version + 1),
        ]
