"""The documented JSON formats: dict → input objects (strict, errors name the field) and results → dict/JSON.

Decimals are written as strings with 2 decimals ("87.50"); numbers are read from JSON numbers or
strings ("7.5"); floats are read through their shortest repr, so 7.1 means Decimal("7.1").

An explanation line is written as its delta, text, reason, part and citation; `line_to_dict` (and
`result_to_dict(…, line_data=True)`) also writes what a reader needs to word it again: its `kind`, `params` and
`subject` (the form the bot stores).

`result_to_dict(…, assessment=…)` also writes the percentages of the task part as the official form shows them
(quantity, quality, timeliness and a leader's criteria), see `task_percentages`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from danhgia.scoring.engine import evaluate, resolve_regime
from danhgia.scoring.errors import InvalidAssessmentError
from danhgia.scoring.model import (
    Assessment,
    BonusClaim,
    CriterionInput,
    DeductionChoice,
    EvaluationResult,
    EvaluatorInput,
    ExplanationLine,
    Flag,
    LeaderInput,
    LeaveEntry,
    ParamValue,
    PartResult,
    PeriodRecord,
    PeriodSummary,
    QuotaResult,
    RollupResult,
    TaskInput,
    TaskStats,
    TaskStatus,
    WorkingTime,
)
from danhgia.scoring.numbers import round_points, to_fraction
from danhgia.scoring.regime import EVALUATOR_ROLES, Citation, LeaderCriterion, Level, Regime

__all__ = [
    "RollupInput",
    "TaskPercentages",
    "UnitInput",
    "line_to_dict",
    "parse_assessment",
    "parse_period_record",
    "parse_rollup_input",
    "parse_unit_input",
    "quota_to_dict",
    "regime_to_dict",
    "result_from_dict",
    "result_to_dict",
    "rollup_to_dict",
    "task_percentages",
    "to_json",
    "unit_to_dict",
]

_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")


# --------------------------------------------------------------------------- reading


class _Obj:
    """A JSON object with its path; unknown keys are an error."""

    def __init__(self, data: object, field: str) -> None:
        if type(data) is not dict and not isinstance(data, Mapping):  # a dict first: the ABC's check is slow
            raise InvalidAssessmentError(field, "phải là một đối tượng JSON ({…})")
        self.data: Mapping[str, Any] = data
        self.field = field

    def path(self, key: str) -> str:
        return f"{self.field}.{key}" if self.field else key

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise InvalidAssessmentError(
                    self.path(key), f"trường không được hỗ trợ; có: {', '.join(sorted(allowed))}"
                )

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                raise InvalidAssessmentError(self.path(key), "thiếu trường bắt buộc")
            return ""
        if not isinstance(value, str):
            raise InvalidAssessmentError(self.path(key), "phải là chuỗi ký tự")
        return value

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.data.get(key) is not None else None

    def number(self, key: str) -> Decimal | None:
        value = self.data.get(key)
        return None if value is None else to_decimal(value, self.path(key))

    def integer(self, key: str, default: int) -> int:
        value = self.data.get(key)
        return default if value is None else to_int(value, self.path(key))

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise InvalidAssessmentError(self.path(key), "phải là true hoặc false")
        return value

    def items(self, key: str) -> list[tuple[Any, str]]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidAssessmentError(self.path(key), "phải là một danh sách")
        return [(item, f"{self.path(key)}[{index}]") for index, item in enumerate(value)]

    def strings(self, key: str) -> tuple[str, ...]:
        found = []
        for item, where in self.items(key):
            if not isinstance(item, str):
                raise InvalidAssessmentError(where, "phải là chuỗi ký tự")
            found.append(item)
        return tuple(found)


def to_decimal(value: object, field: str) -> Decimal:
    """A JSON number or numeric string → Decimal (error naming the field otherwise)."""
    if isinstance(value, bool):
        raise InvalidAssessmentError(field, "phải là số")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str) and _NUMBER_RE.match(value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation as exc:  # pragma: no cover - the regex already filters
            raise InvalidAssessmentError(field, "phải là số") from exc
    else:
        raise InvalidAssessmentError(field, f"«{value}» không phải là số (dùng dấu chấm thập phân, ví dụ 7.5)")
    if not number.is_finite():
        raise InvalidAssessmentError(field, "phải là số hữu hạn")
    return number


def to_int(value: object, field: str) -> int:
    """A JSON integer → int (error naming the field otherwise)."""
    if isinstance(value, bool):
        raise InvalidAssessmentError(field, "phải là số nguyên")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        try:
            whole = int(value)
        except (ValueError, OverflowError):  # NaN, Infinity
            whole = None
        if whole is not None and value == whole:
            return whole
    raise InvalidAssessmentError(field, "phải là số nguyên")


def _check_cents(value: Decimal, field: str) -> None:
    """Points are given with at most 2 decimals, as the criteria (`engine.check_points`) require."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidAssessmentError(field, "tối đa 2 chữ số thập phân")


