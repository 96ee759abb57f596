"""Every typed step of every dialog, fed arbitrary text (Hypothesis): the bot answers with an acceptance or a
polite refusal — never the error message, never a handler's exception — and the next command still works.

The bot runs in a thread of its own (its event loop, the local Bot API server, the real Application); each
Hypothesis example opens one typed step for a person (as the step's own button would: the dialog in the
database), types the text, waits for the answer, then sends /help. The steps covered are checked against the
registered ones, so a new typed step cannot be forgotten here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from danhgia.handlers import dialog as dialogs
from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import ROSTER_ROWS, START, BotWorld, bot_settings, make_services, write_roster
from tests.e2e.ward import HEADER, WARD

pytestmark = pytest.mark.e2e

T = TypeVar("T")
ERROR = "Xin lỗi, đã có lỗi xảy ra"
HOSTILE = ["1e309", "1e26", "٣", "８", "-0", "31/02", "01/01/9999", "\u202e10", "0\xa00", "🙂" * 50, "a" * 2001]
TEXT = (
    st.text(min_size=1, max_size=120)
    | st.from_regex(r"[+-]?[0-9٠-٩]{0,4}[.,]?[0-9]{0,3}(e[0-9]{1,3})?%?", fullmatch=True)
    | st.from_regex(r"[0-9]{1,2}[/.-][0-9]{1,2}([/.-][0-9]{2,4})?( *(-|đến|–) *[0-9]{1,2}/[0-9]{1,2})?", fullmatch=True)
).filter(lambda text: bool(text.strip()))  # Telegram delivers no empty message


class Background:
    """An event loop in a thread: the bot lives there, the test thread hands it coroutines."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Errors(logging.Handler):
    """Every ERROR logged while the bot runs (a handler's exception is logged by the error handler)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Scene:
    """The demo department and the Liên Chiểu ward in one running bot, with a step for every typed kind."""

    def __init__(self, background: Background, tmp_path: Path) -> None:
        self.bg = background
        self.tmp = tmp_path
        self.steps: dict[str, tuple[str, dict[str, Any]]] = {}  # kind → (who types, data)
        self.users: dict[str, SimUser] = {}

    async def start(self) -> None:
        from danhgia.storage.db import make_engine, migrate

        url = f"sqlite:///{self.tmp / 'fuzz.db'}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        self.server = SandboxServer(BotApiSandbox())
        await self.server.start()
        from danhgia.workflow.clock import ManualClock

        self.clock = ManualClock(START)
        services = make_services(url, self.clock)
        roster = read_roster(write_roster(self.tmp / "r.csv", ROSTER_ROWS))
        services.roster.import_table(roster, Actor.cli("t"))
        services.roster.import_table(read_roster(write_roster(self.tmp / "w.csv", WARD, HEADER)), Actor.cli("t"))
        self.world = BotWorld(self.server.sandbox, services, bot_settings(self.server, url))
        await self.world.start()
        for code in ("CV01", "TP01", "TC01", "GD01", "CC01", "CT01", "CC05", "VP01", "PCT01"):
            self.users[code] = await self.world.linked_user(code, code)

    async def stop(self) -> None:
        await self.world.stop()
        self.world.services.db.dispose()
        await self.server.stop()

    def ids(self) -> dict[str, int]:
        with self.world.services.db.uow() as uow:
            return {p.staff_code: p.id or 0 for p in uow.people.all()}

    def build(self) -> None:
        """Records behind every typed step (through the workflow), and the data each step's button would store."""
        s = self.world.services
        ids = self.ids()
        with s.db.uow() as uow:
            units = {u.code: u.id or 0 for u in uow.units.all()}
        hr, ward_hr = Actor.person(ids["TC01"]), Actor.person(ids["VP01"])
        s.periods.open(hr, units["SO"], "2026-11")
        an = ids["CV01"]
        late = s.tasks.add(Actor.person(an), an, "Báo cáo quý", date(2026, 11, 18), Decimal(1))
        s.tasks.checkin(Actor.person(an), an, late.id, CheckinOutcome.ON_TIME)  # reported after its due date: late
        task = s.tasks.add(Actor.person(an), an, "Thẩm định hồ sơ", date(2026, 11, 27), Decimal(2))
        draft = s.self_assessment.open_self(an)
        hoa = ids["TP01"]
        s.tasks.add(Actor.person(hoa), hoa, "Kế hoạch phòng", date(2026, 11, 27), Decimal(1))
        leader_draft = s.self_assessment.open_self(hoa)
        binh = ids["CV02"]
        s.tasks.add(Actor.person(binh), binh, "Tổng hợp", date(2026, 11, 19), Decimal(1))
        pending = s.self_assessment.submit(binh, *_open(s, binh))
        leader_step = next(i for i, step in enumerate(leader_draft.steps) if step.startswith("leader:"))
        # A closed period with a locked record (reopening); the ward's period with the 360° round and a case.
        with s.db.uow() as uow:
            cc = uow.periods.of_unit(units["CC"], "2026-11")
            assert cc is not None and cc.id is not None
            closed_id = cc.id
        dung = ids["CV03"]
        s.tasks.add(Actor.person(dung), dung, "Hồ sơ", date(2026, 11, 19), Decimal(1))
        locked = s.self_assessment.submit(dung, *_open(s, dung))
        s.review.approve(Actor.person(ids["TP02"]), locked.id)
        giang = ids["TC01"]
        s.tasks.add(Actor.person(giang), giang, "Tổ chức", date(2026, 11, 19), Decimal(1))
        s.review.approve(Actor.person(ids["TP02"]), s.self_assessment.submit(giang, *_open(s, giang)).id)
        cuong = ids["TP02"]
        s.tasks.add(Actor.person(cuong), cuong, "Kế hoạch", date(2026, 11, 19), Decimal(1))
        view = s.self_assessment.open_self(cuong)
        view = s.self_assessment.set_leader_percent(cuong, view.id, view.version, "to_chuc_thuc_hien", "100")
        s.review.approve(Actor.person(ids["GD01"]), s.self_assessment.submit(cuong, view.id, view.version).id)
        assert s.periods.close(hr, closed_id).closed
        s.periods.regime_id = "danang-lienchieu-2013"
        (ward_period,) = s.periods.open(ward_hr, units["HP"], "2026-11")
        records = {}
        for code in ("CC02", "CC05", "VP01", "CC03", "CC04"):
            records[code] = s.self_assessment.submit(ids[code], *_open(s, ids[code])).id
            s.review.approve(Actor.person(ids["PCT01"]), records[code])
        s.review.approve(Actor.person(ids["PCT01"]), s.self_assessment.submit(ids["CC01"], *_open(s, ids["CC01"])).id)
        assert s.periods.close(ward_hr, ward_period.id).closed
        case = s.council.contest(ids["CC02"], records["CC02"], "Đề nghị xem xét lại")
        # December open in the ward: a draft for the bonus step, a rating for the 360° step.
        s.periods.open(ward_hr, units["HP"], "2026-12")
        bonus_draft = s.self_assessment.open_self(ids["CC01"])
        rating = next(t for t in s.ratings.todo(ids["CC01"]) if t.period_open)
        self.steps = {
            "task.title": ("CV01", {}),
            "task.due": ("CV01", {"title": "Việc mới"}),
            "task.weight": ("CV01", {"title": "Việc mới", "due": "2026-11-27"}),
            "task.edit_title": ("CV01", {"task": task.id}),
            "task.edit_due": ("CV01", {"task": task.id}),
            "task.edit_weight": ("CV01", {"task": task.id}),
            "task.note": ("CV01", {"task": task.id, "from": "checkin"}),
            "sa.points": ("CV01", {"aid": draft.id, "step": 0}),
            "sa.note": ("CV01", {"aid": draft.id, "step": 0}),
            "sa.reason": ("CV01", {"aid": draft.id, "task": str(late.id)}),
            "sa.percent": ("TP01", {"aid": leader_draft.id, "step": leader_step}),
            "sa.bonus": ("CC01", {"aid": bonus_draft.id, "item": 0}),
            "review.return": ("TP01", {"assessment": pending.id, "queue": False}),
            "review.points": ("TP01", {"assessment": pending.id, "criterion": 0}),
            "review.percent": ("GD01", {"assessment": leader_draft.id, "leader": 0}),
            "review.reason": ("TP01", {"assessment": pending.id}),
            "period.reopen": ("TC01", {"period": closed_id, "assessment": locked.id}),
            "leave.person": ("TC01", {}),
            "leave.range": ("TC01", {"person": an, "kind": 0}),
            "leave.note": ("TC01", {"person": an, "kind": 0, "start": "2026-11-23", "end": "2026-11-24"}),
            "snooze.range": ("CV01", {}),
            "delegation.range": ("TP01", {"acting": 0}),
            "dc.points": ("CC01", {"rid": rating.id, "step": 0}),
            "council.keep": ("CT01", {"case": case.id}),
            "council.change": ("CT01", {"case": case.id, "level": "HTT"}),
            "council.aside": ("VP01", {"case": case.id}),
            "council.contest": ("CC05", {"assessment": records["CC05"]}),
        }
        self.adjusting = (ids["TP01"], pending.id)
        self.reopening = (ids["TP02"], locked.id)

    def ready(self, kind: str) -> None:
        """Put back what an earlier accepted answer moved on, so that each example reaches the step's logic: the
        record under review pending again (a typed reason returns it), the reopened record locked again."""
        s = self.world.services
        if kind.startswith("review."):
            reviewer, record = self.adjusting
            view = s.assessments.view(record)
            if view.state == "returned":
                again = s.self_assessment.open_self(view.person_id)
                s.self_assessment.submit(view.person_id, again.id, again.version)
            if kind != "review.return":  # the reviewer's adjustment must be under way
                s.review.adjust_start(Actor.person(reviewer), record)
        if kind == "period.reopen":
            reviewer, record = self.reopening
            if s.assessments.view(record).state == "reopened":
                s.review.approve(Actor.person(reviewer), record)

    async def answer(self, code: str, text: str) -> list[str]:
        """Type into the open step and wait for the bot's answer; then /help must still work."""
        user = self.users[code]
        await deliver_round(self.world.app, wait=True)  # nothing queued earlier arrives as if it were the answer
        sent = user.send(text)
        sandbox = self.server.sandbox

        def answered() -> list[str] | None:
            fresh = [m for m in user.chat.messages if m.from_bot and m.seq > sent.seq]
            return [m.text or "" for m in fresh] or None

        texts = await sandbox.wait_for(answered, 15, f"an answer to {text[:20]!r}")
        helped = user.send("/help")
        await sandbox.wait_for(
            lambda: any(m.from_bot and m.seq > helped.seq and "Các lệnh" in (m.text or "") for m in user.chat.messages),
            15,
            "/help after the answer",
        )
        return texts


