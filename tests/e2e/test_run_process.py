"""`danhgia run` as a real process: it serves, stops cleanly on SIGTERM/Ctrl-C, and loses no update; `danhgia run
--webhook` serves the sandbox's posts, refuses a request without the secret, loses nothing when killed with an
update in its hands, and says in Vietnamese what is missing to start."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from danhgia.bot.cli import app as cli
from danhgia.sandbox.server import SandboxServer
from danhgia.sandbox.users import SimUser
from danhgia.sandbox.webhook import SECRET_HEADER
from danhgia.workflow.clock import SystemClock
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from tests.conftest import ROSTER_ROWS, WEBHOOK_SECRET, make_services, write_roster
from tests.e2e.processes import free_port, no_process_left_behind, start_bot

pytestmark = pytest.mark.e2e
__all__ = ["no_process_left_behind"]  # the autouse fixture, imported to apply to this module's tests


async def stop(process: asyncio.subprocess.Process, sig: signal.Signals) -> str:
    process.send_signal(sig)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_run_serves_stops_cleanly_and_answers_what_arrived_while_down(
    server: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    # The process runs on the machine's clock, so the invite is issued on that clock too (never the tests' fixed
    # one: a link issued "on 20/11/2026" is expired for a process started weeks later).
    services = make_services(sqlite_url, SystemClock())
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    code = {i.staff_code: i.code for i in services.linking.issue_invites(Actor.cli("test"))}["CV01"]
    an = SimUser(server.sandbox, server.sandbox.add_user("An", "Lê Văn"))

    process = await start_bot(server, sqlite_url, tmp_path)
    an.send(f"/start {code}")
    assert "Liên kết thành công" in (await an.next_message(20)).text
    log = await stop(process, signal.SIGTERM)
    assert "danhgia is running as @danhgia_test_bot" in log
    assert "danhgia stopped" in log
    assert "Traceback" not in log

    # While the bot is down, An asks for help twice; nothing is lost and nothing is answered twice.
    an.send("/help")
    an.send("xin chào")
    process = await start_bot(server, sqlite_url, tmp_path)
    first = await an.next_message(20)
    second = await an.next_message(20)
    assert "Các lệnh dành cho bạn" in first.text
    assert "chưa hiểu" in second.text
    log = await stop(process, signal.SIGINT)
    assert "Traceback" not in log
    assert len(an.bot_messages()) == 3
    services.db.dispose()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_unreachable_bot_api_is_reported(tmp_path: Path, mode: str) -> None:
    environment = {
        **bot_environment_without_webhook(),
        "BOT_TOKEN": "123:ABCDEFGHIJ",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    port = free_port()
    environment |= {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_SECRET": WEBHOOK_SECRET}
    environment |= {"WEBHOOK_PORT": str(port)}
    arguments = ["run", "--webhook"] if mode == "webhook" else ["run"]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "danhgia",
        *arguments,
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert "Không kết nối được tới máy chủ Bot API http://127.0.0.1:9" in output.decode()
    # WEBHOOK_URL set but no --webhook: it says that it long-polls (and so removes the webhook).
    assert ("đã đặt WEBHOOK_URL nhưng lệnh chạy không có --webhook" in output.decode()) == (mode == "polling")


def bot_environment_without_webhook() -> dict[str, str]:
    """This process's environment without any webhook setting a developer may have exported."""
    return {name: value for name, value in os.environ.items() if not name.startswith("WEBHOOK_")}


HELP = "Các lệnh dành cho bạn"


def linked_setup(server: SandboxServer, sqlite_url: str, tmp_path: Path) -> tuple[Services, str, SimUser]:
    """The roster on the machine's clock (the process runs on it), CV01's invite code, and An, not linked yet."""
    services = make_services(sqlite_url, SystemClock())
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), Actor.cli("test"))
    code = {i.staff_code: i.code for i in services.linking.issue_invites(Actor.cli("test"))}["CV01"]
    return services, code, SimUser(server.sandbox, server.sandbox.add_user("An", "Lê Văn"))


