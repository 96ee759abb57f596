"""The bot's memory at start: the document libraries (matplotlib, openpyxl, python-docx — some 60 MB) are loaded when
a report is first asked for, not by starting the bot (bench/bench_scale.py measures the bot's RSS)."""

from __future__ import annotations

import subprocess
import sys


def test_starting_the_bot_does_not_load_the_document_libraries() -> None:
    code = (
        "import sys, danhgia.bot.app, danhgia.handlers\n"
        "print(','.join(m for m in ('matplotlib', 'openpyxl', 'docx') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
