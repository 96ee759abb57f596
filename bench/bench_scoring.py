"""Benchmark of danhgia.scoring: one month for 200 000 people in 10 000 units.

Times evaluate (every person), apply_quota (every unit) and the year roll-up (11 earlier months + this
one per person). Run by hand: `.venv/bin/python bench/bench_scoring.py [--people N] [--units N] [--workers N]`.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
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


def run_chunk(args: tuple[int, int, int, int, int, bool]) -> tuple[float, float, float, float, int, int, int]:
    """Build this process's share of the units, then time evaluate, quota and the year roll-up.

    Returns (build, evaluate, quota, roll-up seconds, demotions, people rated for the year, tasks).
    """
    people, units, seed, worker, workers, explain = args
    started = time.perf_counter()
    # every worker regenerates the same data and keeps its own slice: nothing is pickled
    all_units = make_units(people, units, seed)
    mine = all_units[worker::workers]
    del all_units
    tasks = sum(len(p.tasks) for unit in mine for p in unit)
    regime = load_regime(DEFAULT_REGIME_ID)
    gc.collect()
    gc.freeze()  # the input data is long-lived: keep it out of the cyclic collector's scans
    built = time.perf_counter()

    results = [[evaluate(regime, person, explain=explain) for person in unit] for unit in mine]
    evaluated = time.perf_counter()
    demoted = 0
    for unit_results in results:
        quota = apply_quota(regime, unit_results)
        demoted += sum(1 for d in quota.decisions if d.demoted)
    quotas = time.perf_counter()
    rng = random.Random(seed + worker)
    records = [history(r, rng) for unit_results in results for r in unit_results]
    prepared = time.perf_counter()
    rated = 0
    for person_records in records:
        rated += rollup(regime, person_records, explain=explain).year.rated
    done = time.perf_counter()
    return built - started, evaluated - built, quotas - evaluated, done - prepared, demoted, rated, tasks


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

    build_s = max(p[0] for p in parts)
    evaluate_s = max(p[1] for p in parts)
    quota_s = max(p[2] for p in parts)
    rollup_s = max(p[3] for p in parts)
    month_s = max(p[1] + p[2] + p[3] for p in parts)
    print(
        f"data: {args.people} people in {args.units} units, {sum(p[6] for p in parts)} tasks "
        f"(built in {build_s:.1f} s, not timed)"
    )
    mode = "without explanations (batch)" if args.no_explain else "with explanations"
    print(f"processes: {workers} (cpu count {os.cpu_count()}), {mode}")
    print(f"evaluate: {evaluate_s:6.2f} s  ({args.people / workers / evaluate_s:,.0f} people/s per process)")
    print(f"quota:    {quota_s:6.2f} s  ({sum(p[4] for p in parts)} demotions in {args.units} units)")
    print(f"rollup:   {rollup_s:6.2f} s  ({sum(p[5] for p in parts)} people rated for the year from 12 months)")
    print(f"MONTH (evaluate + quota + year roll-up): {month_s:.2f} s   [wall incl. data build: {wall:.1f} s]")


if __name__ == "__main__":
    main()
