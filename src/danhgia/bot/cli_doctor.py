"""`danhgia doctor`: check an installation the way an operator would, and say in Vietnamese what is wrong.

Each check prints one line, "✅/❌/⚠️ <what> — <detail>": the settings load; the database answers and its schema is
at Alembic's head (read, never migrated); the token is accepted (getMe); the webhook is what the settings say
(getWebhookInfo); the running bot's /healthz answers (when HEALTH_PORT is set); the time zone and the clock; the
scoring regime loads. The command exits with 1 when any line is ❌. Nothing is written anywhere, and the token and
the webhook secret are never printed.
"""

from __future__ import annotations

import email.utils
import os
import pwd
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from danhgia.bot.settings import MissingTokenError, Settings
from danhgia.texts import t

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DATABASE_CONNECT_TIMEOUT = 5  # seconds
CLOCK_TOLERANCE = 30  # seconds between this machine's clock and the Bot API server's before a warning
SECRET_SETTINGS = {"bot_token", "webhook_secret"}
NUMBER_TYPES = {"float_parsing", "decimal_parsing", "int_from_float", "finite_number"}
BOUND_TYPES = {"greater_than_equal": "ge", "less_than_equal": "le", "greater_than": "gt", "less_than": "lt"}
VALUE_ERRORS = {"timezone", "webhook_url", "webhook_secret", "quiet_hours", "regime"}


class Status(Enum):
    """The outcome of one check."""

    OK = "✅"
    WARN = "⚠️"
    FAIL = "❌"


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    status: Status
    what: str
    detail: str


@dataclass
class _Telegram:
    """What the token check learnt, for the checks after it."""

    client: httpx.Client | None = None
    base: str = ""
    server_date: datetime | None = None
    seen_at: datetime | None = None


def register(app: typer.Typer) -> None:
    """Add `doctor` to the `danhgia` CLI."""
    app.command("doctor")(doctor)


def doctor(
    lang: Annotated[str, typer.Option(help="Ngôn ngữ của báo cáo: vi hoặc en.")] = "vi",
) -> None:
    """Kiểm tra cấu hình, cơ sở dữ liệu, token, webhook, đồng hồ và chế độ đánh giá; nói rõ điều gì cần sửa."""
    counts = dict.fromkeys(Status, 0)
    for finding in checks(lang):
        counts[finding.status] += 1
        typer.echo(t("doctor.line", lang, icon=finding.status.value, what=finding.what, detail=finding.detail))
    typer.echo(t("doctor.summary", lang, ok=counts[Status.OK], warn=counts[Status.WARN], fail=counts[Status.FAIL]))
    if counts[Status.FAIL]:
        typer.echo(t("doctor.summary_fail", lang))
        raise typer.Exit(1)


def checks(lang: str = "vi") -> Iterator[Finding]:
    """Every check in order, each finding as soon as it is known."""
    settings, findings = _load_settings(lang)
    yield from findings
    if settings is None:
        yield Finding(Status.WARN, t("doctor.settings.rest_what", lang), t("doctor.settings.rest_skipped", lang))
        return
    yield from _check_database(settings, lang)
    telegram = _Telegram()
    try:
        yield from _check_token(settings, lang, telegram)
        yield from _check_webhook(settings, lang, telegram)
    finally:
        if telegram.client is not None:
            telegram.client.close()
    yield from _check_health(settings, lang)
    yield _check_clock(settings, lang, telegram)
    yield from _check_regime(settings, lang)


# -- (a) settings ---------------------------------------------------------------------------------------------


def _load_settings(lang: str) -> tuple[Settings | None, list[Finding]]:
    what = t("doctor.settings.what", lang)
    try:
        settings = Settings()
    except ValidationError as error:
        return None, [_explain(e, lang) for e in error.errors()]
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, [Finding(Status.FAIL, what, t("doctor.settings.unreadable", lang, error=error))]
    env_file = Path(".env")
    if env_file.is_file():
        return settings, [Finding(Status.OK, what, t("doctor.settings.ok_file", lang, path=env_file.resolve()))]
    return settings, [Finding(Status.OK, what, t("doctor.settings.ok_env", lang, folder=Path.cwd()))]


