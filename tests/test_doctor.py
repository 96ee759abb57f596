"""`danhgia doctor` as an operator runs it after each change: one line per check, ✅/❌/⚠️, in Vietnamese, exit 1
on any ❌ — against the local Bot API server, over SQLite and PostgreSQL, with the token never printed."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import typer
from alembic.script import ScriptDirectory
from click.testing import Result
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from danhgia.bot import cli_doctor
from danhgia.bot.health import start_health_server
from danhgia.bot.settings import Settings
from danhgia.sandbox.core import BotApiSandbox
from danhgia.sandbox.server import SandboxServer
from danhgia.storage.db import alembic_config, make_engine, migrate, normalise_url
from danhgia.workflow.clock import ManualClock
from tests.conftest import POSTGRES_URL, make_services

runner = CliRunner()
HEAD = ", ".join(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))
WEBHOOK = "https://bot.example.gov.vn/telegram"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A CLI with `doctor` registered, as danhgia's own."""

    cli_doctor.register(app)
    return app


APP = _app()


def doctor(environment: dict[str, str], *args: str) -> Result:
    """Run `doctor` with these settings (and nothing else from the environment)."""
    return runner.invoke(APP, ["doctor", *args], env=environment)


async def doctor_beside(environment: dict[str, str], *args: str) -> Result:
    """`doctor` in a thread, so that the local Bot API server on this event loop can answer it."""
    return await asyncio.to_thread(doctor, environment, *args)


def lines(result: Result) -> list[str]:
    return result.output.splitlines()


def line_of(result: Result, what: str) -> str:
    found = [line for line in lines(result) if line[2:].lstrip().startswith(f"{what} — ")]
    assert len(found) == 1, f"no single line for {what!r}:\n{result.output}"
    return found[0]


@pytest.fixture(autouse=True)
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A working folder of its own (no stray .env) and no setting of danhgia's in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)


# -- databases --------------------------------------------------------------------------------------------------


def _postgres_admin() -> Any:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    admin = create_engine(
        normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        admin.dispose()
        shown = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        pytest.skip(f"the PostgreSQL server of TEST_POSTGRES_URL ({shown}) does not answer: {error.orig}")
    return admin


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend (PostgreSQL skipped when TEST_POSTGRES_URL is unset or does not answer)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'danhgia.db'}"
        return
    admin = _postgres_admin()
    name = f"danhgia_doctor_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(POSTGRES_URL or "")).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrated(url: str, revision: str = "head") -> str:
    engine = make_engine(url)
    migrate(engine, revision)
    engine.dispose()
    return url


@pytest.fixture
def database(blank_url: str) -> str:
    """A database at the newest schema, on each backend."""
    return migrated(blank_url)


def settings_for(server: SandboxServer, database_url: str, **more: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "BOT_TOKEN": server.sandbox.token,
        "TELEGRAM_API_URL": server.url,
        **more,
    }


def set_webhook_info(sandbox: BotApiSandbox, monkeypatch: pytest.MonkeyPatch, **info: Any) -> None:
    """Make the sandbox's getWebhookInfo answer this (the state a setWebhook and failed deliveries leave)."""

    async def webhook_info(_params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0, **info}

    monkeypatch.setitem(sandbox._methods, "getwebhookinfo", webhook_info)


# -- a healthy installation ----------------------------------------------------------------------------------


