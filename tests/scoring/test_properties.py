"""Property tests (hypothesis): bounds, monotonicity, the quota's guarantees, roll-up of identical months."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from danhgia.scoring import (
    Assessment,
    BonusClaim,
    CriterionInput,
    DeductionChoice,
    EvaluationResult,
    EvaluatorInput,
    LeaderInput,
    PeriodRecord,
    Regime,
    TaskInput,
    TaskStatus,
    apply_quota,
    evaluate,
    load_regime,
    rollup,
)
from danhgia.scoring.regime import EVALUATOR_ROLES
from tests.scoring.builders import REGIME_IDS

PROFILE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CENT = Decimal("0.01")
QUOTA_IDS = ("nd335-2025", "qd366-2025", "hanoi-3814-2018", "hanoi-1841-2021")


def cents(maximum: Decimal) -> st.SearchStrategy[Decimal]:
    return st.integers(0, int(maximum * 100)).map(lambda n: Decimal(n) / 100)


@st.composite
def criterion_input(draw: st.DrawFn, reg: Regime, code: str) -> CriterionInput:
    criterion = reg.criteria_by_code[code]
    kind = draw(st.sampled_from(("full", "points", "deductions")))
    if kind == "points":
        return CriterionInput(code, points=draw(cents(criterion.max_points)))
    if kind == "deductions" and criterion.deductions:
        items = draw(
            st.lists(st.sampled_from(criterion.deductions), min_size=1, max_size=3, unique_by=lambda d: d.code)
        )
        return CriterionInput(code, deductions=tuple(DeductionChoice(d.code, draw(st.integers(1, 3))) for d in items))
    return CriterionInput(code)


def criteria(reg: Regime) -> st.SearchStrategy[tuple[CriterionInput, ...]]:
    return st.tuples(*(criterion_input(reg, code) for code in reg.criteria_by_code))


@st.composite
def task(draw: st.DrawFn, index: int) -> TaskInput:
    status = draw(st.sampled_from(list(TaskStatus)))
    done = status.completed
    return TaskInput(
        name=f"Nhiệm vụ {index}",
        status=status,
        weight=draw(st.sampled_from([Decimal("0.5"), Decimal(1), Decimal(2), Decimal(3)])),
        major_errors=draw(st.integers(0, 5)),
        delays=0 if status is TaskStatus.DONE_ON_TIME else draw(st.integers(0, 5)),
        objective_cause_confirmed=draw(st.booleans()),
        exceeded=done and draw(st.booleans()),
    )


@st.composite
def evaluator_roles(draw: st.DrawFn, reg: Regime) -> list[str]:
    """The roles of a 360° assessment, in any order: anonymous roles sometimes below, sometimes at or above the
    regime's minimum number of raters, and at least one role that counts (else the input is refused)."""
    review = reg.review_360
    assert review is not None
    roles = draw(st.lists(st.sampled_from([code for code, _ in review.weights]), max_size=5))
    for role in review.anonymous_roles:  # often a group of raters large enough to count
        roles += [role] * draw(st.sampled_from((0, 0, review.min_raters, review.min_raters + 1)))
    counted = [r for r in roles if r not in review.anonymous_roles or roles.count(r) >= review.min_raters]
    if not counted:
        roles.append(draw(st.sampled_from([c for c, _ in review.weights if c not in review.anonymous_roles])))
    return list(draw(st.permutations(roles)))


@st.composite
def assessment(draw: st.DrawFn, reg: Regime, *, leaders: bool = True) -> Assessment:
    values: dict[str, object] = {"person_id": "CV01"}
    if reg.uses_360:
        values["evaluators"] = tuple(EvaluatorInput(role, draw(criteria(reg))) for role in draw(evaluator_roles(reg)))
    else:
        values["criteria"] = draw(criteria(reg))
    if reg.task_group is not None:
        size = draw(st.integers(1, 6))
        values["tasks"] = tuple(draw(task(i)) for i in range(size))
    for group, key in ((reg.bonus_group, "bonuses"), (reg.penalty_group, "penalties")):
        if group is not None:
            items = draw(st.lists(st.sampled_from(group.items), max_size=3))
            values[key] = tuple(BonusClaim(i.code, points=draw(cents(i.max_points))) for i in items)
    if leaders and draw(st.booleans()):
        rules = reg.task_group.tasks if reg.task_group is not None else None
        if rules is not None and rules.leader_criteria:
            subordinates = tuple(draw(st.lists(st.sampled_from(list(reg.level_by_code)), min_size=1, max_size=5)))
            given = tuple(
                (c.code, Decimal(draw(st.integers(0, 100))))
                for c in rules.leader_criteria
                if c.compute == "input" and (c.default_percent is None or draw(st.booleans()))
            )
            values["leader"] = LeaderInput(subordinates, given)
        elif reg.leader_cap is not None:
            values["leader"] = LeaderInput(unit_level=draw(st.sampled_from(list(reg.level_by_code))))
    return Assessment(**values)  # type: ignore[arg-type]