def _criterion(code: str, value: object, field: str) -> CriterionInput:
    if type(value) is not dict:  # the usual form is an object, read below
        if value == "full" or value is None:
            return CriterionInput(code)
        if isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
            return CriterionInput(code, points=to_decimal(value, field))
    obj = _Obj(value, field)
    obj.check_keys({"points", "deductions", "note"})
    deductions = []
    for item, where in obj.items("deductions"):
        entry = _Obj(item, where)
        entry.check_keys({"code", "count", "note"})
        deductions.append(
            DeductionChoice(entry.text("code", required=True), entry.integer("count", 1), entry.text("note"))
        )
    return CriterionInput(code, obj.number("points"), tuple(deductions), obj.text("note"))


def _criteria(value: object, field: str) -> tuple[CriterionInput, ...]:
    if value is None:
        return ()
    obj = _Obj(value, field)
    return tuple(_criterion(code, item, obj.path(code)) for code, item in obj.data.items())


def _task(value: object, field: str) -> TaskInput:
    obj = _Obj(value, field)
    obj.check_keys(
        {"id", "name", "status", "weight", "major_errors", "delays", "objective_cause_confirmed", "exceeded"}
    )
    status_text = obj.text("status", required=True)
    try:
        status = TaskStatus(status_text)
    except ValueError as exc:
        allowed = ", ".join(s.value for s in TaskStatus)
        raise InvalidAssessmentError(obj.path("status"), f"«{status_text}» không hợp lệ; có: {allowed}") from exc
    weight = obj.number("weight")
    return TaskInput(
        name=obj.text("name", required=True),
        status=status,
        weight=Decimal(1) if weight is None else weight,
        major_errors=obj.integer("major_errors", 0),
        delays=obj.integer("delays", 0),
        objective_cause_confirmed=obj.flag("objective_cause_confirmed"),
        exceeded=obj.flag("exceeded"),
        task_id=obj.text("id"),
    )


def _claims(obj: _Obj, key: str) -> tuple[BonusClaim, ...]:
    claims = []
    for item, where in obj.items(key):
        entry = _Obj(item, where)
        entry.check_keys({"code", "count", "points", "note"})
        claims.append(
            BonusClaim(
                entry.text("code", required=True),
                entry.integer("count", 1),
                entry.number("points"),
                entry.text("note"),
            )
        )
    return tuple(claims)