async def test_a_healthy_installation_passes_every_check(server: SandboxServer, database: str) -> None:
    result = await doctor_beside(settings_for(server, database))
    assert result.exit_code == 0, result.output
    assert [line[:1] for line in lines(result)[:-1]] == ["✅"] * 7, result.output
    assert line_of(result, "Cấu hình").endswith(
        f"hợp lệ: đọc từ biến môi trường (không có tệp .env trong {Path.cwd()})."
    )
    if database.startswith("sqlite"):
        path = Path(make_url(database).database or "")
        assert line_of(result, "Cơ sở dữ liệu") == f"✅ Cơ sở dữ liệu — SQLite tại {path}: đọc và ghi được."
    else:
        assert "✅ Cơ sở dữ liệu — PostgreSQL 1" in line_of(result, "Cơ sở dữ liệu")
    assert line_of(result, "Lược đồ cơ sở dữ liệu") == f"✅ Lược đồ cơ sở dữ liệu — ở phiên bản mới nhất ({HEAD})."
    assert line_of(result, "Token của bot") == (
        f"✅ Token của bot — được {server.url} chấp nhận: bot @danhgia_test_bot (id {server.sandbox.bot_id})."
    )
    assert line_of(result, "Webhook") == "✅ Webhook — không có webhook (long polling); 0 cập nhật đang chờ."
    clock_line = line_of(result, "Múi giờ và đồng hồ")
    assert clock_line.startswith("✅ Múi giờ và đồng hồ — Asia/Ho_Chi_Minh (UTC+07:00): bây giờ là ")
    assert "đồng hồ máy khớp với máy chủ Bot API" in clock_line
    assert line_of(result, "Chế độ đánh giá").startswith("✅ Chế độ đánh giá — REGIME=nd335-2025: Nghị định 335/2025")
    assert lines(result)[-1] == "Kết quả: 7 đạt, 0 cảnh báo, 0 lỗi."
    assert server.sandbox.token.split(":")[1] not in result.output


async def test_settings_from_a_dotenv_file_the_time_zone_and_the_regimes_per_category(
    server: SandboxServer, sqlite_url: str, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        f"DATABASE_URL={sqlite_url}\nTIMEZONE=Asia/Tokyo\n"
        "REGIME_BY_CATEGORY=vien_chuc=nd233-2026; nguoi_lao_dong=nd335-2025\n",
        encoding="utf-8",
    )
    result = await doctor_beside({"BOT_TOKEN": server.sandbox.token, "TELEGRAM_API_URL": server.url})
    assert result.exit_code == 0, result.output
    assert line_of(result, "Cấu hình") == (
        f"✅ Cấu hình — hợp lệ: đọc từ biến môi trường và tệp {tmp_path / '.env'} (biến môi trường được ưu tiên)."
    )
    assert line_of(result, "Múi giờ và đồng hồ").startswith("✅ Múi giờ và đồng hồ — Asia/Tokyo (UTC+09:00)")
    assert line_of(result, "Chế độ theo loại cán bộ") == (
        "✅ Chế độ theo loại cán bộ — vien_chuc → nd233-2026; nguoi_lao_dong → nd335-2025."
    )


