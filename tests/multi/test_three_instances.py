"""Three real `danhgia run --webhook` processes on one PostgreSQL database and one Redis sending budget, behind a
small reverse proxy that spreads Telegram's POSTs over them at random (tests/multi/proxy.py): a compressed month of
a dozen people's traffic — linking with their /start codes, /help, the weekly panel and its buttons (double taps
included), the weekly check-in tapped through, and notices owed by the outbox that the scheduler's leader
delivers. Mid-load one instance is killed with SIGKILL, later the scheduler's leader of that moment.

At the end: every update the local Bot API server delivered is recorded once and handled; every command and press
is answered exactly once, every notice arrives exactly once (status sent) — but for a send in flight at a kill,
which may repeat once (the house rule of tests/e2e/test_crash.py, kept as narrowly: the update was in the killed
instance's hands, the notice's first copy went out before the kill); Telegram never answered 429, and no call
Telegram would refuse was made but those repeats. Skipped, with the reason, when PostgreSQL or Redis does not
answer."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text

from danhgia.sandbox.core import BotApiSandbox, CallbackQuery, RateLimits
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.storage import cluster
from danhgia.workflow.clock import SystemClock, local_today
from danhgia.workflow.common import Actor
from danhgia.workflow.outbox import queue
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from tests.conftest import ROSTER_ROWS, VN, make_services, write_roster
from tests.e2e.processes import free_port, no_process_left_behind, start_bot
from tests.e2e.test_crash import in_flight_repeats
from tests.multi.conftest import REDIS_URL
from tests.multi.proxy import Balancer

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]
__all__ = ["no_process_left_behind"]  # the autouse fixture, imported to apply to this module's tests

EXTRA_ROWS = [
    ["CV04", "Ngô Thị Lan", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "TP01", "SO"],
    ["CV05", "Đinh Văn Nam", "TH", "Phòng Tổng hợp", "Chuyên viên", "nhan_vien", "TP01", "SO"],
    ["CV06", "Lý Thị Oanh", "CC", "Phòng Công chức", "Chuyên viên", "nhan_vien", "TP02", "SO"],
    ["CV07", "Mai Văn Phúc", "CC", "Phòng Công chức", "Chuyên viên", "nhan_vien", "TP02", "SO"],
]
PEOPLE = ("GD01", "TP01", "CV01", "CV02", "TP02", "CV03", "TC01", "QT01", "CV04", "CV05", "CV06", "CV07")
INSTANCES = 3
BURST = 8  # per person and half of the month: /help and a double tap of the weekly panel's button, alternately
OWED_EARLY, OWED_LATE = 2, 4  # notices owed to each person before the first kill, and before the leader's kill
# The processes run on the machine's clock at any hour: no reminder ticks by itself, owed notices go out at once.
ENVIRONMENT = {"REMINDERS": "false", "HOLD_NOTICES": "false", "INSTANCES": str(INSTANCES)}
CHATS_AT_ONCE = 8  # chats one instance handles at once (SharedInbox.of's default)
LIMIT = 60.0  # seconds any one answer may take (a guard against hanging; a killed instance's chats wait ~6 s)
HELP = "Các lệnh dành cho bạn"
LINKED = "Liên kết thành công"
CHECKED_IN = "Bạn đã báo cáo hết các việc đang mở của tuần này"
LEADING = "this instance is now the scheduler's leader"
ARRIVALS: dict[int, list[tuple[float, str, dict[str, Any]]]] = {}  # sandbox → (monotonic time, method, params)


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """The local Bot API server for a bot of its own (its id names the bot's keys in Redis, so this test's sending
    budget is its own), answering 429 beyond 30 messages a second; it notes when each call arrived.

    Per chat it lets a person's own burst through (the bot paces per chat only what it sends on its own, as
    handlers/ratelimit.py explains; a person typing /help four times at once is answered four times): the pace
    of the notices, 3 in any 3 s per chat, is checked from the arrival times instead (`notices_paced`)."""
    bot_id = random.SystemRandom().randrange(10**9, 10**10)
    limits = RateLimits(overall_per_second=30.0, per_chat_per_second=10.0, per_chat_burst=30)
    sandbox = BotApiSandbox(token=f"{bot_id}:THREE-INSTANCES-TOKEN", rate_limits=limits)
    arrived = ARRIVALS.setdefault(id(sandbox), [])
    plain = sandbox.call

    async def noted(token: str, method_name: str, raw: dict[str, Any], *, typed: bool = False) -> Any:
        arrived.append((time.monotonic(), method_name, dict(raw)))
        return await plain(token, method_name, raw, typed=typed)

    sandbox.call = noted  # type: ignore[method-assign]
    running = SandboxServer(sandbox)
    await running.start()
    yield running
    await running.stop()
    ARRIVALS.pop(id(sandbox), None)


@pytest.fixture
async def redis_url(server: SandboxServer) -> AsyncIterator[str]:
    """The Redis server of the shared sending budget (skipped when none answers); the bot's keys are removed
    afterwards."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        await client.aclose()
        pytest.skip(f"the shared sending budget needs Redis: none answers at {REDIS_URL} ({error})")
    yield REDIS_URL
    prefix = "{danhgia:" + str(server.sandbox.bot_id) + "}"  # handlers/ratelimit_shared.py's keys of this bot
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@dataclass
class Instance:
    """One `danhgia run --webhook` process, its port and what it logged."""

    process: asyncio.subprocess.Process
    port: int
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None
    killed_at: int | None = None  # the index in the server's call log at its kill

    async def read(self) -> None:
        """Keep its output (read to the end, so that it never blocks on a full pipe)."""
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode(errors="replace").rstrip())

    @property
    def leads(self) -> bool:
        """Whether its log says that it became the scheduler's leader (and it was not killed)."""
        said = [line for line in self.lines if "the scheduler's leader" in line]
        return self.killed_at is None and bool(said) and LEADING in said[-1]