def parse_assessment(data: Mapping[str, Any], field: str = "") -> Assessment:
    """The documented assessment JSON (docs/scoring.md) → Assessment; errors name the field."""
    obj = _Obj(data, field)
    obj.check_keys(
        {
            "person_id",
            "regime",
            "period",
            "criteria",
            "tasks",
            "leader",
            "bonuses",
            "penalties",
            "evaluators",
            "discipline",
            "discipline_job_related",
            "disqualifiers",
            "remedied",
            "working_time",
        }
    )
    job_related = obj.get("discipline_job_related")
    if job_related is not None and not isinstance(job_related, bool):
        raise InvalidAssessmentError(obj.path("discipline_job_related"), "phải là true, false hoặc null")
    leader = None
    if obj.get("leader") is not None:
        lobj = _Obj(obj.get("leader"), obj.path("leader"))
        lobj.check_keys({"subordinate_levels", "criteria", "unit_level"})
        criteria: list[tuple[str, Decimal]] = []
        if lobj.get("criteria") is not None:
            cobj = _Obj(lobj.get("criteria"), lobj.path("criteria"))
            criteria = [(code, to_decimal(value, cobj.path(code))) for code, value in cobj.data.items()]
        leader = LeaderInput(lobj.strings("subordinate_levels"), tuple(criteria), lobj.opt_text("unit_level"))
    evaluators = []
    for item, where in obj.items("evaluators"):
        eobj = _Obj(item, where)
        eobj.check_keys({"role", "id", "criteria"})
        evaluators.append(
            EvaluatorInput(
                eobj.text("role", required=True),
                _criteria(eobj.get("criteria"), eobj.path("criteria")),
                eobj.text("id"),
            )
        )
    working_time = None
    if obj.get("working_time") is not None:
        wobj = _Obj(obj.get("working_time"), obj.path("working_time"))
        wobj.check_keys({"working_days", "leave"})
        if wobj.get("working_days") is None:
            raise InvalidAssessmentError(wobj.path("working_days"), "thiếu trường bắt buộc")
        leave: list[LeaveEntry] = []
        if wobj.get("leave") is not None:
            leave_obj = _Obj(wobj.get("leave"), wobj.path("leave"))
            leave = [LeaveEntry(kind, to_int(days, leave_obj.path(kind))) for kind, days in leave_obj.data.items()]
        working_time = WorkingTime(wobj.integer("working_days", 0), tuple(leave))
    return Assessment(
        person_id=obj.text("person_id"),
        criteria=_criteria(obj.get("criteria"), obj.path("criteria")),
        tasks=tuple(_task(item, where) for item, where in obj.items("tasks")),
        leader=leader,
        bonuses=_claims(obj, "bonuses"),
        penalties=_claims(obj, "penalties"),
        evaluators=tuple(evaluators),
        discipline=obj.opt_text("discipline"),
        discipline_job_related=job_related,
        disqualifiers=obj.strings("disqualifiers"),
        remedied=obj.strings("remedied"),
        working_time=working_time,
    )


def _stats(value: object, field: str) -> TaskStats:
    obj = _Obj(value, field)
    obj.check_keys({"assigned", "completed", "on_time_quality", "exceeded"})
    numbers = [obj.number(key) or Decimal(0) for key in ("assigned", "completed", "on_time_quality", "exceeded")]
    return TaskStats(*numbers)


def parse_period_record(regime: Regime | str, data: Mapping[str, Any], field: str = "") -> PeriodRecord:
    """One roll-up period: with "assessment", "result", "total" (+ task_stats…) or "absent" (a reason)."""
    obj = _Obj(data, field)
    obj.check_keys(
        {
            "period",
            "assessment",
            "result",
            "total",
            "disqualifiers",
            "task_stats",
            "months_worked",
            "absence_reason",
            "absent",
        }
    )
    period = obj.text("period", required=True)
    if obj.get("assessment") is not None:
        assessment = parse_assessment(obj.get("assessment"), obj.path("assessment"))
        try:
            result = evaluate(regime, assessment)
        except InvalidAssessmentError as exc:
            raise exc.within(obj.path("assessment")) from None
        return PeriodRecord.from_result(period, result)
    if obj.get("absent") is not None:
        return PeriodRecord(period, None, obj.strings("disqualifiers"), None, 0, obj.text("absent"))
    source = obj
    if obj.get("result") is not None:
        source = _Obj(obj.get("result"), obj.path("result"))
        if source.get("rated") is False:
            return PeriodRecord(
                period,
                None,
                source.strings("disqualifiers"),
                None,
                0,
                source.opt_text("absence_reason") or "other",
            )
    total = source.number("total")
    if total is None:
        raise InvalidAssessmentError(obj.path("total"), "cần «assessment», «result», «total» hoặc «absent»")
    _check_cents(total, source.path("total"))
    stats = (
        _stats(source.get("task_stats"), source.path("task_stats")) if source.get("task_stats") is not None else None
    )
    months = obj.get("months_worked")
    return PeriodRecord(
        period,
        total,
        source.strings("disqualifiers"),
        stats,
        None if months is None else to_int(months, obj.path("months_worked")),
        obj.opt_text("absence_reason"),
    )