async def test_in_english_on_request(server: SandboxServer, sqlite_url: str) -> None:
    result = await doctor_beside(settings_for(server, sqlite_url), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert line_of(result, "Settings").startswith("✅ Settings — valid: read from the environment")
    assert lines(result)[-1] == "Result: 7 passed, 0 warnings, 0 errors."


# -- (a) settings -------------------------------------------------------------------------------------------


def test_invalid_settings_name_each_variable_and_why_and_never_print_a_secret() -> None:
    result = doctor(
        {"INVITE_TTL_DAYS": "abc", "POLL_TIMEOUT": "99", "LOG_LEVEL": "loud", "WEBHOOK_SECRET": "lộ bí mật"}
    )
    assert result.exit_code == 1
    assert lines(result)[:5] == [
        "❌ Cấu hình INVITE_TTL_DAYS — phải là một số nguyên (đang là «abc»).",
        "❌ Cấu hình LOG_LEVEL — chỉ được là một trong các giá trị DEBUG, INFO, WARNING, ERROR (đang là «LOUD»).",
        "❌ Cấu hình POLL_TIMEOUT — phải nhỏ hơn hoặc bằng 50 (đang là «99»).",
        "❌ Cấu hình WEBHOOK_SECRET — chỉ được gồm từ 1 đến 256 ký tự A–Z, a–z, 0–9, dấu _ và dấu - "
        "(giá trị bí mật không được in ra).",
        "⚠️ Các kiểm tra còn lại — chưa chạy vì cấu hình không hợp lệ; sửa cấu hình rồi chạy lại danhgia doctor.",
    ]
    assert "lộ bí mật" not in result.output
    assert lines(result)[-2:] == [
        "Kết quả: 0 đạt, 1 cảnh báo, 4 lỗi.",
        "Cần sửa các mục ❌ ở trên rồi chạy lại danhgia doctor.",
    ]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"TIMEZONE": "Asia/Hanoi_City"},
            "❌ Cấu hình TIMEZONE — không phải tên một múi giờ IANA đã biết, ví dụ Asia/Ho_Chi_Minh "
            "(đang là «Asia/Hanoi_City»).",
        ),
        (
            {"REGIME": "nd999"},
            "❌ Cấu hình REGIME — không có chế độ đánh giá này; xem danh sách bằng lệnh danhgia regimes "
            "(đang là «nd999»).",
        ),
        (
            {"CLOSING_WORKDAY": "2"},
            "❌ Cấu hình SELF_DEADLINE_WORKDAY, REVIEW_DEADLINE_WORKDAY, CLOSING_WORKDAY — hạn tự đánh giá, hạn duyệt "
            "và ngày chốt kỳ phải theo thứ tự không giảm (đang là ngày làm việc thứ 3, 5 và 2).",
        ),
        (
            {"REGIME_BY_CATEGORY": "vien_chuc=qd366-2025"},
            "❌ Cấu hình REGIME_BY_CATEGORY — chế độ qd366-2025 (cho loại vien_chuc) đánh giá theo quý, khác với chế "
            "độ mặc định REGIME (nd335-2025); hai chế độ không dùng chung kỳ được.",
        ),
        (
            {"REGIME_BY_CATEGORY": "giao_vien=nd335-2025"},
            "❌ Cấu hình REGIME_BY_CATEGORY — không có loại cán bộ «giao_vien»; chỉ có: can_bo, cong_chuc, vien_chuc, "
            "nguoi_lao_dong.",
        ),
        (
            {"QUIET_HOURS": "07:00-21:00"},
            "❌ Cấu hình QUIET_HOURS — phải có dạng HH:MM-HH:MM và kéo qua đêm, ví dụ 21:00-07:00 "
            "(đang là «07:00-21:00»).",
        ),
        (
            {"WEBHOOK_URL": "bot.example.gov.vn"},
            "❌ Cấu hình WEBHOOK_URL — phải là một địa chỉ http(s), ví dụ https://bot.example.gov.vn/telegram "
            "(đang là «bot.example.gov.vn»).",
        ),
        ({"REMINDERS": "có"}, "❌ Cấu hình REMINDERS — phải là true hoặc false (đang là «có»)."),
        (
            {"WEEKLY_CHECKIN_AT": "15h"},
            "❌ Cấu hình WEEKLY_CHECKIN_AT — phải là giờ dạng HH:MM, ví dụ 08:00 (đang là «15h»).",
        ),
    ],
)
def test_each_kind_of_wrong_setting_is_explained(variables: dict[str, str], expected: str) -> None:
    result = doctor(variables)
    assert result.exit_code == 1
    assert lines(result)[0] == expected


# -- (b) the database ---------------------------------------------------------------------------------------


def test_a_missing_sqlite_file_is_not_created_and_says_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "var" / "danhgia.db"
    result = doctor({"DATABASE_URL": f"sqlite:///{path}"})
    assert result.exit_code == 1
    assert line_of(result, "Cơ sở dữ liệu") == (
        f"❌ Cơ sở dữ liệu — chưa có tệp {path}; chạy danhgia db upgrade để tạo."
    )
    assert not path.parent.exists()


