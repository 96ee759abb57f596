"""evaluate(): one person, one period → parts, total, level and a cited explanation.

Arithmetic is exact (Decimal sums, Fraction ratios); each part is rounded once by
`numbers.round_points` and the total is the sum of the rounded parts.

Results are immutable, so values that many results have in common (the parts for given points, the line
naming the threshold reached by a total) are built once and shared (small LRU caches): a batch of 100 000
people then allocates, and makes the garbage collector scan, far fewer objects.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import NoReturn

from danhgia.scoring.errors import InvalidAssessmentError
from danhgia.scoring.loader import load_regime
from danhgia.scoring.model import (
    Assessment,
    BonusClaim,
    CriterionInput,
    EvaluationResult,
    ExplanationLine,
    Flag,
    LeaderInput,
    Params,
    PartResult,
    TaskInput,
    TaskStats,
    TaskStatus,
)
from danhgia.scoring.numbers import format_percent, format_points, round_points, round_ratio, to_fraction
from danhgia.scoring.regime import (
    DISCIPLINE_LEVELS,
    EVALUATOR_ROLES,
    LEAVE_TYPES,
    Citation,
    Criterion,
    Group,
    LeaderCriterion,
    Level,
    LevelCondition,
    Regime,
)

__all__ = ["check_points", "evaluate", "resolve_regime", "task_share"]

_ZERO = Decimal(0)
_ONE = Decimal(1)
# enum members as module constants: attribute access on the Enum class is slow in the task loop
_ON_TIME = TaskStatus.DONE_ON_TIME
_LATE = TaskStatus.DONE_LATE
_IN_PROGRESS = TaskStatus.IN_PROGRESS
_HUNDRED = Decimal(100)
_DISCIPLINE_RANK = {code: rank for rank, code in enumerate(DISCIPLINE_LEVELS)}
_TASK_COMPONENTS = ("quantity", "quality", "timeliness")

# (delta, reason, citation, kind, params); delta None: a fact (a note), no points
_RawLine = tuple[Decimal | None, str, Citation, str, Params]


@functools.lru_cache(maxsize=1024)
def _cite_with(cite: Citation, *others: Citation | None) -> Citation:
    """A citation with further rules appended to its label (cached: lines share it)."""
    return cite.with_also(*others)


def resolve_regime(regime: Regime | str) -> Regime:
    """A Regime as given, or the bundled regime with this id."""
    return regime if isinstance(regime, Regime) else load_regime(regime)


def check_points(value: Decimal, field: str, maximum: Decimal | None = None) -> Decimal:
    """Validate a score given by a person: finite, ≥ 0, at most 2 decimals, not above `maximum`."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidAssessmentError(field, "phải là một số")
    if value < 0:
        raise InvalidAssessmentError(field, "không được âm")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidAssessmentError(field, "tối đa 2 chữ số thập phân")
    if maximum is not None and value > maximum:
        raise InvalidAssessmentError(field, f"{format_points(value)} vượt điểm tối đa {format_points(maximum)}")
    return value


