"""The inbox: an update is recorded before it is queued (so before Telegram's acknowledgement), a redelivered one is
not queued again, the recorded ones not handled are queued first after a restart, and one that keeps killing the
process is given up after three tries; `danhgia outbox` shows what waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram import Bot, Chat, Message, Update, User
from telegram.error import NetworkError
from typer.testing import CliRunner

from danhgia.bot.cli import app
from danhgia.bot.updates import MAX_ATTEMPTS, PollRequest, RecordingQueue, inbox_writer
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.storage.db import make_engine, migrate
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.inbox import InboxService
from tests.conftest import START

BOT = Bot("123456789:SANDBOX-TEST-TOKEN")


def update(update_id: int, text: str = "/help") -> Update:
    user = User(42, "An", False)
    message = Message(update_id, START, Chat(42, Chat.PRIVATE), from_user=user, text=text)
    return Update(update_id, message=message)


def inbox(tmp_path: Path) -> InboxService:
    engine = make_engine(f"sqlite:///{tmp_path / 'danhgia.db'}")
    migrate(engine)
    return InboxService(Database(engine).inbox(), ManualClock(START))


async def test_recorded_before_queued_and_a_redelivery_is_not_queued_again(tmp_path: Path) -> None:
    service = inbox(tmp_path)
    assert str(service.db.engine.url.database).endswith("danhgia.inbox.db")  # SQLite: a file of its own, beside
    queue = RecordingQueue()
    queue.inbox = service
    await queue.put(update(1))
    await queue.put(update(2, "xin chào"))
    await queue.put(update(1))  # Telegram delivers it again (it was not acknowledged yet)
    assert queue.qsize() == 2
    assert [r.update_id for r in service.pending()] == [1, 2]
    service.done(1)
    assert [r.update_id for r in service.pending()] == [2]


async def test_a_record_is_on_disk_before_it_is_queued_and_a_done_mark_needs_no_flush_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQLite inbox writes on the event loop without waiting for the disk, then flushes the log off it: an update
    is queued (and so acknowledged) only after that flush."""
    service = inbox(tmp_path)
    flushed: list[int] = []
    monkeypatch.setattr(service, "flush", lambda: flushed.append(len(service.pending())))
    queue = RecordingQueue()
    queue.inbox = service
    await queue.put(update(1))
    assert flushed == [1] and queue.qsize() == 1  # recorded, flushed, then queued
    await inbox_writer(service).done(1)
    assert flushed == [1] and service.pending() == []  # saved at once, on disk with the next record
    await queue.put(update(1))  # a redelivery of a handled update is still recognised
    assert queue.qsize() == 1


async def test_after_a_restart_the_recorded_updates_are_handled_first_and_a_poison_one_is_given_up(
    tmp_path: Path,
) -> None:
    service = inbox(tmp_path)
    first = RecordingQueue()
    first.inbox = service
    for n in (7, 8, 9):
        await first.put(update(n))
    service.done(8)
    # The process dies; the next one queues 7 and 9, in order, before anything new.
    again = RecordingQueue()
    again.inbox = service
    assert await again.replay(BOT) == 2
    assert [again.get_nowait().update_id for _ in range(2)] == [7, 9]  # type: ignore[attr-defined]
    # Update 9 kills the process every time: after three tries it is given up (and logged), not tried forever.
    for _ in range(MAX_ATTEMPTS - 1):
        later = RecordingQueue()
        later.inbox = service
        await later.replay(BOT)
    final = RecordingQueue()
    final.inbox = service
    assert await final.replay(BOT) == 0
    assert service.pending() == []


def test_the_outbox_command_says_what_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    result = CliRunner().invoke(app, ["outbox"])
    assert result.exit_code == 0, result.output
    assert "Hộp thư đi trống" in result.output and "Cập nhật đã nhận: 0 đã xử lý, 0 đang chờ xử lý." in result.output


@dataclass
class Polling:
    """A bot polling a local Bot API server through `PollRequest`, its queue recording into an SQLite inbox."""

    sandbox: BotApiSandbox
    inbox: InboxService
    queue: RecordingQueue
    bot: Bot


@pytest.fixture
async def polling(tmp_path: Path) -> AsyncIterator[Polling]:
    sandbox = BotApiSandbox()
    server = SandboxServer(sandbox)
    await server.start()
    queue = RecordingQueue()
    queue.inbox = inbox(tmp_path)
    bot = Bot(sandbox.token, base_url=f"{server.url}/bot", get_updates_request=PollRequest(queue))
    try:
        async with bot:
            yield Polling(sandbox, queue.inbox, queue, bot)
    finally:
        await server.stop()


async def test_a_polled_batch_is_flushed_once_before_the_next_getupdates_acknowledges_it(
    polling: Polling, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By polling, an update is queued once its record is committed; the next getUpdates (which acknowledges the
    batch) first flushes every record to disk — one flush a batch. The records are what Telegram sent."""
    sandbox, service, queue, bot = polling.sandbox, polling.inbox, polling.queue, polling.bot
    flushed: list[bool] = []  # at each flush: whether the updates received were all still unacknowledged
    received: list[int] = []
    monkeypatch.setattr(service, "flush", lambda: flushed.append(all(sandbox.is_pending(u) for u in received)))
    an = sandbox.add_user("An")
    for text in ("/help", "/tuannay", "xin chào"):
        sandbox.act_send(an.id, text)
    updates = await bot.get_updates(timeout=0)
    assert flushed == []  # nothing recorded yet: nothing to flush
    received.extend(u.update_id for u in updates)
    for item in updates:
        await queue.put(item)
    assert queue.qsize() == 3 and flushed == []  # committed and queued, not yet on disk
    sent = {u["update_id"]: u for u in sandbox.deliverable()}
    assert [r.payload for r in service.pending()] == [sent[u.update_id] for u in updates]  # as sent
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert flushed == [True]  # one flush for the three, before the call that acknowledged them
    assert not any(sandbox.is_pending(u) for u in received)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert flushed == [True]  # nothing new: no flush


async def test_a_failed_flush_fails_the_getupdates_and_acknowledges_nothing(
    polling: Polling, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, bot = polling.sandbox, polling.bot
    disk = {"full": True}

    def flush() -> None:
        if disk["full"]:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(polling.inbox, "flush", flush)
    an = sandbox.add_user("An")
    sandbox.act_send(an.id, "/help")
    (first,) = await bot.get_updates(timeout=0)
    await polling.queue.put(first)
    with pytest.raises(NetworkError, match="could not be saved"):  # python-telegram-bot retries it
        await bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert sandbox.is_pending(first.update_id)  # never sent: not acknowledged
    disk["full"] = False
    await bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert not sandbox.is_pending(first.update_id)
