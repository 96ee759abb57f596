"""The quota at closing and after: the summary of a group's quota kept with each record, cut to what that person
may read (`workflow.privacy`), and the room a re-decided record of a closed period has under the quota.

The summary's explanation lines are stored as data (`scoring.serialize.line_to_dict`: kind, params, subject,
delta, citation, text), so that a reader words them in their language and the privacy rule reads whom each is
about instead of guessing it from a sentence."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from danhgia.scoring import QuotaResult, Regime
from danhgia.scoring.numbers import to_fraction
from danhgia.scoring.quota import allowed_count
from danhgia.scoring.serialize import line_to_dict
from danhgia.storage.models import Assessment, Period
from danhgia.storage.uow import UnitOfWork
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.privacy import read_line, read_lines, visible_lines
from danhgia.workflow.regimes import record_regime

GROUP_LEADERS = "leaders"
GROUP_STAFF = "staff"


def quota_group(record: Assessment, period: Period) -> str:
    """The quota group of a record: leaders apart from staff (NĐ 335, NĐ 233 Điều 12.6: "từng nhóm … có nhiệm vụ
    tương đồng"), and each regime and category of staff apart ("leaders", or e.g. "staff:nd233-2026:vien_chuc" for
    anyone not under the period's regime or with a category)."""
    kind = GROUP_LEADERS if record.is_leader else GROUP_STAFF
    regime_id = record.regime_id or period.regime_id
    if regime_id == period.regime_id and not record.category:
        return kind
    return f"{kind}:{regime_id}:{record.category or '-'}"


def group_kind(group: str) -> str:
    """ "leaders" or "staff", whatever regime and category the group is of."""
    return group.split(":", 1)[0]


def group_regime_id(group: str, period_regime_id: str) -> str:
    """The regime of a quota group."""
    parts = group.split(":")
    return parts[1] if len(parts) > 2 else period_regime_id


def quota_at_closing(regime: Regime) -> bool:
    """Whether the regime's quota is applied when a period closes (not for a yearly quota, NĐ 233 Điều 12.6)."""
    return regime.quota is not None and regime.quota.scope == "period"


def quota_room(uow: UnitOfWork, record: Assessment) -> bool:
    """Whether a re-decided record of a closed period may take the quota's level without exceeding it."""
    period = uow.periods.get(record.period_id)
    assert period is not None and period.id is not None
    regime = record_regime(record, period)
    rule = regime.quota
    if rule is None or not quota_at_closing(regime):
        return True
    group = quota_group(record, period)
    others = [
        r
        for r in uow.assessments.in_period(period.id)
        if r.id != record.id and r.state == LOCKED and quota_group(r, period) == group
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
        "explanation": [line_to_dict(line) for line in outcome.explanation],
    }


def own_quota_lines(summary: dict[str, Any], *, viewer: str) -> dict[str, Any]:
    """The group's quota summary as the person with staff code `viewer` may keep it: the lines `visible_lines`
    lets them read (the rule and their own, never a colleague's)."""
    lines = read_lines(summary.get("explanation"))
    own = dict(summary)
    own["explanation"] = [line.stored for line in visible_lines(lines, viewer)]
    return own


class _Kept(NamedTuple):
    """A stored quota line with what `privacy.visible` reads of it: its kind and subject, as `read_line` reads them."""

    kind: str
    subject: str | None
    stored: dict[str, Any] | str


def _kept(value: object) -> _Kept:
    if isinstance(value, Mapping) and value.get("kind"):  # the usual line: only its kind and subject are read
        subject = value.get("subject")
        return _Kept(str(value["kind"]), str(subject) if subject else None, dict(value))
    line = read_line(value)  # an older form: as privacy reads it
    return _Kept(line.kind, line.subject, line.stored)


class QuotaLines:
    """A group's quota summary read once, then given to each of its members as `own_quota_lines` would (the lines
    are not read back whole: closing a branch gives 10⁵ people their group's lines)."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        explanation = summary.get("explanation")
        self.lines = [_kept(value) for value in explanation] if isinstance(explanation, list) else []

    def of(self, viewer: str) -> dict[str, Any]:
        """The summary as the person with staff code `viewer` may keep it."""
        return {**self.summary, "explanation": [line.stored for line in visible_lines(self.lines, viewer)]}