@dataclass
class World:
    """The scene: the services (on the machine's clock, as the processes), the people, the instances."""

    server: SandboxServer
    services: Services
    pg_url: str
    users: dict[str, SimUser]
    ids: dict[str, int]
    balancer: Balancer
    instances: list[Instance] = field(default_factory=list)
    helps_sent: Counter[str] = field(default_factory=Counter)
    presses: list[CallbackQuery] = field(default_factory=list)
    owed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (person, subject) → notices owed
    week: str = "Công việc tuần"  # the title of this week's panel (with its dates, once known)

    @property
    def sandbox(self) -> BotApiSandbox:
        return self.server.sandbox

    def sql(self, query: str, **params: Any) -> list[Any]:
        with self.services.db.engine.connect() as conn:
            return list(conn.execute(text(query), params).all())


def latest_seq(user: SimUser) -> int:
    return max((m.seq for m in user.chat.messages), default=0)


async def expect(world: World, user: SimUser, after: int, needle: str) -> Message:
    """The bot's message (new or edited after seq `after`) showing `needle` — whatever else arrives meanwhile."""

    def found() -> Message | None:
        return next((m for m in user.bot_messages() if m.seq > after and needle in (m.text or "")), None)

    return await world.sandbox.wait_for(found, LIMIT, f"{needle!r} to {user.user.first_name}")


async def tap(world: World, user: SimUser, panel: Message, label: str, needle: str) -> Message:
    """Press a panel's button; wait for the press's answer and for the panel to show `needle`."""
    after = latest_seq(user)
    query = user.press(panel, label)
    world.presses.append(query)
    await world.sandbox.wait_for(lambda: query.answered, LIMIT, f"an answer to {label!r}")
    return await expect(world, user, after, needle)


def sends_with(world: World, user: SimUser, needle: str) -> int:
    """How many messages the bot sent to this person showing `needle` (edits left out)."""
    return sum(
        1
        for c in world.sandbox.calls
        if c.ok and c.method == "sendMessage" and str(c.params.get("chat_id")) == str(user.id)
        if needle in str(c.params.get("text", ""))
    )


def answered(world: World, query: CallbackQuery) -> int:
    """How many times the bot answered this press successfully (Telegram refuses a second answer)."""
    return sum(
        1
        for c in world.sandbox.calls
        if c.method == "answerCallbackQuery" and c.ok and str(c.params.get("callback_query_id")) == query.id
    )


