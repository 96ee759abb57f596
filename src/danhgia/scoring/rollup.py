"""rollup(): quarter and year results from period results, with the annual working-time rules.

Year score = mean of the totals of the periods actually worked (rounded once). The annual working-time rules are
those of the regime in force for the year rolled up (`RollupRules.for_year`): e.g. NĐ 90/2020 as amended by
NĐ 48/2023 until it lapsed on 01/7/2026 — fewer than 6 months worked → not rated, except maternity leave (rated on
the time actually worked); 3 to < 6 months of (non-maternity) leave → at most "Hoàn thành nhiệm vụ" — or NĐ 233
for viên chức (sick and maternity leave exempt, no cap). Disqualifiers of any period apply to the quarter and the
year. Two years in a row at the lowest level (`previous_year_level`) raise a flag.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from decimal import Decimal

from danhgia.scoring.engine import Explainer, decide_level, resolve_regime
from danhgia.scoring.errors import InvalidAssessmentError
from danhgia.scoring.model import (
    ExplanationLine,
    Flag,
    Params,
    PeriodRecord,
    PeriodSummary,
    RollupResult,
    TaskStats,
)
from danhgia.scoring.numbers import format_points, round_ratio
from danhgia.scoring.regime import LEAVE_TYPES, Level, Regime

__all__ = ["period_length", "rollup"]

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_ZERO = Decimal(0)


def period_length(regime: Regime) -> int:
    """Months in one base period of the regime (1 or 3)."""
    return 3 if regime.period == "quarter" else 1


@functools.lru_cache(maxsize=256)
def _key_parts(period: str, key: str) -> tuple[int, int] | None:
    if period == "month":
        match = _MONTH_RE.match(key)
        return None if match is None else (int(match.group(1)), (int(match.group(2)) - 1) // 3 + 1)
    match = _QUARTER_RE.match(key)
    return None if match is None else (int(match.group(1)), int(match.group(2)))


#: valid period keys already seen → (year, quarter), per kind of period (a plain dict is the fastest lookup)
_KEYS: dict[str, dict[str, tuple[int, int]]] = {"month": {}, "quarter": {}}


def _parse_key(regime: Regime, key: str, field: str) -> tuple[int, int]:
    """(year, quarter) of a period key "2026-03" (monthly regimes) or "2026-Q1" (quarterly)."""
    parts = _key_parts(regime.period, key) if isinstance(key, str) else None
    if parts is None:
        example = "NNNN-TT (ví dụ 2026-03)" if regime.period == "month" else "NNNN-Qn (ví dụ 2026-Q1)"
        raise InvalidAssessmentError(field, f"kỳ «{key}» phải có dạng {example}")
    if type(key) is str:
        _KEYS[regime.period][key] = parts
    return parts


class _Bucket:
    """What a quarter or the year accumulates from its period records (one pass)."""

    __slots__ = (
        "absent",
        "assigned",
        "completed",
        "disqualified",
        "exceeded",
        "has_stats",
        "keys",
        "on_time",
        "totals",
        "worked",
    )

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.totals: list[Decimal] = []
        self.worked = 0
        self.absent: dict[str, int] = {}
        self.disqualified: dict[str, list[str]] = {}
        self.has_stats = False
        self.assigned = self.completed = self.on_time = self.exceeded = _ZERO

    def add(self, record: PeriodRecord, worked: int, length: int, pool_stats: bool = True) -> None:
        self.keys.append(record.period)
        self.worked += worked
        if worked < length:
            reason = record.absence_reason or "other"
            self.absent[reason] = self.absent.get(reason, 0) + length - worked
        if record.disqualifiers:
            for code in record.disqualifiers:
                self.disqualified.setdefault(code, []).append(record.period)
        if record.total is None:
            return
        self.totals.append(record.total)
        stats = record.task_stats
        if stats is not None and pool_stats:
            self.has_stats = True
            self.assigned += stats.assigned
            self.completed += stats.completed
            self.on_time += stats.on_time_quality
            self.exceeded += stats.exceeded

    def merge(self, other: _Bucket) -> None:
        """Add another bucket (a later quarter) to this one."""
        self.keys.extend(other.keys)
        self.totals.extend(other.totals)
        self.worked += other.worked
        for reason, months in other.absent.items():
            self.absent[reason] = self.absent.get(reason, 0) + months
        for code, where in other.disqualified.items():
            self.disqualified.setdefault(code, []).extend(where)
        if other.has_stats:
            self.has_stats = True
            self.assigned += other.assigned
            self.completed += other.completed
            self.on_time += other.on_time
            self.exceeded += other.exceeded

    def mean(self) -> Decimal:
        """Mean of the period totals, rounded once (the totals are exact decimals)."""
        num, den = sum(self.totals, _ZERO).as_integer_ratio()
        return round_ratio(num, den * len(self.totals))

    def stats(self) -> TaskStats | None:
        return TaskStats(self.assigned, self.completed, self.on_time, self.exceeded) if self.has_stats else None


def _check(regime: Regime, record: PeriodRecord, index: int, length: int) -> int:
    """Full validation of one record (errors name the field); returns the months worked in it."""
    total, worked, reason = record.total, record.months_worked, record.absence_reason
    maximum = regime.max_total
    if total is not None and not (type(total) is Decimal and total.is_finite() and 0 <= total <= maximum):
        raise InvalidAssessmentError(f"periods[{index}].total", f"phải là số từ 0 đến {format_points(maximum)}")
    if worked is None:
        worked = length if total is not None else 0
    elif total is None and worked:
        raise InvalidAssessmentError(f"periods[{index}].months_worked", "kỳ không có điểm thì số tháng làm việc là 0")
    if total is not None and not 1 <= worked <= length:
        raise InvalidAssessmentError(f"periods[{index}].months_worked", f"phải từ 1 đến {length}")
    if reason is None:
        if worked < length:
            raise InvalidAssessmentError(f"periods[{index}].absence_reason", "cần lý do nghỉ (annual, sick, …)")
    elif reason not in LEAVE_TYPES:
        raise InvalidAssessmentError(
            f"periods[{index}].absence_reason", f"«{reason}» không hợp lệ; có: {', '.join(LEAVE_TYPES)}"
        )
    for position, code in enumerate(record.disqualifiers):
        if code not in regime.disqualifier_by_code:
            raise InvalidAssessmentError(f"periods[{index}].disqualifiers[{position}]", f"trường hợp «{code}» không có")
    _check_stats(record.task_stats, index)
    return worked


def _check_stats(stats: TaskStats | None, index: int) -> None:
    if stats is not None and not (
        0 <= stats.completed <= stats.assigned
        and 0 <= stats.on_time_quality <= stats.completed
        and 0 <= stats.exceeded <= stats.completed
    ):
        raise InvalidAssessmentError(f"periods[{index}].task_stats", "số liệu nhiệm vụ không hợp lệ")


def _collect(regime: Regime, periods: Sequence[PeriodRecord]) -> tuple[str, dict[int, _Bucket], _Bucket]:
    """Validate the records (errors name the field) and fill the quarter buckets and the year bucket."""
    if not periods:
        raise InvalidAssessmentError("periods", "cần ít nhất một kỳ")
    plain = _collect_plain(regime, periods)
    if plain is not None:
        return plain
    return _collect_checked(regime, periods)


def _collect_plain(regime: Regime, periods: Sequence[PeriodRecord]) -> tuple[str, dict[int, _Bucket], _Bucket] | None:
    """The common case in one lean pass: valid records of one year in calendar order, each scored (fully worked)
    or absent for a named reason, without disqualifier. None as soon as a record is anything else: the
    checked path then validates everything and names the field of the first error (it never raises here)."""
    keys = _KEYS[regime.period]
    length = period_length(regime)
    maximum = regime.max_total
    pool_stats = _needs_stats(regime)
    zero = _ZERO
    leave_types = LEAVE_TYPES
    first = periods[0].period
    parts = keys.get(first) if type(first) is str else None
    if parts is None:
        return None
    year = parts[0]
    quarters: dict[int, _Bucket] = {}
    previous = ""
    for record in periods:
        key = record.period
        parts = keys.get(key) if type(key) is str else None
        if parts is None or parts[0] != year or key <= previous or record.disqualifiers:
            return None
        previous = key
        total, reason, stats = record.total, record.absence_reason, record.task_stats
        bucket = quarters.get(parts[1])
        if bucket is None:
            bucket = quarters[parts[1]] = _Bucket()
        if total is None:
            if record.months_worked or stats is not None or reason is None or reason not in leave_types:
                return None
            bucket.keys.append(key)
            bucket.absent[reason] = bucket.absent.get(reason, 0) + length
            continue
        if (
            record.months_worked is not None
            or (reason is not None and reason not in leave_types)
            or type(total) is not Decimal
            or not total.is_finite()
            or not zero <= total <= maximum
        ):
            return None
        if stats is not None:
            if not (
                zero <= stats.completed <= stats.assigned
                and zero <= stats.on_time_quality <= stats.completed
                and zero <= stats.exceeded <= stats.completed
            ):
                return None
            if pool_stats:
                bucket.has_stats = True
                bucket.assigned += stats.assigned
                bucket.completed += stats.completed
                bucket.on_time += stats.on_time_quality
                bucket.exceeded += stats.exceeded
        bucket.keys.append(key)
        bucket.worked += length
        bucket.totals.append(total)
    whole = _Bucket()
    for number in sorted(quarters):
        whole.merge(quarters[number])
    return str(year), quarters, whole


def _collect_checked(regime: Regime, periods: Sequence[PeriodRecord]) -> tuple[str, dict[int, _Bucket], _Bucket]:
    """Any input: every record validated in turn (errors name the field), then sorted into the buckets."""
    length = period_length(regime)
    pool_stats = _needs_stats(regime)
    year: int | None = None
    entries: list[tuple[str, PeriodRecord, int, int]] = []
    seen: set[str] = set()
    for index, record in enumerate(periods):
        key = record.period
        parts = _parse_key(regime, key, f"periods[{index}].period")
        if year != parts[0]:
            if year is not None:
                raise InvalidAssessmentError(f"periods[{index}].period", f"mọi kỳ phải cùng một năm ({year})")
            year = parts[0]
        if key in seen:
            raise InvalidAssessmentError(f"periods[{index}].period", f"kỳ «{key}» bị nhập hai lần")
        seen.add(key)
        entries.append((key, record, _check(regime, record, index, length), parts[1]))
    entries.sort(key=_first)
    quarters: dict[int, _Bucket] = {}
    for _, record, worked, quarter in entries:
        bucket = quarters.get(quarter)
        if bucket is None:
            bucket = quarters[quarter] = _Bucket()
        bucket.add(record, worked, length, pool_stats)
    whole = _Bucket()
    for number in sorted(quarters):
        whole.merge(quarters[number])
    return str(year), quarters, whole


def _needs_stats(regime: Regime) -> bool:
    """True when a level of the regime has task conditions (only then are task stats pooled)."""
    return any(level.conditions for level in regime.levels)


def _first(item: tuple[str, PeriodRecord, int, int]) -> str:
    return item[0]


@functools.lru_cache(maxsize=65536)
def _mean_line(regime: Regime, kind: str, count: int, total: Decimal) -> ExplanationLine:
    """ "Điểm quý/năm = trung bình …" (immutable, so shared between results)."""
    values = ("count", count, "total", total)
    if kind == "quarter":
        text = f"Điểm quý = trung bình {count} tháng có điểm: {format_points(total)}"
        return ExplanationLine(None, text, regime.rollup.quarter_cite, kind="quarter_mean", params=values)
    text = f"Điểm năm = trung bình {count} kỳ đã làm việc: {format_points(total)}"
    return ExplanationLine(None, text, regime.rollup.year_cite, kind="year_mean", params=values)


@functools.lru_cache(maxsize=65536)
def _plain_lines(regime: Regime, kind: str, count: int, total: Decimal, with_mean: bool) -> tuple[ExplanationLine, ...]:
    """The explanation of a quarter or year decided by its mean alone: the mean line, then the threshold line."""
    out = Explainer(True)
    if with_mean:
        out.lines.append(_mean_line(regime, kind, count, total))
    _, level = decide_level(regime, total, None, (), out)
    if kind == "quarter":
        _quarter_points_only(regime, level, out)
    return tuple(out.lines)


def _quarter_points_only(regime: Regime, level: Level, out: Explainer) -> None:
    """With yearly levels, a quarter is monitoring only: say that its level is the band of its points."""
    if regime.yearly_levels and regime.yearly_levels_cite is not None:
        out.fact(
            f"Điểm quý là kết quả theo dõi, đánh giá (số điểm tương ứng mức «{level.display}»); mức xếp loại chất "
            "lượng được quyết định hằng năm",
            regime.yearly_levels_cite,
            kind="quarter_points_only",
            params=("level", level.display),
        )


def _quarter(regime: Regime, key: str, bucket: _Bucket, explain: bool) -> PeriodSummary:
    absent = sum(bucket.absent.values()) if bucket.absent else 0
    keys = tuple(bucket.keys)
    if bucket.totals and not bucket.disqualified and not bucket.has_stats:
        # decided by the mean alone (no disqualifier, no task condition): the common case
        total = bucket.mean()
        level = regime.level_for(total)
        lines = _plain_lines(regime, "quarter", len(bucket.totals), total, len(keys) > 1) if explain else ()
        return PeriodSummary(key, True, total, level, bucket.worked, absent, keys, lines)
    out = Explainer(explain)
    if not bucket.totals:
        out.fact(
            "Không có kỳ nào có điểm trong quý: không xếp loại quý", regime.rollup.quarter_cite, kind="quarter_unrated"
        )
        return PeriodSummary(key, False, None, None, bucket.worked, absent, keys, tuple(out.lines))
    total = bucket.mean()
    if explain and len(keys) > 1:
        out.lines.append(_mean_line(regime, "quarter", len(bucket.totals), total))
    _, level = decide_level(regime, total, bucket.stats(), bucket.disqualified, out)
    _quarter_points_only(regime, level, out)
    return PeriodSummary(key, True, total, level, bucket.worked, absent, keys, tuple(out.lines))


def _leave_detail(months: dict[str, int]) -> str:
    """ "nghỉ ốm 4 tháng, nghỉ thai sản 2 tháng" (in the order of LEAVE_TYPES)."""
    return ", ".join(f"{LEAVE_TYPES[kind]} {months[kind]} tháng" for kind in LEAVE_TYPES if months.get(kind))


def rollup(
    regime: Regime | str,
    periods: Sequence[PeriodRecord],
    *,
    person_id: str = "",
    cap_level: str | None = None,
    previous_year_level: str | None = None,
    explain: bool = True,
) -> RollupResult:
    """Quarter and year results of one person from the records of the periods of one year.

    cap_level: the level of the unit a leader leads for the year (regimes with leader_cap only).
    previous_year_level: the person's level (code) of the year before; with this year's, both the lowest level →
    a flag ("two_years_lowest") and a line for the competent level (regimes with `consecutive_lowest_cite`).
    explain=False skips the explanation lines (batch runs); totals and levels are identical.
    """
    reg = resolve_regime(regime)
    rules = reg.rollup
    unit = None
    if cap_level is not None:
        if reg.leader_cap is None:
            raise InvalidAssessmentError("cap_level", f"chế độ {reg.id} không giới hạn mức của lãnh đạo theo đơn vị")
        unit = reg.level_by_code.get(cap_level)
        if unit is None:
            raise InvalidAssessmentError("cap_level", f"mức «{cap_level}» không có; có: {', '.join(reg.level_by_code)}")
    previous = None
    if previous_year_level is not None:
        if rules.consecutive_lowest_cite is None:
            raise InvalidAssessmentError(
                "previous_year_level", f"chế độ {reg.id} không có quy định về hai năm liên tiếp ở mức thấp nhất"
            )
        previous = reg.level_by_code.get(previous_year_level)
        if previous is None:
            raise InvalidAssessmentError(
                "previous_year_level",
                f"mức «{previous_year_level}» không có; có: {', '.join(reg.level_by_code)}",
            )
    year_key, buckets, whole = _collect(reg, periods)
    working = rules.for_year(int(year_key))

    quarters: list[PeriodSummary] = []
    for number in sorted(buckets):
        bucket = buckets[number]
        if number == 4 and rules.q4_merged:
            assert rules.q4_cite is not None
            out = Explainer(explain)
            out.fact(
                "Quý IV không xếp loại riêng: kết quả được gộp vào đánh giá cả năm", rules.q4_cite, kind="q4_merged"
            )
            total = bucket.mean() if bucket.totals else None
            quarters.append(
                PeriodSummary(
                    f"{year_key}-Q4",
                    False,
                    total,
                    None,
                    bucket.worked,
                    sum(bucket.absent.values()),
                    tuple(bucket.keys),
                    tuple(out.lines),
                    merged_into_year=True,
                )
            )
            continue
        quarters.append(_quarter(reg, f"{year_key}-Q{number}", bucket, explain))

    worked = whole.worked
    absent = sum(whole.absent.values()) if whole.absent else 0
    exempt_months = {kind: whole.absent[kind] for kind in working.exempt_leave if whole.absent.get(kind)}
    exempt = sum(exempt_months.values())
    keys = tuple(whole.keys)
    lowest_twice = previous is not None and previous.rank == reg.lowest_level.rank
    if (
        whole.totals
        and worked >= working.min_months_worked
        and not (exempt or whole.disqualified or whole.has_stats or lowest_twice)
    ):
        # decided by the mean alone, unless a cap applies: the common case
        total = whole.mean()
        level = reg.level_for(total)
        capped = (
            working.absence_cap_from is not None
            and working.absence_cap_below is not None
            and working.absence_cap_level is not None
            and working.absence_cap_from <= absent < working.absence_cap_below
            and level.rank > reg.level(working.absence_cap_level).rank
        )
        if not capped and (unit is None or level.rank <= unit.rank):
            lines = _plain_lines(reg, "year", len(whole.totals), total, True) if explain else ()
            year = PeriodSummary(year_key, True, total, level, worked, absent, keys, lines)
            return RollupResult(reg.id, person_id, tuple(quarters), year)

    out = Explainer(explain)
    flags: list[Flag] = []

    def not_rated(reason: str, kind: str, values: Params = ()) -> RollupResult:
        out.fact(reason, working.min_months_cite, kind=kind, params=values)
        year = PeriodSummary(year_key, False, None, None, worked, absent, keys, tuple(out.lines))
        return RollupResult(reg.id, person_id, tuple(quarters), year)

    only_maternity = set(exempt_months) <= {"maternity"}
    detail = _leave_detail(exempt_months)
    if not whole.totals:
        return not_rated("Không có kỳ nào có điểm trong năm: không xếp loại năm", "year_unrated")
    if worked < working.min_months_worked:
        if not exempt:
            return not_rated(
                f"Làm việc {worked} tháng, dưới {working.min_months_worked} tháng trong năm: "
                "không xếp loại chất lượng năm",
                "year_too_few_months",
                ("worked", worked, "min_months", working.min_months_worked),
            )
        if only_maternity:
            out.fact(
                f"Làm việc {worked} tháng, nghỉ thai sản {exempt} tháng: xếp loại theo thời gian làm việc thực tế",
                working.exempt_cite,
                kind="year_maternity_short",
                params=("worked", worked, "months", exempt),
            )
        else:
            out.fact(
                f"Làm việc {worked} tháng, {detail}: xếp loại theo thời gian làm việc thực tế",
                working.exempt_cite,
                kind="year_exempt_leave_short",
                params=("worked", worked, "leaves", detail, "months", exempt),
            )
    elif exempt:
        if only_maternity:
            out.fact(
                f"Nghỉ thai sản {exempt} tháng: xếp loại theo thời gian làm việc thực tế",
                working.exempt_cite,
                kind="year_maternity",
                params=("months", exempt),
            )
        else:
            out.fact(
                f"{detail[0].upper()}{detail[1:]}: xếp loại theo thời gian làm việc thực tế",
                working.exempt_cite,
                kind="year_exempt_leave",
                params=("leaves", f"{detail[0].upper()}{detail[1:]}", "months", exempt),
            )

    total = whole.mean()
    if explain:
        out.lines.append(_mean_line(reg, "year", len(whole.totals), total))
        for code, where in whole.disqualified.items():
            name = reg.disqualifier_by_code[code].name
            out.fact(
                f"{name} (kỳ {', '.join(where)}): áp dụng cho cả năm",
                rules.disqualifier_cite,
                kind="year_disqualifier",
                params=("code", code, "disqualifier", name, "periods", ", ".join(where)),
            )
    _, level = decide_level(reg, total, whole.stats(), whole.disqualified, out, year=True)

    other_absence = absent - exempt
    if (
        working.absence_cap_from is not None
        and working.absence_cap_below is not None
        and working.absence_cap_level is not None
        and working.absence_cap_cite is not None
        and working.absence_cap_from <= other_absence < working.absence_cap_below
    ):
        cap = reg.level(working.absence_cap_level)
        if level.rank > cap.rank:
            out.fact(
                f"Nghỉ {other_absence} tháng "
                f"(từ {working.absence_cap_from} đến dưới {working.absence_cap_below} tháng): "
                f"không xếp cao hơn «{cap.display}»",
                working.absence_cap_cite,
                kind="year_absence_cap",
                params=(
                    "months",
                    other_absence,
                    "from_months",
                    working.absence_cap_from,
                    "below_months",
                    working.absence_cap_below,
                    "level",
                    cap.display,
                ),
            )
            level = cap
    if unit is not None and level.rank > unit.rank:
        assert reg.leader_cap is not None
        out.fact(
            f"Người lãnh đạo không xếp cao hơn đơn vị («{unit.display}»)",
            reg.leader_cap.cite,
            kind="leader_capped_by_unit",
            params=("level", unit.display),
        )
        level = unit
    if lowest_twice and level.rank == reg.lowest_level.rank:
        assert rules.consecutive_lowest_cite is not None
        message = (
            f"Hai năm liên tiếp xếp loại «{level.display}» (năm trước và năm {year_key}): "
            "cấp có thẩm quyền xem xét theo quy định (căn cứ cho thôi việc)"
        )
        flags.append(Flag("two_years_lowest", message))
        out.fact(
            message,
            rules.consecutive_lowest_cite,
            kind="two_years_lowest",
            params=("level", level.display, "year", year_key),
        )
    year = PeriodSummary(year_key, True, total, level, worked, absent, keys, tuple(out.lines))
    return RollupResult(reg.id, person_id, tuple(quarters), year, tuple(flags))
