"""What every `danhgia` subcommand shares: a readable failure, the settings from the environment, a typed day."""

from __future__ import annotations

from datetime import date
from typing import NoReturn

import typer
from pydantic import ValidationError

from danhgia.bot.settings import Settings
from danhgia.texts import t
from danhgia.workflow import inputs
from danhgia.workflow.refusal import Refusal


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a message on stderr and stop with an exit code."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from the environment, or a readable error."""
    try:
        return Settings()
    except ValidationError as error:
        lines = [f"  • {'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()]
        fail("Cấu hình không hợp lệ:\n" + "\n".join(lines), 2)


def day(value: str) -> date:
    """dd/mm/yyyy (as the bot reads a typed day) → date, or a readable error."""
    try:
        return inputs.day(value, date.today())
    except Refusal as refusal:
        fail(t(f"error.{refusal.code}", **refusal.params), 2)