def owe(world: World, round_name: str, per_person: int) -> None:
    """Notices owed to everyone, each with a dedupe key of its own, queued as a use case queues them."""
    with world.services.db.uow() as uow:
        for n, code in enumerate(PEOPLE):
            for k in range(per_person):
                subject = PEOPLE[(n + k + 1) % len(PEOPLE)]
                key = f"three:{round_name}:{code}:{k}"
                payload = {"person_id": world.ids[subject]}
                assert queue(uow, "unreachable", world.ids[code], payload, now(world), dedupe_key=key)
                world.owed[(code, subject)] += 1
        uow.commit()


def now(world: World) -> Any:
    return world.services.clock.now()


def notices(world: World, code: str, subject: str) -> list[int]:
    """The indexes in the server's call log of the notices about `subject` sent to `code`."""
    chat = str(world.users[code].id)
    return [
        i
        for i, c in enumerate(world.sandbox.calls)
        if c.ok and c.method == "sendMessage" and str(c.params.get("chat_id")) == chat
        if f"({subject}) đã chặn bot" in str(c.params.get("text", ""))
    ]


def delivered_notices(world: World) -> int:
    return sum(len(notices(world, code, subject)) for code, subject in world.owed)


async def kill(instance: Instance, world: World) -> None:
    """SIGKILL: no goodbye, its connections cut; the balancer finds out by itself."""
    with contextlib.suppress(ProcessLookupError):
        instance.process.send_signal(signal.SIGKILL)
    await instance.process.wait()
    instance.killed_at = len(world.sandbox.calls)


def leader_sessions(world: World) -> int:
    """Sessions holding the scheduler's lock in this database."""
    rows = world.sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted"
        " AND classid = :classid AND objid = :objid"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        classid=cluster.LEADER_LOCK[0],
        objid=cluster.LEADER_LOCK[1],
    )
    return int(rows[0][0])


async def until(world: World, condition: Callable[[], bool], what: str, limit: float = LIMIT) -> None:
    await world.sandbox.wait_for(condition, limit, what)


# -- the month ---------------------------------------------------------------------------------------------------


async def person_month(world: World, code: str, rng: random.Random) -> None:
    """One person's traffic after linking: /help and double taps of the weekly panel, the weekly check-in tapped
    through (one task done on time, one going on), then more of the same."""
    user = world.users[code]
    after = latest_seq(user)
    user.send("/tuannay")
    panel = await expect(world, user, after, world.week)
    later = panel.button("Tuần sau ▶")["callback_data"]

    async def burst() -> None:
        for i in range(BURST):
            if i % 2 == 0:
                user.send("/help")
                world.helps_sent[code] += 1
            else:
                world.presses.append(user.press_forged(panel, later))  # the same button, again and again
            await asyncio.sleep(rng.uniform(0.01, 0.15))

    await burst()
    after = latest_seq(user)
    user.send("/baocaotuan")
    report = await expect(world, user, after, "Việc 1/2")
    report = await tap(world, user, report, "Xong đúng hạn", "Việc 2/2")
    await tap(world, user, report, "Đang thực hiện", CHECKED_IN)
    await burst()


async def chaos(world: World, rng: random.Random) -> None:
    """Mid-load, kill an instance that is not the leader (one with updates in its hands); then, while the leader
    delivers the notices owed, kill the leader."""
    await asyncio.sleep(rng.uniform(1.0, 2.5))
    followers = [i for i in world.instances if not i.leads]
    with contextlib.suppress(TimeoutError):
        await until(world, lambda: any(world.balancer.in_flight(i.port) for i in followers), "a follower busy", 10)
    victim = max(followers, key=lambda i: (world.balancer.in_flight(i.port), rng.random()))
    unanswered = sum(1 for q in world.presses if not q.answered) + len(world.sandbox.updates)
    await kill(victim, world)
    assert unanswered, "the first kill should fall in the middle of the traffic"

    # Notices owed to everyone: the leader sends them at Telegram's pace (3 per 3 s per chat); kill it midway.
    leader = next(i for i in world.instances if i.leads)
    before = delivered_notices(world)
    owe(world, "late", OWED_LATE)
    total = sum(world.owed.values())
    await until(world, lambda: delivered_notices(world) >= before + len(PEOPLE) * 2, "some notices sent")
    assert delivered_notices(world) < total, "the leader's kill should fall in the middle of the notices"
    await kill(leader, world)
    # Another instance leads within seconds (the last one alive).
    await until(world, lambda: any(i.leads for i in world.instances), "a new leader", 30)


