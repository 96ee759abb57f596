"""The `danhgia` command line: run the bot, import the roster, send invites, score, try it in a sandbox."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import io
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import httpx
import typer

from danhgia.bot import cli_cycle, cli_doctor, cli_regimes, cli_reports, cli_scoring
from danhgia.bot.cli_common import day, fail, load_settings
from danhgia.bot.settings import MissingTokenError, Settings
from danhgia.texts import t
from danhgia.workflow.channels import CHANNELS, ZALO
from danhgia.workflow.common import Actor
from danhgia.workflow.linking import ResetOutcome, UnknownUnitError
from danhgia.workflow.roster import describe_changes
from danhgia.workflow.roster_file import RosterRejected, read_roster

app = typer.Typer(
    help="danhgia — đánh giá, xếp loại cán bộ hằng tháng qua Telegram.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
roster_app = typer.Typer(help="Danh sách cán bộ (roster).", no_args_is_help=True)
link_app = typer.Typer(help="Liên kết tài khoản Telegram.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
app.add_typer(link_app, name="link")
app.add_typer(db_app, name="db")
cli_scoring.register(app)
cli_cycle.register(app)
cli_regimes.register(app)
cli_reports.register(app)
cli_doctor.register(app)


def require_sandbox() -> None:
    """The local Bot API server needs the optional `sandbox` extra (aiohttp); say how to add it when missing."""
    if importlib.util.find_spec("aiohttp") is None:
        fail(
            "Máy chủ Bot API cục bộ cần gói bổ sung: .venv/bin/pip install -e '.[sandbox]' "
            "(hoặc chạy bash scripts/demo.sh, tự cài).",
            2,
        )


def parse_day(value: str | None) -> date | None:
    """dd/mm/yyyy → date."""
    return None if value is None else day(value)


@app.command()
def run(
    webhook: Annotated[
        bool,
        typer.Option(
            "--webhook",
            help="Nhận cập nhật qua webhook (WEBHOOK_URL, WEBHOOK_LISTEN, WEBHOOK_PORT, WEBHOOK_SECRET) "
            "thay vì long polling.",
        ),
    ] = False,
    zalo: Annotated[
        bool,
        typer.Option(
            "--zalo",
            help="Chạy bot trên Zalo (ZALO_BOT_TOKEN, ZALO_API_URL; webhook khi có ZALO_WEBHOOK_SECRET và "
            "ZALO_PUBLIC_URL, nếu không thì long polling).",
        ),
    ] = False,
) -> None:
    """Chạy bot (long polling, hoặc webhook với --webhook) với BOT_TOKEN, TELEGRAM_API_URL, DATABASE_URL."""
    from telegram.error import InvalidToken, NetworkError

    from danhgia.bot.app import WebhookUnavailable
    from danhgia.bot.app import run as run_bot

    settings = load_settings()
    if zalo:
        run_on_zalo(settings)
        return
    try:
        settings.token()
    except MissingTokenError:
        fail(t("cli.missing_token"), 2)
    if webhook and not settings.webhook_url:
        fail(t("webhook.no_url"), 2)
    if webhook and (settings.webhook_secret is None or not settings.webhook_secret.get_secret_value()):
        fail(t("webhook.no_secret"), 2)
    if not webhook and settings.webhook_url:
        typer.echo(t("webhook.polling_instead"), err=True)
    try:
        run_bot(settings, webhook=webhook)
    except InvalidToken:
        fail(t("cli.invalid_token"), 2)
    except NetworkError as error:
        fail(t("cli.unreachable", url=settings.telegram_api_url, error=error), 1)
    except WebhookUnavailable as error:
        fail(t("webhook.cannot_listen", address=error.address, error=error.reason), 1)


def run_on_zalo(settings: Settings) -> None:
    """`danhgia run --zalo`: the settings checked, then the bot served on Zalo until stopped."""
    from danhgia.bot.zalo_app import run_zalo
    from danhgia.zalo.client import ZaloError

    try:
        settings.zalo_token()
    except MissingTokenError:
        fail(t("zalo.missing_token"), 2)
    secret = settings.zalo_webhook_secret
    if secret is not None and secret.get_secret_value() and not settings.zalo_public_url:
        fail(t("zalo.no_public_url"), 2)
    try:
        run_zalo(settings)
    except ZaloError as error:
        fail(t("zalo.unreachable", url=settings.zalo_api_url, error=error), 1)
    except OSError as error:
        fail(t("zalo.cannot_listen", address=f"{settings.zalo_listen}:{settings.zalo_port}", error=error), 1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu."""
    from danhgia.bot.app import open_database

    open_database(load_settings()).dispose()
    typer.echo(t("cli.db_ready"))


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="Tệp .csv (UTF-8) hoặc .xlsx theo mẫu cột trong README.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ kiểm tra, không ghi gì.")] = False,
    effective: Annotated[
        str | None,
        typer.Option(help="Ngày hiệu lực của quan hệ cấp trên mới (dd/mm/yyyy; mặc định hôm nay)."),
    ] = None,
    deactivate_missing: Annotated[
        bool, typer.Option("--deactivate-missing", help="Ngừng kích hoạt những người không còn trong tệp.")
    ] = False,
) -> None:
    """Nhập danh sách cán bộ: tạo hoặc cập nhật đơn vị, cán bộ, vai trò, quan hệ cấp trên."""
    from danhgia.bot.app import build_services, open_database

    settings = load_settings()
    day = parse_day(effective)
    table = read_roster(file)
    db = open_database(settings)
    try:
        services = build_services(settings, db)
        report = services.roster.import_table(
            table,
            Actor.cli("roster import"),
            effective=day,
            dry_run=dry_run,
            deactivate_missing=deactivate_missing,
        )
    except RosterRejected as rejected:
        lines = [t("roster.rejected", file=file.name, count=len(rejected.problems))]
        for problem in rejected.problems:
            message = t(f"roster.problem.{problem.code}", **problem.params)
            key = "roster.problem_row" if problem.row else "roster.problem_file"
            lines.append(t(key, row=problem.row, message=message))
        fail("\n".join(lines), 1)
    finally:
        db.dispose()
    typer.echo(t("roster.dry_run" if dry_run else "roster.accepted", file=file.name))
    if not report.changed:
        typer.echo(t("roster.no_change"))
    for key, params in describe_changes(report):
        typer.echo(t(key, **params))