def _check_count(value: int, field: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAssessmentError(field, "phải là số nguyên")
    if value < minimum:
        raise InvalidAssessmentError(field, "không được âm" if minimum == 0 else f"phải từ {minimum} trở lên")
    return value


def task_share(stats: TaskStats, kind: str) -> Fraction:
    """Share (0..1) of the assigned weight that is completed / on time with quality / exceeded."""
    if stats.assigned == 0:
        return Fraction(1)
    part = {
        "completed_share": stats.completed,
        "on_time_quality_share": stats.on_time_quality,
        "exceeded_share": stats.exceeded,
    }[kind]
    return to_fraction(part) / to_fraction(stats.assigned)


class Explainer:
    """Collects explanation lines (deltas rounded for display only); a disabled one records nothing. Every line
    names its sentence (`kind`) and the values that fill it in (`params`, names and values in turn)."""

    __slots__ = ("enabled", "lines")

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.lines: list[ExplanationLine] = []

    def add(
        self,
        delta: Fraction | Decimal | None,
        reason: str,
        cite: Citation,
        part: str = "",
        *,
        kind: str,
        params: Params = (),
    ) -> None:
        """A point gained or lost (or, with delta None, a fact)."""
        if self.enabled:
            shown = delta if delta is None or type(delta) is Decimal else round_points(delta)
            self.lines.append(ExplanationLine(shown, reason, cite, part, kind, params))

    def fact(self, reason: str, cite: Citation, part: str = "", *, kind: str, params: Params = ()) -> None:
        """A fact that changed the result, without points."""
        if self.enabled:
            self.lines.append(ExplanationLine(None, reason, cite, part, kind, params))


def _aside(count: int, note: str) -> str:
    """ " (2 lần, ngày 5 và 12)": how many times and the evaluator's note, in one parenthesis."""
    parts = [f"{count} lần"] if count > 1 else []
    if note:
        parts.append(note)
    return f" ({', '.join(parts)})" if parts else ""


# --------------------------------------------------------------------------- criteria


def _note_line(criterion: Criterion, given: CriterionInput) -> list[_RawLine]:
    """A note on a criterion at full points is kept in the explanation (nothing the evaluator wrote is lost)."""
    if not given.note:
        return []
    reason = f"«{criterion.name}»: đủ điểm ({given.note})"
    return [(None, reason, criterion.cite, "criterion_note", ("criterion", criterion.name, "note", given.note))]


def _criterion_lines(criterion: Criterion, given: CriterionInput, prefix: str) -> tuple[Decimal, list[_RawLine]]:
    """Exact points of one criterion and the raw lines (delta in points) that explain them."""
    maximum = criterion.max_points
    if given.points is None and not given.deductions:
        return maximum, _note_line(criterion, given)
    field = f"{prefix}.{criterion.code}"
    suffix = f" ({given.note})" if given.note else ""
    if given.points is not None:
        if given.deductions:
            raise InvalidAssessmentError(field, "chỉ chọn một trong hai: điểm chấm («points») hoặc các khoản trừ")
        points = check_points(given.points, f"{field}.points", maximum)
        if points == maximum:
            return points, _note_line(criterion, given)
        reason = f"«{criterion.name}» được chấm {format_points(points)}/{format_points(maximum)} điểm{suffix}"
        values = ("criterion", criterion.name, "points", points, "max", maximum, "note", given.note)
        return points, [(points - maximum, reason, criterion.cite, "criterion_points", values)]
    lines: list[_RawLine] = []
    lost = _ZERO
    for index, choice in enumerate(given.deductions):
        where = f"{field}.deductions[{index}]"
        item = criterion.deduction(choice.code)
        if item is None:
            known = ", ".join(d.code for d in criterion.deductions) or "(không có)"
            raise InvalidAssessmentError(
                f"{where}.code", f"khoản trừ «{choice.code}» không có trong danh mục; có: {known}"
            )
        count = _check_count(choice.count, f"{where}.count", minimum=1)
        amount = item.points * count
        lost += amount
        lines.append(
            (
                -amount,
                f"«{criterion.name}»: {item.label}{_aside(count, choice.note)}",
                item.cite,
                "deduction",
                ("criterion", criterion.name, "item", item.label, "count", count, "note", choice.note),
            )
        )
    if lost > maximum:
        lines.append(
            (
                lost - maximum,
                f"«{criterion.name}»: điểm trừ không vượt quá điểm tối đa của tiêu chí",
                criterion.cite,
                "deduction_capped",
                ("criterion", criterion.name),
            )
        )
        lost = maximum
    return maximum - lost, lines


def _criteria_by_code(regime: Regime, inputs: Iterable[CriterionInput], field: str) -> dict[str, CriterionInput]:
    found: dict[str, CriterionInput] = {}
    known = regime.criteria_by_code
    for index, given in enumerate(inputs):
        code = given.code
        if code not in known or code in found:
            where = f"{field}.{code}" if code else f"{field}[{index}]"
            if code in found:
                raise InvalidAssessmentError(where, "tiêu chí bị nhập hai lần")
            raise InvalidAssessmentError(
                where, f"tiêu chí «{code}» không có trong chế độ {regime.id}; có: {', '.join(known)}"
            )
        found[code] = given
    if len(found) != len(known):
        for code, criterion in known.items():
            if code in found:
                continue
            raise InvalidAssessmentError(
                f"{field}.{code}",
                f'thiếu tiêu chí «{criterion.name}»: mọi tiêu chí phải được nhập — "full" nếu đủ điểm, '
                "hoặc các khoản trừ, hoặc điểm chấm",
            )
    return found


def _score_criteria_single(regime: Regime, assessment: Assessment, out: Explainer) -> dict[str, Decimal]:
    inputs = assessment.criteria
    known = regime.criteria_by_code
    sums: dict[str, Decimal] = {}
    if len(inputs) == len(known):  # the usual input: every criterion once, in the regime's order
        for given, code in zip(inputs, known, strict=True):
            if given.code != code:
                break
        else:
            for given, criterion in zip(inputs, known.values(), strict=True):
                if given.points is None and not given.deductions and not given.note:
                    points = criterion.max_points
                else:
                    points, lines = _criterion_lines(criterion, given, "criteria")
                    for delta, reason, cite, kind, values in lines:
                        out.add(delta, reason, cite, criterion.group, kind=kind, params=values)
                sums[criterion.group] = sums.get(criterion.group, _ZERO) + points
            return sums
    found = _criteria_by_code(regime, inputs, "criteria")
    for code, criterion in regime.criteria_by_code.items():
        points, lines = _criterion_lines(criterion, found[code], "criteria")
        sums[criterion.group] = sums.get(criterion.group, _ZERO) + points
        for delta, reason, cite, kind, values in lines:
            out.add(delta, reason, cite, criterion.group, kind=kind, params=values)
    return sums


def _score_criteria_360(
    regime: Regime, assessment: Assessment, out: Explainer, flags: list[Flag]
) -> dict[str, Fraction]:
    review = regime.review_360
    assert review is not None
    if not assessment.evaluators:
        raise InvalidAssessmentError("evaluators", "chế độ đánh giá 360° cần ít nhất một người đánh giá")
    per_role: dict[str, int] = {}
    raters: set[str] = set()
    for index, evaluator in enumerate(assessment.evaluators):
        if evaluator.evaluator_id:  # an evaluator's id is checked, never shown: one rating per person
            if evaluator.evaluator_id in raters:
                raise InvalidAssessmentError(
                    f"evaluators[{index}].id", f"người chấm «{evaluator.evaluator_id}» đã chấm một lần"
                )
            raters.add(evaluator.evaluator_id)
        if review.weight(evaluator.role) is None:
            roles = ", ".join(code for code, _ in review.weights)
            raise InvalidAssessmentError(
                f"evaluators[{index}].role", f"vai trò «{evaluator.role}» không hợp lệ; có: {roles}"
            )
        per_role[evaluator.role] = per_role.get(evaluator.role, 0) + 1
    # An anonymous role (peers, a leader's own staff) counts only with enough raters, and only as an average.
    dropped = [role for role in review.anonymous_roles if 0 < per_role.get(role, 0) < review.min_raters]
    dropped_counts = {role: per_role[role] for role in dropped}
    for role in dropped:
        out.fact(
            f"{EVALUATOR_ROLES[role]}: chưa đủ {review.min_raters} người đánh giá nên phần này không được "
            "tính và không được hiển thị",
            review.min_raters_cite or review.anonymity_cite or review.weights_cite,
            kind="role_left_out",
            params=("role", role, "min_raters", review.min_raters),
        )
        del per_role[role]
    present = sum((to_fraction(w) for code, w in review.weights if code in per_role), Fraction(0))
    sums: dict[str, Fraction] = {}
    role_totals: dict[str, list[Decimal]] = {}
    seen: dict[str, int] = {}
    # anonymous role → criterion code → its weighted points lost, summed over the raters of the role
    pooled: dict[str, dict[str, Fraction]] = {}
    for index, evaluator in enumerate(assessment.evaluators):
        role = evaluator.role
        field = f"evaluators[{index}].criteria"
        found = _criteria_by_code(regime, evaluator.criteria, field)
        if role not in per_role:  # a role left out for too few raters: its input is checked, never used
            for code, criterion in regime.criteria_by_code.items():
                _criterion_lines(criterion, found[code], field)
            continue
        anonymous = role in review.anonymous_roles
        role_weight = review.weight(role)
        assert role_weight is not None
        share = to_fraction(role_weight) / present / per_role[role]
        seen[role] = seen.get(role, 0) + 1
        who = EVALUATOR_ROLES[role]
        number = seen[role] if per_role[role] > 1 and not anonymous else 0
        if number:
            who += f" {number}"
        total = _ZERO
        raw: list[tuple[str, _RawLine]] = []
        for code, criterion in regime.criteria_by_code.items():
            points, lines = _criterion_lines(criterion, found[code], field)
            total += points
            sums[criterion.group] = sums.get(criterion.group, Fraction(0)) + share * to_fraction(points)
            if anonymous:
                if points != criterion.max_points:  # pooled per criterion, never a rater's own reasons
                    lost = pooled.setdefault(role, {})
                    lost[code] = lost.get(code, Fraction(0)) + share * to_fraction(points - criterion.max_points)
            else:
                raw.extend((criterion.group, line) for line in lines)
        role_totals.setdefault(role, []).append(total)
        if anonymous:
            continue
        weight = round_points(share * 100)
        out.fact(
            f"{who} chấm {format_points(total)} điểm, trọng số {format_percent(weight)}",
            review.weights_cite,
            kind="rater_total",
            params=("role", role, "number", number, "total", total, "weight", weight),
        )
        for group, (delta, reason, cite, kind, values) in raw:
            out.add(
                None if delta is None else share * to_fraction(delta),
                f"{who}: {reason}",
                cite,
                group,
                kind=f"rater_{kind}",
                params=("role", role, "number", number, *values),
            )
    counted = sum(per_role.values())
    if review.min_assessors and review.min_assessors_cite is not None and counted < review.min_assessors:
        # a result from fewer people than the model asks: the council looks at it; the counts go to the council
        # and HR only (the flag), never into the person's explanation
        why = "; ".join(
            f"không tính phần {EVALUATOR_ROLES[role]} ({dropped_counts[role]} người, chưa đủ {review.min_raters})"
            for role in dropped
        )
        flags.append(
            Flag(
                "council_review_raters",
                f"Chỉ {counted} người chấm được tính, dưới mức tối thiểu {review.min_assessors} người"
                + (f": {why}" if why else ""),
            )
        )
        out.fact(
            f"Số người chấm được tính dưới mức tối thiểu {review.min_assessors} người của mô hình: "
            "Hội đồng đánh giá rà soát",
            review.min_assessors_cite,
            kind="too_few_assessors",
            params=("min_assessors", review.min_assessors),
        )
    if review.final_role and review.final_role_cite is not None and review.final_role not in per_role:
        # the model's final marks come from this role: without it the council looks at the result (a flag for
        # the council and HR; the person's score is what the roles present give)
        flags.append(
            Flag(
                "council_review_final_marks",
                f"Chưa có điểm của «{EVALUATOR_ROLES[review.final_role]}», người cho điểm cuối cùng theo mô hình: "
                "Hội đồng đánh giá rà soát",
            )
        )
    if not per_role:
        left_out = ", ".join(EVALUATOR_ROLES[role] for role in dropped)
        raise InvalidAssessmentError(
            "evaluators",
            f"không có phần đánh giá nào được tính: {left_out} chưa đủ {review.min_raters} người đánh giá; "
            "cần thêm tự đánh giá hoặc đánh giá của lãnh đạo",
        )
    for role in review.anonymous_roles:
        if role not in per_role:
            continue
        totals = role_totals[role]
        average = round_points(sum((to_fraction(t) for t in totals), Fraction(0)) / len(totals))
        weight = round_points(to_fraction(review.weight(role) or 0) / present * 100)
        out.fact(
            f"{EVALUATOR_ROLES[role]} ({len(totals)} người, chấm kín) cho trung bình {format_points(average)} điểm, "
            f"trọng số {format_percent(weight)}",
            review.anonymity_cite or review.weights_cite,
            kind="role_average",
            params=("role", role, "count", len(totals), "average", average, "weight", weight),
        )
        lost_by_code = pooled.get(role, {})
        for code, criterion in regime.criteria_by_code.items():  # the regime's order, not the raters'
            if code in lost_by_code:
                out.add(
                    lost_by_code[code],
                    f"{EVALUATOR_ROLES[role]} (trung bình): «{criterion.name}» chưa đạt điểm tối đa",
                    criterion.cite,
                    criterion.group,
                    kind="role_average_criterion",
                    params=("role", role, "criterion", criterion.name),
                )
    if review.gap_threshold is not None and review.gap_cite is not None and "self" in role_totals:
        leader_scores = role_totals.get("direct_leader")
        if leader_scores:
            own = sum(role_totals["self"], _ZERO) / len(role_totals["self"])
            boss = sum(leader_scores, _ZERO) / len(leader_scores)
            gap = round_points(abs(own - boss))
            if gap >= review.gap_threshold:
                message = (
                    f"Chênh lệch giữa tự đánh giá và lãnh đạo trực tiếp là {format_points(gap)} điểm "
                    f"(từ {format_points(review.gap_threshold)} điểm): Hội đồng đánh giá rà soát"
                )
                flags.append(Flag("council_review_gap", message))
                out.fact(
                    message,
                    review.gap_cite,
                    kind="self_leader_gap",
                    params=("gap", gap, "threshold", review.gap_threshold),
                )
    return sums


# --------------------------------------------------------------------------- tasks


def _score_tasks(
    regime: Regime, group: Group, assessment: Assessment, out: Explainer
) -> tuple[Fraction | Decimal, TaskStats]:
    """Exact task points (or, outside leader mode, already rounded once) and the pooled task stats."""
    rules = group.tasks
    assert rules is not None
    assert group.max_points is not None
    if not assessment.tasks:
        raise InvalidAssessmentError("tasks", "cần ít nhất một nhiệm vụ (sản phẩm) trong kỳ")
    leader_mode = bool(rules.leader_criteria) and assessment.leader is not None
    if leader_mode:
        computes = [c.compute for c in rules.leader_criteria]
        n = len(computes)
        use_quantity, use_quality, use_timeliness = (kind in computes for kind in _TASK_COMPONENTS)
    else:
        n = 3
        use_quantity = use_quality = use_timeliness = True
    task_components = use_quantity + use_quality + use_timeliness
    ep, dp = rules.error_penalty, rules.delay_penalty

    # weight sums by outcome (one Decimal addition per task in the common case):
    # clean = completed on time with quality (or excused), lossy = completed with a penalty, unfinished = the rest
    clean = lossy = unfinished = quality_lost = timely_lost = exceeded = _ZERO
    # (weight units lost across components, reason, cite, kind, params)
    losses: list[tuple[Decimal, str, Citation, str, Params]] = []
    # locals for the hot loop (global and enum-class lookups are slow)
    zero, status_type, decimal_type = _ZERO, TaskStatus, Decimal
    on_time, late, in_progress = _ON_TIME, _LATE, _IN_PROGRESS
    for index, task in enumerate(assessment.tasks):
        status, weight, errors, delays = task.status, task.weight, task.major_errors, task.delays
        counted = False  # the delay count was not given: "done late" counts as one delay (a setting)
        if not (
            type(status) is status_type
            and type(errors) is int
            and errors >= 0
            and type(delays) is int
            and delays >= 0
            and type(weight) is decimal_type
            and weight.is_finite()
            and weight > zero
            and task.name.strip()
        ):
            _invalid_task(task, index)
        if status is on_time:
            if delays:
                _invalid_task(task, index)
            if task.exceeded:
                exceeded += weight
            if not errors:
                clean += weight
                continue
        elif status is late:
            if task.exceeded:
                exceeded += weight
            if delays == 0:
                delays, counted = 1, True
        else:
            if task.exceeded:
                _invalid_task(task, index)
            if task.objective_cause_confirmed and rules.excuse_unfinished:
                assert rules.excuse_unfinished_cite is not None
                out.add(
                    _ZERO,
                    f"nhiệm vụ «{task.name}» chưa hoàn thành do nguyên nhân khách quan đã được xác nhận: "
                    "không tính vào khối lượng giao",
                    rules.excuse_unfinished_cite,
                    group.code,
                    kind="task_excused_unfinished",
                    params=("task", task.name),
                )
                continue
            unfinished += weight
            if task_components and out.enabled:
                if status is in_progress:
                    state, kind = "đang thực hiện, chưa hoàn thành trong kỳ", "task_in_progress"
                else:
                    state, kind = "không hoàn thành", "task_not_done"
                reason = f"nhiệm vụ «{task.name}» {state}"
                losses.append((weight * task_components, reason, rules.quantity_cite, kind, ("task", task.name)))
            continue
        # completed with a major error or a delay
        if task.objective_cause_confirmed:
            clean += weight
            what = []
            if errors:
                what.append(f"có {errors} sai sót lớn")
            if delays:
                what.append(f"chậm tiến độ {delays} lần")
            excused = "errors_delays" if errors and delays else "errors" if errors else "delays"
            out.add(
                _ZERO,
                f"nhiệm vụ «{task.name}» {' và '.join(what)} do nguyên nhân khách quan đã được xác nhận: "
                "không trừ điểm",
                _cite_with(rules.objective_cause_cite, rules.late_default_cite)
                if counted
                else rules.objective_cause_cite,
                group.code,
                kind=f"task_excused_{excused}",
                params=("task", task.name, "errors", errors, "delays", delays),
            )
            continue
        lossy += weight
        if errors:
            lost = weight * min(_ONE, ep * errors)
            quality_lost += lost
            if use_quality and out.enabled:
                reason = f"nhiệm vụ «{task.name}» có {errors} sai sót lớn"
                losses.append((lost, reason, rules.error_cite, "task_errors", ("task", task.name, "errors", errors)))
        if delays:
            lost = weight * min(_ONE, dp * delays)
            timely_lost += lost
            if use_timeliness and out.enabled:
                reason = f"nhiệm vụ «{task.name}» chậm tiến độ {delays} lần"
                # a delay counted by default also cites that setting
                cite = _cite_with(rules.delay_cite, rules.late_default_cite) if counted else rules.delay_cite
                losses.append((lost, reason, cite, "task_delays", ("task", task.name, "delays", delays)))

    on_time_quality = clean
    completed = clean + lossy
    assigned = completed + unfinished
    stats = TaskStats(assigned, completed, on_time_quality, exceeded)
    m_num, m_den = group.max_points.as_integer_ratio()
    if assigned == 0:
        out.fact(
            "Mọi nhiệm vụ trong kỳ đều được miễn tính: điểm kết quả nhiệm vụ giữ nguyên tối đa",
            rules.formula_cite,
            group.code,
            kind="tasks_all_excused",
        )
        completed = assigned = _ONE
        quality_lost = timely_lost = _ZERO
    else:
        # the loss of each task, in points: max × (weight lost / assigned) / number of components
        a_num, a_den = assigned.as_integer_ratio()
        if losses:  # only collected when explaining
            scale_num, scale_den, part, append = -m_num * a_den, m_den * a_num * n, group.code, out.lines.append
            for lost, reason, cite, kind, values in losses:
                l_num, l_den = lost.as_integer_ratio()
                append(
                    ExplanationLine(round_ratio(scale_num * l_num, scale_den * l_den), reason, cite, part, kind, values)
                )
    a_num, a_den = assigned.as_integer_ratio()
    quality = completed - quality_lost
    timely = completed - timely_lost
    if not leader_mode:
        # points = max × (completed + quality + timely) / (assigned × 3), rounded once (no Fraction needed)
        s_num, s_den = (completed + quality + timely).as_integer_ratio()
        return round_ratio(m_num * s_num * a_den, m_den * s_den * a_num * n), stats
    w = Fraction(a_num, a_den)
    fractions = {
        "quantity": to_fraction(completed) / w,
        "quality": to_fraction(quality) / w,
        "timeliness": to_fraction(timely) / w,
    }
    maximum = Fraction(m_num, m_den)
    total = _leader_components(regime, rules.leader_criteria, assessment, fractions, maximum, n, out, group.code)
    return maximum * total / n, stats


def _invalid_task(task: TaskInput, index: int) -> NoReturn:
    """Raise the precise error for an invalid task (the slow path of the task loop)."""
    field = f"tasks[{index}]"
    if not isinstance(task.name, str) or not task.name.strip():
        raise InvalidAssessmentError(f"{field}.name", "cần tên nhiệm vụ")
    if type(task.status) is not TaskStatus:
        allowed = ", ".join(s.value for s in TaskStatus)
        raise InvalidAssessmentError(f"{field}.status", f"trạng thái không hợp lệ; có: {allowed}")
    weight = task.weight
    if not isinstance(weight, Decimal) or not weight.is_finite() or weight <= 0:
        raise InvalidAssessmentError(f"{field}.weight", "trọng số (số sản phẩm quy đổi) phải lớn hơn 0")
    _check_count(task.major_errors, f"{field}.major_errors")
    _check_count(task.delays, f"{field}.delays")
    if task.status is TaskStatus.DONE_ON_TIME and task.delays:
        raise InvalidAssessmentError(f"{field}.delays", "nhiệm vụ hoàn thành đúng hạn không thể có lần chậm tiến độ")
    raise InvalidAssessmentError(f"{field}.exceeded", "chỉ nhiệm vụ đã hoàn thành mới có thể vượt mức")


def _leader_components(
    regime: Regime,
    criteria: tuple[LeaderCriterion, ...],
    assessment: Assessment,
    fractions: dict[str, Fraction],
    maximum: Fraction,
    n: int,
    out: Explainer,
    part: str,
) -> Fraction:
    leader = assessment.leader
    assert leader is not None
    given: dict[str, Decimal] = {}
    input_codes = {c.code for c in criteria if c.compute == "input"}
    for code, value in leader.criteria:
        field = f"leader.criteria.{code}"
        if code not in input_codes:
            raise InvalidAssessmentError(
                field, f"tiêu chí lãnh đạo «{code}» không có; có: {', '.join(sorted(input_codes))}"
            )
        if code in given:
            raise InvalidAssessmentError(field, "bị nhập hai lần")
        check_points(value, field, _HUNDRED)
        given[code] = value
    total = Fraction(0)
    for criterion in criteria:
        if criterion.compute in fractions:
            total += fractions[criterion.compute]
            continue
        if criterion.compute == "subordinates":
            if not leader.subordinate_levels:
                raise InvalidAssessmentError(
                    "leader.subordinate_levels",
                    "cần mức xếp loại của công chức thuộc quyền để tính kết quả của đơn vị",
                )
            floor_rank = regime.level(criterion.min_level).rank
            below = 0
            for index, code in enumerate(leader.subordinate_levels):
                level = regime.level_by_code.get(code)
                if level is None:
                    raise InvalidAssessmentError(
                        f"leader.subordinate_levels[{index}]",
                        f"mức «{code}» không có; có: {', '.join(regime.level_by_code)}",
                    )
                below += level.rank < floor_rank
            percent = criterion.any_fail_percent if below else criterion.all_complete_percent
            if below:
                floor = regime.level(criterion.min_level).name
                reason = (
                    f"«{criterion.name}»: {below} người thuộc quyền xếp loại dưới "
                    f"«{floor}» nên tiêu chí đạt {format_percent(percent)}"
                )
                kind = "leader_unit_below"
                values: Params = ("criterion", criterion.name, "below", below, "level", floor, "percent", percent)
            else:
                reason = f"«{criterion.name}» đạt {format_percent(percent)}"
                kind, values = "leader_criterion", ("criterion", criterion.name, "percent", percent)
        else:
            chosen = given.get(criterion.code)
            default = chosen is None
            if chosen is None:
                chosen = criterion.default_percent
            if chosen is None:
                raise InvalidAssessmentError(
                    f"leader.criteria.{criterion.code}", f"thiếu tỷ lệ (%) của tiêu chí «{criterion.name}»"
                )
            percent = chosen
            reason = f"«{criterion.name}» đạt {format_percent(percent)}" + (" (giá trị mặc định)" if default else "")
            kind = "leader_criterion_default" if default else "leader_criterion"
            values = ("criterion", criterion.name, "percent", percent)
        fraction = to_fraction(percent) / 100
        total += fraction
        if fraction < 1:
            out.add(-maximum * (1 - fraction) / n, reason, criterion.cite, part, kind=kind, params=values)
    return total


# --------------------------------------------------------------------------- bonus / penalty


def _score_items(group: Group, claims: tuple[BonusClaim, ...], field: str, sign: int, out: Explainer) -> Decimal:
    items = {item.code: item for item in group.items}
    total = _ZERO
    for index, claim in enumerate(claims):
        where = f"{field}[{index}]"
        item = items.get(claim.code)
        if item is None:
            raise InvalidAssessmentError(f"{where}.code", f"khoản «{claim.code}» không có; có: {', '.join(items)}")
        count = _check_count(claim.count, f"{where}.count", minimum=1)
        if item.points is not None:
            if claim.points is not None:
                raise InvalidAssessmentError(
                    f"{where}.points", "khoản này có số điểm cố định; chỉ nhập số lần («count»)"
                )
            amount = item.points * count
        else:
            if claim.points is None:
                raise InvalidAssessmentError(
                    f"{where}.points", f"cần số điểm (tối đa {format_points(item.max_points)})"
                )
            if count != 1:
                raise InvalidAssessmentError(f"{where}.count", "khoản tự chấm điểm chỉ nhập một lần")
            amount = check_points(claim.points, f"{where}.points", item.max_points)
        out.add(
            sign * amount,
            f"{item.label}{_aside(count, claim.note)}",
            item.cite,
            group.code,
            kind="bonus" if sign > 0 else "penalty",
            params=("item", item.label, "count", count, "note", claim.note),
        )
        if amount > item.max_points:
            out.add(
                sign * (item.max_points - amount),
                f"{item.label}: tối đa {format_points(item.max_points)} điểm",
                item.cite,
                group.code,
                kind="item_capped",
                params=("item", item.label, "max", item.max_points),
            )
            amount = item.max_points
        total += amount
    if group.max_points is not None and total > group.max_points:
        out.add(
            sign * (group.max_points - total),
            f"{group.name}: tối đa {format_points(group.max_points)} điểm",
            group.max_cite or group.cite,
            group.code,
            kind="group_capped",
            params=("group", group.name, "max", group.max_points),
        )
        total = group.max_points
    return total * sign


# --------------------------------------------------------------------------- level


def _failed_conditions(level: Level, stats: TaskStats | None) -> list[tuple[LevelCondition, Fraction]]:
    if stats is None:
        return []
    failed = []
    for condition in level.conditions:
        share = task_share(stats, condition.kind)
        if share < to_fraction(condition.min_share):
            failed.append((condition, share))
    return failed


@functools.lru_cache(maxsize=65536)
def _parts(regime: Regime, points: tuple[Decimal, ...]) -> tuple[PartResult, ...]:
    """The parts of a result from the rounded points of each group (immutable: shared by the results that have
    the same points, which saves memory and garbage-collector work in batch runs)."""
    return tuple(PartResult(g.code, g.name, p, g.max_points) for g, p in zip(regime.groups, points, strict=True))


@functools.lru_cache(maxsize=65536)
def _threshold_line(regime: Regime, total: Decimal) -> ExplanationLine:
    """The line saying which threshold a total reaches (immutable, so shared between results); it cites the
    level's rule and the rounding rule (the level is decided on the rounded total)."""
    levels = regime.levels
    index = _score_index(levels, total)
    level = levels[index]
    shown = format_points(total)
    cite = _cite_with(level.cite, regime.rounding_cite)
    if index + 1 < len(levels):
        threshold = format_points(level.min_score)
        if level.min_exclusive:
            return ExplanationLine(
                None,
                f"Tổng {shown} điểm: đạt ngưỡng «{level.display}» (trên {threshold} điểm)",
                cite,
                kind="level_reached_above",
                params=("total", total, "level", level.display, "threshold", level.min_score),
            )
        return ExplanationLine(
            None,
            f"Tổng {shown} điểm: đạt ngưỡng «{level.display}» (từ {threshold} điểm)",
            cite,
            kind="level_reached",
            params=("total", total, "level", level.display, "threshold", level.min_score),
        )
    upper = levels[index - 1]
    above = upper.min_score
    if upper.min_exclusive:
        return ExplanationLine(
            None,
            f"Tổng {shown} điểm, không quá {format_points(above)} điểm: «{level.display}»",
            cite,
            kind="level_not_above",
            params=("total", total, "level", level.display, "threshold", above),
        )
    return ExplanationLine(
        None,
        f"Tổng {shown} điểm, dưới {format_points(above)} điểm: «{level.display}»",
        cite,
        kind="level_below",
        params=("total", total, "level", level.display, "threshold", above),
    )


def _score_index(levels: tuple[Level, ...], total: Decimal) -> int:
    """Index (in `levels`, best first) of the level a total reaches by points alone."""
    last = len(levels) - 1
    index = 0
    while index < last and not levels[index].reached_by(total):
        index += 1
    return index


def decide_level(
    regime: Regime,
    total: Decimal,
    stats: TaskStats | None,
    disqualifiers: Iterable[str],
    out: Explainer,
    *,
    year: bool = False,
) -> tuple[Level, Level]:
    """Score level, then level conditions, then disqualifiers; returns (score level, level).

    A disqualifier of scope "year" forces the level only of a year (`year`); for a period or a quarter it is
    stated in the explanation and the level stays the one the points and conditions give."""
    levels = regime.levels
    index = _score_index(levels, total)
    score_level = levels[index]
    if out.enabled:
        out.lines.append(_threshold_line(regime, total))
    level = score_level
    if stats is not None:
        while level.conditions:
            failed = _failed_conditions(level, stats)
            if not failed:
                break
            for condition, share in failed:
                percent = round_points(share * 100)
                out.fact(
                    f"Chưa đủ điều kiện «{level.display}»: {condition.label} (đạt {format_percent(percent)})",
                    _cite_with(condition.cite, regime.step_down_cite),
                    kind="level_condition_failed",
                    params=("level", level.display, "condition", condition.label, "percent", percent),
                )
            index += 1
            level = levels[index]
    for code in disqualifiers:
        item = regime.disqualifier_by_code[code]
        values = ("code", code, "disqualifier", item.name, "level", regime.lowest_level.display)
        if item.scope == "year" and not year:
            out.fact(
                f"{item.name}: xếp loại cả năm «{regime.lowest_level.display}»; kỳ này vẫn xếp loại theo điểm",
                item.cite,
                kind="disqualifier_for_year",
                params=values,
            )
            continue
        out.fact(
            f"{item.name}: xếp loại «{regime.lowest_level.display}» bất kể số điểm",
            item.cite,
            kind="disqualifier",
            params=values,
        )
        level = regime.lowest_level
    return score_level, level


def _check_leader_fields(regime: Regime, leader: LeaderInput) -> None:
    """A leader's facts are refused where the regime has no rule for them (a fact is never silently dropped)."""
    group = regime.task_group
    rules = group.tasks.leader_criteria if group is not None and group.tasks is not None else ()
    if leader.subordinate_levels and not any(c.compute == "subordinates" for c in rules):
        raise InvalidAssessmentError(
            "leader.subordinate_levels",
            f"chế độ {regime.id} không tính kết quả của người lãnh đạo từ mức xếp loại của người thuộc quyền",
        )
    if leader.criteria and not any(c.compute == "input" for c in rules):
        raise InvalidAssessmentError(
            "leader.criteria", f"chế độ {regime.id} không có tiêu chí riêng của người lãnh đạo"
        )
    if leader.unit_level is not None and regime.leader_cap is None:
        raise InvalidAssessmentError(
            "leader.unit_level", f"chế độ {regime.id} không giới hạn mức của người lãnh đạo theo mức của đơn vị"
        )


def _disqualifiers(
    regime: Regime, assessment: Assessment, is_leader: bool, flags: list[Flag]
) -> tuple[tuple[str, ...], list[_RawLine]]:
    """The disqualifiers the facts trigger, and the facts that were given but trigger none (each kept as a line,
    and flagged where a person must decide: a discipline not said to be job-related, a remedied case)."""
    triggered: list[str] = []
    notes: list[_RawLine] = []
    related = assessment.discipline_job_related
    if related is not None:
        if not isinstance(related, bool):
            raise InvalidAssessmentError("discipline_job_related", "phải là true, false hoặc để trống")
        if not regime.asks_job_relation:
            raise InvalidAssessmentError(
                "discipline_job_related",
                f"chế độ {regime.id} không phân biệt kỷ luật do vi phạm liên quan đến thực hiện nhiệm vụ",
            )
        if assessment.discipline is None:
            raise InvalidAssessmentError("discipline_job_related", "chỉ nhập cùng hình thức kỷ luật («discipline»)")
    lowest = regime.lowest_level.display
    if assessment.discipline is not None:
        if assessment.discipline not in DISCIPLINE_LEVELS:
            raise InvalidAssessmentError(
                "discipline",
                f"hình thức kỷ luật «{assessment.discipline}» không hợp lệ; có: {', '.join(DISCIPLINE_LEVELS)}",
            )
        rank = _DISCIPLINE_RANK[assessment.discipline]
        rules = [rule for rule in regime.disqualifiers if rule.discipline_from]
        if not rules:
            raise InvalidAssessmentError(
                "discipline", f"chế độ {regime.id} không có quy định về kỷ luật: không thể ghi nhận hình thức kỷ luật"
            )
        measure = DISCIPLINE_LEVELS[assessment.discipline]
        for rule in rules:
            if rank < _DISCIPLINE_RANK[rule.discipline_from]:
                continue
            if not rule.job_related_only or related is True:
                triggered.append(rule.code)
                continue
            values: Params = ("code", rule.code, "disqualifier", rule.name, "discipline", measure, "level", lowest)
            if related is False:
                reason = (
                    f"Bị kỷ luật {measure} do vi phạm không liên quan đến thực hiện nhiệm vụ: "
                    f"không phải căn cứ xếp loại «{lowest}»"
                )
                notes.append((None, reason, rule.cite, "discipline_not_job_related", values))
                continue
            reason = (
                f"Bị kỷ luật {measure} trong năm đánh giá: chưa xác định vi phạm có liên quan đến thực hiện nhiệm vụ "
                f"hay không (nếu có, xếp loại năm «{lowest}»): bộ phận tổ chức cán bộ xác định"
            )
            flags.append(Flag("discipline_job_relation", reason))
            notes.append((None, reason, rule.cite, "discipline_relation_unknown", values))
    remedied: set[str] = set()
    for index, code in enumerate(assessment.remedied):
        item = regime.disqualifier_by_code.get(code)
        if item is None or item.remedied_cite is None:
            raise InvalidAssessmentError(
                f"remedied[{index}]", f"trường hợp «{code}» không có quy định về chủ động phát hiện, khắc phục"
            )
        if code not in assessment.disqualifiers:
            raise InvalidAssessmentError(f"remedied[{index}]", f"«{code}» phải có trong «disqualifiers»")
        if code in remedied:
            raise InvalidAssessmentError(f"remedied[{index}]", f"«{code}» bị nhập hai lần")
        remedied.add(code)
    for index, code in enumerate(assessment.disqualifiers):
        item = regime.disqualifier_by_code.get(code)
        if item is None:
            known = ", ".join(regime.disqualifier_by_code) or "(chế độ này không có)"
            raise InvalidAssessmentError(f"disqualifiers[{index}]", f"trường hợp «{code}» không có; có: {known}")
        if item.discipline_from:
            raise InvalidAssessmentError(f"disqualifiers[{index}]", "hình thức kỷ luật nhập ở trường «discipline»")
        if item.leaders_only and not is_leader:
            raise InvalidAssessmentError(
                f"disqualifiers[{index}]", "trường hợp này chỉ áp dụng cho người lãnh đạo («leader»)"
            )
        if code in remedied:
            assert item.remedied_cite is not None
            reason = (
                f"{item.name}: người quản lý đã chủ động phát hiện, báo cáo, chỉ đạo xử lý kịp thời và khắc phục "
                f"xong hậu quả — không tự động xếp loại «{lowest}»; cấp có thẩm quyền xem xét, quyết định"
            )
            flags.append(Flag("competent_level_review", reason))
            notes.append(
                (
                    None,
                    reason,
                    item.remedied_cite,
                    "disqualifier_remedied",
                    ("code", code, "disqualifier", item.name, "level", lowest),
                )
            )
            continue
        if code not in triggered:
            triggered.append(code)
    return tuple(triggered), notes


# --------------------------------------------------------------------------- evaluate


def _working_time(regime: Regime, assessment: Assessment, out: Explainer, flags: list[Flag]) -> tuple[bool, str | None]:
    """Apply the monthly working-time rules; returns (rated, main kind of leave taken)."""
    facts = assessment.working_time
    if facts is None:
        return True, None
    rules = regime.working_time
    working_days = _check_count(facts.working_days, "working_time.working_days", minimum=1)
    off = 0
    taken = 0
    by_type: dict[str, int] = {}
    for index, entry in enumerate(facts.leave):
        field = f"working_time.leave[{index}]"
        if entry.type not in LEAVE_TYPES:
            raise InvalidAssessmentError(
                f"{field}.type", f"loại nghỉ «{entry.type}» không hợp lệ; có: {', '.join(LEAVE_TYPES)}"
            )
        days = _check_count(entry.days, f"{field}.days")
        taken += days
        name = LEAVE_TYPES[entry.type]
        if entry.type in rules.counted_as_worked:
            assert rules.counted_cite is not None
            out.fact(
                f"{name.capitalize()} {days} ngày: tính là thời gian làm việc",
                rules.counted_cite,
                kind="leave_counted_as_work",
                params=("leave", entry.type, "days", days),
            )
            continue
        off += days
        by_type[entry.type] = by_type.get(entry.type, 0) + days
        out.fact(
            f"{name.capitalize()} {days} ngày trên {working_days} ngày làm việc của kỳ",
            rules.cite,
            kind="leave_taken",
            params=("leave", entry.type, "days", days, "working_days", working_days),
        )
    if taken > working_days:
        raise InvalidAssessmentError(
            "working_time.leave", f"tổng số ngày nghỉ ({taken}) vượt số ngày làm việc ({working_days})"
        )
    main = max(by_type, key=lambda t: (by_type[t], t)) if by_type else None
    if rules.long_absence_days is not None and rules.long_absence_cite is not None and off >= rules.long_absence_days:
        message = f"Nghỉ {off} ngày trong kỳ (từ {rules.long_absence_days} ngày): Hội đồng đánh giá rà soát"
        flags.append(Flag("council_review_absence", message))
        out.fact(
            message,
            rules.long_absence_cite,
            kind="long_absence",
            params=("days", off, "min_days", rules.long_absence_days),
        )
    worked = working_days - off
    if worked < rules.min_days_worked:
        out.fact(
            f"Làm việc thực tế {worked}/{working_days} ngày, dưới {rules.min_days_worked} ngày: "
            "không đánh giá, xếp loại kỳ này",
            rules.min_days_cite,
            kind="too_few_days_worked",
            params=("worked", worked, "working_days", working_days, "min_days", rules.min_days_worked),
        )
        return False, main or "other"
    return True, main


def evaluate(regime: Regime | str, assessment: Assessment, *, explain: bool = True) -> EvaluationResult:
    """Score one person for one period under a regime (id or Regime).

    explain=False skips building the explanation lines (batch runs); totals and levels are identical.
    """
    reg = resolve_regime(regime)
    out = Explainer(explain)
    flags: list[Flag] = []
    is_leader = assessment.leader is not None
    if assessment.leader is not None:
        _check_leader_fields(reg, assessment.leader)
    disqualified, notes = _disqualifiers(reg, assessment, is_leader, flags)
    for code in disqualified:
        item = reg.disqualifier_by_code[code]
        if item.scope == "year":
            flags.append(
                Flag(
                    "year_disqualifier",
                    f"{item.name}: xếp loại cả năm «{reg.lowest_level.display}» — bộ phận tổ chức cán bộ cần biết",
                )
            )
    rated, absence = _working_time(reg, assessment, out, flags)
    if not rated:
        for code in disqualified:
            item = reg.disqualifier_by_code[code]
            out.fact(item.name, item.cite, kind="disqualifier_noted", params=("code", code, "disqualifier", item.name))
        for _, reason, cite, kind, values in notes:
            out.fact(reason, cite, kind=kind, params=values)
        return EvaluationResult(
            reg.id,
            assessment.person_id,
            False,
            None,
            reg.max_total,
            (),
            None,
            None,
            tuple(out.lines),
            disqualified,
            None,
            tuple(flags),
            is_leader,
            absence,
        )
    exact: dict[str, Fraction | Decimal]
    if reg.uses_360:
        if assessment.criteria:
            raise InvalidAssessmentError(
                "criteria", "chế độ đánh giá 360°: nhập điểm của từng người chấm trong «evaluators»"
            )
        exact = dict(_score_criteria_360(reg, assessment, out, flags))
    else:
        if assessment.evaluators:
            raise InvalidAssessmentError("evaluators", f"chế độ {reg.id} không đánh giá 360°; nhập «criteria»")
        exact = dict(_score_criteria_single(reg, assessment, out))
    if assessment.bonuses and reg.bonus_group is None:
        raise InvalidAssessmentError("bonuses", f"chế độ {reg.id} không có điểm thưởng")
    if assessment.penalties and reg.penalty_group is None:
        raise InvalidAssessmentError("penalties", f"chế độ {reg.id} không có điểm trừ riêng")
    if assessment.tasks and reg.task_group is None:
        raise InvalidAssessmentError("tasks", f"chế độ {reg.id} không tính điểm từ danh sách nhiệm vụ")
    stats: TaskStats | None = None
    points_by_group: list[Decimal] = []
    for group in reg.groups:
        kind = group.kind
        if kind == "criteria":
            points = round_points(exact.get(group.code, _ZERO))
        elif kind == "tasks":
            value, stats = _score_tasks(reg, group, assessment, out)
            points = round_points(value)
        elif kind == "bonus":
            points = round_points(_score_items(group, assessment.bonuses, "bonuses", 1, out))
        else:
            points = round_points(_score_items(group, assessment.penalties, "penalties", -1, out))
        points_by_group.append(points)
    parts = _parts(reg, tuple(points_by_group))
    total = sum(points_by_group, _ZERO)
    if total > reg.max_total:
        out.add(
            reg.max_total - total,
            f"tổng điểm không vượt quá {format_points(reg.max_total)}",
            reg.total_cite,
            kind="total_capped",
            params=("max", reg.max_total),
        )
        total = reg.max_total
    elif total < 0:
        out.add(-total, "tổng điểm không thấp hơn 0", reg.total_cite, kind="total_floored")
        total = _ZERO.quantize(Decimal("0.01"))
    total = round_points(total)
    score_level, level = decide_level(reg, total, stats, disqualified, out)
    for _, reason, cite, kind, values in notes:
        out.fact(reason, cite, kind=kind, params=values)
    unit_code = assessment.leader.unit_level if assessment.leader is not None else None
    if (
        reg.leader_cap is not None
        and assessment.leader is not None
        and (unit_code is not None or not reg.yearly_levels)
    ):
        # with yearly levels the unit's level is known at the year only: a period takes it when given
        if unit_code is None:
            raise InvalidAssessmentError(
                "leader.unit_level", "cần mức xếp loại của cơ quan, đơn vị do người này lãnh đạo"
            )
        unit = reg.level_by_code.get(unit_code)
        if unit is None:
            raise InvalidAssessmentError(
                "leader.unit_level", f"mức «{unit_code}» không có; có: {', '.join(reg.level_by_code)}"
            )
        if level.rank > unit.rank:
            out.fact(
                f"Người lãnh đạo không xếp cao hơn đơn vị («{unit.display}»)",
                reg.leader_cap.cite,
                kind="leader_capped_by_unit",
                params=("level", unit.display),
            )
            level = unit
    if reg.yearly_levels and reg.yearly_levels_cite is not None:
        out.fact(
            f"Kỳ theo dõi, đánh giá chỉ chấm điểm (số điểm tương ứng mức «{level.display}»); mức xếp loại chất "
            "lượng được quyết định hằng năm trên cơ sở điểm trung bình của năm",
            reg.yearly_levels_cite,
            kind="period_points_only",
            params=("level", level.display),
        )
    return EvaluationResult(
        reg.id,
        assessment.person_id,
        True,
        total,
        reg.max_total,
        parts,
        level,
        score_level,
        tuple(out.lines),
        disqualified,
        stats,
        tuple(flags),
        is_leader,
        absence,
    )