def _open(services: Any, person: int) -> tuple[int, int]:
    view = services.self_assessment.open_self(person)
    return view.id, view.version


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Background, Scene, Errors]]:
    background = Background()
    errors = Errors()
    logging.getLogger().addHandler(errors)
    built = Scene(background, tmp_path_factory.mktemp("fuzz"))
    background.run(built.start)
    built.build()
    try:
        yield background, built, errors
    finally:
        logging.getLogger().removeHandler(errors)
        background.run(built.stop)
        background.close()
        wasted = built.server.sandbox.wasted_calls()
        assert built.server.sandbox.violations == [] and wasted == [], (built.server.sandbox.violations, wasted)


def test_every_typed_step_is_covered(scene: tuple[Background, Scene, Errors]) -> None:
    _bg, built, _errors = scene
    registered = set(dialogs._steps)
    assert registered == set(built.steps), registered ^ set(built.steps)


KINDS = sorted(
    [
        "task.title", "task.due", "task.weight", "task.edit_title", "task.edit_due", "task.edit_weight", "task.note",
        "sa.points", "sa.note", "sa.reason", "sa.percent", "sa.bonus",
        "review.return", "review.points", "review.percent", "review.reason",
        "period.reopen", "leave.person", "leave.range", "leave.note", "snooze.range", "delegation.range",
        "dc.points", "council.keep", "council.change", "council.aside", "council.contest",
    ]
)  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_any_text_in_a_typed_step_gets_an_answer_never_an_error(
    scene: tuple[Background, Scene, Errors], kind: str
) -> None:
    background, built, errors = scene
    code, data = built.steps[kind]
    person = built.ids()[code]
    chat = built.users[code].chat.id
    registered = kind

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(text=TEXT)
    @example(text=HOSTILE[0])
    @example(text=HOSTILE[1])
    @example(text=HOSTILE[2])
    @example(text=HOSTILE[3])
    @example(text=HOSTILE[4])
    @example(text=HOSTILE[5])
    @example(text=HOSTILE[6])
    @example(text=HOSTILE[7])
    @example(text=HOSTILE[8])
    @example(text=HOSTILE[9])
    @example(text=HOSTILE[10])
    def typed(text: str) -> None:
        built.ready(kind)
        built.world.services.dialogs.expect(person, registered, dict(data), chat, None)
        before = len(errors.records)
        answers = background.run(lambda: built.answer(code, text))
        assert not any(ERROR in answer for answer in answers), (kind, text, answers)
        assert errors.records[before:] == [], (kind, text, [r.getMessage() for r in errors.records[before:]])

    typed()