async def test_run_webhook_serves_and_refuses_a_request_without_the_secret(
    server: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    services, code, an = linked_setup(server, sqlite_url, tmp_path)
    health = free_port()
    process = await start_bot(server, sqlite_url, tmp_path, transport_name="webhook", HEALTH_PORT=str(health))
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:  # /healthz for the load balancer
        answer = await client.get(f"http://127.0.0.1:{health}/healthz")
        assert answer.status_code == 200 and answer.json()["database"] == "ok"
    hook = server.sandbox.webhook
    assert hook is not None and hook.secret_token == WEBHOOK_SECRET and hook.url.endswith("/telegram")
    an.send(f"/start {code}")
    assert "Liên kết thành công" in (await an.next_message(20)).text

    forged = {
        "update_id": 990_000_001,
        "message": {
            "message_id": 9_999,
            "date": int(time.time()),
            "chat": {"id": an.id, "type": "private", "first_name": "An"},
            "from": {"id": an.id, "is_bot": False, "first_name": "An"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        for headers in ({SECRET_HEADER: "wrong-secret"}, {}):
            response = await client.post(hook.url, json=forged, headers=headers)
            assert response.status_code == 403
    assert "chưa hiểu" in (await an.say("xin chào", 20)).text
    assert not any(HELP in (m.text or "") for m in an.bot_messages())  # the forged /help was never handled
    # The inbox holds /start and "xin chào" (marked done just after their answers), nothing of the forged update.
    await server.sandbox.wait_for(lambda: services.inbox.counts() == {"done": 2}, 20, "both updates marked done")
    log = await stop(process, signal.SIGTERM)
    assert "webhook: listening on 127.0.0.1:" in log and "danhgia stopped" in log
    assert "Traceback" not in log and WEBHOOK_SECRET not in log
    assert server.sandbox.webhook is hook  # the webhook stays set: Telegram keeps what comes meanwhile
    services.db.dispose()


async def test_run_webhook_killed_with_an_update_in_its_hands_loses_nothing(
    server: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    services, code, an = linked_setup(server, sqlite_url, tmp_path)
    process = await start_bot(server, sqlite_url, tmp_path, transport_name="webhook", quiet=True)
    an.send(f"/start {code}")
    assert "Liên kết thành công" in (await an.next_message(20)).text
    await server.sandbox.wait_for(lambda: services.inbox.counts().get("pending", 0) == 0, 20, "/start marked done")

    # Another program holds the inbox's write lock: the bot receives the next update but cannot record it, so it
    # cannot answer the POST — and is killed right then.
    database = Path(str(make_url(sqlite_url).database))
    inbox_file = database.with_name(f"{database.stem}.inbox{database.suffix}")  # Database.inbox() on SQLite
    assert inbox_file.is_file(), "the inbox is no longer a file of its own: lock where it is now"
    holder = sqlite3.connect(inbox_file, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        attempts = server.sandbox.delivery.attempts
        before = len(attempts)
        an.send("/help")
        await server.sandbox.wait_for(lambda: len(attempts) > before, 20, "the /help posted to the bot")
        posted = attempts[before]
        await asyncio.sleep(0.3)  # let the bot read the request and wait for the lock
        assert not posted.finished  # not answered
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await server.sandbox.wait_for(lambda: posted.finished, 20, "the POST to end without an answer")
        assert posted.status is None and posted.error is not None
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    # The server keeps retrying; a new process takes the update and handles it once.
    process = await start_bot(server, sqlite_url, tmp_path, transport_name="webhook")
    assert HELP in (await an.next_message(30)).text
    tries = [a for a in attempts[before:] if a.update_id == posted.update_id]
    assert [a.delivered for a in tries].count(True) == 1 and tries[-1].delivered
    await an.say("xin chào", 20)  # handled after /help: nothing of it is still on its way
    await server.sandbox.wait_for(lambda: services.inbox.counts() == {"done": 3}, 20, "all three marked done")
    log = await stop(process, signal.SIGTERM)
    assert "Traceback" not in log
    assert sum(1 for m in an.bot_messages() if HELP in (m.text or "")) == 1
    services.db.dispose()


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder without .env, a token, a database of its own and no webhook settings."""
    monkeypatch.chdir(tmp_path)
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", "123:ABCDEFGHIJ")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")


def test_run_webhook_says_what_is_missing(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    no_url = runner.invoke(cli, ["run", "--webhook"])
    assert no_url.exit_code == 2
    assert "Chế độ webhook (--webhook) cần địa chỉ công khai" in no_url.output and "WEBHOOK_URL" in no_url.output
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.gov.vn/telegram")
    no_secret = runner.invoke(cli, ["run", "--webhook"])
    assert no_secret.exit_code == 2 and "Chế độ webhook cần WEBHOOK_SECRET" in no_secret.output
    monkeypatch.setenv("WEBHOOK_SECRET", "")
    assert runner.invoke(cli, ["run", "--webhook"]).exit_code == 2
    monkeypatch.setenv("WEBHOOK_SECRET", "có dấu")
    refused = runner.invoke(cli, ["run", "--webhook"])
    assert refused.exit_code == 2 and "WEBHOOK_SECRET" in refused.output  # the settings refuse it first


def test_run_webhook_on_a_taken_port_says_so(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with contextlib.closing(socket.create_server(("127.0.0.1", 0))) as taken:
        port = taken.getsockname()[1]
        monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.gov.vn/telegram")
        monkeypatch.setenv("WEBHOOK_SECRET", WEBHOOK_SECRET)
        monkeypatch.setenv("WEBHOOK_LISTEN", "127.0.0.1")
        monkeypatch.setenv("WEBHOOK_PORT", str(port))
        result = CliRunner().invoke(cli, ["run", "--webhook"])
    assert result.exit_code == 1
    assert f"Không mở được địa chỉ 127.0.0.1:{port} để nhận webhook" in result.output
    assert not (Path.cwd() / "x.db").exists()  # refused before anything started
