"""Locking a closing period's approved records, all in one go: each record's final result (with the quota's lines
its owner may read), the version check of every record, the council's cases, the audit lines and the notices.

Closing a city's month locks 10⁵ records: the writes are batched (one statement for all the records' updates, one
for the audit lines, one for the notices), never one ORM round trip per record (bench/bench_scale.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from danhgia.scoring import EvaluationResult
from danhgia.storage.models import Assessment, Period
from danhgia.storage.uow import UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.common import Actor, Change, audit_many
from danhgia.workflow.council import CouncilSettings, flag_at_closing
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.outbox import queue_many
from danhgia.workflow.quota import QuotaLines, quota_group
from danhgia.workflow.refusal import Refusal


@dataclass(frozen=True)
class LockSet:
    """One period's approved records to lock, with their final results, the levels after the quota (`finals`),
    the quota's summary by group, everyone's staff code and who was tied on the quota's line."""

    period: Period
    approved: Sequence[Assessment]
    results: dict[int, EvaluationResult]
    finals: dict[int, str | None]
    quota: dict[str, dict[str, Any]]
    codes: dict[int, str]
    tied: set[str]


def lock_records(
    uow: UnitOfWork, actor: Actor, sets: Sequence[LockSet], council: CouncilSettings, now: datetime
) -> list[list[tuple[int, str]]]:
    """Lock every approved record of these periods with its final result, or refuse as stale (nothing written: the
    caller's unit of work is rolled back) when any changed since it was read; returns each set's council cases
    opened (person id, kind)."""
    changes: list[tuple[int, int, dict[str, Any]]] = []
    for each in sets:
        lines = {group: QuotaLines(summary) for group, summary in each.quota.items()}
        for record in each.approved:
            assert record.id is not None
            result = each.results[record.id]
            stored = ev.result_json(result)
            group = quota_group(record, each.period)
            if group in lines:
                stored["quota"] = lines[group].of(each.codes[record.person_id])
            values = {
                "state": LOCKED,
                "locked_at": now,
                "total": result.total,
                "level": result.level.code if result.level else None,
                "final_level": each.finals.get(record.id),
                "result": stored,
                "updated_at": now,
            }
            changes.append((record.id, record.version, values))
    if not uow.assessments.bump_many(changes):
        uow.rollback()
        raise Refusal("stale")
    approved = [record for each in sets for record in each.approved]
    olds = [(r.state, r.total, r.level) for r in approved]
    for record, (_, version, values) in zip(approved, changes, strict=True):
        for name, value in {**values, "version": version + 1}.items():
            set_committed_value(record, name, value)  # what was written, without writing it again
    flagged: list[list[tuple[int, str]]] = []
    for each in sets:
        found: list[tuple[int, str]] = []
        for record in each.approved:
            assert record.id is not None
            is_tied = each.codes[record.person_id] in each.tied
            cases = flag_at_closing(uow, each.period, record, each.results[record.id], council, is_tied, now, actor)
            found += [(record.person_id, kind) for kind in cases]
        flagged.append(found)
    totals = {record.id: each.results[record.id or 0].total for each in sets for record in each.approved}
    audit_many(
        uow,
        actor,
        [
            Change(
                "assessment.lock",
                "assessment",
                str(record.id),
                {"state": state, "total": _s(total), "level": level},
                {"state": LOCKED, "total": _s(totals[record.id]), "final_level": record.final_level},
            )
            for record, (state, total, level) in zip(approved, olds, strict=True)
        ],
        now,
    )
    notices = [
        ("final_result", r.person_id, {"assessment_id": r.id}, f"final_result:{r.id}:{r.version + 1}") for r in approved
    ]
    queue_many(uow, notices, now)
    return flagged


def _s(value: object) -> str | None:
    return None if value is None else str(value)
