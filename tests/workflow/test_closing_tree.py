"""Closing a unit's month with every unit below it (HR's "Chốt kỳ toàn khối"): the preview counts without scoring,
the confirmation binds to every period it showed, a unit still waiting or tied on the quota's line stays open and
is named, and each closed unit ends exactly as if it had been closed on its own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from danhgia.storage.models import Outbox
from danhgia.workflow import closing_tree
from danhgia.workflow.common import Actor
from danhgia.workflow.quota import GROUP_STAFF
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import write_roster

KEY = "2026-11"


@pytest.fixture
def branch(services: Services, tmp_path: Path) -> dict[str, Any]:
    """Sở (the director, HR) over three rooms, November open for all: Phòng A with two approved records, Phòng B
    with one approved and one still waiting for its leader, Phòng C with eight approved where two tie on the
    quota's line (one place left for «Hoàn thành xuất sắc»)."""
    rows = [
        ["GD", "Giám đốc Sở", "SO", "Sở", "Giám đốc", "lanh_dao", "", ""],
        ["HR", "Cán bộ Tổ chức", "SO", "Sở", "Chuyên viên", "to_chuc", "GD", ""],
    ]
    for unit, size in (("A", 2), ("B", 2), ("C", 8)):
        rows.append(
            [f"TP{unit}", f"Trưởng phòng {unit}", f"P{unit}", f"Phòng {unit}", "Trưởng phòng", "lanh_dao", "GD", "SO"]
        )
        rows += [
            [
                f"{unit}{i}",
                f"Chuyên viên {unit}{i}",
                f"P{unit}",
                f"Phòng {unit}",
                "Chuyên viên",
                "nhan_vien",
                f"TP{unit}",
                "SO",
            ]
            for i in range(size)
        ]
    services.roster.import_table(read_roster(write_roster(tmp_path / "so.csv", rows)), Actor.cli("test"))
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        units = {u.code: u.id or 0 for u in uow.units.all()}
    hr = Actor.person(ids["HR"])
    services.periods.open(hr, units["SO"], KEY)
    views = {}
    for code in ("A0", "A1", "B0", "B1", *(f"C{i}" for i in range(8))):
        views[code] = submitted(services, ids[code], good=code.startswith("C") and code not in ("C0", "C1", "C2"))
    for code, view in views.items():
        if code != "B1":  # Phòng B's second record still waits for its leader
            services.review.approve(Actor.person(ids[f"TP{code[0]}"]), view.id)
    with services.db.uow() as uow:
        periods = {code: (uow.periods.of_unit(uid, KEY) or _missing()).id for code, uid in units.items()}
    return {"hr": hr, "ids": ids, "units": units, "periods": periods, "views": views}


def _missing() -> Any:
    raise AssertionError("no period")