def _explain(error: ErrorDetails, lang: str) -> Finding:
    """A pydantic error as the variable at fault and why, in words an operator reads."""
    field = str(error["loc"][0]) if error["loc"] else ""
    kind = error["type"]
    context = error.get("ctx") or {}
    given = error.get("input")
    value = ""
    if field and field not in SECRET_SETTINGS and isinstance(given, str | int | float):
        shown = str(given) if len(str(given)) <= 80 else str(given)[:77] + "…"
        value = t("doctor.settings.value", lang, value=shown)
    name = field.upper()
    if kind == "int_parsing":
        detail = t("doctor.settings.int_parsing", lang, value=value)
    elif kind in NUMBER_TYPES:
        detail = t("doctor.settings.number_parsing", lang, value=value)
    elif kind == "bool_parsing":
        detail = t("doctor.settings.bool_parsing", lang, value=value)
    elif kind.startswith("time_"):
        detail = t("doctor.settings.time_parsing", lang, value=value)
    elif kind in BOUND_TYPES:
        detail = t(f"doctor.settings.{kind}", lang, limit=context.get(BOUND_TYPES[kind], "?"), value=value)
    elif kind == "literal_error":
        choices = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ")
        detail = t("doctor.settings.literal_error", lang, choices=choices, value=value)
    elif kind == "value_error" and field in VALUE_ERRORS:
        detail = t(f"doctor.settings.{field}", lang, value=value)
    elif kind == "value_error" and not field and isinstance(given, dict):
        name, detail = _explain_model_error(given, str(error["msg"]), lang)
    else:
        detail = t("doctor.settings.other", lang, message=str(error["msg"]).removeprefix("Value error, "))
    return Finding(Status.FAIL, t("doctor.settings.variable", lang, name=name or "?"), detail)


def _explain_model_error(given: dict[str, Any], message: str, lang: str) -> tuple[str, str]:
    """The checks that span several settings: the deadlines' order and REGIME_BY_CATEGORY."""
    if "CLOSING_WORKDAY" in message:
        fields = Settings.model_fields
        days = {
            key: given.get(f"{key}_workday", fields[f"{key}_workday"].default)
            for key in ("self_deadline", "review_deadline", "closing")
        }
        detail = t(
            "doctor.settings.deadlines",
            lang,
            self_day=days["self_deadline"],
            review_day=days["review_deadline"],
            closing_day=days["closing"],
        )
        return "SELF_DEADLINE_WORKDAY, REVIEW_DEADLINE_WORKDAY, CLOSING_WORKDAY", detail
    text = str(given.get("regime_by_category", ""))
    default = str(given.get("regime", Settings.model_fields["regime"].default))
    return "REGIME_BY_CATEGORY", _explain_category_map(text, default, lang) or t(
        "doctor.settings.other", lang, message=message.removeprefix("Value error, ")
    )


def _explain_category_map(text: str, default: str, lang: str) -> str | None:
    """What is wrong with the first bad part of REGIME_BY_CATEGORY (None when each part looks right)."""
    from danhgia.scoring import ScoringError, load_regime
    from danhgia.workflow.refusal import Refusal
    from danhgia.workflow.regimes import CATEGORIES, parse_category

    for part in text.replace(",", ";").split(";"):
        if not part.strip():
            continue
        category, sep, regime_id = (piece.strip() for piece in part.partition("="))
        if not sep or not regime_id or not category:
            return t("doctor.settings.category_syntax", lang, part=part.strip())
        try:
            code = parse_category(category)
        except Refusal:
            return t("doctor.settings.category_unknown", lang, category=category, known=", ".join(CATEGORIES))
        try:
            regime = load_regime(regime_id)
        except ScoringError:
            return t("doctor.settings.category_regime", lang, regime=regime_id, category=code)
        try:
            base = load_regime(default)
        except ScoringError:
            return None  # REGIME itself is wrong and has its own line
        if regime.period != base.period:
            return t(
                "doctor.settings.category_period",
                lang,
                regime=regime.id,
                category=code,
                period=t(f"doctor.period_{regime.period}", lang),
                default=base.id,
            )
    return None


