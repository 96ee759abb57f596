"""CLI commands of the scoring module (`danhgia score`, `danhgia regimes`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the scoring commands to the `danhgia` CLI."""