@st.composite
def regime_and_assessment(
    draw: st.DrawFn, *, leaders: bool = True, ids: tuple[str, ...] = REGIME_IDS
) -> tuple[Regime, Assessment]:
    reg = load_regime(draw(st.sampled_from(ids)))
    return reg, draw(assessment(reg, leaders=leaders))


# --------------------------------------------------------------------------- bounds


@PROFILE
@given(regime_and_assessment())
def test_total_never_exceeds_the_maximum(case: tuple[Regime, Assessment]) -> None:
    reg, person = case
    result = evaluate(reg, person)
    assert result.total is not None
    assert Decimal(0) <= result.total <= reg.max_total
    assert result.total == result.total.quantize(CENT)
    assert not result.total.is_signed()
    for part in result.parts:
        assert not (part.points == 0 and part.points.is_signed()), "no negative zero"
        if part.max_points is not None:
            assert Decimal(0) <= part.points <= part.max_points
        else:
            assert part.points <= 0
    assert result.level is not None and result.score_level is not None
    assert result.level.rank <= result.score_level.rank


@PROFILE
@given(regime_and_assessment())
def test_explanation_lines_add_up_to_the_points_lost_and_gained(case: tuple[Regime, Assessment]) -> None:
    """Every point gained or lost has its line: the deltas sum to total − scale (to the rounding of each line)."""
    reg, person = case
    result = evaluate(reg, person)
    assert result.total is not None
    base = sum((g.max_points or Decimal(0) for g in reg.groups if g.kind in ("criteria", "tasks")), Decimal(0))
    deltas = [line.delta for line in result.explanation if line.delta is not None]
    slack = CENT / 2 * (len(deltas) + len(result.parts))
    assert abs(sum(deltas, Decimal(0)) - (result.total - base)) <= slack
    assert all(line.text and "None" not in line.text for line in result.explanation)


@PROFILE
@given(regime_and_assessment(ids=("danang-lienchieu-2013", "danang-2013")))
def test_anonymous_raters_are_only_counted_or_averaged(case: tuple[Regime, Assessment]) -> None:
    """A role rated in secret (peers, a leader's staff) is either left out, or shown as an average and pooled
    criterion lines: never one rater's total, points, deductions or notes."""
    reg, person = case
    review = reg.review_360
    assert review is not None
    result = evaluate(reg, person)
    for role in review.anonymous_roles:
        label = EVALUATOR_ROLES[role]
        count = sum(1 for e in person.evaluators if e.role == role)
        about = [line.reason for line in result.explanation if line.reason.startswith(label)]
        if count == 0:
            assert about == []
        elif count < review.min_raters:
            left_out = "nên phần này không được tính và không được hiển thị"
            assert about == [f"{label}: chưa đủ {review.min_raters} người đánh giá {left_out}"]
        else:
            assert about[0].startswith(f"{label} ({count} người, chấm kín) cho trung bình ")
            assert all(
                r.startswith(f"{label} (trung bình): «") and r.endswith("» chưa đạt điểm tối đa") for r in about[1:]
            )
            assert len(about[1:]) <= len(reg.criteria)


# --------------------------------------------------------------------------- monotonicity


@st.composite
def improved(draw: st.DrawFn) -> tuple[Regime, Assessment, Assessment]:
    """An assessment without disqualifier and the same with more points somewhere."""
    reg, person = draw(regime_and_assessment())
    choices = ["criterion"]
    if person.tasks:
        choices.append("task")
    if person.bonuses:
        choices.append("bonus")
    if person.penalties:
        choices.append("penalty")
    what = draw(st.sampled_from(choices))
    if what == "criterion":
        if reg.uses_360:
            i = draw(st.integers(0, len(person.evaluators) - 1))
            evaluator = person.evaluators[i]
            crit = list(evaluator.criteria)
            j = draw(st.integers(0, len(crit) - 1))
            crit[j] = _raise(reg, crit[j], draw)
            evaluators = list(person.evaluators)
            evaluators[i] = dataclasses.replace(evaluator, criteria=tuple(crit))
            better = dataclasses.replace(person, evaluators=tuple(evaluators))
        else:
            crit = list(person.criteria)
            j = draw(st.integers(0, len(crit) - 1))
            crit[j] = _raise(reg, crit[j], draw)
            better = dataclasses.replace(person, criteria=tuple(crit))
    elif what == "task":
        tasks = list(person.tasks)
        j = draw(st.integers(0, len(tasks) - 1))
        old = tasks[j]
        how = draw(st.sampled_from(("fewer_errors", "on_time", "exceeded")))
        if how == "fewer_errors":
            tasks[j] = dataclasses.replace(old, major_errors=max(0, old.major_errors - 1))
        elif how == "on_time":
            tasks[j] = dataclasses.replace(old, status=TaskStatus.DONE_ON_TIME, delays=0)
        else:
            tasks[j] = dataclasses.replace(old, exceeded=old.status.completed)
        better = dataclasses.replace(person, tasks=tuple(tasks))
    elif what == "bonus":
        bonuses = list(person.bonuses)
        item = reg.bonus_group.items[0]  # type: ignore[union-attr]
        bonuses[0] = dataclasses.replace(bonuses[0], points=item.max_points)
        better = dataclasses.replace(person, bonuses=tuple(bonuses))
    else:
        better = dataclasses.replace(person, penalties=person.penalties[1:])
    return reg, person, better


