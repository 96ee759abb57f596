"""The bridge between stored records and scoring/: the self-assessment draft (kept in scoring's documented
JSON format), the month's task snapshot, the reviewer's changes and the leader facts become one
`scoring.Assessment`; the result is evaluated by the regime and stored as JSON for display."""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from danhgia.scoring import (
    EvaluationResult,
    ExplanationLine,
    Regime,
    ScoringError,
    WorkingTime,
    evaluate,
    load_regime,
    parse_assessment,
    result_to_dict,
)
from danhgia.scoring.serialize import StoredResultError, result_from_dict
from danhgia.workflow import inputs
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.tasks import DONE_LATE, DONE_ON_TIME, NOT_DONE, TaskView

STEP_SUMMARY = "summary"
STEP_TASKS = "tasks"
STEP_BONUS = "bonus"
LEADER_PERCENTS = (100, 90, 75, 50, 25, 0)


def regime_of(regime_id: str) -> Regime:
    """A bundled regime (cached by scoring/)."""
    return load_regime(regime_id)


def default_self_input(regime: Regime) -> dict[str, Any]:
    """A fresh draft: every criterion at full points, nothing claimed."""
    return {"criteria": {c.code: {} for c in regime.criteria}, "leader": {}, "bonuses": [], "causes": {}}


def input_leader_criteria(regime: Regime) -> list[str]:
    """Codes of the leader criteria the leader enters as a percentage (NĐ 335: organising capacity, …)."""
    group = regime.task_group
    if group is None or group.tasks is None:
        return []
    return [c.code for c in group.tasks.leader_criteria if c.compute == "input"]


def leader_criterion_name(regime: Regime, code: str) -> str:
    """The name of one of the regime's leader criteria (the code itself when unknown)."""
    group = regime.task_group
    criteria = group.tasks.leader_criteria if group is not None and group.tasks is not None else ()
    return next((c.name for c in criteria if c.code == code), code)


def steps_for(regime: Regime, is_leader: bool) -> tuple[str, ...]:
    """The self-assessment walk: each criterion, the tasks, leader criteria, bonus claims, the summary."""
    steps = [f"crit:{c.code}" for c in regime.criteria]
    if regime.task_group is not None:
        steps.append(STEP_TASKS)
    if is_leader:
        steps += [f"leader:{code}" for code in input_leader_criteria(regime)]
    if regime.bonus_group is not None:
        steps.append(STEP_BONUS)
    steps.append(STEP_SUMMARY)
    return tuple(steps)


def parse_points(text: str, maximum: Decimal) -> Decimal:
    """Points typed as "8", "7,5" or "7.25": between 0 and the maximum, at most 2 decimals (workflow/inputs.py)."""
    return inputs.points(text, maximum)


def parse_percent(text: str) -> Decimal:
    """A percentage typed as "80" or "80%": 0 to 100 (workflow/inputs.py)."""
    return inputs.percent(text)


# -- editing a criteria draft (shared by the self-assessment and the reviewer's adjustment) ---------------


def criterion_points(regime: Regime, entry: dict[str, Any], code: str) -> Decimal:
    """The points an entry gives a criterion (for display; scoring/ is the authority)."""
    criterion = regime.criteria_by_code[code]
    if entry.get("points") is not None:
        return Decimal(str(entry["points"]))
    lost = Decimal(0)
    for choice in entry.get("deductions", []):
        item = criterion.deduction(choice["code"])
        if item is not None:
            lost += item.points * int(choice.get("count", 1))
    return max(Decimal(0), criterion.max_points - lost)


def set_full(criteria: dict[str, Any], code: str) -> None:
    """Full points (keeps the note)."""
    note = criteria.get(code, {}).get("note", "")
    criteria[code] = {"note": note} if note else {}


def add_deduction(regime: Regime, criteria: dict[str, Any], code: str, deduction: str) -> None:
    """One more occurrence of a listed deduction (refused once the criterion would fall below zero)."""
    criterion = regime.criteria_by_code.get(code)
    if criterion is None or criterion.deduction(deduction) is None:
        raise Refusal("unknown_choice", retry=True)
    entry = dict(criteria.get(code, {}))
    if entry.get("points") is None and criterion_points(regime, entry, code) <= 0:
        raise Refusal("deduction_floor", retry=True)
    entry.pop("points", None)
    choices = [dict(c) for c in entry.get("deductions", [])]
    for choice in choices:
        if choice["code"] == deduction:
            choice["count"] = int(choice.get("count", 1)) + 1
            break
    else:
        choices.append({"code": deduction, "count": 1})
    entry["deductions"] = choices
    criteria[code] = entry


