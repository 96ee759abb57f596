"""The inbox: an update is recorded before it is queued (so before Telegram's acknowledgement), a redelivered one is
not queued again, the recorded ones not handled are queued first after a restart, and one that keeps killing the
process is given up after three tries; `danhgia outbox` shows what waits."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Bot, Chat, Message, Update, User
from typer.testing import CliRunner

from danhgia.bot.cli import app
from danhgia.bot.updates import MAX_ATTEMPTS, RecordingQueue, inbox_writer
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
