"""CPU per interactive update: danhgia as deployed against a bare python-telegram-bot echo bot (issue 19's target:
danhgia's CPU per update ≤ 1.5 × the echo's on the same flow), each bot measured from outside, in its own process.

This process runs two local Bot API servers (`SandboxServer` over a `BotApiSandbox`, one per bot) and the simulated
staff (`SimUser`); each bot runs in a child process of its own, long-polling its server, and both stay up for the
whole benchmark:
  * danhgia — `python -m danhgia run` exactly as deployed (BOT_TOKEN, TELEGRAM_API_URL, DATABASE_URL; REMINDERS=false,
    HOLD_NOTICES=false; every other setting at its default), over an SQLite file prepared like bench_checkin.py
    prepares it (one unit, linked accounts, 3 open tasks each) but on the machine's clock — the child runs on the
    real clock, so the tasks are due at the end of the real current week (never a fixed test date);
  * echo — this very script with `--echo-bot`: python-telegram-bot alone (no danhgia import), answering the same
    command with a fixed panel of the same buttons and each press with answerCallbackQuery + an edit, with PTB's
    own concurrent update processing, the same allowed updates and the same poll settings as `danhgia run`.
Once both poll and are idle, each is warmed up (a burst not measured: first use of caches and lazy imports). Then
the bots take turns, burst by burst (which one goes first alternates): once the bot is idle, N fresh staff each send
/baocaotuan and tap an outcome for each of their K open tasks, all at once. A bot's CPU time (user + system of all
its threads, from /proc/<pid>/stat) is read just before the first update of a burst is sent and just after its last
answer is received. Bursts of the two bots a few seconds apart meet the same machine: on a shared 2-core machine
whose speed drifts (the same code costs ±30 % from one minute to the next), the ratio of neighbouring bursts is far
steadier than that of runs minutes apart. The children are killed at the end (whatever happens: also when this
script fails or is killed, by PR_SET_PDEATHSIG).

Reported: each burst's ms of CPU per update of each bot and their ratio; each bot's CPU per update over all its
bursts and the ratio of those totals; the median of the bursts' ratios (target ≤ 1.5); and the Bot API calls each
bot made per update (the same flow: the same calls).

`danhgia run` keeps Telegram's sending limits (its rate limiter lets at most 30 new messages a second go; edits and
callback answers are not limited), so each burst's 100 /baocaotuan panels take over 3 s and its updates/s is capped
by that, not comparable with the echo's (no limiter): CPU per update is what is compared.

Run by hand on a quiet machine: `.venv/bin/python bench/bench_cpu_per_update.py [--staff 100] [--tasks 3]
[--bursts 10] [--warmup 20] [--poll-timeout 30]`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import ctypes
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

if TYPE_CHECKING:  # the benchmark's side only: the echo child imports nothing of danhgia
    from danhgia.sandbox.core import BotApiSandbox
    from danhgia.sandbox.server import SandboxServer
    from danhgia.sandbox.users import SimUser

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ECHO_CONFIG = "BENCH_ECHO_CONFIG"  # the echo child's button labels, allowed updates and poll timeout (JSON)
PR_SET_PDEATHSIG = 1
IDLE_WINDOW = 1.0  # seconds of each look at a child's CPU while waiting for it to be idle
IDLE_CPU = 0.05  # a child is idle once it used at most this share of a core in two windows in a row
START_TIMEOUT = 60.0
SCRIPT = Path(__file__).resolve()


# -- the echo bot (child process) ------------------------------------------------------------------------------


def echo_bot() -> None:
    """A bare python-telegram-bot bot answering /baocaotuan and the presses with a fixed panel, long polling."""
    config = json.loads(os.environ[ECHO_CONFIG])
    panel = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"echo:{i}") for i, label in enumerate(config["labels"])]]
    )

    async def command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await update.effective_chat.send_message("Việc 1: Nhiệm vụ 1", reply_markup=panel)

    async def press(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Đã ghi {query.data} lúc {time.perf_counter():.6f}", reply_markup=panel)

    api = os.environ["TELEGRAM_API_URL"].rstrip("/")
    app = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .concurrent_updates(True)
        .connection_pool_size(16)
        .build()
    )
    app.add_handler(CommandHandler("baocaotuan", command))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling(
        allowed_updates=config["allowed_updates"],
        drop_pending_updates=False,
        timeout=config["poll_timeout"],
        poll_interval=0.0,
    )


# -- the children --------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads, living and ended), from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state) on: utime is field 14, stime 15
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def die_with_parent() -> None:
    """In the child, before exec: be killed when the benchmark dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Child:
    """A bot's process and its output file."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    def cpu(self) -> float:
        """The process's CPU seconds so far."""
        return cpu_seconds(self.process.pid)

    def tail(self, lines: int = 30) -> str:
        """The end of its output (for a failure)."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    async def kill(self) -> None:
        """Kill it (an SQLite database in WAL mode loses nothing committed) and reap it."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()