def set_leader_percent(regime: Regime, draft: dict[str, Any], is_leader: bool, code: str, text: str) -> None:
    """A typed or chosen percentage for one of a leader's own criteria (refused for anyone else's record)."""
    value = parse_percent(text)
    if not is_leader or code not in input_leader_criteria(regime):
        raise Refusal("unknown_choice", retry=True)
    draft.setdefault("leader", {})[code] = str(value)


def set_points(regime: Regime, criteria: dict[str, Any], code: str, text: str) -> Decimal:
    """Points typed for a criterion (replacing deductions)."""
    criterion = regime.criteria_by_code.get(code)
    if criterion is None:
        raise Refusal("unknown_choice", retry=True)
    value = parse_points(text, criterion.max_points)
    entry = {"points": str(value)}
    note = criteria.get(code, {}).get("note", "")
    if note:
        entry["note"] = note
    if value == criterion.max_points:
        entry.pop("points")
    criteria[code] = entry
    return value


def set_note(criteria: dict[str, Any], code: str, note: str) -> None:
    """A note on a criterion (empty removes it)."""
    entry = dict(criteria.get(code, {}))
    if note:
        entry["note"] = note
    else:
        entry.pop("note", None)
    criteria[code] = entry


# -- tasks -----------------------------------------------------------------------------------------------


def snapshot_tasks(tasks: list[TaskView]) -> list[dict[str, Any]]:
    """The month's tasks as they stand at submission (later check-ins do not change a submitted record)."""
    rows = []
    for task in tasks:
        if task.status == DONE_ON_TIME:
            status = "done_on_time"
        elif task.status == DONE_LATE:
            status = "done_late"
        elif task.status == NOT_DONE:
            status = "not_done"
        else:
            status = "in_progress"
        rows.append(
            {
                "id": str(task.id),
                "name": task.title,
                "status": status,
                "weight": str(task.weight),
                "major_errors": 1 if task.quality_problem else 0,
                "delays": 1 if status == "done_late" else 0,
            }
        )
    return rows


def claimable(task: dict[str, Any]) -> bool:
    """Whether an objective cause can be claimed for a task (it was late, has an error, or is unfinished)."""
    return bool(task.get("delays") or task.get("major_errors") or task.get("status") in ("in_progress", "not_done"))


@dataclass(frozen=True)
class LeaderFacts:
    """What a leader's KPI needs from others: the levels of the people reporting to them, and the level their unit
    itself was rated (None: not entered, no cap applied)."""

    subordinate_levels: tuple[str, ...]
    provisional: bool
    unit_level: str | None = None