def submitted(services: Services, pid: int, *, good: bool) -> Any:
    """A month of work and a submitted self-assessment: 100 points, or 80 («Hoàn thành tốt») when `good`."""
    task = services.tasks.add(Actor.person(pid), pid, "Việc", date(2026, 11, 20), Decimal(1))
    services.tasks.checkin(Actor.person(pid), pid, task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(pid)
    if good:
        view = services.self_assessment.set_points(pid, view.id, view.version, "doi_moi", "0")
        view = services.self_assessment.set_points(pid, view.id, view.version, "trach_nhiem", "0")
    return services.self_assessment.submit(pid, view.id, view.version)


def statuses(services: Services, branch: dict[str, Any]) -> dict[str, str]:
    return {code: services.periods.info(pid).status for code, pid in branch["periods"].items()}


def notices(services: Services) -> list[tuple[str, int]]:
    with services.db.uow() as uow:
        rows = uow.session.exec(select(Outbox).where(Outbox.kind.in_(["final_result", "no_result"]))).all()  # type: ignore[attr-defined]
        return sorted((row.kind, row.person_id) for row in rows)


def test_the_preview_counts_what_closing_would_do_without_closing_anything(
    services: Services, branch: dict[str, Any]
) -> None:
    preview = services.periods.preview_tree(branch["hr"], branch["units"]["SO"], KEY)
    assert (preview.unit_name, preview.periods, preview.ready) == ("Sở", 4, 3)
    assert preview.records == 2 + 8  # Phòng A's and Phòng C's approved records (Sở has none)
    assert preview.blocked == (("Phòng B", 1),)
    assert preview.not_submitted == 2 + 1 + 1  # GD and HR in Sở, the leaders of A and C
    assert set(statuses(services, branch).values()) == {"open"}
    again = services.periods.preview_tree(branch["hr"], branch["units"]["SO"], KEY)
    assert again.mark == preview.mark  # nothing moved: the same mark


def test_closing_the_branch_closes_the_ready_units_and_names_the_tie_and_the_waiting_unit(
    services: Services, branch: dict[str, Any]
) -> None:
    hr, ids = branch["hr"], branch["ids"]
    preview = services.periods.preview_tree(hr, branch["units"]["SO"], KEY)
    done = services.periods.close_tree(hr, branch["units"]["SO"], KEY, preview.mark)
    assert not done.changed and (done.closed, done.locked) == (2, 2)
    assert done.tied == ("Phòng C",) and done.moved == ()
    assert done.no_result == 2 + 1  # GD, HR and Phòng A's leader
    assert statuses(services, branch) == {"SO": "closed", "PA": "closed", "PB": "open", "PC": "open"}
    expected = [("final_result", ids["A0"]), ("final_result", ids["A1"])]
    expected += [("no_result", ids[code]) for code in ("GD", "HR", "TPA")]
    assert notices(services) == sorted(expected)
    with services.db.uow() as uow:
        locked = {r.person_id: r for r in uow.assessments.in_period(branch["periods"]["PA"])}
    assert {r.state for r in locked.values()} == {"locked"} and locked[ids["A0"]].final_level is not None
    # Phòng C is closed on its own, with HR's pick for the tie, as before.
    step = services.periods.close_confirmed(hr, branch["periods"]["PC"], "x")
    assert step.outcome.changed
    step = services.periods.close_confirmed(hr, branch["periods"]["PC"], step.outcome.fingerprint)
    assert step.tie is not None and len(step.tie.staff_codes) == 3 and step.tie.slots == 1


def test_a_branch_closed_at_once_ends_as_each_unit_closed_on_its_own(
    services: Services, branch: dict[str, Any]
) -> None:
    hr, periods = branch["hr"], branch["periods"]
    preview = services.periods.preview_tree(hr, branch["units"]["SO"], KEY)
    single = services.periods.close(hr, periods["PA"], dry_run=True)
    done = services.periods.close_tree(hr, branch["units"]["SO"], KEY, preview.mark)
    with services.db.uow() as uow:
        names = {p.id: p.full_name for p in uow.people.all()}
        records = uow.assessments.in_period(periods["PA"])
    assert single.locked == len(records) == 2 and done.demoted == len(single.demoted)
    for record in records:  # the level the single closing's preview announced, with its quota lines
        demoted = names[record.person_id] in single.demoted
        assert (record.final_level != record.level) == demoted
        assert record.result is not None
        stored = {k: v for k, v in record.result["quota"].items() if k != "explanation"}
        assert stored == {k: v for k, v in single.quota[GROUP_STAFF].items() if k != "explanation"}


def test_nothing_closes_when_anything_in_the_branch_changed_since_the_preview(
    services: Services, branch: dict[str, Any]
) -> None:
    hr, ids = branch["hr"], branch["ids"]
    preview = services.periods.preview_tree(hr, branch["units"]["SO"], KEY)
    services.review.approve(Actor.person(ids["TPB"]), branch["views"]["B1"].id)  # Phòng B is ready now
    done = services.periods.close_tree(hr, branch["units"]["SO"], KEY, preview.mark)
    assert done.changed and done.closed == 0 and done.preview.ready == 4 and done.preview.blocked == ()
    assert set(statuses(services, branch).values()) == {"open"}
    done = services.periods.close_tree(hr, branch["units"]["SO"], KEY, done.preview.mark)
    assert done.closed == 3 and done.tied == ("Phòng C",)


def test_a_unit_that_moved_between_the_check_and_its_batch_stays_open_and_is_named(
    services: Services, branch: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    hr = branch["hr"]
    monkeypatch.setattr(closing_tree, "BATCH_RECORDS", 1)  # one period a batch
    with services.db.reader() as uow:
        preview = closing_tree.survey(uow, branch["units"]["SO"], KEY)
    with services.db.uow() as uow:  # Phòng A's record changes after the check (another instance's write)
        record = uow.assessments.get(branch["views"]["A0"].id)
        assert record is not None
        record.version += 1
        uow.session.add(record)
        uow.commit()
    done = closing_tree.close_tree(
        services.db, services.assessments, services.periods.council, hr, preview, services.clock.now
    )
    assert done.moved == ("Phòng A",) and done.tied == ("Phòng C",) and done.closed == 1
    assert statuses(services, branch) == {"SO": "closed", "PA": "open", "PB": "open", "PC": "open"}


def test_only_hr_closes_a_branch(services: Services, branch: dict[str, Any]) -> None:
    director = Actor.person(branch["ids"]["GD"])
    with pytest.raises(Refusal, match="not_hr"):
        services.periods.preview_tree(director, branch["units"]["SO"], KEY)
    with pytest.raises(Refusal, match="not_hr"):
        services.periods.close_tree(director, branch["units"]["SO"], KEY, "x")
    with pytest.raises(Refusal, match="not_found"):
        services.periods.preview_tree(branch["hr"], 999_999, KEY)


def test_a_large_branch_on_postgresql_is_closed_by_several_processes_with_the_same_outcome(
    services: Services, branch: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if services.db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite's writers take turns: a branch is closed by one process")
    monkeypatch.setattr(closing_tree, "BATCH_RECORDS", 1)  # one period a batch
    monkeypatch.setattr(closing_tree, "PARALLEL_FROM", 0)
    spawned: list[int] = []
    real = closing_tree.ProcessPoolExecutor

    def counting(*args: Any, **kwargs: Any) -> Any:
        spawned.append(kwargs["max_workers"])
        return real(*args, **kwargs)

    monkeypatch.setattr(closing_tree, "ProcessPoolExecutor", counting)
    hr, ids = branch["hr"], branch["ids"]
    preview = services.periods.preview_tree(hr, branch["units"]["SO"], KEY)
    done = closing_tree.close_tree(
        services.db, services.assessments, services.periods.council, hr, preview, services.clock.now, workers=2
    )
    assert spawned == [2]
    assert (done.closed, done.locked, done.no_result, done.tied, done.moved) == (2, 2, 3, ("Phòng C",), ())
    assert statuses(services, branch) == {"SO": "closed", "PA": "closed", "PB": "open", "PC": "open"}
    expected = [("final_result", ids["A0"]), ("final_result", ids["A1"])]
    expected += [("no_result", ids[code]) for code in ("GD", "HR", "TPA")]
    assert notices(services) == sorted(expected)
    with services.db.uow() as uow:
        locked_at = {r.locked_at for r in uow.assessments.in_period(branch["periods"]["PA"])}
    assert locked_at == {services.clock.now()}  # the workers' clock is the caller's, not their own
