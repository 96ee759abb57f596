"""The quota at closing and after: the summary of a group's quota kept with each record, cut to what that person
may read, and the room a re-decided record of a closed period has under the quota."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from danhgia.scoring import QuotaResult
from danhgia.scoring.numbers import to_fraction
from danhgia.scoring.quota import allowed_count
from danhgia.storage.models import Assessment
from danhgia.storage.uow import UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.lifecycle import LOCKED


def quota_room(uow: UnitOfWork, record: Assessment) -> bool:
    """Whether a re-decided record of a closed period may take the quota's level without exceeding it."""
    period = uow.periods.get(record.period_id)
    assert period is not None and period.id is not None
    regime = ev.regime_of(period.regime_id)
    rule = regime.quota
    if rule is None:
        return True
    others = [
        r
        for r in uow.assessments.in_period(period.id)
        if r.id != record.id and r.state == LOCKED and r.is_leader == record.is_leader
    ]
    top = sum(1 for r in others if r.final_level == rule.level)
    basis = len(others) if rule.basis == "rated" else sum(1 for r in others if r.final_level == rule.basis)
    ratio = rule.exceptional_ratio if period.exceptional and rule.exceptional_ratio is not None else rule.ratio
    return allowed_count(rule, Fraction(to_fraction(ratio)), top + 1, basis) >= top + 1


def quota_summary(outcome: QuotaResult) -> dict[str, Any]:
    """A group's quota outcome as stored: whether it applies, the slots, the basis, and the explanation lines."""
    return {
        "applies": outcome.applies,
        "allowed": outcome.allowed,
        "basis_count": outcome.basis_count,
        "explanation": [line.text for line in outcome.explanation],
    }


def own_quota_lines(summary: dict[str, Any], others: list[str]) -> dict[str, Any]:
    """The group's quota summary as one person may keep it: the rule and their own lines, never a colleague's
    (`others`: the staff codes of the rest of the group)."""
    own = dict(summary)
    own["explanation"] = [line for line in summary.get("explanation", []) if not any(code in line for code in others)]
    return own
