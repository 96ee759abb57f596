"""Benchmark of danhgia.reports.summary: the Excel summary of a large unit (10 000 people by default).

Builds the workbook on one sheet and with a sheet per sub-unit, a few times each, and prints the wall-clock and CPU
seconds of the best and the median run, and the file's size. Run by hand:
`.venv/bin/python bench/report_summary.py [--people N] [--units N] [--repeat N]`.

On a shared machine the wall figure also counts other programs; the CPU figure much less so.
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal

from danhgia.reports.summary import summary_xlsx
from danhgia.scoring import load_regime
from danhgia.workflow.reports import NOT_SUBMITTED_NOTE, QuotaCheck, SummaryData, SummaryRow

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức", "Thu Hà", "Quốc Huy", "Ngọc Lan", "Thị Mai")
POSITIONS = ("Chuyên viên", "Chuyên viên chính", "Phó Trưởng phòng", "Trưởng phòng", "Cán sự")
CATEGORIES = ("cong_chuc", "vien_chuc", "nguoi_lao_dong", "")


def summary(people: int, units: int) -> SummaryData:
    """A unit of `people` people in `units` sub-units, one in twenty without a form, totals from 45 to 99."""
    regime = load_regime("nd335-2025")
    rows = []
    for i in range(people):
        name = f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[i % len(GIVEN)]} {i}"
        unit = f"Phòng nghiệp vụ số {i % units + 1}"
        category = CATEGORIES[i % len(CATEGORIES)]
        position = POSITIONS[i % len(POSITIONS)]
        if i % 20 == 19:
            rows.append(
                SummaryRow(i + 1, f"CB{i:06d}", name, position, unit, category, regime.id,
                           None, None, None, "", None, NOT_SUBMITTED_NOTE)
            )  # fmt: skip
            continue
        total = Decimal(45 + (i * 37) % 5500 / 100).quantize(Decimal("0.01"))
        level = next(level for level in regime.levels if level.reached_by(total))
        note = "hạ mức do giới hạn tỷ lệ" if i % 97 == 0 else ""
        rows.append(
            SummaryRow(i + 1, f"CB{i:06d}", name, position, unit, category, regime.id,
                       total + 1, total, total, level.display, level.code, note)
        )  # fmt: skip
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.level or NOT_SUBMITTED_NOTE] = counts.get(row.level or NOT_SUBMITTED_NOTE, 0) + 1
    order = [level.display for level in regime.levels]
    level_counts = tuple(sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
    quota = tuple(QuotaCheck(f"staff:{regime.id}:{c}", people // 40, people // 8, people // 45) for c in CATEGORIES)
    return SummaryData("Sở Nội vụ", "SO", "2026-11", "11/2026", regime, tuple(rows), level_counts, quota, True)


def measure(data: SummaryData, *, by_unit: bool, repeat: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds of each build, and the workbook's size in bytes."""
    walls, cpus, size = [], [], 0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        size = len(summary_xlsx(data, sheets_by_unit=by_unit))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, size


def main() -> None:
    """Parses the arguments, builds the data once, times the builds and prints one line per layout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = summary(args.people, args.units)
    print(f"summary_xlsx: {args.people} people in {args.units} units, {args.repeat} runs each")
    for label, by_unit in (("one sheet", False), ("sheets by unit", True)):
        walls, cpus, size = measure(data, by_unit=by_unit, repeat=args.repeat)
        print(
            f"  {label:15} best {min(walls):.2f} s (CPU {min(cpus):.2f} s), "
            f"median {statistics.median(walls):.2f} s (CPU {statistics.median(cpus):.2f} s), "
            f"{size / 1024:.0f} KiB, {args.people / min(walls):,.0f} rows/s"
        )


if __name__ == "__main__":
    main()