def bot_username(settings: Settings) -> str:
    """The bot's @username: from BOT_USERNAME, or asked from the Bot API with getMe."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    try:
        token = settings.token()
    except MissingTokenError:
        fail(t("cli.no_username"), 2)
    try:
        response = httpx.get(f"{settings.telegram_api_url}/bot{token}/getMe", timeout=15)
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        fail(t("cli.unreachable", url=settings.telegram_api_url, error=error), 1)
    if not body.get("ok"):
        fail(t("cli.invalid_token"), 2)
    return str(body["result"]["username"])


@app.command()
def invite(
    unit: Annotated[str | None, typer.Option(help="Chỉ những người thuộc đơn vị này (và các đơn vị cấp dưới).")] = None,
    out: Annotated[Path | None, typer.Option(help="Ghi CSV vào tệp này (mặc định: in ra màn hình).")] = None,
    bom: Annotated[bool, typer.Option("--bom", help="Thêm BOM UTF-8 để Excel hiển thị đúng tiếng Việt.")] = False,
    channel: Annotated[
        str | None,
        typer.Option(
            help="Chỉ tạo mã cho một nền tảng (telegram hoặc zalo), cho mọi người chưa liên kết trên nền tảng đó "
            "(kể cả người đã dùng nền tảng kia).",
        ),
    ] = None,
) -> None:
    """Tạo mã liên kết một lần cho những người chưa liên kết: CSV ma_can_bo,ho_ten,lien_ket,zalo."""
    from danhgia.bot.app import build_services, open_database
    from danhgia.zalo.inbound import LINK_WORD

    settings = load_settings()
    if channel is not None and channel not in CHANNELS:
        fail(t("cli.unknown_channel", channel=channel), 2)
    zalo_only = settings.zalo_bot_token is not None and settings.bot_token is None and not settings.bot_username
    username = "" if zalo_only or channel == ZALO else bot_username(settings)
    db = open_database(settings)
    try:
        services = build_services(settings, db)
        issued = services.linking.issue_invites(Actor.cli("invite"), unit, channel)
    except UnknownUnitError:
        fail(t("cli.unknown_unit", code=unit), 2)
    finally:
        db.dispose()
    if not issued:
        scope = t("cli.invite_scope", code=unit) if unit else ""
        typer.echo(t("cli.invite_none", scope=scope), err=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ma_can_bo", "ho_ten", "lien_ket", "zalo"])
    for item in issued:
        telegram = f"https://t.me/{username}?start={item.code}" if username and item.code else ""
        zalo = f"{LINK_WORD} {item.zalo_code}" if item.zalo_code else ""
        writer.writerow([item.staff_code, item.full_name, telegram, zalo])
    expires = (services.clock.now() + services.config.invite_ttl).astimezone(settings.tz).strftime("%d/%m/%Y")
    if out is None:
        sys.stdout.write(buffer.getvalue())
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(buffer.getvalue(), encoding="utf-8-sig" if bom else "utf-8")
    if issued:
        typer.echo(t("cli.invite_written", count=len(issued), expires=expires, path=out or "stdout"), err=True)


@link_app.command("reset")
def link_reset(
    staff_code: Annotated[str, typer.Argument(help="Mã cán bộ (ma_can_bo).")],
    reason: Annotated[str | None, typer.Option(help="Lý do (ghi vào nhật ký).")] = None,
) -> None:
    """Gỡ liên kết Telegram của một cán bộ để họ liên kết lại bằng đường liên kết mới."""
    from danhgia.bot.app import build_services, open_database

    settings = load_settings()
    db = open_database(settings)
    try:
        services = build_services(settings, db)
        person = services.linking.find_person(staff_code)
        if person is None:
            fail(t("cli.unlink_unknown", code=staff_code), 2)
        result = services.linking.reset(person.person_id, Actor.cli("link reset"), reason)
    finally:
        db.dispose()
    key = "cli.unlink_done" if result.outcome is ResetOutcome.RESET else "cli.unlink_not_linked"
    typer.echo(t(key, name=result.full_name, code=result.staff_code))


STATUS_NAMES = {
    "pending": "đang chờ",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "skipped": "bỏ qua",
    "failed": "đã bỏ cuộc",
}


@app.command()
def outbox() -> None:
    """Tin nhắn đang chờ gửi, đang gửi, đã gửi, bỏ qua và đã bỏ cuộc (theo loại), và các cập nhật đã nhận."""
    from danhgia.bot.app import build_services, open_database

    settings = load_settings()
    db = open_database(settings)
    try:
        services = build_services(settings, db)
        summary = services.outbox.summary()
        inbox = services.inbox.counts()
    finally:
        db.dispose()
    if not summary.rows:
        typer.echo("Hộp thư đi trống: chưa có tin nhắn nào.")
    by_status: dict[str, list[tuple[str, int, date | None]]] = {}
    for status, kind, count, first in summary.rows:
        by_status.setdefault(status, []).append((kind, count, first.date() if first else None))
    for status in ("pending", "sending", "failed", "skipped", "sent"):
        rows = by_status.get(status, [])
        if not rows:
            continue
        total = sum(count for _, count, _ in rows)
        typer.echo(f"{STATUS_NAMES[status].capitalize()}: {total}")
        for kind, count, oldest_day in rows:
            since = f" (cũ nhất {oldest_day:%d/%m/%Y})" if oldest_day and status in ("pending", "sending") else ""
            typer.echo(f"  {kind}: {count}{since}")
    if summary.failures:
        typer.echo("Bỏ cuộc gần đây (mới nhất trước):")
        for kind, person, attempts, error, created in summary.failures:
            typer.echo(f"  {created:%d/%m/%Y %H:%M} {kind} → người {person}, {attempts} lần thử: {error[:100]}")
    typer.echo(f"Cập nhật đã nhận: {inbox.get('done', 0)} đã xử lý, {inbox.get('pending', 0)} đang chờ xử lý.")


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Cổng (chỉ 127.0.0.1).")] = 8081,
    token: Annotated[str, typer.Option(help="Token bot mà sandbox chấp nhận.")] = "123456789:SANDBOX-TEST-TOKEN",
    username: Annotated[str, typer.Option(help="Tên @username của bot giả lập.")] = "danhgia_test_bot",
) -> None:
    """Chạy máy chủ Bot API cục bộ (sandbox) để thử bot mà không cần Telegram."""
    require_sandbox()
    from danhgia.sandbox.core import BotApiSandbox
    from danhgia.sandbox.server import SandboxServer

    async def serve() -> None:
        server = SandboxServer(BotApiSandbox(token=token, bot_username=username), port=port)
        url = await server.start()
        typer.echo(f"Sandbox Bot API: {url}  (TELEGRAM_API_URL={url} BOT_TOKEN={token}). Ctrl-C để dừng.")
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        typer.echo("Đã dừng sandbox.")


@app.command()
def demo(
    port: Annotated[
        int, typer.Option(help="Cổng của trang thử giống Telegram; trang giống Zalo dùng cổng kế tiếp (chỉ 127.0.0.1).")
    ] = 8080,
    folder: Annotated[Path, typer.Option(help="Thư mục dữ liệu của bản chạy thử.")] = Path("var/demo"),
) -> None:
    """Chạy thử toàn bộ chu trình không cần Telegram hay Zalo: trang web giống Telegram và Zalo, tổ chức mẫu, đồng hồ
    thử."""

    from danhgia.bot.app import configure_logging

    require_sandbox()
    from danhgia.bot.demo import run_demo

    settings = load_settings()
    # The terminal shows the steps and the page's address only (LOG_LEVEL=DEBUG shows everything).
    configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    try:
        asyncio.run(run_demo(folder, port, settings))
    except KeyboardInterrupt:
        typer.echo("Đã dừng bản chạy thử.")
    except OSError as error:
        fail(f"Không mở được cổng {port} hoặc cổng kế tiếp (trang Zalo): {error}. Thử --port khác.", 1)


def main() -> None:
    """Entry point of the `danhgia` console script."""
    app()