def scoring_input(
    regime: Regime,
    person_code: str,
    self_input: dict[str, Any],
    tasks: list[dict[str, Any]],
    review: dict[str, Any] | None,
    leader: LeaderFacts | None,
    working_time: WorkingTime | None = None,
    ratings: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The documented scoring JSON of one record: the reviewer's changes applied over the self-assessment.

    360° regimes: the person's own criteria are the self evaluator; `ratings` (the 360° round: peers, the
    higher leader, a leader's own staff) are the others; the direct leader is their rating — or, without one,
    the self-assessment they approve — with their adjustments on top, once they have decided.
    """
    criteria = _copied(self_input.get("criteria", {}))
    bonuses = [dict(b) for b in self_input.get("bonuses", [])]
    causes = dict(self_input.get("causes", {}))
    leader_inputs = dict(self_input.get("leader", {}))
    rejected_causes: set[str] = set()
    if review is not None:
        criteria.update(_copied(review.get("criteria", {})))
        rejected_causes = set(review.get("rejected_causes", []))
        rejected_bonuses = set(review.get("rejected_bonuses", []))
        bonuses = [b for b in bonuses if b["code"] not in rejected_bonuses]
        leader_inputs.update(review.get("leader", {}))
    task_rows = []
    for task in tasks:
        row = {k: v for k, v in task.items() if k in ("id", "name", "status", "weight", "major_errors", "delays")}
        row["objective_cause_confirmed"] = task["id"] in causes and task["id"] not in rejected_causes
        task_rows.append(row)
    data: dict[str, Any] = {"person_id": person_code}
    clean = _plain_criteria(criteria)
    if regime.uses_360:
        own = _copied(self_input.get("criteria", {}))
        evaluators = [{"role": "self", "criteria": own}]
        others = [r for r in ratings or [] if r["role"] != "direct_leader"]
        evaluators += [{"role": r["role"], "criteria": _plain_criteria(r["criteria"])} for r in others]
        leader_rating = next((r for r in ratings or [] if r["role"] == "direct_leader"), None)
        if review is not None:  # the direct leader counts once they have decided, never before
            leader_criteria = _copied(leader_rating["criteria"]) if leader_rating else own
            leader_criteria.update(_copied(review.get("criteria", {})))
            evaluators.append({"role": "direct_leader", "criteria": _plain_criteria(leader_criteria)})
        data["evaluators"] = evaluators
    else:
        data["criteria"] = clean
    if regime.task_group is not None:
        data["tasks"] = task_rows
    if bonuses and regime.bonus_group is not None:
        data["bonuses"] = [{k: v for k, v in b.items() if k in ("code", "count", "points", "note")} for b in bonuses]
    rules = regime.task_group.tasks if regime.task_group is not None else None
    if leader is not None:  # a leader: each fact the regime has a rule for, and only those
        computes = {c.compute for c in rules.leader_criteria} if rules is not None else set()
        facts: dict[str, Any] = {}
        if "subordinates" in computes:
            facts["subordinate_levels"] = list(leader.subordinate_levels)
        if "input" in computes:
            facts["criteria"] = {code: str(value) for code, value in leader_inputs.items()}
        if regime.leader_cap is not None:  # not above the unit's own level, once HR has entered it
            known = leader.unit_level if leader.unit_level in regime.level_by_code else None
            facts["unit_level"] = known or regime.levels[0].code
        data["leader"] = facts
    if working_time is not None:
        data["working_time"] = {
            "working_days": working_time.working_days,
            "leave": {entry.type: entry.days for entry in working_time.leave},
        }
    return data


def _copied(value: Any) -> Any:
    """A deep copy of stored JSON (dicts, lists and immutable scalars), as `copy.deepcopy` makes it but faster (each
    closed record is copied); any other value is left to `copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_IMMUTABLE = frozenset({str, int, float, bool, type(None), Decimal})


def _plain_criteria(criteria: dict[str, Any]) -> dict[str, Any]:
    return {
        code: {k: v for k, v in entry.items() if k in ("points", "deductions", "note")}
        for code, entry in criteria.items()
    }


def evaluate_record(
    regime: Regime,
    person_code: str,
    self_input: dict[str, Any],
    tasks: list[dict[str, Any]],
    review: dict[str, Any] | None,
    leader: LeaderFacts | None,
    working_time: WorkingTime | None = None,
    ratings: list[dict[str, Any]] | None = None,
    *,
    round_open: bool = False,
    remember: bool = True,
) -> EvaluationResult:
    """Score one record (ScoringError when its data cannot be scored, e.g. no task in the period).

    Before review, the person's objective-cause claims are scored as they claim them (their self-score),
    and the explanation says they still wait for the leader's confirmation. While the 360° round is open
    (`round_open`), the explanation says that the round counts only once it closes — the same words whatever
    the round holds. `remember` keeps the evaluation for the next reads of the same input (`_evaluated`); closing,
    which scores each record once, does without.
    """
    data = scoring_input(regime, person_code, self_input, tasks, review, leader, working_time, ratings)
    result = _evaluated(regime, data) if remember else evaluate(regime, parse_assessment(data))
    if review is None and self_input.get("causes"):
        result = dataclasses.replace(result, explanation=tuple(_pending_claim(line) for line in result.explanation))
    review_360 = regime.review_360
    if round_open and review_360 is not None:
        cite = review_360.anonymity_cite or review_360.cite
        line = ExplanationLine(None, _ROUND_OPEN, cite, kind="round_open")
        result = dataclasses.replace(result, explanation=(*result.explanation, line))
    return result


RESULTS_KEPT = 512  # evaluations remembered (a few per record being worked on)
_results: OrderedDict[tuple[int, str], tuple[Regime, EvaluationResult]] = OrderedDict()
_results_lock = threading.Lock()


def _evaluated(regime: Regime, data: dict[str, Any]) -> EvaluationResult:
    """`evaluate(regime, parse_assessment(data))`, remembered. Scoring is a pure function of the regime and the
    documented input (both immutable, the result too), and one decision reads the same record several times — the
    reviewer's view, the decided values, the stored view, then the card and the notice — so each distinct input
    is evaluated once; a ScoringError is not remembered."""
    key = (id(regime), json.dumps(data, sort_keys=True, default=_typed))
    with _results_lock:
        known = _results.get(key)
        if known is not None and known[0] is regime:  # the very regime (kept alive here: its id is not reused)
            _results.move_to_end(key)
            return known[1]
    result = evaluate(regime, parse_assessment(data))
    with _results_lock:
        _results[key] = (regime, result)
        while len(_results) > RESULTS_KEPT:
            _results.popitem(last=False)
    return result


def _typed(value: object) -> str:
    return f"{type(value).__name__}:{value}"


_ROUND_OPEN = (
    "Điểm tạm tính, chưa gồm vòng đánh giá chéo (đồng nghiệp, lãnh đạo cấp trên, cán bộ thuộc quyền): "
    "vòng chấm kín chỉ được tính khi chốt kỳ"
)


_CONFIRMED = "do nguyên nhân khách quan đã được xác nhận"
_CLAIMED = "do nguyên nhân khách quan (đã nêu, chờ lãnh đạo xác nhận)"


CLAIMABLE_KINDS = (
    "task_excused_unfinished",
    "task_excused_errors",
    "task_excused_delays",
    "task_excused_errors_delays",
)


def _pending_claim(line: ExplanationLine) -> ExplanationLine:
    """The self-assessment's wording of an objective cause that nobody has confirmed yet (kind `…_claimed`)."""
    if line.kind not in CLAIMABLE_KINDS:
        return line
    return dataclasses.replace(line, reason=line.reason.replace(_CONFIRMED, _CLAIMED), kind=f"{line.kind}_claimed")


def own_score(regime: Regime, result: EvaluationResult) -> Decimal | None:
    """ "Tự chấm" as a person reads it: the points of the parts they assess (criteria, tasks), without the bonus
    they claim or a penalty — those are shown apart."""
    if result.total is None:
        return None
    kinds = {group.code: group.kind for group in regime.groups}
    if all(kinds.get(part.code) in ("criteria", "tasks") for part in result.parts):
        return result.total
    return sum((p.points for p in result.parts if kinds.get(p.code) in ("criteria", "tasks")), Decimal(0))


def claimed_bonus(regime: Regime, result: EvaluationResult) -> Decimal | None:
    """The bonus points of a result (None when the regime has no bonus)."""
    group = regime.bonus_group
    if group is None:
        return None
    return next((p.points for p in result.parts if p.code == group.code), Decimal(0))


def self_only(
    regime: Regime, person_code: str, self_input: dict[str, Any], tasks: list[dict[str, Any]]
) -> EvaluationResult | None:
    """The person's own self-assessment, scored without anyone else's rating (None when it cannot be scored)."""
    try:
        return evaluate_record(regime, person_code, self_input, tasks, None, None)
    except ScoringError:
        return None


def result_json(result: EvaluationResult) -> dict[str, Any]:
    """The stored, displayable form of a result: the documented JSON with its explanation lines as data (kind,
    values, subject), so that it reads back as the very result (`stored_result`) and is worded in any language."""
    return result_to_dict(result, line_data=True)


def stored_result(data: Mapping[str, Any] | None, regime: Regime) -> EvaluationResult | None:
    """A result as `result_json` stored it, read back; None when there is none or it cannot be read back (stored
    by an older version, or under another regime): then the record is evaluated again."""
    if not data:
        return None
    try:
        return result_from_dict(data, regime)
    except StoredResultError:
        return None


__all__ = [
    "LEADER_PERCENTS",
    "STEP_BONUS",
    "STEP_SUMMARY",
    "STEP_TASKS",
    "LeaderFacts",
    "Refusal",
    "ScoringError",
    "add_deduction",
    "claimable",
    "claimed_bonus",
    "criterion_points",
    "default_self_input",
    "evaluate_record",
    "input_leader_criteria",
    "own_score",
    "parse_percent",
    "parse_points",
    "regime_of",
    "result_json",
    "scoring_input",
    "self_only",
    "set_full",
    "set_note",
    "set_points",
    "snapshot_tasks",
    "steps_for",
    "stored_result",
]