def bot_environment(server: SandboxServer, **extra: str) -> dict[str, str]:
    """The inherited environment without any of danhgia's settings, plus the sandbox's token and address."""
    from danhgia.bot.settings import Settings

    settings = {name.upper() for name in Settings.model_fields}
    inherited = {name: value for name, value in os.environ.items() if name.upper() not in settings}
    return {**inherited, "BOT_TOKEN": server.sandbox.token, "TELEGRAM_API_URL": server.url, **extra}


async def start_child(name: str, argv: list[str], env: dict[str, str], folder: Path) -> Child:
    """Start a bot in `folder` (no `.env` there), its output going to a file."""
    log = folder / f"{name}.log"
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=folder,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    return Child(name, process, log)


async def until_polling(child: Child, sandbox: BotApiSandbox, calls_before: int) -> None:
    """Wait until the bot has started to long-poll: deleteWebhook (what run_polling calls just before its first
    getUpdates) seen since it was started."""

    def polling() -> bool:
        if child.process.returncode is not None:
            raise RuntimeError(f"{child.name} exited with {child.process.returncode}:\n{child.tail()}")
        return any(c.method == "deleteWebhook" for c in sandbox.calls[calls_before:])

    try:
        await sandbox.wait_for(polling, START_TIMEOUT, f"{child.name} to poll")
    except TimeoutError as error:
        raise RuntimeError(f"{child.name} did not start polling:\n{child.tail()}") from error


async def until_idle(child: Child, limit: float = 60.0) -> float:
    """Wait until the child uses at most IDLE_CPU of a core in two windows in a row; its idle CPU (s per s)."""
    deadline = time.monotonic() + limit
    quiet = 0
    rate = 0.0
    while quiet < 2:
        if child.process.returncode is not None:
            raise RuntimeError(f"{child.name} exited with {child.process.returncode}:\n{child.tail()}")
        before, started = child.cpu(), time.monotonic()
        await asyncio.sleep(IDLE_WINDOW)
        rate = (child.cpu() - before) / (time.monotonic() - started)
        quiet = quiet + 1 if rate <= IDLE_CPU else 0
        if time.monotonic() > deadline:
            print(f"  warning: {child.name} still uses {rate * 1000:.0f} ms/s of CPU after {limit:.0f} s")
            break
    return rate


# -- the benchmark -----------------------------------------------------------------------------------------------


def prepare(folder: Path, sandbox: BotApiSandbox, staff: int, tasks: int) -> tuple[str, list[SimUser]]:
    """A migrated SQLite database with bench_checkin's roster, each person linked to a simulated user and given
    `tasks` open tasks due at the end of the real current week (the child `danhgia run` reads the real clock)."""
    from decimal import Decimal

    from bench_checkin import link_staff

    from danhgia.bot.settings import Settings
    from danhgia.storage.db import make_engine, migrate
    from danhgia.storage.uow import Database
    from danhgia.workflow.calendar import week_bounds
    from danhgia.workflow.clock import SystemClock
    from danhgia.workflow.common import Actor
    from danhgia.workflow.services import Services

    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    settings = Settings(_env_file=None, database_url=url)
    services = Services(Database(engine), settings.workflow_config(), SystemClock())
    people, users = link_staff(services, folder, sandbox, staff)
    due = week_bounds(services.tasks.today())[1]  # this week's Sunday: open and not late all week
    for person in people:
        assert person.id is not None
        for k in range(tasks):
            services.tasks.add(Actor.cli("bench"), person.id, f"Nhiệm vụ {k + 1}", due, Decimal(1))
    services.db.dispose()
    engine.dispose()
    return url, users


@dataclass
class Run:
    """One measured burst of one bot."""

    updates: int
    seconds: float
    cpu: float  # the bot's CPU seconds from the first update sent to the last answer received
    sandbox_cpu: float  # this process's (the server's and the users') CPU seconds meanwhile

    @property
    def ms_per_update(self) -> float:
        return 1000 * self.cpu / self.updates

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


@dataclass
class Bot:
    """A bot under measurement: its process, its own local server and the staff who talk to it."""

    child: Child
    server: SandboxServer
    users: list[SimUser]


async def start_bot(
    name: str, argv: list[str], env: dict[str, str], folder: Path, server: SandboxServer, users: list[SimUser]
) -> Bot:
    """Start a bot against its own server and wait until it polls and is idle."""
    child = await start_child(name, argv, env, folder)
    try:
        await until_polling(child, server.sandbox, 0)
        await until_idle(child)
    except BaseException:
        await child.kill()
        raise
    return Bot(child, server, users)


async def burst(bot: Bot, users: list[SimUser], tasks: int) -> Run:
    """Once the bot is idle, `users` each send /baocaotuan and tap through their tasks, all at once."""
    from bench_checkin import drive

    await until_idle(bot.child)
    cpu_before, own_before = bot.child.cpu(), time.process_time()
    updates, seconds = await drive(users, tasks)
    return Run(updates, seconds, bot.child.cpu() - cpu_before, time.process_time() - own_before)


def fresh_users(sandbox: BotApiSandbox, count: int, prefix: str) -> list[SimUser]:
    """Simulated users nobody has talked to (the echo's: it needs no account)."""
    from danhgia.sandbox.users import SimUser

    return [SimUser(sandbox, sandbox.add_user(f"{prefix} {i}")) for i in range(count)]