# -- (b) database ---------------------------------------------------------------------------------------------


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return (text[0] if text else type(cause).__name__)[:300]


def _check_database(settings: Settings, lang: str) -> Iterator[Finding]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from danhgia.storage.db import normalise_url

    what = t("doctor.database.what", lang)
    try:
        url = make_url(normalise_url(settings.database_url))
    except (ArgumentError, ValueError) as error:
        yield Finding(
            Status.FAIL,
            what,
            t("doctor.database.bad_url", lang, error=_scrub(_first_line(error), settings.database_url)),
        )
        return
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            yield Finding(Status.WARN, what, t("doctor.database.sqlite_memory", lang))
            return
        problem = _sqlite_file_problem(Path(database).resolve(), lang)
        if problem is not None:
            yield Finding(Status.FAIL, what, problem)
            return
        where = str(Path(database).resolve())
    else:
        if backend == "postgresql":
            connect_args["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
        where = url.set(drivername=backend).render_as_string(hide_password=True)
    try:
        engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        yield Finding(
            Status.FAIL,
            what,
            t("doctor.database.bad_url", lang, error=_scrub(_first_line(error), settings.database_url)),
        )
        return
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            version = ".".join(str(n) for n in (connection.dialect.server_version_info or ()))
            if backend == "sqlite":
                yield Finding(Status.OK, what, t("doctor.database.sqlite_ok", lang, path=where))
            else:
                yield Finding(
                    Status.OK,
                    what,
                    t("doctor.database.server_ok", lang, backend=_backend_name(backend), version=version, where=where),
                )
            yield _check_schema(connection, lang)
    except SQLAlchemyError as error:
        yield Finding(Status.FAIL, what, t("doctor.database.unreachable", lang, where=where, error=_first_line(error)))
    finally:
        engine.dispose()


def _backend_name(backend: str) -> str:
    return {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}.get(backend, backend)


def _sqlite_file_problem(path: Path, lang: str) -> str | None:
    """Why the bot could not use this SQLite file (None when it can): missing, or not writable by this user."""
    if not path.exists():
        return t("doctor.database.sqlite_missing", lang, path=path)
    if not os.access(path, os.R_OK | os.W_OK):
        return t("doctor.database.sqlite_file", lang, path=path, user=_user())
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return t("doctor.database.sqlite_folder", lang, folder=path.parent, user=_user())
    inbox = path.with_name(f"{path.stem}.inbox{path.suffix or '.db'}")
    if inbox.exists() and not os.access(inbox, os.R_OK | os.W_OK):
        return t("doctor.database.sqlite_file", lang, path=inbox, user=_user())
    return None


def _check_schema(connection: Any, lang: str) -> Finding:
    """Compare the database's Alembic revision with the newest one this code knows, without migrating."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from danhgia.storage.db import alembic_config

    what = t("doctor.schema.what", lang)
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    head = ", ".join(sorted(heads))
    try:
        current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:  # a database the user may not read, a broken version table
        return Finding(Status.FAIL, what, t("doctor.schema.failed", lang, error=_first_line(error)))
    if current == heads:
        return Finding(Status.OK, what, t("doctor.schema.ok", lang, revision=head))
    if not current:
        return Finding(Status.FAIL, what, t("doctor.schema.empty", lang))
    shown = ", ".join(sorted(current))
    missing: set[str] = set()
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            return Finding(Status.FAIL, what, t("doctor.schema.unknown", lang, current=shown))
        for upper in heads:
            missing.update(r.revision for r in script.iterate_revisions(upper, revision) if r.revision not in current)
    return Finding(Status.FAIL, what, t("doctor.schema.behind", lang, current=shown, head=head, count=len(missing)))


# -- (c) token and (d) webhook --------------------------------------------------------------------------------


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _check_token(settings: Settings, lang: str, telegram: _Telegram) -> Iterator[Finding]:
    what = t("doctor.token.what", lang)
    try:
        token = settings.token()
    except MissingTokenError:
        yield Finding(Status.FAIL, what, t("doctor.token.missing", lang))
        return
    client = httpx.Client(timeout=TIMEOUT)
    problem, me = _get_me(client, settings.telegram_api_url, token, lang, telegram)
    if problem is not None:
        client.close()
        yield Finding(Status.FAIL, what, problem)
        return
    telegram.client, telegram.base = client, f"{settings.telegram_api_url}/bot{token}"
    detail = t("doctor.token.ok", lang, api=settings.telegram_api_url, username=me.get("username"), id=me.get("id"))
    yield Finding(Status.OK, what, detail)


def _get_me(
    client: httpx.Client, api: str, token: str, lang: str, telegram: _Telegram
) -> tuple[str | None, dict[str, Any]]:
    """getMe: (what is wrong, or None; the bot's user). Remembers the server's clock on the way."""
    try:
        response = client.get(f"{api}/bot{token}/getMe")
    except httpx.HTTPError as error:
        detail = _scrub(str(error) or type(error).__name__, token)
        return t("doctor.token.unreachable", lang, api=api, error=detail), {}
    telegram.server_date, telegram.seen_at = _server_date(response), datetime.now(UTC)
    body = _json(response)
    if response.status_code in (401, 404) and (body is None or body.get("ok") is False):
        return t("doctor.token.rejected", lang, api=api, status=response.status_code), {}
    if body is None or "ok" not in body:
        return t("doctor.token.not_bot_api", lang, api=api, status=response.status_code), {}
    if not body["ok"] or not isinstance(body.get("result"), dict):
        status = body.get("error_code", response.status_code)
        description = _scrub(str(body.get("description", "")), token)
        return t("doctor.token.refused", lang, api=api, status=status, description=description), {}
    return None, body["result"]


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _server_date(response: httpx.Response) -> datetime | None:
    header = response.headers.get("date")
    if not header:
        return None
    try:
        return email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None


def _check_webhook(settings: Settings, lang: str, telegram: _Telegram) -> Iterator[Finding]:
    what = t("doctor.webhook.what", lang)
    wanted = settings.webhook_url
    if wanted:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        if not secret:
            yield Finding(Status.FAIL, what, t("doctor.webhook.secret_missing", lang))
        if settings.health_port and settings.health_port == settings.webhook_port:
            yield Finding(Status.FAIL, what, t("doctor.webhook.port_clash", lang, port=settings.webhook_port))
    if telegram.client is None:
        yield Finding(Status.WARN, what, t("doctor.webhook.skipped", lang))
        return
    api = settings.telegram_api_url
    token = telegram.base.rpartition("/bot")[2]
    try:
        response = telegram.client.get(f"{telegram.base}/getWebhookInfo")
        body = _json(response)
    except httpx.HTTPError as error:
        detail = _scrub(str(error) or type(error).__name__, token)
        yield Finding(Status.FAIL, what, t("doctor.webhook.unreachable", lang, api=api, error=detail))
        return
    if body is None or not body.get("ok") or not isinstance(body.get("result"), dict):
        detail = _scrub(str((body or {}).get("description", f"HTTP {response.status_code}")), token)
        yield Finding(Status.FAIL, what, t("doctor.webhook.unreachable", lang, api=api, error=detail))
        return
    info: dict[str, Any] = body["result"]
    registered = str(info.get("url") or "")
    pending = int(info.get("pending_update_count") or 0)
    if wanted:
        if registered == wanted:
            yield Finding(Status.OK, what, t("doctor.webhook.ok", lang, url=wanted, pending=pending))
        elif not registered:
            yield Finding(Status.WARN, what, t("doctor.webhook.not_registered", lang, url=wanted, pending=pending))
        else:
            yield Finding(Status.FAIL, what, t("doctor.webhook.other_url", lang, registered=registered, url=wanted))
    elif registered:
        yield Finding(Status.FAIL, what, t("doctor.webhook.polling_conflict", lang, registered=registered))
    else:
        yield Finding(Status.OK, what, t("doctor.webhook.polling_ok", lang, pending=pending))
    message = str(info.get("last_error_message") or "")
    if registered and message:
        stamp = info.get("last_error_date")
        when = (
            datetime.fromtimestamp(int(stamp), UTC).astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")
            if isinstance(stamp, int | float) and stamp
            else "?"
        )
        yield Finding(
            Status.WARN,
            t("doctor.webhook.error_what", lang),
            t("doctor.webhook.last_error", lang, when=when, message=message),
        )


# -- the running bot's /healthz -------------------------------------------------------------------------------


def _check_health(settings: Settings, lang: str) -> Iterator[Finding]:
    if not settings.health_port:
        return
    what = t("doctor.health.what", lang)
    host = settings.webhook_listen
    host = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    url = f"http://{f'[{host}]' if ':' in host else host}:{settings.health_port}/healthz"
    try:
        response = httpx.get(url, timeout=TIMEOUT)
    except httpx.HTTPError:
        yield Finding(Status.WARN, what, t("doctor.health.down", lang, url=url))
        return
    body = _json(response) or {}
    if response.status_code == 200:
        yield Finding(Status.OK, what, t("doctor.health.ok", lang, url=url, pending=body.get("inbox_pending", "?")))
    else:
        reason = str(body.get("reason") or response.reason_phrase)
        yield Finding(
            Status.FAIL, what, t("doctor.health.failing", lang, url=url, status=response.status_code, reason=reason)
        )


# -- (e) time zone and clock ----------------------------------------------------------------------------------


def _check_clock(settings: Settings, lang: str, telegram: _Telegram) -> Finding:
    what = t("doctor.clock.what", lang)
    now = datetime.now(settings.tz)
    offset = now.strftime("%z")
    shown = {
        "zone": settings.timezone,
        "offset": f"{offset[:3]}:{offset[3:]}" if offset else "",
        "now": now.strftime("%H:%M %d/%m/%Y"),
    }
    if telegram.server_date is None or telegram.seen_at is None:
        return Finding(Status.OK, what, t("doctor.clock.ok_alone", lang, **shown))
    skew = (telegram.seen_at - telegram.server_date).total_seconds()
    if abs(skew) > CLOCK_TOLERANCE:
        direction = t("doctor.clock.ahead" if skew > 0 else "doctor.clock.behind", lang)
        return Finding(
            Status.WARN, what, t("doctor.clock.skewed", lang, direction=direction, skew=round(abs(skew)), **shown)
        )
    return Finding(Status.OK, what, t("doctor.clock.ok", lang, skew=round(abs(skew)), **shown))


# -- (f) the regime -------------------------------------------------------------------------------------------


def _check_regime(settings: Settings, lang: str) -> Iterator[Finding]:
    from danhgia.scoring import ScoringError, load_regime
    from danhgia.workflow.refusal import Refusal
    from danhgia.workflow.regimes import check_choice, parse_category_map

    what = t("doctor.regime.what", lang)
    try:
        regime = load_regime(settings.regime)
    except ScoringError as error:
        yield Finding(Status.FAIL, what, t("doctor.regime.failed", lang, regime=settings.regime, error=error))
        return
    period = t(f"doctor.period_{regime.period}", lang)
    yield Finding(Status.OK, what, t("doctor.regime.ok", lang, id=regime.id, title=regime.title, period=period))
    mapping = parse_category_map(settings.regime_by_category)
    if not mapping:
        return
    what = t("doctor.regime.by_category_what", lang)
    choices = []
    for category, regime_id in mapping.items():
        try:
            check_choice(regime_id, settings.regime)
        except Refusal as refusal:
            reason = t(f"error.{refusal.code}", lang, **{k: str(v) for k, v in refusal.params.items()})
            yield Finding(Status.FAIL, what, t("doctor.regime.failed", lang, regime=regime_id, error=reason))
            return
        choices.append(t("doctor.regime.choice", lang, category=category, regime=regime_id))
    yield Finding(Status.OK, what, t("doctor.regime.by_category", lang, choices="; ".join(choices)))