# A sound answer per step: accepted (the bot moves on), so the harness is known to reach the step's own logic.
SOUND = {
    "task.title": ("Soạn công văn", "Hạn hoàn thành"),
    "task.due": ("27/11", "Trọng số"),
    "task.weight": ("1,5", "Đã thêm"),
    "task.edit_title": ("Thẩm định hồ sơ đợt 2", "Đã lưu"),
    "task.edit_due": ("26/11", "Đã lưu"),
    "task.edit_weight": ("2", "Đã lưu"),
    "task.note": ("Chờ ý kiến phòng Tài chính", "Đã lưu"),
    "sa.points": ("7,5", "7,5"),
    "sa.percent": ("90", "Đã lưu"),
    "review.points": ("8", "8"),
    "dc.points": ("50", "50"),
    "snooze.range": ("23/11 - 27/11", "23/11"),
    "review.return": ("Bổ sung minh chứng", "Đã trả lại"),
    "period.reopen": ("Sai sót khi nhập", "Đã mở lại"),
}


@pytest.mark.parametrize("kind", sorted(SOUND))
def test_a_sound_answer_is_accepted(scene: tuple[Background, Scene, Errors], kind: str) -> None:
    background, built, _errors = scene
    code, data = built.steps[kind]
    built.ready(kind)
    built.world.services.dialogs.expect(built.ids()[code], kind, dict(data), built.users[code].chat.id, None)
    typed, shown = SOUND[kind]
    answers = background.run(lambda: built.answer(code, typed))
    assert any(shown in answer for answer in answers), "\n---\n".join(answers)
    assert not any(answer.startswith("⚠️") for answer in answers), answers
