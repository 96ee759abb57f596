"""Commendation proposals of the evaluation council: the best results of the latest closed periods, proposed by
members; when the quorum proposes the same person they are told privately (once), and the proposal is final."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from danhgia.storage.models import Commendation
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.collation import name_key
from danhgia.workflow.common import Actor, Change, audit
from danhgia.workflow.council import CouncilSettings, require_member
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.outbox import queue
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import record_regime


@dataclass(frozen=True)
class Candidate:
    """A person the council may propose for commendation, and how many members proposed them."""

    period_id: int
    period_label: str
    person_id: int
    person_name: str
    unit_name: str
    total: Decimal | None
    level: str | None
    proposals: int
    proposed_by_me: bool

    def final(self, quorum: int) -> bool:
        """Enough members proposed this person: they were told, and nobody can withdraw the proposal."""
        return self.proposals >= quorum

    def may_propose(self, member_id: int, quorum: int) -> bool:
        """This member may propose this person, or withdraw their proposal: not themselves, not once final."""
        return self.person_id != member_id and not self.final(quorum)


class CommendationService:
    """Proposing excellent performers for commendation (council members only)."""

    def __init__(self, db: Database, clock: Clock, settings: CouncilSettings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def candidates(self, member_id: int) -> list[Candidate]:
        """The best results of the latest closed periods (top level), with the proposals so far."""
        with self.db.reader() as uow:
            require_member(uow, member_id)
            closed = [p for p in uow.periods.with_key(self._latest_closed_key(uow)) if p.status == "closed"]
            proposals = uow.council.proposals([p.id for p in closed if p.id is not None])
            found: list[Candidate] = []
            for period in closed:
                assert period.id is not None
                for record in uow.assessments.in_period(period.id):
                    regime = record_regime(record, period)
                    top = regime.levels[0].code
                    if record.state != LOCKED or (record.final_level or record.level) != top:
                        continue
                    person = uow.people.get(record.person_id)
                    unit = uow.units.get(period.unit_id)
                    mine = [p for p in proposals if p.period_id == period.id and p.person_id == record.person_id]
                    found.append(
                        Candidate(
                            period.id,
                            span_from_key(period.key).label(),
                            record.person_id,
                            person.full_name if person else "",
                            unit.name if unit else "",
                            record.total,
                            record.final_level or record.level,
                            len(mine),
                            any(p.proposed_by == member_id for p in mine),
                        )
                    )
            return sorted(found, key=lambda c: (-(c.total or 0), name_key(c.person_name)))

    @staticmethod
    def _latest_closed_key(uow: UnitOfWork) -> str:
        keys = sorted({p.key for p in uow.periods.all_closed()}, reverse=True)
        return keys[0] if keys else ""

    def propose(self, member_id: int, period_id: int, person_id: int) -> bool:
        """Propose (or withdraw the proposal of) an excellent performer; True when now proposed.

        When the quorum of members proposes the same person, they are told privately (once), and the proposal is
        then final: nobody can withdraw what the person has been told."""
        now = self.clock.now()
        with self.db.uow() as uow:
            require_member(uow, member_id)
            if member_id == person_id:
                raise Refusal("own_case")
            period = uow.periods.get(period_id)
            if period is None or period.status != "closed" or period.id is None:
                raise Refusal("not_found")
            existing = uow.council.proposal(period_id, person_id, member_id)
            before = sum(1 for p in uow.council.proposals([period_id]) if p.person_id == person_id)
            if existing is not None:
                if before >= self.settings.quorum:
                    raise Refusal("commend_final")
                uow.council.delete(existing)
                proposed = False
            else:
                proposal = Commendation(period_id=period_id, person_id=person_id, proposed_by=member_id, at=now)
                uow.council.add_proposal(proposal)
                proposed = True
            new = {"period_id": period_id, "proposed": proposed}
            audit(uow, Actor.person(member_id), Change("council.commend", "person", str(person_id), None, new), now)
            if proposed and before + 1 >= self.settings.quorum:
                key = f"commended:{period_id}:{person_id}"
                queue(uow, "commended", person_id, {"period_id": period_id}, now, dedupe_key=key)
            uow.commit()
            return proposed