@dataclass(frozen=True, slots=True)
class UnitInput:
    """The people of one unit / task group, for `danhgia score --unit`."""

    people: tuple[Assessment, ...]
    unit: str = ""
    group: str = ""
    exceptional: bool = False
    tie_winners: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RollupInput:
    """The periods of one person and year, for `danhgia score --rollup`."""

    periods: tuple[PeriodRecord, ...]
    person_id: str = ""
    cap_level: str | None = None
    previous_year_level: str | None = None


def parse_unit_input(data: Mapping[str, Any]) -> UnitInput:
    """{"unit", "group", "exceptional", "tie_winners", "people": [assessment, …]} → UnitInput."""
    obj = _Obj(data, "")
    obj.check_keys({"regime", "period", "unit", "group", "exceptional", "tie_winners", "people"})
    people = tuple(parse_assessment(item, where) for item, where in obj.items("people"))
    if not people:
        raise InvalidAssessmentError("people", "cần ít nhất một người")
    return UnitInput(people, obj.text("unit"), obj.text("group"), obj.flag("exceptional"), obj.strings("tie_winners"))


def parse_rollup_input(regime: Regime | str, data: Mapping[str, Any]) -> RollupInput:
    """{"person_id", "cap_level", "previous_year_level", "periods": [period record, …]} → RollupInput (assessments
    are evaluated)."""
    obj = _Obj(data, "")
    obj.check_keys({"regime", "person_id", "cap_level", "previous_year_level", "periods"})
    reg = resolve_regime(regime)
    periods = tuple(parse_period_record(reg, item, where) for item, where in obj.items("periods"))
    if not periods:
        raise InvalidAssessmentError("periods", "cần ít nhất một kỳ")
    return RollupInput(periods, obj.text("person_id"), obj.opt_text("cap_level"), obj.opt_text("previous_year_level"))


# --------------------------------------------------------------------------- writing


_CENT = Decimal("0.01")


def _dec(value: Decimal | None) -> str | None:
    """Points as a string with exactly 2 decimals ("87.50"); never "-0.00"."""
    if value is None:
        return None
    return f"{(value if value else value.copy_abs()).quantize(_CENT):f}"


def _num(value: Decimal | None) -> str | None:
    """Other decimals (ratios, weights) as written ("0.25")."""
    return None if value is None else f"{value:f}"


