"""Settings from the environment and `.env` (documented one by one in `.env.example`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    regime: str = Field(default="nd335-2025", description="Scoring regime of new periods (`danhgia regimes`).")

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

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
        return WorkflowConfig(timezone=self.tz, invite_ttl=timedelta(days=self.invite_ttl_days), regime_id=self.regime)

    def token(self) -> str:
        """The bot token, or an error that says how to set it."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise MissingTokenError
        return self.bot_token.get_secret_value().strip()


class MissingTokenError(RuntimeError):
    """BOT_TOKEN is not set."""
