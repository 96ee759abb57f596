"""Settings from the environment and `.env` (documented one by one in `.env.example`)."""

from __future__ import annotations

import hashlib
import re
from datetime import time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from danhgia.workflow.council import CouncilSettings
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import check_choice, parse_category_map
from danhgia.workflow.reminders import Timeline
from danhgia.workflow.services import WorkflowConfig


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="Token from @BotFather (needed by `run`).")
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API server; requests go to {TELEGRAM_API_URL}/bot{BOT_TOKEN}/{method}.",
    )
    database_url: str = Field(default="sqlite:///./var/danhgia.db", description="SQLAlchemy URL of the database.")
    bot_username: str | None = Field(
        default=None, description="The bot's @username for invite links; asked from getMe when empty."
    )
    invite_ttl_days: int = Field(default=14, ge=1, le=365, description="Days an invite link stays valid.")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="Time zone for dates shown and schedules.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    poll_timeout: int = Field(default=30, ge=0, le=50, description="Long-polling timeout in seconds.")
    webhook_url: str = Field(
        default="",
        description="Public HTTPS address Telegram posts updates to (`danhgia run --webhook`); empty: long polling.",
    )
    webhook_listen: str = Field(default="127.0.0.1", description="Address the webhook server listens on.")
    webhook_port: int = Field(default=8443, ge=1, le=65535, description="Port the webhook server listens on.")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z a-z 0-9 _ -); required "
        "with a webhook.",
    )
    redis_url: str = Field(
        default="",
        description="Redis for the sending budget several instances share (redis://127.0.0.1:6379/0); empty: "
        "each process keeps Telegram's limits alone (one instance).",
    )
    instances: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Instances running (each sends its share of the limits while Redis is away).",
    )
    paid_broadcast_stars_per_month: int = Field(
        default=0,
        ge=0,
        le=10_000_000,
        description="Telegram Stars a month the bot may spend sending reminders as paid broadcasts (up to 1 000 a "
        "second, 0.1 Star a message, from the bot's balance); never exceeded. 0: off.",
    )
    zalo_bot_token: SecretStr | None = Field(
        default=None, description="Token of the Zalo bot (`danhgia run --zalo`), from Zalo Bot Creator."
    )
    zalo_api_url: str = Field(
        default="https://bot-api.zaloplatforms.com",
        description="Zalo bot API server; requests go to {ZALO_API_URL}/bot{ZALO_BOT_TOKEN}/{method}.",
    )
    zalo_public_url: str = Field(
        default="",
        description="Public HTTPS address of the bot's Zalo endpoint (a reverse proxy to ZALO_LISTEN:ZALO_PORT): "
        "Zalo posts events to {ZALO_PUBLIC_URL}/zalo, and files are linked under {ZALO_PUBLIC_URL}/zalo/files; "
        "empty: http://ZALO_LISTEN:ZALO_PORT (a local test only).",
    )
    zalo_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Zalo sends in X-Bot-Api-Secret-Token (8-256 characters); set: Zalo posts events to the "
        "webhook, empty: the bot long-polls getUpdates.",
    )
    zalo_listen: str = Field(default="127.0.0.1", description="Address the Zalo webhook and file server listens on.")
    zalo_port: int = Field(
        default=8444, ge=0, le=65535, description="Port of the Zalo webhook and file server (0: any free port)."
    )
    zalo_files_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the Zalo file links (16 characters or more); empty: derived from the Zalo token.",
    )
    health_port: int = Field(
        default=0, ge=0, le=65535, description="Port of the /healthz endpoint on WEBHOOK_LISTEN (0: none)."
    )
    regime: str = Field(default="nd335-2025", description="Scoring regime of new periods (`danhgia regimes`).")
    regime_by_category: str = Field(
        default="",
        description="The organisation's regime per staff category (roster column loai_can_bo), e.g. "
        "`vien_chuc=nd233-2026; nguoi_lao_dong=nd335-2025`; a unit may choose otherwise (`danhgia regime-map`); "
        "a category not named, and a person without one, uses REGIME.",
    )
    weekly_plan_at: time = Field(default=time(8, 0), description="Weekly plan prompt, first working day of the week.")
    weekly_checkin_day: int = Field(default=5, ge=1, le=7, description="Check-in day (1 = Monday … 5 = Friday).")
    weekly_checkin_at: time = Field(default=time(15, 0), description="Time of the weekly check-in prompt.")
    self_window_workdays: int = Field(
        default=2, ge=1, le=10, description="The self-assessment window opens this many working days before month end."
    )
    self_deadline_workday: int = Field(
        default=3, ge=1, le=15, description="Self-assessment deadline: this working day of the next month."
    )
    review_deadline_workday: int = Field(
        default=5, ge=1, le=20, description="Leaders' review deadline: this working day of the next month."
    )
    closing_workday: int = Field(default=7, ge=1, le=25, description="HR's closing day: this working day.")
    reminder_at: time = Field(default=time(8, 0), description="Time of the month-end reminders and nudges.")
    digest_at: time = Field(default=time(8, 30), description="Time of HR's daily digest during the window.")
    quiet_hours: str = Field(default="21:00-07:00", description="No reminder in these hours (HH:MM-HH:MM).")
    hold_notices: bool = Field(
        default=True, description="Other notices too wait for working hours and days (false: sent at once)."
    )
    reminder_tick_seconds: int = Field(default=60, ge=5, le=3600, description="How often reminders are checked.")
    reminders: bool = Field(default=True, description="Tick the reminders (false: only on demand, e.g. tests).")
    council_quorum: int = Field(default=2, ge=1, le=50, description="Agreeing council votes that decide a case.")
    contest_days: int = Field(default=5, ge=0, le=60, description="Days after closing a result can be contested.")
    council_case_days: int = Field(
        default=10, ge=1, le=90, description="Days the council has to decide a case (then HR is told)."
    )
    council_gap_points: Decimal = Field(
        default=Decimal(10), ge=0, le=100, description="Self-vs-leader gap that goes to the council."
    )

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if (
            value is not None
            and value.get_secret_value()
            and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value())
        ):
            raise ValueError("WEBHOOK_SECRET: 1-256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and not 8 <= len(value.get_secret_value()) <= 256:
            raise ValueError("ZALO_WEBHOOK_SECRET: 8-256 characters")
        return value

    @field_validator("zalo_files_secret")
    @classmethod
    def _files_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and len(value.get_secret_value()) < 16:
            raise ValueError("ZALO_FILES_SECRET: 16 characters or more")
        return value

    @field_validator("zalo_api_url", "zalo_public_url")
    @classmethod
    def _zalo_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("must be an http(s) address such as https://bot.example.gov.vn")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_address(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("WEBHOOK_URL must be an http(s) address such as https://bot.example.gov.vn/telegram")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("regime")
    @classmethod
    def _known_regime(cls, value: str) -> str:
        from danhgia.scoring import ScoringError, load_regime

        try:
            load_regime(value)
        except ScoringError as error:
            raise ValueError(str(error)) from error
        return value

    @model_validator(mode="after")
    def _categories_fit(self) -> Settings:
        for category, regime_id in parse_category_map(self.regime_by_category).items():
            try:
                check_choice(regime_id, self.regime)
            except Refusal as refusal:
                raise ValueError(f"REGIME_BY_CATEGORY {category}={regime_id}: {refusal.code}") from None
        return self

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @model_validator(mode="after")
    def _deadlines_in_order(self) -> Settings:
        if not self.self_deadline_workday <= self.review_deadline_workday <= self.closing_workday:
            raise ValueError("SELF_DEADLINE_WORKDAY ≤ REVIEW_DEADLINE_WORKDAY ≤ CLOSING_WORKDAY is required")
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    def workflow_config(self) -> WorkflowConfig:
        """The part of the settings the use cases need."""
        quiet_from, quiet_until = parse_quiet_hours(self.quiet_hours)
        timeline = Timeline(
            plan_at=self.weekly_plan_at,
            checkin_weekday=self.weekly_checkin_day - 1,
            checkin_at=self.weekly_checkin_at,
            window_workdays=self.self_window_workdays,
            self_deadline_workday=self.self_deadline_workday,
            review_deadline_workday=self.review_deadline_workday,
            closing_workday=self.closing_workday,
            remind_at=self.reminder_at,
            digest_at=self.digest_at,
            quiet_from=quiet_from,
            quiet_until=quiet_until,
        )
        return WorkflowConfig(
            timezone=self.tz,
            invite_ttl=timedelta(days=self.invite_ttl_days),
            regime_id=self.regime,
            regime_by_category=parse_category_map(self.regime_by_category),
            timeline=timeline,
            hold_notices=self.hold_notices,
            paid_stars_per_month=self.paid_broadcast_stars_per_month,
            council=CouncilSettings(
                self.council_quorum, self.contest_days, self.council_gap_points, self.council_case_days
            ),
        )

    def token(self) -> str:
        """The bot token, or an error that says how to set it."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise MissingTokenError
        return self.bot_token.get_secret_value().strip()

    def zalo_token(self) -> str:
        """The Zalo bot token, or MissingTokenError."""
        if self.zalo_bot_token is None or not self.zalo_bot_token.get_secret_value().strip():
            raise MissingTokenError
        return self.zalo_bot_token.get_secret_value().strip()

    def zalo_files_key(self) -> bytes:
        """The key that signs Zalo file links: ZALO_FILES_SECRET, or one derived from the Zalo token."""
        if self.zalo_files_secret is not None and self.zalo_files_secret.get_secret_value():
            return self.zalo_files_secret.get_secret_value().encode()
        return hashlib.sha256(b"danhgia zalo files\x00" + self.zalo_token().encode()).digest()


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """ "21:00-07:00" → (21:00, 07:00); the quiet hours run overnight, from the first to the second."""
    try:
        start_text, end_text = (part.strip() for part in value.split("-"))
        start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    except ValueError as error:
        raise ValueError(f"quiet hours must look like 21:00-07:00, not {value!r}") from error
    if start <= end:
        raise ValueError("quiet hours must run overnight (e.g. 21:00-07:00)")
    return start, end


class MissingTokenError(RuntimeError):
    """BOT_TOKEN is not set."""