@pytest.mark.parametrize("which", ["file", "folder"])
def test_a_sqlite_file_or_folder_this_user_cannot_write_is_reported(
    sqlite_url: str, which: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(make_url(sqlite_url).database or "")
    denied = path if which == "file" else path.parent
    real_access = os.access

    def access(target: Any, mode: int, **kwargs: Any) -> bool:  # as a service user without the rights sees it
        if Path(target) == denied and mode & os.W_OK:
            return False
        return real_access(target, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    result = doctor({"DATABASE_URL": sqlite_url})
    assert result.exit_code == 1
    expected = (
        f"❌ Cơ sở dữ liệu — tệp {path} không ghi được với người dùng "
        if which == "file"
        else f"❌ Cơ sở dữ liệu — thư mục {path.parent} không ghi được với người dùng "
    )
    assert line_of(result, "Cơ sở dữ liệu").startswith(expected)


def test_an_empty_database_says_to_upgrade(blank_url: str) -> None:
    if blank_url.startswith("sqlite"):
        Path(make_url(blank_url).database or "").parent.mkdir(parents=True)
        Path(make_url(blank_url).database or "").touch()
    result = doctor({"DATABASE_URL": blank_url})
    assert result.exit_code == 1
    assert line_of(result, "Cơ sở dữ liệu").startswith("✅ ")
    assert line_of(result, "Lược đồ cơ sở dữ liệu") == (
        "❌ Lược đồ cơ sở dữ liệu — chưa được tạo; chạy danhgia db upgrade."
    )


def test_a_schema_behind_the_code_says_to_upgrade_and_is_left_as_it_was(blank_url: str) -> None:
    url = migrated(blank_url, "0001")
    script = ScriptDirectory.from_config(alembic_config())
    missing = len([r for r in script.iterate_revisions("heads", "0001") if r.revision != "0001"])
    result = doctor({"DATABASE_URL": url})
    assert result.exit_code == 1
    assert line_of(result, "Lược đồ cơ sở dữ liệu") == (
        f"❌ Lược đồ cơ sở dữ liệu — đang ở phiên bản 0001, cũ hơn phiên bản {HEAD} của bản danhgia này "
        f"({missing} bản nâng cấp chưa chạy); chạy danhgia db upgrade."
    )
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0001"
    engine.dispose()


def test_a_schema_from_a_newer_danhgia_is_reported(database: str) -> None:
    engine = create_engine(normalise_url(database))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = doctor({"DATABASE_URL": database})
    assert line_of(result, "Lược đồ cơ sở dữ liệu").startswith(
        "❌ Lược đồ cơ sở dữ liệu — ở phiên bản 9999 mà bản danhgia này không biết"
    )


def test_a_postgresql_server_that_does_not_answer_is_named_without_its_password() -> None:
    result = doctor({"DATABASE_URL": "postgresql://danhgia:mat-khau@127.0.0.1:1/danhgia"})
    assert result.exit_code == 1
    found = line_of(result, "Cơ sở dữ liệu")
    assert found.startswith("❌ Cơ sở dữ liệu — không kết nối được postgresql://danhgia:***@127.0.0.1:1/danhgia: ")
    assert found.endswith("Kiểm tra DATABASE_URL, máy chủ cơ sở dữ liệu và quyền của người dùng.")
    assert "mat-khau" not in result.output


# -- (c) the token ------------------------------------------------------------------------------------------


async def test_a_rejected_token_is_reported_without_printing_it(server: SandboxServer, sqlite_url: str) -> None:
    result = await doctor_beside(settings_for(server, sqlite_url, BOT_TOKEN="123456789:NOT-THE-TOKEN"))
    assert result.exit_code == 1
    assert line_of(result, "Token của bot") == (
        f"❌ Token của bot — bị {server.url} từ chối (HTTP 401): token sai hoặc đã bị thu hồi; "
        "lấy lại token từ @BotFather."
    )
    assert line_of(result, "Webhook") == "⚠️ Webhook — chưa hỏi được Telegram vì token chưa dùng được."
    assert "NOT-THE-TOKEN" not in result.output


def test_a_missing_token_and_an_unreachable_bot_api(sqlite_url: str) -> None:
    missing = doctor({"DATABASE_URL": sqlite_url})
    assert line_of(missing, "Token của bot") == (
        "❌ Token của bot — BOT_TOKEN chưa được đặt; lấy token từ @BotFather và ghi vào tệp môi trường của dịch vụ."
    )
    unreachable = doctor(
        {"DATABASE_URL": sqlite_url, "BOT_TOKEN": "123456789:SECRET-PART", "TELEGRAM_API_URL": "http://127.0.0.1:1"}
    )
    assert unreachable.exit_code == 1
    found = line_of(unreachable, "Token của bot")
    assert found.startswith("❌ Token của bot — không kết nối được http://127.0.0.1:1: ")
    assert found.endswith("Kiểm tra mạng, tường lửa, proxy hoặc TELEGRAM_API_URL.")
    assert "SECRET-PART" not in unreachable.output
    assert line_of(unreachable, "Múi giờ và đồng hồ").endswith("(chưa so được với máy chủ Bot API).")


# -- (d) the webhook ----------------------------------------------------------------------------------------


async def test_webhook_mode_not_registered_yet_and_without_a_secret(server: SandboxServer, sqlite_url: str) -> None:
    result = await doctor_beside(settings_for(server, sqlite_url, WEBHOOK_URL=WEBHOOK))
    assert result.exit_code == 1
    webhook_lines = [line for line in lines(result) if " Webhook — " in line]
    assert webhook_lines == [
        "❌ Webhook — WEBHOOK_URL đã đặt nhưng WEBHOOK_SECRET chưa có; đặt một chuỗi bí mật từ 1 đến 256 ký tự "
        "A–Z, a–z, 0–9, _ và -.",
        f"⚠️ Webhook — bot chưa đăng ký {WEBHOOK} với Telegram (bot tự đăng ký khi chạy danhgia run --webhook); "
        "0 cập nhật đang chờ.",
    ]


async def test_a_registered_webhook_with_its_last_error_in_the_configured_time_zone(
    server: SandboxServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed_at = datetime(2026, 11, 20, 2, 5, tzinfo=UTC)
    set_webhook_info(
        server.sandbox,
        monkeypatch,
        url=WEBHOOK,
        pending_update_count=3,
        last_error_date=int(failed_at.timestamp()),
        last_error_message="Wrong response from the webhook: 502 Bad Gateway",
    )
    environment = settings_for(
        server, sqlite_url, WEBHOOK_URL=WEBHOOK, WEBHOOK_SECRET="s3cret-Value_1", TIMEZONE="Asia/Tokyo"
    )
    result = await doctor_beside(environment)
    assert result.exit_code == 0, result.output  # a warning is not an error
    assert line_of(result, "Webhook") == f"✅ Webhook — Telegram gửi cập nhật tới {WEBHOOK}; 3 cập nhật đang chờ gửi."
    shown = failed_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%d/%m/%Y %H:%M")
    assert shown == "20/11/2026 11:05"
    assert line_of(result, "Webhook: lỗi gần nhất") == (
        f"⚠️ Webhook: lỗi gần nhất — lúc {shown}, Telegram báo: Wrong response from the webhook: 502 Bad Gateway"
    )
    assert "s3cret-Value_1" not in result.output


async def test_another_registered_address_is_an_error(
    server: SandboxServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_webhook_info(server.sandbox, monkeypatch, url="https://old.example.gov.vn/hook")
    result = await doctor_beside(settings_for(server, sqlite_url, WEBHOOK_URL=WEBHOOK, WEBHOOK_SECRET="s3cret"))
    assert result.exit_code == 1
    assert line_of(result, "Webhook").startswith(
        "❌ Webhook — Telegram đang gửi cập nhật tới https://old.example.gov.vn/hook, "
        f"không phải WEBHOOK_URL={WEBHOOK}; "
    )


async def test_long_polling_while_a_webhook_is_registered_is_an_error(
    server: SandboxServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_webhook_info(server.sandbox, monkeypatch, url=WEBHOOK, pending_update_count=12)
    result = await doctor_beside(settings_for(server, sqlite_url))
    assert result.exit_code == 1
    assert line_of(result, "Webhook") == (
        f"❌ Webhook — Telegram đang có webhook {WEBHOOK} cho bot này trong khi WEBHOOK_URL để trống: getUpdates sẽ "
        "bị từ chối và long polling không nhận được cập nhật nào; chạy với --webhook hoặc xoá webhook (deleteWebhook)."
    )


def test_the_health_port_must_differ_from_the_webhook_port(sqlite_url: str) -> None:
    environment = {
        "DATABASE_URL": sqlite_url,
        "WEBHOOK_URL": WEBHOOK,
        "WEBHOOK_SECRET": "s3cret",
        "WEBHOOK_PORT": "8443",
        "HEALTH_PORT": "8443",
    }
    result = doctor(environment)
    assert "❌ Webhook — HEALTH_PORT trùng WEBHOOK_PORT (8443); chọn một cổng khác cho /healthz." in lines(result)


# -- the running bot's /healthz -----------------------------------------------------------------------------


async def test_the_running_bots_healthz_is_asked_when_health_port_is_set(
    server: SandboxServer, sqlite_url: str, clock: ManualClock
) -> None:
    services = make_services(sqlite_url, clock)
    health = await start_health_server(services, "127.0.0.1", 0)
    try:
        up = await doctor_beside(
            settings_for(server, sqlite_url, WEBHOOK_LISTEN="127.0.0.1", HEALTH_PORT=str(health.port))
        )
    finally:
        await health.stop()
        services.db.dispose()
    assert up.exit_code == 0, up.output
    assert line_of(up, "Điểm kiểm tra /healthz") == (
        f"✅ Điểm kiểm tra /healthz — bot đang chạy trả lời tại {health.url}: 0 cập nhật chờ xử lý."
    )
    down = await doctor_beside(settings_for(server, sqlite_url, HEALTH_PORT=str(health.port)))
    assert down.exit_code == 0, down.output  # a stopped bot is a warning: doctor runs before the first start too
    assert line_of(down, "Điểm kiểm tra /healthz") == (
        f"⚠️ Điểm kiểm tra /healthz — không có bot nào trả lời tại {health.url} "
        "(bot chưa chạy, hoặc chạy với cấu hình khác)."
    )


async def test_a_webhook_registered_through_the_bot_api(server: SandboxServer, sqlite_url: str) -> None:
    """The same through the local server's own setWebhook, where it has one (else the tests above stand alone)."""
    if "setwebhook" not in server.sandbox._methods:
        pytest.skip("this local Bot API server has no setWebhook yet")
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{server.url}/bot{server.sandbox.token}/setWebhook", data={"url": WEBHOOK, "secret_token": "s3cret"}
        )
    assert answer.json() == {"ok": True, "result": True}
    registered = await doctor_beside(settings_for(server, sqlite_url, WEBHOOK_URL=WEBHOOK, WEBHOOK_SECRET="s3cret"))
    assert registered.exit_code == 0, registered.output
    assert (
        line_of(registered, "Webhook") == f"✅ Webhook — Telegram gửi cập nhật tới {WEBHOOK}; 0 cập nhật đang chờ gửi."
    )
    polling = await doctor_beside(settings_for(server, sqlite_url))
    assert polling.exit_code == 1
    assert line_of(polling, "Webhook").startswith(f"❌ Webhook — Telegram đang có webhook {WEBHOOK} cho bot này ")
