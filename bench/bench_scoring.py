"""Benchmark of danhgia.scoring: one month for 200 000 people in 10 000 units.

Times evaluate (every person), apply_quota (every unit) and the year roll-up (11 earlier months + this
one per person). Run by hand: `.venv/bin/python bench/bench_scoring.py [--people N] [--units N] [--workers N]`.

Each phase is reported as wall-clock seconds and, in brackets, CPU seconds of the slowest process: on a shared
machine the wall figure also counts other programs, the CPU figure much less so. Long-lived inputs (the
assessments, the stored months of the roll-up) are frozen out of the cyclic garbage collector before they are
used, as a batch job that loads them once would do; what the scoring creates is left to the collector.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from danhgia.scoring import (
    DEFAULT_REGIME_ID,
    Assessment,
    CriterionInput,
    DeductionChoice,
    EvaluationResult,
    LeaderInput,
    PeriodRecord,
    TaskInput,
    TaskStats,
    TaskStatus,
    apply_quota,
    evaluate,
    load_regime,
    rollup,
)

TASK_NAMES = (
    "Báo cáo tháng",
    "Báo cáo quý",
    "Thẩm định hồ sơ",
    "Giải quyết thủ tục hành chính",
    "Soạn thảo văn bản",
    "Tham mưu kế hoạch",
    "Tiếp công dân",
    "Kiểm tra cơ sở",
    "Tổng hợp số liệu",
    "Cập nhật cơ sở dữ liệu",
)
WEIGHTS = tuple(Decimal(w) for w in ("0.5", "1", "1", "1", "1.5", "2", "3"))
STATUSES = (
    (TaskStatus.DONE_ON_TIME, 0.72),
    (TaskStatus.DONE_LATE, 0.14),
    (TaskStatus.IN_PROGRESS, 0.09),
    (TaskStatus.NOT_DONE, 0.05),
)


def _status(rng: random.Random) -> TaskStatus:
    roll = rng.random()
    for status, share in STATUSES:
        roll -= share
        if roll < 0:
            return status
    return TaskStatus.DONE_ON_TIME


def make_person(rng: random.Random, person_id: str, leader: bool) -> Assessment:
    """A realistic monthly assessment under nd335-2025: 3 criteria, 5–15 tasks, leaders with unit facts."""
    criteria = []
    for code, deductions in (
        ("pham_chat", ("vi_pham_noi_quy", "vi_pham_gio_giac")),
        ("trach_nhiem", ("phan_anh_thai_do", "thieu_phoi_hop")),
        ("doi_moi", ("ne_tranh", "khong_de_xuat")),
    ):
        roll = rng.random()
        if roll < 0.8:
            criteria.append(CriterionInput(code))
        elif roll < 0.95:
            criteria.append(
                CriterionInput(code, deductions=(DeductionChoice(rng.choice(deductions), rng.randint(1, 2)),))
            )
        else:
            criteria.append(CriterionInput(code, points=Decimal(rng.randint(6, 10))))
    tasks = []
    for index in range(rng.randint(5, 15)):
        status = _status(rng)
        done = status.completed
        tasks.append(
            TaskInput(
                name=f"{rng.choice(TASK_NAMES)} #{index + 1}",
                status=status,
                weight=rng.choice(WEIGHTS),
                major_errors=1 if done and rng.random() < 0.06 else 0,
                delays=rng.randint(1, 2) if status is TaskStatus.DONE_LATE else 0,
                objective_cause_confirmed=status is TaskStatus.DONE_LATE and rng.random() < 0.2,
                exceeded=done and rng.random() < 0.2,
            )
        )
    leader_input = None
    if leader:
        levels = tuple(rng.choice(("HTXS", "HTT", "HTT", "HT", "HT", "KHT")) for _ in range(rng.randint(5, 19)))
        leader_input = LeaderInput(levels, (("to_chuc_thuc_hien", Decimal(rng.choice((80, 90, 100)))),))
    return Assessment(person_id=person_id, criteria=tuple(criteria), tasks=tuple(tasks), leader=leader_input)


def make_units(people: int, units: int, seed: int) -> list[list[Assessment]]:
    """`people` assessments split into `units` units; the first person of each unit is its leader."""
    rng = random.Random(seed)
    size, extra = divmod(people, units)
    out = []
    for unit in range(units):
        count = size + (1 if unit < extra else 0)
        out.append([make_person(rng, f"U{unit:05d}-{i:03d}", i == 0) for i in range(count)])
    return out


def history(result: EvaluationResult, rng: random.Random) -> list[PeriodRecord]:
    """Eleven earlier months (as stored by the bot) plus this month, for the year roll-up."""
    records = []
    for month in range(1, 12):
        if rng.random() < 0.03:
            records.append(PeriodRecord(f"2026-{month:02d}", None, absence_reason="sick"))
            continue
        total = Decimal(rng.randint(6000, 10000)).scaleb(-2)
        records.append(
            PeriodRecord(f"2026-{month:02d}", total, task_stats=TaskStats(Decimal(10), Decimal(10), Decimal(9)))
        )
    records.append(PeriodRecord.from_result("2026-12", result))
    return records


class Clock:
    """Wall-clock and CPU seconds of each timed phase (CPU time is the steadier figure on a shared machine)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def restart(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[name] = wall - self._wall
        self.cpu[name] = cpu - self._cpu
        self._wall, self._cpu = wall, cpu


@dataclass
class Chunk:
    """What one process measured: seconds per phase (wall and CPU) and what it did."""

    wall: dict[str, float]
    cpu: dict[str, float]
    demoted: int
    rated: int
    tasks: int


def run_chunk(args: tuple[int, int, int, int, int, bool]) -> Chunk:
    """Build this process's share of the units, then time evaluate, quota and the year roll-up.

    Returns the wall and CPU seconds of each phase and what was done (demotions, people rated, tasks).
    """
    people, units, seed, worker, workers, explain = args
    clock = Clock()
    # every worker regenerates the same data and keeps its own slice: nothing is pickled
    all_units = make_units(people, units, seed)
    mine = all_units[worker::workers]
    del all_units
    tasks = sum(len(p.tasks) for unit in mine for p in unit)
    regime = load_regime(DEFAULT_REGIME_ID)
    gc.collect()
    gc.freeze()  # the input data is long-lived: keep it out of the cyclic collector's scans
    clock.lap("build")

    results = [[evaluate(regime, person, explain=explain) for person in unit] for unit in mine]
    clock.lap("evaluate")
    demoted = 0
    for unit_results in results:
        quota = apply_quota(regime, unit_results)
        demoted += sum(1 for d in quota.decisions if d.demoted)
    clock.lap("quota")
    rng = random.Random(seed + worker)
    records = [history(r, rng) for unit_results in results for r in unit_results]
    gc.collect()
    gc.freeze()  # the roll-up's input (the stored months) is long-lived too, like the assessments above
    clock.restart()  # preparing the history is not part of the month
    rated = 0
    for person_records in records:
        rated += rollup(regime, person_records, explain=explain).year.rated
    clock.lap("rollup")
    return Chunk(clock.wall, clock.cpu, demoted, rated, tasks)


def main() -> None:
    """Build the data set, run the month, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="processes; units are split between them (default 2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help="batch mode: skip the explanation lines (evaluate/rollup explain=False)",
    )
    args = parser.parse_args()
    workers = max(1, args.workers)
    jobs = [(args.people, args.units, args.seed, worker, workers, not args.no_explain) for worker in range(workers)]

    wall = time.perf_counter()
    if workers == 1:
        parts = [run_chunk(jobs[0])]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(run_chunk, jobs))
    wall = time.perf_counter() - wall

    def slowest(kind: str, *phases: str) -> float:
        """The slowest process decides (they run side by side)."""
        return max(sum((p.wall if kind == "wall" else p.cpu)[phase] for phase in phases) for p in parts)

    def total(key: str) -> int:
        return sum(int(getattr(p, key)) for p in parts)

    per_process = args.people / workers
    print(
        f"data: {args.people} people in {args.units} units, {total('tasks')} tasks "
        f"(built in {slowest('wall', 'build'):.1f} s, not timed)"
    )
    mode = "without explanations (batch)" if args.no_explain else "with explanations"
    print(f"processes: {workers} (cpu count {os.cpu_count()}), {mode}; seconds: wall (cpu)")
    evaluate_s = slowest("wall", "evaluate")
    print(
        f"evaluate: {evaluate_s:6.2f} s ({slowest('cpu', 'evaluate'):6.2f})  "
        f"({per_process / evaluate_s:,.0f} people/s per process)"
    )
    print(
        f"quota:    {slowest('wall', 'quota'):6.2f} s ({slowest('cpu', 'quota'):6.2f})  "
        f"({total('demoted')} demotions in {args.units} units)"
    )
    print(
        f"rollup:   {slowest('wall', 'rollup'):6.2f} s ({slowest('cpu', 'rollup'):6.2f})  "
        f"({total('rated')} people rated for the year from 12 months)"
    )
    month = ("evaluate", "quota", "rollup")
    print(
        f"MONTH (evaluate + quota + year roll-up): {slowest('wall', *month):.2f} s "
        f"(cpu {slowest('cpu', *month):.2f} s)   [wall incl. data build: {wall:.1f} s]"
    )


if __name__ == "__main__":
    main()