def _raise(reg: Regime, given: CriterionInput, draw: st.DrawFn) -> CriterionInput:
    maximum = reg.criteria_by_code[given.code].max_points
    if given.points is not None:
        return CriterionInput(
            given.code, points=draw(st.integers(int(given.points * 100), int(maximum * 100))) / Decimal(100)
        )
    if given.deductions:
        return CriterionInput(given.code, deductions=given.deductions[1:])
    return given


@PROFILE
@given(improved())
def test_more_points_never_lower_the_level(case: tuple[Regime, Assessment, Assessment]) -> None:
    reg, worse, better = case
    low, high = evaluate(reg, worse), evaluate(reg, better)
    assert low.total is not None and high.total is not None and low.level and high.level
    assert not low.disqualifiers and not high.disqualifiers
    assert high.total >= low.total
    assert high.level.rank >= low.level.rank
    assert high.score_level is not None and low.score_level is not None
    assert high.score_level.rank >= low.score_level.rank


# --------------------------------------------------------------------------- quota


def _result(reg: Regime, person_id: str, total: Decimal) -> EvaluationResult:
    level = reg.level_for(total)
    return EvaluationResult(reg.id, person_id, True, total, reg.max_total, (), level, level, ())


@st.composite
def unit(draw: st.DrawFn) -> tuple[Regime, list[EvaluationResult], bool]:
    reg = load_regime(draw(st.sampled_from(QUOTA_IDS)))
    # few distinct totals, so that ties at the cut line are common
    pool = [Decimal(v) for v in ("95", "93.5", "92", "90", "89.99", "80", "75", "70", "60", "40")]
    totals = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=40))
    people = [_result(reg, f"CV{i:03d}", total) for i, total in enumerate(totals)]
    people = draw(st.permutations(people))
    exceptional = reg.quota is not None and reg.quota.exceptional_ratio is not None and draw(st.booleans())
    return reg, list(people), exceptional


@PROFILE
@given(unit())
def test_quota_is_never_exceeded_and_never_demotes_above_a_keeper(
    case: tuple[Regime, list[EvaluationResult], bool],
) -> None:
    reg, people, exceptional = case
    rule = reg.quota
    assert rule is not None
    quota = apply_quota(reg, people, exceptional=exceptional)
    ratio = rule.exceptional_ratio if exceptional and rule.exceptional_ratio else rule.ratio
    after = {d.person_id: d for d in quota.decisions}
    top = [d for d in quota.decisions if d.level_after is not None and d.level_after.code == rule.level]
    if rule.basis == "rated":
        basis = sum(1 for d in quota.decisions if d.level_after is not None)
    else:
        basis = sum(1 for d in quota.decisions if d.level_after is not None and d.level_after.code == rule.basis)
    assert len(top) <= ratio * basis  # never exceeded
    demoted = [d for d in quota.decisions if d.demoted]
    for loser in demoted:
        assert loser.level_before is not None and loser.level_before.code == rule.level
        assert loser.level_after is not None and loser.level_after.code == rule.demote_to
        for keeper in top:  # nobody with fewer (or equal, unless a human chose) points keeps the level
            assert keeper.total is not None and loser.total is not None and keeper.total > loser.total
    for person in people:  # only candidates change
        if person.level is None or person.level.code != rule.level:
            assert after[person.person_id].level_after == person.level
    candidates = sum(1 for p in people if p.level is not None and p.level.code == rule.level)
    if quota.tie is None:
        assert len(top) == quota.allowed == min(candidates, quota.allowed)
        if len(top) < candidates:  # not one more could have kept the level
            extra_basis = basis if rule.basis == "rated" else (basis - 1 if rule.basis == rule.demote_to else basis)
            assert len(top) + 1 > ratio * extra_basis
    else:
        assert all(after[p].pending_tie for p in quota.tie.person_ids)
        assert len(top) + quota.tie.slots == quota.allowed
    # the order of the input does not matter
    again = apply_quota(reg, list(reversed(people)), exceptional=exceptional)
    assert {d.person_id: d.level_after for d in again.decisions} == {p: d.level_after for p, d in after.items()}


# --------------------------------------------------------------------------- roll-up


@PROFILE
@given(regime_and_assessment(leaders=False))
def test_rollup_of_identical_periods_equals_the_period(case: tuple[Regime, Assessment]) -> None:
    reg, person = case
    month = evaluate(reg, person)
    assume(month.rated)
    keys = [f"2026-Q{n}" for n in range(1, 5)] if reg.period == "quarter" else [f"2026-{m:02d}" for m in range(1, 13)]
    result = rollup(reg, [PeriodRecord.from_result(key, month) for key in keys])
    assert result.year.total == month.total
    assert result.year.level == month.level
    for quarter in result.quarters:
        assert quarter.total == month.total
        assert quarter.level == (None if quarter.merged_into_year else month.level)
