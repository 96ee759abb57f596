"""Two instances of the real Application — as `danhgia run` builds it, wired for several instances — on one PostgreSQL
database, behind a balancer that hands each update to one or the other in turn (as a load balancer in front of two
webhooks would): every /help is answered once, every button press once, the double taps that land on different
instances make no call Telegram would refuse (the instance handling a later tap knows the panel edit another one
made), the messages the outbox owes arrive once (sent by the scheduler's
leader only), and nothing is left pending in the inbox."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from danhgia.bot.app import build_application
from danhgia.sandbox.core import CallbackQuery
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.scheduler import jobs
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.inbox import SharedInbox
from danhgia.workflow.outbox import queue
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from tests.conftest import ROSTER_ROWS, bot_settings, make_services, write_roster

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]
PEOPLE = ("CV01", "CV02", "CV03", "TP01")
BURST = 10  # per person: /help, then the same button of the same panel (next week) pressed again, alternately
HELP = "Các lệnh dành cho bạn"


def for_several_instances(app: Any) -> None:
    """build_application on PostgreSQL wires the shared inbox by itself (and the scheduler's election)."""
    assert app.update_queue.shared and isinstance(app.update_processor.shared, SharedInbox)


async def balance(apps: list[Any], server: SandboxServer, routes: dict[int, list[int]]) -> None:
    """Hand each update waiting in the local Bot API server to an instance chosen at random (a person's consecutive
    updates often land on different instances); `routes` keeps, per chat, the instance each update went to."""
    rng = random.Random(11)
    while True:
        for raw in server.sandbox.deliverable():
            chosen = rng.randrange(len(apps))
            update = Update.de_json(raw, apps[chosen].bot)
            await apps[chosen].update_queue.put(update)  # recorded before it is acknowledged
            server.sandbox.acknowledge(raw["update_id"])
            if update.effective_chat is not None:
                routes.setdefault(update.effective_chat.id, []).append(chosen)
        await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def instance(server: SandboxServer, url: str, clock: ManualClock) -> AsyncIterator[tuple[Any, Services]]:
    """One instance: its own services and Application, started without receiving by itself."""
    services = make_services(url, clock)
    app = build_application(bot_settings(server, url, hold_notices=False), services)
    for_several_instances(app)
    await app.initialize()
    try:
        assert app.post_init is not None and app.post_stop is not None
        await app.post_init(app)
        await app.start()
        try:
            yield app, services
        finally:
            await app.stop()  # lets the updates being handled finish
            await app.post_stop(app)
    finally:
        await app.shutdown()
        services.db.dispose()


def answered(server: SandboxServer, query: CallbackQuery) -> int:
    return sum(
        1
        for call in server.sandbox.calls
        if call.method == "answerCallbackQuery" and call.ok and str(call.params.get("callback_query_id")) == query.id
    )


async def test_two_instances_behind_a_balancer_answer_everything_once(
    server: SandboxServer, pg_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    setup = make_services(pg_url, clock)
    setup.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    codes = {i.staff_code: i.code for i in setup.linking.issue_invites(Actor.cli("test"))}
    with setup.db.uow() as uow:
        ids = {code: person.id or 0 for code in PEOPLE if (person := uow.people.get_by_code(code)) is not None}
    users = {code: SimUser(server.sandbox, server.sandbox.add_user(code, "Hai")) for code in PEOPLE}
    routes: dict[int, list[int]] = {}
    async with instance(server, pg_url, clock) as (first, _), instance(server, pg_url, clock) as (second, _):
        assert jobs.leads(first) and not jobs.leads(second)  # one scheduler: the first instance started
        balancer = asyncio.create_task(balance([first, second], server, routes))
        try:
            panels = {}
            for code, user in users.items():
                user.send(f"/start {codes[code]}")
                await user.next_message(20)
                panels[code] = await user.say("/tuannay", 20)
            later = {code: panel.button("Tuần sau ▶")["callback_data"] for code, panel in panels.items()}
            start = {code: max(m.seq for m in user.bot_messages()) for code, user in users.items()}
            with setup.db.uow() as uow:  # notices the outbox owes everyone (as a use case queues them)
                for code in PEOPLE:
                    queue(uow, "unreachable", ids[code], {"person_id": ids[PEOPLE[0]]}, clock.now())
                uow.commit()
            presses = []
            for i in range(BURST):
                for code, user in users.items():
                    if i % 2 == 0:
                        user.send("/help")
                    else:
                        presses.append(user.press_forged(panels[code], later[code]))  # a double tap, again and again

            def helps(code: str) -> int:
                return sum(1 for m in users[code].bot_messages() if m.seq > start[code] and HELP in (m.text or ""))

            def settled() -> bool:
                return (
                    all(helps(code) >= BURST // 2 for code in PEOPLE)
                    and all(answered(server, q) for q in presses)
                    and setup.outbox.pending_count() == 0
                )

            await server.sandbox.wait_for(settled, 60, "every update answered and every notice delivered")
        finally:
            balancer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await balancer
        assert all(helps(code) == BURST // 2 for code in PEOPLE)  # each /help answered exactly once
        assert all(answered(server, q) == 1 for q in presses)  # each press answered exactly once
        for code in PEOPLE:
            notices = [m for m in users[code].bot_messages() if "chặn bot" in (m.text or "")]
            assert len(notices) == 1, code
        switches = sum(a != b for chosen in routes.values() for a, b in itertools.pairwise(chosen))
        assert switches >= 10  # many times, a person's next update went to the other instance
    assert setup.inbox.counts().get("pending", 0) == 0  # once both stopped, every update is marked done
    setup.db.dispose()