async def test_three_instances_behind_a_proxy_lose_nothing_and_repeat_nothing_through_two_kills(
    server: SandboxServer, pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    loop = asyncio.get_running_loop()
    began = loop.time()
    rng = random.Random(uuid.uuid4().int)
    seed = rng.randrange(10**6)
    rng = random.Random(seed)
    print(f"three instances: seed {seed}")
    services = make_services(pg_url, SystemClock())  # the processes run on the machine's clock
    rows = ROSTER_ROWS + EXTRA_ROWS
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", rows)), Actor.cli("test"))
    codes = {i.staff_code: i.code for i in services.linking.issue_invites(Actor.cli("test"))}
    with services.db.uow() as uow:
        ids = {code: person.id or 0 for code in PEOPLE if (person := uow.people.get_by_code(code)) is not None}
    users = {code: SimUser(server.sandbox, server.sandbox.add_user(code, "Ba")) for code in PEOPLE}
    balancer = Balancer(random.Random(seed + 1))
    world = World(server, services, pg_url, users, ids, balancer)
    hook = await balancer.start()
    try:
        for _ in range(INSTANCES):
            port = free_port()
            balancer.ports.append(port)
            process = await start_bot(
                server,
                pg_url,
                tmp_path,
                transport_name="webhook",
                WEBHOOK_URL=hook,
                WEBHOOK_PORT=str(port),
                REDIS_URL=redis_url,
                **ENVIRONMENT,
            )
            instance = Instance(process, port)
            instance.reader = asyncio.create_task(instance.read())
            world.instances.append(instance)
        await until(world, lambda: world.instances[0].leads, "the first instance leading")
        assert [i.leads for i in world.instances] == [True, False, False] and leader_sessions(world) == 1
        await month(world, codes, rng)
    finally:
        for instance in world.instances:
            if instance.process.returncode is None:
                instance.process.send_signal(signal.SIGTERM)
        for instance in world.instances:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(instance.process.wait(), 30)
            if instance.reader is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(instance.reader, 10)
        await balancer.stop()
    check(world)
    services.db.dispose()
    print(f"three instances: {loop.time() - began:.1f} s")


async def month(world: World, codes: dict[str, str], rng: random.Random) -> None:
    """Linking, the tasks of the month, notices owed; then everyone's traffic with the two kills in its middle."""
    for code, user in world.users.items():
        user.send(f"/start {codes[code]}")
    for user in world.users.values():
        await expect(world, user, 0, LINKED)
    today = local_today(world.services.clock, VN)
    world.week = f"Công việc tuần {today - timedelta(days=today.weekday()):%d/%m} – "
    for code in PEOPLE:
        pid = world.ids[code]
        for title in ("Báo cáo tháng", "Tổng hợp số liệu"):
            world.services.tasks.add(Actor.person(pid), pid, f"{title} {code}", today, Decimal(1))
    owe(world, "early", OWED_EARLY)
    people = [person_month(world, code, random.Random(rng.random())) for code in PEOPLE]
    await asyncio.gather(*people, chaos(world, rng))

    def settled() -> bool:
        return (
            all(sends_with(world, world.users[c], HELP) >= world.helps_sent[c] for c in PEOPLE)
            and all(answered(world, q) for q in world.presses)
            and world.services.outbox.pending_count() == 0
            and not world.sandbox.updates
            and world.services.inbox.counts().get("pending", 0) == 0
        )

    await until(world, settled, "every update answered, every notice delivered")
    survivors = [i for i in world.instances if i.killed_at is None]
    assert len(survivors) == 1 and survivors[0].leads and leader_sessions(world) == 1


def most_in_any(times: list[float], period: float) -> int:
    """The most moments in any window of `period` seconds."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= period:
            start += 1
        most = max(most, end - start + 1)
    return most


def check(world: World) -> None:
    """Everything once (but a send in flight at a kill), no 429, no refused call but those repeats."""
    sandbox = world.sandbox
    kills = sorted(i.killed_at for i in world.instances if i.killed_at is not None)
    assert len(kills) == 2
    assert sandbox.violations == []
    # Telegram's limits kept by the three together: never a 429, never more than 30 messages in a second.
    sends = [(t, params) for t, method, params in ARRIVALS[id(sandbox)] if method.lower() == "sendmessage"]
    busiest = most_in_any([t for t, _ in sends], 1.0)
    assert sandbox.too_many_requests == 0 and busiest <= 30, (sandbox.too_many_requests, busiest)
    for code, user in world.users.items():  # the notices (sent on the bot's own) at 3 in any 3 s to a chat
        paced = [t for t, p in sends if str(p.get("chat_id")) == str(user.id) and "đã chặn bot" in str(p.get("text"))]
        assert most_in_any(paced, 3.0) <= 3, code

    # Every update delivered is recorded exactly once, and handled.
    delivered = {a.update_id for a in sandbox.delivery.attempts if a.delivered}
    attempted = {a.update_id for a in sandbox.delivery.attempts}
    assert attempted == delivered and not sandbox.updates
    inbox = world.sql("SELECT update_id, chat_key, state, attempts, payload FROM inbound_update")
    assert len(inbox) == len({row[0] for row in inbox}) and {row[0] for row in inbox} == delivered
    assert {row[2] for row in inbox} == {"done"}
    # Taken more than once only when the instance holding its chat's lock died before marking it done (whichever
    # instance received it: a turn handles every pending update of the chat): at most one per chat and kill, and
    # no more per kill than the chats one instance handles at once.
    again = [row for row in inbox if row[3] > 1]
    assert max(Counter(row[1] for row in again).values(), default=0) <= len(kills)
    assert len(again) <= CHATS_AT_ONCE * len(kills)

    # Every command answered once; a command in a killed instance's hands may have been answered twice.
    twice = Counter((row[1], str((row[4].get("message") or {}).get("text")).split(" ")[0]) for row in again)
    for code, user in world.users.items():
        for command, needle, sent in (
            ("/help", HELP, world.helps_sent[code]),
            ("/start", LINKED, 1),
            ("/tuannay", world.week, 1),
            ("/baocaotuan", "Việc 1/2", 1),
        ):
            answers = sends_with(world, user, needle)
            assert sent <= answers <= sent + twice[(user.id, command)], (code, command, answers, sent, again)
    assert all(answered(world, q) == 1 for q in world.presses)
    # Every task reported through the buttons: one done on time, one going on, for everyone.
    statuses = Counter((row[0], row[1]) for row in world.sql("SELECT status, progress FROM task"))
    assert statuses == {("done_on_time", "planned"): len(PEOPLE), ("open", "in_progress"): len(PEOPLE)}

    # Every notice owed sent, status sent; a copy more only when its first went out before a kill.
    assert Counter(row[0] for row in world.sql("SELECT status FROM outbox")) == {"sent": sum(world.owed.values())}
    repeats = 0
    for (code, subject), times in world.owed.items():
        sent = notices(world, code, subject)
        assert times <= len(sent) <= times + 1, (code, subject, sent)
        if len(sent) > times:
            assert any(sent[0] < k <= sent[-1] for k in kills), (code, subject, sent, kills)
            repeats += 1

    # Refused calls: only repeats of what a killed instance had done for an update in its hands.
    boundaries = [0, *kills]
    repeated = in_flight_repeats(world.server, boundaries)
    assert sandbox.wasted_calls() == [
        f"{c.method} ({(c.error or '')[:40]}…) {str(c.params.get('text', ''))[:60]}".replace("\n", " ")
        for c in repeated
    ]
    switches = sum(
        a.port != b.port
        for chat in {f.chat for f in world.balancer.forwards}
        for a, b in zip(
            [f for f in world.balancer.forwards if f.chat == chat],
            [f for f in world.balancer.forwards if f.chat == chat][1:],
            strict=False,
        )
    )
    print(
        f"three instances: {len(inbox)} updates, {len(again)} taken again after a kill, {repeats} notices and "
        f"{len(repeated)} refused calls repeated, {world.balancer.refused} POSTs refused (502), "
        f"{switches} switches of instance within a chat, {sum(world.owed.values())} notices, "
        f"at most {busiest} messages in a second"
    )