def _level(level: Level | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {"code": level.code, "name": level.name, "letter": level.letter or None, "rank": level.rank}


def _citation(citation: Citation, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"key": citation.key, "label": citation.label, "source": citation.source}
    if full:
        data.update(
            doc=citation.doc,
            article=citation.article,
            rule=citation.rule,
            url=citation.url,
            note=citation.note,
        )
    return data


def _lines(lines: Sequence[ExplanationLine]) -> list[dict[str, Any]]:
    return [
        {
            "delta": _dec(line.delta),
            "text": line.text,
            "reason": line.reason,
            "part": line.part,
            "citation": _citation(line.citation),
        }
        for line in lines
    ]


def line_to_dict(line: ExplanationLine) -> dict[str, Any]:
    """An explanation line as data: kind, params, subject, delta, part, text, reason and citation."""
    params = line.params  # names and values in turn, read as `line.values()` reads them
    return {
        "kind": line.kind,
        "params": {
            name: _num(value) if isinstance(value, Decimal) else value
            for name, value in zip(params[::2], params[1::2], strict=True)
        },
        "subject": line.subject,
        "delta": _dec(line.delta),
        "part": line.part,
        "text": line.text,
        "reason": line.reason,
        "citation": _citation(line.citation),
    }


@dataclass(frozen=True, slots=True)
class TaskPercentages:
    """The task part as the official form shows it: a, b, c in % and, for a leader, each leader criterion in %."""

    quantity: Decimal
    quality: Decimal
    timeliness: Decimal
    leader: tuple[tuple[LeaderCriterion, Decimal], ...] = ()
    kpi: Decimal | None = None  # the exact mean of the components in %, rounded once (not the mean of rounded ones)


def _leader_share(
    regime: Regime, criterion: LeaderCriterion, assessment: Assessment, shares: Mapping[str, Fraction]
) -> Fraction | None:
    """One leader criterion as a share (1 = 100 %), as the engine counts it; None when it cannot be known."""
    leader = assessment.leader
    assert leader is not None
    if criterion.compute in shares:
        return shares[criterion.compute]
    if criterion.compute == "subordinates":
        floor = regime.level_by_code.get(criterion.min_level)
        levels = [regime.level_by_code.get(code) for code in leader.subordinate_levels]
        if floor is None or any(level is None for level in levels):
            return None
        below = any(level.rank < floor.rank for level in levels if level is not None)
        return to_fraction(criterion.any_fail_percent if below else criterion.all_complete_percent) / 100
    if criterion.compute != "input":
        return None
    percent = dict(leader.criteria).get(criterion.code, criterion.default_percent)
    return None if percent is None else to_fraction(percent) / 100


def task_percentages(regime: Regime, assessment: Assessment, result: EvaluationResult) -> TaskPercentages | None:
    """The percentages of `result`'s task part (rounded to 2 decimals), None when it has none; they are checked to
    give the part's points (max × mean of the percentages), and are None rather than figures the engine did not use."""
    group = regime.task_group
    stats = result.task_stats
    part = next((p for p in result.parts if group is not None and p.code == group.code), None)
    if group is None or group.tasks is None or group.max_points is None or stats is None or part is None:
        return None
    rules = group.tasks
    assigned, completed = to_fraction(stats.assigned), to_fraction(stats.completed)
    quality_lost = timely_lost = Fraction(0)
    if assigned == 0:  # every task excused: the engine keeps the part at its maximum
        assigned = completed = Fraction(1)
    else:
        error_penalty, delay_penalty = to_fraction(rules.error_penalty), to_fraction(rules.delay_penalty)
        for task in assessment.tasks:
            if not task.status.completed or task.objective_cause_confirmed:
                continue
            delays = max(task.delays, 1) if task.status is TaskStatus.DONE_LATE else task.delays
            weight = to_fraction(task.weight)
            quality_lost += weight * min(Fraction(1), error_penalty * task.major_errors)
            timely_lost += weight * min(Fraction(1), delay_penalty * delays)
    shares = {
        "quantity": completed / assigned,
        "quality": (completed - quality_lost) / assigned,
        "timeliness": (completed - timely_lost) / assigned,
    }
    components = list(shares.values())
    leader: list[tuple[LeaderCriterion, Fraction]] = []
    if rules.leader_criteria and assessment.leader is not None:
        for criterion in rules.leader_criteria:
            share = _leader_share(regime, criterion, assessment, shares)
            if share is None:
                return None
            leader.append((criterion, share))
        components = [share for _, share in leader]
    mean = sum(components, Fraction(0)) / len(components)
    if round_points(to_fraction(group.max_points) * mean) != part.points:
        return None  # not the engine's figures (another assessment, or the engine counts otherwise)
    return TaskPercentages(
        round_points(shares["quantity"] * 100),
        round_points(shares["quality"] * 100),
        round_points(shares["timeliness"] * 100),
        tuple((criterion, round_points(share * 100)) for criterion, share in leader),
        round_points(mean * 100),
    )


def _part(part: PartResult, percentages: TaskPercentages | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": part.code,
        "name": part.name,
        "points": _dec(part.points),
        "max": _dec(part.max_points),
    }
    if percentages is not None:
        data["percentages"] = {
            "quantity": _dec(percentages.quantity),
            "quality": _dec(percentages.quality),
            "timeliness": _dec(percentages.timeliness),
        }
        if percentages.leader:
            data["leader_criteria"] = [
                {"code": criterion.code, "name": criterion.name, "percent": _dec(percent)}
                for criterion, percent in percentages.leader
            ]
    return data


def result_to_dict(
    result: EvaluationResult,
    *,
    line_data: bool = False,
    assessment: Assessment | None = None,
    regime: Regime | None = None,
) -> dict[str, Any]:
    """EvaluationResult → the documented JSON object (`line_data`: explanation lines as `line_to_dict` writes them;
    with the `assessment` evaluated, under `regime` or else the bundled one: the task part's percentages too)."""
    stats = result.task_stats
    percentages = None
    task_part = ""
    if assessment is not None:
        reg = regime if regime is not None else resolve_regime(result.regime_id)
        if reg.id != result.regime_id:
            raise ValueError(f"a result of {result.regime_id!r}, not of {reg.id!r}")
        percentages = task_percentages(reg, assessment, result)
        task_part = reg.task_group.code if reg.task_group is not None else ""
    return {
        "regime": result.regime_id,
        "person_id": result.person_id,
        "rated": result.rated,
        "total": _dec(result.total),
        "max_total": _dec(result.max_total),
        "level": _level(result.level),
        "score_level": _level(result.score_level),
        "parts": [_part(p, percentages if p.code == task_part else None) for p in result.parts],
        "is_leader": result.is_leader,
        "disqualifiers": list(result.disqualifiers),
        "absence_reason": result.absence_reason,
        "flags": [{"code": f.code, "message": f.message} for f in result.flags],
        "task_stats": None
        if stats is None
        else {
            "assigned": _num(stats.assigned),
            "completed": _num(stats.completed),
            "on_time_quality": _num(stats.on_time_quality),
            "exceeded": _num(stats.exceeded),
        },
        "explanation": [line_to_dict(line) for line in result.explanation] if line_data else _lines(result.explanation),
    }


class StoredResultError(ValueError):
    """A stored result that cannot be read back against its regime (another regime, an older form, a level or a
    citation the regime does not have)."""


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else _stored_decimal(value)


def _stored_decimal(value: object) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise StoredResultError(f"not a number: {value!r}") from error
    if not number.is_finite():
        raise StoredResultError(f"not a number: {value!r}")
    return number


def _stored_level(data: object, regime: Regime) -> Level | None:
    if data is None:
        return None
    code = data.get("code") if isinstance(data, Mapping) else None
    found = next((level for level in regime.levels if level.code == code), None)
    if found is None:
        raise StoredResultError(f"unknown level {code!r}")
    return found


def _stored_line(data: object, regime: Regime) -> ExplanationLine:
    if not isinstance(data, Mapping) or not data.get("kind"):
        raise StoredResultError("an explanation line without its kind (an older form)")
    cite = data.get("citation")
    key = cite.get("key") if isinstance(cite, Mapping) else None
    citation = regime.citations.get(str(key))
    if citation is None:
        raise StoredResultError(f"unknown citation {key!r}")
    params = data.get("params") or {}
    if not isinstance(params, Mapping):
        raise StoredResultError("params are not a mapping")
    flat: list[ParamValue] = []
    for name, value in params.items():
        flat += [str(name), value if isinstance(value, str | int) and not isinstance(value, bool) else str(value)]
    subject = data.get("subject")
    return ExplanationLine(
        _optional_decimal(data.get("delta")),
        str(data.get("reason") or ""),
        citation,
        str(data.get("part") or ""),
        str(data["kind"]),
        tuple(flat),
        None if subject is None else str(subject),
    )


def result_from_dict(data: Mapping[str, Any], regime: Regime) -> EvaluationResult:
    """A result as `result_to_dict(…, line_data=True)` wrote it, read back against its regime (levels and
    citations are the regime's own); `StoredResultError` when it cannot be (another regime, an older form)."""
    if data.get("regime") != regime.id:
        raise StoredResultError(f"a result of {data.get('regime')!r}, not of {regime.id!r}")
    try:
        stats = data.get("task_stats")
        return EvaluationResult(
            regime_id=regime.id,
            person_id=str(data["person_id"]),
            rated=bool(data["rated"]),
            total=_optional_decimal(data.get("total")),
            max_total=_stored_decimal(data["max_total"]),
            parts=tuple(
                PartResult(
                    str(part["code"]),
                    str(part["name"]),
                    _stored_decimal(part["points"]),
                    _optional_decimal(part.get("max")),
                )
                for part in data.get("parts", [])
            ),
            level=_stored_level(data.get("level"), regime),
            score_level=_stored_level(data.get("score_level"), regime),
            explanation=tuple(_stored_line(line, regime) for line in data.get("explanation", [])),
            disqualifiers=tuple(str(code) for code in data.get("disqualifiers", [])),
            task_stats=None
            if stats is None
            else TaskStats(
                *(_stored_decimal(stats[name]) for name in ("assigned", "completed", "on_time_quality", "exceeded"))
            ),
            flags=tuple(Flag(str(flag["code"]), str(flag["message"])) for flag in data.get("flags", [])),
            is_leader=bool(data.get("is_leader", False)),
            absence_reason=None if data.get("absence_reason") is None else str(data["absence_reason"]),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise StoredResultError(f"not a stored result: {error}") from error


def quota_to_dict(result: QuotaResult) -> dict[str, Any]:
    """QuotaResult → JSON object."""
    return {
        "regime": result.regime_id,
        "applies": result.applies,
        "allowed": result.allowed,
        "basis_count": result.basis_count,
        "needs_human_decision": result.needs_human_decision,
        "tie": None
        if result.tie is None
        else {
            "person_ids": list(result.tie.person_ids),
            "total": _dec(result.tie.total),
            "slots": result.tie.slots,
        },
        "decisions": [
            {
                "person_id": d.person_id,
                "total": _dec(d.total),
                "level_before": _level(d.level_before),
                "level_after": _level(d.level_after),
                "demoted": d.demoted,
                "pending_tie": d.pending_tie,
            }
            for d in result.decisions
        ],
        "explanation": _lines(result.explanation),
    }


def unit_to_dict(
    regime: Regime, unit: UnitInput, results: Sequence[EvaluationResult], quota: QuotaResult
) -> dict[str, Any]:
    """The output of `danhgia score --unit`: each person's result (`level` before the quota, `level_after_quota`
    after it, the task percentages) and the quota; `results` and `quota.decisions` in the order of `unit.people`."""
    people = []
    for result, assessment, decision in zip(results, unit.people, quota.decisions, strict=True):
        person: dict[str, Any] = {}
        for key, value in result_to_dict(result, assessment=assessment, regime=regime).items():
            person[key] = value
            if key == "level":
                person["level_after_quota"] = _level(decision.level_after)
        people.append(person)
    return {
        "regime": regime.id,
        "unit": unit.unit,
        "group": unit.group,
        "people": people,
        "quota": quota_to_dict(quota),
    }


def _summary(summary: PeriodSummary) -> dict[str, Any]:
    return {
        "key": summary.key,
        "rated": summary.rated,
        "total": _dec(summary.total),
        "level": _level(summary.level),
        "months_worked": summary.months_worked,
        "months_absent": summary.months_absent,
        "periods": list(summary.periods),
        "merged_into_year": summary.merged_into_year,
        "explanation": _lines(summary.explanation),
    }


def rollup_to_dict(result: RollupResult) -> dict[str, Any]:
    """RollupResult → JSON object."""
    return {
        "regime": result.regime_id,
        "person_id": result.person_id,
        "quarters": [_summary(q) for q in result.quarters],
        "year": _summary(result.year),
        "flags": [{"code": f.code, "message": f.message} for f in result.flags],
    }


def regime_to_dict(regime: Regime) -> dict[str, Any]:
    """A regime as data for a UI (docs/scoring.md, "`danhgia regimes --json`"): groups, criteria, deduction lists,
    bonus items, levels, 360° roles, the disclosure board, the leader cap, the quota and the settings."""

    def cite(c: Citation) -> dict[str, Any]:
        return _citation(c, full=True)

    groups = []
    for group in regime.groups:
        entry: dict[str, Any] = {
            "code": group.code,
            "name": group.name,
            "kind": group.kind,
            "max": _dec(group.max_points),
            "citation": cite(group.cite),
        }
        if group.criteria:
            entry["criteria"] = [
                {
                    "code": c.code,
                    "name": c.name,
                    "max": _dec(c.max_points),
                    "citation": cite(c.cite),
                    "deductions": [
                        {"code": d.code, "label": d.label, "points": _dec(d.points), "citation": cite(d.cite)}
                        for d in c.deductions
                    ],
                }
                for c in group.criteria
            ]
        if group.items:
            entry["items"] = [
                {
                    "code": i.code,
                    "label": i.label,
                    "points": _dec(i.points),
                    "max": _dec(i.max_points),
                    "citation": cite(i.cite),
                }
                for i in group.items
            ]
        if group.tasks is not None:
            rules = group.tasks
            entry["tasks"] = {
                "error_penalty": _num(rules.error_penalty),
                "delay_penalty": _num(rules.delay_penalty),
                "excuse_unfinished": rules.excuse_unfinished,
                "formula": cite(rules.formula_cite),
                "leader_criteria": [
                    {
                        "code": c.code,
                        "name": c.name,
                        "compute": c.compute,
                        "default_percent": _num(c.default_percent),
                        "citation": cite(c.cite),
                    }
                    for c in rules.leader_criteria
                ],
            }
        groups.append(entry)
    quota = regime.quota
    review = regime.review_360
    return {
        "id": regime.id,
        "name": regime.name,
        "title": regime.title,
        "description": regime.description,
        "period": regime.period,
        "in_force_from": regime.in_force_from,
        "in_force_until": regime.in_force_until,
        "max_total": _dec(regime.max_total),
        "uses_360": regime.uses_360,
        "evaluator_roles": []
        if review is None
        else [
            {"role": r, "name": EVALUATOR_ROLES[r], "weight": _num(w), "anonymous": r in review.anonymous_roles}
            for r, w in review.weights
        ],
        "min_raters": None if review is None else review.min_raters,
        "min_assessors": None if review is None else review.min_assessors,
        "disclosure": None if regime.disclosure is None else cite(regime.disclosure),
        "leader_cap": None if regime.leader_cap is None else cite(regime.leader_cap.cite),
        "sources": [{"doc": s.doc, "title": s.title, "urls": list(s.urls), "note": s.note} for s in regime.sources],
        "groups": groups,
        "levels": [
            {
                "code": lv.code,
                "name": lv.name,
                "letter": lv.letter or None,
                "rank": lv.rank,
                "min": _dec(lv.min_score),
                "citation": cite(lv.cite),
                "conditions": [
                    {
                        "kind": c.kind,
                        "min_share": _num(c.min_share),
                        "label": c.label,
                        "citation": cite(c.cite),
                    }
                    for c in lv.conditions
                ],
            }
            for lv in regime.levels
        ],
        "disqualifiers": [
            {
                "code": d.code,
                "name": d.name,
                "discipline_from": d.discipline_from or None,
                "leaders_only": d.leaders_only,
                "scope": d.scope,
                "citation": cite(d.cite),
            }
            for d in regime.disqualifiers
        ],
        "quota": None
        if quota is None
        else {
            "level": quota.level,
            "demote_to": quota.demote_to,
            "ratio": _num(quota.ratio),
            "basis": quota.basis,
            "exceptional_ratio": _num(quota.exceptional_ratio),
            "citation": cite(quota.cite),
        },
        "settings": [cite(c) for c in regime.settings],
    }


def to_json(
    obj: EvaluationResult | QuotaResult | RollupResult | Regime | Mapping[str, Any] | list[Any],
) -> str:
    """Serialise a result (or an already built dict) as pretty, UTF-8 friendly JSON."""
    if isinstance(obj, EvaluationResult):
        data: Any = result_to_dict(obj)
    elif isinstance(obj, QuotaResult):
        data = quota_to_dict(obj)
    elif isinstance(obj, RollupResult):
        data = rollup_to_dict(obj)
    elif isinstance(obj, Regime):
        data = regime_to_dict(obj)
    else:
        data = obj
    return json.dumps(data, ensure_ascii=False, indent=2)
