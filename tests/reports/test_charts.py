"""The charts as PNG: a PNG of 900 × 600 px, the same bytes for the same data and no software name or date in
them, different bytes for different data, bad counts refused; drawn without pyplot. The images are kept under
test-artifacts/reports/ to look at."""

from __future__ import annotations

import dataclasses
import struct
import subprocess
import sys
import zlib
from decimal import Decimal as D
from pathlib import Path

import pytest

from danhgia.reports.charts import HEIGHT_PX, WIDTH_PX, level_chart, progress_chart, trend_chart
from danhgia.workflow.report_data import QuotaCheck
from tests.reports.test_summary import make_data

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONTHS = [(f"{month}/2026", D(80) + D(month) * D("1.5") if month != 4 else None) for month in range(1, 13)]


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks (type, data), each checked against its CRC."""
    assert png[:8] == SIGNATURE
    chunks, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + data) == crc
        chunks.append((kind, data))
        offset += 12 + length
    return chunks


def _check(png: bytes) -> None:
    chunks = _chunks(png)
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert (width, height) == (WIDTH_PX, HEIGHT_PX) == (900, 600)
    kinds = {kind for kind, _ in chunks}
    assert not kinds & {b"tEXt", b"iTXt", b"zTXt", b"tIME"}  # no "Software: matplotlib …", no date


def _save(name: str, png: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.png").write_bytes(png)


CHARTS = {
    "chart-levels": lambda: level_chart(make_data(40, closed=False)),
    "chart-levels-hanoi": lambda: level_chart(make_data(40, regime_id="hanoi-1841-2021")),
    "chart-levels-danang": lambda: level_chart(make_data(12, regime_id="danang-2013", quota=())),
    "chart-trend": lambda: trend_chart("Nguyễn Thị Hương", MONTHS, D(100)),
    "chart-trend-short": lambda: trend_chart("Lê Văn An", MONTHS[9:], D(100)),
    "chart-trend-quarters": lambda: trend_chart(
        "Đỗ Thị Dung", [("Quý III/2026", D(88)), ("Quý IV/2026", D("91.5"))], D(100)
    ),
    "chart-trend-empty": lambda: trend_chart("Phạm Thị Bình", [], D(100)),
    "chart-trend-three-years": lambda: trend_chart(
        "Vũ Thị Giang", [(f"{m % 12 + 1}/{2024 + m // 12}", D(70) + m % 9 * 3) for m in range(36)], D(100)
    ),
    "chart-progress": lambda: progress_chart(20, 12, 8, 10, "Tiến độ nộp phiếu tháng 11/2026 — Sở Nội vụ"),
    "chart-progress-other": lambda: progress_chart(25, 15, 7, 3, "Tiến độ nộp phiếu tháng 11/2026 — Phòng Tổng hợp"),
    "chart-progress-empty": lambda: progress_chart(0, 0, 0, 0, "Tiến độ nộp phiếu tháng 11/2026 — Phòng mới"),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_is_a_900_by_600_png_without_metadata(name: str) -> None:
    png = CHARTS[name]()
    _check(png)
    _save(name, png)


@pytest.mark.parametrize("name", ["chart-levels", "chart-trend", "chart-progress"])
def test_the_same_data_gives_the_same_bytes(name: str) -> None:
    assert CHARTS[name]() == CHARTS[name]()


def test_different_data_gives_different_bytes() -> None:
    data = make_data(40)
    assert level_chart(data) != level_chart(dataclasses.replace(data, unit_name="Phòng Tổng hợp"))
    more = (*data.quota, QuotaCheck("staff:nd335-2025:vien_chuc", 3, 15, 1))
    assert level_chart(data) != level_chart(dataclasses.replace(data, quota=more))  # the mark moves
    assert trend_chart("A", MONTHS, D(100)) != trend_chart("A", MONTHS[:-1], D(100))
    assert progress_chart(20, 12, 8, 10, "T") != progress_chart(20, 13, 7, 10, "T")


@pytest.mark.parametrize(
    ("submitted", "approved", "waiting", "missing"),
    [(-1, 0, 0, 0), (5, 3, 3, 0), (5, 0, 0, -2), (5, -1, 0, 0)],
)
def test_progress_refuses_counts_that_do_not_add_up(submitted: int, approved: int, waiting: int, missing: int) -> None:
    with pytest.raises(ValueError, match="approved \\+ waiting"):
        progress_chart(submitted, approved, waiting, missing, "T")


def test_charts_draw_without_pyplot() -> None:
    """No pyplot, hence no global figure manager and no backend chosen for the process (asking matplotlib for its
    backend would itself import pyplot: only sys.modules is looked at)."""
    code = (
        "import sys\n"
        "from decimal import Decimal\n"
        "from danhgia.reports.charts import progress_chart, trend_chart\n"
        "trend_chart('A', [('11/2026', Decimal(90))], Decimal(100))\n"
        "progress_chart(2, 1, 1, 1, 'T')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