async def benchmark(staff: int, tasks: int, bursts: int, warmup: int, poll_timeout: int) -> None:
    from bench_checkin import OUTCOMES, drive

    from danhgia.bot.app import ALLOWED_UPDATES
    from danhgia.sandbox.core import BotApiSandbox
    from danhgia.sandbox.server import SandboxServer

    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)  # still kill the children
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        servers = {name: SandboxServer(BotApiSandbox()) for name in ("danhgia", "echo")}
        for server in servers.values():
            await server.start()
        bots: dict[str, Bot] = {}
        try:
            everyone = warmup + staff * bursts
            url, danhgia_users = prepare(folder, servers["danhgia"].sandbox, everyone, tasks)
            danhgia_env = bot_environment(
                servers["danhgia"],
                DATABASE_URL=url,
                POLL_TIMEOUT=str(poll_timeout),
                REMINDERS="false",
                HOLD_NOTICES="false",
            )
            echo_config = {"labels": list(OUTCOMES), "allowed_updates": ALLOWED_UPDATES, "poll_timeout": poll_timeout}
            echo_env = bot_environment(servers["echo"], **{ECHO_CONFIG: json.dumps(echo_config)})
            print(
                f"{bursts} bursts a bot of {staff} staff × (/baocaotuan + {tasks} taps) = {staff * (1 + tasks)} "
                f"updates, alternating between the bots, after {warmup} staff to warm up; each bot in its own "
                f"process, polling its own local server with timeout {poll_timeout} s.\n"
                "danhgia runs as deployed, keeping Telegram's sending limits (30 new messages/s): its updates/s "
                "is capped by them, CPU per update is what is compared."
            )
            bots["danhgia"] = await start_bot(
                "danhgia",
                [sys.executable, "-m", "danhgia", "run"],
                danhgia_env,
                folder,
                servers["danhgia"],
                danhgia_users,
            )
            echo_users = fresh_users(servers["echo"].sandbox, everyone, "Echo")
            bots["echo"] = await start_bot(
                "echo", [sys.executable, str(SCRIPT), "--echo-bot"], echo_env, folder, servers["echo"], echo_users
            )
            for bot in bots.values():
                if warmup:
                    await drive(bot.users[:warmup], tasks)
            runs: dict[str, list[Run]] = {"danhgia": [], "echo": []}
            for b in range(bursts):
                order = ["danhgia", "echo"] if b % 2 == 0 else ["echo", "danhgia"]
                for name in order:
                    bot = bots[name]
                    run = await burst(bot, bot.users[warmup + b * staff : warmup + (b + 1) * staff], tasks)
                    runs[name].append(run)
                ratio = runs["danhgia"][-1].ms_per_update / runs["echo"][-1].ms_per_update
                print(
                    f"burst {b + 1:2}: "
                    + "; ".join(
                        f"{name} {runs[name][-1].ms_per_update:.2f} ms/update ({runs[name][-1].rate:.0f} updates/s)"
                        for name in runs
                    )
                    + f"; ratio {ratio:.2f}; server + users "
                    + " / ".join(f"{1000 * runs[n][-1].sandbox_cpu / runs[n][-1].updates:.2f}" for n in runs)
                    + " ms/update"
                )
            totals = {name: sum(r.cpu for r in found) / sum(r.updates for r in found) for name, found in runs.items()}
            for name in runs:
                rate = statistics.median(r.rate for r in runs[name])
                print(f"{name:7}: {1000 * totals[name]:.2f} ms CPU/update over all bursts, {rate:.1f} updates/s")
            for name, bot in bots.items():
                made = collections.Counter(call.method for call in bot.server.sandbox.calls)
                total = warmup * (1 + tasks) + sum(r.updates for r in runs[name])
                print(
                    f"{name:7} Bot API calls per update: "
                    + ", ".join(f"{m} {n / total:.2f}" for m, n in made.most_common())
                )
            pairs = [d.ms_per_update / e.ms_per_update for d, e in zip(runs["danhgia"], runs["echo"], strict=True)]
            print(f"ratio of the totals = {totals['danhgia'] / totals['echo']:.2f}")
            median = statistics.median(pairs)
            print(f"CPU per update, danhgia / echo (median of the bursts) = {median:.2f} (target ≤ 1.5)")
        finally:
            for bot in bots.values():
                await bot.child.kill()
            for server in servers.values():
                await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--staff", type=int, default=100, help="staff in each measured burst")
    parser.add_argument("--tasks", type=int, default=3, help="open tasks of each person (a tap each)")
    parser.add_argument("--bursts", type=int, default=10, help="measured bursts of each bot (alternating)")
    parser.add_argument("--warmup", type=int, default=20, help="staff of the unmeasured burst before each one")
    parser.add_argument("--poll-timeout", type=int, default=30, help="getUpdates timeout (POLL_TIMEOUT's default)")
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)  # the echo child
    args = parser.parse_args()
    if args.echo_bot:
        echo_bot()
    else:
        asyncio.run(benchmark(args.staff, args.tasks, args.bursts, args.warmup, args.poll_timeout))
