"""Tests of the official paperwork (danhgia.reports)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

# Two moments far apart (another day, another zip time step): a document built at each must be the same bytes.
MOMENTS = (datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC), datetime(2027, 3, 2, 17, 31, 7, tzinfo=UTC))


def built_twice(build: Callable[[], bytes]) -> tuple[bytes, bytes]:
    """The same document built with the clock at two different moments (no sleeping: time-machine moves it)."""
    built = []
    for moment in MOMENTS:
        with time_machine.travel(moment, tick=False):
            built.append(build())
    return built[0], built[1]


def print_docx(tmp_path: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """The documents turned into PDFs by LibreOffice (skipped, with the reason, when it or poppler is missing)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the printed documents cannot be checked")
    if not all(shutil.which(tool) for tool in ("pdfinfo", "pdftoppm", "pdffonts", "pdftotext")):
        pytest.skip("poppler-utils (pdfinfo, pdftoppm, pdffonts, pdftotext) are missing: the print cannot be checked")
    paths = []
    for name, content in files.items():
        path = tmp_path / f"{name}.docx"
        path.write_bytes(content)
        paths.append(str(path))
    profile = (tmp_path / "profile").as_uri()  # a profile of its own: no clash with another LibreOffice
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir"]
    subprocess.run([*command, str(tmp_path), *paths], check=True, capture_output=True)
    return {name: tmp_path / f"{name}.pdf" for name in files}
